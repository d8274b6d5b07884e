"""KLoM: the vectorised path against the per-point reference loop, and the metric's defining behaviour."""

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ascent_fails.nn_experiments import klom as K
from ascent_fails.nn_experiments.klom_reference import klom_reference

# Margin values chosen to produce ties, values beyond the clip range (±150, ±inf) and exact clip ends.
_SPECIAL = [-np.inf, -150.0, -100.0, -1.0, 0.0, 0.5, 1.0, 100.0, 150.0, np.inf]
margin_values = st.one_of(st.sampled_from(_SPECIAL), st.floats(-150, 150, allow_nan=False, allow_infinity=False))
n_models = st.integers(min_value=1, max_value=12)
n_points = st.integers(min_value=1, max_value=6)


@st.composite
def ensemble_pairs(draw, values=margin_values):
    """Oracle [N_o, P] and unlearned [N_u, P] margins (N_o ≠ N_u allowed)."""
    p = draw(n_points)
    oracle = draw(arrays(np.float64, (draw(n_models), p), elements=values))
    unlearned = draw(arrays(np.float64, (draw(n_models), p), elements=values))
    return oracle, unlearned


# A small pool makes ties between samples, and between samples and bin edges, common.
tied_values = st.sampled_from([-2.0, -1.0, 0.0, 0.25, 0.5, 1.0, 3.0])


def _close(x, y):
    return np.allclose(x, y, rtol=1e-12, atol=1e-12)


@given(ensemble_pairs(), st.sampled_from(K.DIRECTIONS))
@example((np.array([[0.0, 5.0]]), np.array([[0.0, 5.0]])), "oracle_unlearned")
@example((np.array([[1e-300], [0.0]]), np.array([[5e-324]])), "oracle_unlearned")  # sub-ulp range
def test_vectorised_equals_reference(pair, direction):
    oracle, unlearned = pair
    fast = K.klom(oracle, unlearned, direction=direction)
    slow = klom_reference(oracle, unlearned, direction=direction)
    assert _close(fast, slow), (fast, slow)
    assert np.all(fast >= 0)


@given(ensemble_pairs(tied_values), st.integers(1, 25), st.sampled_from(K.DIRECTIONS))
# a subnormal step (1.5e-323 / 2): bin positions computed arithmetically are wrong there (gave 5.06, not 0)
@example((np.array([[0.0], [1.5e-323]]), np.array([[5e-324]])), 2, "oracle_unlearned")
def test_vectorised_equals_reference_with_ties_and_any_bins(pair, bins, direction):
    oracle, unlearned = pair
    assert _close(K.klom(oracle, unlearned, bins=bins, direction=direction),
                  klom_reference(oracle, unlearned, bins=bins, direction=direction))


def test_vectorised_equals_reference_on_many_points():
    """Several chunks of points (the vectorised path works in chunks of 1024)."""
    rng = np.random.default_rng(3)
    oracle = rng.normal(size=(30, 2500)) * rng.choice([1e-3, 1.0, 80.0], size=2500)
    unlearned = np.round(rng.normal(size=(40, 2500)), 1)  # rounding: ties
    unlearned[:, ::7] = 0.0                               # constant points
    oracle[:5, ::11] = 1e6                                # clipped
    assert _close(K.klom(oracle, unlearned), klom_reference(oracle, unlearned))


@given(ensemble_pairs(), st.sampled_from(K.DIRECTIONS))
def test_values_do_not_depend_on_the_other_points(pair, direction):
    """Each point's value is the same float alone as inside a chunk (shared tolerance, exact-path columns)."""
    oracle, unlearned = pair
    together = K.klom(oracle, unlearned, direction=direction)
    alone = [K.klom(oracle[:, [j]], unlearned[:, [j]], direction=direction)[0] for j in range(oracle.shape[1])]
    assert np.array_equal(together, alone)


def _digitize_counts(a, b, bins, clip):
    """Counts [P, bins] of both ensembles by the reference's per-point np.digitize (steps 1-4)."""
    counts = []
    for x in (a, b):
        rows = []
        for j in range(a.shape[1]):
            ca, cb = np.clip(a[:, j], *clip), np.clip(b[:, j], *clip)
            lo, hi = min(ca.min(), cb.min()), max(ca.max(), cb.max())
            edges = np.linspace(lo, hi if lo < hi else lo + 1.0, bins + 1)
            rows.append(np.bincount(np.digitize(np.clip(x[:, j], *clip), edges), minlength=bins + 2)[1:bins + 1])
        counts.append(np.array(rows))
    return counts


@st.composite
def samples_on_edges(draw):
    """Ensembles [N, P] whose samples sit on the reference's own bin edges and one ulp either side."""
    bins = draw(st.integers(1, 25))
    points = []
    for _ in range(draw(st.integers(1, 4))):
        lo = draw(st.floats(-100, 100))
        width = draw(st.one_of(st.floats(1e-300, 1e-9), st.floats(1e-9, 200)))
        hi = min(lo + width, 100.0)
        edges = np.linspace(lo, hi, bins + 1) if lo < hi else np.array([lo])
        near = np.concatenate([edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf)])
        near = near[(near >= lo) & (near <= hi)]
        extra = draw(st.sampled_from([[], [250.0], [-np.inf, 300.0]]))   # raw margins beyond the clip
        points.append(np.concatenate([[lo, hi], near, extra]))
    n = max(len(p) for p in points)
    # pad each point with its own lo (keeps its range), then shuffle the samples into two ensembles
    values = np.array([np.concatenate([p, np.full(n - len(p), p[0])]) for p in points]).T   # [n, P]
    order = draw(st.permutations(range(n)))
    split = draw(st.integers(1, n - 1))
    return values[order[:split]], values[order[split:]], bins


@given(samples_on_edges())
@example((np.array([[0.0], [1.0]]), np.array([[0.05], [0.95]]), 20))
@example((np.array([[-40.26077343621548], [34.39897559127186]]), np.array([[0.0]]), 20))  # 20·step + lo > hi
@example((np.array([[250.0]]), np.array([[300.0], [100.0]]), 20))  # constant after the clip: all in bin 1
def test_samples_on_and_beside_edges_are_counted_exactly(case):
    """The arithmetic bin index, its near-edge correction and the exact path give np.digitize's counts."""
    a, b, bins = case
    clip = (-100.0, 100.0)
    counts_a, counts_b = K._bin_counts(a, b, clip, bins, K._work_buffers(len(a) + len(b), a.shape[1]))
    expected_a, expected_b = _digitize_counts(a, b, bins, clip)
    assert np.array_equal(counts_a, expected_a) and np.array_equal(counts_b, expected_b)


@given(ensemble_pairs())
def test_identical_ensembles_give_zero(pair):
    oracle, _ = pair
    assert np.all(K.klom(oracle, oracle) == 0.0)


@given(st.floats(-1e3, 1e3), st.integers(1, 20), st.integers(1, 20))
def test_constant_ensembles_give_zero(value, n_o, n_u):
    assert np.all(K.klom(np.full((n_o, 3), value), np.full((n_u, 3), value)) == 0.0)


def test_values_beyond_clip_equal_the_clip_ends():
    rng = np.random.default_rng(0)
    oracle = rng.normal(size=(20, 10)) * 200
    unlearned = rng.normal(size=(20, 10)) * 200
    assert np.array_equal(K.klom(oracle, unlearned), K.klom(np.clip(oracle, -100, 100), np.clip(unlearned, -100, 100)))


@given(st.floats(-5, 5), st.floats(1e-9, 1e-1))
def test_disjoint_ensembles_give_log_one_over_eps(centre, eps):
    """All of P in bin 1 and Q in bin 20: Q' = eps/(1+eps) on P's bin, so KL = ln((1+eps)/eps)."""
    oracle = centre + np.linspace(0.0, 0.01, 50)[:, None]           # one narrow cluster
    unlearned = centre + 10 + np.linspace(0.0, 0.01, 50)[:, None]   # far above it
    value = K.klom(oracle, unlearned, eps=eps)[0]
    assert math.isclose(value, math.log((1 + eps) / eps), rel_tol=1e-9)
    assert -1e-12 <= value - math.log(1 / eps) <= eps + 1e-12  # ln(1 + eps) ≤ eps: "about ln(1/eps)"


def test_direction_matters_and_swaps_the_roles():
    rng = np.random.default_rng(1)
    wide, narrow = rng.normal(size=(100, 20)) * 3, rng.normal(size=(100, 20))
    forward = K.klom(wide, narrow)
    backward = K.klom(wide, narrow, direction="unlearned_oracle")
    assert not np.allclose(forward, backward)
    assert np.array_equal(backward, K.klom(narrow, wide))
    # P = oracle: a wide oracle puts mass where the narrow unlearned ensemble has none → large KL
    assert np.median(forward) > np.median(backward)


def test_dropped_joint_maximum_quirk():
    """Samples equal to the joint max are excluded; if that is every oracle sample, P is empty → 0."""
    oracle = np.array([[0.0], [1.0], [2.0]])
    unlearned = np.array([[2.0], [2.0], [2.0]])  # all at the joint max: Q empty, floored to eps on P's bins
    expected = 0.0  # P' = (1/2, 1/2) on bins 1, 11; Q' = P' after flooring and renormalising
    assert K.klom(oracle, unlearned)[0] == pytest.approx(expected, abs=1e-15)
    assert K.klom(np.full((4, 1), 100.0), np.array([[1.0], [200.0]]))[0] == 0.0


def test_torch_inputs_and_differing_ensemble_sizes():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    oracle, unlearned = rng.normal(size=(7, 4)), rng.normal(size=(13, 4))
    assert np.array_equal(K.klom(torch.from_numpy(oracle).float(), unlearned),
                          K.klom(oracle.astype(np.float32), unlearned))


@pytest.mark.parametrize("kwargs, match", [
    (dict(bins=0), "bins"),
    (dict(eps=0.0), "eps"),
    (dict(eps=float("nan")), "eps"),
    (dict(clip=(1.0, -1.0)), "clip"),
    (dict(clip=(0.0, float("nan"))), "clip"),
    (dict(direction="forward"), "direction"),
])
def test_invalid_parameters_name_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        K.klom(np.zeros((2, 2)), np.zeros((2, 2)), **kwargs)


def test_invalid_margins():
    with pytest.raises(ValueError, match="point axis"):
        K.klom(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="NaN.*\\[1, 0\\]"):
        K.klom(np.array([[0.0], [np.nan]]), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="2-D"):
        K.klom(np.zeros(3), np.zeros(3))
