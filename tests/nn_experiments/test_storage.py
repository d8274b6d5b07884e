"""The ensemble cache: canonical keys, atomic writes, resume after an interruption, safe loading."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

import ascent_fails.nn_experiments.storage as storage
from ascent_fails.nn_experiments.recipe import TrainRecipe
from ascent_fails.nn_experiments.training import train_ensemble
from ascent_fails.config_hash import array_fingerprint, config_hash
from ascent_fails.nn_experiments.storage import EnsembleStore, atomic_torch_save, load_checkpoint

RECIPE = TrainRecipe(epochs=2, batch_size=8)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 64)).astype(np.float32), rng.integers(0, 3, size=40)


def test_config_hash_is_canonical_and_sensitive() -> None:
    assert config_hash(RECIPE) == config_hash(TrainRecipe(epochs=2, batch_size=8))
    assert config_hash(RECIPE) != config_hash(dataclasses.replace(RECIPE, lr=0.051))
    assert config_hash({"a": (1, 2), "b": 1}) == config_hash({"b": 1, "a": [1, 2]})
    assert array_fingerprint(np.zeros(3, np.float32)) != array_fingerprint(np.zeros(3, np.float64))


def test_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "x.pt"
    atomic_torch_save(target, {"v": torch.ones(2)})

    def broken_save(obj, file):
        file.write(b"partial bytes")
        raise OSError("disk full")

    monkeypatch.setattr(storage.torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        atomic_torch_save(target, {"v": torch.zeros(2)})
    assert torch.equal(load_checkpoint(target)["v"], torch.ones(2))  # the old file is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.pt"]  # no temporary left behind
    with pytest.raises(OSError):
        atomic_torch_save(tmp_path / "new.pt", {})
    assert not (tmp_path / "new.pt").exists()


class _Arbitrary:
    pass


def test_checkpoints_are_loaded_with_weights_only(tmp_path: Path) -> None:
    torch.save({"payload": _Arbitrary()}, tmp_path / "evil.pt")
    with pytest.raises(Exception, match="weights_only"):
        load_checkpoint(tmp_path / "evil.pt")


def test_interrupted_run_resumes_without_retraining(tmp_path: Path, monkeypatch, data) -> None:
    x, y = data
    calls: list[int] = []
    real_train = storage.train_ensemble

    def interrupted_after_one_chunk(*args, **kwargs):
        if calls:
            raise KeyboardInterrupt
        calls.append(kwargs["first_model"])
        return real_train(*args, **kwargs)

    store = EnsembleStore(tmp_path)
    kwargs = dict(n_models=3, seed=5, num_classes=3, chunk_size=1, progress=False)
    monkeypatch.setattr(storage, "train_ensemble", interrupted_after_one_chunk)
    with pytest.raises(KeyboardInterrupt):
        store.ensemble("mlp", x, y, RECIPE, **kwargs)
    folder = next((tmp_path / "ensembles").iterdir())
    # besides the files: the manifest records and lock files (dot-folders, ascent_fails.integrity / .locks)
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == ["models_00000_00000.pt", "spec.json"]

    resumed_calls: list[int] = []

    def counting(*args, **kw):
        resumed_calls.append(kw["first_model"])
        return real_train(*args, **kw)

    monkeypatch.setattr(storage, "train_ensemble", counting)
    resumed = store.ensemble("mlp", x, y, RECIPE, **kwargs)
    assert resumed_calls == [1, 2] and (resumed.models_trained, resumed.models_loaded) == (2, 1)
    uninterrupted = train_ensemble("mlp", x, y, RECIPE, n_models=3, seed=5, num_classes=3, progress=False).ensemble
    torch.testing.assert_close(resumed.ensemble.logits(x), uninterrupted.logits(x), rtol=1e-5, atol=1e-6)
    # a rerun with another chunk size trains nothing
    again = store.ensemble("mlp", x, y, RECIPE, **(kwargs | {"chunk_size": 2}))
    assert (again.models_trained, again.models_loaded) == (0, 3) and resumed_calls == [1, 2]


def test_key_follows_data_masks_and_recipe_but_not_the_label(tmp_path: Path, data) -> None:
    x, y = data
    store = EnsembleStore(tmp_path)
    base = dict(n_models=2, seed=0, num_classes=3, progress=False)
    first = store.ensemble("mlp", x, y, RECIPE, label="a", **base)
    assert store.ensemble("mlp", x, y, RECIPE, label="b", **base).directory == first.directory
    masks = np.ones((2, 40), dtype=bool)
    masks[:, :5] = False
    others = [
        store.ensemble("mlp", x, y, RECIPE, masks=masks, **base),
        store.ensemble("mlp", x, (y + 1) % 3, RECIPE, **base),
        store.ensemble("mlp", x, y, dataclasses.replace(RECIPE, epochs=1), **base),
        store.ensemble("mlp", x, y, RECIPE, **(base | {"seed": 1})),
    ]
    assert len({first.directory, *(o.directory for o in others)}) == 5


def test_margins_are_computed_once(tmp_path: Path, monkeypatch, data) -> None:
    x, y = data
    store = EnsembleStore(tmp_path)
    cached = store.ensemble("mlp", x, y, RECIPE, n_models=2, seed=0, num_classes=3, progress=False)
    first = store.margins(cached, "train", x, y)

    def no_recompute(*args, **kwargs):
        raise AssertionError("margins were recomputed instead of loaded")

    monkeypatch.setattr(storage, "margins", no_recompute)
    assert torch.equal(store.margins(cached, "train", x, y), first)
    assert first.dtype == torch.float64 and first.shape == (2, 40)
    with pytest.raises(ValueError, match="split='a/b'"):
        store.margins(cached, "a/b", x, y)


def test_training_is_one_progress_stage_per_ensemble_in_a_log(tmp_path: Path, data, monkeypatch) -> None:
    """Not a terminal: one header naming the models, one summary line, whatever the number of chunks."""
    import io

    x, y = data
    log = io.StringIO()
    monkeypatch.setattr("sys.stderr", log)
    store = EnsembleStore(tmp_path)
    store.ensemble("mlp", x, y, RECIPE, n_models=5, seed=0, num_classes=3, chunk_size=2, label="oracles without F")
    lines = log.getvalue().splitlines()
    assert lines[0] == "== train 5 models (mlp, 2 epochs): oracles without F"
    assert len(lines) == 2 and lines[1].startswith("   done: 5 model in ") and "\r" not in log.getvalue()
    log.truncate(0)
    log.seek(0)
    store.ensemble("mlp", x, y, RECIPE, n_models=5, seed=0, num_classes=3, chunk_size=2, label="oracles without F")
    assert log.getvalue() == ""  # everything came from the cache: nothing to report


def test_a_damaged_chunk_is_moved_aside_and_only_it_is_retrained(tmp_path: Path, monkeypatch, data, capsys) -> None:
    x, y = data
    store = EnsembleStore(tmp_path)
    kwargs = dict(n_models=3, seed=5, num_classes=3, chunk_size=1, progress=False)
    first = store.ensemble("mlp", x, y, RECIPE, **kwargs)
    chunk = first.directory / "models_00001_00001.pt"
    chunk.write_bytes(chunk.read_bytes()[:100])  # truncated, as by a full disk
    calls: list[int] = []
    real_train = storage.train_ensemble

    def counting(*args, **kw):
        calls.append(kw["first_model"])
        return real_train(*args, **kw)

    monkeypatch.setattr(storage, "train_ensemble", counting)
    again = store.ensemble("mlp", x, y, RECIPE, **kwargs)
    assert calls == [1] and (again.models_trained, again.models_loaded) == (1, 2)
    torch.testing.assert_close(again.ensemble.logits(x), first.ensemble.logits(x))
    warning = capsys.readouterr().err.strip().splitlines()
    assert len(warning) == 1 and "models_00001_00001.pt" in warning[0] and "moved aside" in warning[0]
    assert len(list(first.directory.glob("models_00001_00001.pt.corrupt-*"))) == 1
