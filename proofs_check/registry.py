"""Data types of the verification report: one :class:`ResultCheck` per paper result, four evidence kinds each.

A result passes only if every one of the four evidence kinds ran and passed; a missing kind, a check that
raised, or a check that reports ``passed=False`` makes the result FAIL. ``worst_margin`` is the smallest
slack a check found (≥ 0 where the statement holds; for a negative control, the size of the violation it
was required to detect), so the report shows how close each claim came to failing.
"""

from __future__ import annotations

import json
import unicodedata
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
    tag: Tag  # "paper" or "reconstructed", as in docs/theory.md
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
            "statements": DOCS,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=_json_default)

    def to_text(self, verbose: bool = True, wide: bool = False) -> str:
        """The report as text: a table (one row per result), then, if ``verbose``, each check's one-line summary.

        The default table fits :data:`TEXT_WIDTH` columns: one symbol per evidence kind (legend below the table)
        and summaries wrapped to the width. ``wide`` gives the long form: the evidence kinds spelled out, and each
        summary on one line (for grep). Either form ends with the pointer to the statements, :data:`DOCS`.
        """
        lines = _wide_table(self) if wide else _compact_table(self)
        n_pass = sum(r.status == "PASS" for r in self.results)
        lines.append(f"{n_pass}/{len(self.results)} results PASS in {self.seconds:.1f} s")
        notes = []
        if not wide:
            notes.append("evidence " + " ".join(_SYMBOL_HEADS) + ": " + ", ".join(
                f"{head} {kind} ({_KIND_MEANING[kind]})" for head, kind in zip(_SYMBOL_HEADS, EVIDENCE_KINDS))
                + f"; {_SYMBOL[True]} passed, {_SYMBOL[False]} failed, {_SYMBOL[None]} not run.")
        if any(r.tag == "reconstructed" for r in self.results):
            notes.append("tag 'reconstructed': the paper asserts the result but its printed formula could not be read; "
                         f"the formula checked is the reconstruction stated in {DOCS}.")
        for note in notes:
            lines += [note] if wide else _wrap(note, TEXT_WIDTH)
        if verbose:
            lines.append("")
            mark = {True: "ok", False: "FAIL", None: "--"}
            for r in self.results:
                title = f"[{r.status}] {r.id}: {r.title} ({r.tag}, {r.seconds:.2f} s)"
                lines += [title] if wide else _wrap(title, TEXT_WIDTH, rest="    ")
                for e in r.evidence:
                    head = f"    {e.kind:<17}{mark[e.passed]:<5}"
                    if wide:
                        lines.append(head + e.summary)
                    else:
                        lines += _wrap(e.summary, TEXT_WIDTH, first=head, rest=" " * len(head))
        lines.append("")
        lines.append(f"Statements of the results, their symbols and the reconstructed formulas: {DOCS}")
        return "\n".join(lines)


#: the page that states every result the report checks
DOCS = "docs/theory.md"
#: columns of the default text report (``ascent-fails verify`` without ``--wide``)
TEXT_WIDTH = 100
_SYMBOL = {True: "✓", False: "✗", None: "-"}
_SYMBOL_HEADS = ("S", "H", "P", "N")  # one per EVIDENCE_KINDS, in order
_KIND_MEANING = {
    "symbolic": "SymPy",
    "high_precision": "mpmath, 50 digits",
    "property": "seeded sweeps",
    "negative_control": "a wrong formula must fail",
}


def display_width(text: str) -> int:
    """Terminal columns of ``text``: 2 for each East Asian wide or fullwidth character, 1 for any other.

    >>> display_width("α ✓"), display_width("表")
    (3, 2)
    """
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _cell(text: str, width: int, align: Literal["<", ">"] = "<") -> str:
    """``text`` padded (or cut, ending in …) to ``width`` display columns."""
    if display_width(text) > width:
        while display_width(text + "…") > width:
            text = text[:-1]
        text += "…"
    pad = " " * (width - display_width(text))
    return text + pad if align == "<" else pad + text


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """Greedy word wrap by display width: ``first`` prefixes the first line, ``rest`` the others."""
    lines, line = [], first
    for word in text.split():
        prefix = rest if lines else first
        gap = "" if line == prefix else " "
        if display_width(line + gap + word) <= width:
            line += gap + word
            continue
        if line != prefix:
            lines.append(line)
            line = rest
        while display_width(line + word) > width:  # a word longer than a line: split it (at least 1 character)
            room, cut = width - display_width(line), 1
            while cut < len(word) and display_width(word[: cut + 1]) <= room:
                cut += 1
            lines.append(line + word[:cut])
            line, word = rest, word[cut:]
        line += word
    if line.strip() or not lines:
        lines.append(line)
    return lines


# (header, width, alignment) of the compact table; 12 + 45 + 14 + 9 + 7 + 12 = 99 columns
_COMPACT_COLUMNS = (("result", 12, "<"), ("title", 45, "<"), ("tag", 14, "<"),
                    (" ".join(_SYMBOL_HEADS), 9, "<"), ("status", 7, "<"), ("worst margin", 12, ">"))


def _margin(r: ResultReport) -> str:
    return "" if r.worst_margin is None else f"{r.worst_margin:.3g}"


def _compact_table(report: VerifyReport) -> list[str]:
    head = "".join(_cell(name, width, align) for name, width, align in _COMPACT_COLUMNS)
    lines = [head, "-" * display_width(head)]
    for r in report.results:
        by_kind = {e.kind: e.passed for e in r.evidence}
        cells = (r.id, r.title, r.tag, " ".join(_SYMBOL[by_kind.get(k)] for k in EVIDENCE_KINDS), r.status, _margin(r))
        lines.append("".join(_cell(c, width, align) for c, (_, width, align) in zip(cells, _COMPACT_COLUMNS)))
    lines.append("-" * display_width(head))
    return lines


def _wide_table(report: VerifyReport) -> list[str]:
    mark = {True: "ok", False: "FAIL", None: "--"}
    head = f"{'result':<14}{'title':<46}{'tag':<15}" + "".join(f"{k:<18}" for k in EVIDENCE_KINDS)
    head += f"{'status':<8}{'worst margin':>14}"
    lines = [head, "-" * len(head)]
    for r in report.results:
        by_kind = {e.kind: e.passed for e in r.evidence}
        row = f"{r.id:<14}{r.title[:45]:<46}{r.tag:<15}"
        row += "".join(f"{mark[by_kind.get(k)]:<18}" for k in EVIDENCE_KINDS)
        lines.append(row + f"{r.status:<8}{_margin(r):>14}")
    lines.append("-" * len(head))
    return lines


def _json_default(obj: object) -> object:
    # numpy scalars and arrays reach the report through Evidence.data
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return str(obj)
