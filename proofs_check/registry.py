"""Data types of the verification report: one :class:`ResultCheck` per paper result, four evidence kinds each.

A result passes only if every one of the four evidence kinds ran and passed; a missing kind, a check that
raised, or a check that reports ``passed=False`` makes the result FAIL. ``worst_margin`` is the smallest
slack a check found (≥ 0 where the statement holds; for a negative control, the size of the violation it
was required to detect), so the report shows how close each claim came to failing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ascent_fails.validate import require_choice

EVIDENCE_KINDS: tuple[str, ...] = ("symbolic", "high_precision", "property", "negative_control")

Tag = Literal["paper", "reconstructed"]


@dataclass(frozen=True)
class Evidence:
    """Outcome of one check of one kind."""

    kind: str  # one of EVIDENCE_KINDS
    passed: bool
    summary: str  # one sentence: what was checked, on how many cases, what was found
    worst_margin: float | None = None  # smallest slack seen (see module docstring); None if not meaningful
    data: Mapping[str, object] = field(default_factory=dict)  # JSON-serialisable numbers behind the summary

    def __post_init__(self) -> None:
        require_choice("kind", self.kind, EVIDENCE_KINDS)


@dataclass(frozen=True)
class ResultCheck:
    """A paper result and the callables that produce its evidence."""

    id: str  # stable identifier used in JSON, e.g. "lemma2"
    title: str  # e.g. "Lemma 2 (closed form)"
    tag: Tag  # "paper" or "reconstructed", as in shared/spec/THEORY.md
    checks: Mapping[str, Callable[[], Evidence]]  # evidence kind -> check


def result_check(id: str, title: str, tag: Tag, *checks: Callable[[], Evidence]) -> ResultCheck:
    """A :class:`ResultCheck` with one check per evidence kind, given in :data:`EVIDENCE_KINDS` order.

    A check given in the wrong place returns evidence of another kind, which the runner reports as a FAIL.

    >>> result_check("lemma0", "Lemma 0", "paper", *(lambda: None,) * 4).checks.keys() == set(EVIDENCE_KINDS)
    True
    """
    if len(checks) != len(EVIDENCE_KINDS):
        raise ValueError(f"{id}: {len(checks)} checks given, one per evidence kind {EVIDENCE_KINDS} needed")
    return ResultCheck(id, title, tag, dict(zip(EVIDENCE_KINDS, checks)))


@dataclass(frozen=True)
class ResultReport:
    """Evidence gathered for one result."""

    id: str
    title: str
    tag: Tag
    evidence: tuple[Evidence, ...]
    seconds: float

    @property
    def passed_kinds(self) -> list[str]:
        return [e.kind for e in self.evidence if e.passed]

    @property
    def status(self) -> Literal["PASS", "FAIL"]:
        ok = set(self.passed_kinds) == set(EVIDENCE_KINDS) and all(e.passed for e in self.evidence)
        return "PASS" if ok else "FAIL"

    @property
    def worst_margin(self) -> float | None:
        margins = [e.worst_margin for e in self.evidence if e.worst_margin is not None and e.kind != "negative_control"]
        return min(margins) if margins else None

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "tag": self.tag,
            "status": self.status,
            "evidence": self.passed_kinds,
            "details": {
                e.kind: {"passed": e.passed, "summary": e.summary, "worst_margin": e.worst_margin, "data": dict(e.data)}
                for e in self.evidence
            },
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class VerifyReport:
    """All results; ``ok`` is true only if every result passed."""

    results: tuple[ResultReport, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.status == "PASS" for r in self.results)

    def to_dict(self) -> dict:
        return {
            "lemmas": [r.to_dict() for r in self.results],
            "all_passed": self.ok,
            "seconds": round(self.seconds, 3),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=_json_default)

    def to_text(self, verbose: bool = True) -> str:
        """A table (one row per result) followed, if ``verbose``, by each check's one-line summary."""
        mark = {True: "ok", False: "FAIL", None: "--"}
        head = f"{'result':<14}{'title':<46}{'tag':<15}" + "".join(f"{k:<18}" for k in EVIDENCE_KINDS)
        head += f"{'status':<8}{'worst margin':>14}"
        lines = [head, "-" * len(head)]
        for r in self.results:
            by_kind = {e.kind: e.passed for e in r.evidence}
            margin = "" if r.worst_margin is None else f"{r.worst_margin:.3g}"
            row = f"{r.id:<14}{r.title[:45]:<46}{r.tag:<15}"
            row += "".join(f"{mark[by_kind.get(k)]:<18}" for k in EVIDENCE_KINDS)
            lines.append(row + f"{r.status:<8}{margin:>14}")
        n_pass = sum(r.status == "PASS" for r in self.results)
        lines.append("-" * len(head))
        lines.append(f"{n_pass}/{len(self.results)} results PASS in {self.seconds:.1f} s")
        if any(r.tag == "reconstructed" for r in self.results):
            lines.append(
                "tag 'reconstructed': the paper asserts the result but its printed formula could not be read; "
                "the formula checked is the reconstruction in shared/spec/THEORY.md."
            )
        if verbose:
            lines.append("")
            for r in self.results:
                lines.append(f"[{r.status}] {r.id}: {r.title} ({r.tag}, {r.seconds:.2f} s)")
                for e in r.evidence:
                    lines.append(f"    {e.kind:<17}{mark[e.passed]:<5}{e.summary}")
        return "\n".join(lines)


def _json_default(obj: object) -> object:
    # numpy scalars and arrays reach the report through Evidence.data
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return str(obj)
