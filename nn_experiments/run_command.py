"""``ascent-fails nn run``: the unlearning sweep scored with KLoM, its figures and the Table 1 analogue.

Writes into ``--out``: ``results.json`` (schema in :mod:`~ascent_fails.nn_experiments.results_schema`),
``scatter_forget_vs_validation.png`` (Fig. 1/3/6), ``scatter_forget_vs_retain.png`` (Fig. 7), ``illusion.png``
(Fig. 2), ``table1.md`` (Table 1), the finished units under ``units/`` (a rerun resumes from them) and, unless
``--cache-dir`` says otherwise, the trained ensembles under ``cache/``.

Protocols (docs/experiments.md). The default is the *quick* protocol, ``quick_sweep.toml``: the paper's
setting scaled down to run in minutes on a 2-core CPU (same N, same default forget sets, same datamodels, the
paper's GA grid and its GDA/SCRUB learning rates, but one value of the two secondary GDA/SCRUB axes and one
learning rate per baseline). ``--full`` is the paper's, ``default_sweep.toml``: GA 7 lr × 5 snapshots, GDA
and SCRUB 4 lr × 2 ascent epochs × 2 forget batches × 3 snapshots, plus the baselines, N = 100, datamodels
from 4,000 subset models. ``--sweep FILE`` runs a sweep of your own.

The library entry point is :func:`run` (or :func:`plan_run` then :func:`execute`): :func:`plan_run` checks
everything that can be checked without training (the sweep file, the forget-set files against the data's
size, the data directory, the output directory) and raises
:class:`~ascent_fails.cli_errors.UsageError` naming the flag and the file.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ascent_fails.nn_experiments.names import ARCHITECTURES, DATASETS, KLOM_DIRECTIONS, METHODS

__all__ = ["RunRequest", "RunPlan", "plan_run", "execute", "run", "request_from_args", "add_sweep_arguments",
           "configure_parser", "main"]


@dataclass(frozen=True)
class RunRequest:
    """What ``nn run`` is asked to do: its flags as data (``None`` = the sweep's or the library's default)."""

    protocol: str = "quick"  # "quick" (quick_sweep.toml) or "full" (default_sweep.toml); unused with sweep_file
    sweep_file: str | Path | None = None  # a sweep TOML of one's own instead of a packaged protocol
    dataset: str | None = None  # overrides the sweep's data set (names.DATASETS)
    data_dir: str | Path | None = None  # CIFAR-10 directory (cifar-10-batches-py or its parent)
    n_models: int | None = None  # N models per ensemble (the sweep's: 100)
    methods: tuple[str, ...] | None = None  # run only these methods' grids
    forget_sets: tuple[str, ...] | None = None  # run only these forget sets (default sets or file stems)
    forget_set_files: tuple[str | Path, ...] = ()  # extra forget sets from index files (.npy or text)
    device: str = "cpu"  # "cpu" or "cuda"
    arch: str | None = None  # None: the MLP on CPU for digits/synthetic, ResNet-9 on CUDA or for CIFAR-10
    datamodel_models: int | None = None  # M subset models of the datamodel matrix (inputs.DataSettings: 4,000)
    epochs: int | None = None  # training epochs of every ensemble (None: the recipe's, 24 for ResNet-9)
    floor_first_set_only: bool = False  # measure the noise floor on the first forget set only (every set by default)
    klom_direction: str | None = None  # overrides the sweep's (names.KLOM_DIRECTIONS)
    cache_dir: str | Path | None = None  # trained-ensemble cache; None: OUT/cache
    threads: int | None = None  # torch CPU threads; None: torch's own choice on this machine (threads.py)
    progress: bool = True  # stage headers and bars (a bar on a terminal, one line per stage in a log)
    executor: str = "local"  # executor.EXECUTORS: "local" (this process) or "ray"
    ray_address: str | None = None  # with executor="ray": the cluster to join (None: start Ray on this machine)
    force: bool = False  # replace the results of another configuration in --out (its units are kept)
    seed: int | None = None  # overrides the sweep's seed: the root of the random choices (models, runs; split, sets)
    seeds: int = 1  # K: run seeds seed … seed + K − 1 and pool their claims (seed_runs.py)


@dataclass(frozen=True, eq=False)
class RunPlan:
    """A checked :class:`RunRequest`: the sweep, the data and the directories, ready to train."""

    request: RunRequest
    out: Path  # writable output directory (created)
    cache_dir: Path  # writable cache directory (created)
    sweep: Any  # sweep.Sweep, narrowed by the request
    protocol: str  # "quick", "full" or "sweep file <path>" (recorded in results.json)
    settings: Any  # inputs.DataSettings
    dataset: Any  # data.Dataset, loaded (no training has happened)
    arch: str
    extra_sets: tuple[Any, ...] = field(default=())  # forget_sets.ForgetSet read from forget_set_files
    claim: tuple[str, str] = ("", "")  # runner.output_claim: (configuration key, description) --out is held for


def plan_run(out: str | Path, request: RunRequest = RunRequest()) -> RunPlan:
    """Check ``request`` completely (no training) and return the plan; raises ``UsageError`` naming the flag.

    Order: the flags' values, the sweep file (parsed and every grid point validated), the device, the data
    (loaded: seconds), the forget-set files against the data's size, the forget-set names, then the output
    and cache directories (created and write-probed) and whether ``--out`` may take this configuration
    (:func:`ascent_fails.locks.check_output`: not while a run of another one is live, not over another one's
    results without ``--force``).
    """
    from ascent_fails.cli_errors import UsageError, output_dir
    from ascent_fails.locks import check_output
    from ascent_fails.nn_experiments import preflight
    from ascent_fails.nn_experiments.inputs import DataSettings, model_plan
    from ascent_fails.nn_experiments.runner import output_claim
    from ascent_fails.nn_experiments.sweep import packaged_sweep
    from ascent_fails.nn_experiments.threads import machine_threads

    machine_threads()  # read torch's own choice before anything sets it
    preflight.threads(request.threads)
    if request.sweep_file is not None:
        sweep = preflight.sweep_file(request.sweep_file)
        protocol = f"sweep file {Path(request.sweep_file)}"
    else:
        sweep = packaged_sweep(request.protocol)
        protocol = request.protocol
    preflight.methods(request.methods, [g.method for g in sweep.methods])
    sweep = sweep.narrow(methods=request.methods, forget_sets=request.forget_sets, n_models=request.n_models,
                         dataset=request.dataset)
    changes: dict[str, Any] = {}
    if request.floor_first_set_only:
        changes["floor_per_set"] = False
    if request.klom_direction is not None:
        changes["klom_direction"] = request.klom_direction
    if request.seeds != 1:  # K seeds are K plans: seed_runs.plan_seeds makes them (run() and the CLI go there)
        raise UsageError("--seeds", f"plan_run plans one seed, and seeds={request.seeds!r}; use "
                                    "seed_runs.plan_seeds / run_seeds (or run()) for several")
    if request.seed is not None:
        if isinstance(request.seed, bool) or not isinstance(request.seed, int) or not 0 <= request.seed < 2**32:
            raise UsageError("--seed", f"{request.seed!r} must be an integer in [0, 2**32) (the sweep's root seed)")
        changes["seed"] = request.seed
    sweep = replace(sweep, **changes) if changes else sweep
    if request.data_dir is not None and sweep.dataset != "cifar10":
        raise UsageError("--data-dir", f"only CIFAR-10 is read from a directory, and the data set is {sweep.dataset!r}; "
                                       "add --dataset cifar10 or leave out --data-dir")
    optional = {"datamodel_models": request.datamodel_models} if request.datamodel_models is not None else {}
    if request.epochs is not None:
        if isinstance(request.epochs, bool) or not isinstance(request.epochs, int) or request.epochs < 1:
            raise UsageError("--epochs", f"{request.epochs!r} must be an integer >= 1 (training epochs)")
        optional["epochs"] = request.epochs
    settings = DataSettings(dataset=sweep.dataset, data_dir=None if request.data_dir is None else str(request.data_dir),
                            device=request.device, arch=request.arch, n_models=sweep.n_models, seed=sweep.seed,
                            forget_set_files=tuple(str(f) for f in request.forget_set_files), **optional)
    _, arch, recipe = model_plan(settings)  # a bad --device or --arch fails here
    preflight.rewind_epochs(sweep, recipe, "--sweep" if request.sweep_file is not None else None, request.sweep_file)
    dataset = preflight.data(settings)
    extra_sets = preflight.forget_set_files(request.forget_set_files, dataset.n_train, data_name=f"{dataset.name}")
    preflight.forget_set_names(sweep.forget_sets, sweep.dataset, dataset.n_train, extra_sets)
    check_executor(request)
    preflight.output_location("--out", out)
    if request.cache_dir is not None:
        preflight.output_location("--cache-dir", request.cache_dir)
    target = output_dir("--out", out)
    cache = output_dir("--cache-dir", request.cache_dir) if request.cache_dir is not None else output_dir("--out", target / "cache")
    # the key the sweep runner claims --out with (the inputs' ensemble seed is the settings' seed)
    claim = output_claim(sweep, dataset, arch, recipe, settings.seed)
    check_output(target, claim[0], force=request.force, flag="--out")
    return RunPlan(request=request, out=target, cache_dir=cache, sweep=sweep, protocol=protocol, settings=settings,
                   dataset=dataset, arch=arch, extra_sets=extra_sets, claim=claim)


def check_executor(request: RunRequest) -> None:
    """``--executor`` / ``--ray-address``: a known executor, Ray importable when asked for (UsageError, exit 2)."""
    from ascent_fails.cli_errors import UsageError
    from ascent_fails.nn_experiments.executor import EXECUTORS

    if request.executor not in EXECUTORS:
        raise UsageError("--executor", f"{request.executor!r} must be one of {', '.join(EXECUTORS)}")
    if request.ray_address is not None and request.executor != "ray":
        raise UsageError("--ray-address", "joins a Ray cluster, so it needs --executor ray")
    if request.executor == "ray":
        try:
            import ray  # noqa: F401 - only whether it imports
        except ImportError:
            raise UsageError("--executor", "ray needs Ray, which is not installed here: pip install 'ascent-fails[ray]' "
                                           "(or 'ray>=2.9'), or use --executor local (the default)") from None
    if request.ray_address is not None and request.ray_address != "auto":
        _check_reachable(request.ray_address)


def _check_reachable(address: str, timeout: float = 3.0) -> None:
    """``--ray-address``: HOST:PORT (or ray://HOST:PORT) that accepts a connection now.

    Ray itself retries an unreachable head for minutes with log lines and no error; a user who mistyped the address
    gets one message naming the flag instead.
    """
    import socket

    from ascent_fails.cli_errors import UsageError

    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError("--ray-address", f"{address!r} must be HOST:PORT (port 1-65535), ray://HOST:PORT or auto")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise UsageError("--ray-address", f"no Ray head answers at {address} ({exc.strerror or exc}); start one "
                                          "with `ray start --head` or check the address") from None


def execute(plan: RunPlan) -> tuple[dict[str, Any], dict[str, Path]]:
    """Train (or load) the ensembles of ``plan``, run (or resume) its sweep, write results.json, figures, table.

    ``--out`` is claimed (:func:`ascent_fails.locks.claim_output`) before anything is trained and held until the
    last file is written: a run of another configuration (``--force``) cannot write between this run's results
    and its figures, and a refused ``--out`` (``UsageError``) costs no training. The sweep runner's own claim
    shares this one.
    """
    from ascent_fails.atomic_io import atomic_write_json
    from ascent_fails.locks import claim_output
    from ascent_fails.nn_experiments.executor import make_executor
    from ascent_fails.nn_experiments.plots import write_figures
    from ascent_fails.nn_experiments.inputs import prepare_inputs
    from ascent_fails.nn_experiments.results_schema import RESULTS_FILE
    from ascent_fails.nn_experiments.runner import run_sweep
    from ascent_fails.nn_experiments.threads import machine_threads, use_threads
    from ascent_fails.progress import stage

    progress = plan.request.progress
    threads = use_threads(plan.request.threads)
    busy = _busy_machine_note(threads)
    if busy and progress:
        print(busy, file=sys.stderr, flush=True)
    started = time.perf_counter()
    key, what = plan.claim
    with claim_output(plan.out, key, what, force=plan.request.force, flag="--out"):
        executor = make_executor(plan.request.executor, plan.request.ray_address)
        inputs = prepare_inputs(plan.settings, plan.cache_dir, progress=progress, dataset=plan.dataset,
                                executor=executor)
        prepared = time.perf_counter()
        results = run_sweep(plan.sweep, inputs, plan.out, progress=progress, executor=executor,
                            force=plan.request.force)
        results["protocol"] = plan.protocol
        # data, datamodels and forget sets (this session; 0-ish when cached), then everything after them
        results["timings"].update(prepare_seconds=prepared - started, total_seconds=time.perf_counter() - started,
                                  threads=threads, threads_machine_default=machine_threads())
        with stage("figures (Fig. 1-3, 6-7) and the Table 1 analogue", unit="file", enabled=progress) as bar:
            files = write_figures(results, plan.out)
            bar.update(len(files))
        atomic_write_json(plan.out / RESULTS_FILE, results)
    return results, files


def _busy_machine_note(threads: int) -> str:
    """A hint when several torch threads meet a machine already busy with other jobs, else ``""``.

    torch's threads wait for each other at every small matrix product of the ensemble; when another job holds
    a core they wait much longer. Measured on a 2-core machine running one other CPU-bound job: the smallest
    ``nn run`` took 102 s with 2 threads and 7.5 s with ``--threads 1`` (5.5 s and 5.8 s on the idle machine).
    """
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on every platform
        return ""
    if threads > 1 and load >= cores:  # the cores are already busy (a lagging 1-minute average: no finer test)
        return (f"note: load average {load:.1f} on {cores} CPUs: with {threads} torch threads, training can run many "
                f"times slower while other jobs hold the cores; --threads 1 is then faster")
    return ""


def run(out: str | Path, request: RunRequest = RunRequest()) -> tuple[dict[str, Any], dict[str, Path]]:
    """``nn run`` as a function: check ``request``, then run it into ``out``; returns (results, written files).

    With ``request.seeds`` = K > 1 it runs every seed (:func:`~ascent_fails.nn_experiments.seed_runs.run_seeds`)
    and returns the base seed's results and files (the pooled claims are in ``out/seeds.json``).

    >>> run("/tmp/x", RunRequest(n_models=1))  # checked before anything is trained
    Traceback (most recent call last):
    ...
    ValueError: n_models=1 must be an integer >= 2 (N)
    """
    from ascent_fails.nn_experiments.seed_runs import run_seeds

    runs = run_seeds(out, request)
    return runs.results[runs.base], runs.files[runs.base]


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags shared by ``nn run`` and ``reproduce`` (everything but ``--out``)."""
    protocol = parser.add_mutually_exclusive_group()
    protocol.add_argument("--full", action="store_true",
                          help="the paper's full protocol, default_sweep.toml (default: the quick protocol, see below)")
    protocol.add_argument("--sweep", type=Path, default=None, metavar="FILE",
                          help="a sweep TOML file of your own (layout: the packaged default_sweep.toml)")
    parser.add_argument("--dataset", choices=DATASETS, default=None, help="data set (default: the sweep's, digits)")
    parser.add_argument("--data-dir", default=None, metavar="DIR",
                        help="CIFAR-10 directory holding the cifar-10-batches-py files (with --dataset cifar10)")
    parser.add_argument("--n-models", type=int, default=None, metavar="N", help="N models per ensemble (default 100)")
    parser.add_argument("--methods", nargs="+", metavar="METHOD", default=None,
                        help=f"run only these methods: {', '.join(METHODS)}")
    parser.add_argument("--forget-sets", nargs="+", metavar="NAME", default=None,
                        help="run only these forget sets (names as in results.json, or the stem of a --forget-set-file)")
    parser.add_argument("--forget-set-file", nargs="+", default=(), metavar="PATH",
                        help="extra forget sets from index files (.npy, or text: integers, # comments)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (ResNet-9 on 32x32x3 inputs on CUDA)")
    parser.add_argument("--arch", choices=ARCHITECTURES, default=None, help="override the architecture")
    parser.add_argument("--datamodel-models", type=int, default=None, metavar="M",
                        help="M subset models for the datamodel matrix (default 4000)")
    parser.add_argument("--epochs", type=int, default=None, metavar="E",
                        help="training epochs of the pretrained and oracle models (default: the recipe's, 24 for "
                             "ResNet-9, 30 for the digits); a triangular schedule keeps its shape. Changes the models")
    parser.add_argument("--floor-first-set-only", action="store_true",
                        help="measure the noise floor on the first forget set only (default: on every forget set, "
                             "one more oracle ensemble per set)")
    parser.add_argument("--klom-direction", choices=KLOM_DIRECTIONS, default=None, help="KL direction (default: the sweep's)")
    parser.add_argument("--seed", type=int, default=None, metavar="S",
                        help="root seed of the sweep: every ensemble and unlearning run, and on digits also the data "
                             "split, the datamodel and the forget sets' points (CIFAR-10's split and sets are fixed; "
                             "default: the sweep's, 0)")
    parser.add_argument("--seeds", type=int, default=1, metavar="K",
                        help="repeat the whole sweep on K seeds (S, S+1, ...; seed S in --out, the others in "
                             "OUT/seeds/seed-<s>/) and pool the claims across them in OUT/seeds.json (default 1; "
                             "each seed costs one more sweep)")
    parser.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                        help="trained-ensemble cache (default: OUT/cache)")
    parser.add_argument("--threads", type=int, default=None, metavar="T",
                        help="torch CPU threads (default: torch's own choice on this machine, normally its physical "
                             "cores or $OMP_NUM_THREADS). Use 1 when other jobs keep the cores busy: on a 2-core machine "
                             "running one other job, the smallest run took 102 s with 2 threads, 7.5 s with 1")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress output (by default: a bar per stage on a terminal, a line per stage in a log)")
    parser.add_argument("--executor", choices=("local", "ray"), default="local",
                        help="where the ensemble chunks and unlearning runs execute: local (this process, the default) "
                             "or ray (parallel Ray tasks, one CPU each, or one GPU each with --device cuda; needs "
                             "pip install 'ascent-fails[ray]'). Results are identical; either resumes the other")
    parser.add_argument("--ray-address", default=None, metavar="ADDRESS",
                        help="with --executor ray: join this Ray cluster (e.g. auto, or ray://HEAD:10001) instead of "
                             "starting Ray on this machine; --out and --cache-dir must be on a filesystem every node "
                             "sees at the same path (docs/scaling.md)")


def request_from_args(args: argparse.Namespace) -> RunRequest:
    """The :class:`RunRequest` of parsed ``nn run`` (or ``reproduce``) flags."""
    return RunRequest(
        protocol="full" if args.full else "quick",
        sweep_file=args.sweep,
        dataset=args.dataset,
        data_dir=args.data_dir,
        n_models=args.n_models,
        methods=None if args.methods is None else tuple(args.methods),
        forget_sets=None if args.forget_sets is None else tuple(args.forget_sets),
        forget_set_files=tuple(args.forget_set_file),
        device=args.device,
        arch=args.arch,
        datamodel_models=args.datamodel_models,
        epochs=getattr(args, "epochs", None),
        floor_first_set_only=args.floor_first_set_only,
        klom_direction=args.klom_direction,
        cache_dir=args.cache_dir,
        threads=args.threads,
        progress=not args.no_progress,
        executor=args.executor,
        ray_address=args.ray_address,
        force=bool(getattr(args, "force", False)),
        seed=getattr(args, "seed", None),
        seeds=getattr(args, "seeds", 1),
    )


EPILOG = (
    "Writes results.json, scatter_forget_vs_validation.png (Fig. 1/3/6), scatter_forget_vs_retain.png (Fig. 7), "
    "illusion.png (Fig. 2) and table1.md (Table 1) into --out; finished runs are kept under OUT/units and a rerun "
    "resumes. Default: the quick protocol, quick_sweep.toml (N=100, the default forget sets, the paper's GA grid and GDA/SCRUB "
    "learning rates, but ascent_epochs=5 and forget batch 64 only, and one lr per fine-tune/rewind/noisy baseline); "
    "--full runs the paper's grids, default_sweep.toml (GDA/SCRUB 4 lr x 2 ascent epochs x 2 forget batches, "
    "3/2/4 baseline runs). Definitions: docs/experiments.md."
)


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument("--out", type=Path, required=True, help="output directory (created; a rerun resumes in it)")
    parser.add_argument("--force", action="store_true",
                        help="replace the results of another configuration in --out (refused otherwise; the finished "
                             "units of both are kept)")
    add_sweep_arguments(parser)


def main(args: argparse.Namespace) -> int:
    from ascent_fails.nn_experiments.seed_runs import run_seeds

    outcome = run_seeds(args.out, request_from_args(args))
    results, files = outcome.results[outcome.base], outcome.files[outcome.base]
    k, floor = results["klom"], results["floor"]
    print(f"{results['dataset']} ({results['arch']}, N={results['n_models']}, protocol: {results['protocol']}, "
          f"{results['timings']['threads']} torch thread{'' if results['timings']['threads'] == 1 else 's'}): {len(results['runs'])} configurations on "
          f"{len(results['forget_sets'])} forget sets; KLoM {k['direction']} (95th pct); noise floor "
          f"forget/retain/validation {floor['forget']:.2f}/{floor['retain']:.2f}/{floor['validation']:.2f}")
    print(Path(files["table1"]).read_text())
    for path in files.values():
        print(f"  wrote {path}")
    print(f"  wrote {Path(args.out) / 'results.json'}")
    if outcome.summary is not None:
        from ascent_fails.nn_experiments.claims_across_seeds import pooled_markdown

        print(pooled_markdown(outcome.pooled))
        print(f"  wrote {outcome.summary} (and one nn run per seed under {Path(args.out) / 'seeds'})")
    return 0
