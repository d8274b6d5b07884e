"""Negative and positive controls for ``--asserting-share`` (tests/asserting_share.py) and the body check.

A throw-away test module with deliberately bad property tests is run in a pytest subprocess with the plugin.
Most controls use only explicit examples (``phases=[Phase.explicit]``, x = 0 … 9), so the expected counts are
exact: a body that returns early on odd x, asserts only for even x, or ``assume``s x even executes an
assertion on exactly 5 of its 10 examples (share 50 %); a loop whose items are all skipped by ``continue``
(examples [] and [−1]) on none of its 2 (share 0 %). Two controls run generated examples (x drawn from
0 … 1000, derandomised) and only know that about half are odd: they must land in 30–70 % and below 90 %.
The good bodies (a plain ``assert``, only ``numpy.testing``, only ``pytest.raises``, an asserting helper) must
score 100 %. The session must fail because of the bad tests alone (every test in it passes), and pass with
only the good ones. The static check (tests/test_property_bodies.py) must flag the early return, the
branch-only assertion and the ``continue``, and accept the good bodies.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_property_bodies import violations

ROOT = Path(__file__).resolve().parent.parent

CONTROLS = '''
import numpy as np
import pytest
from hypothesis import Phase, assume, example, given, settings
from hypothesis import strategies as st

EXPLICIT = settings(phases=[Phase.explicit], database=None)
GENERATED = settings(max_examples=200, derandomize=True, database=None, deadline=None)


def ten_examples(test):
    for k in range(10):
        test = example(k)(test)
    return test


@EXPLICIT
@ten_examples
@given(st.integers())
def test_bad_returns_early(x):
    if x % 2:
        return
    assert x % 2 == 0


@EXPLICIT
@ten_examples
@given(st.integers())
def test_bad_asserts_only_in_a_branch(x):
    if x % 2 == 0:
        assert x >= 0


@EXPLICIT
@ten_examples
@given(st.integers())
def test_bad_assumes_half_away(x):
    assume(x % 2 == 0)
    assert x % 2 == 0


@EXPLICIT
@example([])
@example([-1])
@given(st.lists(st.integers()))
def test_bad_loops_over_nothing(xs):
    for x in xs:
        if x < 0:
            continue
        assert x >= 0


@GENERATED
@given(st.integers(0, 1000))
def test_bad_generated_returns_early(x):
    if x % 2:
        return
    assert x % 2 == 0


@GENERATED
@given(st.integers(0, 1000))
def test_bad_generated_assumes_half_away(x):
    assume(x % 2 == 0)
    assert x % 2 == 0


def check(x):
    assert x == x


@EXPLICIT
@ten_examples
@given(st.integers())
def test_good_plain_assert(x):
    assert x + 0 == x


@EXPLICIT
@ten_examples
@given(st.integers())
def test_good_numpy_assertion(x):
    np.testing.assert_allclose(float(x), float(x))


@EXPLICIT
@ten_examples
@given(st.integers())
def test_good_raises(x):
    with pytest.raises(ZeroDivisionError):
        x / 0


@EXPLICIT
@ten_examples
@given(st.integers())
def test_good_helper_asserts(x):
    check(x)


@GENERATED
@given(st.integers(0, 1000))
def test_good_generated(x):
    assert 0 <= x <= 1000
'''

_ROW = re.compile(r"::(test_\w+)\s+([\d.]+)%\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$")


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_controls=CONTROLS)
    result = pytester.runpytest_subprocess("-p", "tests.asserting_share", "-p", "no:cacheprovider", "-q", *args)
    rows = {}
    for line in result.outlines:
        if match := _ROW.search(line):
            name, share, *counts = match.groups()
            rows[name] = (float(share) / 100, *map(int, counts))
    return result, rows


def test_bad_property_tests_are_reported_below_90_percent(pytester, monkeypatch):
    result, rows = _run(pytester, monkeypatch, "--asserting-share")
    result.assert_outcomes(passed=11)  # every control passes as a test ...
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # ... and the session fails on the shares alone
    assert set(rows) == {line.split("def ")[1].split("(")[0] for line in CONTROLS.splitlines() if "def test_" in line}
    # exact, explicit examples 0 … 9: (share, asserting, silent, rejected, failed, overrun)
    assert rows["test_bad_returns_early"] == (0.5, 5, 5, 0, 0, 0)
    assert rows["test_bad_asserts_only_in_a_branch"] == (0.5, 5, 5, 0, 0, 0)
    assert rows["test_bad_assumes_half_away"] == (0.5, 5, 0, 5, 0, 0)
    assert rows["test_bad_loops_over_nothing"] == (0.0, 0, 2, 0, 0, 0)  # [] and [-1]: the assert never runs
    # generated examples: about half are odd
    for name in ("test_bad_generated_returns_early", "test_bad_generated_assumes_half_away"):
        assert 0.3 <= rows[name][0] <= 0.7, (name, rows[name])
    for name in ("test_good_plain_assert", "test_good_numpy_assertion", "test_good_raises", "test_good_helper_asserts"):
        assert rows[name] == (1.0, 10, 0, 0, 0, 0), (name, rows[name])
    assert rows["test_good_generated"][0] == 1.0 and rows["test_good_generated"][1] >= 100
    below = {line.split("::")[1].split(" ")[0] for line in result.outlines if line.startswith("BELOW 90%")}
    assert below == {name for name in rows if name.startswith("test_bad")}
    assert any(line.startswith("minimum asserting share: 0.0%") for line in result.outlines)


def test_good_property_tests_pass_the_session(pytester, monkeypatch):
    result, rows = _run(pytester, monkeypatch, "--asserting-share", "-k", "good")
    assert result.ret == pytest.ExitCode.OK
    assert len(rows) == 5 and all(row[0] == 1.0 for row in rows.values())


def test_the_body_check_flags_the_bad_idioms_in_the_controls():
    flagged = {v.split(" ")[1].rstrip(":") for v in violations(CONTROLS)}
    # early return (twice), assertion only under an `if`, and the `continue`; `assume` is left to the run-time
    # measurement, and the good bodies pass
    assert flagged == {"test_bad_returns_early", "test_bad_generated_returns_early",
                       "test_bad_asserts_only_in_a_branch", "test_bad_loops_over_nothing"}
