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
