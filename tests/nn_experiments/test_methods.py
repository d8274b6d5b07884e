"""Unlearning methods (nn_experiments.methods): exactness against a single-model loop, SCRUB's student, costs."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from ascent_fails.nn_experiments.ensemble import Ensemble
from ascent_fails.nn_experiments.recipe import TrainRecipe
from ascent_fails.nn_experiments.sgd_pass import cross_entropy_loss
from ascent_fails.nn_experiments.training import train_ensemble
from ascent_fails.nn_experiments.methods import ascent_descent, cost_relative_to_retraining, scrub_kl_loss, unlearn
from ascent_fails.nn_experiments.sweep import MethodConfig, UnlearnOptions

N_MODELS, N_POINTS, N_CLASSES = 3, 48, 4
FORGET = list(range(0, 48, 5))  # 10 points spread over the set


@pytest.fixture(scope="module")
def setup():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(N_POINTS, 64, generator=gen)
    y = torch.randint(0, N_CLASSES, (N_POINTS,), generator=gen)
    result = train_ensemble("mlp", x, y, TrainRecipe(epochs=3, batch_size=16), n_models=N_MODELS, seed=1,
                            num_classes=N_CLASSES, snapshot_epochs=(1, 2), progress=False)
    return x, y, result


def _params(ensemble: Ensemble) -> list[torch.Tensor]:
    return [p.detach().clone() for p in ensemble.module.parameters()]


def _same(a: Ensemble, b: Ensemble, atol: float = 0.0) -> bool:
    return all(torch.allclose(p, q, atol=atol, rtol=0) for p, q in zip(_params(a), _params(b)))


def _single_model_ga(ensemble: Ensemble, k: int, x, y, forget, lr: float, epochs: int, batch: int) -> list[torch.Tensor]:
    """Plain single-model gradient ascent on model k's own weights: the slow reference for GA."""
    net = ensemble.module
    w1, b1 = net.hidden.weight[k].detach().clone(), net.hidden.bias[k].detach().clone()
    w2, b2 = net.out.weight[k].detach().clone(), net.out.bias[k].detach().clone()
    params = [w1, b1, w2, b2]
    for p in params:
        p.requires_grad_(True)
    idx = torch.tensor(forget)
    for _ in range(epochs):
        for start in range(0, len(idx), batch):
            b = idx[start:start + batch]
            logits = F.relu(x[b] @ w1 + b1) @ w2 + b2  # weights stored [in, out] (models.EnsembleLinear)
            loss = F.cross_entropy(logits, y[b])
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p.add_(lr * g)  # ascent: θ ← θ + η ∇ℓ
    return [p.detach() for p in params]


def test_ga_matches_a_single_model_ascent_loop(setup):
    x, y, result = setup
    run = unlearn(result.ensemble, x, y, FORGET, MethodConfig("ga", (2,), lr=0.05), options=UnlearnOptions(batch_size=4))
    net = run.snapshots[2].module
    for k in range(N_MODELS):
        w1, b1, w2, b2 = _single_model_ga(result.ensemble, k, x, y, FORGET, lr=0.05, epochs=2, batch=4)
        for mine, ref in ((net.hidden.weight[k], w1), (net.hidden.bias[k], b1), (net.out.weight[k], w2), (net.out.bias[k], b2)):
            assert torch.allclose(mine, ref, atol=1e-5), f"model {k} departs from the single-model GA loop"


def test_ga_equals_gda_without_descent(setup):
    x, y, result = setup
    options = UnlearnOptions(batch_size=8)
    ga = unlearn(result.ensemble, x, y, FORGET, MethodConfig("ga", (1, 3), lr=0.02), options=options)
    forget = torch.tensor(FORGET)
    keep = torch.ones(N_POINTS, dtype=torch.bool)
    keep[forget] = False
    ce = cross_entropy_loss()
    snaps, evals, _ = ascent_descent(result.ensemble.clone(), x, y, forget, keep.nonzero().squeeze(1), lr=0.02, snapshot_epochs=(1, 3),
                                     ascent_epochs=3, descent=False, forget_batch_size=8, options=options, ascent_loss=ce, descent_loss=ce)
    for epoch in (1, 3):
        assert _same(ga.snapshots[epoch], snaps[epoch])
    assert dict(ga.gradient_evaluations) == evals == {1: len(FORGET), 3: 3 * len(FORGET)}


def test_gda_epoch_is_an_ascent_pass_then_a_retain_pass(setup):
    # with plain SGD (no optimiser state), GDA's first epoch = GA's first epoch followed by one fine-tuning epoch
    x, y, result = setup
    options = UnlearnOptions(batch_size=8)
    gda = unlearn(result.ensemble, x, y, FORGET, MethodConfig("gda", (1,), lr=0.02, ascent_epochs=1, forget_batch_size=8), options=options)
    ga = unlearn(result.ensemble, x, y, FORGET, MethodConfig("ga", (1,), lr=0.02), options=options)
    both = unlearn(ga.snapshots[1], x, y, FORGET, MethodConfig("finetune", (1,), lr=0.02), options=options)
    assert _same(gda.snapshots[1], both.snapshots[1], atol=1e-6)
    assert not _same(gda.snapshots[1], ga.snapshots[1], atol=1e-6)


def test_snapshots_and_gradient_counts_at_requested_epochs(setup):
    x, y, result = setup
    n_forget, n_retain = len(FORGET), N_POINTS - len(FORGET)
    run = unlearn(result.ensemble, x, y, FORGET, MethodConfig("gda", (4, 1, 2), lr=1e-3, ascent_epochs=2, forget_batch_size=4))
    assert sorted(run.snapshots) == [1, 2, 4]
    # epoch e: min(e, ascent_epochs) ascent passes over F + e descent passes over R (per model)
    assert dict(run.gradient_evaluations) == {e: min(e, 2) * n_forget + e * n_retain for e in (1, 2, 4)}
    # cost relative to retraining one oracle (recipe.epochs passes over R)
    assert cost_relative_to_retraining(run.gradient_evaluations[4], retain_size=n_retain, oracle_epochs=3) == pytest.approx(
        (2 * n_forget + 4 * n_retain) / (3 * n_retain))
    seen = []
    unlearn(result.ensemble, x, y, FORGET, MethodConfig("ga", (1, 3), lr=1e-3), on_snapshot=lambda e, ens, n: seen.append((e, n)))
    assert seen == [(1, n_forget), (3, 3 * n_forget)]


def test_scrub_moves_the_student_and_not_the_teacher(setup):
    x, y, result = setup
    teacher_before = _params(result.ensemble)
    run = unlearn(result.ensemble, x, y, FORGET, MethodConfig("scrub", (2,), lr=0.05, ascent_epochs=1, forget_batch_size=4))
    assert all(torch.equal(a, b) for a, b in zip(teacher_before, _params(result.ensemble))), "the teacher moved"
    moved = [float((a - b).abs().max()) for a, b in zip(_params(run.snapshots[2]), teacher_before)]
    assert max(moved) > 1e-4, "SCRUB's student did not move (the reference's bug)"


def test_scrub_lr_decay_and_kl_loss():
    options = UnlearnOptions()
    x, y = torch.randn(12, 64), torch.arange(12) % 3
    pre = train_ensemble("mlp", x, y, TrainRecipe(epochs=1, batch_size=4), n_models=2, seed=0, num_classes=3, progress=False).ensemble
    run = unlearn(pre, x, y, [0, 1], MethodConfig("scrub", (10,), lr=1.0, ascent_epochs=1, forget_batch_size=2), options=options)
    assert run.final_lr == pytest.approx(1e-3)  # decays after epochs 3, 5 and 9: 0.1³
    # KL_T with a uniform teacher u = 1/C, by hand: T²·Σ u·log(u/p) = T²·(−log C − mean(log p)), p = softmax(s/T)
    teacher = torch.zeros(1, 1, 3)
    student = torch.tensor([[[3.0, 0.0, -1.0]]])
    p = F.softmax(student[0, 0] / 4.0, dim=0)
    expected = 16.0 * float(-torch.log(torch.tensor(3.0)) - torch.log(p).mean())
    got = scrub_kl_loss(teacher, 4.0)(student, None, torch.zeros(1, 1, dtype=torch.long), torch.ones(1, 1, dtype=torch.bool))
    assert float(got) == pytest.approx(expected, rel=1e-6)


def test_baselines(setup):
    x, y, result = setup
    nothing = unlearn(result.ensemble, x, y, FORGET, MethodConfig("do_nothing", (0,)))
    assert _same(nothing.snapshots[0], result.ensemble) and nothing.gradient_evaluations == {0: 0}
    fine = unlearn(result.ensemble, x, y, FORGET, MethodConfig("finetune", (1,), lr=0.01))
    noisy = unlearn(result.ensemble, x, y, FORGET, MethodConfig("noisy", (1,), lr=0.01, noise_std=1e-2), seed=3)
    again = unlearn(result.ensemble, x, y, FORGET, MethodConfig("noisy", (1,), lr=0.01, noise_std=1e-2), seed=3)
    assert _same(noisy.snapshots[1], again.snapshots[1]), "seeded noise must reproduce"
    assert not _same(noisy.snapshots[1], fine.snapshots[1], atol=1e-5)
    assert _same(noisy.snapshots[1], fine.snapshots[1], atol=0.05)  # √(2η)σ·(steps) is small
    rewound = unlearn(result.ensemble, x, y, FORGET, MethodConfig("rewind", (1,), lr=0.01, rewind_epoch=1), checkpoints=result.snapshots)
    from_ckpt = unlearn(result.snapshots[1], x, y, FORGET, MethodConfig("finetune", (1,), lr=0.01))
    assert _same(rewound.snapshots[1], from_ckpt.snapshots[1])
    with pytest.raises(ValueError, match="rewind_epoch=2"):
        unlearn(result.ensemble, x, y, FORGET, MethodConfig("rewind", (1,), lr=0.01, rewind_epoch=2), checkpoints={1: result.snapshots[1]})


def test_options_change_the_run(setup):
    x, y, result = setup
    config = MethodConfig("finetune", (2,), lr=0.01)
    plain = unlearn(result.ensemble, x, y, FORGET, config, options=UnlearnOptions(batch_size=8))
    # batch 8 < |R| = 38, so that the order of the points (shuffle) matters
    for options in (UnlearnOptions(batch_size=8, shuffle=True), UnlearnOptions(batch_size=8, momentum=0.9),
                    UnlearnOptions(batch_size=8, weight_decay=0.1)):
        assert not _same(unlearn(result.ensemble, x, y, FORGET, config, options=options).snapshots[2], plain.snapshots[2], atol=1e-7), options


@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(method="forget_everything", snapshot_epochs=(1,), lr=0.1), "method"),
        (dict(method="ga", snapshot_epochs=(1,), lr=-0.1), "lr"),
        (dict(method="ga", snapshot_epochs=(1,), lr=float("nan")), "lr"),
        (dict(method="ga", snapshot_epochs=(0,), lr=0.1), "snapshot epoch"),
        (dict(method="gda", snapshot_epochs=(1,), lr=0.1, ascent_epochs=0), "ascent_epochs"),
        (dict(method="ga", snapshot_epochs=(), lr=0.1), "snapshot_epochs"),
        (dict(method="noisy", snapshot_epochs=(1,), lr=0.1, noise_std=0.0), "noise_std"),
    ],
)
def test_bad_configs_raise_naming_the_parameter(kwargs, word):
    with pytest.raises(ValueError, match=word):
        MethodConfig(**kwargs)


def test_bad_forget_indices(setup):
    x, y, result = setup
    with pytest.raises(ValueError, match="forget"):
        unlearn(result.ensemble, x, y, [0, N_POINTS], MethodConfig("ga", (1,), lr=0.1))
    with pytest.raises(ValueError, match="repeated"):
        unlearn(result.ensemble, x, y, [1, 1], MethodConfig("ga", (1,), lr=0.1))
