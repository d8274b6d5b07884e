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


def test_a_write_stays_locked_until_it_has_its_final_name(tmp_path):
    # another run's cleanup during the last step of a write (the manifest hashes the finished temp file there)
    # must not take the temp file: before the fix the lock ended with the file object, and this write crashed
    removed = []

    def cleanup_meanwhile(temp):
        assert temp.exists()
        removed.extend(remove_orphans(tmp_path, older_than=time.time() + 60))

    atomic_write_bytes(tmp_path / "a.bin", lambda f: f.write(b"data"), before_replace=cleanup_meanwhile)
    assert removed == [] and (tmp_path / "a.bin").read_bytes() == b"data"


def test_negative_control_an_unlocked_temp_file_is_taken(tmp_path):
    # the same cleanup does remove a temp file nobody holds: the test above can fail
    orphan = tmp_path / ".a.bin.abcd1234.tmp"
    orphan.write_bytes(b"half")
    assert remove_orphans(tmp_path, older_than=time.time() + 60) == [orphan] and not orphan.exists()
