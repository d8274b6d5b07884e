"""The sweep as data (nn_experiments.sweep): the paper's grids, TOML round trip, narrowing, validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ascent_fails.nn_experiments.sweep import METHODS, MethodConfig, MethodGrid, Sweep, UnlearnOptions, default_sweep, load_sweep

learning_rates = st.floats(min_value=-6, max_value=0, allow_nan=False).map(lambda e: float(f"{10.0 ** e:.6g}"))
epoch_sets = st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=4, unique=True)


def test_default_sweep_holds_the_papers_grids():
    sweep = default_sweep()
    grids = {g.method: g for g in sweep.methods}
    assert set(grids) == set(METHODS)
    ga = grids["ga"]
    assert dict(ga.axes)["lr"] == (1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 1e-2, 5e-2) and ga.snapshot_epochs == (1, 3, 5, 7, 10)
    for name in ("gda", "scrub"):
        axes = dict(grids[name].axes)
        assert axes == {"lr": (5e-5, 5e-4, 1e-3, 5e-3), "ascent_epochs": (3, 5), "forget_batch_size": (32, 64)}
        assert grids[name].snapshot_epochs == (5, 7, 10)
        assert len(grids[name].runs()) == 16
    # configurations per forget set: GA 7×5, GDA and SCRUB 16×3 each, do nothing 1, plus our baselines
    assert sweep.n_configurations() == 35 + 48 + 48 + 1 + sum(len(g.runs()) * len(g.snapshot_epochs) for g in sweep.methods if g.method in ("finetune", "rewind", "noisy"))
    assert sweep.options == UnlearnOptions()  # the reference's loop: plain SGD, unshuffled, train mode
    assert (sweep.n_models, sweep.dataset, sweep.klom_direction) == (100, "digits", "oracle_unlearned")


def test_toml_file_round_trip(tmp_path):
    sweep = default_sweep()
    path = tmp_path / "sweep.toml"
    path.write_text(sweep.to_toml())
    assert load_sweep(path) == sweep


@given(lrs=st.lists(learning_rates, min_size=1, max_size=3, unique=True), epochs=epoch_sets,
       momentum=st.sampled_from([0.0, 0.5, 0.9]), shuffle=st.booleans(), n_models=st.integers(2, 200))
def test_toml_round_trip_of_any_grid(lrs, epochs, momentum, shuffle, n_models):
    sweep = Sweep(n_models=n_models, methods=(MethodGrid("ga", tuple(epochs), (("lr", tuple(lrs)),)),
                                              MethodGrid("gda", tuple(epochs), (("lr", tuple(lrs)), ("ascent_epochs", (1, 2)), ("forget_batch_size", (8,))))),
                  options=UnlearnOptions(momentum=momentum, shuffle=shuffle), illusion=None)
    assert Sweep.from_toml(sweep.to_toml()) == sweep


def test_narrowing():
    sweep = default_sweep()
    small = sweep.narrow(methods=["gda", "do_nothing"], forget_sets=["random_10_seed0"], n_models=5, dataset="synthetic")
    assert [g.method for g in small.methods] == ["do_nothing", "gda"]  # the sweep's order, not the flag's
    assert small.forget_sets == ("random_10_seed0",) and small.n_models == 5 and small.dataset == "synthetic"
    assert small.illusion is None  # Figure 2 is a GA experiment
    assert sweep.narrow(methods=["ga"]).illusion == sweep.illusion
    assert sweep.narrow() == sweep


@pytest.mark.parametrize(
    "make, word",
    [
        (lambda: default_sweep().narrow(methods=["gradient_magic"]), "method"),
        (lambda: default_sweep().narrow(n_models=1), "n_models"),
        (lambda: default_sweep().narrow(dataset="imagenet"), "dataset"),
        (lambda: MethodGrid("ga", (1,), (("lr", (0.1,)), ("momentum", (0.9,)))), "momentum"),
        (lambda: MethodGrid("gda", (1,), (("lr", (0.1,)),)), "ascent_epochs"),
        (lambda: MethodGrid("ga", (1,), (("lr", (0.0,)),)), "lr"),
        (lambda: MethodGrid("ga", (0,), (("lr", (0.1,)),)), "snapshot epoch"),
        (lambda: Sweep.from_toml("n_models = 10\nbogus = 1\n"), "bogus"),
        (lambda: Sweep.from_toml("[options]\nmomentum = 1.5\n"), "momentum"),
        (lambda: UnlearnOptions(shuffle="yes"), "shuffle"),
    ],
)
def test_bad_sweeps_raise_naming_the_problem(make, word):
    with pytest.raises(ValueError, match=word):
        make()


def test_method_config_keys_are_distinct_and_hparams_are_the_methods():
    runs = default_sweep().runs()
    assert len({r.key() for r in runs}) == len(runs)
    assert MethodConfig("scrub", (5,), lr=1e-3, ascent_epochs=3, forget_batch_size=32).hparams() == {
        "lr": 1e-3, "ascent_epochs": 3, "forget_batch_size": 32}
    assert MethodConfig("do_nothing", (0,)).hparams() == {}


def test_quick_protocol_is_the_full_one_with_fewer_secondary_values():
    """quick_sweep.toml = default_sweep.toml with one value of GDA/SCRUB's secondary axes and one lr per baseline."""
    from ascent_fails.nn_experiments.sweep import quick_sweep

    quick, full = quick_sweep(), default_sweep()
    assert {k: v for k, v in quick.to_dict().items() if k != "methods"} == {k: v for k, v in full.to_dict().items() if k != "methods"}
    q, f = {g.method: g for g in quick.methods}, {g.method: g for g in full.methods}
    assert list(q) == list(f)
    for method, grid in q.items():
        assert grid.snapshot_epochs == f[method].snapshot_epochs
        for name, values in grid.axes:
            assert set(values) <= set(dict(f[method].axes)[name]), (method, name)
    assert q["ga"] == f["ga"] and dict(q["gda"].axes)["lr"] == dict(f["gda"].axes)["lr"]
    assert dict(q["scrub"].axes)["ascent_epochs"] == (5,) and dict(q["gda"].axes)["forget_batch_size"] == (64,)
    assert [len(dict(q[m].axes)["lr"]) for m in ("finetune", "rewind", "noisy")] == [1, 1, 1]


@pytest.mark.parametrize(
    "text, words",
    [
        ("n_models = = 3\n", ["not valid TOML", "line 1"]),
        ("n_models = 1\n", ["n_models=1"]),
        ("methods = 3\n", ["methods must be a table"]),
        ("[methods.ga]\nsnapshot_epochs = [1]\nlr = 0.1\n", ["methods.ga.lr must be a list"]),
        ("forget_sets = \"random_10_seed0\"\n", ["forget_sets must be a list"]),
        ("illusion = 3\n", ["illusion must be a table"]),
        ("[illusion]\nlr = [0.1]\n", ["unknown illusion key", "lr"]),
        ("[options]\nscrub_lr_decay_epochs = 3\n", ["scrub_lr_decay_epochs must be a list"]),
        ("seed = 4294967296\n", ["seed=4294967296", "2**32"]),  # control: 4294967295 loads (below)
    ],
)
def test_sweep_files_fail_naming_the_file_and_the_key(tmp_path, text, words):
    path = tmp_path / "my_sweep.toml"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        load_sweep(path)
    message = str(info.value)
    assert "my_sweep.toml" in message and all(w in message for w in words), message
    assert not isinstance(info.value.__cause__, TypeError)


def test_the_largest_seed_loads(tmp_path):
    path = tmp_path / "my_sweep.toml"
    path.write_text("seed = 4294967295\n")
    assert load_sweep(path).seed == 2**32 - 1


def test_missing_sweep_file_is_named(tmp_path):
    with pytest.raises(ValueError, match="nope.toml' does not exist"):
        load_sweep(tmp_path / "nope.toml")
