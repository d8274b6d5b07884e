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


@pytest.mark.parametrize("address, says", [("nonsense", "HOST:PORT"), ("127.0.0.1:99999", "HOST:PORT"),
                                           ("127.0.0.1:1", "no Ray head answers")])
def test_a_bad_or_unreachable_ray_address_is_named_before_anything_runs(tmp_path, capsys, address, says):
    # Ray itself retries an unreachable head for minutes; the run must stop at once, exit 2, create nothing
    pytest.importorskip("ray")
    out = tmp_path / "run"
    assert cli_main(["nn", "run", "--out", str(out), "--executor", "ray", "--ray-address", address,
                     "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--ray-address" in err and says in err and not out.exists()


def test_a_listening_address_passes_the_reachability_check():
    # control: the check accepts a port that does answer (a plain listening socket stands in for a Ray head)
    import socket

    from ascent_fails.nn_experiments.run_command import _check_reachable

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        _check_reachable(f"127.0.0.1:{server.getsockname()[1]}")
        _check_reachable(f"ray://127.0.0.1:{server.getsockname()[1]}")


def test_by_reference_puts_each_distinct_object_once_and_keeps_scalars_inline():
    # what RayExecutor submits: (fn, *args), every non-scalar replaced by the reference ray.put gives for it
    import numpy as np

    from ascent_fails.nn_experiments.executor import by_reference

    x, masks = np.zeros(1000), np.ones((2, 3), dtype=bool)
    put_calls = []

    def put(obj):
        put_calls.append(obj)
        return f"ref{len(put_calls)}"

    tasks = [Task(np.sum, (x, masks, 0, "a")), Task(np.sum, (x, masks.copy(), 1, "b"))]
    assert by_reference(tasks, put) == [("ref1", "ref2", "ref3", 0, "a"), ("ref1", "ref2", "ref4", 1, "b")]
    assert put_calls[0] is np.sum and put_calls[1] is x and put_calls[2] is masks  # x shared: put once
    # control: objects that are equal but distinct are put separately (identity, not equality, decides)
    assert put_calls[3] is not masks and np.array_equal(put_calls[3], masks) and len(put_calls) == 4
