"""The mpmath closed forms of Lemma 2 (theory.closed_form_mp): exact inputs, the branch point, bad input.

Their agreement with the float path is tested in test_closed_form.py, with the root-finding reference in
test_stationary_roots.py.
"""

from __future__ import annotations

import mpmath
import pytest

from ascent_fails.theory import closed_form_mp

DPS = 50
_GOOD = dict(n_retain=900.0, n_forget=100.0, n_retain_axis=50.0, forget_ratio_axis=0.05, ridge=0.01)


def test_decimal_strings_are_read_at_the_working_precision():
    # '0.1' is 1/10 at 50 digits; the float 0.1 is its binary value: the two differ at the 17th digit
    exact = closed_form_mp.stationary_points_mp(900, 100, 50, "0.05", "0.1", dps=DPS)
    binary = closed_form_mp.stationary_points_mp(900, 100, 50, 0.05, 0.1, dps=DPS)
    with mpmath.workdps(DPS):
        assert 0 < abs(exact.oracle - binary.oracle) < mpmath.mpf(10) ** -15


def test_argument_on_the_branch_point_is_regime_2_with_w_minus_one():
    # |R| = |F| = |R_j| = 1, λ = 1: z_DA = 1 − α; α = 1 + 1/e puts z_DA on −1/e (regime 2, both branches −1)
    with mpmath.workdps(DPS):
        alpha = 1 + mpmath.exp(-1)
        p = closed_form_mp.stationary_points_mp(1, 1, 1, alpha, 1, dps=DPS)
        assert p.regime == 2
        assert abs(p.descent_ascent + 1) < mpmath.mpf(10) ** -20 and abs(p.descent_ascent_maximum + 1) < mpmath.mpf(10) ** -20


# every parameter must be > 0 except α, which may be 0 (no forget samples on the axis)
_BAD_CASES = [(name, bad) for name in sorted(_GOOD) for bad in (0.0, -1.0, float("nan"), float("inf"))
              if not (name == "forget_ratio_axis" and bad == 0.0)]


@pytest.mark.parametrize(("name", "bad"), _BAD_CASES)
def test_bad_parameters_are_rejected_by_name(name, bad):
    with pytest.raises(ValueError, match=name):
        closed_form_mp.stationary_points_mp(**(_GOOD | {name: bad}))


def test_low_precision_is_rejected():
    with pytest.raises(ValueError, match="dps"):
        closed_form_mp.stationary_points_mp(900, 100, 50, 0.05, 0.01, dps=5)
