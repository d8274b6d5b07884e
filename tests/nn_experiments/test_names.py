"""Each name list is defined once: the library implements exactly those names and the CLI offers exactly them."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from ascent_fails.nn_experiments import data, klom, models, names, plots, sweep


def test_every_module_refers_to_the_one_list() -> None:
    assert data.DATASETS is names.DATASETS
    assert models.ARCHITECTURES is names.ARCHITECTURES
    assert klom.DIRECTIONS is names.KLOM_DIRECTIONS
    assert sweep.METHODS is names.METHODS and sweep.DATASETS is names.DATASETS
    assert sweep.KLOM_DIRECTIONS is names.KLOM_DIRECTIONS


def test_the_library_implements_exactly_the_listed_names() -> None:
    assert set(models._CLASSES) == set(names.ARCHITECTURES) == set(models.DEFAULT_INPUT_SHAPES)
    assert set(sweep.METHOD_HPARAMS) == set(names.METHODS)
    # every method but "do nothing" (drawn as the pretrained star) has a marker in the scatter plots
    assert set(plots._METHODS) == set(names.METHODS) - {"do_nothing"}
    with pytest.raises(ValueError) as unknown:
        data.load_dataset("mnist")
    assert all(repr(name) in str(unknown.value) for name in names.DATASETS), str(unknown.value)


def test_names_import_without_torch() -> None:
    code = "import sys, ascent_fails.nn_experiments.names; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _choices(configure) -> dict[str, tuple[str, ...]]:
    parser = argparse.ArgumentParser()
    configure(parser)
    return {a.dest: tuple(a.choices) for a in parser._actions if a.choices is not None}


@pytest.mark.parametrize("command", ["table_command", "run_command"])
def test_the_command_line_offers_exactly_the_listed_names(command: str) -> None:
    import importlib

    module = importlib.import_module(f"ascent_fails.nn_experiments.{command}")
    choices = _choices(module.configure_parser)
    expected = {"dataset": names.DATASETS, "arch": names.ARCHITECTURES, "klom_direction": names.KLOM_DIRECTIONS}
    for dest, listed in expected.items():
        assert dest in choices, f"--{dest.replace('_', '-')} of nn {command} has no choices"
        assert set(choices[dest]) == set(listed), (dest, choices[dest])
