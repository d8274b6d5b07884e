"""An ensemble's models can be chosen, joined and checkpointed without changing any model."""

from __future__ import annotations

import torch

from ascent_fails.nn_experiments.ensemble import Ensemble, concat_ensembles
from ascent_fails.nn_experiments.recipe import TrainRecipe
from ascent_fails.nn_experiments.training import train_ensemble


def test_chunks_of_models_concatenate_to_the_whole_ensemble(digits) -> None:
    x, y = digits
    recipe = TrainRecipe(epochs=2, batch_size=16)
    whole = train_ensemble("mlp", x, y, recipe, n_models=3, seed=1, num_classes=10, progress=False).ensemble
    parts = [
        train_ensemble("mlp", x, y, recipe, n_models=n, seed=1, num_classes=10, first_model=first,
                       progress=False).ensemble
        for first, n in ((0, 2), (2, 1))
    ]
    joined = concat_ensembles(parts)
    assert joined.seeds == whole.seeds
    torch.testing.assert_close(joined.logits(x), whole.logits(x), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(whole.select([2, 0]).logits(x), whole.logits(x)[[2, 0]])


def test_state_dict_round_trip_carries_the_config(digits) -> None:
    x, y = digits
    ensemble = train_ensemble("cnn", x, y, TrainRecipe(epochs=1, batch_size=16), n_models=2, seed=0,
                              num_classes=10, progress=False).ensemble
    restored = Ensemble.from_state(ensemble.state_dict())
    assert restored.config == ensemble.config
    torch.testing.assert_close(restored.logits(x), ensemble.logits(x))
    copy = ensemble.clone()
    with torch.no_grad():
        next(copy.module.parameters()).add_(1.0)
    assert not torch.equal(copy.logits(x), ensemble.logits(x))
