"""Smoke tests of ``ascent-fails figure phase`` on a small grid, and its error messages."""

from __future__ import annotations

import csv
import json

import pytest

from ascent_fails.proofs_check import cli

SMALL_ARGS = ["--n-correlation", "12", "--n-forget-ratio", "10", "--forget-fractions", "0.1", "0.25"]


@pytest.fixture
def phase_only_cli(monkeypatch):
    """The real CLI entry point, restricted to this command so the test does not depend on other commands."""
    monkeypatch.setattr(cli, "COMMANDS", tuple(c for c in cli.COMMANDS if c[1] == "ascent_fails.numerics.phase_figure"))
    return cli.main


def test_cli_writes_every_output(phase_only_cli, tmp_path, capsys):
    out = tmp_path / "fig"
    assert phase_only_cli(["figure", "phase", "--out", str(out), *SMALL_ARGS]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"phase_diagram.png", "phase_diagram.pdf", "phase_params.json", "phase_curves.csv", "phase_region.csv",
            "phase_comparison.md"} <= names
    assert (out / "phase_diagram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "phase_diagram.pdf").read_bytes()[:5] == b"%PDF-"
    params = json.loads((out / "phase_params.json").read_text())
    assert {"n_total", "ridge", "group_size", "forget_fractions"} <= set(params)
    assert params["forget_fractions"] == [0.1, 0.25]
    with open(out / "phase_curves.csv", newline="") as fh:
        curves = list(csv.DictReader(fh))
    assert list(curves[0]) == ["forget_fraction", "correlation", "alpha_d_gt_da", "alpha_r_gt_d"] and len(curves) == 24
    with open(out / "phase_region.csv", newline="") as fh:
        region = list(csv.DictReader(fh))
    assert list(region[0]) == ["forget_fraction", "correlation", "alpha", "category"] and len(region) == 240
    assert {r["category"] for r in region} <= {"ordered", "diverges", "other"}
    assert "## |F|/|D| = 0.25" in (out / "phase_comparison.md").read_text()
    assert "phase_diagram.pdf" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--forget-fractions", "0.1", "1.2"], "forget_fractions"),
        (["--forget-fractions", "0"], "forget_fractions"),
        (["--n-total", "-100"], "--n-total"),
        (["--group-size", "-3"], "--group-size"),
        (["--ridge", "0"], "ridge"),
        (["--forget-ratio-min", "0.5", "--forget-ratio-max", "0.1"], "--forget-ratio-min"),
    ],
)
def test_cli_rejects_bad_arguments(phase_only_cli, tmp_path, capsys, extra, message):
    args = ["figure", "phase", "--out", str(tmp_path), "--n-correlation", "4", "--n-forget-ratio", "4", *extra]
    assert phase_only_cli(args) == 2
    err = capsys.readouterr().err
    assert message in err and "must" in err
    assert not (tmp_path / "phase_diagram.png").exists()


def test_figure_shares_its_axes_and_keeps_everything_readable(monkeypatch):
    import matplotlib
    from matplotlib.figure import Figure

    from ascent_fails.numerics import phase_diagram, phase_figure
    from ascent_fails.numerics.figure_style import SMALLEST_FONT_PT
    from tests.numerics import _figure_checks

    monkeypatch.setattr(matplotlib, "use", lambda *a, **k: pytest.fail("phase_figure called matplotlib.use"))
    config = phase_diagram.PhaseConfig(n_correlation=12, n_forget_ratio=10, forget_fractions=(0.1, 0.2, 0.3))
    fig = phase_figure.phase_figure(phase_diagram.compute_phase(config))
    assert isinstance(fig, Figure) and fig.canvas.manager is None  # built outside pyplot
    renderer = _figure_checks.render(fig)
    panels = [ax for ax in fig.get_axes() if ax.get_visible()]
    assert len(panels) == 4
    assert len({ax.get_xlim() for ax in panels}) == 1 and len({ax.get_ylim() for ax in panels}) == 1
    problems = (_figure_checks.legends_outside_their_axes(fig, renderer)
                + _figure_checks.figure_legends_over_axes(fig, renderer)
                + _figure_checks.text_outside_figure(fig, renderer)
                + _figure_checks.fonts_smaller_than(fig, SMALLEST_FONT_PT))
    assert not problems, problems
