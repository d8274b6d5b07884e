"""Forget sets: the reference's random recipe, PC sets, index files, validation messages."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ascent_fails.nn_experiments import forget_sets as FS


@given(st.integers(1, 5000), st.data())
def test_random_set_reproduces_the_reference_recipe(n_train, data):
    size = data.draw(st.integers(1, n_train))
    seed = data.draw(st.integers(0, 2**32 - 1))
    saved = np.random.get_state()
    try:  # the reference recipe literally, on the global numpy state
        np.random.seed(seed)
        expected = np.sort(np.random.choice(n_train, size, replace=False))
        np.random.seed(12345)
        before = np.random.get_state()
        forget = FS.random_forget_set(n_train, size, seed)
        after = np.random.get_state()
        # ours uses a private RandomState: the global state is left where it was
        assert np.array_equal(before[1], after[1]) and before[2] == after[2]
    finally:
        np.random.set_state(saved)
    assert np.array_equal(forget.indices, expected)
    assert forget.size == size and forget.kind == "random" and forget.seed == seed
    assert forget == FS.random_forget_set(n_train, size, seed)
    assert np.array_equal(np.sort(np.concatenate([forget.indices, forget.retain_indices()])), np.arange(n_train))


def test_pc_sets_pick_extremes():
    rng = np.random.default_rng(0)
    projections = rng.normal(size=300)
    top = FS.pc_forget_set(projections, 1, 20)
    assert set(top.indices) == set(np.argsort(projections)[-20:])
    both = FS.pc_forget_set(projections, 2, 20, top_bottom=True)
    assert set(both.indices) == set(np.argsort(projections)[-10:]) | set(np.argsort(projections)[:10])
    assert (top.kind, top.name, both.kind, both.name) == ("pc1", "pc1_top_20", "pc2_top_bottom", "pc2_top_bottom_20")
    # ties: the lower index wins
    assert FS.pc_forget_set([1.0, 2.0, 2.0, 2.0], 1, 2).indices.tolist() == [1, 2]
    with pytest.raises(ValueError, match="component"):
        FS.pc_forget_set(projections, 3, 5)
    # all tied: top and bottom halves still disjoint
    assert FS.pc_forget_set(np.zeros(5), 1, 5, top_bottom=True).indices.tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="size"):
        FS.pc_forget_set(projections, 1, 301)


@pytest.mark.parametrize("content, suffix", [("5 3\n# comment\n9,1\n", ".txt"), (None, ".npy")])
def test_load_forget_set_from_file(tmp_path, content, suffix):
    path = tmp_path / f"myset{suffix}"
    if content is None:
        np.save(path, np.array([5, 3, 9, 1]))
    else:
        path.write_text(content)
    forget = FS.load_forget_set(path, 10)
    assert forget.indices.tolist() == [1, 3, 5, 9] and forget.kind == "file" and forget.name == "myset"
    assert forget.source == str(path.resolve())


@pytest.mark.parametrize("indices, match", [
    ([1, 12, -1], r"outside \[0, 10\): \[12, -1\]"),
    ([1, 2, 2, 3, 3], r"duplicate entries: \[2, 3\]"),
    ([], "empty"),
    ([1.0, 2.5], r"non-integer entries: \[2.5\]"),
    (["a", 1], "non-integer"),
])
def test_invalid_indices_name_the_problem(indices, match):
    with pytest.raises(ValueError, match=match):
        FS.validate_indices(indices, 10)


def test_invalid_file_entries(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("1 2 x3 4.5\n")
    with pytest.raises(ValueError, match=r"non-integer entries: \['x3', '4.5'\]"):
        FS.load_forget_set(path, 10)
    with pytest.raises(ValueError, match="does not exist"):
        FS.load_forget_set(tmp_path / "missing.npy", 10)
    np.save(tmp_path / "dup.npy", np.array([0, 0]))
    with pytest.raises(ValueError, match="duplicate"):
        FS.load_forget_set(tmp_path / "dup.npy", 10)


def test_default_forget_sets_for_digits():
    from ascent_fails.nn_experiments.data import load_dataset

    dataset = load_dataset("digits")
    influence = np.random.default_rng(1).normal(size=dataset.n_train)
    sets = FS.default_forget_sets(dataset, influence)
    assert [(s.kind, s.size) for s in sets] == [
        ("random", 10), ("random", 50), ("random", 100)] * 3 + [
        ("influence", 10), ("influence", 50), ("influence", 100),
        ("class", 10), ("class", 50), ("class", 100)]
    assert [s.seed for s in sets[:9]] == list(range(9))   # three distinct draws per size
    assert len({tuple(s.indices) for s in sets[:9]}) == 9
    assert all(s.n_train == dataset.n_train for s in sets)
    assert set(sets[9].indices) <= set(sets[10].indices)      # top-10 within top-50
    assert np.array_equal(sets[9].indices, np.sort(np.argsort(-influence)[:10]))
    for fs in sets[12:]:
        assert np.unique(dataset.train_y[fs.indices]).size == 1   # one class each
    # a square Θ gives its diagonal
    theta = np.diag(influence) + 0.01
    assert np.array_equal(FS.default_forget_sets(dataset, theta)[10].indices, sets[10].indices)
    with pytest.raises(ValueError, match="n_train"):
        FS.default_forget_sets(dataset, influence[:-1])
    with pytest.raises(ValueError, match="labels"):
        FS.default_forget_sets(dataset.n_train, influence)


def test_default_names_known_before_datamodels_match_the_sets():
    from ascent_fails.nn_experiments.forget_sets import default_forget_set_names, default_forget_sets

    rng = np.random.default_rng(1)
    sets = default_forget_sets(1437, rng.normal(size=1437), labels=rng.integers(0, 10, 1437))
    assert default_forget_set_names("digits") == tuple(s.name for s in sets)


@given(st.lists(st.integers(-3, 3).map(float), min_size=1, max_size=40), st.data())
def test_influence_sets_are_the_largest_self_influences_lower_index_first(values, data):
    size = data.draw(st.integers(1, len(values)))
    chosen = FS.influence_forget_set(values, size)
    # reference: sort (-value, index) pairs
    expected = sorted(sorted(range(len(values)), key=lambda i: (-values[i], i))[:size])
    assert chosen.indices.tolist() == expected and chosen.kind == "influence" and chosen.name == f"influence_top_{size}"


@given(st.lists(st.integers(0, 3), min_size=1, max_size=60), st.integers(0, 2**32 - 1), st.data())
def test_class_sets_hold_one_class_and_are_seeded(labels, seed, data):
    y = np.array(labels)
    largest = int(np.bincount(y).max())
    size = data.draw(st.integers(1, largest))
    fs = FS.class_forget_set(y, size, seed)
    assert fs.size == size and np.unique(y[fs.indices]).size == 1 and fs.kind == "class"
    assert int(np.sum(y == y[fs.indices[0]])) >= size
    assert fs == FS.class_forget_set(y, size, seed)
    with pytest.raises(ValueError, match="largest class"):
        FS.class_forget_set(y, largest + 1, seed)


def test_pc_forget_sets_are_the_six_paper_sets():
    coords = np.random.default_rng(2).normal(size=(300, 2))
    sets = FS.pc_forget_sets(coords)
    assert [(s.kind, s.size) for s in sets] == [("pc1", 10), ("pc1", 50), ("pc1_top_bottom", 100),
                                                ("pc2", 10), ("pc2", 50), ("pc2_top_bottom", 100)]
    assert np.array_equal(sets[3].indices, np.sort(np.argsort(-coords[:, 1])[:10]))
    with pytest.raises(ValueError, match="projections"):
        FS.pc_forget_sets(coords[:, :1])
