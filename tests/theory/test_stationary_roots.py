"""The root-finding reference of Lemma 2 (theory.stationary_roots) agrees with the mpmath closed forms."""

from __future__ import annotations

import mpmath
import pytest
from hypothesis import given

from ascent_fails.theory import closed_form_mp, stationary_roots
from tests.strategies import consistent_axes

DPS = 50
_GOOD = dict(n_retain=900.0, n_forget=100.0, n_retain_axis=50.0, forget_ratio_axis=0.05, ridge=0.01)


@given(consistent_axes())
def test_mp_closed_forms_equal_roots_of_the_derivative(args: tuple[float, ...]) -> None:
    """The independent route: SymPy-derived arguments and bracketed root finding, no Lambert W."""
    ref = stationary_roots.stationary_points_root_mp(*args, dps=DPS)
    fast = closed_form_mp.stationary_points_mp(*args, dps=DPS)
    assert ref.converged
    assert ref.max_relative_difference(fast) <= mpmath.mpf(10) ** (10 - DPS)


@pytest.mark.parametrize("branch, argument", [(0, 1e300), (0, 1e-300), (0, -0.3), (-1, -0.3), (-1, -1e-300)])
def test_roots_solve_w_exp_w_equals_z_across_magnitudes(branch, argument):
    root = stationary_roots.stationary_point_root_mp(argument, branch, dps=DPS)
    assert root.converged
    with mpmath.workdps(DPS):
        assert abs(root.value * mpmath.exp(root.value) / mpmath.mpf(argument) - 1) < mpmath.mpf(10) ** (5 - DPS)
        assert (root.value >= -1) if branch == 0 else (root.value <= -1)


# every parameter must be > 0 except α, which may be 0 (no forget samples on the axis)
_BAD_CASES = [(name, bad) for name in sorted(_GOOD) for bad in (0.0, -1.0, float("nan"), float("inf"))
              if not (name == "forget_ratio_axis" and bad == 0.0)]


@pytest.mark.parametrize(("name", "bad"), _BAD_CASES)
def test_bad_parameters_are_rejected_by_name(name, bad):
    with pytest.raises(ValueError, match=name):
        stationary_roots.stationary_points_root_mp(**(_GOOD | {name: bad}))


@pytest.mark.parametrize(("argument", "branch"), [(-1.0, 0), (0.5, -1)])
def test_arguments_without_a_real_branch_are_rejected(argument, branch):
    with pytest.raises(ValueError, match="argument"):
        stationary_roots.stationary_point_root_mp(argument, branch)
