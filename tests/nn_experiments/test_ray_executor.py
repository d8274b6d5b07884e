"""--executor ray on a local Ray instance: the same artefacts and KLoM values as the local executor.

One Ray session (2 CPUs, no dashboard) for the module. The sweep of test_recovery (digits, N = 2, one forget
set, 3-epoch recipe) runs once with the local executor and once with Ray in another directory, where every
datamodel chunk, ensemble chunk and unlearning unit is a Ray task in its own worker process; the results must
be equal value for value (the seeds come from the configuration, not from where a task runs; both use one
torch thread per process). A local rerun in the Ray run's directory then finds everything done. The tasks
of that run, and three toy tasks, are watched on their way to Ray: they run in worker processes (not this
one), and every array or object travels once, by object reference, never inline in a task.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest

ray = pytest.importorskip("ray")  # an optional dependency; installed with .[all], so CI runs this module

from ascent_fails.nn_experiments import recipe  # noqa: E402
from ascent_fails.nn_experiments.executor import _INLINE, LocalExecutor, RayExecutor, Task  # noqa: E402
from ascent_fails.nn_experiments.inputs import prepare_inputs  # noqa: E402
from ascent_fails.nn_experiments.runner import run_sweep  # noqa: E402
from tests.nn_experiments.test_recovery import SETTINGS, SWEEP, comparable  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ray_session():
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as every Ray worker (one CPU per task)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(recipe, "DIGITS_RECIPE", dataclasses.replace(recipe.DIGITS_RECIPE, epochs=3))
        yield RayExecutor()
    ray.shutdown()
    torch.set_num_threads(threads)


def sweep(out, executor=None):
    inputs = prepare_inputs(SETTINGS, out / "cache", progress=False, executor=executor)
    return run_sweep(SWEEP, inputs, out, progress=False, executor=executor)


class SubmissionSpy:
    """Stands in for ``RayExecutor._remote``: records the arguments of every submitted task, then submits it."""

    def __init__(self, remote):
        self.remote, self.calls = remote, []

    def options(self, **options):
        submit = self.remote.options(**options)
        calls = self.calls

        class Submit:
            def remote(self, *args):
                calls.append(args)
                return submit.remote(*args)

        return Submit()


def inline_objects(calls):
    """Arguments of the recorded submissions that travel inline although they are not plain scalars/strings."""
    return [type(a).__name__ for args in calls for a in args if not isinstance(a, (ray.ObjectRef, *_INLINE))]


def test_ray_and_local_executors_give_the_same_results_and_resume_each_other(ray_session, tmp_path, monkeypatch):
    spy = SubmissionSpy(ray_session._remote)
    monkeypatch.setattr(ray_session, "_remote", spy)
    on_ray = sweep(tmp_path / "ray", ray_session)
    # the datamodel chunks, ensemble chunks and units took their data (training set, Dataset, masks) by reference
    assert len(spy.calls) >= SWEEP.n_configurations() + 3 and inline_objects(spy.calls) == []
    monkeypatch.undo()
    assert on_ray["timings"]["units_computed_now"] == SWEEP.n_configurations()
    local = sweep(tmp_path / "local")
    assert comparable(on_ray) == comparable(local)
    assert [r["klom_p95"] for r in on_ray["runs"]] == [r["klom_p95"] for r in local["runs"]]  # to the last bit
    # the local executor resumes the Ray run's directory: every unit and ensemble is found, nothing recomputed
    resumed = sweep(tmp_path / "ray")
    assert resumed["timings"]["units_computed_now"] == 0 and comparable(resumed) == comparable(local)
    # and Ray resumes the local run's directory the same way
    resumed_on_ray = sweep(tmp_path / "local", ray_session)
    assert resumed_on_ray["timings"]["units_computed_now"] == 0 and comparable(resumed_on_ray) == comparable(local)
    trained_by_ray = sorted(p.name for p in (tmp_path / "ray" / "cache" / "ensembles").glob("*/models_*.pt"))
    assert len(trained_by_ray) == 3  # pretrained, oracles, independent oracles: one chunk each, by Ray tasks


def where(x, tag):
    """A toy unit: the process it runs in and what it received."""
    return os.getpid(), tag, x.nbytes, float(x.sum())


def test_tasks_run_in_worker_processes_and_take_shared_data_by_reference(ray_session, monkeypatch):
    x = np.arange(1_000_000, dtype=np.float64)  # 8 MB, shared by the three tasks (as the training set is)
    tasks = [Task(where, (x, f"t{i}")) for i in range(3)]
    spy = SubmissionSpy(ray_session._remote)
    monkeypatch.setattr(ray_session, "_remote", spy)
    results = ray_session.map(tasks, progress=False)
    assert [r[1:] for r in results] == [(f"t{i}", x.nbytes, float(x.sum())) for i in range(3)]  # intact, in order
    assert os.getpid() not in {r[0] for r in results}  # the work ran in Ray's worker processes
    # each submission: (function, threads, x, tag); x is one object reference shared by all three, tag inline
    assert [len(args) for args in spy.calls] == [4] * 3 and inline_objects(spy.calls) == []
    assert all(isinstance(args[2], ray.ObjectRef) and args[2] is spy.calls[0][2] for args in spy.calls)
    assert [args[3] for args in spy.calls] == ["t0", "t1", "t2"]
    # control: the same tasks run by the local executor report this process, so the pid check above can fail
    assert {r[0] for r in LocalExecutor().map(tasks)} == {os.getpid()}


def test_a_failing_task_raises_its_own_exception(ray_session):
    from ascent_fails.nn_experiments.executor import Task

    with pytest.raises(ValueError, match="n_models"):
        ray_session.map([Task(_bad_task)], progress=False)


def _bad_task():
    from ascent_fails.validate import require_positive_int

    require_positive_int("n_models", 0)
