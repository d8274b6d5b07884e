"""The shared parameter validation: every rejection names the parameter, its range and the symbol."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ascent_fails.validate import (
    require_choice,
    require_finite,
    require_in_range,
    require_nonnegative,
    require_positive,
    require_positive_int,
)


@pytest.mark.parametrize("bad", [0.0, -1.0, -1e-300, float("nan"), float("inf"), True, "abc", None, [1.0, -2.0], []])
def test_require_positive_rejects(bad):
    with pytest.raises(ValueError, match=r"ridge.*\(λ\)|ridge is empty"):
        require_positive("ridge", bad, symbol="λ")


@given(st.floats(min_value=1e-300, max_value=1e300))
def test_require_positive_accepts_and_returns_float(x):
    assert require_positive("ridge", x) == x


def test_arrays_pass_through():
    arr = np.array([0.5, 2.0])
    np.testing.assert_array_equal(require_positive("n", arr), arr)


@pytest.mark.parametrize("bad", [-1e-12, float("nan")])
def test_require_nonnegative_rejects(bad):
    with pytest.raises(ValueError, match="forget_ratio_axis"):
        require_nonnegative("forget_ratio_axis", bad, symbol="α")


def test_require_nonnegative_accepts_zero():
    assert require_nonnegative("forget_ratio_axis", 0) == 0.0


@pytest.mark.parametrize("value, ok", [(0.0, False), (1.0, False), (0.5, True), (1e-9, True)])
def test_require_in_range_open(value, ok):
    if ok:
        assert require_in_range("correlation", value, 0.0, 1.0) == value
    else:
        with pytest.raises(ValueError, match=r"correlation=.* must lie in \(0.0, 1.0\)"):
            require_in_range("correlation", value, 0.0, 1.0)


def test_require_in_range_closed_end():
    assert require_in_range("t", 1.0, 0.0, 1.0, closed=(False, True)) == 1.0


@pytest.mark.parametrize("bad", [0, -3, 2.5, float("nan"), True, "3"])
def test_require_positive_int_rejects(bad):
    with pytest.raises(ValueError, match="n_models"):
        require_positive_int("n_models", bad)


def test_require_positive_int_accepts_integral_float():
    assert require_positive_int("n_models", 3.0) == 3
    assert require_positive_int("n_models", np.int64(7)) == 7


def test_require_choice():
    assert require_choice("direction", "a", ("a", "b")) == "a"
    with pytest.raises(ValueError, match="direction='c' must be one of 'a', 'b'"):
        require_choice("direction", "c", ("a", "b"))


def test_require_finite():
    assert require_finite("x", -2.5) == -2.5
    with pytest.raises(ValueError, match="x="):
        require_finite("x", math.inf)
