r"""Lemma 1 in its own setting: F drawn from the training set D, an oracle retrained on D \ F for every draw.

What the lemma bounds (docs/theory.md#lemma-1). The training set D = (z_1, …, z_n) is i.i.d. from P_T; F is a
uniformly random m-subset of D; the oracle θ_R is trained on R = D \ F. Acc_T(θ_R) is the population accuracy of
*that* oracle (conditional on R, so it changes from draw to draw) and Acc_F(θ_R) = (1/m) Σ_{i∈F} 1{θ_R correct on
z_i}. Lemma 1 bounds the probability over the joint draw of (D, F):

    P_{D,F}( |Acc_T(θ_R) − Acc_F(θ_R)| ≥ t ) ≤ 2 exp(−2 m t²).

The proof conditions on R: given R, the points of F are i.i.d. from P_T and independent of θ_R, so m·Acc_F is
Bin(m, Acc_T(θ_R)). Hence the left side equals E_R[binomial_tail(m, Acc_T(θ_R), t)] exactly. For a single *fixed*
D the conditional probability P_F(· | D) is not covered by the lemma (F is then drawn without replacement from a
finite set and θ_R depends on it); the experiment therefore draws ``datasets`` training sets and ``draws`` forget
sets from each, and the pooled frequency over all (D, F) pairs is an unbiased estimate of the lemma's probability.
Its standard error is taken from the spread of the per-dataset frequencies (draws that share a D are dependent),
floored by the binomial one.

Setup (numpy only, seeded; every seed is recorded):

* **Task.** The noisy Gaussian task of :mod:`numerics.random_forget_sets`: clean label ±1, x = y_c·s·e_1 + N(0, I_d),
  observed label flipped with probability ρ. Weak signal (s = 0.5) keeps Acc_T near 0.6, where the binomial
  variance p(1 − p) is close to Hoeffding's 1/4 and the bound is nearly tight.
* **Oracle.** The ridge least-squares classifier sign(⟨w, x⟩ + c) with (w, c) minimising
  (1/(2|R|)) Σ_{i∈R} (y_i − ⟨w, x_i⟩ − c)² + (λ/2)‖w‖² (bias unpenalised). With X̃ = [X, 1] its normal equations are
  (X̃_Rᵀ X̃_R/|R| + λ diag(1, …, 1, 0)) θ = X̃_Rᵀ y_R/|R|, and X̃_Rᵀ X̃_R = X̃_Dᵀ X̃_D − X̃_Fᵀ X̃_F is a rank-m downdate
  of the full Gram matrix: each retrain is one (d + 1)-dimensional solve, batched over draws, exact (no warm start
  or iteration to converge).
* **Acc_T and M_T.** Closed forms per draw: ⟨w, x⟩ + c is Gaussian given the clean label, so the margin
  y(⟨w, x⟩ + c) is a four-component Gaussian mixture (:func:`population_metrics`).
* **A bounded non-Bernoulli metric.** M = clip(y(⟨w, x⟩ + c)/κ, −1, 1) ∈ [−1, 1] (a clipped, scaled margin; κ =
  ``margin_scale``). "Any bounded metric" of the lemma gives P(|M_T − M_F| ≥ t) ≤ 2 exp(−2 m t²/(b − a)²) with
  b − a = 2. The population mean M_T has a closed form (E clip of a Gaussian); its exact tail has none, so it is
  checked by Monte Carlo.
* **Not retrained.** The same draws scored with the full-data model θ_D (trained *on* F): Lemma 1's independence
  of θ and F is dropped, Acc_F is optimistic, and the experiment records it as a control.

Paper symbols ↔ fields: |D| = n = ``train_size``, |F| = m ∈ ``forget_sizes``, t ∈ ``tolerances`` (accuracy) and
``metric_tolerances`` (the clipped margin, range [−1, 1]), λ = ``ridge``.

>>> res = run_experiment(RetrainConfig(datasets=4, draws=50, forget_sizes=(10,)))
>>> res.total_retrains, all(r.frequency <= r.bound for r in res.accuracy_rows)
(200, True)
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy.special import ndtr

from ascent_fails.atomic_io import atomic_write_json
from ascent_fails.numerics import random_forget_sets
from ascent_fails.theory import random_sets
from ascent_fails.validate import require_in_range, require_positive, require_positive_int

__all__ = [
    "RetrainConfig",
    "Draws",
    "TailRow",
    "CalibrationRow",
    "BiasRow",
    "RetrainResult",
    "population_metrics",
    "fit_full",
    "training_sets",
    "retrain_draws",
    "doubled_exponent_p_value",
    "run_experiment",
    "save_result",
    "load_result",
]

METRIC_RANGE = (-1.0, 1.0)  # [a, b] of the clipped margin metric
_CHUNK = 250  # training sets processed together (memory ≈ _CHUNK·draws·m·(d + 1) doubles)


@dataclass(frozen=True)
class RetrainConfig:
    """Hyperparameters of the retraining experiment (the defaults are the ones ``verify`` runs, ≈ 1 s)."""

    seed: int = 0  # root of every random choice; stage seeds come from numpy's SeedSequence
    dimension: int = 20  # d
    signal: float = 0.5  # s = ‖μ‖
    label_noise: float = 0.05  # ρ
    train_size: int = 200  # n = |D|
    ridge: float = 0.05  # λ on ½‖w‖² (bias unpenalised)
    margin_scale: float = 0.25  # κ of the clipped margin metric clip(y f(x)/κ, −1, 1)
    forget_sizes: tuple[int, ...] = (5, 25, 100)  # m = |F|, each < n
    datasets: int = 2500  # independent training sets D
    draws: int = 4  # uniformly random forget sets F ⊂ D per training set and size (each retrained)
    # t for the accuracy; t√m ≈ 1.2–1.4 (0.6 at m = 5, 0.24 at 25, 0.12 at 100) is where the exact tail exceeds the
    # tightened bound 2exp(−4mt²) by the most standard errors (the negative control needs such cells)
    tolerances: tuple[float, ...] = (0.05, 0.1, 0.12, 0.13, 0.15, 0.2, 0.23, 0.24, 0.26, 0.3, 0.4, 0.5, 0.6, 0.62)
    metric_tolerances: tuple[float, ...] = (0.1, 0.2, 0.4, 0.6, 0.8, 1.0)  # t for the metric (range 2)
    # a in P(p-value ≤ a) ≤ a; the small levels are where a doubled p-value exponent shows
    calibration_levels: tuple[float, ...] = (0.001, 0.002, 0.003, 0.005, 0.01, 0.03, 0.1, 0.3, 0.5)

    def __post_init__(self) -> None:
        require_positive_int("seed", self.seed, minimum=0)
        require_positive_int("dimension", self.dimension, symbol="d")
        require_positive("signal", self.signal, symbol="s = ‖μ‖")
        require_in_range("label_noise", self.label_noise, 0.0, 0.5, closed=(True, False), symbol="ρ")
        n = require_positive_int("train_size", self.train_size, minimum=3, symbol="n = |D|")
        require_positive("ridge", self.ridge, symbol="λ")
        require_positive("margin_scale", self.margin_scale, symbol="κ")
        if not self.forget_sizes or not self.tolerances or not self.metric_tolerances or not self.calibration_levels:
            raise ValueError("forget_sizes, tolerances, metric_tolerances and calibration_levels must be non-empty")
        for m in self.forget_sizes:
            require_positive_int("forget_sizes", m, symbol="|F|")
            if m > n - 2:
                raise ValueError(f"forget_sizes entry {m} must be <= train_size - 2 = {n - 2} (|R| = n − m ≥ 2)")
        require_positive_int("datasets", self.datasets, minimum=2)
        require_positive_int("draws", self.draws, minimum=1)
        require_in_range("tolerances", self.tolerances, 0.0, 1.0, closed=(False, True), symbol="t")
        width = METRIC_RANGE[1] - METRIC_RANGE[0]
        require_in_range("metric_tolerances", self.metric_tolerances, 0.0, width, closed=(False, True), symbol="t")
        require_in_range("calibration_levels", self.calibration_levels, 0.0, 1.0, symbol="a")


@dataclass(frozen=True)
class Draws:
    """Per-draw arrays for one forget size m: ``datasets × draws`` retrains (row-major: dataset, then draw)."""

    forget_size: int
    dataset: np.ndarray  # (N,) index of the training set D of each draw
    forget_index: np.ndarray  # (N, m) indices of F inside its D
    weights: np.ndarray  # (N, d) oracle θ_R = (w, c): weights
    bias: np.ndarray  # (N,)
    acc_forget: np.ndarray  # (N,) Acc_F of the retrained oracle on F
    acc_test: np.ndarray  # (N,) Acc_T of the retrained oracle (closed form, conditional on R)
    metric_forget: np.ndarray  # (N,) M_F, mean clipped margin on F
    metric_test: np.ndarray  # (N,) M_T, its population mean (closed form)
    acc_forget_full: np.ndarray  # (N,) Acc_F of the full-data model θ_D (NOT retrained) on the same F
    acc_test_full: np.ndarray  # (N,) Acc_T of θ_D
    acc_fresh: np.ndarray  # (N,) accuracy of the retrained oracle on m fresh points from P_T (reference)
    metric_fresh: np.ndarray  # (N,) the clipped margin on the same fresh points


@dataclass(frozen=True)
class TailRow:
    """One (m, t) cell: pooled frequency of |X_T − X_F| ≥ t over all (D, F) draws, against the lemma's bound."""

    metric: str  # "accuracy" or "clipped margin"
    forget_size: int
    tolerance: float
    frequency: float  # share of draws with |X_T − X_F| ≥ t
    stderr: float  # max(cluster standard error over training sets, binomial standard error)
    bound: float  # theory.random_sets.hoeffding_bound(m, t, metric_range)
    fresh_frequency: float  # the same event for the same oracles scored on m fresh points of P_T (reference)
    conditional_tail: float | None  # accuracy only: mean over draws of binomial_tail(m, Acc_T(θ_R), t) (= E frequency)


@dataclass(frozen=True)
class CalibrationRow:
    """Share of draws whose Lemma 1 p-value ``gap_p_value(m, |Acc_T − Acc_F|)`` is ≤ a (all sizes pooled)."""

    level: float  # a
    share: float  # empirical P(p ≤ a); Lemma 1 says its expectation is ≤ a
    stderr: float  # max(cluster, binomial-at-a) standard error
    predicted: float  # mean over draws of binomial_tail(m, Acc_T, tolerance(m, a)): E share exactly
    doubled_share: float  # the same share for the anti-conservative p-value 2 exp(−4 m gap²) (a control)
    doubled_stderr: float
    doubled_predicted: float  # mean of binomial_tail(m, Acc_T, tolerance(m, a)/√2): its expectation


@dataclass(frozen=True)
class BiasRow:
    """Mean signed gap Acc_F − Acc_T per size: 0 in expectation for the retrained oracle (given R, F is i.i.d. from
    P_T), > 0 for θ_D; and the same for the clipped margin M_F − M_T (which also tests M_T's closed form)."""

    forget_size: int
    retrained_mean: float
    retrained_stderr: float
    full_model_mean: float  # θ_D, trained on F itself
    full_model_stderr: float
    metric_mean: float  # mean M_F − M_T of the clipped margin (retrained oracle): 0 in expectation
    metric_stderr: float


@dataclass(frozen=True)
class RetrainResult:
    """Summary of :func:`run_experiment` (plain numbers only: JSON round trip with :func:`save_result`)."""

    config: dict
    seeds: dict
    total_retrains: int
    accuracy_range: tuple[float, float]  # min and max of Acc_T over all draws
    accuracy_spread: float  # standard deviation of Acc_T over draws: the oracle differs per draw
    accuracy_rows: tuple[TailRow, ...]
    metric_rows: tuple[TailRow, ...]
    calibration: tuple[CalibrationRow, ...]
    bias: tuple[BiasRow, ...]
    worst_ratio: float  # max over accuracy and metric cells of frequency / bound
    worst_ratio_at: tuple = field(default=())  # (metric, m, t) of the worst ratio


def _sample(n: int, config: RetrainConfig, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return random_forget_sets._sample(n, config.dimension, config.signal, config.label_noise, rng)


def _normal_pdf(z: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)


def population_metrics(
    weights: np.ndarray, bias: np.ndarray, signal: float, label_noise: float, margin_scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """(Acc_T, M_T) of linear classifiers sign(⟨w, x⟩ + c) on the Gaussian task, vectorised over rows of ``weights``.

    Given the clean label y_c, ⟨w, x⟩ + c ~ N(y_c a + c, σ²) with a = ⟨w, μ⟩ = s w_1 and σ = ‖w‖, so the margin
    y(⟨w, x⟩ + c) is N(a + c, σ²) and N(a − c, σ²) with weight (1 − ρ)/2 each (label kept) and N(−a − c, σ²),
    N(−a + c, σ²) with weight ρ/2 each (label flipped). Acc_T = P(margin > 0); M_T = E clip(margin/κ, −1, 1), with
    E clip(Z, lo, hi) = lo Φ(α) + hi (1 − Φ(β)) + μ (Φ(β) − Φ(α)) − σ (φ(β) − φ(α)) for Z ~ N(μ, σ²),
    α = (lo − μ)/σ, β = (hi − μ)/σ.
    """
    w = np.atleast_2d(np.asarray(weights, dtype=float))
    c = np.asarray(bias, dtype=float).reshape(-1)
    sigma = np.linalg.norm(w, axis=1)
    if np.any(sigma == 0):
        raise ValueError("weights has a zero row: a constant classifier has no margin distribution")
    a = signal * w[:, 0]
    means = np.stack([a + c, a - c, -a - c, -a + c])  # (4, N)
    mix = np.array([(1 - label_noise) / 2] * 2 + [label_noise / 2] * 2)[:, None]
    accuracy = np.sum(mix * ndtr(means / sigma), axis=0)
    lo, hi = METRIC_RANGE
    mu, s = means / margin_scale, sigma / margin_scale  # clip(margin/κ, ...): margin/κ ~ N(mean/κ, (σ/κ)²)
    alpha, beta = (lo - mu) / s, (hi - mu) / s
    clipped = (lo * ndtr(alpha) + hi * ndtr(-beta) + mu * (ndtr(beta) - ndtr(alpha))
               - s * (_normal_pdf(beta) - _normal_pdf(alpha)))
    return accuracy, np.sum(mix * clipped, axis=0)


def _augment(x: np.ndarray) -> np.ndarray:
    return np.concatenate([x, np.ones(x.shape[:-1] + (1,))], axis=-1)


def _solve(gram: np.ndarray, rhs: np.ndarray, size: int, ridge: float) -> np.ndarray:
    """θ from the normal equations (gram/size + λ diag(1, …, 1, 0)) θ = rhs/size, batched over leading axes."""
    penalty = np.eye(gram.shape[-1]) * ridge
    penalty[-1, -1] = 0.0  # the bias is not penalised
    return np.linalg.solve(gram / size + penalty, (rhs / size)[..., None])[..., 0]


def fit_full(x: np.ndarray, y: np.ndarray, ridge: float) -> np.ndarray:
    """θ = (w, c) of the ridge least-squares classifier on all of (x, y) (see the module docstring)."""
    xt = _augment(x)
    return _solve(xt.T @ xt, xt.T @ y, len(y), ridge)


def retrain_draws(config: RetrainConfig, forget_size: int) -> Draws:
    """Run the ``datasets × draws`` retrains for one size m (seeded by ``config.seed`` and m only).

    The training sets are the same for every m; they are processed in chunks of :data:`_CHUNK` datasets so that
    memory stays small. Each draw is also scored on m *fresh* points from P_T (the lemma's conditional law given R),
    an independent estimate of the same probabilities.
    """
    m = require_positive_int("forget_size", forget_size, symbol="|F|")
    n, d, B = config.train_size, config.dimension, config.draws
    if m > n - 2:
        raise ValueError(f"forget_size={m} must be <= train_size - 2 = {n - 2}")
    seeds = _stage_seeds(config)
    forget_rng = np.random.default_rng([seeds["forget_sets"], m])
    fresh_rng = np.random.default_rng([seeds["fresh_points"], m])
    kappa = config.margin_scale
    keys = ("idx", "w", "c", "acc_f", "met_f", "acc_f_full", "acc_t_full", "acc_fresh", "met_fresh")
    out: dict[str, list[np.ndarray]] = {k: [] for k in keys}
    for x, y in _training_chunks(config):
        k = len(y)
        xt = _augment(x)
        gram, rhs = np.swapaxes(xt, 1, 2) @ xt, (np.swapaxes(xt, 1, 2) @ y[..., None])[..., 0]
        full = _solve(gram, rhs, n, config.ridge)  # (k, d+1): θ_D, trained on all of D
        # uniform m-subsets without replacement: the first m of a uniformly random permutation of D
        idx = np.argsort(forget_rng.random((k, B, n)), axis=2)[:, :, :m]  # (k, B, m)
        rows = np.arange(k)[:, None, None]
        xf, yf = xt[rows, idx], y[rows, idx]  # (k, B, m, d+1), (k, B, m)
        # the oracle on R = D \ F: rank-m downdate of the normal equations of D
        xf_t = np.swapaxes(xf, -1, -2)  # (k, B, d+1, m)
        theta = _solve(gram[:, None] - xf_t @ xf, rhs[:, None] - (xf_t @ yf[..., None])[..., 0], n - m,
                       config.ridge)  # (k, B, d+1)
        margin = yf * (xf @ theta[..., None])[..., 0]
        x_new, y_new = _sample(k * B * m, config, fresh_rng)
        margin_new = y_new.reshape(k, B, m) * (_augment(x_new).reshape(k, B, m, d + 1) @ theta[..., None])[..., 0]
        full_acc, _ = population_metrics(full[:, :-1], full[:, -1], config.signal, config.label_noise, kappa)
        out["idx"].append(idx.reshape(k * B, m))
        out["w"].append(theta[..., :-1].reshape(k * B, d))
        out["c"].append(theta[..., -1].reshape(k * B))
        out["acc_f"].append((margin > 0).mean(axis=2).reshape(-1))
        out["met_f"].append(np.clip(margin / kappa, *METRIC_RANGE).mean(axis=2).reshape(-1))
        out["acc_fresh"].append((margin_new > 0).mean(axis=2).reshape(-1))
        out["met_fresh"].append(np.clip(margin_new / kappa, *METRIC_RANGE).mean(axis=2).reshape(-1))
        out["acc_f_full"].append((yf * (xf @ full[:, None, :, None])[..., 0] > 0).mean(axis=2).reshape(-1))
        out["acc_t_full"].append(np.repeat(full_acc, B))
    w, c = np.concatenate(out["w"]), np.concatenate(out["c"])
    acc_t, met_t = population_metrics(w, c, config.signal, config.label_noise, kappa)
    cat = {key: np.concatenate(v) for key, v in out.items()}
    return Draws(
        forget_size=m, dataset=np.repeat(np.arange(config.datasets), B), forget_index=cat["idx"], weights=w, bias=c,
        acc_forget=cat["acc_f"], acc_test=acc_t, metric_forget=cat["met_f"], metric_test=met_t,
        acc_forget_full=cat["acc_f_full"], acc_test_full=cat["acc_t_full"],
        acc_fresh=cat["acc_fresh"], metric_fresh=cat["met_fresh"],
    )


def _training_chunks(config: RetrainConfig):
    """Yield the training sets D in chunks of :data:`_CHUNK`: (x (k, n, d), y (k, n)); the same for every m."""
    rng = np.random.default_rng(_stage_seeds(config)["training_sets"])
    n, d = config.train_size, config.dimension
    for start in range(0, config.datasets, _CHUNK):
        k = min(_CHUNK, config.datasets - start)
        x, y = _sample(k * n, config, rng)
        yield x.reshape(k, n, d), y.reshape(k, n)


def training_sets(config: RetrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """All ``config.datasets`` training sets D as arrays x (K, n, d), y (K, n): the ones :func:`retrain_draws` uses
    (``Draws.forget_index`` indexes into them), for independent re-computation."""
    chunks = list(_training_chunks(config))
    return np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks])


def _stage_seeds(config: RetrainConfig) -> dict[str, int]:
    stages = ("training_sets", "forget_sets", "fresh_points")
    return dict(zip(stages, (int(s) for s in np.random.SeedSequence(config.seed).generate_state(len(stages)))))


def _mean_and_se(values: np.ndarray, dataset: np.ndarray, datasets: int, binomial_p: float | None = None) -> tuple[float, float]:
    """Pooled mean of per-draw ``values`` and its standard error from the K per-dataset means (draws that share a D
    are dependent, different D's are independent), floored by the i.i.d. error sqrt(p(1 − p)/N) at ``binomial_p``."""
    per_dataset = np.bincount(dataset, weights=values, minlength=datasets) / np.bincount(dataset, minlength=datasets)
    se = float(np.std(per_dataset, ddof=1) / np.sqrt(datasets))
    if binomial_p is not None:
        se = max(se, float(np.sqrt(binomial_p * (1 - binomial_p) / values.size)))
    return float(values.mean()), se


def doubled_exponent_p_value(forget_size: int, gap: np.ndarray) -> np.ndarray:
    """The anti-conservative p-value 2 exp(−4 m gap²) (capped at 1), built from the library's own
    :func:`theory.random_sets.gap_p_value` at √2·gap (gap clipped to 1, which can only make it larger)."""
    return random_sets.gap_p_value(forget_size, np.minimum(np.sqrt(2.0) * np.asarray(gap), 1.0))


def run_experiment(config: RetrainConfig = RetrainConfig(), draws: dict[int, Draws] | None = None) -> RetrainResult:
    """All sizes: tail rows (accuracy and clipped margin), p-value calibration and the bias of θ_R vs θ_D.

    ``draws`` (from :func:`retrain_draws`, one entry per size of ``config``) may be passed to reuse a run.
    """
    draws = draws or {m: retrain_draws(config, m) for m in config.forget_sizes}
    K = config.datasets
    acc_rows, met_rows, bias_rows = [], [], []
    p_values, p_doubled, predicted, predicted_doubled = [], [], {}, {}
    for m in config.forget_sizes:
        d = draws[m]
        gap, gap_fresh = np.abs(d.acc_test - d.acc_forget), np.abs(d.acc_test - d.acc_fresh)
        for t in config.tolerances:
            hit = (gap >= t).astype(float)  # ≥ as in the lemma (Acc_T is continuous: no lattice question)
            cond = float(np.mean(random_sets.binomial_tail(m, d.acc_test, t)))
            freq, se = _mean_and_se(hit, d.dataset, K, binomial_p=max(cond, 1.0 / hit.size))
            acc_rows.append(TailRow("accuracy", m, float(t), freq, se, random_sets.hoeffding_bound(m, t),
                                    float(np.mean(gap_fresh >= t)), cond))
        met_gap, met_gap_fresh = np.abs(d.metric_test - d.metric_forget), np.abs(d.metric_test - d.metric_fresh)
        for t in config.metric_tolerances:
            hit = (met_gap >= t).astype(float)
            fresh = float(np.mean(met_gap_fresh >= t))
            freq, se = _mean_and_se(hit, d.dataset, K, binomial_p=max(fresh, 1.0 / hit.size))
            met_rows.append(TailRow("clipped margin", m, float(t), freq, se,
                                    random_sets.hoeffding_bound(m, t, metric_range=METRIC_RANGE), fresh, None))
        signed = d.acc_forget - d.acc_test
        signed_full = d.acc_forget_full - d.acc_test_full
        bias_rows.append(BiasRow(m, *_mean_and_se(signed, d.dataset, K), *_mean_and_se(signed_full, d.dataset, K),
                                 *_mean_and_se(d.metric_forget - d.metric_test, d.dataset, K)))
        p_values.append(random_sets.gap_p_value(m, gap))
        p_doubled.append(doubled_exponent_p_value(m, gap))
        for a in config.calibration_levels:
            t_a = random_sets.tolerance(m, a)  # p ≤ a ⇔ gap ≥ t(m, a); doubled exponent: gap ≥ t(m, a)/√2
            predicted.setdefault(a, []).append(random_sets.binomial_tail(m, d.acc_test, t_a))
            predicted_doubled.setdefault(a, []).append(random_sets.binomial_tail(m, d.acc_test, t_a / np.sqrt(2.0)))
    # calibration: all sizes pooled; the clusters are the training sets (shared by every size)
    p_all, p2_all = np.concatenate(p_values), np.concatenate(p_doubled)
    cluster = np.concatenate([draws[m].dataset for m in config.forget_sizes])
    calibration = []
    for a in config.calibration_levels:
        share, se = _mean_and_se((p_all <= a).astype(float), cluster, K, binomial_p=a)
        share2, se2 = _mean_and_se((p2_all <= a).astype(float), cluster, K, binomial_p=a)
        calibration.append(CalibrationRow(float(a), share, se, float(np.mean(np.concatenate(predicted[a]))),
                                          share2, se2, float(np.mean(np.concatenate(predicted_doubled[a])))))
    ratios = [(r.frequency / r.bound, (r.metric, r.forget_size, r.tolerance)) for r in acc_rows + met_rows]
    worst, worst_at = max(ratios)
    acc_all = np.concatenate([draws[m].acc_test for m in config.forget_sizes])
    return RetrainResult(
        config=asdict(config), seeds=_stage_seeds(config),
        total_retrains=int(sum(draws[m].acc_test.size for m in config.forget_sizes)),
        accuracy_range=(float(acc_all.min()), float(acc_all.max())), accuracy_spread=float(acc_all.std()),
        accuracy_rows=tuple(acc_rows), metric_rows=tuple(met_rows), calibration=tuple(calibration),
        bias=tuple(bias_rows), worst_ratio=float(worst), worst_ratio_at=worst_at,
    )


def save_result(result: RetrainResult, path: str | Path) -> Path:
    """Write ``result`` as JSON (atomically, :func:`ascent_fails.atomic_io.atomic_write_json`)."""
    return atomic_write_json(path, result)


def load_result(path: str | Path) -> RetrainResult:
    """Read a :func:`save_result` file back into a :class:`RetrainResult` (equal to the one saved)."""
    raw = json.loads(Path(path).read_text())

    def rows(key: str, cls: type) -> tuple:
        return tuple(cls(**r) for r in raw[key])

    return RetrainResult(
        # JSON turns the config's tuples into lists: rebuild (and re-validate) the configuration
        config=asdict(RetrainConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw["config"].items()})),
        seeds=raw["seeds"], total_retrains=raw["total_retrains"],
        accuracy_range=tuple(raw["accuracy_range"]), accuracy_spread=raw["accuracy_spread"],
        accuracy_rows=rows("accuracy_rows", TailRow), metric_rows=rows("metric_rows", TailRow),
        calibration=rows("calibration", CalibrationRow), bias=rows("bias", BiasRow),
        worst_ratio=raw["worst_ratio"], worst_ratio_at=tuple(raw["worst_ratio_at"]),
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m ascent_fails.numerics.lemma1_retraining [--seed S] [--datasets K] [--draws B] [--out FILE]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=RetrainConfig.seed)
    parser.add_argument("--datasets", type=int, default=RetrainConfig.datasets)
    parser.add_argument("--draws", type=int, default=RetrainConfig.draws)
    parser.add_argument("--out", type=Path, default=None, help="write the result as JSON here")
    args = parser.parse_args(argv)
    res = run_experiment(RetrainConfig(seed=args.seed, datasets=args.datasets, draws=args.draws))
    print(f"{res.total_retrains} retrains; Acc_T in [{res.accuracy_range[0]:.3f}, {res.accuracy_range[1]:.3f}] "
          f"(sd {res.accuracy_spread:.3f} over draws); seeds {res.seeds}")
    print(f"{'metric':>15} {'|F|':>4} {'t':>5} {'frequency':>10} {'s.e.':>8} {'fresh pts':>10} {'E (exact)':>10} "
          f"{'bound':>9}")
    for r in res.accuracy_rows + res.metric_rows:
        cond = "" if r.conditional_tail is None else f"{r.conditional_tail:.5f}"
        print(f"{r.metric:>15} {r.forget_size:>4} {r.tolerance:>5.3f} {r.frequency:>10.5f} {r.stderr:>8.5f} "
              f"{r.fresh_frequency:>10.5f} {cond:>10} {r.bound:>9.5f}")
    print(f"worst frequency/bound {res.worst_ratio:.3f} at {res.worst_ratio_at}")
    for c in res.calibration:
        print(f"P(p-value <= {c.level:g}) = {c.share:.5f} ± {c.stderr:.5f} (exact expectation {c.predicted:.5f}); "
              f"doubled exponent {c.doubled_share:.5f} ± {c.doubled_stderr:.5f} (expectation {c.doubled_predicted:.5f})")
    for b in res.bias:
        print(f"|F| = {b.forget_size}: mean Acc_F − Acc_T retrained {b.retrained_mean:+.4f} ± {b.retrained_stderr:.4f}, "
              f"not retrained {b.full_model_mean:+.4f} ± {b.full_model_stderr:.4f}")
    if args.out is not None:
        save_result(res, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
