"""Two runs of one sweep on the same --out at the same time: nothing is computed twice, nothing is lost.

Two processes (spawned, so each has its own interpreter, as two shell commands would) wait at a barrier,
then both prepare the inputs (datamodels, ensembles) and run the same sweep into the same directory. Every
atomic write of each process is logged (``os.replace`` of a temporary file onto its final name). The test
checks that every stored artefact (datamodel chunk and matrix, ensemble chunks, margins, units, noise floor)
was written by exactly one of the two, that both finished with the complete results, and that these equal
the results of a single run in a fresh directory.

Negative control: the same barrier, write log and detection (:func:`written_twice`) on a toy artefact that two
processes either load-if-it-exists-else-compute-and-write without a lock (the detection must see it written
twice) or get through :func:`ascent_fails.locks.compute_once` (written once).
"""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from ascent_fails.atomic_io import TEMP_PATTERN

#: written by both on purpose: top-level outputs and descriptions (identical content), registrations, records
SHARED_NAMES = {"results.json", "run-config.json", "spec.json", "config.json"}


def _log_atomic_writes() -> list[str]:
    """From now on, every atomic write of this process (a temp file replaced onto its name) appends the name."""
    import os

    real_replace, writes = os.replace, []

    def logging_replace(source, target, *args, **kwargs):
        if TEMP_PATTERN.match(Path(source).name):
            writes.append(str(target))
        return real_replace(source, target, *args, **kwargs)

    os.replace = logging_replace
    return writes


def artefacts(*logs: dict) -> list[str]:
    """The stored artefacts the logged processes wrote (shared names and hidden files, e.g. manifests, aside)."""
    return [w for entry in logs for w in entry["writes"] if Path(w).name not in SHARED_NAMES and "/." not in w]


def written_twice(*logs: dict) -> list[str]:
    """The stored artefacts that the logged processes wrote more than once (together)."""
    written = artefacts(*logs)
    return sorted({w for w in written if written.count(w) > 1})


def _run(out: str, barrier, log: str) -> None:
    """One run (in a child process): log every atomic write, then run the sweep of test_recovery."""
    import dataclasses

    import torch

    from ascent_fails.nn_experiments import recipe

    torch.set_num_threads(1)
    recipe.DIGITS_RECIPE = dataclasses.replace(recipe.DIGITS_RECIPE, epochs=3)  # as test_recovery: files, not fit
    writes = _log_atomic_writes()
    from tests.nn_experiments.test_recovery import comparable, run

    if barrier is not None:
        barrier.wait(timeout=120)
    results = run(Path(out))
    Path(log).write_text(json.dumps({"writes": writes, "computed": results["timings"]["units_computed_now"],
                                     "results": comparable(json.loads(json.dumps(results)))}))


@pytest.mark.slow
def test_two_runs_on_one_out_share_the_work(tmp_path):
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    out = tmp_path / "shared"
    logs = [tmp_path / f"log{i}.json" for i in range(2)]
    processes = [context.Process(target=_run, args=(str(out), barrier, str(log))) for log in logs]
    # and a single run in a directory of its own, for reference
    processes.append(context.Process(target=_run, args=(str(tmp_path / "alone"), None, str(tmp_path / "alone.json"))))
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
    assert [p.exitcode for p in processes] == [0, 0, 0]
    first, second = (json.loads(log.read_text()) for log in logs)

    twice = written_twice(first, second)
    assert twice == [], f"computed by both runs: {twice}"
    written = artefacts(first, second)
    units = [w for w in written if "/units/" in w and not w.endswith("floor.json")]
    assert first["computed"] + second["computed"] == len(units) == 2  # every unit once, by one of the two
    assert any(Path(w).name.startswith("models_") for w in written)  # the ensembles were trained in this test

    # nothing lost: results.json holds every unit, and both runs and results.json equal a single run's
    from tests.nn_experiments.test_recovery import SWEEP, comparable

    final = json.loads((out / "results.json").read_text())
    alone = json.loads((tmp_path / "alone.json").read_text())["results"]
    assert len(final["runs"]) == SWEEP.n_configurations()
    assert first["results"] == second["results"] == comparable(final) == alone


def _race(target: str, barrier, log: str, locked: bool) -> None:
    """One of two processes that need the artefact ``target`` at once (after the barrier): log its writes."""
    import time

    from ascent_fails.atomic_io import atomic_write_json
    from ascent_fails.locks import compute_once

    writes = _log_atomic_writes()
    path = Path(target)

    def load(p):
        return json.loads(p.read_text()) if p.exists() else None

    def make():
        time.sleep(0.5)  # the computation: long next to the two processes' skew after the barrier (milliseconds)
        atomic_write_json(path, {"value": 1})
        return {"value": 1}

    barrier.wait(timeout=120)
    if locked:
        compute_once(path, load, make, note=False)
    elif load(path) is None:  # the naive way: look, then compute and write, with no lock between the two
        make()
    Path(log).write_text(json.dumps({"writes": writes}))


@pytest.mark.slow
def test_negative_control_the_detection_sees_a_naive_artefact_computed_twice(tmp_path):
    """Expected rate: the naive helper writes the artefact twice in every trial (both processes look before
    either has written: the barrier starts them together and the computation lasts 0.5 s); at least 1 of 3
    trials is required. compute_once in the same harness: written once in all 3 trials."""
    context = multiprocessing.get_context("spawn")
    trials = {locked: [tmp_path / f"{'locked' if locked else 'naive'}{k}" for k in range(3)] for locked in (False, True)}
    processes, barriers = [], []  # the barriers stay referenced here until the children have them
    for locked, folders in trials.items():
        for folder in folders:
            folder.mkdir()
            barriers.append(context.Barrier(2))
            processes += [context.Process(target=_race, args=(str(folder / "artefact.json"), barriers[-1],
                                                             str(folder / f"log{i}.json"), locked)) for i in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * len(processes)

    def twice(folder):
        return written_twice(*(json.loads((folder / f"log{i}.json").read_text()) for i in range(2)))

    naive = [twice(folder) for folder in trials[False]]
    assert sum(t == [str(folder / "artefact.json")] for t, folder in zip(naive, trials[False])) >= 1, naive
    assert [twice(folder) for folder in trials[True]] == [[]] * 3
    assert all((folder / "artefact.json").exists() for folders in trials.values() for folder in folders)
