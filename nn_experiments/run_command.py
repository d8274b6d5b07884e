"""``ascent-fails nn run``: the unlearning sweep scored with KLoM, its figures and the Table 1 analogue.

Writes into ``--out``: ``results.json`` (schema in :mod:`nn_experiments.runner`), ``scatter_forget_vs_validation.png``
(Fig. 1/3/6), ``scatter_forget_vs_retain.png`` (Fig. 7), ``illusion.png`` (Fig. 2), ``table1.md`` (Table 1), the
finished units under ``units/`` (a rerun resumes from them) and, unless ``--cache-dir`` says otherwise, the
trained ensembles under ``cache/``.

Protocols. ``--full`` is the paper's: the grids of ``default_sweep.toml`` (GA 7 lr × 5 snapshots, GDA and SCRUB
4 lr × 2 ascent epochs × 2 forget batches × 3 snapshots, plus the baselines) on all nine forget sets, N = 100,
datamodels from 4,000 subset models. The default is the *quick* protocol, scaled down to run in minutes on a
2-core CPU (see ``QUICK``): same N, same nine forget sets, same datamodels, the paper's GA grid and its GDA/SCRUB
lr grid, but one value of the two secondary GDA/SCRUB axes and one lr per baseline.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import time
from pathlib import Path
from typing import Any

__all__ = ["configure_parser", "add_sweep_arguments", "build_sweep", "run_from_args", "main", "QUICK"]

#: what the quick protocol changes from the full one (every other setting is the full protocol's)
QUICK: dict[str, Any] = {
    "gda_scrub_axes": {"ascent_epochs": (5,), "forget_batch_size": (64,)},  # of (3, 5) × (32, 64)
    "baseline_lrs": {"finetune": (1e-2,), "rewind": (5e-2,), "noisy": (1e-2,)},
    # the datamodel estimate is NOT scaled down: with 1,000 subset models the PC sets came out no harder than
    # random ones (pretrained forget KLoM of pc1_top_10 0.88, at the floor), with 4,000 they are clearly harder
    # (9.66); the 4,000 models cost about 70 s more
    "datamodel_models": 4000,
}


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags shared by ``nn run`` and ``reproduce`` (everything but ``--out``)."""
    from_methods = ("ga", "gda", "scrub", "do_nothing", "finetune", "rewind", "noisy")  # = sweep.METHODS, kept light
    parser.add_argument("--dataset", choices=("digits", "synthetic", "cifar10"), default=None, help="data set (default: the sweep's, digits)")
    parser.add_argument("--data-dir", default=None, help="CIFAR-10 directory holding the cifar-10-batches-py files")
    parser.add_argument("--n-models", type=int, default=None, help="N models per ensemble (default 100)")
    parser.add_argument("--methods", nargs="+", metavar="METHOD", default=None, help=f"run only these methods: {', '.join(from_methods)}")
    parser.add_argument("--forget-sets", nargs="+", metavar="NAME", default=None, help="run only these forget sets (names as in results.json)")
    parser.add_argument("--forget-set-file", nargs="+", default=(), metavar="PATH", help="extra forget sets from index files (.npy or text)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (ResNet-9 on 32x32x3 inputs on CUDA)")
    parser.add_argument("--arch", choices=("mlp", "cnn", "resnet9"), default=None, help="override the architecture")
    parser.add_argument("--sweep", type=Path, default=None, help="a sweep TOML file (default: the packaged default_sweep.toml)")
    parser.add_argument("--full", action="store_true", help="the paper's full protocol (default: the quick protocol, see --help)")
    parser.add_argument("--datamodel-models", type=int, default=None, help="M subset models for the datamodel matrix")
    parser.add_argument("--floor-per-set", action="store_true", help="measure the noise floor on every forget set")
    parser.add_argument("--klom-direction", choices=("oracle_unlearned", "unlearned_oracle"), default=None, help="KL direction")
    parser.add_argument("--cache-dir", type=Path, default=None, help="trained-ensemble cache (default: OUT/cache)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1: the ensemble's small matrix products run slower with "
                             "intra-op threads on a small shared CPU; measured here under contention: 0.5 ms vs 23 ms for one small step)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


EPILOG = (
    "Writes results.json, scatter_forget_vs_validation.png (Fig. 1/3/6), scatter_forget_vs_retain.png (Fig. 7), "
    "illusion.png (Fig. 2) and table1.md (Table 1) into --out; finished runs are kept under OUT/units and a rerun "
    "resumes. Default: the QUICK protocol (N=100, nine forget sets, the paper's GA grid and GDA/SCRUB learning "
    "rates, but ascent_epochs=5 and forget batch 64 only, and one lr per fine-tune/rewind/noisy baseline); "
    "--full runs the paper's grids (GDA/SCRUB 4 lr x 2 ascent epochs x 2 forget batches, 3/2/4 baseline runs)."
)


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument("--out", type=Path, required=True, help="output directory (created; a rerun resumes in it)")
    add_sweep_arguments(parser)


def build_sweep(args: argparse.Namespace) -> Any:
    """The sweep the flags describe: a TOML file or the default, quick unless ``--full``, then narrowed."""
    from dataclasses import replace

    from ascent_fails.nn_experiments.sweep import MethodGrid, default_sweep, load_sweep

    sweep = load_sweep(args.sweep) if args.sweep is not None else default_sweep()
    if not args.full and args.sweep is None:
        grids = []
        for grid in sweep.methods:
            axes = dict(grid.axes)
            if grid.method in ("gda", "scrub"):
                axes.update(QUICK["gda_scrub_axes"])
            if grid.method in QUICK["baseline_lrs"]:
                axes["lr"] = QUICK["baseline_lrs"][grid.method]
            grids.append(MethodGrid(grid.method, grid.snapshot_epochs, tuple(axes.items())))
        sweep = replace(sweep, methods=tuple(grids))
    sweep = sweep.narrow(methods=args.methods, forget_sets=args.forget_sets, n_models=args.n_models, dataset=args.dataset)
    changes: dict[str, Any] = {}
    if args.floor_per_set:
        changes["floor_per_set"] = True
    if args.klom_direction is not None:
        changes["klom_direction"] = args.klom_direction
    return replace(sweep, **changes) if changes else sweep


def _check_forget_set_names(names: Sequence[str], dataset: str, files: Sequence[str]) -> None:
    """Reject unknown forget-set names before minutes of datamodel and ensemble training."""
    from ascent_fails.nn_experiments.forget_sets import default_forget_set_names

    known = set(default_forget_set_names(dataset)) | {Path(f).stem for f in files}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"forget_sets {unknown} are unknown; choose from {sorted(known)}")


def run_from_args(args: argparse.Namespace, out: Path) -> tuple[dict[str, Any], dict[str, Path]]:
    """Run (or resume) the sweep of ``args`` into ``out``; returns (results, figure and table paths)."""
    from ascent_fails.nn_experiments.plots import write_figures
    from ascent_fails.nn_experiments.runner import DataSettings, prepare_inputs, run_sweep

    import torch

    from ascent_fails.validate import require_positive_int

    torch.set_num_threads(require_positive_int("threads", args.threads))
    sweep = build_sweep(args)
    _check_forget_set_names(sweep.forget_sets, sweep.dataset, args.forget_set_file)
    datamodel_models = args.datamodel_models or QUICK["datamodel_models"]
    settings = DataSettings(dataset=sweep.dataset, data_dir=args.data_dir, device=args.device, arch=args.arch,
                            n_models=sweep.n_models, seed=sweep.seed, datamodel_models=datamodel_models,
                            forget_set_files=tuple(args.forget_set_file))
    out.mkdir(parents=True, exist_ok=True)
    progress = not args.no_progress
    started = time.perf_counter()
    inputs = prepare_inputs(settings, args.cache_dir or out / "cache", progress=progress)
    prepared = time.perf_counter()
    results = run_sweep(sweep, inputs, out, progress=progress)
    results["protocol"] = "full" if args.full else ("sweep file" if args.sweep else "quick")
    # data, datamodels and forget sets (this session; 0-ish when cached), then everything after them
    results["timings"].update(prepare_seconds=prepared - started, total_seconds=time.perf_counter() - started,
                              threads=args.threads)
    files = write_figures(results, out)
    from ascent_fails.atomic_io import atomic_write_json

    atomic_write_json(out / "results.json", results)
    return results, files


def main(args: argparse.Namespace) -> int:
    results, files = run_from_args(args, args.out)
    k, floor = results["klom"], results["floor"]
    print(f"{results['dataset']} ({results['arch']}, N={results['n_models']}, {results['protocol']} protocol): "
          f"{len(results['runs'])} configurations on {len(results['forget_sets'])} forget sets; KLoM {k['direction']} "
          f"(95th pct); noise floor forget/retain/validation {floor['forget']:.2f}/{floor['retain']:.2f}/{floor['validation']:.2f}")
    print(Path(files["table1"]).read_text())
    for name, path in files.items():
        print(f"  wrote {path}")
    print(f"  wrote {args.out / 'results.json'}")
    return 0
