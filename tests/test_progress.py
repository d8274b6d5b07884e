"""Progress reporting (ascent_fails.progress): readable logs, silent library calls, bars only on a terminal."""

from __future__ import annotations

import io

from ascent_fails.progress import announce, interactive, stage


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_a_header_and_one_summary_line_without_carriage_returns():
    log = io.StringIO()
    with stage("train 3 models", total=3, unit="model", stream=log) as bar:
        for _ in range(3):
            bar.update(1)
        bar.note("a note inside the stage")
    lines = log.getvalue().splitlines()
    assert lines[0] == "== train 3 models"
    assert lines[1] == "   a note inside the stage"
    assert lines[2].startswith("   done: 3 model in ") and lines[2].endswith(" s")
    assert len(lines) == 3 and "\r" not in log.getvalue()


def test_a_resumed_stage_says_what_was_already_done():
    log = io.StringIO()
    with stage("runs", total=5, unit="run", stream=log, initial=3) as bar:
        bar.update(2)
    assert log.getvalue().splitlines()[-1].endswith("(3 already done)")
    assert "done: 2 run" in log.getvalue(), "the count is this run's work, not the resumed total"


def test_a_silenced_stage_prints_nothing_not_even_its_notes():
    log = io.StringIO()
    with stage("quiet", total=2, stream=log, enabled=False) as bar:
        bar.update(2)
        bar.note("must not appear")
    assert log.getvalue() == ""
    assert bar.count == 2, "a silenced stage still counts"


def test_a_terminal_gets_a_live_bar_and_notes_above_it():
    term = _Terminal()
    assert interactive(term) and not interactive(io.StringIO())
    with stage("train", total=2, unit="model", stream=term) as bar:
        bar.note("above the bar")
        bar.update(2)
    text = term.getvalue()
    assert text.startswith("== train\n") and "above the bar" in text
    assert "\r" in text, "a terminal gets a tqdm bar (carriage returns)"
    assert text.rstrip().splitlines()[-1].lstrip("\r ").startswith("done: 2 model")


def test_announce_is_a_header_and_its_outcome_or_nothing():
    log = io.StringIO()
    announce("datamodel matrix", "read from the cache", stream=log)
    announce("silenced", "nothing", stream=log, enabled=False)
    assert log.getvalue() == "== datamodel matrix\n   done: read from the cache\n"
