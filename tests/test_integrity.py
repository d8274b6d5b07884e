"""ascent_fails.integrity: manifest records (size, SHA-256), verification before load, quarantine."""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from ascent_fails import integrity
from ascent_fails.integrity import QUARANTINE_MARK, check, load_verified, record_path, write_artefact


def test_a_written_artefact_verifies_and_loads(tmp_path):
    path = write_artefact(tmp_path / "a.bin", lambda f: f.write(b"payload"))
    record = json.loads(record_path(path).read_text())
    assert record["size"] == 7 and len(record["sha256"]) == 64
    assert check(path) is None and load_verified(path, lambda p: p.read_bytes()) == b"payload"
    assert load_verified(tmp_path / "missing.bin", lambda p: p.read_bytes()) is None  # absent: nothing to move


def test_a_file_without_a_record_is_not_trusted(tmp_path, capsys):
    (tmp_path / "foreign.json").write_text("{}")
    assert load_verified(tmp_path / "foreign.json", lambda p: p.read_text()) is None
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "foreign.json" in err[0] and "no manifest record" in err[0]
    assert [p.name.split(QUARANTINE_MARK)[0] for p in tmp_path.iterdir() if p.is_file()] == ["foreign.json"]


def test_a_file_that_verifies_but_does_not_load_is_moved_aside(tmp_path, capsys):
    path = write_artefact(tmp_path / "unit.json", lambda f: f.write(b"[1, 2]"))

    def load(p):
        raise KeyError("rows")

    assert load_verified(path, load) is None and not path.exists()
    moved = list(tmp_path.glob("unit.json" + QUARANTINE_MARK + "*"))
    assert len(moved) == 1 and moved[0].read_bytes() == b"[1, 2]"  # kept, not deleted
    assert len(list((tmp_path / integrity.MANIFEST_DIR).glob("unit.json.json" + QUARANTINE_MARK + "*"))) == 1
    assert "does not load (KeyError" in capsys.readouterr().err


@settings(max_examples=60)  # each example writes and fsyncs two files; 60 positions × values make the point
@given(content=st.binary(min_size=1, max_size=300), where=st.floats(0, 1, exclude_max=True),
       flip=st.integers(1, 255))
def test_every_single_byte_change_is_detected(tmp_path_factory, content, where, flip):
    """Expected violation rate 0: a change of any one byte, to any other value, fails the check."""
    path = write_artefact(tmp_path_factory.getbasetemp() / "single_byte" / "x.bin", lambda f: f.write(content))
    position = int(where * len(content))
    path.write_bytes(content[:position] + bytes([content[position] ^ flip]) + content[position + 1:])
    assert check(path) is not None


def test_negative_control_a_size_only_record_misses_same_size_edits(tmp_path):
    """Expected violation rate 1: the same edit passes a check of the size alone, so the hash is what catches it."""
    path = write_artefact(tmp_path / "x.json", lambda f: f.write(b'{"klom": 1.25}'))
    path.write_bytes(b'{"klom": 1.26}')
    assert integrity.digest(path)["size"] == json.loads(record_path(path).read_text())["size"]
    assert "SHA-256" in check(path)


def test_a_file_another_process_moved_aside_first_is_not_an_error(tmp_path, capsys):
    # two runs of one configuration may both find the same damaged file; the second move must not crash
    from ascent_fails.integrity import quarantine

    gone = tmp_path / "a.json"
    assert quarantine(gone, "damaged") == gone
    assert list(tmp_path.iterdir()) == [] and capsys.readouterr().err == ""
