"""Table 1: KLoM of the pretrained ensemble against the oracles, per forget set and group, beside the noise floor.

For a forget set F with its oracle ensemble O_F (N models retrained without F), a second, independent oracle
ensemble O'_F and the pretrained ensemble P (all on the same points; docs/experiments.md#table-1), the row of F holds,
for each group G of :data:`~ascent_fails.nn_experiments.names.GROUPS` (F, R = D \\ F, the validation set),

    pretrained[G] = KLoM_95(G; O_F, P),    floor[G] = KLoM_95(G; O_F, O'_F),

both computed by :func:`~ascent_fails.nn_experiments.klom_groups.klom_by_group`. A pretrained value at the floor
means that the pretrained models are as close to the oracles as a second retraining is: at this N there is
nothing visible to unlearn.

Two commands print the table, from one set of functions: ``nn table`` computes its rows from margins
(:func:`table1_row`); ``nn run`` reads them off its results (:func:`table1_from_results`: the "do nothing" run
*is* the pretrained ensemble scored against the oracles, and ``floor`` the independent oracles). Both print it
with :func:`table1_markdown`.

>>> import numpy as np
>>> from types import SimpleNamespace
>>> oracle = np.array([[0.0], [0.1], [0.2]]).repeat(4, axis=1)      # 3 models × 4 points
>>> pretrained = oracle.copy(); pretrained[:, 0] = [9.9, 10.0, 10.0]  # point 0 (the forget set) far off
>>> groups = {"forget": [0], "retain": [1, 2], "validation": [3]}
>>> fs = SimpleNamespace(name="f", kind="random", size=1, fraction=1 / 3)
>>> row = table1_row(fs, oracle, pretrained, oracle, groups)
>>> {g: round(v, 2) for g, v in row.pretrained.items()}, row.floor["forget"]
({'forget': 11.51, 'retain': 0.0, 'validation': 0.0}, 0.0)
>>> print(table1_markdown(Table1("toy", "mlp", 3, "oracle_unlearned", 20, 1e-5, (row,))).splitlines()[-1])
| f | random | 1 (33.3%) | 11.51 | 0.00 | 0.00 | 0.00 | 0.00 | 0.00 |
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ascent_fails.nn_experiments.klom_groups import group_summary, klom_by_group
from ascent_fails.nn_experiments.names import GROUPS
from ascent_fails.nn_experiments.noise_floor import floor_interval_of, floor_of

__all__ = ["Table1Row", "Table1", "table1_row", "table1_from_results", "check_verdict", "table1_markdown",
           "PAPER_MNIST_TABLE1", "paper_comparison"]

# the KL each direction computes, in the words of the table (P = pretrained here)
_KL_TEXT = {"oracle_unlearned": "KL(P_oracle ‖ P_pretrained)", "unlearned_oracle": "KL(P_pretrained ‖ P_oracle)"}


@dataclass(frozen=True)
class Table1Row:
    """One forget set: pretrained-vs-oracle KLoM and the floor, 95th percentile per group (nats)."""

    forget_set: str
    kind: str  # random / pc1 / pc2 / ... (forget_sets.FORGET_SET_KINDS)
    size: int  # |F|
    fraction: float | None  # |F| / |D| (None where the source does not record it)
    pretrained: dict[str, float]  # group → KLoM p95, oracle vs pretrained (NaN: not measured)
    floor: dict[str, float]  # group → KLoM p95, oracle vs independent oracle
    pretrained_ci: dict[str, tuple[float, float]] = field(default_factory=dict)  # bootstrap over models; {}: none
    floor_ci: dict[str, tuple[float, float]] = field(default_factory=dict)  # the floor's interval; {}: none
    oracle_check: dict[str, Any] = field(default_factory=dict)  # oracles.OracleCheck as a dict; {}: not run
    oracle_seed: int | None = None  # base seed of the oracle ensemble (where known)
    independent_seed: int | None = None  # base seed of the independent oracle ensemble


@dataclass(frozen=True)
class Table1:
    """The rows with what a reader needs to interpret them."""

    dataset: str
    arch: str | None  # architecture of every ensemble (None where unrecorded)
    n_models: int  # N per ensemble
    direction: str  # KLoM direction: "oracle_unlearned" = KL(P_oracle ‖ P_pretrained)
    bins: int
    eps: float
    rows: tuple[Table1Row, ...]
    notes: tuple[str, ...] = ()  # sentences printed under the table (data, recipe, where the floor comes from)


def table1_row(forget_set: Any, oracle: Any, pretrained: Any, independent: Any, groups: Mapping[str, Any], *,
               direction: str = "oracle_unlearned", bins: int = 20, eps: float = 1e-5, n_bootstrap: int = 0,
               oracle_check: Mapping[str, Any] | None = None, oracle_seed: int | None = None,
               independent_seed: int | None = None) -> Table1Row:
    """The row of ``forget_set`` (a ``forget_sets.ForgetSet``) from margins ``[N, P]`` of the three ensembles.

    ``groups`` maps each of GROUPS to its columns. With ``n_bootstrap`` > 0 the pretrained values get a bootstrap
    interval over models (:func:`~ascent_fails.nn_experiments.klom_groups.group_summary`, centred on the value as
    every interval of results.json); the values themselves
    are :func:`~ascent_fails.nn_experiments.klom_groups.klom_by_group`'s either way.
    """
    kl = dict(direction=direction, bins=bins, eps=eps)
    if n_bootstrap:
        summary = group_summary(oracle, pretrained, groups, n_bootstrap=n_bootstrap, interval="centred", **kl)
        values = {g: summary[g].value for g in GROUPS}
        interval = {g: (summary[g].ci_low, summary[g].ci_high) for g in GROUPS}
    else:
        values, interval = klom_by_group(oracle, pretrained, groups, **kl), {}
    floor = klom_by_group(oracle, independent, groups, **kl)
    return Table1Row(
        forget_set=forget_set.name, kind=forget_set.kind, size=int(forget_set.size),
        fraction=float(forget_set.fraction), pretrained={g: values[g] for g in GROUPS},
        floor={g: floor[g] for g in GROUPS}, pretrained_ci=interval, oracle_check=dict(oracle_check or {}),
        oracle_seed=oracle_seed, independent_seed=independent_seed,
    )  # fmt: skip


def table1_from_results(results: Mapping[str, Any]) -> Table1:
    """Table 1 of an ``nn run`` results dict: each set's "do nothing" run and its floor (NaN where not run)."""
    k = results["klom"]
    rows = []
    for fs in results["forget_sets"]:
        start = next((r for r in results["runs"] if r["forget_set"] == fs["name"] and r["method"] == "do_nothing"),
                     None)
        floor = floor_of(results, fs)
        rows.append(Table1Row(
            forget_set=fs["name"], kind=fs["kind"], size=int(fs["size"]), fraction=fs.get("fraction"),
            pretrained={g: math.nan if start is None else float(start["klom_p95"][g]) for g in GROUPS},
            floor={g: float(floor[g]) for g in GROUPS}, oracle_check=dict(fs.get("oracle_check") or {}),
            pretrained_ci={g: tuple(v) for g, v in ((start or {}).get("klom_ci") or {}).items()},
            floor_ci={g: tuple(v) for g, v in (floor_interval_of(results, fs) or {}).items()},
        ))  # fmt: skip
    measured = results.get("floor_forget_sets")
    notes = ()
    if measured and not all(fs.get("floor") for fs in results["forget_sets"]):
        notes = (f"Sets without a floor of their own share the one measured on {', '.join(measured)} "
                 "(the run used `--floor-first-set-only`; without it every set gets its own).",)
    return Table1(dataset=results["dataset"], arch=results.get("arch"), n_models=int(results["n_models"]),
                  direction=k["direction"], bins=int(k["bins"]), eps=float(k["eps"]), rows=tuple(rows), notes=notes)


def check_verdict(check: Mapping[str, Any]) -> str:
    """``oracles.OracleCheck.verdict`` of a check stored as a dict ("PASS" or "NOT DETECTED")."""
    from ascent_fails.nn_experiments.oracles import OracleCheck

    return OracleCheck(**check).verdict


def _number(value: float, ci: Any = None) -> str:
    """``2.50`` or, with a bootstrap interval, ``2.50 [2.31, 2.77]``."""
    if math.isnan(value):
        return "n/a"
    return f"{value:.2f}" if not ci else f"{value:.2f} [{ci[0]:.2f}, {ci[1]:.2f}]"


def table1_markdown(table: Table1) -> str:
    """The table as Markdown: a caption saying what the numbers are, the rows, then the notes.

    The size column shows |F| / |D| where known; an oracle-check column appears when any row carries a check.
    """
    with_checks = any(row.oracle_check for row in table.rows)
    arch = f", {table.arch}" if table.arch else ""
    lines = [
        f"KLoM, pretrained vs oracle ({table.dataset}{arch}, N = {table.n_models}): 95th percentile of per-point "
        f"KLoM in nats, direction {table.direction} ({_KL_TEXT[table.direction]}), {table.bins} bins, "
        f"eps {table.eps:g}. Floor = an independent oracle ensemble vs the oracle ensemble: a value at the floor "
        "cannot be told apart from retraining at this N.",
        "",
        "| forget set | kind | size | " + " | ".join(GROUPS) + " | " + " | ".join(f"floor {g}" for g in GROUPS)
        + (" | oracle check |" if with_checks else " |"),
        "|---|---|---:|" + "---:|" * (2 * len(GROUPS)) + ("---|" if with_checks else ""),
    ]
    for row in table.rows:
        size = f"{row.size}" if row.fraction is None else f"{row.size} ({row.fraction:.1%})"
        cells = [row.forget_set, row.kind, size, *(_number(row.pretrained[g], row.pretrained_ci.get(g)) for g in GROUPS),
                 *(_number(row.floor[g], row.floor_ci.get(g)) for g in GROUPS)]
        if with_checks:
            check = row.oracle_check
            cells.append("n/a" if not check else f"{check_verdict(check)} (z={check['z']:.1f})")
        lines.append("| " + " | ".join(cells) + " |")
    notes = list(table.notes)
    if any(row.pretrained_ci or row.floor_ci for row in table.rows):
        notes.append("[low, high]: bootstrap interval over the models of both ensembles, centred on the value "
                     "(docs/experiments.md#verdicts).")
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"



# The paper's Table 1 (MNIST, N = 100, random forget sets; forget / retain / validation KLoM, 95th percentile)
PAPER_MNIST_TABLE1: dict[str, tuple[float, float, float]] = {
    "0.02 %": (0.50, 0.70, 0.71), "0.2 %": (2.72, 2.88, 2.90), "10 %": (1.79, 1.65, 1.71)}


def paper_comparison(results: Mapping[str, Any]) -> str:
    """One paragraph for ``report.md``: the paper's MNIST Table 1, the ratio of this run's values to it per group
    (median over this run's random sets of the pretrained KLoM / median over the paper's three sizes), and why
    the two differ. The values are not called comparable unless every ratio lies within a factor 2."""
    import numpy as np

    start = {r["forget_set"]: r for r in results["runs"] if r["method"] == "do_nothing"}
    randoms = [fs["name"] for fs in results["forget_sets"] if fs["kind"] == "random" and fs["name"] in start]
    paper = ", ".join(f"{size}: {' / '.join(f'{v:.2f}' for v in values)}" for size, values in PAPER_MNIST_TABLE1.items())
    text = (f"For context, the paper's Table 1 (MNIST, N = 100, random forget sets; forget / retain / validation): "
            f"{paper}.")
    if not randoms:
        return text + " This run has no random forget set with a do-nothing run to set beside it."
    ratios = {}
    for i, g in enumerate(GROUPS):
        ours = float(np.median([start[n]["klom_p95"][g] for n in randoms]))
        theirs = float(np.median([values[i] for values in PAPER_MNIST_TABLE1.values()]))
        ratios[g] = (ours, theirs, ours / theirs)
    comparable = all(0.5 <= r <= 2.0 for _, _, r in ratios.values())
    listed = "; ".join(f"{g} {o:.2f} vs {t:.2f} (×{r:.2g})" for g, (o, t, r) in ratios.items())
    verdict = ("within a factor 2 on every group" if comparable else
               "not comparable in magnitude: they differ by more than a factor 2")
    return (text + f" Median over this run's {len(randoms)} random set(s) against the median of the paper's three "
            f"sizes: {listed}; {verdict}. The data set, model and N differ: {results.get('dataset')} with a "
            f"{results.get('arch', '?')} at N = {results.get('n_models')} here. A small model that fits a small "
            "training set exactly makes each training point's margin far larger than when it is held out, so the "
            "pretrained models are much further from the oracles on F than the paper's models, trained on 60,000 "
            "images, are on theirs; on R and the validation set the scale is set by this run's noise floor, "
            "which depends on N, not on the data (docs/experiments.md#table-1).")
