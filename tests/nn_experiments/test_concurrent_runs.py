"""Two runs of one sweep on the same --out at the same time: nothing is computed twice, nothing is lost.

Two processes (spawned, so each has its own interpreter, as two shell commands would) wait at a barrier,
then both prepare the inputs (datamodels, ensembles) and run the same sweep into the same directory. Every
atomic write of each process is logged (``os.replace`` of a temporary file onto its final name). The test
checks that every stored artefact (datamodel chunk and matrix, ensemble chunks, margins, units, noise floor)
was written by exactly one of the two, that both finished with the complete results, and that these equal
the results of a single run in a fresh directory.
"""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from ascent_fails.atomic_io import TEMP_PATTERN

#: written by both on purpose: top-level outputs and descriptions (identical content), registrations, records
SHARED_NAMES = {"results.json", "run-config.json", "spec.json", "config.json"}


def _run(out: str, barrier, log: str) -> None:
    """One run (in a child process): log every atomic write, then run the sweep of test_recovery."""
    import dataclasses
    import os

    import torch

    from ascent_fails.nn_experiments import recipe

    torch.set_num_threads(1)
    recipe.DIGITS_RECIPE = dataclasses.replace(recipe.DIGITS_RECIPE, epochs=3)  # as test_recovery: files, not fit
    real_replace, writes = os.replace, []

    def logging_replace(source, target, *args, **kwargs):
        if TEMP_PATTERN.match(Path(source).name):
            writes.append(str(target))
        return real_replace(source, target, *args, **kwargs)

    os.replace = logging_replace
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

    def artefacts(entry):
        return [w for w in entry["writes"] if Path(w).name not in SHARED_NAMES and "/." not in w]

    written = artefacts(first) + artefacts(second)
    twice = sorted({w for w in written if written.count(w) > 1})
    assert twice == [], f"computed by both runs: {twice}"
    units = [w for w in written if "/units/" in w and not w.endswith("floor.json")]
    assert first["computed"] + second["computed"] == len(units) == 2  # every unit once, by one of the two
    assert any(Path(w).name.startswith("models_") for w in written)  # the ensembles were trained in this test

    # nothing lost: results.json holds every unit, and both runs and results.json equal a single run's
    from tests.nn_experiments.test_recovery import SWEEP, comparable

    final = json.loads((out / "results.json").read_text())
    alone = json.loads((tmp_path / "alone.json").read_text())["results"]
    assert len(final["runs"]) == SWEEP.n_configurations()
    assert first["results"] == second["results"] == comparable(final) == alone
