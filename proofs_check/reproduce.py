"""``ascent-fails reproduce``: verify + every figure + the network sweep, and a ``report.md`` of what reproduced.

Steps, each resumable (a finished step is not redone unless ``--force``):

1. ``verify``: :func:`proofs_check.run_all`, saved as ``verify.json`` / ``verify.txt``;
2. every figure command of the CLI (``figure phase``, ``figure toy``) with its defaults, into ``figures/<name>/``;
3. ``nn run`` on the default sweep (or the narrowed one given by the flags) into ``nn/`` (it resumes by itself);
4. ``report.md``: links every figure and table and states, claim by claim, whether the numbers reproduced the
   paper's qualitative claims. The verdicts are computed from the results by :func:`assess_claims` with the
   thresholds stated in the report, never written in advance.

It needs no GPU and no download; on a fresh install the default network sweep is the scaled-down protocol
described in ``ascent-fails nn run --help`` (``--full`` runs the paper's full protocol).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Claim", "assess_claims", "FIGURE_COMMANDS", "configure_parser", "main", "write_report"]

#: CLI words of every figure command that reproduce runs with its defaults
FIGURE_COMMANDS: tuple[tuple[str, ...], ...] = (("figure", "phase"), ("figure", "toy"))
_DONE = ".done.json"

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


def _classify(row: Mapping[str, Any], start: Mapping[str, Any], floor: Mapping[str, float]) -> str:
    """'broken', 'success', 'near_pretrained' or 'partial' for one configuration (thresholds above).

    Broken is tested first: with the oracle‖unlearned direction, a model whose margins spread out (e.g. GA at a
    large lr) can score a KLoM *below* the noise floor while losing accuracy, and must not count as a success.
    """
    k = row["klom_p95"]
    if _broken(row, start, floor):
        return "broken"
    if all(k[g] <= SUCCESS_FACTOR * floor[g] for g in ("forget", "retain", "validation")):
        return "success"
    if k["forget"] >= NEAR_FORGET_FRACTION * start["klom_p95"]["forget"]:
        return "near_pretrained"
    return "partial"


def _broken(row: Mapping[str, Any], start: Mapping[str, Any], floor: Mapping[str, float]) -> bool:
    k = row["klom_p95"]
    val_blowup = k["validation"] > BROKEN_VAL_FACTOR * start["klom_p95"]["validation"] and k["validation"] > SUCCESS_FACTOR * floor["validation"]
    return val_blowup or row["accuracy"]["validation"] < start["accuracy"]["validation"] - BROKEN_ACC_DROP


def _best_worst_group(rows: Sequence[Mapping[str, Any]]) -> float:
    """min over configurations of max over groups of KLoM: the best any configuration gets on its worst group."""
    return min(max(r["klom_p95"].values()) for r in rows)


def assess_claims(results: Mapping[str, Any]) -> list[Claim]:
    """The paper's qualitative network claims (spec §6), judged on ``results`` (a results.json dict)."""
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
            floor = fs.get("floor") or results["floor"]
            kind = _classify(r, start[r["forget_set"]], floor)
            counts[kind] += 1
            trivial += kind == "success" and _classify(start[r["forget_set"]], start[r["forget_set"]], floor) == "success"
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
        floor = fs.get("floor") or results["floor"]
        rows = [r for r in runs if r["forget_set"] == name and r["method"] in ASCENT_METHODS and not _broken(r, start[name], floor)]
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


def _verdict(value: bool | None) -> str:
    return {True: "**reproduced**", False: "**not reproduced**", None: "**undecided**"}[value]


def write_report(out: Path, verify: Mapping[str, Any] | None, figures: Mapping[str, Any], nn: Mapping[str, Any] | None,
                 nn_files: Mapping[str, Path], seconds: float) -> Path:
    """Write ``out/report.md`` from the outcomes of the steps; returns its path."""
    lines = ["# Reproduction report: \"Ascent Fails to Forget\" (arXiv 2509.26427)", "",
             f"Generated by `ascent-fails reproduce` in {seconds:.0f} s (this session). Every verdict below is computed "
             "from the files linked next to it.", ""]
    lines += ["## 1. Theory: `ascent-fails verify`", ""]
    if verify is None:
        lines += ["Not run.", ""]
    else:
        results = verify.get("lemmas", [])
        n_pass = sum(r["status"] == "PASS" for r in results)
        lines += [f"{n_pass}/{len(results)} results PASS (all four evidence kinds each) — [verify.txt](verify.txt), "
                  "[verify.json](verify.json).", "", "| result | title | tag | status |", "|---|---|---|---|"]
        lines += [f"| {r['id']} | {r['title']} | {r['tag']} | {'reproduced' if r['status'] == 'PASS' else 'NOT reproduced'} |" for r in results]
        lines.append("")
    lines += ["## 2. Figures of the theory", ""]
    for name, outcome in figures.items():
        if outcome["ok"]:
            links = ", ".join(f"[{Path(p).name}]({Path(p).relative_to(out).as_posix()})" for p in outcome["files"])
            lines.append(f"- `{name}`: produced — {links}")
        else:
            lines.append(f"- `{name}`: **failed** — {outcome['error']}")
    lines.append("")
    lines += ["## 3. Network corroboration: `ascent-fails nn run`", ""]
    if nn is None:
        lines += ["Not run.", ""]
    else:
        k = nn["klom"]
        floor = nn["floor"]
        lines += [
            f"Data set `{nn['dataset']}` ({nn.get('dataset_description', '')}); architecture `{nn.get('arch')}`, "
            f"N = {nn['n_models']} models per ensemble, device `{nn.get('device')}`. KLoM direction `{k['direction']}`, "
            f"{k['bins']} bins, eps {k['eps']:g}; reported values are 95th percentiles. Noise floor (independent oracles vs "
            f"oracles, median over forget sets): forget {floor['forget']:.2f}, retain {floor['retain']:.2f}, "
            f"validation {floor['validation']:.2f}. {len(nn['runs'])} configurations on {len(nn['forget_sets'])} forget sets "
            "([results.json](nn/results.json)).",
            "",
        ]
        timings = nn.get("timings", {})
        if timings:
            lines += [f"Protocol: `{nn.get('protocol', 'unknown')}` (`ascent-fails nn run --help` says what the quick protocol "
                      f"scales down; `--full` is the paper's). Time of the last `nn run` session: "
                      f"{timings.get('total_seconds', timings.get('this_session_seconds', 0.0)):.0f} s with "
                      f"{timings.get('threads', '?')} torch thread(s), {timings.get('units_computed_now', '?')} of "
                      f"{timings.get('units_total', '?')} runs computed in it (the others were resumed from disk).", ""]
        checks = [fs["oracle_check"] for fs in nn["forget_sets"] if fs.get("oracle_check")]
        if checks:
            passed = [c["forget_set"] for c in checks if c["passed"]]
            failed = [f"{c['forget_set']} (z={c['z']:.1f})" for c in checks if not c["passed"]]
            lines += [f"Oracle check (the oracles left F out: their forget-set margins look held out, z ≥ 3): "
                      f"{len(passed)}/{len(checks)} forget sets pass" + (f"; not passing: {', '.join(failed)}." if failed else "."), ""]
        for name, path in nn_files.items():
            rel = Path(path).relative_to(out).as_posix()
            lines.append(f"- {name}: [{Path(path).name}]({rel})" + (f"\n\n  ![{name}]({rel})" if rel.endswith(".png") else ""))
        lines.append("")
        table = nn_files.get("table1")
        if table is not None:
            lines += ["### Table 1 analogue (pretrained vs oracle)", "", Path(table).read_text(), "",
                      "For context, the paper's Table 1 (N = 100, forget / retain / validation): MNIST 0.02 %: 0.50 / 0.70 / "
                      "0.71, 0.2 %: 2.72 / 2.88 / 2.90, 10 %: 1.79 / 1.65 / 1.71 (other data, models and set sizes: "
                      "only the orders of magnitude are comparable).", ""]
        lines += ["### Claims", "",
                  f"Classification of each GA/GDA/SCRUB configuration, in this order: *broken* if validation KLoM > "
                  f"{BROKEN_VAL_FACTOR} × the pretrained model's (and above {SUCCESS_FACTOR} × floor) or validation accuracy drops "
                  f"by more than {BROKEN_ACC_DROP * 100:.0f} points; *success* if the KLoM of every group is ≤ {SUCCESS_FACTOR} × the "
                  f"floor of that group; *near the pretrained model* if forget KLoM stays ≥ {NEAR_FORGET_FRACTION:.0%} of the "
                  "pretrained model's; otherwise *partial*. A set's difficulty is the best worst-group KLoM that an unbroken "
                  "GA/GDA/SCRUB configuration reaches on it.", ""]
        for claim in assess_claims(nn):
            lines.append(f"- {_verdict(claim.reproduced)} — {claim.statement} {claim.evidence}")
        lines.append("")
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def configure_parser(parser: argparse.ArgumentParser) -> None:
    from ascent_fails.nn_experiments.run_command import add_sweep_arguments

    parser.add_argument("--out", type=Path, required=True, help="output directory (created; a rerun resumes in it)")
    parser.add_argument("--force", action="store_true", help="redo verify and the figures even if they are done")
    parser.add_argument("--skip-nn", action="store_true", help="skip the network sweep (theory only)")
    add_sweep_arguments(parser)


def _step_done(folder: Path) -> Mapping[str, Any] | None:
    marker = folder / _DONE
    return json.loads(marker.read_text()) if marker.is_file() else None


def _run_figure(words: tuple[str, ...], folder: Path, force: bool) -> dict[str, Any]:
    from ascent_fails.proofs_check.cli import build_parser
    from ascent_fails.atomic_io import atomic_write_json

    done = None if force else _step_done(folder)
    if done is not None:
        return dict(done)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        argv = [*words, "--out", str(folder)]
        args = build_parser(argv).parse_args(argv)
        code = int(args.handler(args) or 0)
        outcome = {"ok": code == 0, "error": f"exit status {code}" if code else "", "files": sorted(str(p) for p in folder.iterdir() if p.name != _DONE)}
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - a failing figure (or its parser) is reported, the rest runs
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "files": []}
    if outcome["ok"]:
        atomic_write_json(folder / _DONE, outcome)
    return outcome


def main(args: argparse.Namespace) -> int:
    from ascent_fails.nn_experiments.run_command import run_from_args
    from ascent_fails.atomic_io import atomic_write_json
    from ascent_fails.proofs_check.runner import run_all

    started = time.perf_counter()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    verify_file = out / "verify.json"
    if verify_file.is_file() and not args.force:
        verify = json.loads(verify_file.read_text())
        print(f"verify: reusing {verify_file}")
    else:
        report = run_all()
        (out / "verify.txt").write_text(report.to_text(verbose=True) + "\n")
        verify = report.to_dict()
        atomic_write_json(verify_file, verify)
        print(report.to_text(verbose=False))
    figures = {" ".join(words): _run_figure(words, out / "figures" / words[-1], args.force) for words in FIGURE_COMMANDS}
    for name, outcome in figures.items():
        print(f"{name}: {'ok' if outcome['ok'] else 'FAILED ' + outcome['error']}")
    nn, nn_files = None, {}
    if not args.skip_nn:
        nn, nn_files = run_from_args(args, out / "nn")
    path = write_report(out, verify, figures, nn, nn_files, time.perf_counter() - started)
    print(f"wrote {path}")
    ok = bool(verify.get("all_passed")) and all(o["ok"] for o in figures.values())
    return 0 if ok else 1
