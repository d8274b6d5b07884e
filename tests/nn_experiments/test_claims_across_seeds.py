"""Pooling the claims of several seeds (nn_experiments/claims_across_seeds.py): the sign rule and its error rate."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from ascent_fails.nn_experiments.claims import Claim
from ascent_fails.nn_experiments.claims_across_seeds import (PooledClaim, conjecture_as_claim, pool_claims, pooled_json,
                                                            pooled_markdown, pooled_verdict)

VERDICTS = st.sampled_from([True, False, None])


def _reference(verdicts):
    """The rule written out by counting (no shared code): a strict majority of one sign, else undecided."""
    yes, no = verdicts.count(True), verdicts.count(False)
    if yes * 2 > len(verdicts):
        return True
    if no * 2 > len(verdicts):
        return False
    return None


@settings(max_examples=300)
@given(st.lists(VERDICTS, min_size=1, max_size=9))
def test_pooled_verdict_is_a_strict_majority_of_one_sign(verdicts):
    assert pooled_verdict(verdicts) is _reference(verdicts)
    flipped = [None if v is None else not v for v in verdicts]
    expected = pooled_verdict(verdicts)
    assert pooled_verdict(flipped) is (None if expected is None else not expected)  # symmetric in the two signs


@given(VERDICTS)
def test_one_seed_is_its_own_verdict(verdict):
    assert pooled_verdict([verdict]) is verdict


def test_pooling_three_seeds_shrinks_a_five_percent_false_positive_rate_as_stated():
    """Each seed says "reproduced" wrongly with a = 5 %, else "not reproduced". Stated rate across K = 3 seeds:
    P(Binomial(3, a) ≥ 2) = 0.725 %. 40,000 seeded simulations must land within 4 standard errors of it.
    Negative control: a rule that pools as reproduced when *any* seed says so has rate 1 − 0.95³ = 14.3 %,
    far outside that band (checked on the same simulations)."""
    rng = np.random.default_rng(20261201)
    a, k, n = 0.05, 3, 40_000
    stated = binom.sf(1, k, a)
    draws = rng.random((n, k)) < a
    pooled = np.array([pooled_verdict([bool(x) for x in row]) is True for row in draws])
    se = np.sqrt(stated * (1 - stated) / n)
    assert abs(pooled.mean() - stated) < 4 * se, (pooled.mean(), stated)
    any_seed = draws.any(axis=1).mean()
    assert abs(any_seed - (1 - (1 - a) ** k)) < 0.01 and abs(any_seed - stated) > 40 * se


def _claims(**verdicts):
    return [Claim(cid, f"statement {cid}", v, f"evidence {cid}") for cid, v in verdicts.items()]


def test_pool_claims_keeps_order_and_counts_a_seed_that_could_not_judge_as_undecided():
    per_seed = {1: _claims(a=True, b=False), 0: _claims(a=True, b=None, c=True), 2: _claims(a=False, b=False)}
    pooled = pool_claims(per_seed)
    assert [p.id for p in pooled] == ["a", "b", "c"]
    a, b, c = pooled
    assert (a.reproduced, a.counts, a.n_seeds) == (True, (2, 1, 0), 3)
    assert (b.reproduced, b.counts) == (False, (0, 2, 1))
    # judged on seed 0 only: 1 reproduced of 3 seeds is not a majority. Control: pooled over the judging seeds
    # alone (1 of 1) it would read "reproduced"
    assert (c.reproduced, c.per_seed, c.counts, c.n_seeds) == (None, {0: True}, (1, 0, 2), 3)
    assert pooled_verdict([True]) is True
    assert "seed 0: reproduced, seed 1: reproduced, seed 2: not reproduced" in a.evidence()
    assert "seed 1: not judged, seed 2: not judged" in c.evidence()
    table = pooled_markdown(pooled)
    assert "| c: statement c | reproduced | not judged | not judged | **undecided** |" in table
    assert "Rule (3 seeds)" in table  # every seed run counts, not only those that judged c
    assert pooled_json(pooled)[1]["counts"] == {"reproduced": 0, "not_reproduced": 2, "undecided": 1}


def test_pooling_mistakes_are_errors():
    with pytest.raises(ValueError, match="empty"):
        pool_claims({})
    with pytest.raises(ValueError, match="empty"):
        pooled_verdict([])
    with pytest.raises(ValueError, match="True, False or None"):
        pooled_verdict([1])
    with pytest.raises(ValueError, match="twice"):
        pool_claims({0: _claims(a=True) + _claims(a=False)})


@pytest.mark.parametrize("verdict, expected", [("supported", True), ("contradicted", False),
                                               ("not supported", None), ("undecided", None)])
def test_the_conjecture_verdict_maps_to_a_claim(monkeypatch, verdict, expected):
    from ascent_fails.nn_experiments import cross_influence

    primary = {"rho": 0.3, "p_greater": 0.2, "p_less": 0.8, "n": 12}
    monkeypatch.setattr(cross_influence, "assess_conjecture", lambda results: {"verdict": verdict, "primary": primary})
    claim = conjecture_as_claim({})
    assert claim.id == "conjecture" and claim.reproduced is expected and verdict in claim.evidence
    monkeypatch.setattr(cross_influence, "assess_conjecture", lambda results: None)
    assert conjecture_as_claim({}) is None


def test_pooled_claim_is_frozen():
    p = PooledClaim("a", "s", True, {0: True}, (1, 0, 0))
    with pytest.raises(AttributeError):
        p.reproduced = False


def test_the_table_keeps_the_conjectures_own_words_while_pooling_them_as_undecided():
    conj = {0: Claim("conjecture", "GDA degrades.", None, "not supported: rho = 0.0", label="not supported"),
            1: Claim("conjecture", "GDA degrades.", True, "supported: rho = 0.5", label="supported"),
            2: Claim("conjecture", "GDA degrades.", None, "not supported: rho = 0.4", label="not supported")}
    (pooled,) = pool_claims({s: [c] for s, c in conj.items()})
    assert pooled.reproduced is None and pooled.counts == (1, 0, 2)  # 1 of 3 supported: no majority
    assert "| not supported | supported | not supported | **undecided** |" in pooled_markdown([pooled])
    assert pooled_json([pooled])[0]["per_seed_words"] == {"0": "not supported", "1": "supported", "2": "not supported"}
    # control: without labels the cells fall back to the generic words
    (plain,) = pool_claims({s: [Claim(c.id, c.statement, c.reproduced, c.evidence)] for s, c in conj.items()})
    assert "| undecided | reproduced | undecided | **undecided** |" in pooled_markdown([plain])
