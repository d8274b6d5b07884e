"""Collects the registered results and runs their checks (the library side of ``ascent-fails verify``)."""

from __future__ import annotations

import importlib
import time
import traceback
from collections.abc import Iterable

from ascent_fails.proofs_check.checks import CHECK_MODULES
from ascent_fails.proofs_check.registry import EVIDENCE_KINDS, Evidence, ResultCheck, ResultReport, VerifyReport

__all__ = ["registered_results", "run_result", "run_all"]


def registered_results() -> list[ResultCheck]:
    """Every :class:`ResultCheck` declared in the modules listed in ``proofs_check.checks.CHECK_MODULES``."""
    results: list[ResultCheck] = []
    for name in CHECK_MODULES:
        module = importlib.import_module(f"ascent_fails.proofs_check.checks.{name}")
        results.extend(module.RESULTS)
    return results


def run_result(result: ResultCheck) -> ResultReport:
    """Run every check of one result; an exception becomes a failed piece of evidence, never a crash."""
    start = time.perf_counter()
    evidence = []
    for kind in EVIDENCE_KINDS:
        check = result.checks.get(kind)
        if check is None:
            evidence.append(Evidence(kind, False, "no check of this kind is registered"))
            continue
        try:
            outcome = check()
        except Exception as exc:  # noqa: BLE001 - a crashing check is reported as a FAIL with its traceback
            tb = traceback.format_exc(limit=3).strip().splitlines()[-1]
            outcome = Evidence(kind, False, f"check raised {type(exc).__name__}: {exc} [{tb}]")
        if outcome.kind != kind:
            outcome = Evidence(kind, False, f"check registered as {kind!r} returned evidence of kind {outcome.kind!r}")
        evidence.append(outcome)
    return ResultReport(result.id, result.title, result.tag, tuple(evidence), time.perf_counter() - start)


def run_all(ids: Iterable[str] | None = None) -> VerifyReport:
    """Run the checks of every registered result (or only those in ``ids``) and return the report."""
    start = time.perf_counter()
    results = registered_results()
    if ids is not None:
        wanted = list(ids)
        known = {r.id for r in results}
        unknown = [i for i in wanted if i not in known]
        if unknown:
            raise ValueError(f"unknown result id(s) {unknown}; known ids: {sorted(known)}")
        results = [r for r in results if r.id in wanted]
    reports = tuple(run_result(r) for r in results)
    return VerifyReport(reports, time.perf_counter() - start)
