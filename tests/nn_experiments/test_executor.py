"""nn_experiments.executor without Ray: the local executor, the choice of executor, and Ray missing."""

from __future__ import annotations

import sys

import pytest

from ascent_fails.nn_experiments.executor import LocalExecutor, RayExecutor, RayMissing, Task, make_executor
from ascent_fails.proofs_check.cli import main as cli_main


def test_local_executor_runs_tasks_in_order_in_this_process():
    seen = []
    assert LocalExecutor().map([Task(seen.append, (i,)) for i in range(3)]) == [None] * 3 and seen == [0, 1, 2]
    assert isinstance(make_executor("local"), LocalExecutor)
    with pytest.raises(ValueError, match="executor"):
        make_executor("dask")
    with pytest.raises(ValueError, match="ray_address"):
        make_executor("local", "auto")


def test_ray_missing_is_a_clear_message_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` meets when Ray is not installed
    with pytest.raises(RayMissing, match=r"pip install 'ascent-fails\[ray\]'"):
        RayExecutor()
    argv = ["nn", "run", "--out", str(tmp_path / "run"), "--n-models", "2", "--executor", "ray", "--no-progress"]
    assert cli_main(argv) == 2
    err = capsys.readouterr().err
    assert "--executor" in err and "Ray, which is not installed" in err and "Traceback" not in err
    assert not (tmp_path / "run" / "results.json").exists()


def test_ray_address_needs_the_ray_executor(tmp_path, capsys):
    assert cli_main(["nn", "run", "--out", str(tmp_path / "run"), "--ray-address", "auto", "--no-progress"]) == 2
    assert "--ray-address" in capsys.readouterr().err
