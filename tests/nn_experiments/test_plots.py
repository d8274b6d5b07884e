"""Figures and the Table 1 analogue (nn_experiments.plots), drawn from a results dict."""

from __future__ import annotations

import pytest

from ascent_fails.nn_experiments.plots import illusion_figure, scatter_figure, write_figures
from ascent_fails.nn_experiments.table1 import table1_from_results, table1_markdown


def _row(method, forget_set, epoch, forget, val, cost, lr=None):
    return {"method": method, "forget_set": forget_set, "hparams": {} if lr is None else {"lr": lr}, "epoch": epoch, "cost": cost,
            "klom_p95": {"forget": forget, "retain": val / 2, "validation": val},
            "accuracy": {"forget": 0.9, "retain": 0.95, "validation": 0.9}}


def make_results():
    runs = []
    for name, base in (("random_10_seed0", 2.0), ("pc1_top_10", 4.0)):
        runs.append(_row("do_nothing", name, 0, base, base + 0.25, 0.0))
        runs += [_row("ga", name, e, base - 0.1 * e, base + 0.3 * e, 0.001 * e, lr=1e-3) for e in (1, 3)]
        runs.append(_row("gda", name, 5, base / 2, base, 0.4, lr=1e-3))
    illusion = [_row("ga", "random_10_seed0", e, 2.0 - 0.1 * e, 2.0 + lr * e, 0.001 * e, lr=lr) for lr in (0.01, 0.1) for e in (1, 2, 3)]
    return {
        "dataset": "digits", "n_models": 100, "klom": {"direction": "oracle_unlearned", "bins": 20, "eps": 1e-5},
        "floor": {"forget": 0.6, "retain": 0.65, "validation": 0.7},
        "forget_sets": [{"name": "random_10_seed0", "size": 10, "kind": "random", "floor": None},
                        {"name": "pc1_top_10", "size": 10, "kind": "pc1", "floor": {"forget": 0.5, "retain": 0.55, "validation": 0.61}}],
        "runs": runs,
        "illusion": {"forget_set": "random_10_seed0", "runs": illusion},
    }


def test_every_figure_and_the_table_are_written(tmp_path):
    files = write_figures(make_results(), tmp_path)
    assert set(files) == {"scatter_validation", "scatter_retain", "illusion", "table1"}
    for path in files.values():
        assert path.exists() and path.stat().st_size > 100
    assert files["scatter_validation"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_table1_holds_the_pretrained_rows_and_each_sets_floor():
    table = table1_markdown(table1_from_results(make_results()))
    lines = [line for line in table.splitlines() if line.startswith("| random") or line.startswith("| pc1")]
    # pretrained (do nothing) forget/retain/validation, then the floor (run-wide for random, own for pc1)
    assert lines[0] == "| random_10_seed0 | random | 10 | 2.00 | 1.12 | 2.25 | 0.60 | 0.65 | 0.70 |"
    assert lines[1] == "| pc1_top_10 | pc1 | 10 | 4.00 | 2.12 | 4.25 | 0.50 | 0.55 | 0.61 |"
    assert "oracle_unlearned" in table


def test_bad_requests_raise(tmp_path):
    results = make_results()
    with pytest.raises(ValueError, match="y_group"):
        scatter_figure(results, tmp_path / "x.png", y_group="forget")
    results["illusion"] = {"forget_set": None, "runs": []}
    with pytest.raises(ValueError, match="illusion"):
        illusion_figure(results, tmp_path / "i.png")
    assert "illusion" not in write_figures(results, tmp_path)


def test_scatter_is_a_figure_with_shared_limits_an_oracle_marker_and_readable_text() -> None:
    import sys

    from matplotlib.figure import Figure

    from ascent_fails.nn_experiments.plots import scatter_plot

    had_pyplot = "matplotlib.pyplot" in sys.modules
    results = make_results()
    fig = scatter_plot(results, y_group="validation")
    assert isinstance(fig, Figure)
    assert had_pyplot or "matplotlib.pyplot" not in sys.modules  # built without pyplot's global state
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.get_visible()]
    assert len(panels) == 2
    assert len({ax.get_xlim() for ax in panels}) == 1 and len({ax.get_ylim() for ax in panels}) == 1
    # the oracle marker sits at each set's noise floor: the run-wide one for random, its own for pc1
    for ax, floor in zip(panels, [results["floor"], results["forget_sets"][1]["floor"]]):
        points = [tuple(c.get_offsets()[0]) for c in ax.collections if len(c.get_offsets()) == 1]
        assert (floor["forget"], floor["validation"]) in points
    fig.canvas.draw()  # sizes are final once drawn
    texts = fig.findobj(lambda a: hasattr(a, "get_fontsize") and a.get_text())
    texts += [t for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]
    assert len(texts) > 20 and min(t.get_fontsize() for t in texts) >= 8  # points at the saved size
    (legend,) = fig.legends
    assert any("oracle" in t.get_text() for t in legend.get_texts())


def test_illusion_has_a_label_on_every_panel_and_one_legend() -> None:
    from ascent_fails.nn_experiments.plots import illusion_plot

    fig = illusion_plot(make_results())
    assert len(fig.axes) == 4 and all(ax.get_ylabel() for ax in fig.axes)
    assert len(fig.legends) == 1 and all(ax.get_legend() is None for ax in fig.axes)
    assert [t.get_text() for t in fig.legends[0].get_texts()][:2] == ["lr = 0.01", "lr = 0.1"]


def _legend_texts(fig):
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def test_flagged_points_are_ringed_and_intervals_drawn():
    from ascent_fails.nn_experiments.plots import illusion_plot, is_flagged, scatter_plot

    results = make_results()
    plain = scatter_plot(results)
    assert not any("blind spot" in t for t in _legend_texts(plain))  # control: nothing flagged, no ring, no entry
    results["runs"][1]["flags"] = {"collapsed": True, "spread": False}
    results["illusion"]["runs"][0]["flags"] = {"collapsed": False, "spread": True}
    for r in results["runs"]:
        r["klom_ci"] = {g: [v, v + 0.2] for g, v in r["klom_p95"].items()}
    results["forget_sets"][1]["floor_ci"] = {"forget": [0.4, 0.7], "retain": [0.5, 0.6], "validation": [0.6, 0.7]}
    assert is_flagged(results["runs"][1]) and not is_flagged(results["runs"][0])
    fig = scatter_plot(results)
    assert any("blind spot" in t for t in _legend_texts(fig))
    panel = fig.axes[0]  # random_10_seed0 holds the flagged GA row
    rings = [c for c in panel.collections if c.get_offsets().shape[0] == 1 and len(c.get_edgecolors())
             and tuple(c.get_edgecolors()[0][:3]) == (1.0, 0.0, 0.0) and not len(c.get_facecolors())]
    assert len(rings) == 1 and tuple(rings[0].get_offsets()[0]) == (results["runs"][1]["klom_p95"]["forget"],
                                                                    results["runs"][1]["klom_p95"]["validation"])
    assert any("blind spot" in t for t in _legend_texts(illusion_plot(results)))
