"""Breaking any Lemma 2 formula turns at least one check red (the issue's acceptance criterion).

Each mutation patches one function of ``theory.closed_form`` (checks call formulas through the module, so the
patch reaches them; ``stationary_points`` looks the vectorised functions up at call time, so it sees the patch
too) and runs the Section 5.1.1 results through ``proofs_check.run_all``, one id at a time, Lemma 2 first,
stopping at the first result that catches the mutant: enough to show it is caught, and fast.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from ascent_fails import proofs_check
from ascent_fails.theory import closed_form, lambert

SECTION_5_1_1 = ("lemma2", "lemma3", "lemma4", "lemma5", "corollary1")


_CLEAN_FAILURES: dict[str, frozenset[str]] = {}  # result id -> evidence kinds failing without any patch


def _failing_kinds(result_id: str) -> frozenset[str]:
    (report,) = proofs_check.run_all([result_id]).results
    return frozenset(e.kind for e in report.evidence if not e.passed)


def _mutations() -> dict[str, Callable[[pytest.MonkeyPatch], None]]:
    """name -> a function that applies the mutation with monkeypatch (originals captured before patching)."""
    pretrained_weight = closed_form.pretrained_weight
    pretrained_argument = closed_form.pretrained_argument
    oracle_weight = closed_form.oracle_weight
    stationary_points = closed_form.stationary_points
    descent_ascent_argument = closed_form.descent_ascent_argument
    descent_ascent_weight = closed_form.descent_ascent_weight
    descent_ascent_regime = closed_form.descent_ascent_regime

    def w_d_with_r(r, f, rj, a, lam):  # W_0((1+α)|R_j|/(λ|R|)): |R| in place of |D|
        return lambert.lambert_w(pretrained_argument(r, f, rj, a, lam) * (r + f) / r)

    def w_r_with_d(*args):  # W_0(|R_j|/(λ|D|)): |D| in place of |R|; oracle_weight has no |F|, so patch the tuple
        r, f, rj, a, lam = args
        return dataclasses.replace(stationary_points(*args), oracle=oracle_weight(r + f, rj, lam))

    def wrong_branch(r, f, rj, a, lam, branch=0):  # W_{−1} in place of W_0 in regime 2
        regime = descent_ascent_regime(r, f, rj, a, lam)
        if branch == 0 and regime == 2:
            return descent_ascent_weight(r, f, rj, a, lam, branch=-1)
        return descent_ascent_weight(r, f, rj, a, lam, branch=branch)

    return {
        "|R| in place of |D| in w^D": lambda mp: mp.setattr(closed_form, "pretrained_weight", w_d_with_r),
        "|D| in place of |R| in w^R": lambda mp: mp.setattr(closed_form, "stationary_points", w_r_with_d),
        "branch -1 in place of 0 in regime 2": lambda mp: mp.setattr(
            closed_form, "descent_ascent_weight", wrong_branch
        ),
        "sign of z_DA flipped": lambda mp: mp.setattr(
            closed_form, "descent_ascent_argument", lambda *args: -descent_ascent_argument(*args)
        ),
        "(1+α) dropped from z_D": lambda mp: mp.setattr(
            closed_form, "pretrained_argument", lambda r, f, rj, a, lam: pretrained_argument(r, f, rj, a, lam) / (1 + a)
        ),
        "λ doubled in w^R": lambda mp: mp.setattr(
            closed_form, "oracle_weight", lambda r, rj, lam: oracle_weight(r, rj, 2 * lam)
        ),
        "w^D shifted by 1e-9 (relative)": lambda mp: mp.setattr(
            closed_form, "pretrained_weight", lambda *args: pretrained_weight(*args) * (1 + 1e-9)
        ),
    }


def test_unpatched_lemma2_passes() -> None:
    _CLEAN_FAILURES["lemma2"] = _failing_kinds("lemma2")  # shared with the mutation tests below
    assert _CLEAN_FAILURES["lemma2"] == frozenset()


@pytest.mark.parametrize("mutation", list(_mutations()))
def test_mutation_turns_a_check_red(mutation: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Some evidence kind that passes on the library fails on the mutant (compared per kind, so the test stays
    meaningful even while an unrelated check is red). Results run in order and stop at the first one caught."""
    apply = _mutations()[mutation]  # captures the unpatched functions
    for result_id in SECTION_5_1_1:
        if result_id not in _CLEAN_FAILURES:
            monkeypatch.undo()
            _CLEAN_FAILURES[result_id] = _failing_kinds(result_id)
        apply(monkeypatch)
        if _failing_kinds(result_id) - _CLEAN_FAILURES[result_id]:
            return
    pytest.fail(f"{mutation} was not caught by any of {SECTION_5_1_1}")
