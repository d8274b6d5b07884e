"""Tests of numerics.toy_ridge: the claims hold below the ridge edge λ* and fail above it."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ascent_fails.numerics.toy_claims import check_claims
from ascent_fails.numerics.toy_landscape import find_minima
from ascent_fails.numerics.toy_ridge import RidgeContinuation, continue_minimum, ridge_sweep
from ascent_fails.theory import toy_problem as tp

variant_names = st.sampled_from(tuple(tp.VARIANTS))


@pytest.fixture(scope="module")
def edges() -> dict[str, RidgeContinuation]:
    """Per variant: the bracket of the λ where the pretrained 'other basin' minimum disappears."""
    out = {}
    for name, base in tp.VARIANTS.items():
        small = base.with_ridge(1e-3)
        other = next(m for m in find_minima("pretrained", small) if m.correct == tp.PATTERN_WRONG_ON_4)
        out[name] = continue_minimum("pretrained", small, other.theta, max_ridge=10.0, factor=1.02)
    return out


# each example runs the full claim checker (about 0.3 s): 50 examples instead of 200
@settings(max_examples=50)
@given(name=variant_names, fraction=st.one_of(st.floats(0.01, 0.9), st.floats(1.1, 3.0)))
@example(name="tanh", fraction=0.9)
@example(name="sigmoid-01", fraction=1.1)
def test_claims_hold_below_the_ridge_edge_and_fail_above(edges, name, fraction):
    edge = edges[name]
    assert edge.ridge_failing is not None and edge.ridge_failing / edge.ridge_holding < 1.03
    ridge = fraction * (edge.ridge_holding if fraction < 1 else edge.ridge_failing)
    claims = check_claims(tp.get_variant(name, ridge))
    if fraction < 1:
        assert claims.reproduced, [c.name for c in claims.subclaims if not c.reproduced]
    else:
        assert not claims.subclaims[0].reproduced


def test_sigmoid01_edge_is_a_quarter_of_the_tanh_edge(edges):
    # the sigmoid-{0,1} landscape is the tanh landscape at 4λ (theory.toy_model proves it symbolically)
    assert edges["sigmoid-01"].ridge_holding * 4 == pytest.approx(edges["tanh"].ridge_holding, rel=0.03)


def test_ridge_sweep_reports_the_holding_interval():
    sweep = ridge_sweep(tp.get_variant("tanh"), [0.3, 0.05, 0.1])
    assert sweep.ridges == (0.05, 0.1, 0.3)
    assert sweep.holds == (True, True, False)
    assert sweep.interval == (0.05, 0.1)
    assert "pretrained_two_minima" in sweep.failing[2]


def test_negative_ridge_is_rejected():
    with pytest.raises(ValueError, match="ridge"):
        ridge_sweep(tp.get_variant("tanh"), [-1.0])
