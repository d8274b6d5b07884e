"""The plug-in interface (nn_experiments.method_plugins): the built-in methods go through it unchanged, a user's
method is loaded from ``module:function`` and checked, and every mistake names ``--method`` or ``--grid``."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
import torch

from ascent_fails.cli_errors import UsageError
from ascent_fails.nn_experiments import method_plugins
from ascent_fails.nn_experiments.margins import margins
from ascent_fails.nn_experiments.methods import ascent_descent, scrub_kl_loss, unlearn, _weighted
from ascent_fails.nn_experiments.recipe import TrainRecipe
from ascent_fails.nn_experiments.sgd_pass import cross_entropy_loss
from ascent_fails.nn_experiments.sweep import MethodConfig, MethodGrid, UnlearnOptions
from ascent_fails.nn_experiments.training import train_ensemble
from ascent_fails.proofs_check.cli import main as cli_main

N_POINTS = 40
FORGET = [1, 4, 7, 30]


@pytest.fixture(scope="module")
def setup():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(N_POINTS, 12, generator=gen), torch.arange(N_POINTS) % 3
    result = train_ensemble("mlp", x, y, TrainRecipe(epochs=3, batch_size=8), n_models=3, seed=0, num_classes=3,
                            snapshot_epochs=(1,), progress=False)
    return x, y, result


def _direct(pre, x, y, config, options, checkpoints):
    """The methods as the dispatch called ascent_descent before the registry (an independent transcription)."""
    forget = torch.tensor(FORGET)
    keep = torch.ones(N_POINTS, dtype=torch.bool)
    keep[forget] = False
    retain = keep.nonzero().squeeze(1)
    student = checkpoints[config.rewind_epoch].clone() if config.method == "rewind" else pre.clone()
    ce = cross_entropy_loss()
    kw = dict(lr=config.lr, snapshot_epochs=config.snapshot_epochs, options=options, seed=5)
    if config.method == "ga":
        out = ascent_descent(student, x, y, forget, retain, ascent_epochs=config.epochs, descent=False,
                             forget_batch_size=options.batch_size, ascent_loss=ce, **kw)
    elif config.method == "gda":
        out = ascent_descent(student, x, y, forget, retain, ascent_epochs=config.ascent_epochs, descent=True,
                             forget_batch_size=config.forget_batch_size, ascent_loss=ce, descent_loss=ce, **kw)
    elif config.method == "scrub":
        kl = scrub_kl_loss(pre.logits(x, batch_size=1024).detach(), options.scrub_temperature)
        decay = np.asarray(options.scrub_lr_decay_epochs)
        out = ascent_descent(student, x, y, forget, retain, ascent_epochs=config.ascent_epochs, descent=True,
                             forget_batch_size=config.forget_batch_size, ascent_loss=kl,
                             descent_loss=_weighted([(options.scrub_ce_weight, ce), (options.scrub_kl_weight, kl)]),
                             lr_at_epoch=lambda e: config.lr * options.scrub_lr_decay_factor ** int(np.sum(e > decay)), **kw)
    else:
        out = ascent_descent(student, x, y, forget, retain, ascent_epochs=0, descent=True, forget_batch_size=64,
                             descent_loss=ce, noise_std=config.noise_std if config.method == "noisy" else 0.0, **kw)
    return out


@pytest.mark.parametrize("config", [
    MethodConfig("ga", (1, 2), lr=0.05),
    MethodConfig("gda", (1, 3), lr=0.02, ascent_epochs=2, forget_batch_size=2),
    MethodConfig("scrub", (2, 4), lr=0.05, ascent_epochs=1, forget_batch_size=2),
    MethodConfig("finetune", (1,), lr=0.01),
    MethodConfig("noisy", (2,), lr=0.01, noise_std=1e-2),
    MethodConfig("rewind", (1,), lr=0.01, rewind_epoch=1),
])
def test_registry_route_gives_the_margins_of_the_direct_loop(setup, config):
    x, y, result = setup
    options = UnlearnOptions(batch_size=8, scrub_lr_decay_epochs=(1, 3))
    registry = unlearn(result.ensemble, x, y, FORGET, config, options=options, checkpoints=result.snapshots, seed=5)
    direct, evaluations, final_lr = _direct(result.ensemble, x, y, config, options, result.snapshots)
    assert sorted(registry.snapshots) == sorted(direct) == list(config.snapshot_epochs)
    for epoch in config.snapshot_epochs:
        assert torch.equal(margins(registry.snapshots[epoch], x, y), margins(direct[epoch], x, y)), (config.method, epoch)
    assert dict(registry.gradient_evaluations) == evaluations and registry.final_lr == final_lr
    teacher = N_POINTS if config.method == "scrub" else 0  # SCRUB's frozen teacher: one forward pass over the data
    assert set(registry.forward_evaluations.values()) == {teacher}


def test_a_plugin_runs_through_unlearn_and_reports_its_cost(setup):
    x, y, result = setup
    seen = []

    @method_plugins.method_plugin(hparams=("lr",))
    def shrink(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
        for epoch in range(1, max(data.snapshot_epochs) + 1):
            with torch.no_grad():
                for p in ensemble.module.parameters():
                    p.mul_(1 - hparams["lr"])
            if epoch in data.snapshot_epochs:
                on_snapshot(epoch, ensemble, 10 * epoch, 3 * epoch)
        return ensemble

    plugin = method_plugins.register(method_plugins.plugin_from_callable(shrink, "tests:shrink"), replace=True)
    assert plugin.hparams == ("lr",)
    grid = MethodGrid("tests:shrink", (1, 2), (("lr", (0.5,)),))
    (config,) = grid.runs()
    assert config.hparams() == {"lr": 0.5} and config.key().startswith("tests_shrink@")
    before = margins(result.ensemble, x, y)
    run = unlearn(result.ensemble, x, y, FORGET, config, on_snapshot=lambda e, ens, g, f: seen.append((e, g, f)))
    assert seen == [(1, 10, 3), (2, 20, 6)]
    assert torch.equal(margins(result.ensemble, x, y), before), "the pretrained ensemble must not be modified"
    with pytest.raises(ValueError, match="unknown hyperparameter 'lrr'"):
        MethodGrid("tests:shrink", (1,), (("lrr", (0.5,)),))
    assert run.gradient_evaluations == {1: 10, 2: 20} and run.forward_evaluations == {1: 3, 2: 6}


def test_plugin_reporting_mistakes_are_errors(setup):
    x, y, result = setup

    def wrong_epoch(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
        on_snapshot(7, ensemble, 0)
        return ensemble

    def silent(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
        return ensemble

    for fn in (wrong_epoch, silent):
        method_plugins.register(method_plugins.plugin_from_callable(fn, f"tests:{fn.__name__}"), replace=True)
    with pytest.raises(ValueError, match="epoch 7.*snapshot_epochs"):
        unlearn(result.ensemble, x, y, FORGET, MethodConfig("tests:wrong_epoch", (1,), plugin_hparams=(("a", 1),)))
    with pytest.raises(ValueError, match="reported no snapshot"):
        unlearn(result.ensemble, x, y, FORGET, MethodConfig("tests:silent", (1, 2), plugin_hparams=(("a", 1),)))
    one = unlearn(result.ensemble, x, y, FORGET, MethodConfig("tests:silent", (3,), plugin_hparams=(("a", 1),)))
    assert one.gradient_evaluations == {3: 0}  # scored once at its last epoch, cost unreported


def _write_module(tmp_path, name, body):
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))
    return tmp_path / f"{name}.py"


def test_load_plugin_by_module_and_by_file(tmp_path, monkeypatch):
    path = _write_module(tmp_path, "my_unlearn_mod", """
        from ascent_fails.nn_experiments.method_plugins import method_plugin

        @method_plugin(hparams=("lr", "steps"))
        def unlearn(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
            return ensemble

        def plain(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
            return ensemble
    """)
    monkeypatch.chdir(tmp_path)
    decorated = method_plugins.load_plugin("my_unlearn_mod:unlearn")
    assert decorated.name == "my_unlearn_mod:unlearn" and decorated.hparams == ("lr", "steps") and decorated.version
    by_file = method_plugins.load_plugin(f"{path}:plain")
    assert by_file.hparams is None and method_plugins.lookup(f"{path}:plain") is by_file


@pytest.mark.parametrize("spec, body, words", [
    ("no_such_module_xyz:fn", None, "no module named 'no_such_module_xyz'"),
    ("{mod}:missing", "def other(): pass\n", "has no attribute 'missing'"),
    ("{mod}:VALUE", "VALUE = 3\n", "is a int, not a function"),
    ("{mod}:two", "def two(a, b): pass\n", "cannot be called as"),
    ("{mod}:fn", "raise RuntimeError('boom')\n", "importing .* failed: RuntimeError: boom"),
    ("justaname", None, "must have the form module.path:function"),
    ("missing_file.py:fn", None, "does not exist"),
])
def test_load_plugin_mistakes_name_the_flag(tmp_path, monkeypatch, spec, body, words):
    monkeypatch.chdir(tmp_path)
    mod = f"bad_plugin_{abs(hash((spec, body))) % 10**8}"
    if body is not None:
        _write_module(tmp_path, mod, body)
    with pytest.raises(UsageError, match=words) as err:
        method_plugins.load_plugin(spec.format(mod=mod))
    assert str(err.value).startswith("--method: ")


@pytest.mark.parametrize("method_spec, grid_text, flag, words", [
    ("no_such_module_xyz:fn", "snapshot_epochs = [1]\nlr = [0.1]\n", "--method", "no module named"),
    ("cli_plugin_ok:unlearn", "snapshot_epochs = [1]\nlrate = [0.1]\n", "--grid", "unknown hyperparameter 'lrate'"),
    ("cli_plugin_ok:unlearn", "snapshot_epochs = [1\n", "--grid", "not valid TOML"),
    ("cli_plugin_ok:unlearn", None, "--grid", "does not exist"),
])
def test_cli_bad_input_exits_2_naming_the_flag(tmp_path, monkeypatch, capsys, method_spec, grid_text, flag, words):
    monkeypatch.chdir(tmp_path)
    _write_module(tmp_path, "cli_plugin_ok", """
        from ascent_fails.nn_experiments.method_plugins import method_plugin

        @method_plugin(hparams=("lr",))
        def unlearn(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
            return ensemble
    """)
    grid = tmp_path / "grid.toml"
    if grid_text is not None:
        grid.write_text(grid_text)
    code = cli_main(["audit", "--method", method_spec, "--grid", str(grid), "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and f"error: {flag}" in err and words in err, err
    assert not (tmp_path / "out").exists(), "nothing is created before the inputs are checked"


def test_the_documented_example_loads_runs_and_reports_its_cost(setup):
    """docs/examples/audit_method.py and audit_grid.toml (docs/audit.md) stay valid."""
    from pathlib import Path

    from ascent_fails.nn_experiments.audit import load_grid

    docs = Path(__file__).resolve().parents[2] / "docs" / "examples"
    plugin = method_plugins.load_plugin(f"{docs / 'audit_method.py'}:unlearn")
    assert plugin.hparams == ("lr", "repair_lr")
    grid, options = load_grid(docs / "audit_grid.toml", plugin)
    assert [r.hparams()["lr"] for r in grid.runs()] == [1e-3, 1e-2, 5e-2] and options.batch_size == 64
    x, y, result = setup
    config = MethodConfig(plugin.name, (1, 2), plugin_hparams=(("lr", 0.01), ("repair_lr", 0.01)))
    run = unlearn(result.ensemble, x, y, FORGET, config, options=UnlearnOptions(batch_size=8), seed=1)
    assert run.gradient_evaluations == {1: N_POINTS, 2: 2 * N_POINTS}  # |F| + |R| per epoch and model
    assert not torch.equal(margins(run.snapshots[2], x, y), margins(result.ensemble, x, y))


@pytest.mark.parametrize("extra, flag, words", [
    (["--forget-sets", "no_such_set"], "--forget-sets", "unknown forget set"),
    (["--n-models", "1"], "--n-models", ">= 2"),
    (["--out", "{taken}"], "--out", "is a file"),
])
def test_cli_other_flags_exit_2_before_training(tmp_path, monkeypatch, capsys, extra, flag, words):
    monkeypatch.chdir(tmp_path)
    _write_module(tmp_path, "cli_plugin_ok2", """
        def unlearn(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
            return ensemble
    """)
    (tmp_path / "grid.toml").write_text("snapshot_epochs = [1]\nlr = [0.1]\n")
    (tmp_path / "taken").write_text("x")
    extra = [e.format(taken=tmp_path / "taken") for e in extra]
    out = [] if "--out" in extra else ["--out", str(tmp_path / "out")]
    code = cli_main(["audit", "--method", "cli_plugin_ok2:unlearn", "--grid", "grid.toml", *out, *extra, "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and flag in err and words in err, err
    assert not (tmp_path / "out").exists()
