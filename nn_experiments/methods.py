"""Unlearning methods, applied to all N pretrained models at once through the ensemble engine (docs/experiments.md#unlearning-methods).

Every method is one loop, :func:`ascent_descent`, with different passes, losses and starting points. With
F the forget set, R the retain set (train minus F), η the learning rate and ℓ the cross-entropy, epoch
e = 1 … E of the loop does, with one optimiser throughout (plain SGD by default: the reference's):

1. if e ≤ ``ascent_epochs``: one *ascent* pass over F, each step minimising −L_asc (``sign=-1``);
2. if ``descent``: one *descent* pass over R, each step minimising L_desc;
3. if e is a snapshot epoch: the ensemble is scored (or copied).

* **GA** (gradient ascent): L_asc = ℓ, ascent in every epoch, no descent pass: GA *is* GDA with
  ``descent=False`` and ``ascent_epochs = E`` (the test suite checks the equality).
* **GDA** (gradient descent-ascent): L_asc = L_desc = ℓ; ascent passes stop after ``ascent_epochs``.
* **SCRUB** (Kurmanji et al. 2023): the *student* (a copy of the pretrained model) is optimised; the
  *teacher* is the frozen pretrained model. With temperature T,
  KL_T(s, t) = T²·KL(softmax(t/T) ‖ softmax(s/T)) (batch mean): L_asc = KL_T (max step) and
  L_desc = γ·ℓ + α·KL_T (min step), and η is multiplied by ``scrub_lr_decay_factor`` after each epoch in
  ``scrub_lr_decay_epochs``. The reference implementation passes the *teacher's* parameters to its
  optimiser, so its student never moves and its SCRUB is "do nothing"; here the student is optimised and
  the teacher's logits (eval mode, hence deterministic) are computed once before the loop.
* **do nothing**: the pretrained ensemble itself (epoch 0, cost 0).
* **fine-tune**: descent on R only (``ascent_epochs = 0``).
* **rewind**: the pretraining checkpoint after ``rewind_epoch`` epochs (0 = the initialisation), then
  fine-tuning on R. Pretraining checkpoints are stored anyway, so their cost is not charged.
* **noisy** (Langevin fine-tuning on R): after every SGD step θ ← θ + √(2η)·σ·ξ, ξ ~ N(0, I), i.e.
  the Euler–Maruyama step of Langevin dynamics at temperature σ² (the noise is the only difference from
  fine-tuning).

The shuffling order and the noise of the noisy method come from generators seeded by the run's ``seed``;
shuffling, momentum, weight decay and the train/eval mode of the model during unlearning are explicit
:class:`~nn_experiments.sweep.UnlearnOptions` whose defaults are the reference's.

**Cost relative to retraining** (docs/experiments.md#cost-relative-to-retraining): per-example gradient evaluations of the unlearning run (per
model: Σ over steps of the batch size; teacher forward passes are not gradient evaluations) divided by
those of training one oracle, ``recipe.epochs × |R|``.

>>> import torch
>>> from ascent_fails.nn_experiments.recipe import TrainRecipe
>>> from ascent_fails.nn_experiments.training import train_ensemble
>>> x, y = torch.randn(40, 64), torch.arange(40) % 4
>>> pre = train_ensemble("mlp", x, y, TrainRecipe(epochs=2, batch_size=8), n_models=2, seed=0,
...                      num_classes=4, progress=False).ensemble
>>> run = unlearn(pre, x, y, forget=range(5), config=MethodConfig("ga", (1, 2), lr=0.1))
>>> sorted(run.snapshots), run.gradient_evaluations   # per model: 2 epochs × 5 forget points
([1, 2], {1: 5, 2: 10})
>>> cost_relative_to_retraining(run.gradient_evaluations[2], retain_size=35, oracle_epochs=2)
0.14285714285714285
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ascent_fails.nn_experiments.ensemble import Ensemble, as_tensor
from ascent_fails.nn_experiments.optimizer import make_optimizer
from ascent_fails.nn_experiments.sgd_pass import LossFn, cross_entropy_loss, sgd_pass
from ascent_fails.nn_experiments.sweep import MethodConfig, UnlearnOptions
from ascent_fails.validate import require_nonnegative, require_positive_int

__all__ = [
    "UnlearnResult",
    "ascent_descent",
    "unlearn",
    "scrub_kl_loss",
    "cost_relative_to_retraining",
]

# on_snapshot(epoch, live ensemble, per-model gradient evaluations so far)
SnapshotFn = Callable[[int, Ensemble, int], None]


@dataclass(frozen=True)
class UnlearnResult:
    """The outcome of one run: the ensemble after each requested epoch and the cost so far."""

    snapshots: Mapping[int, Ensemble]  # epoch → copy (eval mode); empty when an on_snapshot callback took them
    gradient_evaluations: Mapping[int, int]  # epoch → per-model gradient evaluations up to that epoch
    config: MethodConfig
    seed: int  # seed of the shuffling / noise generators
    final_lr: float = field(default=float("nan"))  # η at the last epoch (differs from config.lr for SCRUB)


def cost_relative_to_retraining(gradient_evaluations: int, *, retain_size: int, oracle_epochs: int) -> float:
    """Per-model gradient evaluations of the unlearning run / those of training one oracle (|R| × epochs)."""
    require_nonnegative("gradient_evaluations", gradient_evaluations)
    retain_size = require_positive_int("retain_size", retain_size, symbol="|R|")
    oracle_epochs = require_positive_int("oracle_epochs", oracle_epochs)
    return float(gradient_evaluations) / float(retain_size * oracle_epochs)


def scrub_kl_loss(teacher_logits: Tensor, temperature: float) -> LossFn:
    """KL_T(s, t) = T²·KL(softmax(t/T) ‖ softmax(s/T)), mean over the valid batch entries, per model ``[N]``.

    ``teacher_logits [N, n_train, C]`` are looked up with the batch's ``batch_indices [N, B]`` (the teacher
    is frozen and in eval mode, so its logits on a point never change).

    >>> t = torch.tensor([[[2.0, 0.0], [0.0, 1.0]]])          # N=1, two points
    >>> loss = scrub_kl_loss(t, temperature=4.0)
    >>> float(loss(t.clone(), None, torch.tensor([[0, 1]]), torch.tensor([[True, True]])))  # student = teacher
    0.0
    """

    def loss(logits: Tensor, targets: Tensor, batch_indices: Tensor, valid: Tensor) -> Tensor:
        n_models, batch, classes = logits.shape
        index = batch_indices.unsqueeze(2).expand(n_models, batch, classes)  # [N, B, C]
        teacher = teacher_logits.gather(1, index)  # [N, B, C]
        log_student = F.log_softmax(logits / temperature, dim=2)
        log_teacher = F.log_softmax(teacher / temperature, dim=2)
        per_example = (log_teacher.exp() * (log_teacher - log_student)).sum(2) * temperature**2  # [N, B]
        return torch.where(valid, per_example, 0.0).sum(1) / valid.sum(1).clamp(min=1)

    return loss


def _weighted(terms: Sequence[tuple[float, LossFn]]) -> LossFn:
    """Σ wᵢ·Lᵢ of per-model losses."""

    def loss(logits: Tensor, targets: Tensor, batch_indices: Tensor, valid: Tensor) -> Tensor:
        return sum(w * fn(logits, targets, batch_indices, valid) for w, fn in terms)

    return loss


def _langevin_noise(ensemble: Ensemble, optimizer: torch.optim.Optimizer, noise_std: float, seed: int) -> Callable[[int], None]:
    """after_step hook: θ ← θ + √(2η)·σ·ξ on every parameter (ξ from a seeded generator on the device)."""
    generator = torch.Generator(device=ensemble.device).manual_seed(seed)

    @torch.no_grad()
    def add_noise(step: int) -> None:
        scale = float(np.sqrt(2.0 * optimizer.param_groups[0]["lr"])) * noise_std
        for param in ensemble.module.parameters():
            param.add_(torch.randn(param.shape, generator=generator, device=param.device) * scale)

    return add_noise


def ascent_descent(
    ensemble: Ensemble,
    x: Tensor,
    y: Tensor,
    forget: Tensor,
    retain: Tensor,
    *,
    lr: float,
    snapshot_epochs: Sequence[int],
    ascent_epochs: int,
    descent: bool,
    forget_batch_size: int,
    options: UnlearnOptions,
    ascent_loss: LossFn | None = None,
    descent_loss: LossFn | None = None,
    lr_at_epoch: Callable[[int], float] | None = None,
    noise_std: float = 0.0,
    seed: int = 0,
    on_snapshot: SnapshotFn | None = None,
) -> tuple[dict[int, Ensemble], dict[int, int], float]:
    """The one loop behind every method (module docstring); updates ``ensemble`` in place.

    Returns (snapshots by epoch, per-model gradient evaluations by epoch, η of the last epoch). ``forget`` and
    ``retain`` are index tensors into ``x``/``y``; ``lr_at_epoch(e)`` overrides η in epoch e (SCRUB's decay).
    """
    epochs = max(snapshot_epochs)
    wanted = set(snapshot_epochs)
    optimizer = make_optimizer(ensemble, lr, options.momentum, options.weight_decay)
    shuffler = torch.Generator().manual_seed(seed)  # CPU: sgd_pass draws its permutation keys on CPU
    after_step = _langevin_noise(ensemble, optimizer, noise_std, seed + 1) if noise_std > 0 else None
    common = dict(shuffle=options.shuffle, generator=shuffler, train_mode=options.train_mode)
    snapshots: dict[int, Ensemble] = {}
    evaluations: dict[int, int] = {}
    total = 0  # Σ over models of gradient evaluations
    eta = lr
    for epoch in range(1, epochs + 1):
        eta = lr if lr_at_epoch is None else lr_at_epoch(epoch)
        for group in optimizer.param_groups:
            group["lr"] = eta
        if epoch <= ascent_epochs and forget.numel():
            total += sgd_pass(ensemble, optimizer, x, y, forget, batch_size=forget_batch_size, loss_fn=ascent_loss, sign=-1, **common)
        if descent:
            total += sgd_pass(
                ensemble, optimizer, x, y, retain, batch_size=options.batch_size, loss_fn=descent_loss, sign=1, after_step=after_step, **common
            )
        if epoch in wanted:
            per_model = total // ensemble.n_models
            evaluations[epoch] = per_model
            if on_snapshot is None:
                copy = ensemble.clone()
                copy.module.eval()
                snapshots[epoch] = copy
            else:
                on_snapshot(epoch, ensemble, per_model)
    return snapshots, evaluations, eta


def unlearn(
    pretrained: Ensemble,
    x: Tensor | np.ndarray,
    y: Tensor | np.ndarray,
    forget: Sequence[int] | np.ndarray | Tensor,
    config: MethodConfig,
    *,
    options: UnlearnOptions = UnlearnOptions(),
    checkpoints: Mapping[int, Ensemble] | None = None,
    seed: int = 0,
    on_snapshot: SnapshotFn | None = None,
) -> UnlearnResult:
    """Apply ``config`` (method + hyperparameters + snapshot epochs) to every model of ``pretrained``.

    ``x``/``y`` is the full training set and ``forget`` indexes F in it (R is the rest). ``pretrained`` is
    never modified: the run starts from a copy (the rewind method from ``checkpoints[rewind_epoch]``, the
    pretraining checkpoints by epoch; epoch 0 is rebuilt from the ensemble's initialisation seeds). With
    ``on_snapshot(epoch, ensemble, evaluations)`` the live ensemble is handed over at each snapshot epoch
    instead of being copied (for large ensembles); it must not be modified by the callback.
    """
    device = pretrained.device
    inputs = as_tensor(x, torch.float32).to(device)
    labels = as_tensor(y, torch.long).to(device)
    n_train = inputs.shape[0]
    forget_idx = as_tensor(np.asarray(forget, dtype=np.int64), torch.long).cpu()
    if forget_idx.ndim != 1 or (forget_idx.numel() and (int(forget_idx.min()) < 0 or int(forget_idx.max()) >= n_train)):
        raise ValueError(f"forget must be a 1-D array of indices in [0, {n_train})")
    if forget_idx.unique().numel() != forget_idx.numel():
        raise ValueError("forget has repeated indices")
    keep = torch.ones(n_train, dtype=torch.bool)
    keep[forget_idx] = False
    retain_idx = keep.nonzero().squeeze(1)
    seed = require_positive_int("seed", seed, minimum=0)
    method = config.method

    if method == "do_nothing":
        if on_snapshot is not None:
            on_snapshot(0, pretrained, 0)
            return UnlearnResult({}, {0: 0}, config, seed, float("nan"))
        copy = pretrained.clone()
        copy.module.eval()
        return UnlearnResult({0: copy}, {0: 0}, config, seed, float("nan"))

    if method == "rewind":
        if config.rewind_epoch == 0:
            student = Ensemble.build(pretrained.config, device)  # the initialisation, from the stored seeds
        else:
            if checkpoints is None or config.rewind_epoch not in checkpoints:
                have = sorted(checkpoints) if checkpoints else []
                raise ValueError(f"rewind_epoch={config.rewind_epoch} has no pretraining checkpoint; available epochs: {have}")
            student = checkpoints[config.rewind_epoch].to(device)
    else:
        student = pretrained.clone()

    ce = cross_entropy_loss()
    kw = dict(lr=config.lr, snapshot_epochs=config.snapshot_epochs, options=options, seed=seed, on_snapshot=on_snapshot)
    if method == "ga":
        # GA is GDA without descent passes, ascending in every epoch, batch = the shared batch size
        run = ascent_descent(student, inputs, labels, forget_idx, retain_idx, ascent_epochs=config.epochs, descent=False,
                             forget_batch_size=options.batch_size, ascent_loss=ce, **kw)
    elif method == "gda":
        run = ascent_descent(student, inputs, labels, forget_idx, retain_idx, ascent_epochs=config.ascent_epochs, descent=True,
                             forget_batch_size=config.forget_batch_size, ascent_loss=ce, descent_loss=ce, **kw)
    elif method == "scrub":
        teacher_logits = pretrained.logits(inputs, batch_size=1024).detach()  # [N, n_train, C], frozen teacher
        kl = scrub_kl_loss(teacher_logits, options.scrub_temperature)
        decay = np.asarray(options.scrub_lr_decay_epochs)

        def lr_at_epoch(epoch: int) -> float:
            # SCRUB's adjust_learning_rate: η · factor^(number of decay epochs strictly before this epoch)
            return config.lr * options.scrub_lr_decay_factor ** int(np.sum(epoch > decay))

        run = ascent_descent(student, inputs, labels, forget_idx, retain_idx, ascent_epochs=config.ascent_epochs, descent=True,
                             forget_batch_size=config.forget_batch_size, ascent_loss=kl,
                             descent_loss=_weighted([(options.scrub_ce_weight, ce), (options.scrub_kl_weight, kl)]),
                             lr_at_epoch=lr_at_epoch, **kw)
    else:  # finetune, rewind, noisy: descent on R only
        run = ascent_descent(student, inputs, labels, forget_idx, retain_idx, ascent_epochs=0, descent=True,
                             forget_batch_size=config.forget_batch_size, descent_loss=ce,
                             noise_std=config.noise_std if method == "noisy" else 0.0, **kw)
    snapshots, evaluations, final_lr = run
    return UnlearnResult(snapshots, evaluations, config, seed, final_lr)
