"""The machinery of tools/mutation_check.py (the mutation check of ``ascent-fails verify``), without running it all.

* every mutant's ``old`` text occurs exactly once in its file in the current tree: when the code changes
  under a mutant, this test fails and names the mutant to update (the list must not go stale silently);
* ids are unique, each mutant changes its text, each maps to test files, and every result has ≥ 3 mutants;
* one cheap mutant (Lemma 6's Y_R factor) is applied to a temporary copy and reported caught by verify,
  the copy is restored afterwards, and a mutant whose text is absent is reported stale, not caught.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location("mutation_check", REPO / "tools" / "mutation_check.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("mutation_check", module)
    spec.loader.exec_module(module)
    return module


mc = _load()
MUTANTS = mc.MUTANTS

#: results of the paper every mutant list must cover (Figure 4: classify and the divergence certificate)
RESULT_IDS = ("lemma1", "lemma2", "lemma3", "lemma4", "lemma5", "lemma6", "lemma7", "lemma8", "lemma9", "lemma10",
              "lemma12", "corollary1", "iterated_da", "toy_trap", "figure4")


def test_every_mutant_applies_exactly_once_to_the_current_tree():
    stale = mc.stale_mutants(MUTANTS, REPO)
    assert not stale, "update these mutants in tools/mutants.py (their `old` text must occur exactly once): " + "; ".join(
        f"{i} in {f} (found {n} times)" for i, f, n in stale)


def test_ids_unique_changes_real_and_tests_mapped():
    counts = Counter(m.id for m in MUTANTS)
    assert [i for i, n in counts.items() if n > 1] == []
    assert all(m.old != m.new for m in MUTANTS)
    unmapped = [m.id for m in MUTANTS if not mc.tests_for(m)]
    assert unmapped == [], f"no test files mapped for {unmapped} (TEST_MAP in tools/mutation_check.py)"
    for paths in mc.TEST_MAP.values():
        for path in paths:
            assert (REPO / path).is_file(), path
    assert len(MUTANTS) >= 45


def test_every_result_has_three_mutants():
    per_result = Counter(m.results[0] for m in MUTANTS if not m.equivalent)
    short = {r: per_result.get(r, 0) for r in RESULT_IDS if per_result.get(r, 0) < 3}
    assert short == {}, f"results with fewer than 3 mutants (first result id of each mutant): {short}"


def test_copy_maps_package_dirs(tmp_path):
    copy = mc.MutationCopy(REPO, root=tmp_path)
    assert copy.path_of("theory/closed_form.py") == tmp_path / "ascent_fails" / "theory" / "closed_form.py"
    assert copy.path_of("proofs_check/checks/_shared.py").is_file()
    assert copy.path_of("ascent_fails/validate.py") == tmp_path / "ascent_fails" / "validate.py"
    assert copy.path_of("theory/closed_form.py").read_text() == (REPO / "theory/closed_form.py").read_text()


def test_one_mutant_is_caught_and_reverted_and_a_stale_one_is_not_counted(tmp_path):
    (cheap,) = [m for m in MUTANTS if m.id == "l6_yr_factor"]
    stale = mc.Mutant("stale_example", cheap.file, "text that is not in the file", "x", "test", "absent", ("lemma6",))
    copy = mc.MutationCopy(REPO, root=tmp_path)
    before = copy.path_of(cheap.file).read_text()
    lines = []
    records = mc.check_mutants([cheap, stale], copy, results_only=True, log=lines.append)
    assert [r.verdict for r in records] == ["verify", "stale"], lines
    assert records[0].verify.failed == ("lemma6",)
    assert copy.path_of(cheap.file).read_text() == before  # reverted
    summary = mc.summarise(records)
    assert summary["mutants"] == 1 and summary["caught_by_verify"] == 1 and summary["stale"] == ["stale_example"]
    assert lines[0].startswith("control: unmutated copy passes verify")
