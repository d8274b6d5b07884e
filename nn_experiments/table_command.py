"""``ascent-fails nn table``: the Table 1 analogue, pretrained-vs-oracle KLoM per forget set, with its floor.

For every forget set F (the nine defaults: three random sets and six datamodel-PC sets, EXPERIMENTS.md §4):

* KLoM(oracle ensemble, pretrained ensemble) per point, reported as the 95th percentile (linear interpolation)
  over the forget set F, the retain set R = D \\ F and the validation set (EXPERIMENTS.md §1, Table 1);
* the noise floor: KLoM(oracle ensemble, independent oracle ensemble), the same three percentiles. Two
  ensembles of N models from the same distribution do not give 0 (about 0.66 at N = 100 for Gaussian margins),
  so a pretrained-vs-oracle value at the floor means "indistinguishable from an oracle at this N";
* the oracle leave-out check (``oracles.check_oracle``): PASS when the pretrained models know F measurably
  better than the oracles do, NOT DETECTED when the effect is below 3 standard errors.

The KLoM direction (default KL(P_oracle ‖ P_pretrained), the reference pipeline's) is printed and recorded.
The models, margins and datamodels are built by ``runner.prepare_inputs`` in the cache directory (default
``OUT/cache``), so ``ascent-fails nn run --out OUT`` afterwards reuses every trained ensemble. Writes
``OUT/nn_table.md`` and ``OUT/nn_table.json`` (atomically) and prints the Markdown.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ascent_fails.provenance import provenance

__all__ = ["GROUPS", "TableRow", "TableResult", "build_table", "to_markdown", "configure_parser", "main"]

GROUPS: tuple[str, ...] = ("forget", "retain", "validation")
_KL_TEXT = {"oracle_unlearned": "KL(P_oracle ‖ P_pretrained)", "unlearned_oracle": "KL(P_pretrained ‖ P_oracle)"}
def _default_datamodel_models() -> int:
    # the same M as `nn run`, so that either command finds the other's models cached
    from ascent_fails.nn_experiments.run_command import QUICK

    return int(QUICK["datamodel_models"])


@dataclass(frozen=True)
class TableRow:
    """One forget set: pretrained-vs-oracle KLoM and the floor, 95th percentile per group (nats)."""

    forget_set: str
    kind: str  # random / pc1 / pc2 / ... (forget_sets.FORGET_SET_KINDS)
    size: int  # |F|
    fraction: float  # |F| / |D|
    pretrained: dict[str, float]  # group → KLoM p95, oracle vs pretrained
    floor: dict[str, float]  # group → KLoM p95, oracle vs independent oracle
    pretrained_ci: dict[str, tuple[float, float]]  # bootstrap interval over models (NaN without bootstrap)
    oracle_check: dict[str, Any]  # oracles.OracleCheck as a dict
    oracle_seed: int  # base seed of the oracle ensemble
    independent_seed: int  # base seed of the independent oracle ensemble


@dataclass(frozen=True)
class TableResult:
    """The whole table with its provenance."""

    dataset: str
    description: str  # how the data were loaded and split
    arch: str
    recipe: dict[str, Any]  # TrainRecipe of every pretrained model and oracle
    n_models: int  # N per ensemble
    seed: int  # base seed
    direction: str  # KLoM direction: "oracle_unlearned" = KL(P_oracle ‖ P_pretrained)
    bins: int
    eps: float
    n_bootstrap: int
    rows: tuple[TableRow, ...]
    seconds: float  # wall-clock time of build_table (training included unless cached)
    provenance: dict[str, Any]  # versions, device, datamodel settings


def build_table(
    settings: Any,
    cache_dir: str | Path,
    *,
    direction: str = "oracle_unlearned",
    n_bootstrap: int = 0,
    progress: bool = True,
) -> TableResult:
    """Train (or load) the ensembles of ``settings`` (a ``runner.DataSettings``) and compute the table."""

    import numpy as np

    from ascent_fails.nn_experiments import klom
    from ascent_fails.nn_experiments.ensemble import margins
    from ascent_fails.nn_experiments.oracles import oracle_seed
    from ascent_fails.nn_experiments.runner import prepare_inputs
    from ascent_fails.validate import require_choice, require_positive_int

    require_choice("direction", direction, tuple(klom.DIRECTIONS))
    n_bootstrap = require_positive_int("n_bootstrap", n_bootstrap, minimum=0)
    started = time.perf_counter()
    inputs = prepare_inputs(settings, cache_dir, progress=progress)
    dataset = inputs.dataset
    points_x = np.concatenate([dataset.train_x, dataset.val_x])
    points_y = np.concatenate([dataset.train_y, dataset.val_y])
    pretrained = margins(inputs.pretrained(), points_x, points_y).numpy()  # [N, n_train + n_val]
    validation = np.arange(dataset.n_train, len(points_y))
    rows = []
    for forget_set in inputs.forget_sets:
        groups = {"forget": forget_set.indices, "retain": forget_set.retain_indices(), "validation": validation}
        oracle = inputs.oracle_margins(forget_set.name)
        summary = klom.group_summary(oracle, pretrained, groups, n_bootstrap=n_bootstrap, direction=direction)
        floor = klom.group_summary(oracle, inputs.independent_margins(forget_set.name), groups, n_bootstrap=0,
                                   direction=direction)
        check = dict(inputs.oracle_check(forget_set.name)) if inputs.oracle_check is not None else {}
        rows.append(
            TableRow(
                forget_set=forget_set.name,
                kind=forget_set.kind,
                size=forget_set.size,
                fraction=forget_set.fraction,
                pretrained={g: summary[g].value for g in GROUPS},
                floor={g: floor[g].value for g in GROUPS},
                pretrained_ci={g: (summary[g].ci_low, summary[g].ci_high) for g in GROUPS},
                oracle_check=check,
                oracle_seed=oracle_seed(settings.seed, forget_set.indices, 0),
                independent_seed=oracle_seed(settings.seed, forget_set.indices, 1),
            )
        )
    return TableResult(
        dataset=dataset.name,
        description=dataset.description,
        arch=inputs.arch,
        recipe=asdict(inputs.recipe),
        n_models=settings.n_models,
        seed=settings.seed,
        direction=direction,
        bins=20,
        eps=1e-5,
        n_bootstrap=n_bootstrap,
        rows=tuple(rows),
        seconds=time.perf_counter() - started,
        provenance={
            **provenance(inputs.device),
            **{k: v for k, v in inputs.extra.items() if k == "datamodels"},
        },
    )


def _verdict(check: dict[str, Any]) -> str:
    """``oracles.OracleCheck.verdict`` of a check stored as a dict."""
    from ascent_fails.nn_experiments.oracles import OracleCheck

    return OracleCheck(**check).verdict


def to_markdown(result: TableResult) -> str:
    """The table as Markdown, with the direction, N and the oracle checks under it."""
    lines = [
        f"## KLoM, pretrained vs oracle ({result.dataset}, {result.arch}, N = {result.n_models})",
        "",
        f"95th percentile of per-point KLoM in nats; direction {result.direction} "
        f"({_KL_TEXT[result.direction]})"
        f", {result.bins} bins, eps {result.eps:g}. Floor = independent oracle ensemble vs oracle ensemble.",
        "",
        "| forget set | kind | size | forget | retain | validation "
        "| floor forget | floor retain | floor validation | oracle check |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in result.rows:
        check = row.oracle_check
        verdict = "n/a" if not check else f"{_verdict(check)} (z={check['z']:.1f})"
        lines.append(
            f"| {row.forget_set} | {row.kind} | {row.size} ({row.fraction:.1%}) | "
            + " | ".join(f"{row.pretrained[g]:.2f}" for g in GROUPS)
            + " | "
            + " | ".join(f"{row.floor[g]:.2f}" for g in GROUPS)
            + f" | {verdict} |"
        )
    lines += [
        "",
        f"Data: {result.description}. Recipe: {result.recipe}. Seed {result.seed}; built in {result.seconds:.0f} s "
        f"(cached ensembles are not retrained).",
        "",
    ]
    return "\n".join(lines)


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="output directory for nn_table.md / nn_table.json")
    parser.add_argument("--dataset", choices=("digits", "synthetic", "cifar10"), default="digits", help="data set")
    parser.add_argument("--n-models", type=int, default=100, help="N models per ensemble (default 100)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--seed", type=int, default=0, help="base seed of the split and of every ensemble")
    parser.add_argument("--data-dir", default=None, help="CIFAR-10 directory (cifar-10-batches-py files)")
    parser.add_argument("--arch", choices=("mlp", "cnn", "resnet9"), default=None, help="override the architecture")
    parser.add_argument("--datamodel-models", type=int, default=_default_datamodel_models(),
                        help=f"M subset models for the datamodel PC sets (default {_default_datamodel_models()})")
    parser.add_argument("--cache-dir", type=Path, default=None, help="trained-ensemble cache (default OUT/cache)")
    parser.add_argument("--klom-direction", choices=("oracle_unlearned", "unlearned_oracle"),
                        default="oracle_unlearned", help="KL direction (default KL(oracle ‖ pretrained))")
    parser.add_argument("--bootstrap", type=int, default=0, help="model resamples for a KLoM interval (default 0)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def main(args: argparse.Namespace) -> int:
    import torch

    from ascent_fails.nn_experiments.models import resolve_device
    from ascent_fails.nn_experiments.runner import DataSettings
    from ascent_fails.atomic_io import atomic_write_json, atomic_write_text
    from ascent_fails.validate import require_positive_int

    resolve_device(args.device)  # a bad device fails before any data are loaded
    if args.threads is not None:
        torch.set_num_threads(require_positive_int("threads", args.threads))
    settings = DataSettings(dataset=args.dataset, data_dir=args.data_dir, device=args.device, arch=args.arch,
                            n_models=args.n_models, seed=args.seed, datamodel_models=args.datamodel_models)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result = build_table(settings, args.cache_dir or out / "cache", direction=args.klom_direction,
                         n_bootstrap=args.bootstrap, progress=not args.no_progress)
    markdown = to_markdown(result)
    atomic_write_text(out / "nn_table.md", markdown)
    atomic_write_json(out / "nn_table.json", asdict(result))
    print(markdown)
    print(f"KLoM direction: {result.direction}")
    for row in result.rows:
        if row.oracle_check:
            print(f"  {row.forget_set}: oracle leave-out check {_verdict(row.oracle_check)}, "
                  f"z = {row.oracle_check['z']:.1f}")
    print(f"  wrote {out / 'nn_table.md'}\n  wrote {out / 'nn_table.json'}")
    return 0
