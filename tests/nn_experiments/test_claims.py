"""The network claims judged on results.json (nn_experiments.claims): verdicts computed from the numbers, their
intervals and the stated rules; the classifier's classes, including for the baselines used as controls."""

from __future__ import annotations

import copy

from hypothesis import given
from hypothesis import strategies as st

from ascent_fails.nn_experiments import claims as judge

FLOOR = {"forget": 0.6, "retain": 0.6, "validation": 0.6}
FLOOR_CI = {"forget": [0.5, 0.8], "retain": [0.5, 0.8], "validation": [0.5, 0.8]}
HALF_WIDTH = 0.1  # every row's interval: [value, value + 0.1] (percentile intervals sit above the value)


def _row(method, fs, forget, val, acc_val=0.95, retain=None, flags=None):
    k = {"forget": forget, "retain": val if retain is None else retain, "validation": val}
    row = {"method": method, "forget_set": fs, "hparams": {}, "epoch": 1, "cost": 0.1,
           "klom_p95": k, "klom_ci": {g: [v, v + HALF_WIDTH] for g, v in k.items()},
           "accuracy": {"forget": 0.9, "retain": 0.97, "validation": acc_val}}
    if flags is not None:
        row["flags"] = flags
    return row


def make_results(pc_harder: bool = True) -> dict:
    sets = [("random_10_seed0", 10, "random", 2.0), ("random_50_seed1", 50, "random", 3.0), ("pc1_top_10", 10, "pc1", 4.0)]
    runs = []
    for name, _, _, start in sets:
        best = start / 2 if (name != "pc1_top_10" or pc_harder) else 0.5
        runs += [
            _row("do_nothing", name, start, 1.0),
            _row("ga", name, start * 0.9, 1.1),  # near the pretrained model
            _row("ga", name, start * 0.5, 5.0),  # broken: validation KLoM 5 > 2 × 1.1
            _row("gda", name, best, best),  # the best worst-group value on this set
            _row("finetune", name, start * 1.1, 1.0),  # a control: near the pretrained model
        ]
    return {"dataset": "digits", "n_models": 100, "klom": {"direction": "oracle_unlearned", "bins": 20, "eps": 1e-5},
            "floor": FLOOR, "floor_forget_sets": [n for n, *_ in sets],
            "forget_sets": [{"name": n, "size": s, "kind": k, "floor": FLOOR, "floor_ci": FLOOR_CI} for n, s, k, _ in sets],
            "runs": runs, "illusion": {"forget_set": None, "runs": []}, "sweep": {"seed": 0}}


def test_claims_are_computed_from_the_numbers_and_state_rule_and_seeds():
    claims = {c.id: c for c in judge.assess_claims(make_results())}
    assert claims["stuck_or_broken"].reproduced is True  # 6 of 9 ascent configurations near or broken
    assert "3 near" in claims["stuck_or_broken"].evidence and "3 broken" in claims["stuck_or_broken"].evidence
    assert claims["pc_harder"].reproduced is True  # pc1_top_10 best 2.0 [2.0, 2.1] vs random_10 1.0 [1.0, 1.1]
    assert "2.00 [2.00, 2.10]" in claims["pc_harder"].evidence
    assert claims["larger_harder"].reproduced is True  # random 10: 1.0 < random 50: 1.5, intervals apart
    for c in claims.values():
        assert "1 model seed" in c.evidence and "1 at |F|=10" in c.evidence
    assert "Rule:" in claims["pc_harder"].evidence and "Rule:" in claims["larger_harder"].evidence
    assert "illusion" not in claims  # no illusion runs in these results
    flipped = {c.id: c for c in judge.assess_claims(make_results(pc_harder=False))}
    assert flipped["pc_harder"].reproduced is False and "harder, in 0/1" in flipped["pc_harder"].evidence


def test_overlapping_intervals_leave_a_comparison_undecided():
    results = make_results()
    for r in results["runs"]:  # widen every interval: the PC and random bests now overlap
        r["klom_ci"] = {g: [v, v + 5.0] for g, v in r["klom_p95"].items()}
    claims = {c.id: c for c in judge.assess_claims(results)}
    assert claims["pc_harder"].reproduced is None and "overlap in 1" in claims["pc_harder"].evidence
    assert claims["larger_harder"].reproduced is None


def test_a_second_random_draw_must_also_be_cleared():
    """pc1_top_10 (2.0) is above random_10_seed0 (1.0) but not above a second draw of size 10 at 2.05."""
    results = make_results()
    results["forget_sets"].append({"name": "random_10_seed3", "size": 10, "kind": "random", "floor": FLOOR, "floor_ci": FLOOR_CI})
    results["runs"] += [_row("do_nothing", "random_10_seed3", 4.0, 1.0), _row("gda", "random_10_seed3", 2.05, 2.05)]
    claim = {c.id: c for c in judge.assess_claims(results)}["pc_harder"]
    assert claim.reproduced is None and "2 at |F|=10" in claim.evidence


def _two_sizes_two_draws(intervals):
    """Results with random draws (name, size, best worst-group value, half-width) and a do-nothing row each."""
    runs, sets = [], []
    for name, size, best, width in intervals:
        row = _row("gda", name, best, best)
        row["klom_ci"] = {g: [v - width, v + width] for g, v in row["klom_p95"].items()}
        runs += [_row("do_nothing", name, 2 * best + 1, best), row]  # same validation KLoM: never broken
        sets.append({"name": name, "size": size, "kind": "random", "floor": FLOOR, "floor_ci": FLOOR_CI})
    return {**make_results(), "forget_sets": sets, "runs": runs}


def test_a_size_step_falls_or_rises_only_when_every_pair_of_draws_separates():
    # |F| = 10 draws at 0.75 ± 0.25 and 2.5 ± 0.5; |F| = 50 draws at 0.65 ± 0.25 and 3.0 ± 0.5: the draws of the two
    # sizes interleave. Control: the envelope rule (easiest larger draw vs hardest smaller) called this step
    # "falling" (0.9 < 2.0), so with two such steps it would say "not reproduced" for sets that merely spread.
    interleaved = [("random_10_seed0", 10, 0.75, 0.25), ("random_10_seed3", 10, 2.5, 0.5),
                   ("random_50_seed1", 50, 0.65, 0.25), ("random_50_seed4", 50, 3.0, 0.5)]
    claim = {c.id: c for c in judge.assess_claims(_two_sizes_two_draws(interleaved))}["larger_harder"]
    assert claim.reproduced is None and "falling in 0, overlap in 1" in claim.evidence
    assert "every draw of the larger size must separate from every draw of the smaller" in claim.evidence
    apart = [("random_10_seed0", 10, 0.75, 0.25), ("random_10_seed3", 10, 1.0, 0.25),
             ("random_50_seed1", 50, 3.0, 0.5), ("random_50_seed4", 50, 2.5, 0.25)]
    rising = {c.id: c for c in judge.assess_claims(_two_sizes_two_draws(apart))}["larger_harder"]
    assert rising.reproduced is True and "rising, in 1/1 steps" in rising.evidence
    falling = [(n, s, 4.0 - b, w) for n, s, b, w in apart]  # mirror: every |F| = 50 draw below every |F| = 10 one
    claim = {c.id: c for c in judge.assess_claims(_two_sizes_two_draws(falling))}["larger_harder"]
    assert claim.reproduced is False and "falling in 1" in claim.evidence


def test_results_without_intervals_leave_comparisons_undecided():
    results = make_results()
    for r in results["runs"]:
        r.pop("klom_ci")
    claims = {c.id: c for c in judge.assess_claims(results)}
    assert claims["pc_harder"].reproduced is None and claims["larger_harder"].reproduced is None
    assert "no bootstrap intervals" in claims["pc_harder"].evidence


def test_illusion_claim_needs_an_interior_minimum_then_a_separated_rise():
    results = make_results()
    def curve(values):  # start (do nothing) mean is (2 + 1 + 1) / 3 = 4/3
        return [{**_row("ga", "random_10_seed0", v, v), "epoch": e, "hparams": {"lr": 0.1}} for e, v in enumerate(values, start=1)]
    results["illusion"] = {"forget_set": "random_10_seed0", "runs": curve([1.0, 0.5, 0.9])}
    claim = {c.id: c for c in judge.assess_claims(results)}["illusion"]
    assert claim.reproduced is True and "0.50 [0.50, 0.60] at epoch 2" in claim.evidence
    results["illusion"]["runs"] = curve([1.0, 0.5, 0.4])  # monotone: stopping late is fine
    assert {c.id: c for c in judge.assess_claims(results)}["illusion"].reproduced is False
    results["illusion"]["runs"] = curve([1.0, 0.5, 0.65])  # rises 30 %, intervals [0.5, 0.6] and [0.65, 0.75] apart
    assert {c.id: c for c in judge.assess_claims(results)}["illusion"].reproduced is True
    for r in results["illusion"]["runs"]:  # the same rise with intervals 0.3 wide: they overlap, not a rise
        r["klom_ci"] = {g: [v, v + 0.3] for g, v in r["klom_p95"].items()}
    assert {c.id: c for c in judge.assess_claims(results)}["illusion"].reproduced is False


def test_claims_without_the_needed_runs_are_undecided():
    results = make_results()
    results["runs"] = [r for r in results["runs"] if r["method"] == "do_nothing"]
    assert all(c.reproduced is None for c in judge.assess_claims(results))


START = _row("do_nothing", "a", 2.0, 1.0)


def test_near_pretrained_is_a_band_on_both_sides():
    # pretrained forget interval [2.0, 2.1]; band [1.6, 2.625]
    assert judge.classify(_row("ga", "a", 1.9, 1.0), START, FLOOR, FLOOR_CI) == "near_pretrained"
    assert judge.classify(_row("ga", "a", 2.5, 1.0), START, FLOOR, FLOOR_CI) == "near_pretrained"
    assert judge.classify(_row("ga", "a", 2.7, 1.0), START, FLOOR, FLOOR_CI) == "overshoot"  # 4.91 → 7.89 is not "near"
    assert judge.classify(_row("ga", "a", 1.4, 1.0), START, FLOOR, FLOOR_CI) == "partial"


def test_broken_reads_validation_and_retain_and_their_accuracy():
    assert judge.classify(_row("ga", "a", 1.0, 2.5), START, FLOOR, FLOOR_CI) == "broken"  # validation 2.5 > 2 × 1.1
    assert judge.classify(_row("ga", "a", 1.0, 1.0, retain=2.5), START, FLOOR, FLOOR_CI) == "broken"  # retain
    assert judge.classify(_row("ga", "a", 1.0, 1.0, acc_val=0.8), START, FLOOR, FLOOR_CI) == "broken"
    row = _row("ga", "a", 1.0, 1.0)
    row["accuracy"]["retain"] = 0.90  # 7 points below the pretrained 0.97
    assert judge.classify(row, START, FLOOR, FLOOR_CI) == "broken"
    # below the floor on every group but 7 points of validation accuracy lost: broken, not unlearned
    assert judge.classify(_row("ga", "a", 0.2, 0.2, acc_val=0.88), START, FLOOR, FLOOR_CI) == "broken"


def test_unlearned_means_every_interval_reaches_the_floor_interval_and_no_flag():
    assert judge.classify(_row("ga", "a", 0.75, 0.75), START, FLOOR, FLOOR_CI) == "unlearned"  # 0.75 ≤ 0.8
    assert judge.classify(_row("ga", "a", 0.85, 0.75), START, FLOOR, FLOOR_CI) == "partial"  # forget 0.85 > 0.8
    collapsed = _row("ga", "a", 0.3, 0.3, flags={"collapsed": True, "spread": False})
    assert judge.classify(collapsed, START, FLOOR, FLOOR_CI) == "flagged"
    spread = _row("ga", "a", 0.3, 0.3, flags={"collapsed": False, "spread": True})
    assert judge.classify(spread, START, FLOOR, FLOOR_CI) == "flagged"


def test_a_wide_interval_touching_the_floor_is_not_unlearned():
    # "within the floor's interval" is about the value: doing nothing at twice the floor with a wide interval
    # (random_75_seed4: 1.16 [0.69, 1.69] vs floor 0.52 [0.24, 0.82]) must not count as unlearned
    wide = _row("ga", "a", 1.0, 1.0, retain=1.0)
    wide["klom_ci"] = {g: [0.7, 1.3] for g in wide["klom_p95"]}
    assert judge.classify(wide, START, FLOOR, FLOOR_CI) == "partial"
    inside = _row("ga", "a", 0.75, 0.75, retain=0.75)
    inside["klom_ci"] = {g: [0.5, 1.0] for g in inside["klom_p95"]}  # control: same width, value inside
    assert judge.classify(inside, START, FLOOR, FLOOR_CI) == "unlearned"


@given(st.dictionaries(st.text(min_size=1).filter(lambda k: k not in ("klom_p95", "klom_ci", "accuracy", "flags")),
                       st.one_of(st.integers(), st.text(), st.floats(allow_nan=False)), max_size=5),
       st.sampled_from([(1.9, 1.0, 0.95), (2.7, 1.0, 0.95), (1.0, 2.5, 0.95), (0.75, 0.75, 0.95), (1.4, 1.0, 0.95),
                        (0.2, 0.2, 0.88)]))
def test_classifier_ignores_irrelevant_keys(extra, values):
    row = _row("ga", "a", *values)
    noisy = {**copy.deepcopy(row), **extra}
    assert judge.classify(noisy, START, FLOOR, FLOOR_CI) == judge.classify(row, START, FLOOR, FLOOR_CI)


def test_classifier_null_control_pretrained_against_itself_is_near_pretrained():
    """Negative control: the pretrained model judged against itself is never broken, overshoot or partial."""
    for start in (START, _row("do_nothing", "a", 7.0, 0.8), _row("do_nothing", "a", 0.7, 0.7)):
        assert judge.classify(start, start, FLOOR, FLOOR_CI) in ("near_pretrained", "unlearned")


def test_controls_classify_the_baselines_and_say_whether_any_reached_the_floor():
    text = judge.controls(make_results())
    assert "finetune: 3 near_pretrained" in text and "do_nothing: 3 near_pretrained" in text
    assert "no configuration of any method, baselines included, reached the noise floor" in text
    results = make_results()
    results["runs"].append(_row("rewind", "random_10_seed0", 0.7, 0.7))
    assert "configurations of rewind reached the noise floor" in judge.controls(results)


def test_old_style_floor_without_interval_uses_point_values():
    assert judge.classify(_row("ga", "a", 0.55, 0.55), START, FLOOR, None) == "unlearned"  # 0.55 ≤ 0.6
    assert judge.classify(_row("ga", "a", 0.65, 0.55), START, FLOOR, None) == "partial"


def test_controls_do_not_credit_reaching_the_floor_on_sets_where_doing_nothing_is_there():
    results = make_results()
    results["runs"] = [r for r in results["runs"] if r["forget_set"] != "random_10_seed0"]
    results["runs"] += [_row("do_nothing", "random_10_seed0", 0.7, 0.7), _row("finetune", "random_10_seed0", 0.7, 0.7)]
    text = judge.controls(results)
    assert "no configuration of any method, baselines included, reached the noise floor" in text
    assert "doing nothing is already at the floor on random_10_seed0" in text
