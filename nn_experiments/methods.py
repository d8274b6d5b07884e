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

**Plug-ins.** Every method above is a function with the plug-in signature of
:mod:`~ascent_fails.nn_experiments.method_plugins` (``ga``, ``gda``, ``scrub``, ``do_nothing``, ``finetune``,
``rewind``, ``noisy`` below, registered under their names); :func:`unlearn` validates F, builds the
:class:`~ascent_fails.nn_experiments.method_plugins.MethodData` and calls the registered function, so a user's
method loaded with ``ascent-fails audit --method module:function`` runs through exactly the same code.

**Cost relative to retraining** (docs/experiments.md#cost-relative-to-retraining): per-example gradient evaluations of the unlearning run (per
model: Σ over steps of the batch size; teacher forward passes are not gradient evaluations) divided by
those of training one oracle, ``recipe.epochs × |R|``. Forward-only evaluations are counted apart
(``UnlearnResult.forward_evaluations``; SCRUB's teacher: one pass over the n_train points per model) and
priced by :mod:`~ascent_fails.nn_experiments.cost`.

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

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ascent_fails.nn_experiments.cost import cost_relative_to_retraining  # re-exported; owner: cost.py
from ascent_fails.nn_experiments.ensemble import Ensemble, as_tensor
from ascent_fails.nn_experiments.optimizer import make_optimizer
from ascent_fails.nn_experiments.sgd_pass import LossFn, cross_entropy_loss, sgd_pass
from ascent_fails.nn_experiments import method_plugins
from ascent_fails.nn_experiments.sweep import METHOD_HPARAMS, MethodConfig, UnlearnOptions
from ascent_fails.validate import require_nonnegative, require_positive_int

__all__ = [
    "UnlearnResult",
    "ascent_descent",
    "unlearn",
    "scrub_kl_loss",
    "cost_relative_to_retraining",
    "BUILTIN",
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
    # epoch → per-model forward-only evaluations up to that epoch (SCRUB's teacher pass; a plug-in's own count)
    forward_evaluations: Mapping[int, int] = field(default_factory=dict)


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


def _checkpoints_of(checkpoints: Mapping[int, Ensemble] | None) -> Callable[[int], Ensemble]:
    def checkpoint(epoch: int) -> Ensemble:
        if checkpoints is None or epoch not in checkpoints:
            have = sorted(checkpoints) if checkpoints else []
            raise ValueError(f"rewind_epoch={epoch} has no pretraining checkpoint; available epochs: {have}")
        return checkpoints[epoch]

    return checkpoint


def _takes_forward_count(callback: Callable[..., None]) -> bool:
    """Whether ``callback`` accepts a 4th argument (forward evaluations); older 3-argument callbacks do not."""
    try:
        inspect.signature(callback).bind(0, None, 0, 0)
    except TypeError:
        return False
    except ValueError:  # no introspectable signature: call it the old way
        return False
    return True


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
    instead of being copied (for large ensembles); it must not be modified by the callback. A callback that
    takes a 4th argument also gets the per-model forward-only evaluations.

    The method is looked up in the plug-in registry (:mod:`~ascent_fails.nn_experiments.method_plugins`): the
    built-in methods below and any loaded ``module:function`` are called the same way.
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
    plugin = method_plugins.lookup(config.method)
    if plugin is None:
        raise ValueError(f"method={config.method!r} is neither built in nor a loaded plug-in; built in: {sorted(BUILTIN)}")

    wanted = tuple(config.snapshot_epochs)
    data = method_plugins.MethodData(x=inputs, y=labels, options=options, snapshot_epochs=wanted, pretrained=pretrained,
                                     checkpoint=_checkpoints_of(checkpoints))
    snapshots: dict[int, Ensemble] = {}
    gradients: dict[int, int] = {}
    forwards: dict[int, int] = {}
    four = on_snapshot is not None and _takes_forward_count(on_snapshot)

    def report(epoch: int, ensemble: Ensemble, gradient_evaluations: int, forward_evaluations: int = 0) -> None:
        epoch = int(epoch)
        if epoch not in wanted or epoch in gradients:
            why = "twice" if epoch in gradients else f"which is not one of snapshot_epochs={list(wanted)}"
            raise ValueError(f"method {config.method!r} reported a snapshot at epoch {epoch} {why}")
        if not isinstance(ensemble, Ensemble):
            raise ValueError(f"method {config.method!r} reported a {type(ensemble).__name__} at epoch {epoch}, not an Ensemble")
        gradients[epoch] = int(require_nonnegative("gradient_evaluations", gradient_evaluations))
        forwards[epoch] = int(require_nonnegative("forward_evaluations", forward_evaluations))
        if on_snapshot is None:
            copy = ensemble.clone()
            copy.module.eval()
            snapshots[epoch] = copy
        elif four:
            on_snapshot(epoch, ensemble, gradients[epoch], forwards[epoch])
        else:
            on_snapshot(epoch, ensemble, gradients[epoch])

    student = pretrained.clone() if plugin.name not in _NO_COPY else pretrained
    final = plugin.fn(student, forget_idx, retain_idx, data, config.hparams(), seed=seed, on_snapshot=report)
    if not gradients:
        # a method that reports nothing is scored once, on what it returns, at its last epoch (cost not reported)
        if len(wanted) > 1:
            raise ValueError(f"method {config.method!r} reported no snapshot; with snapshot_epochs={list(wanted)} it must "
                             "call on_snapshot(epoch, ensemble, gradient_evaluations) after each of them")
        report(wanted[-1], final, 0, 0)
    missing = [e for e in wanted if e not in gradients]
    if missing:
        raise ValueError(f"method {config.method!r} reported no snapshot at epoch(s) {missing} of snapshot_epochs={list(wanted)}")
    return UnlearnResult(snapshots, gradients, config, seed, float(data.notes.get("final_lr", float("nan"))), forwards)


# ---- the built-in methods, as plug-ins (method_plugins' signature; module docstring for the mathematics) ----

def _loop(ensemble: Ensemble, forget: Tensor, retain: Tensor, data: method_plugins.MethodData, lr: float, seed: int,
          on_snapshot: SnapshotFn, **kw: Any) -> Ensemble:
    _, _, data.notes["final_lr"] = ascent_descent(ensemble, data.x, data.y, forget, retain, lr=lr,
                                                  snapshot_epochs=data.snapshot_epochs, options=data.options, seed=seed,
                                                  on_snapshot=on_snapshot, **kw)
    return ensemble


def ga(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
    """GA: ascent on F in every epoch, no descent pass, batch = the shared batch size."""
    return _loop(ensemble, forget, retain, data, hparams["lr"], seed, on_snapshot, ascent_epochs=max(data.snapshot_epochs),
                 descent=False, forget_batch_size=data.options.batch_size, ascent_loss=cross_entropy_loss())


def gda(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
    """GDA: an ascent pass on F (epochs ≤ ascent_epochs), then a descent pass on R, every epoch."""
    ce = cross_entropy_loss()
    return _loop(ensemble, forget, retain, data, hparams["lr"], seed, on_snapshot, ascent_epochs=hparams["ascent_epochs"],
                 descent=True, forget_batch_size=hparams["forget_batch_size"], ascent_loss=ce, descent_loss=ce)


def scrub(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
    """SCRUB: max step KL_T on F, min step γ·CE + α·KL_T on R, against the frozen pretrained teacher."""
    options, lr = data.options, hparams["lr"]
    teacher_logits = data.pretrained.logits(data.x, batch_size=1024).detach()  # [N, n_train, C], frozen teacher
    n_teacher = int(data.x.shape[0])  # per-model forward-only evaluations: the teacher's pass over the training set
    ce, kl = cross_entropy_loss(), scrub_kl_loss(teacher_logits, options.scrub_temperature)
    decay = np.asarray(options.scrub_lr_decay_epochs)

    def lr_at_epoch(epoch: int) -> float:
        # SCRUB's adjust_learning_rate: η · factor^(number of decay epochs strictly before this epoch)
        return lr * options.scrub_lr_decay_factor ** int(np.sum(epoch > decay))

    def with_teacher(epoch: int, ens: Ensemble, gradient_evaluations: int) -> None:
        on_snapshot(epoch, ens, gradient_evaluations, n_teacher)

    return _loop(ensemble, forget, retain, data, lr, seed, with_teacher, ascent_epochs=hparams["ascent_epochs"], descent=True,
                 forget_batch_size=hparams["forget_batch_size"], ascent_loss=kl,
                 descent_loss=_weighted([(options.scrub_ce_weight, ce), (options.scrub_kl_weight, kl)]), lr_at_epoch=lr_at_epoch)


def do_nothing(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
    """Do nothing: the pretrained ensemble itself, at epoch 0, cost 0."""
    on_snapshot(0, ensemble, 0)
    return ensemble


def _descent_only(ensemble, forget, retain, data, hparams, seed, on_snapshot, noise_std=0.0):
    return _loop(ensemble, forget, retain, data, hparams["lr"], seed, on_snapshot, ascent_epochs=0, descent=True,
                 forget_batch_size=MethodConfig.forget_batch_size, descent_loss=cross_entropy_loss(), noise_std=noise_std)


def finetune(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
    """Fine-tune: descent passes on R only."""
    return _descent_only(ensemble, forget, retain, data, hparams, seed, on_snapshot)


def rewind(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
    """Rewind: the pretraining checkpoint after rewind_epoch epochs (0: the initialisation), then fine-tuning on R."""
    epoch = hparams["rewind_epoch"]
    device = data.pretrained.device
    if epoch == 0:
        student = Ensemble.build(data.pretrained.config, device)  # the initialisation, from the stored seeds
    else:
        student = data.checkpoint(epoch).to(device)
    return _descent_only(student, forget, retain, data, hparams, seed, on_snapshot)


def noisy(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
    """Noisy fine-tuning: Langevin steps on R (θ += √(2η)·σ·ξ after every SGD step)."""
    return _descent_only(ensemble, forget, retain, data, hparams, seed, on_snapshot, noise_std=hparams["noise_std"])


#: the built-in methods, registered in the plug-in registry under their names.METHODS names
BUILTIN = {"ga": ga, "gda": gda, "scrub": scrub, "do_nothing": do_nothing, "finetune": finetune, "rewind": rewind, "noisy": noisy}
# these read the pretrained ensemble without modifying it (do nothing) or start elsewhere (rewind): no copy needed
_NO_COPY = ("do_nothing", "rewind")
for _name, _fn in BUILTIN.items():
    method_plugins.register(method_plugins.plugin_from_callable(_fn, _name, METHOD_HPARAMS[_name]))
