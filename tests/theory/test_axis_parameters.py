"""The Section 5.1.1 parameters (theory.axis_parameters): validation by name, seeded consistent draws."""

from __future__ import annotations

import numpy as np
import pytest

from ascent_fails.theory import axis_parameters

EPS = float(np.finfo(float).eps)


def test_sample_axes_is_seeded_and_consistent() -> None:
    rule = lambda rng, r, f: f / r * rng.uniform(0, 2, r.shape)  # noqa: E731
    a, b = axis_parameters.sample_axes(3, 500, rule), axis_parameters.sample_axes(3, 500, rule)
    assert all(np.array_equal(x, y) for x, y in zip(a.args(), b.args()))
    assert np.all(a.n_retain_axis <= a.n_retain) and np.all(a.forget_ratio_axis * a.n_retain_axis <= a.n_forget * (1 + EPS))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: axis_parameters.sample_axes(0, 0, lambda rng, r, f: r), "size"),
        (lambda: axis_parameters.validate_parameters(forget_ratio_axis=-1.0), "α"),
        (lambda: axis_parameters.validate_mp_parameters(900, 100, 50, 0.05, 0.01, dps=5), "dps"),
    ],
)
def test_bad_input_is_rejected(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_scalar_or_array_keeps_the_shape_convention() -> None:
    assert isinstance(axis_parameters.scalar_or_array(np.float64(2.0)), float)
    assert axis_parameters.scalar_or_array([1.0, 2.0]).shape == (2,)
