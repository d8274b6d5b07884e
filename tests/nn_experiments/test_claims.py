"""The network claims judged on results.json (nn_experiments.claims): verdicts computed from the numbers."""

from __future__ import annotations

from ascent_fails.nn_experiments import claims as judge

FLOOR = {"forget": 0.6, "retain": 0.6, "validation": 0.6}


def _row(method, fs, forget, val, acc_val=0.95, retain=None):
    return {"method": method, "forget_set": fs, "hparams": {}, "epoch": 1, "cost": 0.1,
            "klom_p95": {"forget": forget, "retain": val if retain is None else retain, "validation": val},
            "accuracy": {"forget": 0.9, "retain": 0.97, "validation": acc_val}}


def make_results(pc_harder: bool = True) -> dict:
    sets = [("random_10_seed0", 10, "random", 2.0), ("random_50_seed1", 50, "random", 3.0), ("pc1_top_10", 10, "pc1", 4.0)]
    runs = []
    for name, _, _, start in sets:
        best = start / 2 if (name != "pc1_top_10" or pc_harder) else 0.5
        runs += [
            _row("do_nothing", name, start, 1.0),
            _row("ga", name, start * 0.9, 1.1),  # near the pretrained model
            _row("ga", name, start * 0.5, 5.0),  # broken: validation KLoM 5 > 2 × 1.0
            _row("gda", name, best, best),  # the best worst-group value on this set
        ]
    return {"dataset": "digits", "n_models": 100, "klom": {"direction": "oracle_unlearned", "bins": 20, "eps": 1e-5},
            "floor": FLOOR, "forget_sets": [{"name": n, "size": s, "kind": k, "floor": None} for n, s, k, _ in sets], "runs": runs,
            "illusion": {"forget_set": None, "runs": []}}


def test_claims_are_computed_from_the_numbers():
    claims = {c.id: c for c in judge.assess_claims(make_results())}
    assert claims["stuck_or_broken"].reproduced is True  # 6 of 9 ascent configurations near or broken
    assert "3 near" in claims["stuck_or_broken"].evidence and "3 broken" in claims["stuck_or_broken"].evidence
    assert claims["pc_harder"].reproduced is True  # pc1_top_10 best 2.0 vs random_10 best 1.0
    assert claims["larger_harder"].reproduced is True  # random 10: 1.0 < random 50: 1.5
    assert "illusion" not in claims  # no illusion runs in these results
    flipped = {c.id: c for c in judge.assess_claims(make_results(pc_harder=False))}
    assert flipped["pc_harder"].reproduced is False and "0/1" in flipped["pc_harder"].evidence


def test_illusion_claim_needs_an_interior_minimum_then_a_rise():
    results = make_results()
    def curve(values):  # start (do nothing) mean is (2 + 1 + 1) / 3 = 4/3
        return [{**_row("ga", "random_10_seed0", v, v), "epoch": e, "hparams": {"lr": 0.1}} for e, v in enumerate(values, start=1)]
    results["illusion"] = {"forget_set": "random_10_seed0", "runs": curve([1.0, 0.5, 0.9])}
    claim = {c.id: c for c in judge.assess_claims(results)}["illusion"]
    assert claim.reproduced is True and "0.50 at epoch 2" in claim.evidence
    results["illusion"]["runs"] = curve([1.0, 0.5, 0.4])  # monotone: stopping late is fine
    assert {c.id: c for c in judge.assess_claims(results)}["illusion"].reproduced is False


def test_claims_without_the_needed_runs_are_undecided():
    results = make_results()
    results["runs"] = [r for r in results["runs"] if r["method"] == "do_nothing"]
    assert all(c.reproduced is None for c in judge.assess_claims(results))


def test_classification_thresholds():
    start = _row("do_nothing", "a", 2.0, 1.0)
    assert judge.classify(_row("ga", "a", 0.5, 0.5), start, FLOOR) == "success"
    assert judge.classify(_row("ga", "a", 1.0, 2.5), start, FLOOR) == "broken"
    assert judge.classify(_row("ga", "a", 1.0, 1.0, acc_val=0.8), start, FLOOR) == "broken"
    assert judge.classify(_row("ga", "a", 1.9, 1.0), start, FLOOR) == "near_pretrained"
    assert judge.classify(_row("ga", "a", 1.0, 1.0), start, FLOOR) == "partial"
    # below the floor on every group but 7 points of validation accuracy lost: broken, not a success
    assert judge.classify(_row("ga", "a", 0.2, 0.2, acc_val=0.88), start, FLOOR) == "broken"
