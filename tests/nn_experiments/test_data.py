"""Data sets: digits split determinism, the CIFAR-10 loader on a fake directory, the synthetic ε."""

import pickle

import numpy as np
import pytest

from ascent_fails.nn_experiments import data as D


def test_digits_split_is_deterministic_stratified_and_complete():
    first, again = D.load_dataset("digits", seed=0), D.load_dataset("digits", seed=0)
    other = D.load_dataset("digits", seed=1)
    assert np.array_equal(first.train_x, again.train_x) and np.array_equal(first.val_y, again.val_y)
    assert not np.array_equal(first.train_y, other.train_y)
    assert first.n_train + len(first.val_y) == 1797
    assert first.train_x.min() >= 0 and first.train_x.max() <= 1
    # stratified: every class's share of the validation set is within one sample of 20%
    counts_val, counts_all = np.bincount(first.val_y), np.bincount(np.concatenate([first.train_y, first.val_y]))
    assert np.all(np.abs(counts_val - 0.2 * counts_all) <= 1)
    assert not first.train_x.flags.writeable


def test_digits_upsampled_stand_in():
    small, big = D.load_dataset("digits"), D.load_dataset("digits", upsample_32=True)
    assert big.train_x.shape == (small.n_train, 3, 32, 32) and big.input_shape == (3, 32, 32)
    assert "upsampled" in big.name and "stand-in" in big.description
    assert np.array_equal(big.train_x[:, 2, ::4, ::4], small.train_x[:, 0])   # each pixel is a 4x4 block
    assert np.array_equal(big.train_y, small.train_y)
    with pytest.raises(ValueError, match="upsample_32"):
        D.load_dataset("synthetic", upsample_32=True)


def _write_fake_cifar(directory, n_per_file=4, skip=()):
    directory.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for k, name in enumerate(D.CIFAR10_FILES):
        if name in skip:
            continue
        batch = {b"data": rng.integers(0, 256, size=(n_per_file, 3072), dtype=np.uint8),
                 b"labels": [(k + i) % 10 for i in range(n_per_file)]}
        with open(directory / name, "wb") as handle:
            pickle.dump(batch, handle)
    return rng


def test_cifar_loader_reads_a_fake_directory(tmp_path):
    _write_fake_cifar(tmp_path / "cifar-10-batches-py")
    for given in (tmp_path, tmp_path / "cifar-10-batches-py"):   # the directory or its parent
        ds = D.load_dataset("cifar10", data_dir=given)
        assert ds.train_x.shape == (20, 3, 32, 32) and ds.val_x.shape == (4, 3, 32, 32)
        assert ds.train_y.tolist()[:5] == [0, 1, 2, 3, 1] and ds.val_y.tolist() == [5, 6, 7, 8]
        # the benchmark's fixed per-channel constants, not the statistics of these (fake) pixels
        with open(tmp_path / "cifar-10-batches-py" / "data_batch_1", "rb") as handle:
            first = pickle.load(handle)[b"data"][0].reshape(3, 32, 32).astype(np.float64) / 255.0
        expected = (first - np.array([0.4914, 0.4822, 0.4465])[:, None, None]) / np.array([0.2023, 0.1994, 0.2010])[:, None, None]
        np.testing.assert_allclose(ds.train_x[0], expected, rtol=1e-5, atol=1e-5)
    # pixel layout: channel-major rows of 3072 bytes
    with open(tmp_path / "cifar-10-batches-py" / "test_batch", "rb") as handle:
        raw = pickle.load(handle)[b"data"]
    red = raw[0, :1024].astype(float)   # the first 1024 bytes are the red channel of the first image
    assert np.corrcoef(ds.val_x[0, 0].ravel(), red)[0, 1] == pytest.approx(1.0)   # an affine map of it


def test_cifar_missing_files_are_named(tmp_path):
    _write_fake_cifar(tmp_path / "cifar-10-batches-py", skip=("data_batch_3", "test_batch"))
    with pytest.raises(FileNotFoundError, match="data_batch_3, test_batch") as info:
        D.load_dataset("cifar10", data_dir=tmp_path)
    assert "cifar-10-batches-py" in str(info.value) and "data_batch_1" in str(info.value)  # expected layout


def test_synthetic_correlation_is_measurable():
    """The forget group's and retain group's means have cosine 2ε/(1+ε²), estimated from the samples."""
    measured = []
    for eps in (0.0, 0.3, 0.6, 0.9):
        config = D.CorrelatedClassesConfig(correlation=eps, n_train_per_class=4000, forget_fraction=0.5, seed=3)
        ds = D.make_correlated_classes(config)
        in_class = ds.train_y == config.forget_class
        forget_mean = ds.train_x[in_class & (ds.train_group == 1)].mean(axis=0)
        retain_mean = ds.train_x[in_class & (ds.train_group == 0)].mean(axis=0)
        cosine = forget_mean @ retain_mean / np.linalg.norm(forget_mean) / np.linalg.norm(retain_mean)
        # standard error of each mean coordinate: noise/sqrt(2000) ≈ 0.022 against separation 3
        assert cosine == pytest.approx(2 * eps / (1 + eps**2), abs=0.03)
        measured.append(cosine)
    assert measured == sorted(measured)


def test_synthetic_groups_and_validation():
    ds = D.load_dataset("synthetic", seed=2)
    assert ds.train_group is not None and set(np.unique(ds.train_group)) == {0, 1}
    assert np.all(ds.train_y[ds.train_group == 1] == 0)   # forget group inside forget_class 0
    assert np.array_equal(ds.train_x, D.load_dataset("synthetic", seed=2).train_x)
    with pytest.raises(ValueError, match="correlation"):
        D.CorrelatedClassesConfig(correlation=1.0)
    with pytest.raises(ValueError, match="dim"):
        D.CorrelatedClassesConfig(num_classes=5, dim=8)
    with pytest.raises(ValueError, match="forget_class"):
        D.CorrelatedClassesConfig(forget_class=2)
    with pytest.raises(ValueError, match="name"):
        D.load_dataset("mnist")
