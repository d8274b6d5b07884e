"""``ascent-fails reproduce``: claims computed from results, report contents, resumption of finished steps."""

from __future__ import annotations

import argparse
import json

import pytest

from ascent_fails.proofs_check import runner as proofs_runner
from ascent_fails.nn_experiments import run_command
from ascent_fails.proofs_check import reproduce
from ascent_fails.proofs_check.registry import Evidence, ResultReport, VerifyReport

FLOOR = {"forget": 0.6, "retain": 0.6, "validation": 0.6}


def _row(method, fs, forget, val, acc_val=0.95, retain=None):
    return {"method": method, "forget_set": fs, "hparams": {}, "epoch": 1, "cost": 0.1,
            "klom_p95": {"forget": forget, "retain": val if retain is None else retain, "validation": val},
            "accuracy": {"forget": 0.9, "retain": 0.97, "validation": acc_val}}


def make_results(pc_harder: bool = True) -> dict:
    sets = [("random_10_seed0", 10, "random", 2.0), ("random_50_seed1", 50, "random", 3.0), ("pc1_top_10", 10, "pc1", 4.0)]
    runs = []
    for name, _, _, start in sets:
        best = start / 2 if (name != "pc1_top_10" or pc_harder) else 0.5
        runs += [
            _row("do_nothing", name, start, 1.0),
            _row("ga", name, start * 0.9, 1.1),  # near the pretrained model
            _row("ga", name, start * 0.5, 5.0),  # broken: validation KLoM 5 > 2 × 1.0
            _row("gda", name, best, best),  # the best worst-group value on this set
        ]
    return {"dataset": "digits", "n_models": 100, "klom": {"direction": "oracle_unlearned", "bins": 20, "eps": 1e-5},
            "floor": FLOOR, "forget_sets": [{"name": n, "size": s, "kind": k, "floor": None} for n, s, k, _ in sets], "runs": runs,
            "illusion": {"forget_set": None, "runs": []}}


def test_claims_are_computed_from_the_numbers():
    claims = {c.id: c for c in reproduce.assess_claims(make_results())}
    assert claims["stuck_or_broken"].reproduced is True  # 6 of 9 ascent configurations near or broken
    assert "3 near" in claims["stuck_or_broken"].evidence and "3 broken" in claims["stuck_or_broken"].evidence
    assert claims["pc_harder"].reproduced is True  # pc1_top_10 best 2.0 vs random_10 best 1.0
    assert claims["larger_harder"].reproduced is True  # random 10: 1.0 < random 50: 1.5
    assert "illusion" not in claims  # no illusion runs in these results
    flipped = {c.id: c for c in reproduce.assess_claims(make_results(pc_harder=False))}
    assert flipped["pc_harder"].reproduced is False and "0/1" in flipped["pc_harder"].evidence


def test_illusion_claim_needs_an_interior_minimum_then_a_rise():
    results = make_results()
    def curve(values):  # start (do nothing) mean is (2 + 1 + 1) / 3 = 4/3
        return [{**_row("ga", "random_10_seed0", v, v), "epoch": e, "hparams": {"lr": 0.1}} for e, v in enumerate(values, start=1)]
    results["illusion"] = {"forget_set": "random_10_seed0", "runs": curve([1.0, 0.5, 0.9])}
    claim = {c.id: c for c in reproduce.assess_claims(results)}["illusion"]
    assert claim.reproduced is True and "0.50 at epoch 2" in claim.evidence
    results["illusion"]["runs"] = curve([1.0, 0.5, 0.4])  # monotone: stopping late is fine
    assert {c.id: c for c in reproduce.assess_claims(results)}["illusion"].reproduced is False


def test_claims_without_the_needed_runs_are_undecided():
    results = make_results()
    results["runs"] = [r for r in results["runs"] if r["method"] == "do_nothing"]
    assert all(c.reproduced is None for c in reproduce.assess_claims(results))


def test_classification_thresholds():
    start = _row("do_nothing", "a", 2.0, 1.0)
    assert reproduce._classify(_row("ga", "a", 0.5, 0.5), start, FLOOR) == "success"
    assert reproduce._classify(_row("ga", "a", 1.0, 2.5), start, FLOOR) == "broken"
    assert reproduce._classify(_row("ga", "a", 1.0, 1.0, acc_val=0.8), start, FLOOR) == "broken"
    assert reproduce._classify(_row("ga", "a", 1.9, 1.0), start, FLOOR) == "near_pretrained"
    assert reproduce._classify(_row("ga", "a", 1.0, 1.0), start, FLOOR) == "partial"
    # below the floor on every group but 7 points of validation accuracy lost: broken, not a success
    assert reproduce._classify(_row("ga", "a", 0.2, 0.2, acc_val=0.88), start, FLOOR) == "broken"


@pytest.fixture
def fake_steps(monkeypatch, tmp_path):
    """verify, the figure commands and the sweep replaced by fast stand-ins that count their calls."""
    calls = {"verify": 0, "nn": 0}

    def run_all(ids=None):
        calls["verify"] += 1
        ev = tuple(Evidence(kind, True, "stand-in") for kind in ("symbolic", "high_precision", "property", "negative_control"))
        return VerifyReport((ResultReport("lemma2", "Lemma 2", "paper", ev, 0.0),), 0.0)

    def run_from_args(args, out):
        calls["nn"] += 1
        out.mkdir(parents=True, exist_ok=True)
        (out / "table1.md").write_text("| table |\n")
        (out / "results.json").write_text("{}")
        return make_results(), {"table1": out / "table1.md"}

    monkeypatch.setattr(proofs_runner, "run_all", run_all)
    monkeypatch.setattr(run_command, "run_from_args", run_from_args)
    monkeypatch.setattr(reproduce, "FIGURE_COMMANDS", (("figure", "nothing"),))

    def fake_figure(words, folder, force):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "fig.png").write_bytes(b"png")
        return {"ok": True, "error": "", "files": [str(folder / "fig.png")]}

    monkeypatch.setattr(reproduce, "_run_figure", fake_figure)
    return calls


def _parse(out) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    reproduce.configure_parser(parser)
    return parser.parse_args(["--out", str(out)])


def test_report_links_everything_and_states_each_claim(fake_steps, tmp_path):
    assert reproduce.main(_parse(tmp_path)) == 0
    report = (tmp_path / "report.md").read_text()
    assert "1/1 results PASS" in report and "[verify.txt](verify.txt)" in report
    assert "[fig.png](figures/nothing/fig.png)" in report
    assert "[table1.md](nn/table1.md)" in report and "[results.json](nn/results.json)" in report
    for claim in reproduce.assess_claims(make_results()):
        assert claim.statement in report
    assert report.count("**reproduced**") == 3  # the three claims above; no illusion runs in these results
    # a rerun reuses the verify report; the sweep resumes by itself (it is called, and skips finished units)
    assert reproduce.main(_parse(tmp_path)) == 0
    assert fake_steps == {"verify": 1, "nn": 2}
    json.loads((tmp_path / "verify.json").read_text())
