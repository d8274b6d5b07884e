"""Smoke and schema tests of ``ascent-fails figure toy`` (numerics.toy_figure)."""

from __future__ import annotations

import argparse
import json

import pytest

from ascent_fails.numerics import toy_figure
from ascent_fails.numerics import toy_landscape as tl
from ascent_fails.proofs_check import cli


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    toy_figure.configure_parser(parser)
    return toy_figure.main(parser.parse_args(argv))


def _check_schema(doc: dict, variant: str) -> None:
    assert doc["variant"] == variant
    assert doc["minima"], "no minimum reported"
    for m in doc["minima"]:
        assert set(m) == {"objective", "a", "b", "loss", "global", "correct"}
        assert m["objective"] in ("pretrained", "oracle", "descent_ascent")
        assert all(isinstance(m[k], float) for k in ("a", "b", "loss"))
        assert isinstance(m["global"], bool)
        assert len(m["correct"]) == 4 and all(isinstance(c, bool) for c in m["correct"])
    for objective in {m["objective"] for m in doc["minima"]}:
        assert sum(m["global"] for m in doc["minima"] if m["objective"] == objective) == 1
    assert set(doc["trapped"]) == {"a", "b", "correct"} and len(doc["trapped"]["correct"]) == 4


def test_cli_writes_figure_and_json(tmp_path, capsys):
    assert cli.main(["figure", "toy", "--out", str(tmp_path / "fig"), "--resolution", "40"]) == 0
    out = tmp_path / "fig"
    for name in ("toy_figure.png", "toy_figure.pdf", "toy_minima.json"):
        assert (out / name).stat().st_size > 0
    doc = json.loads((out / "toy_minima.json").read_text())
    _check_schema(doc, "tanh")
    # the default reading traps: fine-tuning from the GDA minimum ends wrong on x = 4
    assert doc["trapped"]["correct"] == [True, True, True, False]
    assert all(c["reproduced"] for c in doc["claims"])
    assert "trapped" in capsys.readouterr().out


def test_json_matches_the_library_result():
    claims = tl.check_claims(tl.get_variant("shifted-sigmoid"))
    doc = json.loads(json.dumps(toy_figure.toy_json(claims, "shifted-sigmoid")))
    _check_schema(doc, "shifted-sigmoid")
    assert [(m["a"], m["b"]) for m in doc["minima"]] == [(m.a, m.b) for m in claims.minima]


@pytest.mark.parametrize("argv, match", [
    (["--ridge", "-0.1"], "ridge=-0.1 must be >= 0"),
    (["--resolution", "5"], "resolution=5"),
])
def test_bad_input_is_a_value_error(tmp_path, argv, match):
    with pytest.raises(ValueError, match=match):
        _run(["--out", str(tmp_path), *argv])


def test_cli_reports_bad_input_as_a_clean_error(tmp_path, capsys):
    assert cli.main(["figure", "toy", "--out", str(tmp_path), "--ridge", "-1"]) == 2
    assert "ridge=-1.0 must be >= 0" in capsys.readouterr().err


def test_unknown_variant_is_rejected_by_the_parser(tmp_path):
    with pytest.raises(SystemExit):
        _run(["--out", str(tmp_path), "--variant", "relu"])
