"""ascent_fails.atomic_io: temporary files of killed writes are removed, live writes and other files are not."""

from __future__ import annotations

import os
import time

from ascent_fails.atomic_io import TEMP_PATTERN, atomic_write_bytes, remove_orphans


def test_orphans_are_removed_but_not_live_writes_new_files_or_other_names(tmp_path):
    (tmp_path / "sub").mkdir()
    orphan = tmp_path / "sub" / ".models_00000_00049.pt.a1b2c3d4.tmp"
    orphan.write_bytes(b"x" * 12_000)  # what a kill -9 mid-write leaves
    old = time.time() - 60
    os.utime(orphan, (old, old))
    other = tmp_path / ".hidden.tmp"  # not the pattern of atomic_io's temporary files
    other.write_text("keep")
    os.utime(other, (old, old))
    seen = {}

    def write(file):  # while this write is in progress, a clean-up started now must not touch it
        live = next(p for p in tmp_path.glob(".result.json.*.tmp"))
        seen["live"] = live
        os.utime(live, (old, old))
        seen["removed"] = remove_orphans(tmp_path, older_than=time.time(), recursive=True)
        file.write(b"{}")

    atomic_write_bytes(tmp_path / "result.json", write)
    assert seen["removed"] == [orphan] and TEMP_PATTERN.match(orphan.name) and TEMP_PATTERN.match(seen["live"].name)
    assert (tmp_path / "result.json").read_bytes() == b"{}" and other.exists()


def test_files_newer_than_the_run_are_kept(tmp_path):
    fresh = tmp_path / ".a.json.zzzz9999.tmp"
    fresh.write_text("another run's write, just started")
    assert remove_orphans(tmp_path, older_than=time.time() - 60) == [] and fresh.exists()
    assert remove_orphans(tmp_path) == [fresh]  # without the age test it is an orphan (not locked)
