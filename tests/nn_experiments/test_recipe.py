"""A training recipe is validated once, naming the bad field."""

from __future__ import annotations

import pytest

from ascent_fails.nn_experiments.recipe import TrainRecipe


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [(dict(epochs=0), "epochs=0"), (dict(lr=-1.0), "lr=-1.0"), (dict(lr_schedule="cosine"), "lr_schedule"),
     (dict(momentum=1.0), "momentum=1.0"), (dict(lr_schedule="triangular", peak_epoch=40.0), "peak_epoch=40.0")],
)
def test_bad_recipe_is_a_value_error(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainRecipe(**kwargs)
