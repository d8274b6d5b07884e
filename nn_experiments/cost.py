"""What an unlearning configuration costs its user, relative to training one oracle (docs/experiments.md#cost-relative-to-retraining).

One oracle is ``recipe.epochs`` passes over the retain set R: ``epochs × |R|`` per-example gradient evaluations.
Three numbers per snapshot of a run (per model; every model of an ensemble pays the same):

* ``cost``: gradient evaluations of the unlearning loop only, / (epochs × |R|). This is the paper's notion
  (Section 5, "cost relative to retraining") and the one the figures colour by.
* ``cost_total``: what a user pays, / (epochs × |R|):

      gradient evaluations of the loop
      + gradient evaluations of the rewind checkpoint's training (``rewind_epoch × n_train``; 0 for the
        initialisation and for every other method): a user who did not keep checkpoints must train it
      + ``FORWARD_COST`` × forward-only evaluations, as the method counts them
        (:func:`~ascent_fails.nn_experiments.methods.unlearn` hands them to ``on_snapshot``; SCRUB's frozen teacher:
        one pass over the n_train training points, whose logits are then reused for every step).

  A forward-only evaluation is charged ``FORWARD_COST = 1/3`` of a gradient evaluation: the backward pass of a
  feed-forward network costs about twice its forward pass, so forward + backward ≈ 3 forwards. The forward
  passes that *score* a snapshot (KLoM against the oracles) are measurement, not unlearning, and are not
  charged.
* the *search cost* of a method on a forget set (:func:`search_costs`): to pick a configuration a user must
  run every configuration of the grid (each to its last snapshot epoch; the earlier snapshots come free) and
  train the oracles that KLoM compares against, so per model it is ``Σ_runs cost_total(run) + 1``. Knowing
  whether the best configuration reached the noise floor needs a second oracle ensemble: one more.

>>> cost_relative_to_retraining(300, retain_size=100, oracle_epochs=30)
0.1
>>> row_costs("scrub", 300, 110, rewind_epoch=0, n_train=110, retain_size=100, oracle_epochs=30)["cost_total"]
0.11222222222222222
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ascent_fails.validate import require_nonnegative, require_positive_int

__all__ = ["FORWARD_COST", "cost_relative_to_retraining", "checkpoint_gradient_evaluations",
           "row_costs", "search_costs", "cost_summary"]

FORWARD_COST = 1.0 / 3.0  # a forward-only evaluation, in gradient evaluations (backward ≈ 2 forwards)


def cost_relative_to_retraining(gradient_evaluations: int, *, retain_size: int, oracle_epochs: int) -> float:
    """Per-model gradient evaluations of the unlearning run / those of training one oracle (|R| × epochs)."""
    require_nonnegative("gradient_evaluations", gradient_evaluations)
    retain_size = require_positive_int("retain_size", retain_size, symbol="|R|")
    oracle_epochs = require_positive_int("oracle_epochs", oracle_epochs)
    return float(gradient_evaluations) / float(retain_size * oracle_epochs)


def checkpoint_gradient_evaluations(method: str, rewind_epoch: int, n_train: int) -> int:
    """Per-model gradient evaluations of training the rewind checkpoint (``rewind_epoch`` passes over all n_train
    points); 0 for the initialisation (rewind_epoch 0) and for every method other than rewind."""
    rewind_epoch = require_positive_int("rewind_epoch", rewind_epoch, minimum=0)
    n_train = require_positive_int("n_train", n_train)
    return rewind_epoch * n_train if method == "rewind" else 0


def row_costs(method: str, gradient_evaluations: int, forward_evaluations: int, *, rewind_epoch: int, n_train: int,
              retain_size: int, oracle_epochs: int) -> dict[str, float | int]:
    """The cost keys of one results.json row (module docstring): ``cost``, ``cost_total``,
    ``forward_evaluations``, ``checkpoint_gradient_evaluations``; the evaluations are per model, up to the snapshot."""
    forward = int(require_nonnegative("forward_evaluations", forward_evaluations))
    checkpoint = checkpoint_gradient_evaluations(method, rewind_epoch, n_train)
    oracle = require_positive_int("retain_size", retain_size, symbol="|R|") * require_positive_int("oracle_epochs", oracle_epochs)
    return {
        "cost": cost_relative_to_retraining(gradient_evaluations, retain_size=retain_size, oracle_epochs=oracle_epochs),
        "cost_total": (float(gradient_evaluations) + checkpoint + FORWARD_COST * forward) / oracle,
        "forward_evaluations": forward,
        "checkpoint_gradient_evaluations": checkpoint,
    }


def _run_key(row: Mapping[str, Any]) -> tuple[str, str, tuple[tuple[str, Any], ...]]:
    return row["method"], row["forget_set"], tuple(sorted(row["hparams"].items()))


def search_costs(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per method: the grid search's cost per model, relative to one oracle (module docstring), per forget set.

    ``rows`` are results.json rows; a *run* is one (method, forget set, hyperparameters) and costs the
    ``cost_total`` of its last snapshot (the gradient-only ``cost`` for rows written before ``cost_total``
    existed). Returns ``{method: {"runs": runs per forget set, "per_forget_set": {set: Σ cost + 1},
    "median": median over sets}}``; the ``+ 1`` is the oracle training that picking needs.

    >>> rows = [{"method": "ga", "forget_set": "a", "hparams": {"lr": lr}, "epoch": e, "cost": 0.1 * e}
    ...         for lr in (0.1, 0.2) for e in (1, 2)]
    >>> search_costs(rows)["ga"]["per_forget_set"]
    {'a': 1.4}
    """
    import numpy as np

    last: dict[tuple[str, str, tuple[tuple[str, Any], ...]], float] = {}
    for row in rows:
        key = _run_key(row)
        last[key] = max(last.get(key, 0.0), float(row.get("cost_total", row["cost"])))
    out: dict[str, dict[str, Any]] = {}
    for (method, forget_set, _), value in sorted(last.items()):
        entry = out.setdefault(method, {"runs": 0, "per_forget_set": {}})
        entry["per_forget_set"][forget_set] = entry["per_forget_set"].get(forget_set, 1.0) + value
    for method, entry in out.items():
        sets = entry["per_forget_set"]
        entry["runs"] = sum(1 for key in last if key[0] == method) // max(len(sets), 1)
        entry["per_forget_set"] = {k: round(v, 12) for k, v in sets.items()}
        entry["median"] = float(np.median(list(sets.values())))
    return out


def cost_summary(results: Mapping[str, Any]) -> str:
    """One paragraph for ``report.md``: per method, the cost of its most expensive configuration over all forget
    sets, with and without the extras, and the median (over forget sets) search cost (module docstring)."""
    import numpy as np

    rows = results["runs"]
    search = search_costs(rows)
    parts = []
    for method, entry in search.items():
        if method == "do_nothing":  # nothing to run or pick
            continue
        mine = [r for r in rows if r["method"] == method]
        top_total = float(np.max([r.get("cost_total", r["cost"]) for r in mine]))
        top = float(np.max([r["cost"] for r in mine]))
        parts.append(f"{method}: up to {top:.3g} (gradient steps only) / {top_total:.3g} (all) of one oracle per "
                     f"configuration; search over its {entry['runs']} run(s) per forget set: {entry['median']:.3g} "
                     "oracles (median over sets)")
    return ("Cost per model relative to training one oracle, counting the unlearning loop's gradient evaluations, the "
            f"rewind checkpoint's training and forward-only passes at {FORWARD_COST:.2g} of a gradient evaluation "
            "(SCRUB's teacher); the search cost adds every configuration of the grid and the oracles needed to pick one "
            "(+1; knowing whether the pick reached the noise floor needs another oracle ensemble, +1 more) "
            f"(docs/experiments.md#cost-relative-to-retraining). " + "; ".join(parts) + ".")
