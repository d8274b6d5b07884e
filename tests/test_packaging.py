"""The suite installs as one import package, ``ascent_fails``, and nothing else.

Top-level names such as ``theory`` or ``numerics`` would collide with any other distribution or local
folder of the same name (and uninstalling one would delete the other's files), so the wheel holds only
``ascent_fails/`` and its metadata, and no module of the repository is ever imported under a bare name.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import ascent_fails

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("ascent_fails", "theory", "numerics", "nn_experiments", "proofs_check")


def test_every_repository_module_is_loaded_once_under_its_ascent_fails_name():
    for name in ascent_fails.module_names():
        importlib.import_module(name)
    strays = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file:
            continue
        path = Path(file).resolve()
        if any(path.is_relative_to(REPO / folder) for folder in FOLDERS) and not name.startswith("ascent_fails"):
            strays.append(name)
    assert strays == []
    # negative control: the check does see a module loaded under a bare name
    sys.path.insert(0, str(REPO))
    try:
        bare = importlib.import_module("theory.lambert")
        assert Path(bare.__file__).resolve().is_relative_to(REPO / "theory")
    finally:
        sys.path.remove(str(REPO))
        for name in [n for n in sys.modules if n == "theory" or n.startswith("theory.")]:
            del sys.modules[name]


def test_bare_names_are_not_importable_outside_the_checkout(tmp_path):
    code = "import importlib.util as u; print([n for n in ('theory', 'numerics', 'nn_experiments', 'proofs_check') if u.find_spec(n)])"
    found = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
    ours = subprocess.run([sys.executable, "-c", "import ascent_fails.theory.lambert as m; print(m.__name__)"],
                          cwd=tmp_path, capture_output=True, text=True, check=True)
    assert ours.stdout.strip() == "ascent_fails.theory.lambert"


@pytest.mark.slow
def test_the_wheel_holds_only_the_ascent_fails_package(tmp_path):
    # build from a copy of the tracked sources: an in-tree build would leave build/ in the checkout
    source = tmp_path / "src"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True)
    for name in filter(None, tracked.stdout.split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(source)], check=True, capture_output=True, text=True)
    (wheel,) = tmp_path.glob("ascent_fails-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    outside = [n for n in names if not (n.startswith("ascent_fails/") or ".dist-info/" in n)]
    assert outside == []
    for expected in ("ascent_fails/theory/lambert.py", "ascent_fails/proofs_check/checks/toy_trap.py",
                     "ascent_fails/nn_experiments/default_sweep.toml", "ascent_fails/validate.py",
                     "ascent_fails/nn_experiments/benchmark_forget_sets/forget_set_10.txt",
                     "ascent_fails/nn_experiments/benchmark_forget_sets/LICENSE.data-unlearning-bench"):
        assert expected in names
