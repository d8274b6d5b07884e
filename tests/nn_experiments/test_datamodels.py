"""Datamodels: exact recovery of a planted linear datamodel, principal components, caching and resume."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ascent_fails.nn_experiments import datamodels as DM


@settings(max_examples=50)  # each example solves a regression of up to 40 × 40; 50 cover the size range
@given(st.integers(2, 40), st.integers(1, 30), st.floats(0.2, 0.8), st.integers(0, 2**31))
def test_planted_linear_datamodel_is_recovered_exactly(n_train, n_targets, fraction, seed):
    rng = np.random.default_rng(seed)
    masks = DM.subset_masks(n_train, 4 * n_train + 20, fraction, seed)
    theta = rng.normal(size=(n_targets, n_train))
    intercepts = rng.normal(size=n_targets)
    margins = masks @ theta.T + intercepts                          # noise-free linear margins [M, targets]
    assume(np.linalg.matrix_rank(masks - masks.mean(axis=0)) == n_train)  # else Θ is not identifiable (rare)
    fitted, fitted_b = DM.fit_datamodels(masks, margins, ridge=0.0)
    assert np.allclose(fitted, theta, atol=1e-7) and np.allclose(fitted_b, intercepts, atol=1e-7)


def test_ridge_shrinks_towards_the_difference_of_means_direction():
    rng = np.random.default_rng(0)
    masks = DM.subset_masks(30, 400, 0.5, 1)
    margins = masks @ rng.normal(size=(5, 30)).T + rng.normal(size=(400, 5))
    big = 1e6
    fitted, _ = DM.fit_datamodels(masks, margins, ridge=big)
    x, y = masks.astype(float), margins
    diff = np.stack([y[x[:, j] == 1].mean(0) - y[x[:, j] == 0].mean(0) for j in range(30)], axis=1)  # [5, 30]
    covariance = (x - x.mean(0)).T @ (y - y.mean(0)) / len(x)                                      # [30, 5]
    assert np.allclose(fitted * big, covariance.T, rtol=1e-4)
    assert np.corrcoef(fitted.ravel(), diff.ravel())[0, 1] > 0.99


def test_fit_rejects_singular_and_bad_input():
    masks = DM.subset_masks(20, 5, 0.5, 0)  # fewer models than points: least squares is singular
    with pytest.raises(ValueError, match="ridge"):
        DM.fit_datamodels(masks, np.zeros((5, 3)), ridge=0.0)
    with pytest.raises(ValueError, match="ridge"):
        DM.fit_datamodels(masks, np.zeros((5, 3)), ridge=-1.0)
    with pytest.raises(ValueError, match="margins"):
        DM.fit_datamodels(masks, np.zeros((4, 3)))


def test_principal_components_of_a_planted_rank_two_matrix():
    rng = np.random.default_rng(0)
    directions = np.linalg.qr(rng.normal(size=(50, 2)))[0].T          # [2, 50] orthonormal
    scores = rng.normal(size=(200, 2)) * [10.0, 3.0]
    matrix = 5.0 + scores @ directions + 0.01 * rng.normal(size=(200, 50))
    pcs = DM.principal_components(matrix, 2)
    assert abs(pcs.components[0] @ directions[0]) > 0.999 and abs(pcs.components[1] @ directions[1]) > 0.999
    assert pcs.singular_values[0] > pcs.singular_values[1]
    assert pcs.explained_variance_ratio.sum() > 0.99
    for k in range(2):  # sign convention: the largest-magnitude projection is positive
        assert pcs.projections[np.abs(pcs.projections[:, k]).argmax(), k] > 0
    centred = matrix - matrix.mean(0)
    assert np.allclose(pcs.projections, centred @ pcs.components.T)
    full = np.linalg.svd(centred, compute_uv=False)                   # independent route: a full SVD
    assert np.allclose(pcs.singular_values, full[:2], rtol=1e-10)
    assert np.allclose(pcs.explained_variance_ratio, full[:2] ** 2 / np.sum(full**2), rtol=1e-10)
    with pytest.raises(ValueError, match="n_components"):
        DM.principal_components(matrix, 50)


@pytest.fixture(scope="module")
def tiny():
    from ascent_fails.nn_experiments.data import CorrelatedClassesConfig, make_correlated_classes
    from ascent_fails.nn_experiments.recipe import TrainRecipe

    dataset = make_correlated_classes(CorrelatedClassesConfig(n_train_per_class=12, n_val_per_class=2, dim=4))
    config = DM.DatamodelConfig(n_models=6, chunk_size=3, recipe=TrainRecipe(epochs=2, batch_size=8), ridge=1.0)
    return dataset, config


def test_cache_and_resume(tmp_path, tiny, monkeypatch):
    import ascent_fails.nn_experiments.training as E

    dataset, config = tiny
    first = DM.estimate_datamodels(dataset, config, cache_dir=tmp_path, progress=False)
    assert first.matrix.shape == (24, 24) and first.train_seconds > 0
    folder = next(tmp_path.glob("datamodels-*"))
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == ["chunk-00000.npz", "chunk-00001.npz", "config.json",
                                                         "datamodels.npz"]
    uncached = DM.estimate_datamodels(dataset, config, progress=False)
    assert np.allclose(uncached.matrix, first.matrix)  # training is deterministic: the cache changes nothing

    calls = []
    real = E.train_ensemble

    def counting(*args, **kwargs):
        calls.append(kwargs["first_model"])
        return real(*args, **kwargs)

    monkeypatch.setattr(E, "train_ensemble", counting)
    again = DM.estimate_datamodels(dataset, config, cache_dir=tmp_path, progress=False)
    assert calls == [] and again.train_seconds == 0 and np.array_equal(again.matrix, first.matrix)

    (folder / "datamodels.npz").unlink()          # an interruption after chunk 0: only chunk 1 is retrained
    (folder / "chunk-00001.npz").unlink()
    resumed = DM.estimate_datamodels(dataset, config, cache_dir=tmp_path, progress=False)
    assert calls == [3] and np.allclose(resumed.matrix, first.matrix)

    other = DM.DatamodelConfig(n_models=6, chunk_size=3, recipe=config.recipe, ridge=2.0)
    DM.estimate_datamodels(dataset, other, cache_dir=tmp_path, progress=False)
    assert len(list(tmp_path.glob("datamodels-*"))) == 2   # another config, another key


def test_config_validation():
    with pytest.raises(ValueError, match="subset_fraction"):
        DM.DatamodelConfig(subset_fraction=1.0)
    with pytest.raises(ValueError, match="n_models"):
        DM.DatamodelConfig(n_models=1)
    with pytest.raises(ValueError, match="ridge"):
        DM.DatamodelConfig(ridge=float("nan"))
    with pytest.raises(ValueError, match="arch"):
        DM.DatamodelConfig(arch="vit")
    with pytest.raises(ValueError, match="recipe"):
        DM.DatamodelConfig(recipe={"epochs": 3})


def test_training_the_subset_models_is_one_progress_stage_in_a_log(tiny, monkeypatch):
    import io

    dataset, config = tiny
    log = io.StringIO()
    monkeypatch.setattr("sys.stderr", log)
    DM.estimate_datamodels(dataset, config)  # 6 models in two chunks of 3
    lines = log.getvalue().splitlines()
    assert lines[0] == f"== datamodels: train 6 mlp models (2 epochs), each on a random 50% of {dataset.name}"
    assert len(lines) == 2 and lines[1].startswith("   done: 6 model in ")
