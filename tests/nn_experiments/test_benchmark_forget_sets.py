"""The benchmark's CIFAR-10 forget sets ship with the package and are the CIFAR-10 defaults by name."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from ascent_fails.cli_errors import UsageError
from ascent_fails.nn_experiments import benchmark_forget_sets as B
from ascent_fails.nn_experiments import forget_sets, preflight

# the paper's nine sets in its order, with the sizes of the benchmark's files (its README: set 3 has 1,000 points)
PAPER_ORDER = [("random_10", 10), ("random_100", 100), ("random_1000", 1000), ("pc1_top_10", 10), ("pc1_top_100", 100),
               ("pc1_top_bottom_500", 500), ("pc2_top_10", 10), ("pc2_top_100", 100), ("pc2_top_bottom_500", 500)]


@pytest.mark.parametrize("name", sorted(B.BENCHMARK_SETS))
def test_each_shipped_set_loads_with_the_size_its_file_header_states(name):
    fs = B.load_benchmark_forget_set(name)
    folder = resources.files("ascent_fails.nn_experiments").joinpath("benchmark_forget_sets")
    header = folder.joinpath(B.BENCHMARK_SETS[name].file_name).read_text().splitlines()[0]
    stated = int(re.search(r"\((\d+) training indices in 0\.\.49999\)", header).group(1))
    assert fs.size == stated and fs.n_train == 50_000
    assert fs.indices.min() >= 0 and fs.indices.max() < 50_000 and len(set(fs.indices.tolist())) == fs.size
    assert "MIT" in fs.source


def test_the_licence_and_attribution_ship_beside_the_files():
    folder = resources.files("ascent_fails.nn_experiments").joinpath("benchmark_forget_sets")
    assert folder.joinpath("LICENSE.data-unlearning-bench").read_text().startswith("MIT License")
    assert "data-unlearning-bench" in folder.joinpath("README.md").read_text()


def test_the_cifar10_defaults_are_the_papers_nine_sets_in_order():
    sets = B.cifar10_default_forget_sets()
    assert [(fs.name, fs.size) for fs in sets] == PAPER_ORDER
    assert forget_sets.default_forget_set_names("cifar10") == tuple(name for name, _ in PAPER_ORDER)
    assert [fs.kind for fs in sets] == ["random"] * 3 + ["pc1", "pc1", "pc1_top_bottom", "pc2", "pc2", "pc2_top_bottom"]
    assert len({tuple(fs.indices.tolist()) for fs in sets}) == 9, "two names load the same file"


def test_the_command_line_accepts_the_shipped_names_for_cifar10_only():
    preflight.forget_set_names(["pc1_top_10", "random_1000"], "cifar10", 50_000, [])
    with pytest.raises(UsageError, match="random_10_seed0"):
        preflight.forget_set_names(["random_10_seed0"], "cifar10", 50_000, [])


@pytest.mark.parametrize("call, word", [
    (lambda: B.load_benchmark_forget_set("pc3_top_10"), "name"),
    (lambda: B.load_benchmark_forget_set("random_10", n_train=1437), "n_train=1437"),
])
def test_bad_requests_are_named(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_a_damaged_file_is_refused(monkeypatch):
    monkeypatch.setitem(B.BENCHMARK_SETS, "random_10", B.BenchmarkSet(1, "random", 11))  # the file holds 10
    with pytest.raises(ValueError, match="damaged"):
        B.load_benchmark_forget_set("random_10")
