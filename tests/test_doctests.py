"""Every docstring example of the package, run as a test, each module imported once under its one name.

A bare ``pytest --doctest-modules theory/`` would import ``theory/lambert.py`` as ``theory.lambert`` beside
the ``ascent_fails.theory.lambert`` the tests use: two copies of every module, with two copies of every
cache and registry. Here the modules are found by walking the installed ``ascent_fails`` package instead.
"""

from __future__ import annotations

import doctest
import importlib

import pytest

import ascent_fails

_FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def _modules() -> list[str]:
    return ascent_fails.module_names()


def _doctests() -> list[tuple[str, str]]:
    found = []
    finder = doctest.DocTestFinder()
    for name in _modules():
        module = importlib.import_module(name)
        for test in finder.find(module, name):
            if test.examples:
                found.append((name, test.name))
    return found


DOCTESTS = _doctests()


def test_the_walk_finds_every_package_and_a_meaningful_number_of_doctests():
    # negative control for the walk itself: if the package-dir mapping broke, whole sub-packages would vanish
    # from the walk and their doctests would silently stop running
    modules = _modules()
    for package in ("theory", "numerics", "nn_experiments", "proofs_check", "proofs_check.checks"):
        assert f"ascent_fails.{package}" in modules
    assert "ascent_fails.theory.lambert" in modules and "ascent_fails.validate" in modules
    assert len(DOCTESTS) >= 40, len(DOCTESTS)


@pytest.mark.parametrize(("module_name", "test_name"), DOCTESTS, ids=[t for _, t in DOCTESTS])
def test_docstring_examples(module_name: str, test_name: str):
    module = importlib.import_module(module_name)
    (test,) = [t for t in doctest.DocTestFinder().find(module, module_name) if t.name == test_name]
    messages: list[str] = []
    runner = doctest.DocTestRunner(optionflags=_FLAGS)
    result = runner.run(test, out=messages.append, clear_globs=True)
    assert result.failed == 0, "".join(messages)
    assert result.attempted == len(test.examples)
