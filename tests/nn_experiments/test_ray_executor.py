"""--executor ray on a local Ray instance: the same artefacts and KLoM values as the local executor.

One Ray session (2 CPUs, no dashboard) for the module. The sweep of test_recovery (digits, N = 2, one forget
set, 3-epoch recipe) runs once with the local executor and once with Ray in another directory, where every
datamodel chunk, ensemble chunk and unlearning unit is a Ray task in its own worker process; the results must
be equal value for value (the seeds come from the configuration, not from where a task runs; both use one
torch thread per process). A local rerun in the Ray run's directory then finds everything done.
"""

from __future__ import annotations

import dataclasses

import pytest

ray = pytest.importorskip("ray")  # an optional dependency; installed with .[all], so CI runs this module

from ascent_fails.nn_experiments import recipe  # noqa: E402
from ascent_fails.nn_experiments.executor import RayExecutor  # noqa: E402
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


def test_ray_and_local_executors_give_the_same_results_and_resume_each_other(ray_session, tmp_path):
    on_ray = sweep(tmp_path / "ray", ray_session)
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


def test_a_failing_task_raises_its_own_exception(ray_session):
    from ascent_fails.nn_experiments.executor import Task

    with pytest.raises(ValueError, match="n_models"):
        ray_session.map([Task(_bad_task)], progress=False)


def _bad_task():
    from ascent_fails.validate import require_positive_int

    require_positive_int("n_models", 0)
