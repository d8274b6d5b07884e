"""An unlearning method written against ascent-fails' plug-in interface (docs/audit.md).

"Ascend, then repair": gradient ascent on the forget set F at rate ``lr`` in every epoch, followed by one
descent pass over the retain set R at rate ``repair_lr``. Audit it with

    ascent-fails audit --method docs/examples/audit_method.py:unlearn --grid docs/examples/audit_grid.toml
"""

import torch

from ascent_fails.nn_experiments.method_plugins import method_plugin
from ascent_fails.nn_experiments.optimizer import make_optimizer
from ascent_fails.nn_experiments.sgd_pass import sgd_pass


@method_plugin(hparams=("lr", "repair_lr"))
def unlearn(ensemble, forget, retain, data, hparams, *, seed, on_snapshot):
    """Ascend on F at lr, then descend on R at repair_lr, every epoch."""
    opt = make_optimizer(ensemble, hparams["lr"], data.options.momentum, data.options.weight_decay)
    order = torch.Generator().manual_seed(seed)  # every random choice comes from the run's seed
    batch = data.options.batch_size
    evaluations = 0  # Σ over the N models of per-example gradient evaluations
    for epoch in range(1, max(data.snapshot_epochs) + 1):
        for group in opt.param_groups:
            group["lr"] = hparams["lr"]
        evaluations += sgd_pass(ensemble, opt, data.x, data.y, forget, batch_size=batch, sign=-1,
                                shuffle=True, generator=order)
        for group in opt.param_groups:
            group["lr"] = hparams["repair_lr"]
        evaluations += sgd_pass(ensemble, opt, data.x, data.y, retain, batch_size=batch, sign=1,
                                shuffle=True, generator=order)
        if epoch in data.snapshot_epochs:
            on_snapshot(epoch, ensemble, evaluations // ensemble.n_models)  # per-model count
    return ensemble
