"""The unlearning method of audit_method.py, written for one model (docs/audit.md, "Per-model methods").

"Ascend, then repair": gradient ascent on the forget set F at rate ``lr`` in every epoch, followed by one
descent pass over the retain set R at rate ``repair_lr``, on one ``torch.nn.Module`` with a plain
``torch.optim.SGD``; the suite runs it on each of the N models. Audit it with the same grid as the ensemble form:

    ascent-fails audit --method docs/examples/per_model_method.py:unlearn --grid docs/examples/audit_grid.toml
"""

import torch
import torch.nn.functional as F

from ascent_fails.nn_experiments.per_model import per_model_method


@per_model_method(hparams=("lr", "repair_lr"))
def unlearn(model, forget, retain, data, hparams, *, seed, generator):
    """Ascend on F at lr, then descend on R at repair_lr, every epoch (one model)."""
    opt = torch.optim.SGD(model.parameters(), lr=hparams["lr"], momentum=data.options.momentum,
                          weight_decay=data.options.weight_decay)
    batch = data.options.batch_size
    model.train(data.options.train_mode)
    while True:  # one epoch per yield; the suite stops after max(data.snapshot_epochs) epochs
        for indices, sign, lr in ((forget, -1.0, hparams["lr"]), (retain, 1.0, hparams["repair_lr"])):
            for group in opt.param_groups:
                group["lr"] = lr
            order = indices[torch.randperm(len(indices), generator=generator)]  # this model's own order
            for start in range(0, len(order), batch):
                rows = order[start:start + batch].to(data.x.device)
                loss = sign * F.cross_entropy(model(data.x[rows]), data.y[rows])
                opt.zero_grad()
                loss.backward()
                opt.step()
        yield len(forget) + len(retain)  # this epoch's per-example gradient evaluations
