"""Tests of numerics.toy_fine_tune: the gradient flow ends at the minimum whose basin holds the start."""

from __future__ import annotations

import numpy as np
import pytest

from ascent_fails.numerics.toy_fine_tune import fine_tune
from ascent_fails.numerics.toy_landscape import find_minima
from ascent_fails.theory import toy_problem as tp


def test_fine_tuning_from_a_minimum_of_the_same_objective_stays_there():
    variant = tp.get_variant("tanh")
    for m in find_minima("oracle", variant):
        end = fine_tune(m.theta, "oracle", variant)
        assert end.converged and np.allclose([end.a, end.b], m.theta, atol=1e-8)


def test_fine_tuning_reports_non_convergence_when_the_flow_is_cut_short():
    variant = tp.get_variant("tanh")
    gda = find_minima("descent_ascent", variant)[0]
    short = fine_tune(gda.theta, "oracle", variant, max_time=1e-3)
    assert not short.converged and short.flow_time == pytest.approx(1e-3)


@pytest.mark.parametrize("start, match", [((1.0,), "pair"), ((np.inf, 0.0), "start")])
def test_bad_start_is_rejected(start, match):
    with pytest.raises(ValueError, match=match):
        fine_tune(start, "oracle", tp.get_variant("tanh"))
