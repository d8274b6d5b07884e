"""The paper's qualitative network claims, judged on the numbers of an ``nn run`` (``results.json``).

``reproduce`` states in ``report.md``, claim by claim, whether the sweep reproduced what the paper says about
networks (docs/experiments.md#verdicts). The verdicts are computed here from the results, with the thresholds
below, never written in advance; each comes with the numbers behind it.

Every GA/GDA/SCRUB configuration is first sorted into one class by :func:`classify`, comparing it with the
do-nothing (pretrained) configuration of its forget set and with that set's noise floor, in this order:

* *broken*: validation KLoM > ``BROKEN_VAL_FACTOR`` × the pretrained model's (and > ``SUCCESS_FACTOR`` × the
  validation floor), or validation accuracy more than ``BROKEN_ACC_DROP`` below the pretrained model's;
* *success*: the KLoM of every group ≤ ``SUCCESS_FACTOR`` × that group's floor;
* *near the pretrained model* ("stuck"): forget KLoM still ≥ ``NEAR_FORGET_FRACTION`` × the pretrained model's;
* *partial*: everything else.

A forget set's *difficulty* is the best worst-group KLoM that an unbroken GA/GDA/SCRUB configuration reaches on
it. :func:`assess_claims` then judges four claims: most configurations are stuck or broken; PC sets are harder
than random sets of the same size; larger sets are harder; the "illusion" of Figure 2.

>>> start = {"klom_p95": {"forget": 2.0, "retain": 1.0, "validation": 1.0},
...          "accuracy": {"forget": 0.9, "retain": 0.97, "validation": 0.95}}
>>> floor = {"forget": 0.6, "retain": 0.6, "validation": 0.6}
>>> classify({**start, "klom_p95": {"forget": 1.9, "retain": 1.0, "validation": 1.0}}, start, floor)
'near_pretrained'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ascent_fails.nn_experiments.names import GROUPS
from ascent_fails.nn_experiments.noise_floor import floor_of

__all__ = ["Claim", "classify", "broken", "assess_claims", "criteria", "ASCENT_METHODS", "BROKEN_VAL_FACTOR",
           "BROKEN_ACC_DROP", "SUCCESS_FACTOR", "NEAR_FORGET_FRACTION", "ILLUSION_RISE"]

# Thresholds of the classification of an ascent-based configuration (stated in the report).
BROKEN_VAL_FACTOR = 2.0  # broken: validation KLoM > 2 × the pretrained model's and > 1.5 × the floor ...
BROKEN_ACC_DROP = 0.05  # ... or validation accuracy more than 5 points below the pretrained model's
SUCCESS_FACTOR = 1.5  # success (if not broken): KLoM of every group ≤ 1.5 × that group's noise floor
NEAR_FORGET_FRACTION = 0.8  # near the pretrained model: forget KLoM still ≥ 80 % of the pretrained model's
ASCENT_METHODS = ("ga", "gda", "scrub")
ILLUSION_RISE = 1.25  # illusion: the mean KLoM ends > 25 % above its minimum over the run


@dataclass(frozen=True)
class Claim:
    """One qualitative claim of the paper and what the results say about it."""

    id: str
    statement: str  # the paper's claim, in one sentence
    reproduced: bool | None  # None: the results cannot decide (e.g. the needed forget sets were not run)
    evidence: str  # the numbers behind the verdict


def classify(row: Mapping[str, Any], start: Mapping[str, Any], floor: Mapping[str, float]) -> str:
    """'broken', 'success', 'near_pretrained' or 'partial' for one configuration (thresholds above).

    Broken is tested first: with the oracle‖unlearned direction, a model whose margins spread out (e.g. GA at a
    large lr) can score a KLoM *below* the noise floor while losing accuracy, and must not count as a success.
    """
    k = row["klom_p95"]
    if broken(row, start, floor):
        return "broken"
    if all(k[g] <= SUCCESS_FACTOR * floor[g] for g in GROUPS):
        return "success"
    if k["forget"] >= NEAR_FORGET_FRACTION * start["klom_p95"]["forget"]:
        return "near_pretrained"
    return "partial"


def broken(row: Mapping[str, Any], start: Mapping[str, Any], floor: Mapping[str, float]) -> bool:
    k = row["klom_p95"]
    val_blowup = k["validation"] > BROKEN_VAL_FACTOR * start["klom_p95"]["validation"] and k["validation"] > SUCCESS_FACTOR * floor["validation"]
    return val_blowup or row["accuracy"]["validation"] < start["accuracy"]["validation"] - BROKEN_ACC_DROP


def _best_worst_group(rows: Sequence[Mapping[str, Any]]) -> float:
    """min over configurations of max over groups of KLoM: the best any configuration gets on its worst group."""
    return min(max(r["klom_p95"].values()) for r in rows)


def assess_claims(results: Mapping[str, Any]) -> list[Claim]:
    """The paper's qualitative network claims (docs/experiments.md#claims-judged-by-reproduce), judged on ``results`` (a results.json dict)."""
    sets = {fs["name"]: fs for fs in results["forget_sets"]}
    runs = results["runs"]
    start = {r["forget_set"]: r for r in runs if r["method"] == "do_nothing"}
    claims: list[Claim] = []

    # 1. most ascent-based runs stay near the pretrained model or break it
    counts = {"success": 0, "broken": 0, "near_pretrained": 0, "partial": 0}
    trivial = 0  # successes on sets where doing nothing already meets the success thresholds
    for r in runs:
        if r["method"] in ASCENT_METHODS and r["forget_set"] in start:
            fs = sets[r["forget_set"]]
            floor = floor_of(results, fs)
            kind = classify(r, start[r["forget_set"]], floor)
            counts[kind] += 1
            trivial += kind == "success" and classify(start[r["forget_set"]], start[r["forget_set"]], floor) == "success"
    total = sum(counts.values())
    if total:
        share = (counts["near_pretrained"] + counts["broken"]) / total
        claims.append(Claim(
            "stuck_or_broken",
            "Most GA/GDA/SCRUB configurations either stay near the pretrained model or break it.",
            share > 0.5,
            f"{total} configurations: {counts['near_pretrained']} near the pretrained model, {counts['broken']} broken, "
            f"{counts['partial']} partial, {counts['success']} successful ({trivial} of them on forget sets where doing "
            f"nothing is already a success); near + broken = {share:.0%}.",
        ))
    else:
        claims.append(Claim("stuck_or_broken", "Most GA/GDA/SCRUB configurations stay near the pretrained model or break it.",
                            None, "no GA/GDA/SCRUB run together with a do-nothing baseline in the results"))

    # best worst-group KLoM per forget set, over the ascent-based configurations that did not break the model
    best = {}
    for name, fs in sets.items():
        if name not in start:
            continue
        floor = floor_of(results, fs)
        rows = [r for r in runs if r["forget_set"] == name and r["method"] in ASCENT_METHODS and not broken(r, start[name], floor)]
        if rows:
            best[name] = _best_worst_group(rows)

    # 2. PC (high-influence) sets are harder than random sets of the same size
    pairs = []
    randoms = {fs["size"]: name for name, fs in sets.items() if fs["kind"] == "random"}
    for name, fs in sets.items():
        if fs["kind"] != "random" and fs["kind"] != "file" and fs["size"] in randoms and name in best and randoms[fs["size"]] in best:
            pairs.append((name, randoms[fs["size"]], best[name], best[randoms[fs["size"]]]))
    if pairs:
        harder = sum(pc > rnd for _, _, pc, rnd in pairs)
        detail = "; ".join(f"{pc_name} {pc:.2f} vs {rnd_name} {rnd:.2f}" for pc_name, rnd_name, pc, rnd in pairs)
        claims.append(Claim(
            "pc_harder",
            "High-influence (PC) forget sets are harder to unlearn than random sets of the same size.",
            harder > len(pairs) / 2,
            f"best worst-group KLoM over unbroken GA/GDA/SCRUB configurations, PC set vs random set of equal size: {detail} "
            f"(PC harder in {harder}/{len(pairs)} pairs).",
        ))
    else:
        claims.append(Claim("pc_harder", "PC forget sets are harder than random sets of the same size.", None,
                            "no PC set with a random set of the same size was run"))

    # 3. larger (random) sets are harder
    sized = sorted((fs["size"], best[name], name) for name, fs in sets.items() if fs["kind"] == "random" and name in best)
    if len(sized) >= 2:
        steps = list(zip(sized, sized[1:]))
        rising = sum(b[1] > a[1] for a, b in steps)
        claims.append(Claim(
            "larger_harder",
            "Larger forget sets are harder to unlearn.",
            rising > len(steps) / 2,
            "best worst-group KLoM (unbroken GA/GDA/SCRUB configurations) on the random sets by size: "
            + ", ".join(f"|F|={s} ({n}): {v:.2f}" for s, v, n in sized)
            + f" (increases in {rising}/{len(steps)} steps).",
        ))
    else:
        claims.append(Claim("larger_harder", "Larger forget sets are harder to unlearn.", None,
                            "fewer than two random forget sets were run"))
    # 4. the "illusion" (Fig. 2): along a GA run the mean KLoM first falls, then rises again past a best epoch
    ill = results.get("illusion") or {}
    curves: dict[float, list[tuple[int, float]]] = {}
    for r in ill.get("runs", []):
        curves.setdefault(r["hparams"]["lr"], []).append((r["epoch"], sum(r["klom_p95"].values()) / 3))
    if curves and ill.get("forget_set") in start:
        begin = sum(start[ill["forget_set"]]["klom_p95"].values()) / 3
        found = []
        for lr, points in sorted(curves.items()):
            points = [(0, begin)] + sorted(points)
            best_epoch, best = min(points, key=lambda p: p[1])
            last_epoch, last = points[-1]
            if 0 < best_epoch < last_epoch and last > ILLUSION_RISE * best and best < begin:
                found.append(f"lr={lr:g}: {begin:.2f} at epoch 0 → {best:.2f} at epoch {best_epoch} → {last:.2f} at epoch {last_epoch}")
        claims.append(Claim(
            "illusion",
            "Forgetting with GA needs the right learning rate and the right stopping time (the mean KLoM passes through "
            "a minimum and rises again).",
            bool(found),
            (f"GA on {ill['forget_set']}, mean of forget/retain/validation KLoM: " + "; ".join(found)) if found else
            f"no learning rate of the illusion runs has an interior minimum followed by a rise of > {ILLUSION_RISE - 1:.0%}.",
        ))
    return claims


def criteria() -> str:
    """The classification rule and the thresholds, in one paragraph (printed in ``report.md``)."""
    return (f"Classification of each GA/GDA/SCRUB configuration, in this order: *broken* if validation KLoM > "
            f"{BROKEN_VAL_FACTOR} × the pretrained model's (and above {SUCCESS_FACTOR} × floor) or validation accuracy "
            f"drops by more than {BROKEN_ACC_DROP * 100:.0f} points; *success* if the KLoM of every group is ≤ "
            f"{SUCCESS_FACTOR} × the floor of that group; *near the pretrained model* if forget KLoM stays ≥ "
            f"{NEAR_FORGET_FRACTION:.0%} of the pretrained model's; otherwise *partial*. A set's difficulty is the best "
            "worst-group KLoM that an unbroken GA/GDA/SCRUB configuration reaches on it.")
