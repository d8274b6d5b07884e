"""``--asserting-share``: for every Hypothesis test, the share of its examples that executed an assertion.

A property test that returns early, or whose assertions sit in a branch most examples never enter, passes
while checking nothing; Hypothesis still counts those examples as passed. This plugin measures, per test
(per pytest node id), how many of the test cases Hypothesis generated executed at least one assertion:

    share = asserting / (asserting + silent + rejected)

* **asserting**: the test body returned normally and at least one assertion *passed while it ran*.
* **silent**: the body returned normally and no assertion ran (an early ``return``, a branch not taken, an
  empty loop).
* **rejected**: Hypothesis discarded the test case: ``assume(False)`` in the body, a ``.filter`` or
  ``assume`` inside a strategy (including a filter Hypothesis gave up on). Such cases never reach an
  assertion, so they count against the share (a strategy that throws away many draws is as wasteful as an
  ``if ...: return``).

Two kinds of test case are listed in their own columns and left out of the share: cases that *failed* (the
test fails anyway) and *overruns*, choice sequences that Hypothesis's engine abandoned because they
"exceeded maximum test case size" (its mutator lengthens sequences while exploring; no input value was ever
produced, so there was no example to check).

How "an assertion passed" is observed, with no cooperation from the test:

1. ``assert`` statements: pytest's ``pytest_assertion_pass`` hook, called by pytest's assertion rewriting for
   every passing ``assert`` in a rewritten module (test modules, conftest files and helper modules under
   ``tests/`` that are imported after this plugin loads). The hook only exists in modules rewritten with the
   ``enable_assertion_pass_hook`` ini value set, so the plugin sets it and points ``sys.pycache_prefix`` at a
   fresh temporary folder for the session: a cached ``.pyc`` rewritten without the hook is never read (and
   the hooked ``.pyc`` files never land beside the normal ones). Setting the ini value at configure time
   goes through pytest's private ini cache; if a pytest release changes that, the positive controls in
   tests/test_asserting_share.py (bodies with a plain ``assert`` must score 100 %) fail.
2. Assertion functions: ``numpy.testing.assert_*`` and ``torch.testing.assert_close`` that return, and
   ``pytest.raises`` / ``pytest.warns`` blocks that catch what they expect, are wrapped while the option is on.

Per example, the plugin wraps the test function that Hypothesis calls (``test.hypothesis.inner_test``, the
attribute Hypothesis provides for such wrappers): the wrapper clears a flag, runs the body, and records
whether the flag was raised. Which generated cases were rejected comes from Hypothesis itself, through its
observability callback (``hypothesis.internal.observability.add_observability_callback``): every test case
is reported with status ``passed`` / ``gave_up`` / ``failed``, so rejections inside strategies, which never
reach the body, are counted too. Coverage collection, which observability would otherwise switch on, is
switched off while measuring (it is slow on Python 3.11 and not needed).

Explicit ``@example``s count like generated examples. A test skipped before running any example is left out.

At the end of the run the plugin prints one line per Hypothesis test and the minimum share, and with
``--asserting-share`` the session fails (exit status 1) when a test is below ``--asserting-share-min``
(default 0.9). The static companion, ``tests/test_property_bodies.py``, rejects the idioms (``return``,
``continue``/``break``, assertions only under an ``if``) that produce silent examples in the first place.

Usage::

    python -m pytest -q -p no:cacheprovider --asserting-share tests/theory tests/numerics
"""

from __future__ import annotations

import functools
import importlib
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

MIN_SHARE_DEFAULT = 0.9


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("asserting-share", "share of Hypothesis examples that execute an assertion")
    group.addoption("--asserting-share", action="store_true", default=False,
                    help="count, for every @given test, the examples that executed an assertion; print the table "
                         "and fail the session if a test is below --asserting-share-min")
    group.addoption("--asserting-share-min", type=float, default=MIN_SHARE_DEFAULT,
                    help="smallest acceptable share (default %(default)s)")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("asserting_share"):
        config.pluginmanager.register(AssertingShare(config), "asserting-share-plugin")


@dataclass
class Counts:
    """Outcome of every test case Hypothesis ran for one test."""

    asserting: int = 0
    silent: int = 0
    rejected: int = 0
    failed: int = 0
    overrun: int = 0

    @property
    def examples(self) -> int:
        return self.asserting + self.silent + self.rejected

    @property
    def share(self) -> float:
        return self.asserting / self.examples if self.examples else 0.0


class AssertingShare:
    """The plugin object, registered only when ``--asserting-share`` is given (see the module docstring)."""

    def __init__(self, config: pytest.Config) -> None:
        if config.getoption("assertmode") != "rewrite":
            raise pytest.UsageError("--asserting-share needs pytest's assertion rewriting (not --assert=plain)")
        from hypothesis.internal import observability

        self._observability = observability
        self.min_share = config.getoption("asserting_share_min")
        self.counts: dict[str, Counts] = {}
        self._current: str | None = None  # node id of the Hypothesis test running now
        self._in_body = False
        self._asserted = False
        self._body_outcome: str | None = None  # "asserting" / "silent" / "raised" for the last body run
        self._restore: list[tuple[object, str, object]] = []
        # 1. asserts: the pass hook must be compiled into every module rewritten from now on (see docstring)
        config._inicache["enable_assertion_pass_hook"] = True
        self._saved_prefix = sys.pycache_prefix
        self._prefix = tempfile.mkdtemp(prefix="asserting-share-pyc-")
        sys.pycache_prefix = self._prefix
        self._rewrite_helper_modules()
        # 2. assertion functions of pytest itself (numpy/torch are patched once collection has imported them)
        self._wrap_assertion(pytest, "raises")
        self._wrap_assertion(pytest, "warns")
        self._saved_coverage = observability.OBSERVABILITY_COLLECT_COVERAGE
        observability.OBSERVABILITY_COLLECT_COVERAGE = False
        observability.add_observability_callback(self._observe)

    @staticmethod
    def _rewrite_helper_modules() -> None:
        """Helper modules under tests/ (not test_*.py) get rewritten asserts too, if not imported yet."""
        root = Path(__file__).resolve().parent
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(root.parent).with_suffix("")
            name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
            if path.name.startswith("test_") or path.name == "conftest.py" or name in sys.modules:
                continue
            pytest.register_assert_rewrite(name)

    # -- observing assertions ------------------------------------------------------------------------------
    def _mark(self) -> None:
        if self._in_body:
            self._asserted = True

    @pytest.hookimpl
    def pytest_assertion_pass(self, item, lineno, orig, expl) -> None:
        self._mark()

    def _patch(self, owner: object, name: str, replacement: object) -> None:
        self._restore.append((owner, name, getattr(owner, name)))
        setattr(owner, name, replacement)

    def _wrap_assertion(self, owner: object, name: str) -> None:
        """Count ``owner.name`` as an assertion when it returns, or, if it returns a context manager (the ``with``
        forms of ``pytest.raises``/``warns``, ``numpy.testing.assert_raises``, ...), when its block exits."""
        original = getattr(owner, name)
        plugin = self

        class Counted:
            def __init__(self, inner):
                self._inner = inner

            def __enter__(self):
                return self._inner.__enter__()

            def __exit__(self, *exc):
                suppressed = self._inner.__exit__(*exc)  # raises (pytest.fail) if the expectation was not met
                plugin._mark()
                return suppressed

            def __getattr__(self, attr):
                return getattr(self._inner, attr)

        @functools.wraps(original)
        def counted(*args, **kwargs):
            result = original(*args, **kwargs)
            if hasattr(result, "__enter__") and hasattr(result, "__exit__"):
                return Counted(result)
            plugin._mark()  # call form: returning means the expected exception/warning happened
            return result

        self._patch(owner, name, counted)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for module_name, prefix in (("numpy.testing", "assert_"), ("torch.testing", "assert_close")):
            if module_name.split(".")[0] not in sys.modules:
                continue  # the tests never imported numpy/torch
            module = importlib.import_module(module_name)  # numpy ≥ 2 imports numpy.testing lazily
            for name in dir(module):
                if name.startswith(prefix) and callable(getattr(module, name)):
                    self._wrap_assertion(module, name)

    # -- one example at a time ---------------------------------------------------------------------------
    def _wrap_inner(self, inner):
        @functools.wraps(inner)
        def counted_body(*args, **kwargs):
            self._in_body, self._asserted, self._body_outcome = True, False, "raised"
            try:
                result = inner(*args, **kwargs)
            finally:
                self._in_body = False
            self._body_outcome = "asserting" if self._asserted else "silent"
            return result

        return counted_body

    def _observe(self, observation) -> None:
        if getattr(observation, "type", None) != "test_case" or self._current is None:
            return
        counts = self.counts.setdefault(self._current, Counts())
        status, outcome = observation.status, self._body_outcome
        self._body_outcome = None
        if status == "gave_up" and observation.status_reason == "exceeded maximum test case size":
            counts.overrun += 1
        elif status == "gave_up":
            counts.rejected += 1
        elif status == "failed":
            counts.failed += 1
        elif outcome == "asserting":
            counts.asserting += 1
        else:  # passed without an assertion (or the body never reported: counted against the test)
            counts.silent += 1

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        handle = getattr(getattr(item, "obj", None), "hypothesis", None)
        inner = getattr(handle, "inner_test", None)
        if inner is None:
            return (yield)
        handle.inner_test = self._wrap_inner(inner)
        self._current = item.nodeid
        self.counts.setdefault(item.nodeid, Counts())
        try:
            return (yield)
        finally:
            handle.inner_test = inner
            self._current = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        counts = self.counts.get(report.nodeid)
        if report.skipped and counts is not None and counts.examples == 0:
            del self.counts[report.nodeid]

    # -- report ------------------------------------------------------------------------------------------
    def below(self) -> dict[str, Counts]:
        return {k: c for k, c in self.counts.items() if c.share < self.min_share}

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus) -> None:
        if self.below() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        tr = terminalreporter
        tr.section("asserting share of Hypothesis examples")
        if not self.counts:
            tr.write_line("no Hypothesis test ran")
            return
        width = max(len(k) for k in self.counts)
        tr.write_line(f"{'test':<{width}}  {'share':>7}  {'assert':>6}  {'silent':>6}  {'reject':>6}  "
                      f"{'failed':>6}  {'overrun':>7}")
        for node, c in sorted(self.counts.items(), key=lambda kv: (kv[1].share, kv[0])):
            tr.write_line(f"{node:<{width}}  {100 * c.share:6.1f}%  {c.asserting:6d}  {c.silent:6d}  "
                          f"{c.rejected:6d}  {c.failed:6d}  {c.overrun:7d}")
        worst_node, worst = min(self.counts.items(), key=lambda kv: kv[1].share)
        tr.write_line(f"minimum asserting share: {100 * worst.share:.1f}% ({worst_node}) over "
                      f"{len(self.counts)} Hypothesis tests; required ≥ {100 * self.min_share:.0f}%")
        for node, c in self.below().items():
            tr.write_line(f"BELOW {100 * self.min_share:.0f}%: {node} ({100 * c.share:.1f}%)", red=True)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self._observability.remove_observability_callback(self._observe)
        self._observability.OBSERVABILITY_COLLECT_COVERAGE = self._saved_coverage
        for owner, name, original in reversed(self._restore):
            setattr(owner, name, original)
        self._restore.clear()
        sys.pycache_prefix = self._saved_prefix
        shutil.rmtree(self._prefix, ignore_errors=True)
