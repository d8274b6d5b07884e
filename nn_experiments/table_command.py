"""``ascent-fails nn table``: the Table 1 analogue, pretrained-vs-oracle KLoM per forget set, with its floor.

For every forget set F (the defaults: random, top self-influence and class sets, docs/experiments.md#forget-sets):

* KLoM(oracle ensemble, pretrained ensemble) per point, reported as the 95th percentile (linear interpolation)
  over the forget set F, the retain set R = D \\ F and the validation set (docs/experiments.md#table-1);
* the noise floor: KLoM(oracle ensemble, independent oracle ensemble), the same three percentiles. Two
  ensembles of N models from the same distribution do not give 0 (about 0.66 at N = 100 for Gaussian margins),
  so a pretrained-vs-oracle value at the floor means "indistinguishable from an oracle at this N";
* the oracle leave-out check (``oracles.check_oracle``): PASS when the pretrained models know F measurably
  better than the oracles do, NOT DETECTED when the effect is below 3 standard errors.

The KLoM direction (default KL(P_oracle ‖ P_pretrained), the reference pipeline's) is printed and recorded.
The models, margins and datamodels are built by ``inputs.prepare_inputs`` in the cache directory (default
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

__all__ = ["TableResult", "build_table", "to_markdown", "configure_parser", "main"]


def _default_datamodel_models() -> int:
    # the same M as `nn run`, so that either command finds the other's models cached
    from ascent_fails.nn_experiments.inputs import DataSettings

    return int(DataSettings.datamodel_models)


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
    rows: tuple[Any, ...]  # table1.Table1Row, one per forget set
    seconds: float  # wall-clock time of build_table (training included unless cached)
    provenance: dict[str, Any]  # versions, device, datamodel settings


def build_table(
    settings: Any,
    cache_dir: str | Path,
    *,
    direction: str = "oracle_unlearned",
    n_bootstrap: int = 0,
    progress: bool = True,
    executor: Any = None,
) -> TableResult:
    """Train (or load) the ensembles of ``settings`` (a ``inputs.DataSettings``) and compute the table.

    ``executor`` (:mod:`~ascent_fails.nn_experiments.executor`; default: this process) trains the missing
    datamodel and ensemble chunks as parallel tasks first; the table is then computed from the store.
    """

    import numpy as np

    from ascent_fails.nn_experiments.margins import margins
    from ascent_fails.nn_experiments.names import KLOM_DIRECTIONS
    from ascent_fails.nn_experiments.oracles import oracle_seed
    from ascent_fails.nn_experiments.inputs import prepare_inputs
    from ascent_fails.nn_experiments.table1 import table1_row
    from ascent_fails.validate import require_choice, require_positive_int

    require_choice("direction", direction, KLOM_DIRECTIONS)
    n_bootstrap = require_positive_int("n_bootstrap", n_bootstrap, minimum=0)
    started = time.perf_counter()
    inputs = (prepare_inputs(settings, cache_dir, progress=progress) if executor is None
              else prepare_inputs(settings, cache_dir, progress=progress, executor=executor))
    if executor is not None and inputs.ensemble_tasks is not None:
        names = [fs.name for fs in inputs.forget_sets]
        executor.map(inputs.ensemble_tasks(names, names), title="ensemble chunks: pretrained, oracles and independent "
                     f"oracles of {len(names)} forget sets", progress=progress)
    dataset = inputs.dataset
    points_x = np.concatenate([dataset.train_x, dataset.val_x])
    points_y = np.concatenate([dataset.train_y, dataset.val_y])
    pretrained = margins(inputs.pretrained(), points_x, points_y).numpy()  # [N, n_train + n_val]
    validation = np.arange(dataset.n_train, len(points_y))
    rows = []
    for forget_set in inputs.forget_sets:
        groups = {"forget": forget_set.indices, "retain": forget_set.retain_indices(), "validation": validation}
        check = dict(inputs.oracle_check(forget_set.name)) if inputs.oracle_check is not None else {}
        rows.append(table1_row(
            forget_set, inputs.oracle_margins(forget_set.name), pretrained,
            inputs.independent_margins(forget_set.name), groups, direction=direction, bins=20, eps=1e-5,
            n_bootstrap=n_bootstrap, oracle_check=check,
            oracle_seed=oracle_seed(settings.seed, forget_set.indices, 0),
            independent_seed=oracle_seed(settings.seed, forget_set.indices, 1),
        ))  # fmt: skip
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
    from ascent_fails.nn_experiments.table1 import check_verdict

    return check_verdict(check)


def to_markdown(result: TableResult) -> str:
    """The table as Markdown (:func:`ascent_fails.nn_experiments.table1.table1_markdown`, the one ``nn run`` writes
    too) under a heading, with the data, recipe and seed under it."""
    from ascent_fails.nn_experiments.table1 import Table1, table1_markdown

    note = (f"Data: {result.description}. Recipe: {result.recipe}. Seed {result.seed}; built in "
            f"{result.seconds:.0f} s (cached ensembles are not retrained).")
    table = Table1(dataset=result.dataset, arch=result.arch, n_models=result.n_models, direction=result.direction,
                   bins=result.bins, eps=result.eps, rows=tuple(result.rows), notes=(note,))
    return f"## Table 1 analogue: KLoM, pretrained vs oracle\n\n{table1_markdown(table)}"


def configure_parser(parser: argparse.ArgumentParser) -> None:
    from ascent_fails.nn_experiments.names import ARCHITECTURES, DATASETS, KLOM_DIRECTIONS

    parser.add_argument("--out", type=Path, required=True, help="output directory for nn_table.md / nn_table.json")
    parser.add_argument("--dataset", choices=DATASETS, default="digits", help="data set")
    parser.add_argument("--n-models", type=int, default=100, metavar="N", help="N models per ensemble (default 100)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--seed", type=int, default=0, help="base seed of the split and of every ensemble")
    parser.add_argument("--data-dir", default=None, metavar="DIR",
                        help="CIFAR-10 directory holding the cifar-10-batches-py files (with --dataset cifar10)")
    parser.add_argument("--arch", choices=ARCHITECTURES, default=None, help="override the architecture")
    parser.add_argument("--datamodel-models", type=int, default=_default_datamodel_models(), metavar="M",
                        help=f"M subset models for the datamodel PC sets (default {_default_datamodel_models()})")
    parser.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                        help="trained-ensemble cache (default OUT/cache, shared with `nn run --out OUT`)")
    parser.add_argument("--klom-direction", choices=KLOM_DIRECTIONS,
                        default="oracle_unlearned", help="KL direction (default KL(oracle ‖ pretrained))")
    parser.add_argument("--bootstrap", type=int, default=0, help="model resamples for a KLoM interval (default 0)")
    parser.add_argument("--threads", type=int, default=None, metavar="T",
                        help="torch CPU threads (default: torch's own choice on this machine, normally its physical "
                             "cores or $OMP_NUM_THREADS)")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress output (by default: a bar per stage on a terminal, a line per stage in a log)")
    parser.add_argument("--executor", choices=("local", "ray"), default="local",
                        help="where the datamodel and ensemble chunks train: local (default) or ray (as in nn run)")
    parser.add_argument("--ray-address", default=None, metavar="ADDRESS",
                        help="with --executor ray: the Ray cluster to join (default: start Ray on this machine)")


def main(args: argparse.Namespace) -> int:
    from ascent_fails.atomic_io import atomic_write_json, atomic_write_text
    from ascent_fails.cli_errors import UsageError, output_dir
    from ascent_fails.nn_experiments import preflight
    from ascent_fails.nn_experiments.inputs import DataSettings, model_plan
    from ascent_fails.nn_experiments.threads import machine_threads, use_threads
    from ascent_fails.progress import stage

    # everything that can be checked before training is checked here, in the user's words (flags, files)
    machine_threads()  # torch's own choice, read before anything sets it
    preflight.threads(args.threads)
    if args.bootstrap < 0:
        raise UsageError("--bootstrap", f"{args.bootstrap} must be an integer >= 0 (model resamples)")
    if args.data_dir is not None and args.dataset != "cifar10":
        raise UsageError("--data-dir", f"only CIFAR-10 is read from a directory, and --dataset is {args.dataset!r}; "
                                       "add --dataset cifar10 or leave out --data-dir")
    settings = DataSettings(dataset=args.dataset, data_dir=args.data_dir, device=args.device, arch=args.arch,
                            n_models=args.n_models, seed=args.seed, datamodel_models=args.datamodel_models)
    model_plan(settings)  # a bad --device fails before any data are loaded
    if args.dataset == "cifar10":
        preflight.cifar_files(args.data_dir)
    preflight.output_location("--out", args.out)
    if args.cache_dir is not None:
        preflight.output_location("--cache-dir", args.cache_dir)
    out = output_dir("--out", args.out)
    cache = output_dir("--cache-dir", args.cache_dir) if args.cache_dir is not None else output_dir("--out", out / "cache")
    from ascent_fails.nn_experiments.run_command import RunRequest, check_executor
    from ascent_fails.nn_experiments.executor import make_executor

    check_executor(RunRequest(executor=args.executor, ray_address=args.ray_address))
    executor = None if args.executor == "local" else make_executor(args.executor, args.ray_address)
    use_threads(args.threads)  # recorded in the table's provenance (torch_threads)
    title = (f"Table 1 analogue: pretrained-vs-oracle KLoM of {args.n_models} {args.dataset} models on every default "
             "forget set, with the noise floor")
    with stage(title, unit="forget set", enabled=not args.no_progress) as bar:
        result = build_table(settings, cache, direction=args.klom_direction,
                             n_bootstrap=args.bootstrap, progress=not args.no_progress, executor=executor)
        bar.update(len(result.rows))
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
