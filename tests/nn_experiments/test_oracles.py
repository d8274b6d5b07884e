"""Pretrained and oracle ensembles, their caching and seeds, and the leave-out check (with a negative control)."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from ascent_fails.nn_experiments.recipe import TrainRecipe
from ascent_fails.nn_experiments.oracles import (
    EnsembleSettings,
    SplitMargins,
    check_oracle,
    forget_indices,
    oracle_ensemble,
    pretrained_ensemble,
)
from ascent_fails.nn_experiments.storage import EnsembleStore

SETTINGS = EnsembleSettings(arch="mlp", recipe=TrainRecipe(epochs=15, batch_size=32, lr=0.1, weight_decay=0.0),
                            n_models=6, seed=0, chunk_size=3)


@pytest.fixture(scope="module")
def small_digits() -> SimpleNamespace:
    """240 training and 80 validation digits (flattened, pixels/16): a data set with the Dataset attributes."""
    bunch = load_digits()
    x = (bunch.data / 16.0).astype(np.float32)
    y = bunch.target.astype(np.int64)
    return SimpleNamespace(name="digits-small", train_x=x[:240], train_y=y[:240], val_x=x[240:320], val_y=y[240:320],
                           num_classes=10)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> EnsembleStore:
    return EnsembleStore(tmp_path_factory.mktemp("store"))


FORGET = ("first_forty", np.arange(0, 240, 6))  # 40 points spread over the training set


def test_oracles_leave_the_forget_set_out_and_a_full_data_ensemble_is_caught(small_digits, store) -> None:
    pre = pretrained_ensemble(store, small_digits, SETTINGS, progress=False)
    oracle = oracle_ensemble(store, small_digits, FORGET, SETTINGS, progress=False)
    good = check_oracle(pre.margins, oracle.margins, FORGET)
    assert good.passed and good.z >= 3, good.summary()
    # negative control: an "oracle" that trained on F (an independent full-data ensemble) must fail
    bogus = store.ensemble("mlp", small_digits.train_x, small_digits.train_y, SETTINGS.recipe, n_models=6, seed=99,
                           num_classes=10, progress=False)
    bogus_margins = SplitMargins(store.margins(bogus, "train", small_digits.train_x, small_digits.train_y),
                                 store.margins(bogus, "val", small_digits.val_x, small_digits.val_y))
    bad = check_oracle(pre.margins, bogus_margins, FORGET)
    assert not bad.passed and bad.z < good.z and bad.verdict == "NOT DETECTED", bad.summary()
    assert oracle.margins.train.shape == (6, 240) and oracle.margins.all_points().shape == (6, 320)


def test_oracle_ensembles_are_cached_and_replicates_are_independent(small_digits, store) -> None:
    first = oracle_ensemble(store, small_digits, FORGET, SETTINGS, progress=False)
    again = oracle_ensemble(store, small_digits, FORGET, SETTINGS, progress=False)
    assert again.cached.models_trained == 0 and torch.equal(again.margins.val, first.margins.val)
    other = oracle_ensemble(store, small_digits, FORGET, SETTINGS, replicate=1, progress=False)
    assert other.cached.spec.seed != first.cached.spec.seed
    assert not torch.allclose(other.margins.val, first.margins.val)
    another_set = oracle_ensemble(store, small_digits, ("other", np.arange(1, 240, 6)), SETTINGS, progress=False)
    assert another_set.cached.spec.seed != first.cached.spec.seed
    assert first.cached.spec.masks_sha256 != another_set.cached.spec.masks_sha256


def test_check_oracle_z_matches_a_direct_computation() -> None:
    """The paired leave-out z written out from its definition on a hand-made margin matrix."""
    rng = np.random.default_rng(0)
    n_models, n_train, n_val = 8, 30, 20
    oracle_train, oracle_val = rng.normal(size=(n_models, n_train)), rng.normal(size=(n_models, n_val))
    pre_train, pre_val = rng.normal(size=(n_models, n_train)), rng.normal(size=(n_models, n_val)) + 0.1
    forget = np.array([2, 5, 7, 11])
    pre_train[:, forget] += 1.5  # the pretrained models know F better
    pre = SplitMargins(torch.tensor(pre_train), torch.tensor(pre_val))
    orc = SplitMargins(torch.tensor(oracle_train), torch.tensor(oracle_val))
    result = check_oracle(pre, orc, ("f", forget))

    d_f = pre_train[:, forget].mean(0) - oracle_train[:, forget].mean(0)
    d_v = pre_val.mean(0) - oracle_val.mean(0)
    s2_f = (pre_train[:, forget].var(0, ddof=1) + oracle_train[:, forget].var(0, ddof=1)) / n_models
    s2_v = (pre_val.var(0, ddof=1) + oracle_val.var(0, ddof=1)) / n_models
    z = (d_f.mean() - d_v.mean()) / math.sqrt(s2_f.sum() / 16 + s2_v.sum() / n_val**2)
    assert result.z == pytest.approx(z, rel=1e-12)
    assert result.gap_forget == pytest.approx(d_f.mean()) and result.passed
    assert result.oracle_forget_mean == pytest.approx(oracle_train[:, forget].mean())
    retain = np.setdiff1d(np.arange(n_train), forget)
    assert result.oracle_retain_mean == pytest.approx(oracle_train[:, retain].mean())


@pytest.mark.parametrize(
    ("indices", "message"),
    [([], "non-empty"), ([1, 1], "distinct"), ([0, 240], "distinct indices in"), (list(range(240)), "every training"),
     ([0.5], "integer")],
)
def test_bad_forget_sets_are_value_errors(indices, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        forget_indices(("bad", np.array(indices)), 240)


def test_settings_validate_their_fields() -> None:
    with pytest.raises(ValueError, match="n_models=0"):
        EnsembleSettings(n_models=0)
    with pytest.raises(ValueError, match="device='gpu'"):
        EnsembleSettings(device="gpu")


def test_forget_set_objects_are_accepted(small_digits, store, tmp_path: Path) -> None:
    forget_set = SimpleNamespace(name="obj", kind="random", indices=np.arange(0, 240, 6), size=40)
    assert forget_indices(forget_set, 240)[0] == "obj"
    assert np.array_equal(forget_indices(forget_set, 240)[1], FORGET[1])
