"""Damaged caches are repaired, not fatal: every artefact kind × every kind of damage (issue: integrity).

One clean sweep (digits, N = 2, one forget set, M = 4 datamodel models) is run once per module; each test
copies its output, damages one artefact of *every* kind the sweep stores in the same way, reruns the sweep
and checks that

* the rerun succeeds and prints one warning line per damaged file, naming it;
* exactly the damaged files were recomputed: every other stored file keeps its inode and modification time,
  every damaged one is replaced (its damaged copy kept beside it as ``<name>.corrupt-...``);
* the results equal the clean run's (every KLoM value, accuracy and cost; only timings may differ).

The negative control switches the manifest check off (``integrity.check`` always passes): the altered unit
JSON then goes straight into results.json, and the comparison used above reports the difference, so these
tests do catch a manifest that does not protect.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from ascent_fails import integrity
from ascent_fails.nn_experiments.inputs import DataSettings, prepare_inputs
from ascent_fails.nn_experiments.runner import run_sweep
from ascent_fails.nn_experiments.sweep import MethodGrid, Sweep

SETTINGS = DataSettings(dataset="digits", n_models=2, datamodel_models=4, seed=0)
SWEEP = Sweep(n_models=2, forget_sets=("random_10_seed0",), illusion=None,
              methods=(MethodGrid("do_nothing", (0,)), MethodGrid("ga", (1,), (("lr", (1e-2,)),))))


def run(out: Path) -> dict:
    return run_sweep(SWEEP, prepare_inputs(SETTINGS, out / "cache", progress=False), out, progress=False)


def comparable(results: dict) -> dict:
    """Everything a sweep reports except wall-clock times and provenance."""
    rows = [{k: v for k, v in row.items() if k != "seconds"} for row in results["runs"]]
    return {"runs": rows, "floor": results["floor"], "forget_sets": results["forget_sets"],
            "illusion": results["illusion"]}


def stored_files(out: Path) -> dict[Path, tuple[int, int]]:
    """(inode, mtime) of every stored artefact (not the manifest, locks, quarantined files or top-level outputs)."""
    found = {}
    for path in out.rglob("*"):
        rel = path.relative_to(out)
        if (path.is_file() and len(rel.parts) > 1 and not any(p.startswith(".") for p in rel.parts)
                and integrity.QUARANTINE_MARK not in path.name):
            found[path] = (path.stat().st_ino, path.stat().st_mtime_ns)
    return found


def artefacts(out: Path) -> dict[str, Path]:
    """One file of every kind the sweep stores, by kind."""
    cache = out / "cache"
    ensembles = {}
    for spec in (cache / "ensembles").glob("*/spec.json"):
        label = json.loads(spec.read_text())["label"]
        kind = "independent" if "independent" in label else "oracle" if "oracles" in label else "pretrained"
        ensembles[kind] = spec.parent
    (datamodels,) = cache.glob("datamodels-*")
    (set_dir,) = (out / "units").glob("*/random_10_seed0-*")
    found = {"datamodel_chunk": datamodels / "chunk-00000.npz", "datamodels_npz": datamodels / "datamodels.npz",
             "unit_json": next(set_dir.glob("runs-*.json")), "floor_json": set_dir / "floor.json"}
    for kind, folder in ensembles.items():
        found[f"{kind}_checkpoint"] = next(folder.glob("models_*.pt"))
        found[f"{kind}_margins"] = next(folder.glob("margins_train_*.pt"))
    assert len(found) == 10, sorted(found)
    return found


def altered(data: bytes, is_json: bool) -> bytes:
    """The same bytes with one value changed: the last digit of the first KLoM (or floor) value in JSON, one
    byte in the middle otherwise (tensor data, so that the file still loads)."""
    if is_json:
        match = re.search(rb'"(?:klom_p95|floor)": \{\s*"\w+": -?\d+\.\d*(\d)', data)
        digit = match.start(1)
        return data[:digit] + str((int(data[digit:digit + 1]) + 1) % 10).encode() + data[digit + 1:]
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x55]) + data[middle + 1:]


DAMAGE = {
    "truncate": lambda data, is_json: data[: len(data) // 2],
    "garbage": lambda data, is_json: np.random.default_rng(0).bytes(64),
    "zero_bytes": lambda data, is_json: b"",
    "altered_value": altered,
    "empty_object": lambda data, is_json: b"{}" if is_json else data,  # `{}`: a valid JSON object, not a unit
}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread (on a shared 2-core machine two threads wait for each other, run_command.py) and a
    3-epoch digits recipe: what is tested is which files are rebuilt, not how well the models fit."""
    import dataclasses

    import torch

    from ascent_fails.nn_experiments import recipe

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(recipe, "DIGITS_RECIPE", dataclasses.replace(recipe.DIGITS_RECIPE, epochs=3))
        yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def clean(tmp_path_factory, one_thread) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("clean") / "run"
    return out, run(out)


def damaged_copy(clean_out: Path, tmp_path: Path, damage: str) -> tuple[Path, list[Path], dict]:
    out = tmp_path / "run"
    shutil.copytree(clean_out, out)
    before = stored_files(out)
    hit = []
    for kind, path in artefacts(out).items():
        data = path.read_bytes()
        new = DAMAGE[damage](data, path.suffix == ".json")
        if new != data:
            path.write_bytes(new)
            hit.append(path)
    return out, hit, before


@pytest.mark.slow
@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_artefacts_are_moved_aside_recomputed_and_give_the_clean_results(clean, tmp_path, capfd, damage):
    clean_out, clean_results = clean
    out, hit, before = damaged_copy(clean_out, tmp_path, damage)
    assert len(hit) == (2 if damage == "empty_object" else 10)
    capfd.readouterr()
    results = run(out)
    warnings = [line for line in capfd.readouterr().err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == len(hit), "\n".join(warnings)
    for path in hit:
        assert sum(str(path) in line for line in warnings) == 1, f"no warning names {path}"
        assert len(list(path.parent.glob(path.name + integrity.QUARANTINE_MARK + "*"))) == 1, "not moved aside"
        assert integrity.check(path) is None, f"{path} was not rewritten with a manifest record"
    after = stored_files(out)
    recomputed = {p for p in before if after.get(p) != before[p]}
    assert recomputed == set(hit), f"recomputed {sorted(map(str, recomputed - set(hit)))} besides the damaged files"
    assert comparable(results) == comparable(clean_results)


@pytest.mark.slow
def test_negative_control_an_unchecked_manifest_lets_an_altered_unit_through(clean, tmp_path, monkeypatch, capfd):
    """Expected violation rate 1/1: with the check off, the altered KLoM digit reaches results.json."""
    clean_out, clean_results = clean
    out = tmp_path / "run"
    shutil.copytree(clean_out, out)
    unit = artefacts(out)["unit_json"]
    unit.write_bytes(altered(unit.read_bytes(), True))
    monkeypatch.setattr(integrity, "check", lambda path: None)
    results = run(out)
    assert comparable(results) != comparable(clean_results), "the comparison cannot see an altered unit"
    assert "warning: " not in capfd.readouterr().err
