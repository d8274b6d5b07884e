"""The device check: what one GPU session measures once, written as JSON (``bench/device_check.sh`` runs it).

Stages, each timed and written to ``OUT/device_check.json`` as soon as it finishes (atomically, so a session cut
short still leaves the stages it finished):

1. ``bench``: ``bench/bench_resnet9.py`` on the device (model-images/s of the plain single-model loop and of the
   engine for several models per pass, and ``auto``), at the unlearning batch of 64 per model.
2. ``training``: N = 100 ResNet-9 models trained for a few epochs on the 32×32×3 digits stand-in (CIFAR-10 is not
   on the machine) with the stand-in's recipe (``inputs.model_plan``: batch 128, peak lr 0.1, bf16 autocast), in
   chunks sized by the training memory bound (``memory.training_chunk_size``); engine ``auto`` with
   channels_last and cudnn.benchmark. Reports model-images/s, the chunk, the models per pass and why, the peak
   memory (``torch.cuda.max_memory_allocated``) next to the bound's prediction, and validation accuracy.
3. ``klom``: one KLoM evaluation at N = 100: the margins of the trained ensemble and of a copy after one gradient
   ascent epoch on 10 training points, on every training and validation point, and the per-point KLoM.
4. ``extrapolation``: the paper's protocol on CIFAR-10 (50,000 training and 10,000 validation images) on this
   device: 100 pretrained + 9 × 100 oracles for 24 epochs, the full GA/GDA/SCRUB grids of
   ``default_sweep.toml`` on the nine benchmark forget sets, and their KLoM scoring, from the throughputs above,
   with the arithmetic written out term by term.

``--dry-run`` runs the same code path on the CPU at tiny sizes (N = 3, 32 images, 1 epoch) in well under a
minute: that is what CI runs, so the script cannot rot. On a CPU, peak memory is the process's peak resident
set (``ru_maxrss``), not a device figure.

The package is imported as installed, or else straight from this checkout (the machine with the GPU has no
registry access: nothing is installed), see :func:`import_checkout`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def import_checkout() -> None:
    """Make ``import ascent_fails.*`` work without installing: the package's sub-packages live in the top-level
    folders (``pyproject.toml`` package-dir), so ``ascent_fails`` is loaded from ``ascent_fails/__init__.py`` with
    both ``ascent_fails/`` and the repository root as its search path. Nothing is done if it is installed."""
    try:
        import ascent_fails.nn_experiments  # noqa: F401
        return
    except ImportError:
        pass
    spec = importlib.util.spec_from_file_location(
        "ascent_fails", REPO / "ascent_fails" / "__init__.py",
        submodule_search_locations=[str(REPO / "ascent_fails"), str(REPO)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["ascent_fails"] = module
    spec.loader.exec_module(module)


SIZES = {  # (models, training images or None = all, epochs, bench images, bench models, bench models per pass)
    "device": dict(n_models=100, images=None, val_images=None, epochs=4, bench_images=None, bench_models=100,
                   bench_k=["1", "4", "16", "100", "auto"]),
    "dry": dict(n_models=3, images=32, val_images=16, epochs=1, bench_images=32, bench_models=2, bench_k=["1", "auto"]),
}
PAPER = dict(n_train=50_000, n_val=10_000, n_models=100, oracle_sets=9, epochs=24)


class Report:
    """The JSON report, rewritten atomically after every stage."""

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        self.path, self.data = path, dict(header)
        self.write()

    def add(self, name: str, value: dict[str, Any]) -> None:
        self.data[name] = value
        self.write()

    def write(self) -> None:
        from ascent_fails.atomic_io import atomic_write_json

        atomic_write_json(self.path, self.data)


def _peak_reset(device: Any) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)


def _peak_bytes(device: Any) -> tuple[int, str]:
    import resource

    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)
        return int(torch.cuda.max_memory_allocated(device)), "torch.cuda.max_memory_allocated"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return int(rss) * 1024, "ru_maxrss of the process (CPU dry run)"


def stage_bench(device: Any, sizes: dict[str, Any]) -> dict[str, Any]:
    sys.path.insert(0, str(REPO / "bench"))
    import bench_resnet9

    argv = ["--device", device.type, "--n-models", str(sizes["bench_models"]), "--repeats", "1",
            "--models-per-pass", *sizes["bench_k"]]
    if sizes["bench_images"] is not None:
        argv += ["--images", str(sizes["bench_images"])]
    if device.type == "cuda":
        argv += ["--cudnn-benchmark"]
    started = time.perf_counter()
    figures = bench_resnet9.main(argv)
    figures["stage_seconds"] = round(time.perf_counter() - started, 2)
    return figures


def stage_training(device: Any, sizes: dict[str, Any]) -> tuple[dict[str, Any], Any, Any]:
    import numpy as np
    import torch

    from ascent_fails.nn_experiments import memory
    from ascent_fails.nn_experiments.engine import EngineOptions
    from ascent_fails.nn_experiments.ensemble import concat_ensembles
    from ascent_fails.nn_experiments.inputs import DataSettings, load_data, model_plan
    from ascent_fails.nn_experiments.training import train_ensemble

    settings = DataSettings(dataset="digits", device=str(device), arch="resnet9", n_models=max(2, sizes["n_models"]),
                            epochs=sizes["epochs"])
    _, arch, recipe = model_plan(settings)
    data = load_data(settings)
    n = sizes["images"] or data.n_train
    n_val = sizes["val_images"] or len(data.val_y)
    x, y = data.train_x[:n], data.train_y[:n]
    val_x, val_y = data.val_x[:n_val], np.array(data.val_y[:n_val])
    n_models = sizes["n_models"]
    footprint = memory.training_footprint(arch, tuple(data.input_shape), data.num_classes)
    budget = memory.memory_budget(device)
    data_bytes = 4 * int(x.size)
    chunk = memory.training_chunk_size(footprint, recipe.batch_size, budget, data_bytes=data_bytes, maximum=n_models)
    options = EngineOptions(models_per_pass="auto", channels_last=device.type == "cuda",
                            cudnn_benchmark=device.type == "cuda")
    _peak_reset(device)
    started = time.perf_counter()
    parts, choices = [], []
    for first in range(0, n_models, chunk):
        count = min(chunk, n_models - first)
        result = train_ensemble(arch, x, y, recipe, n_models=count, seed=0, first_model=first, num_classes=data.num_classes,
                                device=device, progress=False, engine=options)
        parts.append(result.ensemble)
        choices.append(result.engine)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - started
    peak, source = _peak_bytes(device)
    ensemble = parts[0] if len(parts) == 1 else concat_ensembles(parts)
    logits = ensemble.logits(val_x)
    accuracy = (logits.argmax(-1).cpu() == torch.as_tensor(val_y)).float().mean(1)  # [N]
    figures = {
        "n_models": n_models, "images": n, "epochs": recipe.epochs, "batch": recipe.batch_size, "lr": recipe.lr,
        "mixed_precision": recipe.mixed_precision and device.type == "cuda", "data": data.name,
        "chunk": chunk, "chunks": len(parts), "models_per_pass": choices[0].models_per_pass,
        "models_per_pass_reason": choices[0].reason,
        "seconds": round(seconds, 3), "model_images_per_s": round(n_models * n * recipe.epochs / seconds, 2),
        "peak_memory_bytes": peak, "peak_memory_source": source,
        "predicted_peak_bytes": memory.training_peak_bytes(chunk, recipe.batch_size, footprint) + data_bytes,
        "memory_budget_bytes": budget,
        "val_accuracy_mean": round(float(accuracy.mean()), 4), "val_accuracy_min": round(float(accuracy.min()), 4),
    }
    return figures, ensemble, (x, y, val_x, val_y)


def stage_klom(device: Any, ensemble: Any, data: Any) -> dict[str, Any]:
    import numpy as np
    import torch

    from ascent_fails.nn_experiments.klom import klom
    from ascent_fails.nn_experiments.margins import margins
    from ascent_fails.nn_experiments.optimizer import make_optimizer
    from ascent_fails.nn_experiments.sgd_pass import sgd_pass

    train_x, train_y, val_x, val_y = data  # the points the ensemble trained on, and validation points
    points_x = np.concatenate([train_x, val_x])
    points_y = np.concatenate([train_y, val_y])
    _peak_reset(device)
    started = time.perf_counter()
    before = margins(ensemble, points_x, points_y)
    evaluation_seconds = time.perf_counter() - started
    unlearned = ensemble.clone()
    forget = torch.arange(10)  # one ascent epoch on 10 training points (lr 1e-3, batch 64): GA's first epoch
    sgd_pass(unlearned, make_optimizer(unlearned, lr=1e-3), torch.tensor(train_x).to(device),
             torch.tensor(train_y).to(device), forget, batch_size=64, sign=-1)
    after = margins(unlearned, points_x, points_y)
    klom_started = time.perf_counter()
    scores = klom(before.numpy(), after.numpy())
    klom_seconds = time.perf_counter() - klom_started
    peak, source = _peak_bytes(device)
    return {
        "n_models": ensemble.n_models, "points": int(points_x.shape[0]),
        "margins_seconds": round(evaluation_seconds, 4),
        "eval_model_images_per_s": round(ensemble.n_models * points_x.shape[0] / evaluation_seconds, 2),
        "klom_seconds": round(klom_seconds, 4), "total_seconds": round(time.perf_counter() - started, 4),
        "klom_p95_forget": float(np.percentile(scores[:10], 95)), "klom_p95_all": float(np.percentile(scores, 95)),
        "peak_memory_bytes": peak, "peak_memory_source": source,
    }


def forget_set_sizes() -> list[int]:
    """|F| of the paper's nine CIFAR-10 forget sets (the benchmark's files shipped with the package)."""
    from ascent_fails.nn_experiments.benchmark_forget_sets import cifar10_default_forget_sets

    return [fs.size for fs in cifar10_default_forget_sets()]


def extrapolate(train_rate: float, unlearn_rate: float, eval_rate: float) -> dict[str, Any]:
    """Seconds of the paper's protocol at the measured model-images/s (training, unlearning, evaluation)."""
    from importlib import resources

    from ascent_fails.nn_experiments.sweep import Sweep

    sweep = Sweep.from_toml(resources.files("ascent_fails.nn_experiments").joinpath("default_sweep.toml").read_text())
    grids = {g.method: g for g in sweep.methods}
    sizes = forget_set_sizes()
    n, n_train, n_val, epochs = PAPER["n_models"], PAPER["n_train"], PAPER["n_val"], PAPER["epochs"]
    trained_models = n + PAPER["oracle_sets"] * n
    train_images = trained_models * epochs * n_train
    lines = [f"training: ({n} pretrained + {PAPER['oracle_sets']} x {n} oracles) x {epochs} epochs x {n_train} "
             f"images = {train_images:.4g} model-images / {train_rate:.4g} per s = {train_images / train_rate:.4g} s"]
    unlearn_images = 0.0
    snapshots = 0
    for method in ("ga", "gda", "scrub"):
        grid = grids[method]
        last = max(grid.snapshot_epochs)
        per_set = 0.0
        for config in grid.runs():
            ascent = getattr(config, "ascent_epochs", None) or last  # GA ascends in every epoch
            for size in sizes:
                descent = 0 if method == "ga" else last * (n_train - size)
                teacher = descent / 3 if method == "scrub" else 0  # SCRUB's teacher: a forward pass per step
                per_set += n * (min(ascent, last) * size + descent + teacher)
        runs = len(grid.runs())
        snapshots += runs * len(grid.snapshot_epochs) * len(sizes)
        unlearn_images += per_set
        lines.append(f"{method}: {runs} runs x {len(sizes)} sets, {last} epochs, ascent on |F| in {sizes}"
                     + ("" if method == "ga" else ", descent on |R| = 50000 - |F| every epoch")
                     + (" + 1/3 for the teacher's forward" if method == "scrub" else "")
                     + f", x {n} models = {per_set:.4g} model-images")
    unlearn_seconds = unlearn_images / unlearn_rate
    lines.append(f"unlearning total {unlearn_images:.4g} model-images / {unlearn_rate:.4g} per s "
                 f"(batch 64) = {unlearn_seconds:.4g} s")
    eval_images = snapshots * n * (n_train + n_val)
    eval_seconds = eval_images / eval_rate
    lines.append(f"scoring: {snapshots} snapshots x {n} models x {n_train + n_val} points = {eval_images:.4g} "
                 f"forward model-images / {eval_rate:.4g} per s = {eval_seconds:.4g} s")
    total = train_images / train_rate + unlearn_seconds + eval_seconds
    lines.append(f"total {total:.4g} s = {total / 3600:.3g} h")
    return {"training_seconds": train_images / train_rate, "unlearning_seconds": unlearn_seconds,
            "scoring_seconds": eval_seconds, "total_seconds": total, "total_hours": total / 3600,
            "forget_set_sizes": sizes, "arithmetic": lines,
            "assumptions": "throughputs measured on the 32x32x3 stand-in (training at the stand-in's batch 128, "
                           "unlearning at batch 64 from the bench's best engine configuration, scoring from the "
                           "margins pass); CIFAR-10 images have the same shape, so the per-image cost is the same; "
                           "the independent oracles of the noise floor and the baselines are not counted"}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="CPU, tiny sizes: the same code path in seconds")
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("OUT") or "device_check_out"),
                        help="output folder (default $OUT, else ./device_check_out)")
    parser.add_argument("--device", default=None, help="default: cuda, or cpu with --dry-run")
    args = parser.parse_args(argv)
    import_checkout()
    import torch

    from ascent_fails.nn_experiments.models import resolve_device
    from ascent_fails.provenance import provenance

    device_name = args.device or ("cpu" if args.dry_run else "cuda")
    try:
        device = resolve_device(device_name)
    except ValueError as error:
        parser.error(f"--device: {error}")
    sizes = SIZES["dry" if args.dry_run else "device"]
    if args.dry_run:
        torch.set_num_threads(1)  # CI machines are small and shared: one thread is the steadiest
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    report = Report(args.out / "device_check.json", {
        "dry_run": args.dry_run, "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "sizes": sizes, "provenance": provenance(device)})
    bench = stage_bench(device, sizes)
    report.add("bench", bench)
    training, ensemble, data = stage_training(device, sizes)
    report.add("training", training)
    klom_figures = stage_klom(device, ensemble, data)
    report.add("klom", klom_figures)
    unlearn_rate = max(v for k, v in bench.items() if k.startswith("engine_k") and k.endswith("_model_images_per_s"))
    report.add("extrapolation", extrapolate(training["model_images_per_s"], unlearn_rate,
                                            klom_figures["eval_model_images_per_s"]))
    report.add("seconds", round(time.perf_counter() - started, 2))
    print(json.dumps({"device": str(device), "training_model_images_per_s": training["model_images_per_s"],
                      "peak_memory_bytes": training["peak_memory_bytes"],
                      "paper_protocol_hours": round(report.data["extrapolation"]["total_hours"], 3),
                      "seconds": report.data["seconds"], "report": str(args.out / "device_check.json")}))
    return report.data


if __name__ == "__main__":
    main()
