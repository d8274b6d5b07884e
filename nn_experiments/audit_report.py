"""The human-readable side of ``ascent-fails audit``: ``audit.md`` and its two figures (docs/audit.md).

Both are drawn from the audit dict of :func:`ascent_fails.nn_experiments.audit.analyse` (as saved in
``audit.json``), so they can be redrawn without rerunning anything.

* ``audit_stopping.png`` (the illusion probe, the paper's Fig. 2 for this method): one panel per forget set,
  worst-group KLoM (95th percentile) after each snapshot epoch, one curve per grid point; the star marks the
  epoch the oracles pick, the circle the epoch a user picks from accuracies alone; dashed: the set's noise
  floor (worst group), dotted: the pretrained models.
* ``audit_scatter.png`` (the paper's Fig. 1/3): forget KLoM against validation KLoM of every configuration,
  coloured by its class, with the pretrained models and the floor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ascent_fails.atomic_io import atomic_savefig
from ascent_fails.nn_experiments.names import GROUPS

__all__ = ["report_markdown", "stopping_plot", "scatter_plot", "write_audit_figures"]

_CLASS_COLOURS = {"unlearned": "tab:green", "partial": "tab:orange", "near_pretrained": "tab:red",
                  "overshoot": "tab:purple", "flagged": "tab:pink", "broken": "0.3"}


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "inf" if math.isinf(value) else f"{value:.3g}"
    return str(value)


def _regret(value: float | None) -> str:
    return "— (user's choice broken or flagged)" if value is None else f"{value:.2f}"


def _hp(hparams: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in hparams.items()) or "(no hyperparameters)"


def _config(c: Mapping[str, Any]) -> str:
    k = c["klom_p95"]
    return (f"{_hp(c['hparams'])}, epoch {c['epoch']}: KLoM F/R/V {k['forget']:.2f}/{k['retain']:.2f}/{k['validation']:.2f}, "
            f"acc F/V {c['accuracy']['forget']:.2f}/{c['accuracy']['validation']:.2f}, cost {c['cost_total']:.3g}, "
            f"**{c['class']}**")


def report_markdown(result: Mapping[str, Any]) -> str:
    """``audit.md``: the verdict first, then per forget set the numbers it rests on, then the rules."""
    p, v = result["plugin"], result["verdict"]
    lines = [
        f"# Unlearning audit of `{p['name']}`",
        "",
        f"**Verdict: {v['class']}.** {v['text'][0].upper() + v['text'][1:]}.",
        "",
        f"{result['dataset']}, {result['arch']}, N = {result['n_models']} models per ensemble (pretrained, oracles, "
        f"independent oracles), one seed (seed {result['settings']['seed']}); KLoM {result['klom']['direction']}, "
        f"95th percentile, {result['klom']['bins']} bins. Grid: "
        + ", ".join(f"{k} = {v}" for k, v in result["grid"].items()) + f" (source hash {p['version'] or 'n/a'}).",
        "",
        "| forget set | kind, size | pretrained KLoM F/R/V | floor F/R/V | gap F (× floor) | classes | "
        "oracle-best | user's choice | regret | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in result["forget_sets"]:
        pk, fl = s["pretrained"]["klom_p95"], s["floor"]
        ob, uc = s["oracle_best"], s["user_choice"]
        lines.append(
            f"| {s['name']} | {s['kind']}, {s['size']} | {pk['forget']:.2f}/{pk['retain']:.2f}/{pk['validation']:.2f} | "
            f"{fl['forget']:.2f}/{fl['retain']:.2f}/{fl['validation']:.2f} | {_fmt(s['gap']['forget'])} | "
            + ", ".join(f"{c} {n}" for c, n in s["classes"].items())
            + f" | {_hp(ob['hparams'])}, ep {ob['epoch']}: {ob['worst_group_klom']:.2f} ({ob['class']}) | "
            f"{_hp(uc['hparams'])}, ep {uc['epoch']}: {uc['worst_group_klom']:.2f} ({uc['class']}) | {_regret(s['regret'])} | "
            f"{s['verdict']} |"
        )
    lines += ["", "KLoM values are worst-group (max over forget/retain/validation) 95th percentiles unless labelled; "
              "*gap* is the pretrained models' forget KLoM over the set's floor (how much there is to unlearn); a set "
              "on which doing nothing is already classified unlearned is *uninformative* and not judged.", ""]
    for s in result["forget_sets"]:
        lines += [f"## {s['name']} ({s['kind']}, |F| = {s['size']}): {s['verdict']}", "",
                  f"- pretrained models: class {s['pretrained']['class']}, accuracy F/V "
                  f"{s['pretrained']['accuracy']['forget']:.2f}/{s['pretrained']['accuracy']['validation']:.2f}",
                  f"- oracle-best: {_config(s['oracle_best'])}",
                  f"- user's choice (accuracies only): {_config(s['user_choice'])}",
                  f"- search cost of the grid (every run to its last epoch + the oracles to choose): "
                  f"{_fmt(s['search_cost'])} oracle retrainings per model", ""]
        lines += ["| grid point | worst-group KLoM by epoch | oracle stops at | user stops at | regret |", "|---|---|---|---|---|"]
        for run in s["stopping"]:
            curve = ", ".join(f"{e}: {k:.2f}" for e, k in zip(run["epochs"], run["worst_group_klom"]))
            lines.append(f"| {_hp(run['hparams'])} | {curve} | {run['oracle_epoch']} ({run['oracle_class']}) | "
                         f"{run['user_epoch']} ({run['user_class']}) | {_regret(run['regret'])} |")
        if s["lr_sensitivity"]:
            ls = s["lr_sensitivity"]
            lines += ["", "Learning rate: best unbroken worst-group KLoM per lr: "
                      + ", ".join(f"{_fmt(lr)} → {'all broken' if k is None else f'{k:.2f}'}"
                                  for lr, k in zip(ls["lrs"], ls["best_unbroken_worst_group_klom"]))]
        lines.append("")
    cost_note = ("" if result["cost_reported"] else
                 " **The method reported no gradient or forward evaluations: its cost is recorded as 0 (unknown).**")
    lines += [
        "## How the verdict is decided", "",
        f"Each configuration (grid point × snapshot epoch) is classified against the pretrained models and the set's "
        f"own noise floor (a second, independent oracle ensemble): {result['rules']['classification']}",
        "",
        f"The *oracle-best* configuration has the lowest worst-group KLoM among those neither broken nor flagged. The "
        f"*user's choice* reads only accuracies: among configurations whose validation accuracy is within "
        f"{result['rules']['user_max_validation_drop'] * 100:.0f} points of the pretrained models', the one whose forget accuracy is "
        f"closest to its validation accuracy (ties: cheaper, then earlier). Per set: *unlearned* if the user's choice is "
        f"classified unlearned; *unlearned only with oracle selection* if only the oracle-best is; otherwise the "
        f"oracle-best's class. Overall: *unlearns* if every informative set is unlearned; *unlearns only with oracle "
        f"selection* if every informative set is unlearned with oracles; otherwise *does not unlearn*.",
        "",
        f"Cost is per model, relative to training one oracle ({result['oracle_epochs']} epochs over R): gradient "
        f"evaluations plus forward-only ones at 1/3 where the runner records them.{cost_note}",
        "",
        "Figures: " + ", ".join(f"[{name}]({name})" for name in result.get("figures", {}).values()),
        "",
    ]
    return "\n".join(lines)


def _style():
    import matplotlib

    return matplotlib.rc_context({"font.size": 9, "axes.titlesize": 9, "legend.fontsize": 7})


def stopping_plot(result: Mapping[str, Any]) -> Any:
    """Worst-group KLoM after each snapshot epoch, per grid point, per forget set (module docstring)."""
    from matplotlib import colormaps
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    sets = result["forget_sets"]
    with _style():
        fig = Figure(figsize=(max(4.6 * len(sets), 5.5), 3.9), layout="constrained")
        axes = fig.subplots(1, len(sets), squeeze=False)[0]
        for ax, s in zip(axes, sets):
            cmap = colormaps["viridis"]
            n = max(len(s["stopping"]) - 1, 1)
            for j, run in enumerate(s["stopping"]):
                colour = cmap(j / n)
                ax.plot(run["epochs"], run["worst_group_klom"], "-", color=colour, lw=1.2, label=_hp(run["hparams"]))
                for e, k, c in zip(run["epochs"], run["worst_group_klom"], run["classes"]):
                    if c in ("broken", "flagged"):
                        ax.plot(e, k, "x", color="0.2", ms=5)
                i_o, i_u = run["epochs"].index(run["oracle_epoch"]), run["epochs"].index(run["user_epoch"])
                ax.plot(run["oracle_epoch"], run["worst_group_klom"][i_o], "*", color="gold", mec="black", ms=11, zorder=5)
                ax.plot(run["user_epoch"], run["worst_group_klom"][i_u], "o", mfc="none", mec="black", ms=9, zorder=6)
            ax.axhline(max(s["floor"][g] for g in GROUPS), ls="--", c="0.45", lw=0.9)
            ax.axhline(max(s["pretrained"]["klom_p95"][g] for g in GROUPS), ls=":", c="tab:red", lw=1.0)
            ax.set_title(f"{s['name']} (|F| = {s['size']}): {s['verdict']}")
            ax.set_xlabel("epoch (snapshot)")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylabel("worst-group KLoM, 95th pct (nats)")
            ax.legend(loc="best", frameon=False)
        fig.suptitle(f"{result['plugin']['name']}\n★ oracle's stopping point, ○ user's (accuracies only), × broken "
                     "or flagged;\ndashed: noise floor (worst group), dotted: pretrained models", fontsize=8)
    return fig


def scatter_plot(result: Mapping[str, Any]) -> Any:
    """Forget against validation KLoM of every configuration, coloured by class, per forget set."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    sets = result["forget_sets"]
    with _style():
        fig = Figure(figsize=(max(4.2 * len(sets), 5.5), 3.6), layout="constrained")
        axes = fig.subplots(1, len(sets), squeeze=False)[0]
        seen: dict[str, str] = {}
        for ax, s in zip(axes, sets):
            for c in s["configurations"]:
                colour = _CLASS_COLOURS.get(c["class"], "tab:blue")
                seen[c["class"]] = colour
                ax.scatter(c["klom_p95"]["forget"], c["klom_p95"]["validation"], s=18, color=colour, zorder=3)
            for key, marker in (("oracle_best", "*"), ("user_choice", "o")):
                c = s[key]
                ax.scatter(c["klom_p95"]["forget"], c["klom_p95"]["validation"], s=120, marker=marker,
                           facecolors="none", edgecolors="black", zorder=4)
            pk = s["pretrained"]["klom_p95"]
            ax.scatter(pk["forget"], pk["validation"], marker="P", s=90, c="tab:red", edgecolors="black", zorder=5)
            ax.axvline(s["floor"]["forget"], ls="--", c="0.45", lw=0.9)
            ax.axhline(s["floor"]["validation"], ls="--", c="0.45", lw=0.9)
            ax.set_title(f"{s['name']} (|F| = {s['size']})")
            ax.set_xlabel("forget KLoM, 95th pct")
            ax.set_ylabel("validation KLoM, 95th pct")
        handles = [Line2D([], [], ls="", marker="o", color=col, label=cls) for cls, col in seen.items()]
        handles += [Line2D([], [], ls="", marker="P", color="tab:red", label="pretrained"),
                    Line2D([], [], ls="", marker="*", mfc="none", mec="black", label="oracle-best"),
                    Line2D([], [], ls="", marker="o", mfc="none", mec="black", label="user's choice")]
        fig.legend(handles=handles, loc="outside right center", frameon=False)
    return fig


def write_audit_figures(result: Mapping[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Save both figures atomically into ``out_dir``; returns {name: path}."""
    out = Path(out_dir)
    return {"stopping": atomic_savefig(stopping_plot(result), out / "audit_stopping.png", dpi=150),
            "scatter": atomic_savefig(scatter_plot(result), out / "audit_scatter.png", dpi=150)}
