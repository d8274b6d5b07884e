"""``ascent-fails audit --method module:function --grid grid.toml``: audit any unlearning method (docs/audit.md).

Loads the method (:func:`~ascent_fails.nn_experiments.method_plugins.load_plugin`) and its grid
(:func:`~ascent_fails.nn_experiments.audit.load_grid`), checks every flag, the data and the directories before
anything is trained (:func:`plan_audit`, errors name the flag and exit 2), then runs
:func:`~ascent_fails.nn_experiments.audit.audit`. Ensembles are cached as ``nn run`` caches them (``--cache-dir``,
default ``OUT/cache``): pointing ``--cache-dir`` at the cache of an ``nn run`` or ``reproduce`` with the same data,
N and seed reuses its pretrained models, oracles and datamodels.

Default: the digits, the MLP, N = 100 (the quick protocol's), two forget sets of the same size, the first random
default set (``random_10_seed0``) and the first structured one of its size
(:func:`~ascent_fails.nn_experiments.audit.default_audit_forget_sets`).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ascent_fails.nn_experiments.names import ARCHITECTURES, DATASETS, KLOM_DIRECTIONS

__all__ = ["AuditRequest", "AuditPlan", "plan_audit", "run_audit", "configure_parser", "main"]


@dataclass(frozen=True)
class AuditRequest:
    """The flags of ``audit`` as data (``None`` = the default)."""

    method: str  # module.path:function or path/to/file.py:function
    grid: str | Path  # the grid TOML file
    dataset: str = "digits"
    data_dir: str | Path | None = None
    n_models: int = 100
    forget_sets: tuple[str, ...] | None = None  # None: audit.default_audit_forget_sets(dataset)
    forget_set_files: tuple[str | Path, ...] = ()
    device: str = "cpu"
    arch: str | None = None
    datamodel_models: int | None = None
    klom_direction: str = "oracle_unlearned"
    seed: int = 0
    cache_dir: str | Path | None = None
    threads: int | None = None
    progress: bool = True


@dataclass(frozen=True, eq=False)
class AuditPlan:
    """A checked :class:`AuditRequest`, ready to train."""

    request: AuditRequest
    plugin: Any  # method_plugins.MethodPlugin
    grid: Any  # sweep.MethodGrid
    options: Any  # sweep.UnlearnOptions
    settings: Any  # audit.AuditSettings
    data_settings: Any  # inputs.DataSettings
    dataset: Any
    out: Path
    cache_dir: Path


def plan_audit(out: str | Path, request: AuditRequest) -> AuditPlan:
    """Check ``request`` completely (no training): the method, the grid, the flags, the data, the directories."""
    from ascent_fails.cli_errors import UsageError, output_dir
    from ascent_fails.nn_experiments import preflight
    from ascent_fails.nn_experiments.audit import AuditSettings, default_audit_forget_sets, load_grid
    from ascent_fails.nn_experiments.inputs import DataSettings, model_plan
    from ascent_fails.nn_experiments.method_plugins import load_plugin
    from ascent_fails.nn_experiments.threads import machine_threads

    machine_threads()  # read torch's own choice before anything sets it
    plugin = load_plugin(request.method, flag="--method")
    grid, options = load_grid(request.grid, plugin, flag="--grid")
    preflight.threads(request.threads)
    optional = {"datamodel_models": request.datamodel_models} if request.datamodel_models is not None else {}
    data_settings = DataSettings(dataset=request.dataset, data_dir=None if request.data_dir is None else str(request.data_dir),
                                 device=request.device, arch=request.arch, n_models=request.n_models, seed=request.seed,
                                 forget_set_files=tuple(str(f) for f in request.forget_set_files), **optional)
    model_plan(data_settings)  # a bad --device or --arch fails here
    dataset = preflight.data(data_settings)
    extra_sets = preflight.forget_set_files(request.forget_set_files, dataset.n_train, data_name=dataset.name)
    names = tuple(request.forget_sets) if request.forget_sets is not None else default_audit_forget_sets(request.dataset)
    if not names:
        raise UsageError("--forget-sets", "give at least one forget set")
    preflight.forget_set_names(names, request.dataset, dataset.n_train, extra_sets)
    settings = AuditSettings(n_models=request.n_models, forget_sets=names, seed=request.seed, klom_direction=request.klom_direction)
    preflight.output_location("--out", out)
    if request.cache_dir is not None:
        preflight.output_location("--cache-dir", request.cache_dir)
    target = output_dir("--out", out)
    cache = output_dir("--cache-dir", request.cache_dir) if request.cache_dir is not None else output_dir("--out", target / "cache")
    return AuditPlan(request, plugin, grid, options, settings, data_settings, dataset, target, cache)


def run_audit(plan: AuditPlan) -> dict[str, Any]:
    """Prepare the inputs (cached ensembles, datamodels) and run the audit of ``plan``; returns the audit dict."""
    from ascent_fails.atomic_io import atomic_write_json
    from ascent_fails.nn_experiments.audit import AUDIT_FILE, audit
    from ascent_fails.nn_experiments.inputs import prepare_inputs
    from ascent_fails.nn_experiments.threads import use_threads

    use_threads(plan.request.threads)
    started = time.perf_counter()
    inputs = prepare_inputs(plan.data_settings, plan.cache_dir, progress=plan.request.progress, dataset=plan.dataset)
    prepared = time.perf_counter()
    result = audit(plan.plugin, plan.grid, inputs, plan.out, settings=plan.settings, options=plan.options,
                   progress=plan.request.progress)
    # data, datamodels and forget sets (0-ish when cached), then the whole command; audit.json is rewritten with them
    result["timings"].update(prepare_seconds=prepared - started, total_seconds=time.perf_counter() - started)
    atomic_write_json(plan.out / AUDIT_FILE, result)
    return result


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.epilog = ("Writes audit.md (the verdict and the numbers behind it), audit.json, audit_stopping.png, "
                     "audit_scatter.png and results.json into --out. The method's signature, the grid file's format "
                     "and the verdict's rule: docs/audit.md.")
    parser.add_argument("--method", required=True, metavar="MODULE:FUNCTION",
                        help="the method: module.path:function (importable, or below the current directory) or "
                             "path/to/file.py:function, with the signature of docs/audit.md")
    parser.add_argument("--grid", required=True, type=Path, metavar="FILE",
                        help="grid TOML: snapshot_epochs = [...] and one list per hyperparameter, optional [options]")
    parser.add_argument("--out", type=Path, default=Path("audit"), help="output directory (default ./audit; a rerun resumes)")
    parser.add_argument("--dataset", choices=DATASETS, default="digits", help="data set (default digits)")
    parser.add_argument("--data-dir", default=None, metavar="DIR", help="CIFAR-10 directory (with --dataset cifar10)")
    parser.add_argument("--n-models", type=int, default=100, metavar="N",
                        help="N models per ensemble (default 100, the quick protocol's)")
    parser.add_argument("--forget-sets", nargs="+", metavar="NAME", default=None,
                        help="forget sets (default: the first random default set and the first structured one of "
                             "the same size, e.g. random_10_seed0 and its structured twin on the digits)")
    parser.add_argument("--forget-set-file", nargs="+", default=(), metavar="PATH",
                        help="extra forget sets from index files (.npy, or text: integers, # comments)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--arch", choices=ARCHITECTURES, default=None, help="override the architecture")
    parser.add_argument("--datamodel-models", type=int, default=None, metavar="M",
                        help="M subset models for the datamodel matrix behind the PC sets (default 4000)")
    parser.add_argument("--klom-direction", choices=KLOM_DIRECTIONS, default="oracle_unlearned", help="KL direction")
    parser.add_argument("--seed", type=int, default=0, help="root seed of data split, ensembles and runs (default 0)")
    parser.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                        help="trained-ensemble cache (default OUT/cache); an nn run's cache is reused")
    parser.add_argument("--threads", type=int, default=None, metavar="T", help="torch CPU threads")
    parser.add_argument("--no-progress", action="store_true", help="no progress output")


def request_from_args(args: argparse.Namespace) -> AuditRequest:
    return AuditRequest(method=args.method, grid=args.grid, dataset=args.dataset, data_dir=args.data_dir,
                        n_models=args.n_models, forget_sets=None if args.forget_sets is None else tuple(args.forget_sets),
                        forget_set_files=tuple(args.forget_set_file), device=args.device, arch=args.arch,
                        datamodel_models=args.datamodel_models, klom_direction=args.klom_direction, seed=args.seed,
                        cache_dir=args.cache_dir, threads=args.threads, progress=not args.no_progress)


def main(args: argparse.Namespace) -> int:
    plan = plan_audit(args.out, request_from_args(args))
    result = run_audit(plan)
    v = result["verdict"]
    print(f"audit of {result['plugin']['name']} ({result['dataset']}, {result['arch']}, N={result['n_models']}): "
          f"{v['class']}: {v['text']}")
    for s in result["forget_sets"]:
        print(f"  {s['name']}: {s['verdict']} (oracle-best worst-group KLoM {s['oracle_best']['worst_group_klom']:.2f}, "
              f"user's choice {s['user_choice']['worst_group_klom']:.2f}, floor {max(s['floor'].values()):.2f})")
    print(f"  wrote {plan.out / 'audit.md'} and audit.json, figures, results.json in {plan.out} "
          f"({result['timings']['total_seconds']:.0f} s)", file=sys.stdout)
    return 0
