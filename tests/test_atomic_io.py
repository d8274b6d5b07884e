"""ascent_fails.atomic_io: temporary files of killed writes are removed, live writes and other files are not."""

from __future__ import annotations

import os
import time

import pytest

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


class NfsFcntl:
    """``fcntl`` as NFS behaves: an exclusive ``flock`` is a POSIX write lock, refused (EBADF) on a read-only fd."""

    def __init__(self, real):
        self.real, self.LOCK_EX, self.LOCK_NB = real, real.LOCK_EX, real.LOCK_NB

    def flock(self, fd, operation):
        import errno

        if operation & self.real.LOCK_EX and self.real.fcntl(fd, self.real.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
            raise OSError(errno.EBADF, "Bad file descriptor")
        return self.real.flock(fd, operation)


def _old_orphan(folder):
    orphan = folder / ".models.pt.a1b2c3d4.tmp"
    orphan.write_bytes(b"half")
    old = time.time() - 60
    os.utime(orphan, (old, old))
    return orphan


def test_on_nfs_orphans_are_still_removed_and_live_writes_still_kept(tmp_path, monkeypatch):
    import fcntl

    from ascent_fails import atomic_io

    monkeypatch.setattr(atomic_io, "fcntl", NfsFcntl(fcntl))
    orphan = _old_orphan(tmp_path)
    removed = []

    def cleanup_meanwhile(temp):  # a live write on the same "NFS": its temp file must survive the clean-up
        os.utime(temp, (time.time() - 60,) * 2)
        removed.extend(remove_orphans(tmp_path, older_than=time.time()))

    atomic_write_bytes(tmp_path / "a.bin", lambda f: f.write(b"data"), before_replace=cleanup_meanwhile)
    assert removed == [orphan] and not orphan.exists() and (tmp_path / "a.bin").read_bytes() == b"data"


def test_negative_control_a_read_only_probe_on_nfs_never_removes_an_orphan(tmp_path, monkeypatch):
    # expected rate 1: under the simulated NFS a read-only probe always fails with EBADF (the bug the probe's
    # read-write open fixes); this shows the simulation above can make the orphan test fail
    import fcntl

    nfs = NfsFcntl(fcntl)
    fd = os.open(_old_orphan(tmp_path), os.O_RDONLY)
    try:
        with pytest.raises(OSError, match="Bad file descriptor"):
            nfs.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)


@pytest.mark.parametrize("nfs", [False, True])
def test_a_file_not_writable_by_us_is_probed_read_only_or_left_alone(tmp_path, monkeypatch, nfs):
    # another user's temp file (0644): the read-write open fails; locally the read-only probe decides, on NFS
    # (where that probe cannot lock) the file is left alone: never removed without proof it is abandoned
    import errno
    import fcntl

    from ascent_fails import atomic_io

    real_open = os.open

    def no_write_access(path, flags, *args, **kwargs):
        if flags & os.O_ACCMODE != os.O_RDONLY:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    if nfs:
        monkeypatch.setattr(atomic_io, "fcntl", NfsFcntl(fcntl))
    orphan = _old_orphan(tmp_path)
    monkeypatch.setattr(atomic_io.os, "open", no_write_access)
    removed = remove_orphans(tmp_path, older_than=time.time())
    monkeypatch.undo()
    assert removed == ([] if nfs else [orphan]) and orphan.exists() == nfs
