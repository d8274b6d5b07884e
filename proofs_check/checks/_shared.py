"""Evidence helpers shared by the check modules (SymPy steps, root-finding reference, listed failures)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import mpmath
import numpy as np

from ascent_fails.proofs_check.registry import Evidence
from ascent_fails.theory import closed_form, closed_form_mp, closed_form_symbolic, rounding, stationary_roots
from ascent_fails.validate import require_choice

DPS = 50  # digits of every high-precision comparison


def symbolic_evidence(steps: tuple[closed_form_symbolic.SymbolicStep, ...]) -> Evidence:
    """Evidence from SymPy proof steps (shared by the Section 5.1.1 lemma checks)."""
    n_ok = sum(s.passed for s in steps)
    return Evidence(
        "symbolic",
        n_ok == len(steps),
        f"{n_ok}/{len(steps)} SymPy proof steps hold: " + "; ".join(f"{s.name}: {s.result}" for s in steps),
        data={s.name: {"claim": s.claim, "result": s.result, "passed": s.passed} for s in steps},
    )


def root_disagreement(args: tuple, dps: int = DPS) -> tuple[closed_form.StationaryPoints, mpmath.mpf, bool]:
    """(closed forms at ``dps`` digits, their largest relative gap to the root-finding reference, converged)."""
    fast = closed_form_mp.stationary_points_mp(*args, dps=dps)
    ref = stationary_roots.stationary_points_root_mp(*args, dps=dps)
    return fast, ref.max_relative_difference(fast), ref.converged


def spot_recheck(
    args: tuple[np.ndarray, ...],
    relative_margin: np.ndarray,
    scale: np.ndarray,
    margin_mp: Callable[..., mpmath.mpf],
    count: int,
    dps: int = DPS,
) -> tuple[list[mpmath.mpf], bool]:
    """Re-check a float sweep at ``dps`` digits where a float error would show: the ``count`` draws with the
    smallest ``relative_margin``. ``margin_mp(*point)`` gives the margin at a draw (float parameters, in the order
    of ``args``); the re-check passes if every margin is ≥ −:func:`theory.rounding.rounding_slack` of the
    draw's ``scale``. Returns (the margins, passed).
    """
    spots = np.argsort(relative_margin)[:count]
    margins = []
    for i in spots:
        point = tuple(float(v[i]) for v in args)
        with mpmath.workdps(dps):
            margins.append(margin_mp(*point))
    passed = all(m >= -rounding.rounding_slack(scale[i], dps=dps) for m, i in zip(margins, spots))
    return margins, passed


def listed_failures_evidence(
    kind: str,
    summary: str,
    failures: Sequence[str],
    worst_margin: float | None = None,
    data: Mapping[str, object] | None = None,
    passed: bool = True,
    label: Literal["FAILED", "MISSED"] = "FAILED",
) -> Evidence:
    """Evidence that passes iff ``failures`` is empty (and ``passed``): the first 5 failures are appended to the
    summary after ``label``, the first 20 stored under ``data["failures"]`` (a negative control lists the wrong
    variants it MISSED, under ``data["missed"]``).

    >>> listed_failures_evidence("property", "3 draws", ["draw 2: margin -1"]).summary
    '3 draws; FAILED: draw 2: margin -1'
    """
    key = {"FAILED": "failures", "MISSED": "missed"}[require_choice("label", label, ("FAILED", "MISSED"))]
    shown = f"; {label}: " + "; ".join(failures[:5]) if failures else ""
    return Evidence(kind, passed and not failures, summary + shown, worst_margin=worst_margin,
                    data={**(data or {}), key: list(failures[:20])})
