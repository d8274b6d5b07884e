"""Tests of numerics.toy_claims: the pilot minima of the default reading, and negative controls of the checker."""

from __future__ import annotations

import numpy as np
import pytest

from ascent_fails.numerics.toy_claims import check_claims
from ascent_fails.theory import toy_problem as tp


def test_default_variant_reproduces_the_pilot_minima():
    # the minima of an earlier pilot computation, to 2 decimals (docs/theory.md#non-convex-toy lists them to 4):
    # D (2.42, −0.44) global and (3.06, −1.24) local; R (2.33, −0.46), (3.10, −1.27); GDA only (3.12, −1.29)
    pilot = {"pretrained": [(2.42, -0.44), (3.06, -1.24)], "oracle": [(2.33, -0.46), (3.10, -1.27)],
             "descent_ascent": [(3.12, -1.29)]}
    claims = check_claims(tp.get_variant("tanh"))
    for objective, points in pilot.items():
        found = sorted((m.a, m.b) for m in claims.minima if m.objective == objective)
        assert np.allclose(found, sorted(points), atol=0.011), (objective, found)
    assert claims.reproduced and claims.is_trapped
    numbers = {c.name: c.numbers for c in claims.subclaims}
    assert numbers["pretrained_global_pattern"]["right_of"] == (13.0, 14.0)
    assert numbers["retrain_stays"]["right_of"] == (11.0, 12.0)
    assert numbers["gda_prefers_other_basin"]["right_of"] == (10.0, 12.0)


@pytest.mark.parametrize("forget_copies", [0, 1])
def test_negative_control_forgetting_fewer_copies_is_not_trapped(forget_copies):
    claims = check_claims(tp.get_variant("tanh"), forget_copies=forget_copies)
    assert not claims.is_trapped
    assert claims.trapped.correct == tp.PATTERN_WRONG_ON_3


def test_claims_fail_at_zero_ridge_where_the_other_basin_escapes_to_infinity():
    claims = check_claims(tp.get_variant("tanh", ridge=0.0))
    failed = {c.name for c in claims.subclaims if not c.reproduced}
    assert "pretrained_two_minima" in failed
