"""The paper's qualitative network claims, judged on the numbers of an ``nn run`` (``results.json``).

``reproduce`` states in ``report.md``, claim by claim, whether the sweep reproduced what the paper says about
networks (docs/experiments.md#verdicts). The verdicts are computed here from the results with the thresholds and
statistical rules below, fixed before the sweep they judge was looked at; each comes with the numbers, intervals
and number of seeds behind it. Every KLoM value is a 95th percentile with a bootstrap interval over models
(``klom_ci`` in results.json); the comparisons are those of :mod:`~ascent_fails.nn_experiments.verdict_rules`.

Every configuration (the ascent methods GA/GDA/SCRUB, and as controls the baselines fine-tune, rewind, noisy and
do nothing) is sorted into one class by :func:`classify`, against the do-nothing (pretrained) configuration of its
forget set and that set's noise floor, in this order:

* *broken*: on the validation or the retain group, KLoM's interval lies above ``BROKEN_FACTOR`` × the upper end of
  the pretrained model's interval and above the floor's interval; or validation or retain accuracy more than
  ``BROKEN_ACC_DROP`` below the pretrained model's;
* *flagged*: a blind spot of KLoM (``flags`` of the row: margins collapsed at the joint maximum or a clip end, or
  spread far beyond the oracle's range; :func:`~ascent_fails.nn_experiments.evaluation.blind_spot_flags`): its
  KLoM cannot be read, and it is never counted as unlearned;
* *unlearned*: on every group (forget, retain, validation) KLoM's interval reaches the floor's interval
  (low end ≤ the floor's high end);
* *near the pretrained model* ("stuck"): the forget KLoM's interval overlaps the *band* around the pretrained
  model's: [low / ``NEAR_BAND_FACTOR``, high × ``NEAR_BAND_FACTOR``] of its interval;
* *overshoot*: the forget KLoM's interval lies above that band (the forget points moved *away* from the oracles);
* *partial*: everything else (below the band, above the floor).

A forget set's *difficulty* is the best worst-group KLoM that an unbroken, unflagged GA/GDA/SCRUB configuration
reaches on it, with the interval of that configuration's worst group. :func:`assess_claims` then judges four
claims: most ascent configurations are stuck or broken; PC sets are harder than random sets of the same size;
larger sets are harder; the "illusion" of Figure 2. The comparisons (harder, larger, illusion) need intervals:
on results written before ``klom_ci`` was recorded they are *undecided*, with the point values shown.

>>> start = {"klom_p95": {"forget": 2.0, "retain": 1.0, "validation": 1.0},
...          "accuracy": {"forget": 0.9, "retain": 0.97, "validation": 0.95}}
>>> floor = {"forget": 0.6, "retain": 0.6, "validation": 0.6}
>>> classify({**start, "klom_p95": {"forget": 1.9, "retain": 1.0, "validation": 1.0}}, start, floor)
'near_pretrained'
>>> classify({**start, "klom_p95": {"forget": 4.0, "retain": 1.0, "validation": 1.0}}, start, floor)
'overshoot'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ascent_fails.nn_experiments.names import GROUPS
from ascent_fails.nn_experiments.noise_floor import floor_interval_of, floor_of
from ascent_fails.nn_experiments.verdict_rules import (Interval, interval_of, majority, separation, versus_draws,
                                                       worst_group_interval)

__all__ = ["Claim", "classify", "broken", "assess_claims", "criteria", "class_counts", "controls", "ASCENT_METHODS",
           "BASELINE_METHODS", "CLASSES", "BROKEN_FACTOR", "BROKEN_ACC_DROP", "NEAR_BAND_FACTOR", "ILLUSION_RISE"]

# Thresholds of the classification (stated in the report; justified on another seed in docs/experiments.md#verdicts).
BROKEN_FACTOR = 2.0  # broken: validation or retain KLoM interval above 2 × the pretrained interval's high end ...
BROKEN_ACC_DROP = 0.05  # ... or validation or retain accuracy more than 5 points below the pretrained model's
NEAR_BAND_FACTOR = 1.25  # near the pretrained model: forget interval meets [low / 1.25, high × 1.25] of the pretrained one
ASCENT_METHODS = ("ga", "gda", "scrub")
BASELINE_METHODS = ("do_nothing", "finetune", "rewind", "noisy")  # the controls, classified the same way
CLASSES = ("broken", "flagged", "unlearned", "near_pretrained", "overshoot", "partial")
ILLUSION_RISE = 1.25  # illusion: the mean KLoM ends > 25 % above its minimum over the run
# forget-set kinds that are not high-influence sets: the random draws, user files, and whole-class blocks (a control
# for "a block of one class", which is what a degenerate PC set can amount to)
UNSTRUCTURED_KINDS = ("random", "file", "class")


@dataclass(frozen=True)
class Claim:
    """One qualitative claim of the paper and what the results say about it."""

    id: str
    statement: str  # the paper's claim, in one sentence
    reproduced: bool | None  # None: the results cannot decide (needed runs missing, or intervals overlap)
    evidence: str  # the numbers behind the verdict, the rule and the number of seeds
    label: str | None = None  # the verdict in the claim's own words where they differ (e.g. "not supported")


def _floor_intervals(floor: Mapping[str, float], floor_ci: Mapping[str, Any] | None) -> dict[str, Interval]:
    out = {}
    for g in GROUPS:
        v = float(floor[g])
        ci = (floor_ci or {}).get(g)
        out[g] = Interval(v, v, v) if ci is None else Interval(min(float(ci[0]), v), v, max(float(ci[1]), v))
    return out


def broken(row: Mapping[str, Any], start: Mapping[str, Any], floor: Mapping[str, float],
           floor_ci: Mapping[str, Any] | None = None) -> bool:
    """The *broken* class (module docstring): retain or validation KLoM blown up, or their accuracy fallen."""
    floors = _floor_intervals(floor, floor_ci)
    for g in ("validation", "retain"):
        k, pre = interval_of(row, g), interval_of(start, g)
        if k.low > BROKEN_FACTOR * pre.high and k.low > floors[g].high:
            return True
        if row["accuracy"][g] < start["accuracy"][g] - BROKEN_ACC_DROP:
            return True
    return False


def classify(row: Mapping[str, Any], start: Mapping[str, Any], floor: Mapping[str, float],
             floor_ci: Mapping[str, Any] | None = None) -> str:
    """One of :data:`CLASSES` for one configuration (module docstring); keys of ``row`` other than ``klom_p95``,
    ``klom_ci``, ``accuracy`` and ``flags`` are ignored.

    Broken is tested first: with the oracle‖unlearned direction, a model whose margins spread out (e.g. GA at a
    large lr) can score a KLoM *below* the noise floor while losing accuracy, and must not count as unlearned;
    a blind-spot flag second, for the same reason when accuracy holds.
    """
    if broken(row, start, floor, floor_ci):
        return "broken"
    flags = row.get("flags") or {}
    if flags.get("collapsed") or flags.get("spread"):
        return "flagged"
    floors = _floor_intervals(floor, floor_ci)
    if all(interval_of(row, g).value <= floors[g].high for g in GROUPS):
        return "unlearned"
    forget, pre = interval_of(row, "forget"), interval_of(start, "forget")
    band = Interval(pre.low / NEAR_BAND_FACTOR, pre.value, pre.high * NEAR_BAND_FACTOR)
    side = separation(forget, band)
    return {"overlap": "near_pretrained", "above": "overshoot", "below": "partial"}[side]


def _sets_and_starts(results: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    sets = {fs["name"]: fs for fs in results["forget_sets"]}
    start = {r["forget_set"]: r for r in results["runs"] if r["method"] == "do_nothing"}
    return sets, start


def class_counts(results: Mapping[str, Any], methods: Sequence[str]) -> dict[str, dict[str, int]]:
    """{method: {class: number of configurations}} over every forget set with a do-nothing run."""
    sets, start = _sets_and_starts(results)
    counts = {m: dict.fromkeys(CLASSES, 0) for m in methods}
    for r in results["runs"]:
        if r["method"] in counts and r["forget_set"] in start:
            fs = sets[r["forget_set"]]
            counts[r["method"]][classify(r, start[r["forget_set"]], floor_of(results, fs), floor_interval_of(results, fs))] += 1
    return counts


def _seeds_note(results: Mapping[str, Any], draws: Mapping[int, int]) -> str:
    sweep = results.get("sweep") or {}
    seed = sweep.get("seed", "?")
    per_size = ", ".join(f"{k} at |F|={s}" for s, k in sorted(draws.items())) or "none"
    boot = "bootstrap intervals over models" if any(r.get("klom_ci") for r in results["runs"]) else \
        "no bootstrap intervals in these results (written before they were recorded): point values only"
    return f"1 model seed (sweep seed {seed}); random draws per size: {per_size}; {boot}"


def _draws_caveat(randoms: Mapping[int, Sequence[str]], *, sizes: bool = False) -> str:
    """What a comparison with random sets covers: the spread over models only (one draw of a size), or also the
    spread between draws (several draws, every one of which must be beaten). ``sizes``: the caveat of the
    larger-is-harder comparison (draws against draws) instead of a structured set against draws."""
    fewest = min((len(v) for v in randoms.values()), default=0)
    if fewest <= 1:
        return ("with one random draw of a size the intervals cover the spread over models, not the spread between "
                "draws of the forget set")
    if sizes:
        return (f"at least {fewest} random draws per size: every draw of the larger size must separate from every "
                "draw of the smaller, so the spread between draws enters the rule")
    return (f"at least {fewest} random draws per size: a structured set must beat every draw, so the spread between "
            f"draws of the forget set enters the rule; by exchangeability alone a set beats all {fewest} draws with "
            f"probability 1/{fewest + 1}, and the intervals must also separate")


def assess_claims(results: Mapping[str, Any]) -> list[Claim]:
    """The paper's qualitative network claims (docs/experiments.md#claims-judged-by-reproduce), judged on ``results`` (a results.json dict)."""
    sets, start = _sets_and_starts(results)
    runs = results["runs"]
    claims: list[Claim] = []
    draws: dict[int, int] = {}
    for fs in sets.values():
        if fs["kind"] == "random":
            draws[fs["size"]] = draws.get(fs["size"], 0) + 1
    note = _seeds_note(results, draws)

    # 1. most ascent-based runs stay near the pretrained model or break it
    counts = dict.fromkeys(CLASSES, 0)
    trivial = 0  # unlearned on sets where doing nothing is already unlearned
    for r in runs:
        if r["method"] in ASCENT_METHODS and r["forget_set"] in start:
            fs = sets[r["forget_set"]]
            floor, floor_ci = floor_of(results, fs), floor_interval_of(results, fs)
            kind = classify(r, start[r["forget_set"]], floor, floor_ci)
            counts[kind] += 1
            trivial += kind == "unlearned" and classify(start[r["forget_set"]], start[r["forget_set"]], floor, floor_ci) == "unlearned"
    total = sum(counts.values())
    if total:
        share = (counts["near_pretrained"] + counts["broken"]) / total
        claims.append(Claim(
            "stuck_or_broken",
            "Most GA/GDA/SCRUB configurations either stay near the pretrained model or break it.",
            share > 0.5,
            f"{total} configurations: {counts['near_pretrained']} near the pretrained model, {counts['broken']} broken, "
            f"{counts['overshoot']} overshoot, {counts['partial']} partial, {counts['flagged']} flagged (KLoM blind spot), "
            f"{counts['unlearned']} unlearned ({trivial} of them on forget sets where doing nothing is already unlearned); "
            f"near + broken = {share:.0%} (rule: more than 50 %; classes decided by intervals, see the criteria; {note}).",
        ))
    else:
        claims.append(Claim("stuck_or_broken", "Most GA/GDA/SCRUB configurations stay near the pretrained model or break it.",
                            None, "no GA/GDA/SCRUB run together with a do-nothing baseline in the results"))

    # difficulty per forget set: the unbroken, unflagged ascent configuration with the best worst-group KLoM
    best: dict[str, Interval] = {}
    for name, fs in sets.items():
        if name not in start:
            continue
        floor, floor_ci = floor_of(results, fs), floor_interval_of(results, fs)
        rows = [r for r in runs if r["forget_set"] == name and r["method"] in ASCENT_METHODS
                and classify(r, start[name], floor, floor_ci) not in ("broken", "flagged")]
        if rows:
            best[name] = min((worst_group_interval(r, GROUPS) for r in rows), key=lambda iv: iv.value)

    # 2. PC (high-influence) sets are harder than random sets of the same size
    randoms: dict[int, list[str]] = {}
    for name, fs in sets.items():
        if fs["kind"] == "random" and name in best:
            randoms.setdefault(fs["size"], []).append(name)
    pairs = []
    for name, fs in sets.items():
        if fs["kind"] not in UNSTRUCTURED_KINDS and name in best and fs["size"] in randoms:
            others = [best[n] for n in randoms[fs["size"]]]
            pairs.append((name, randoms[fs["size"]], best[name], others, versus_draws(best[name], others)))
    intervals = any(r.get("klom_ci") for r in runs)
    if pairs:
        n_harder = sum(p[4] == "harder" for p in pairs)
        n_overlap = sum(p[4] == "inconclusive" for p in pairs)
        detail = "; ".join(f"{name} {iv.text()} vs {' / '.join(f'{n} {o.text()}' for n, o in zip(rnames, others))}: {verdict}"
                           for name, rnames, iv, others, verdict in pairs)
        claims.append(Claim(
            "pc_harder",
            "High-influence (PC or influence-ranked) forget sets are harder to unlearn than random sets of the same size.",
            majority(n_claimed=n_harder, n_overlap=n_overlap, n=len(pairs)) if intervals else None,
            f"best worst-group KLoM over unbroken, unflagged GA/GDA/SCRUB configurations, PC set vs the random set(s) of "
            f"equal size: {detail} (intervals separate, harder, in {n_harder}/{len(pairs)} pairs, overlap in "
            f"{n_overlap}; {_draws_caveat(randoms)}). Rule: a pair is harder when the PC set's interval lies above every random draw's; reproduced "
            f"when more than half the pairs are harder, undecided when at least half overlap; {note}.",
        ))
    else:
        claims.append(Claim("pc_harder", "PC forget sets are harder than random sets of the same size.", None,
                            "no PC set with a random set of the same size was run"))

    # 3. larger (random) sets are harder
    sizes = sorted(randoms)
    if len(sizes) >= 2:
        steps = []
        for a, b in zip(sizes, sizes[1:]):
            # every pair of draws (larger, smaller): the step rises when all pairs separate upwards and falls when
            # all separate downwards; an envelope of the draws (easiest larger vs hardest smaller) would call a
            # step "falling" whenever the draws of one size merely spread wider than those of the other
            sides = {separation(best[nb], best[na]) for nb in randoms[b] for na in randoms[a]}
            steps.append("above" if sides == {"above"} else "below" if sides == {"below"} else "overlap")
        n_up = steps.count("above")
        n_overlap = steps.count("overlap")
        claims.append(Claim(
            "larger_harder",
            "Larger forget sets are harder to unlearn.",
            majority(n_claimed=n_up, n_overlap=n_overlap, n=len(steps)) if intervals else None,
            "best worst-group KLoM (unbroken, unflagged GA/GDA/SCRUB configurations) on the random sets by size: "
            + ", ".join(f"|F|={sets[n]['size']} ({n}): {best[n].text()}" for s in sizes for n in randoms[s])
            + f" (intervals separate, rising, in {n_up}/{len(steps)} steps, falling in {steps.count('below')}, overlap in "
            f"{n_overlap}; {_draws_caveat(randoms, sizes=True)}). Rule: a step rises (falls) when "
            f"the interval of every draw at the larger size lies above (below) that of every draw at the smaller; reproduced when "
            f"more than half the steps rise, undecided when at least half overlap; {note}.",
        ))
    else:
        claims.append(Claim("larger_harder", "Larger forget sets are harder to unlearn.", None,
                            "fewer than two sizes of random forget sets were run"))

    # 4. the "illusion" (Fig. 2): along a GA run the mean KLoM first falls, then rises again past a best epoch
    ill = results.get("illusion") or {}

    def mean_interval(row: Mapping[str, Any]) -> Interval:
        parts = [interval_of(row, g) for g in GROUPS]
        return Interval(sum(p.low for p in parts) / 3, sum(p.value for p in parts) / 3, sum(p.high for p in parts) / 3)

    curves: dict[float, list[tuple[int, Interval]]] = {}
    for r in ill.get("runs", []):
        curves.setdefault(r["hparams"]["lr"], []).append((r["epoch"], mean_interval(r)))
    if curves and ill.get("forget_set") in start:
        begin = mean_interval(start[ill["forget_set"]])
        found = []
        for lr, points in sorted(curves.items()):
            points = [(0, begin)] + sorted(points, key=lambda p: p[0])
            best_epoch, low = min(points, key=lambda p: p[1].value)
            last_epoch, last = points[-1]
            if (0 < best_epoch < last_epoch and last.value > ILLUSION_RISE * low.value
                    and separation(last, low) == "above" and separation(begin, low) == "above"):
                found.append(f"lr={lr:g}: {begin.text()} at epoch 0 → {low.text()} at epoch {best_epoch} → "
                             f"{last.text()} at epoch {last_epoch}")
        claims.append(Claim(
            "illusion",
            "Forgetting with GA needs the right learning rate and the right stopping time (the mean KLoM passes through "
            "a minimum and rises again).",
            bool(found) if intervals else None,
            ((f"GA on {ill['forget_set']}, mean of forget/retain/validation KLoM: " + "; ".join(found) + ".") if found else
             f"no learning rate of the illusion runs has an interior minimum followed by a rise of > {ILLUSION_RISE - 1:.0%} "
             "whose intervals separate from the minimum's.")
            + f" Rule: interior minimum, end > {ILLUSION_RISE} × minimum, and the intervals of the start and of the end "
            f"both above the minimum's (interval of a mean: the mean of the groups' interval ends); {note}.",
        ))
    return claims


def criteria() -> str:
    """The classification rule and the thresholds, in one paragraph (printed in ``report.md``)."""
    return (f"Classification of each configuration (GA/GDA/SCRUB, and the baselines as controls), in this order, with "
            f"the 95th-percentile KLoM of each group and its bootstrap interval over models: *broken* if the validation "
            f"or retain interval lies above {BROKEN_FACTOR} × the upper end of the pretrained model's (and above the "
            f"floor's), or validation or retain accuracy drops by more than {BROKEN_ACC_DROP * 100:.0f} points; "
            "*flagged* if KLoM is in a blind spot (margins collapsed at the joint maximum or a clip end, or spread far "
            "beyond the oracle's range); *unlearned* if on every group the interval reaches the forget set's noise-floor "
            "interval; *near the pretrained model* if the forget interval meets the band [low / "
            f"{NEAR_BAND_FACTOR}, high × {NEAR_BAND_FACTOR}] of the pretrained model's forget interval; *overshoot* if "
            "it lies above that band; otherwise *partial*. A set's difficulty is the best worst-group KLoM that an "
            "unbroken, unflagged GA/GDA/SCRUB configuration reaches on it. Thresholds were fixed before the sweep they "
            "judge was looked at (docs/experiments.md#verdicts).")


def controls(results: Mapping[str, Any]) -> str:
    """The baselines (do nothing, fine-tune, rewind, noisy) classified like the ascent methods, and whether any
    configuration of any method reached the noise floor (class *unlearned*), in one paragraph for ``report.md``."""
    methods = [m for m in (*BASELINE_METHODS, *ASCENT_METHODS) if any(r["method"] == m for r in results["runs"])]
    counts = class_counts(results, methods)
    parts = []
    for m in methods:
        nonzero = ", ".join(f"{n} {c}" for c, n in counts[m].items() if n)
        parts.append(f"{m}: {nonzero or 'no configuration on a set with a do-nothing run'}")
    sets, start = _sets_and_starts(results)
    trivial = set()  # forget sets where the pretrained model itself is already at the floor: nothing to unlearn
    for name, fs in sets.items():
        if name in start and classify(start[name], start[name], floor_of(results, fs), floor_interval_of(results, fs)) == "unlearned":
            trivial.add(name)
    reached = sorted({r["method"] for r in results["runs"] if r["method"] in methods and r["forget_set"] in start
                      and r["forget_set"] not in trivial and classify(
                          r, start[r["forget_set"]], floor_of(results, sets[r["forget_set"]]),
                          floor_interval_of(results, sets[r["forget_set"]])) == "unlearned"})
    verdict = (f"configurations of {', '.join(reached)} reached the noise floor on every group" if reached else
               "no configuration of any method, baselines included, reached the noise floor on every group")
    verdict += (f" on a forget set where doing nothing does not (doing nothing is already at the floor on "
                f"{', '.join(sorted(trivial))})" if trivial else "")
    return (f"Controls, classified by the same rule (configurations per class): {'; '.join(parts)}. "
            f"Reaching the floor: {verdict}.")
