"""Smoke and schema tests of ``ascent-fails figure toy`` (numerics.toy_figure)."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from ascent_fails.numerics import toy_figure
from ascent_fails.numerics.toy_claims import check_claims
from ascent_fails.theory.toy_problem import VARIANTS as VARIANT_NAMES
from ascent_fails.theory.toy_problem import get_variant
from tests.numerics import _figure_checks
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
    claims = check_claims(get_variant("shifted-sigmoid"))
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


# --- a figure a paper can use -------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=sorted(VARIANT_NAMES))
def toy_plot(request):
    """(variant name, the figure, its renderer) for each reading, built at a coarse grid."""
    import matplotlib

    variant = get_variant(request.param)
    claims = check_claims(variant)
    original_use = matplotlib.use

    def refuse(*args, **kwargs):  # library plotting must not choose the backend for its caller
        raise AssertionError("toy_figure.plot called matplotlib.use")

    matplotlib.use = refuse
    try:
        fig = toy_figure.plot(claims, variant, resolution=40)
    finally:
        matplotlib.use = original_use
    return request.param, fig, _figure_checks.render(fig)


def test_plot_builds_a_figure_outside_pyplot(toy_plot):
    from matplotlib.figure import Figure

    _, fig, _ = toy_plot
    assert isinstance(fig, Figure) and fig.canvas.manager is None  # pyplot figures have a manager


def test_legends_stay_inside_and_nothing_is_cut_off(toy_plot):
    name, fig, renderer = toy_plot
    problems = (_figure_checks.legends_outside_their_axes(fig, renderer)
                + _figure_checks.figure_legends_over_axes(fig, renderer)
                + _figure_checks.text_outside_figure(fig, renderer))
    assert not problems, (name, problems)


def test_fonts_are_readable_in_print(toy_plot):
    from ascent_fails.numerics.figure_style import SMALLEST_FONT_PT

    name, fig, _ = toy_plot
    assert not _figure_checks.fonts_smaller_than(fig, SMALLEST_FONT_PT), name


def test_colour_bars_have_even_labelled_levels(toy_plot):
    from matplotlib.contour import QuadContourSet

    name, fig, renderer = toy_plot
    filled = [c for ax in fig.get_axes() for c in ax.findobj(QuadContourSet) if c.filled]
    assert len(filled) == 3, name
    for contour in filled:
        steps = np.diff(np.sqrt(contour.levels - contour.levels[0]))  # even in √(L − min L)
        assert np.allclose(steps, steps[0], rtol=1e-9) and len(contour.levels) == toy_figure.N_LEVELS + 1
        bar = contour.colorbar
        labels = [t.get_text() for t in bar.ax.get_yticklabels() if t.get_text()]
        assert len(labels) >= 4, (name, labels)
        # the first tick is the minimum; the others are evenly spaced round numbers (a 1-2-2.5-5 step)
        round_ticks = np.asarray(bar.get_ticks()[1:])
        step = np.diff(round_ticks)
        assert np.allclose(step, step[0]) and np.allclose(round_ticks / step[0], np.round(round_ticks / step[0]))
        mantissa = step[0] / 10 ** np.floor(np.log10(step[0]))
        assert any(np.isclose(mantissa, m) for m in (1, 2, 2.5, 5)), labels


def test_contour_levels_ticks_are_round_and_inside_the_range():
    levels, ticks = toy_figure.contour_levels(np.array([4.39, 26.84]))
    assert levels[0] == 4.39 and levels[-1] == pytest.approx(26.84)
    assert ticks[0] == 4.39 and set(ticks[1:]) <= {5.0, 10.0, 15.0, 20.0, 25.0}


def test_the_figure_checks_see_a_legend_outside_its_axes_and_cut_off_text():
    # negative control for the checks above: a figure a reviewer would reject is rejected
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.legend(loc="upper left", bbox_to_anchor=(0.9, 1.0))
    fig.text(0.95, 0.5, "a label running off the right edge")
    renderer = _figure_checks.render(fig)
    assert _figure_checks.legends_outside_their_axes(fig, renderer)
    assert _figure_checks.text_outside_figure(fig, renderer)
    assert _figure_checks.fonts_smaller_than(fig, 99.0)
