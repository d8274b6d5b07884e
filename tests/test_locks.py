"""ascent_fails.locks: one computation per artefact across threads and processes; one configuration per --out."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from ascent_fails.cli_errors import UsageError
from ascent_fails.locks import CONFIG_FILE, claim_output, compute_once, live_holders


def test_concurrent_callers_compute_an_artefact_once(tmp_path):
    path = tmp_path / "entry.txt"
    calls, values = [], []

    def load(p):
        return p.read_text() if p.exists() else None

    def make():
        calls.append(threading.get_ident())
        time.sleep(0.3)  # long enough for the other caller to arrive while the lock is held
        path.write_text("value")
        return "value"

    workers = [threading.Thread(target=lambda: values.append(compute_once(path, load, make, note=False)))
               for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(calls) == 1 and values == ["value"] * 3


def test_negative_control_without_the_lock_both_compute(tmp_path):
    """Expected violation rate 1: the same callers with a load-then-make that takes no lock both compute."""
    path, calls = tmp_path / "entry.txt", []

    def unlocked():
        if not path.exists():
            calls.append(1)
            time.sleep(0.3)
            path.write_text("value")

    workers = [threading.Thread(target=unlocked) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(calls) == 2


HOLDER = textwrap.dedent("""
    import sys, time
    from ascent_fails.locks import claim_output
    with claim_output(sys.argv[1], "config-A", "sweep A"):
        print("claimed", flush=True)
        time.sleep(60)
""")


def test_another_configuration_is_refused_naming_the_live_holder_then_needs_force(tmp_path):
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "claimed"
        with pytest.raises(UsageError, match=rf"--out: .*in use by process {child.pid} on .*sweep A"):
            with claim_output(out, "config-B", "sweep B", force=True):  # --force never overrides a live run
                pass
        with claim_output(out, "config-A", "sweep A"):  # the same configuration shares the directory
            assert {h["pid"] for h in live_holders(out)} == {child.pid, os.getpid()}
    finally:
        child.kill()
        child.wait()
    assert live_holders(out) == []  # the killed holder's lock is gone with it: its registration is stale
    with pytest.raises(UsageError, match="holds the results of another configuration .*sweep A.*--force"):
        with claim_output(out, "config-B", "sweep B"):
            pass
    with claim_output(out, "config-B", "sweep B", force=True):
        pass
    assert '"config-B"' in (out / CONFIG_FILE).read_text()


def test_a_nested_claim_of_the_same_configuration_shares_the_outer_one(tmp_path):
    # nn run holds --out for the whole command and the sweep runner claims it again inside: no deadlock, and
    # the directory stays held until the outermost block ends (a --force run of another configuration cannot
    # slip in between the sweep's results and the figures)
    out = tmp_path / "out"
    with claim_output(out, "config-A", "sweep A"):
        with claim_output(out, "config-A", "sweep A"):
            assert [h["pid"] for h in live_holders(out)] == [os.getpid()]
        assert [h["pid"] for h in live_holders(out)] == [os.getpid()]  # still held after the inner block
        forced = subprocess.run([sys.executable, "-c", FORCED, str(out)], capture_output=True, text=True, timeout=60)
        assert forced.stdout.startswith(f"refused: --out: {str(out)!r} is in use by process {os.getpid()}")
        with pytest.raises(UsageError, match="in use by this process for another configuration"):
            with claim_output(out, "config-B", "sweep B", force=True):
                pass
    assert live_holders(out) == []  # control: the same probe does see the directory free once released


FORCED = textwrap.dedent("""
    import sys
    from ascent_fails.cli_errors import UsageError
    from ascent_fails.locks import claim_output
    try:
        with claim_output(sys.argv[1], "config-B", "sweep B", force=True):
            print("claimed")
    except UsageError as exc:
        print("refused:", exc)
""")


def test_check_output_refuses_as_the_claim_would_without_claiming(tmp_path):
    from ascent_fails.locks import check_output

    out = tmp_path / "out"
    check_output(out, "config-A")  # a directory that does not exist yet is free, and stays uncreated
    assert not out.exists()
    with claim_output(out, "config-A", "sweep A"):
        check_output(out, "config-A")  # this process holds it for this configuration
        with pytest.raises(UsageError, match="in use by this process"):
            check_output(out, "config-B", force=True)
    with pytest.raises(UsageError, match="--out: .*holds the results of another configuration .*sweep A"):
        check_output(out, "config-B")
    check_output(out, "config-B", force=True)  # allowed with force, and nothing was registered or recorded
    assert '"config-A"' in (out / CONFIG_FILE).read_text() and live_holders(out) == []
