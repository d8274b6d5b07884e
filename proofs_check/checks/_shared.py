"""Evidence helpers shared by the Section 5.1.1 lemma checks (Lemmas 3–5, Corollary 1)."""

from __future__ import annotations

import mpmath

from proofs_check.registry import Evidence
from theory import closed_form

DPS = 50  # digits of every high-precision comparison


def symbolic_evidence(steps: tuple[closed_form.SymbolicStep, ...]) -> Evidence:
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
    fast = closed_form.stationary_points_mp(*args, dps=dps)
    ref = closed_form.stationary_points_root_mp(*args, dps=dps)
    return fast, ref.max_relative_difference(fast), ref.converged
