"""Mutation check of ``ascent-fails verify``: plant plausible defects one at a time and see what turns red.

Usage (from the repository root, venv active)::

    python tools/mutation_check.py                 # every mutant against verify (all results)
    python tools/mutation_check.py --tests         # ... and the mapped test files for mutants verify misses
    python tools/mutation_check.py --only ID ...   # a subset;  --list lists the mutants

The repository is never modified. The package is copied once into a temporary directory laid out as an
importable package (``ascent_fails/`` with ``theory/``, ``numerics/``, ``nn_experiments/``, ``proofs_check/``
inside, following ``[tool.setuptools.package-dir]`` of pyproject.toml; ``tests/``, ``conftest.py``,
``pyproject.toml`` and ``docs/`` beside it). Each mutant (:mod:`mutants`) is applied to the copy, checked,
and reverted. Checks run in a subprocess with the copy first on ``PYTHONPATH`` and the copy as working
directory, and the subprocess asserts that ``ascent_fails`` and its sub-packages are imported from the copy
(not from the editable install). ``PYTHONDONTWRITEBYTECODE`` keeps stale bytecode out of the copy.

Verdict per mutant:

* ``verify`` is red when any result FAILs or verify crashes (or exceeds ``--timeout``). Results are run
  in-process in the subprocess, the mutant's own result ids first, stopping at the first FAIL: the verdict
  is the verdict of running them all (``--full-verify`` runs ``ascent-fails verify --json`` itself).
* with ``--tests``, a mutant verify misses is run against the test files of its source file
  (:data:`TEST_MAP`); each selection is first run on the unmutated copy and must pass there.
* a mutant whose ``old`` text is not found exactly once is ``stale``: not applied, not counted.
* ``equivalent`` mutants are run but reported apart and left out of the fractions.

Control: the unmutated copy must pass verify, else the tool stops with exit status 2.
The last line printed is one JSON object with the totals.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutants import MUTANTS, Mutant

__all__ = [
    "REPO", "TEST_MAP", "MutantRecord", "MutationCopy", "VerifyOutcome", "check_mutants", "main", "stale_mutants",
]

REPO = Path(__file__).resolve().parents[1]
_MARKER = "@@MUTATION_CHECK_RESULT@@"

#: source file -> the test files that exercise it (kept small: the tests of that module and its direct users)
TEST_MAP: dict[str, tuple[str, ...]] = {
    "theory/closed_form.py": ("tests/theory/test_closed_form.py", "tests/proofs_check/test_formula_mutations.py"),
    "theory/lambert.py": ("tests/theory/test_lambert.py", "tests/theory/test_closed_form.py"),
    "theory/random_sets.py": ("tests/theory/test_random_sets.py",),
    "numerics/random_forget_sets.py": ("tests/numerics/test_random_forget_sets.py",),
    "numerics/lemma1_retraining.py": ("tests/numerics/test_lemma1_retraining.py",),
    "theory/logistic_divergence.py": ("tests/theory/test_logistic_divergence.py",),
    "theory/rounding.py": ("tests/theory/test_rounding.py", "tests/theory/test_logistic_divergence.py"),
    "theory/distance_growth.py": ("tests/theory/test_distance_growth.py",),
    "theory/distance_unlearning.py": ("tests/theory/test_distance_unlearning.py",),
    "theory/corollary1.py": ("tests/theory/test_corollary1.py",),
    "theory/iterated_da.py": ("tests/theory/test_iterated_da.py", "tests/numerics/test_iterated_da.py"),
    "theory/correlated_model.py": ("tests/theory/test_correlated_model.py",),
    "numerics/correlated_solvers.py": ("tests/numerics/test_correlated_solvers.py",),
    "numerics/phase_diagram.py": ("tests/numerics/test_phase_diagram.py",),
    "theory/toy_problem.py": ("tests/theory/test_toy_problem.py",),
}

# Runs in the subprocess: import check, then verify (early-stopping or the CLI), result as JSON after _MARKER.
_DRIVER = r'''
import contextlib, io, json, sys, time
root, mode, first, only = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
first = [i for i in first.split(",") if i]
only = [i for i in only.split(",") if i] or None
import ascent_fails, ascent_fails.theory, ascent_fails.numerics, ascent_fails.proofs_check
for module in (ascent_fails, ascent_fails.theory, ascent_fails.numerics, ascent_fails.proofs_check):
    if not module.__file__.startswith(root):
        print(f"{module.__name__} imported from {module.__file__}, not from the copy {root}", file=sys.stderr)
        sys.exit(97)
from ascent_fails.proofs_check.runner import registered_results, run_result
known = [r.id for r in registered_results()]
if only is not None:
    only = [i for i in only if i in known]  # a mutant may name a result this tree does not have yet
start = time.perf_counter()
if mode == "full":
    from ascent_fails.proofs_check.cli import main
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["verify", "--json"] + (["--only", *only] if only else []))
    report = json.loads(buf.getvalue())
    failed = [r["id"] for r in report["lemmas"] if r["status"] != "PASS"]
    ran = [r["id"] for r in report["lemmas"]]
    kinds = {r["id"]: [k for k, v in r["details"].items() if not v["passed"]] for r in report["lemmas"]
             if r["status"] != "PASS"}
    out = {"failed": failed, "ran": ran, "failed_kinds": kinds, "rc": rc}
else:
    results = registered_results()
    if only is not None:
        results = [r for r in results if r.id in only]
    rank = {rid: i for i, rid in enumerate(first)}
    results.sort(key=lambda r: rank.get(r.id, len(rank)))
    failed, ran, kinds = [], [], {}
    for result in results:
        report = run_result(result)
        ran.append(result.id)
        if report.status != "PASS":
            failed.append(result.id)
            kinds[result.id] = [e.kind for e in report.evidence if not e.passed]
            break
    out = {"failed": failed, "ran": ran, "failed_kinds": kinds}
out["seconds"] = round(time.perf_counter() - start, 2)
print("''' + _MARKER + r'''" + json.dumps(out))
'''


class StaleMutant(Exception):
    """The mutant's ``old`` text does not occur exactly once in its file."""


def _package_dirs(repo: Path) -> dict[str, str]:
    """Import name -> repository folder, from ``[tool.setuptools.package-dir]`` of pyproject.toml."""
    config = tomllib.loads((repo / "pyproject.toml").read_text())
    return dict(config["tool"]["setuptools"]["package-dir"])


def source_path(root: Path, rel_file: str, package_dirs: dict[str, str]) -> Path:
    """Where repository file ``rel_file`` lives in a copy rooted at ``root`` (package-dir mapping applied)."""
    folder, name = rel_file.rsplit("/", 1) if "/" in rel_file else ("", rel_file)
    for package, repo_dir in sorted(package_dirs.items(), key=lambda kv: -len(kv[1])):
        if repo_dir == folder:
            return root.joinpath(*package.split("."), name)
    return root / rel_file  # not a package file (e.g. tests/...)


class MutationCopy:
    """A temporary importable copy of the package (plus tests) in which mutants are applied and reverted."""

    def __init__(self, repo: Path = REPO, root: Path | None = None):
        self.repo = repo
        self._tmp = None if root is not None else tempfile.TemporaryDirectory(prefix="ascent_fails_mutation_")
        self.root = Path(root if root is not None else self._tmp.name).resolve()
        self.package_dirs = _package_dirs(repo)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")
        for package, repo_dir in sorted(self.package_dirs.items(), key=lambda kv: len(kv[0])):
            dest = self.root.joinpath(*package.split("."))
            if package.count(".") == 0:
                dest.mkdir(parents=True, exist_ok=True)
                for item in (repo / repo_dir).iterdir():
                    if item.is_file() and item.suffix in (".py", ".toml"):
                        shutil.copy2(item, dest / item.name)
            elif not dest.exists():  # nested packages (proofs_check.checks) come with their parent folder
                shutil.copytree(repo / repo_dir, dest, ignore=ignore)
        for extra in ("tests", "docs"):
            if (repo / extra).is_dir():
                shutil.copytree(repo / extra, self.root / extra, ignore=ignore)
        for extra in ("conftest.py", "pyproject.toml"):
            if (repo / extra).is_file():
                shutil.copy2(repo / extra, self.root / extra)
        (self.root / "_mutation_driver.py").write_text(_DRIVER)
        self.snapshot = self._source_texts(repo)

    def _source_texts(self, repo: Path) -> dict[str, str]:
        """Repository-relative path -> text of every package source file (to spot edits made during a run)."""
        texts = {}
        for repo_dir in set(self.package_dirs.values()):
            for path in sorted((repo / repo_dir).glob("*.py")):
                texts[str(path.relative_to(repo))] = path.read_text()
        return texts

    def changed_since_copy(self) -> list[str]:
        """Source files whose text in the repository differs from the copy's snapshot (others' edits)."""
        now = self._source_texts(self.repo)
        return sorted(k for k in set(now) | set(self.snapshot) if now.get(k) != self.snapshot.get(k))

    def path_of(self, rel_file: str) -> Path:
        return source_path(self.root, rel_file, self.package_dirs)

    def apply(self, mutant: Mutant) -> Callable[[], None]:
        """Apply ``mutant`` to the copy; returns the function that reverts it. Raises StaleMutant."""
        path = self.path_of(mutant.file)
        original = path.read_text()
        count = original.count(mutant.old)
        if count != 1:
            raise StaleMutant(f"{mutant.id}: its old text occurs {count} times in {mutant.file} (must be exactly once)")
        path.write_text(original.replace(mutant.old, mutant.new))

        def revert() -> None:
            path.write_text(original)

        return revert

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(self.root) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.setdefault("OMP_NUM_THREADS", "1")
        env.setdefault("OPENBLAS_NUM_THREADS", "1")
        env.setdefault("MKL_NUM_THREADS", "1")
        return env

    def cleanup(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


@dataclass(frozen=True)
class VerifyOutcome:
    status: str  # "pass", "fail", "crash", "timeout"
    failed: tuple[str, ...] = ()  # result ids that failed (early mode: the first one)
    failed_kinds: dict = field(default_factory=dict)
    ran: tuple[str, ...] = ()
    seconds: float = 0.0
    detail: str = ""

    @property
    def red(self) -> bool:
        return self.status != "pass"


def run_verify(copy: MutationCopy, first: Sequence[str] = (), only: Sequence[str] | None = None,
               full: bool = False, timeout: float = 300.0) -> VerifyOutcome:
    """Run verify in a subprocess on the copy (see the module docstring)."""
    cmd = [sys.executable, str(copy.root / "_mutation_driver.py"), str(copy.root), "full" if full else "early",
           ",".join(first), ",".join(only or ())]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=copy.root, env=copy.env(), capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        return VerifyOutcome("timeout", seconds=time.perf_counter() - start, detail=f"verify ran past {timeout:g} s")
    elapsed = time.perf_counter() - start
    if proc.returncode == 97:
        raise RuntimeError("the subprocess imported ascent_fails from outside the copy: " + proc.stderr.strip())
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(_MARKER)]
    if not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return VerifyOutcome("crash", seconds=elapsed, detail=f"exit {proc.returncode}: {tail}")
    out = json.loads(lines[-1][len(_MARKER):])
    return VerifyOutcome("fail" if out["failed"] else "pass", tuple(out["failed"]), out["failed_kinds"],
                         tuple(out["ran"]), elapsed)


def run_tests(copy: MutationCopy, paths: Sequence[str], timeout: float = 600.0) -> tuple[str, str]:
    """pytest on ``paths`` inside the copy: ("pass" | "fail" | "timeout", last line of its output)."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "--no-header", *paths]
    try:
        proc = subprocess.run(cmd, cwd=copy.root, env=copy.env(), capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        return "timeout", f"tests ran past {timeout:g} s"
    last = (proc.stdout.strip().splitlines() or [proc.stderr.strip() or "no output"])[-1]
    # 0: passed; 1: a test failed; 2/3/4: collection error or crash (the mutant broke an import): red
    return ("pass" if proc.returncode == 0 else "fail"), last


def tests_for(mutant: Mutant) -> tuple[str, ...]:
    return mutant.tests or TEST_MAP.get(mutant.file, ())


@dataclass
class MutantRecord:
    mutant: Mutant
    verdict: str  # "verify", "tests", "survived", "stale", "equivalent"
    verify: VerifyOutcome | None = None
    tests: str = ""  # outcome of the tests (if run)
    note: str = ""

    def line(self) -> str:
        m = self.mutant
        if self.verdict == "stale":
            what = "STALE (not applied)"
        elif self.verdict == "verify":
            first = self.verify.failed[0] if self.verify.failed else self.verify.status
            what = f"caught by verify ({first})"
        elif self.verdict == "tests":
            what = "caught by tests"
        elif self.verdict == "equivalent":
            what = "equivalent (caught!)" if self.verify and self.verify.red else "equivalent"
        else:
            what = "SURVIVED"
        secs = f"{self.verify.seconds:5.1f}s" if self.verify else "    - "
        return f"{m.id:<34} {m.file:<32} {what:<34} {secs}  {m.description}" + (f" [{self.note}]" if self.note else "")


def stale_mutants(mutants: Iterable[Mutant] = MUTANTS, repo: Path = REPO) -> list[tuple[str, str, int]]:
    """(id, file, count) of every mutant whose old text does not occur exactly once in the current tree."""
    out = []
    for m in mutants:
        path = repo / m.file
        count = path.read_text().count(m.old) if path.is_file() else 0
        if count != 1:
            out.append((m.id, m.file, count))
    return out


def summarise(records: Sequence[MutantRecord]) -> dict:
    scored = [r for r in records if r.verdict not in ("stale", "equivalent")]
    n = len(scored)
    k = sum(r.verdict == "verify" for r in scored)
    m = sum(r.verdict in ("verify", "tests") for r in scored)
    return {
        "mutants": n,
        "caught_by_verify": k,
        "verify_fraction": round(k / n, 4) if n else None,
        "caught_by_verify_or_tests": m,
        "fraction_with_tests": round(m / n, 4) if n else None,
        "survivors": [r.mutant.id for r in scored if r.verdict == "survived"],
        "missed_by_verify": [r.mutant.id for r in scored if r.verdict != "verify"],
        "stale": [r.mutant.id for r in records if r.verdict == "stale"],
        "equivalent": [r.mutant.id for r in records if r.verdict == "equivalent"],
    }


def check_mutants(mutants: Sequence[Mutant], copy: MutationCopy, *, with_tests: bool = False,
                  results_only: bool = False, full: bool = False, timeout: float = 300.0,
                  test_timeout: float = 600.0, control: bool = True,
                  log: Callable[[str], None] = print) -> list[MutantRecord]:
    """Run every mutant against verify (and the tests, if asked) in ``copy``; one log line per mutant."""
    if control:
        only = sorted({i for m in mutants for i in m.results}) if results_only else None
        base = run_verify(copy, only=only, full=True, timeout=timeout)
        if base.status != "pass" or (only is None and not base.ran):
            raise SystemExit(f"control failed: the unmutated copy does not pass verify ({base.status}; failing: "
                             f"{list(base.failed)} {base.failed_kinds} {base.detail}); fix the tree first")
        log(f"control: unmutated copy passes verify ({len(base.ran)} results, {base.seconds:.1f} s)")
    baseline_tests: dict[tuple[str, ...], tuple[str, str]] = {}
    records = []
    for mutant in mutants:
        try:
            revert = copy.apply(mutant)
        except StaleMutant as exc:
            record = MutantRecord(mutant, "stale", note=str(exc))
            records.append(record)
            log(record.line())
            continue
        try:
            only = list(mutant.results) if results_only else None
            outcome = run_verify(copy, first=mutant.results, only=only, full=full, timeout=timeout)
            record = MutantRecord(mutant, "verify" if outcome.red else "survived", outcome)
            if outcome.status in ("crash", "timeout"):
                record.note = outcome.detail
            elif outcome.red:
                record.note = "failed: " + ", ".join(f"{k} {v}" for k, v in outcome.failed_kinds.items())
            if mutant.equivalent:
                record.verdict = "equivalent"
            elif record.verdict == "survived" and with_tests:
                paths = tests_for(mutant)
                if not paths:
                    record.note = "no tests mapped"
                else:
                    key = tuple(paths)
                    if key not in baseline_tests:
                        revert()
                        try:
                            baseline_tests[key] = run_tests(copy, paths, test_timeout)
                        finally:
                            revert = copy.apply(mutant)
                    if baseline_tests[key][0] != "pass":
                        record.note = f"tests red without the mutant: {baseline_tests[key][1]}"
                    else:
                        status, last = run_tests(copy, paths, test_timeout)
                        record.tests = status
                        record.note = f"{' '.join(paths)}: {last}"
                        if status != "pass":
                            record.verdict = "tests"
        finally:
            revert()
        records.append(record)
        log(record.line())
    return records


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="ID", help="run only these mutants")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--tests", action="store_true", help="run the mapped tests for mutants verify misses")
    parser.add_argument("--results-only", action="store_true",
                        help="restrict verify to each mutant's own result ids (quick; not the full verdict)")
    parser.add_argument("--full-verify", action="store_true",
                        help="run `ascent-fails verify --json` itself per mutant (no early stop; slower)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds allowed per verify run")
    parser.add_argument("--test-timeout", type=float, default=600.0, help="seconds allowed per test run")
    args = parser.parse_args(argv)

    mutants = list(MUTANTS)
    if args.only:
        known = {m.id for m in MUTANTS}
        unknown = [i for i in args.only if i not in known]
        if unknown:
            parser.error(f"unknown mutant id(s) {unknown}; see --list")
        mutants = [m for m in MUTANTS if m.id in args.only]
    if args.list:
        for m in mutants:
            flag = " (equivalent)" if m.equivalent else ""
            print(f"{m.id:<34} {m.file:<32} {m.kind:<28} {','.join(m.results):<30} {m.description}{flag}")
        print(json.dumps({"mutants": len(mutants), "equivalent": sum(m.equivalent for m in mutants)}))
        return 0

    start = time.perf_counter()
    copy = MutationCopy()
    try:
        print(f"copy of the package in {copy.root}; {len(mutants)} mutants", flush=True)
        records = check_mutants(mutants, copy, with_tests=args.tests, results_only=args.results_only,
                                full=args.full_verify, timeout=args.timeout, test_timeout=args.test_timeout,
                                log=lambda s: print(s, flush=True))
        changed = copy.changed_since_copy()
        if changed:
            print(f"note: {len(changed)} source file(s) changed in the repository during the run (the copy has the "
                  f"state at its start): {', '.join(changed)}", flush=True)
    finally:
        copy.cleanup()
    summary = summarise(records)
    summary["seconds"] = round(time.perf_counter() - start, 1)
    if args.results_only:
        summary["note"] = "verify restricted to each mutant's own results (--results-only)"
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
