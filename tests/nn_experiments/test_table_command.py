"""``ascent-fails nn table``: the table's numbers are KLoM percentiles of the right ensembles; CLI smoke test.

The full pipeline (datamodels, nine forget sets, 2 × 9 oracle ensembles of N = 100) takes minutes, so the tests
replace ``inputs.prepare_inputs`` by small real ensembles (N = 3) built with the same oracle functions.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.datasets import load_digits

import ascent_fails.nn_experiments.inputs as inputs_mod
from ascent_fails.nn_experiments.klom_reference import klom_reference
from ascent_fails.nn_experiments.margins import margins
from ascent_fails.nn_experiments.recipe import TrainRecipe
from ascent_fails.nn_experiments.forget_sets import random_forget_set
from ascent_fails.nn_experiments.oracles import EnsembleSettings, check_oracle, oracle_ensemble, pretrained_ensemble
from ascent_fails.nn_experiments.storage import EnsembleStore
from ascent_fails.nn_experiments.names import GROUPS
from ascent_fails.nn_experiments.table_command import build_table, to_markdown
from ascent_fails.proofs_check import cli

SETTINGS = EnsembleSettings(arch="mlp", recipe=TrainRecipe(epochs=3, batch_size=32), n_models=3, seed=0)


def small_inputs(cache_dir: Path) -> inputs_mod.ExperimentInputs:
    """Two random forget sets on 150 digits, with pretrained, oracle and independent-oracle ensembles (N = 3)."""
    bunch = load_digits()
    x, y = (bunch.data / 16.0).astype(np.float32), bunch.target.astype(np.int64)
    dataset = SimpleNamespace(name="digits-tiny", description="150 + 50 digits", train_x=x[:150], train_y=y[:150],
                              val_x=x[150:200], val_y=y[150:200], num_classes=10, n_train=150)
    store = EnsembleStore(cache_dir)
    sets = (random_forget_set(150, 5, 0), random_forget_set(150, 20, 1))
    by_name = {fs.name: fs for fs in sets}
    pre = pretrained_ensemble(store, dataset, SETTINGS, progress=False)

    def oracle(name: str, replicate: int):
        return oracle_ensemble(store, dataset, by_name[name], SETTINGS, replicate=replicate, progress=False)

    return inputs_mod.ExperimentInputs(
        dataset=dataset, arch="mlp", recipe=SETTINGS.recipe, forget_sets=sets,
        pretrained=lambda: pre.cached.ensemble, checkpoint=lambda epoch: None,
        oracle_margins=lambda name: oracle(name, 0).margins.all_points(),
        independent_margins=lambda name: oracle(name, 1).margins.all_points(),
        oracle_check=lambda name: vars(check_oracle(pre.margins, oracle(name, 0).margins, by_name[name])),
        device="cpu",
    )  # fmt: skip


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> inputs_mod.ExperimentInputs:
    return small_inputs(tmp_path_factory.mktemp("cache"))


@pytest.fixture()
def patched_inputs(monkeypatch, inputs) -> inputs_mod.ExperimentInputs:
    monkeypatch.setattr(inputs_mod, "prepare_inputs", lambda settings, cache_dir, progress=True: inputs)
    return inputs


@pytest.mark.parametrize("direction", ["oracle_unlearned", "unlearned_oracle"])
def test_table_values_are_klom_percentiles_of_pretrained_and_independent_oracles(patched_inputs, direction) -> None:
    settings = inputs_mod.DataSettings(n_models=3)
    result = build_table(settings, "unused", direction=direction, progress=False)
    data = patched_inputs.dataset
    pre = margins(patched_inputs.pretrained(), np.concatenate([data.train_x, data.val_x]),
                  np.concatenate([data.train_y, data.val_y])).numpy()
    assert [row.forget_set for row in result.rows] == [fs.name for fs in patched_inputs.forget_sets]
    for row, fs in zip(result.rows, patched_inputs.forget_sets):
        oracle = patched_inputs.oracle_margins(fs.name)
        idx = {"forget": fs.indices, "retain": fs.retain_indices(), "validation": np.arange(150, 200)}
        per_point = klom_reference(oracle, pre, direction=direction)
        floor_point = klom_reference(oracle, patched_inputs.independent_margins(fs.name), direction=direction)
        for group in GROUPS:
            assert row.pretrained[group] == pytest.approx(np.percentile(per_point[idx[group]], 95), abs=1e-9)
            assert row.floor[group] == pytest.approx(np.percentile(floor_point[idx[group]], 95), abs=1e-9)
        assert row.size == fs.size and row.oracle_check["forget_set"] == fs.name
        assert row.oracle_seed != row.independent_seed
    assert result.direction == direction and direction in to_markdown(result)


def test_cli_writes_markdown_and_json_and_prints_the_direction(patched_inputs, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert cli.main(["nn", "table", "--out", str(out), "--n-models", "3", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "KLoM direction: oracle_unlearned" in printed and "random_5_seed0" in printed
    table = json.loads((out / "nn_table.json").read_text())
    assert table["n_models"] == 3 and len(table["rows"]) == 2 and table["direction"] == "oracle_unlearned"
    assert (out / "nn_table.md").read_text().count("| random_") == 2


def test_cli_rejects_bad_arguments_cleanly(tmp_path: Path, capsys) -> None:
    assert cli.main(["nn", "table", "--out", str(tmp_path), "--device", "gpu7"]) == 2
    assert "device='gpu7'" in capsys.readouterr().err
    assert cli.main(["nn", "table", "--out", str(tmp_path), "--n-models", "1"]) == 2
    assert "--n-models=1" in capsys.readouterr().err
