"""Rounding slack and distance margins (theory.rounding): how float inequalities between closed forms are judged."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from ascent_fails.theory import rounding


def test_float_slack_scales_with_the_largest_finite_weight() -> None:
    assert rounding.rounding_slack(1.0, -3.0, -math.inf) == 3 * rounding.FLOAT_SLACK
    assert rounding.rounding_slack(np.array([1.0, 10.0]), 2.0).tolist() == [2 * rounding.FLOAT_SLACK, 10 * rounding.FLOAT_SLACK]


def test_mp_slack_is_ten_to_eight_minus_dps() -> None:
    with mpmath.workdps(50):
        assert rounding.rounding_slack(mpmath.mpf(2), dps=50) == 2 * mpmath.mpf(10) ** -42


def test_distance_margin_sides_and_divergence() -> None:
    assert rounding.distance_margin(2.0, 0.5, 1.0, "upper") == -0.5  # |2 − 0.5| = 1.5 exceeds the bound 1
    assert rounding.distance_margin(2.0, 0.5, 1.0, "lower") == 0.5
    # DA diverges (w = −inf): a lower bound on the distance holds, an upper bound fails
    assert rounding.distance_margin(-math.inf, 0.5, 1.0, "lower") == math.inf
    assert rounding.distance_margin(-math.inf, 0.5, 1.0, "upper") == -math.inf
    with pytest.raises(ValueError, match="side"):
        rounding.distance_margin(1.0, 0.0, 1.0, "middle")


def test_nonnegative_is_a_bool_for_scalars() -> None:
    assert rounding.nonnegative(0.0) is True and rounding.nonnegative(-1e-300) is False
    assert rounding.nonnegative([0.0, -1.0]).tolist() == [True, False]
