"""Per-model methods (nn_experiments.per_model): a function of one ``torch.nn.Module`` lifted to the ensemble.

Equivalence: GA written here for one model, with plain ``torch.optim.SGD`` and ``F.cross_entropy`` (no code shared
with the built-in GA's ``sgd_pass``/``EnsembleSGD``), run through the per-model adapter, gives the margins of the
built-in GA (``methods.ga``, F unshuffled in batches of ``options.batch_size``) on every model and snapshot, up to
rounding (``TOL``), for an MLP with and without momentum/weight decay and a CNN whose BatchNorm statistics must be
written back too. Negative controls, by the same comparison: an adapter variant that puts model i's weights in slot
(i + 1) mod N, and a per-model function that only moves model 0, are each detected on every case and snapshot
(expected rate: k of k). Mistakes (a generator that stops early, a yield that is not a count, a model whose tensors
changed dtype or shape, a function that is not a generator, an undecorated per-model function given to
``--method``) are errors naming the method and the model. Finally a per-model method loaded from a file with
``load_plugin`` (what ``ascent-fails audit --method`` does) is audited end to end on a toy problem.
"""

from __future__ import annotations

import hashlib
import inspect
import textwrap

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ascent_fails.cli_errors import UsageError
from ascent_fails.nn_experiments import method_plugins
from ascent_fails.nn_experiments.margins import margins
from ascent_fails.nn_experiments.methods import unlearn
from ascent_fails.nn_experiments.per_model import OneModel, per_model_method, per_model_plugin, per_model_seed
from ascent_fails.nn_experiments.recipe import TrainRecipe
from ascent_fails.nn_experiments.sweep import MethodConfig, UnlearnOptions
from ascent_fails.nn_experiments.training import train_ensemble

N_POINTS, N_MODELS, SEED = 40, 3, 5
FORGET = [1, 4, 7, 11, 20, 30, 33]
EPOCHS = (1, 3)
TOL = 1e-4  # max |margin difference|: float32 rounding of dense vs batched kernels is ~1e-6 here
CASES = {  # name -> (architecture, input shape, options, lr)
    "mlp": ("mlp", (12,), UnlearnOptions(batch_size=8), 0.05),
    "mlp_momentum": ("mlp", (12,), UnlearnOptions(batch_size=3, momentum=0.9, weight_decay=5e-4), 0.02),
    "cnn_batchnorm": ("cnn", (1, 8, 8), UnlearnOptions(batch_size=4), 0.05),
}


def _ga_epochs(model, forget, data, lr):
    """GA on one model, epoch after epoch: ascent on F in its given order, batches of the shared batch size."""
    if data.options.shuffle:
        raise ValueError("this reference GA does not shuffle")
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=data.options.momentum,
                          weight_decay=data.options.weight_decay)
    model.train(data.options.train_mode)
    batch = data.options.batch_size
    while True:
        for start in range(0, len(forget), batch):
            rows = forget[start:start + batch]
            loss = -F.cross_entropy(model(data.x[rows]), data.y[rows])
            opt.zero_grad()
            loss.backward()
            opt.step()
        yield len(forget)


@per_model_method(hparams=("lr",))
def ga_one(model, forget, retain, data, hparams, *, seed, generator):
    """GA for one model (test reference)."""
    yield from _ga_epochs(model, forget, data, hparams["lr"])


@per_model_method(hparams=("lr",))
def ga_model_0_only(model, forget, retain, data, hparams, *, seed, generator):
    """Negative control: GA on model 0; every other model stands still (and reports the same cost)."""
    if model.index == 0:
        yield from _ga_epochs(model, forget, data, hparams["lr"])
    while True:
        yield len(forget)


def _misassigned(plugin):
    """Negative control: the adapter with model i's weights written into slot (i + 1) mod N."""

    def unlearn_shifted(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
        n = ensemble.n_models

        def shifted(epoch, ens, gradients, forwards=0):
            on_snapshot(epoch, ens.select([(j - 1) % n for j in range(n)]), gradients, forwards)

        return plugin.fn(ensemble, forget, retain, data, hparams, seed=seed, on_snapshot=shifted)

    return unlearn_shifted


@pytest.fixture(scope="module")
def problems():
    """Per case: (x, y, pretrained ensemble of N_MODELS), trained 2 epochs on random data; the methods above
    registered."""
    for plugin in (ga_one, ga_model_0_only):
        method_plugins.register(plugin, replace=True)
    method_plugins.register(method_plugins.plugin_from_callable(_misassigned(ga_one), "tests:misassigned", ("lr",)),
                            replace=True)
    out = {}
    for name, (arch, shape, _, _) in CASES.items():
        gen = torch.Generator().manual_seed(0)
        x, y = torch.randn(N_POINTS, *shape, generator=gen), torch.arange(N_POINTS) % 3
        pre = train_ensemble(arch, x, y, TrainRecipe(epochs=2, batch_size=8), n_models=N_MODELS, seed=0,
                             num_classes=3, progress=False).ensemble
        out[name] = (x, y, pre)
    return out


def _run(problem, method, case):
    x, y, pre = problem
    _, _, options, lr = CASES[case]
    config = (MethodConfig("ga", EPOCHS, lr=lr) if method == "ga"
              else MethodConfig(method, EPOCHS, plugin_hparams=(("lr", lr),)))
    return unlearn(pre, x, y, FORGET, config, options=options, seed=SEED)


def _gap(run_a, run_b, x, y, epoch) -> float:
    """The comparison: max over models and points of |margin difference| at one snapshot."""
    return float((margins(run_a.snapshots[epoch], x, y) - margins(run_b.snapshots[epoch], x, y)).abs().max())


@pytest.mark.parametrize("case", sorted(CASES))
def test_per_model_ga_gives_the_builtin_gas_margins(problems, case):
    x, y, pre = problems[case]
    builtin, lifted = _run(problems[case], "ga", case), _run(problems[case], "ga_one", case)
    for epoch in EPOCHS:
        assert _gap(builtin, lifted, x, y, epoch) < TOL, (case, epoch)
    assert dict(lifted.gradient_evaluations) == dict(builtin.gradient_evaluations) == {1: 7, 3: 21}
    assert dict(lifted.forward_evaluations) == {1: 0, 3: 0}
    moved = float((margins(lifted.snapshots[3], x, y) - margins(pre, x, y)).abs().max())
    assert moved > 100 * TOL, "GA must move the models, else the comparison says nothing"


def test_negative_controls_misassigned_or_partial_adapters_are_detected(problems):
    """Expected detection rate 1: every case × snapshot epoch, for each faulty variant (k of k)."""
    detected = {"tests:misassigned": 0, "ga_model_0_only": 0}
    total = 0
    for case in sorted(CASES):
        x, y, _ = problems[case]
        builtin = _run(problems[case], "ga", case)
        faulty = {name: _run(problems[case], name, case) for name in detected}
        for epoch in EPOCHS:
            total += 1
            for name, run in faulty.items():
                detected[name] += _gap(builtin, run, x, y, epoch) >= TOL
    assert total == len(CASES) * len(EPOCHS) == 6
    assert detected == {name: total for name in detected}, f"detected {detected} of {total} each"


def test_each_model_gets_its_own_seed_and_generator_and_the_seeds_are_recorded(problems):
    seen = {}

    def record(model, forget, retain, data, hparams, *, seed, generator):
        seen[model.index] = (seed, generator.initial_seed(), type(model), model.net.n_models)
        seen["notes"] = list(data.notes["per_model_seeds"])
        while True:
            yield 0, 2

    method_plugins.register(per_model_plugin(record, "tests:record"), replace=True)
    x, y, pre = problems["mlp"]
    run = unlearn(pre, x, y, FORGET, MethodConfig("tests:record", (0, 2), plugin_hparams=(("a", 1),)), seed=SEED)
    expected = [per_model_seed(SEED, i) for i in range(N_MODELS)]
    assert [seen[i][:2] for i in range(N_MODELS)] == [(s, s) for s in expected] and seen.pop("notes") == expected
    assert len(set(expected)) == N_MODELS and all(v[2:] == (OneModel, 1) for v in seen.values())
    assert dict(run.gradient_evaluations) == {0: 0, 2: 0} and dict(run.forward_evaluations) == {0: 0, 2: 4}
    assert torch.equal(margins(run.snapshots[0], x, y), margins(pre, x, y))  # epoch 0: before any work


def _plugin(name, body):
    """A per-model method from ``body`` (the generator's epochs), registered as ``name``."""
    scope = {"torch": torch}
    header = f"def {name}(model, forget, retain, data, hparams, *, seed, generator):\n"
    exec(header + textwrap.indent(body, "    "), scope)
    return method_plugins.register(per_model_plugin(scope[name]), replace=True)


@pytest.mark.parametrize("name, body, words", [
    ("early", "yield 1\n", r"'early', model 0: its generator stopped after 1 epoch\(s\).*max\(snapshot_epochs\)=2"),
    ("text", "while True:\n    yield 'ten'\n", r"'text', model 0, epoch 1: gradient_evaluations='ten' must be an integer"),
    ("real", "while True:\n    yield 2.5\n", r"'real', model 0, epoch 1: gradient_evaluations=2.5 must be an integer"),
    ("flag", "while True:\n    yield True\n", r"'flag', model 0, epoch 1: gradient_evaluations=True must be an integer"),
    ("negative", "while True:\n    yield 3, -1\n", r"'negative', model 0, epoch 1: forward_evaluations=-1 must be >= 0"),
    ("triple", "while True:\n    yield 1, 2, 3\n", r"'triple', model 0, epoch 1: yielded \(1, 2, 3\); yield gradient_evaluations"),
    ("to_double", "model.double()\nwhile True:\n    yield 0\n",
     r"'to_double', model 0: hidden.weight is a torch.float64 tensor .* must stay torch.float32"),
    ("reshape", "model.net.out.bias = torch.nn.Parameter(torch.zeros(3))\nwhile True:\n    yield 0\n",
     r"'reshape', model 0: out.bias is a torch.float32 tensor of shape \(3,\).* shape \(1, 3\)"),
    ("second_early", "if model.index == 1:\n    return\nwhile True:\n    yield 0\n",
     r"'second_early', model 1: its generator stopped after 0 epoch\(s\)"),
])
def test_mistakes_are_errors_naming_the_method_and_the_model(problems, name, body, words):
    _plugin(name, body)
    x, y, pre = problems["mlp"]
    with pytest.raises(ValueError, match=words):
        unlearn(pre, x, y, FORGET, MethodConfig(name, (1, 2), plugin_hparams=(("a", 1),)))


def test_a_function_that_is_not_a_generator_or_has_another_signature_is_refused():
    def returns(model, forget, retain, data, hparams, *, seed, generator):
        return model

    def two(model, forget):
        yield 0

    with pytest.raises(ValueError, match=r"\.returns' must be a generator function"):
        per_model_method()(returns)
    with pytest.raises(ValueError, match=r"\.two' has the signature \(model, forget\), which cannot be called as "
                                         r"\(model, forget, retain, data, hparams, \*, seed, generator\)"):
        per_model_plugin(two)


def test_load_plugin_takes_a_decorated_per_model_method_and_hints_at_an_undecorated_one(tmp_path, monkeypatch):
    (tmp_path / "per_model_mod.py").write_text(textwrap.dedent('''
        from ascent_fails.nn_experiments.per_model import per_model_method

        @per_model_method(hparams=("lr",))
        def decorated(model, forget, retain, data, hparams, *, seed, generator):
            """One-line description."""
            while True:
                yield 0

        @per_model_method(hparams=("lr",))
        def other(model, forget, retain, data, hparams, *, seed, generator):
            while True:
                yield 1

        def raw(model, forget, retain, data, hparams, *, seed, generator):
            yield 0
    '''))
    monkeypatch.chdir(tmp_path)
    plugin = method_plugins.load_plugin("per_model_mod:decorated")
    module = __import__("per_model_mod")
    # the version hashes the user's own source (not the adapter's): an edited per-model method runs afresh
    own = hashlib.sha256(inspect.getsource(module.decorated.fn.__wrapped__).encode()).hexdigest()[:8]
    assert plugin.hparams == ("lr",) and plugin.version == own and plugin.description == "One-line description."
    assert method_plugins.load_plugin("per_model_mod:other").version not in ("", own)
    with pytest.raises(UsageError, match="--method: .*cannot be called as.*must be decorated with .*per_model_method"):
        method_plugins.load_plugin("per_model_mod:raw")


def test_the_documented_per_model_example_loads_runs_and_reports_its_cost(problems):
    """docs/examples/per_model_method.py with docs/examples/audit_grid.toml (docs/audit.md) stays valid."""
    from pathlib import Path

    from ascent_fails.nn_experiments.audit import load_grid

    docs = Path(__file__).resolve().parents[2] / "docs" / "examples"
    plugin = method_plugins.load_plugin(f"{docs / 'per_model_method.py'}:unlearn")
    assert plugin.hparams == ("lr", "repair_lr")
    grid, _ = load_grid(docs / "audit_grid.toml", plugin)
    assert [r.hparams()["lr"] for r in grid.runs()] == [1e-3, 1e-2, 5e-2]
    x, y, pre = problems["mlp"]
    config = MethodConfig(plugin.name, (1, 2), plugin_hparams=(("lr", 0.01), ("repair_lr", 0.01)))
    run = unlearn(pre, x, y, FORGET, config, options=UnlearnOptions(batch_size=8), seed=1)
    assert run.gradient_evaluations == {1: N_POINTS, 2: 2 * N_POINTS}  # |F| + |R| per epoch and model
    assert not torch.equal(margins(run.snapshots[2], x, y), margins(pre, x, y))
    # the code shown in docs/audit.md is the example file's code (after its docstring)
    section = (docs.parent / "audit.md").read_text().split("## Per-model methods", 1)[1]
    shown = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert shown.strip() == (docs / "per_model_method.py").read_text().split('"""', 2)[2].strip()


# ---- the audit path: a per-model method from a file, loaded as `ascent-fails audit --method file.py:fn` does ----

AUDIT_MODELS, AUDIT_TRAIN, AUDIT_VAL = 4, 60, 30
AUDIT_FORGET = np.arange(0, AUDIT_TRAIN, 10)  # 6 points


def _audit_inputs():
    from ascent_fails.nn_experiments.data import Dataset
    from ascent_fails.nn_experiments.forget_sets import ForgetSet
    from ascent_fails.nn_experiments.inputs import ExperimentInputs

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 8)).astype(np.float32) * 2

    def draw(n):
        labels = rng.integers(0, 3, n)
        return centres[labels] + rng.normal(size=(n, 8)).astype(np.float32), labels.astype(np.int64)

    (tx, ty), (vx, vy) = draw(AUDIT_TRAIN), draw(AUDIT_VAL)
    data = Dataset("toy", tx, ty, vx, vy, 3, (8,), "three Gaussian classes", 0)
    recipe = TrainRecipe(epochs=5, batch_size=16)
    mask = np.ones((AUDIT_MODELS, AUDIT_TRAIN), dtype=bool)
    mask[:, AUDIT_FORGET] = False
    all_x, all_y = np.concatenate([tx, vx]), np.concatenate([ty, vy])

    def trained(seed, masks=None):
        return train_ensemble("mlp", tx, ty, recipe, n_models=AUDIT_MODELS, seed=seed, num_classes=3, masks=masks,
                              progress=False).ensemble

    oracle, independent = (margins(trained(s, mask), all_x, all_y).numpy() for s in (10, 20))
    pre = trained(1)
    forget_set = ForgetSet("every_10th", "file", AUDIT_FORGET, AUDIT_TRAIN, None, "test: every 10th point")
    return ExperimentInputs(dataset=data, arch="mlp", recipe=recipe, forget_sets=(forget_set,), pretrained=lambda: pre,
                            checkpoint=lambda epoch: None, oracle_margins=lambda name: oracle,
                            independent_margins=lambda name: independent)


def test_a_per_model_method_from_a_file_runs_through_the_audit(tmp_path):
    from ascent_fails.nn_experiments import audit as audit_mod
    from ascent_fails.nn_experiments.sweep import MethodGrid

    source = tmp_path / "my_per_model.py"
    source.write_text(textwrap.dedent('''
        import torch.nn.functional as F
        from torch.optim import SGD

        from ascent_fails.nn_experiments.per_model import per_model_method


        @per_model_method(hparams=("lr",))
        def ga(model, forget, retain, data, hparams, *, seed, generator):
            """Per-model gradient ascent on F."""
            opt = SGD(model.parameters(), lr=hparams["lr"])
            while True:
                for start in range(0, len(forget), data.options.batch_size):
                    rows = forget[start:start + data.options.batch_size]
                    opt.zero_grad()
                    (-F.cross_entropy(model(data.x[rows]), data.y[rows])).backward()
                    opt.step()
                yield len(forget)
    '''))
    plugin = method_plugins.load_plugin(f"{source}:ga", flag="--method")
    grid = MethodGrid(plugin.name, (1, 2), (("lr", (0.05,)),))
    result = audit_mod.audit(plugin, grid, _audit_inputs(), tmp_path / "out",
                             settings=audit_mod.AuditSettings(n_models=AUDIT_MODELS), progress=False)
    assert result["plugin"]["version"] == plugin.version != "" and result["n_models"] == AUDIT_MODELS
    assert result["plugin"]["form"] == "per_model"  # recorded in audit.json
    assert result["cost_reported"]
    (forget_set,) = result["forget_sets"]
    evaluations = sorted((c["epoch"], c["gradient_evaluations"]) for c in forget_set["configurations"])
    assert evaluations == [(1, len(AUDIT_FORGET)), (2, 2 * len(AUDIT_FORGET))]
    assert (tmp_path / "out" / audit_mod.AUDIT_FILE).is_file() and (tmp_path / "out" / audit_mod.REPORT_FILE).is_file()
