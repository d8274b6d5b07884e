r"""Lemma 1 given one trained oracle: the binomial tail it implies, and the gradient-ascent detector.

What this module does and does not test. It fits ONE oracle θ on a retain sample R and scores it on fresh i.i.d.
forget sets. Given θ, m·Acc_F is then Bin(m, Acc_T) *by construction*, so the Monte Carlo here re-tests the
binomial tail (the last step of Lemma 1's proof), not the lemma's setting. The lemma itself (F drawn from the
training set D, an oracle retrained on D \ F for every draw) is tested by :mod:`numerics.lemma1_retraining`. What
remains specific to this module is the *detector*: a gradient-ascent "unlearner" and a non-random forget set get a
vanishing Lemma 1 p-value while the oracle does not (``run_experiment(..., monte_carlo=False)`` runs only that).

Setup (numpy/SciPy only, seeded; every seed is recorded in the result):

* **Task.** Balanced binary classification in d dimensions: a clean label y_c = ±1 with probability 1/2,
  x = y_c·μ + z with μ = s·e_1 and z ~ N(0, I_d); the observed label is y_c flipped with probability ρ
  (label noise), so no classifier beats (1 − ρ)Φ(s) + ρ(1 − Φ(s)) ≈ 0.89 for s = 1.5, ρ = 0.05.
* **P_T and Acc_T.** For a linear classifier sign(⟨w, x⟩ + c), ⟨w, x⟩ + c ~ N(y_c⟨w, μ⟩ + c, ‖w‖²), so the
  population accuracy Acc_T has the closed form :func:`population_accuracy`; a large i.i.d. test sample
  stands in for P_T as a cross-check (its accuracy must agree within a few standard errors).
* **Oracle.** θ = ridge logistic regression fitted by SciPy (L-BFGS) on a retain set R of i.i.d. samples.
* **Forget sets.** For each size m = |F| and each trial, F is a *fresh* i.i.d. sample of m points from
  P_T, disjoint from R and never seen by the oracle: the lemma's law *conditionally on this one R*. The
  frequency of |Acc_T − Acc_F| ≥ t is then an unbiased estimate of P(|Bin(m, Acc_T)/m − Acc_T| ≥ t) for this
  oracle's Acc_T, with a binomial standard error; it says nothing about how the oracle depends on the draw of F
  (see :mod:`numerics.lemma1_retraining` for that).
* **A non-oracle unlearner.** The model pretrained on D = R ∪ F_GA (F_GA random, |F_GA| =
  ``ga_forget_size``) is unlearned by gradient ascent on the mean logistic loss of F_GA, stopped as soon as
  Acc_T − Acc_F ≥ ``ga_target_gap``; its gap gets a vanishing p-value (:func:`theory.random_sets.gap_p_value`)
  while the oracle's own gap on the same F_GA does not. A non-random forget set (points the oracle
  misclassifies) is flagged the same way.

Paper symbols ↔ fields: |F| = ``forget_sizes``, t = ``tolerances``, R = the retain sample of size
``retain_size``, λ = ``ridge`` (here on the logistic loss of a real classifier, not the exponential-loss model
of Section 5.1).

>>> exp = run_experiment(ForgetSetConfig(trials=1000, forget_sizes=(20,), tolerances=(0.1, 0.2)))
>>> all(row.frequency <= row.bound for row in exp.rows)
True
>>> exp.ga.converged and exp.ga.p_value < 1e-6 < exp.ga.oracle_p_value
True
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit, ndtr

from ascent_fails.theory import random_sets
from ascent_fails.validate import require_in_range, require_positive, require_positive_int

__all__ = [
    "ForgetSetConfig",
    "LinearModel",
    "TailRow",
    "AscentResult",
    "ForgetSetExperiment",
    "population_accuracy",
    "fit_ridge_logistic",
    "gradient_ascent",
    "run_experiment",
]


@dataclass(frozen=True)
class ForgetSetConfig:
    """Hyperparameters of the Lemma 1 experiment (defaults run in well under a second on one core)."""

    seed: int = 0  # root of every random choice; per-stage seeds are derived with numpy's SeedSequence
    dimension: int = 150  # d; large enough (d > |F_GA|) that GA can push F_GA down without flipping every point
    signal: float = 1.5  # s = ‖μ‖: clean accuracy Φ(1.5) ≈ 0.93, ≈ 0.89 after label noise
    label_noise: float = 0.05  # ρ, probability that an observed label is flipped
    retain_size: int = 2000  # |R|, the oracle's training set
    ridge: float = 1.0  # λ on ½‖w‖² (bias unpenalised); strong enough that GA degrades F_GA before P_T
    forget_sizes: tuple[int, ...] = (5, 20, 80)  # |F| of the random forget sets
    trials: int = 1000  # independent forget sets per size (the lemma's probability is a frequency over these)
    tolerances: tuple[float, ...] = (0.05, 0.1, 0.15, 0.2, 0.3)  # t, accuracy tolerances
    test_size: int = 20000  # i.i.d. test sample standing in for P_T (standard error ≈ 0.002)
    ga_forget_size: int = 100  # |F_GA|, forget set of the gradient-ascent unlearner
    ga_learning_rate: float = 0.02  # GA step on the mean forget loss; small so the stop rule triggers near target
    ga_target_gap: float = 0.3  # stop GA once Acc_T − Acc_F ≥ this ("far below test accuracy")
    ga_max_steps: int = 2000  # GA gives up (converged=False) after this many steps

    def __post_init__(self) -> None:
        require_positive_int("seed", self.seed, minimum=0)
        require_positive_int("dimension", self.dimension, symbol="d")
        require_positive("signal", self.signal, symbol="s = ‖μ‖")
        require_in_range("label_noise", self.label_noise, 0.0, 0.5, closed=(True, False), symbol="ρ")
        require_positive_int("retain_size", self.retain_size, minimum=2, symbol="|R|")
        require_positive("ridge", self.ridge, symbol="λ")
        if not self.forget_sizes or not self.tolerances:
            raise ValueError("forget_sizes and tolerances must be non-empty (|F| and t of Lemma 1)")
        for m in self.forget_sizes:
            require_positive_int("forget_sizes", m, symbol="|F|")
        require_in_range("tolerances", self.tolerances, 0.0, 1.0, closed=(False, True), symbol="t")
        require_positive_int("trials", self.trials, minimum=2)
        require_positive_int("test_size", self.test_size, minimum=2)
        require_positive_int("ga_forget_size", self.ga_forget_size, symbol="|F_GA|")
        require_positive("ga_learning_rate", self.ga_learning_rate, symbol="η_GA")
        require_in_range("ga_target_gap", self.ga_target_gap, 0.0, 1.0, symbol="Acc_T − Acc_F")
        require_positive_int("ga_max_steps", self.ga_max_steps)


@dataclass(frozen=True)
class LinearModel:
    """sign(⟨weights, x⟩ + bias); ``converged`` records whether the fit that produced it converged."""

    weights: np.ndarray  # (d,)
    bias: float
    converged: bool

    def correct(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Boolean (n,) array: does the model classify each (x_i, y_i) correctly (margin > 0)?"""
        return y * (x @ self.weights + self.bias) > 0


@dataclass(frozen=True)
class TailRow:
    """One (|F|, t) cell: Monte Carlo frequency of |Acc_T − Acc_F| ≥ t against the exact tail and the bound."""

    forget_size: int  # |F|
    tolerance: float  # t
    frequency: float  # fraction of the trials with |Acc_T − Acc_F| ≥ t
    exact_tail: float  # P(|Bin(|F|, Acc_T)/|F| − Acc_T| ≥ t), what the frequency estimates
    bound: float  # 2 exp(−2|F|t²), Lemma 1
    stderr: float  # Monte Carlo standard error sqrt(q(1 − q)/trials) at q = exact_tail


@dataclass(frozen=True)
class AscentResult:
    """Gradient ascent on F_GA from the model pretrained on D, with the Lemma 1 detector applied."""

    steps: int
    converged: bool  # True iff Acc_T − Acc_F reached ga_target_gap within ga_max_steps
    forget_accuracy: float  # Acc_F of the GA model on F_GA
    test_accuracy: float  # Acc_T of the GA model (closed form)
    p_value: float  # Hoeffding p-value of the GA model's gap on |F_GA| points
    oracle_gap: float  # |Acc_T − Acc_F| of the oracle on the same (random) F_GA
    oracle_p_value: float  # its p-value: an oracle-like model is not flagged


@dataclass(frozen=True)
class ForgetSetExperiment:
    """Everything the experiment measured, with the configuration and the derived seeds."""

    config: dict  # asdict(ForgetSetConfig)
    seeds: dict  # stage -> integer seed actually used
    oracle_converged: bool
    oracle_accuracy: float  # Acc_T of the oracle, closed form
    test_sample_accuracy: float  # the oracle's accuracy on the test sample standing in for P_T
    test_sample_stderr: float
    rows: tuple[TailRow, ...]
    ga: AscentResult
    misclassified_p_value: float  # p-value of a non-random F: |F_GA| test points the oracle misclassifies


def _sample(
    n: int, dimension: int, signal: float, label_noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """n i.i.d. draws (x, y) of the Gaussian task with label noise (see the module docstring)."""
    clean = rng.choice(np.array([-1.0, 1.0]), size=n)  # (n,)
    x = rng.standard_normal((n, dimension))  # (n, d)
    x[:, 0] += signal * clean  # μ = s·e_1
    flipped = rng.random(n) < label_noise
    return x, np.where(flipped, -clean, clean)


def population_accuracy(model: LinearModel, signal: float, label_noise: float) -> float:
    """Exact Acc_T of ``model`` on the Gaussian task: (1 − ρ)P_clean + ρ(1 − P_clean).

    P_clean = ½[Φ((⟨w, μ⟩ + c)/‖w‖) + Φ((⟨w, μ⟩ − c)/‖w‖)], because ⟨w, x⟩ + c ~ N(y_c⟨w, μ⟩ + c, ‖w‖²).
    """
    norm = float(np.linalg.norm(model.weights))
    if norm == 0.0:
        raise ValueError("weights=0: the classifier is constant; its accuracy is not defined by a margin")
    along = model.weights[0] * signal  # ⟨w, μ⟩ with μ = s·e_1
    clean = 0.5 * (ndtr((along + model.bias) / norm) + ndtr((along - model.bias) / norm))
    return float((1 - label_noise) * clean + label_noise * (1 - clean))


def _logistic_loss_grad(params: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean logistic loss (1/n)Σ log(1 + e^{−y_i(⟨w, x_i⟩ + c)}) and its gradient in (w, c)."""
    margin = y * (x @ params[:-1] + params[-1])  # (n,)
    weight = -expit(-margin) * y / len(y)  # ∂loss/∂(⟨w, x_i⟩ + c), (n,)
    return float(-log_expit(margin).mean()), np.append(x.T @ weight, weight.sum())


def fit_ridge_logistic(x: np.ndarray, y: np.ndarray, ridge: float) -> LinearModel:
    """Minimise mean logistic loss + (λ/2)‖w‖² (bias unpenalised) with L-BFGS; records convergence."""
    require_positive("ridge", ridge, symbol="λ")

    def objective(params: np.ndarray) -> tuple[float, np.ndarray]:
        loss, grad = _logistic_loss_grad(params, x, y)
        w = params[:-1]
        grad[:-1] += ridge * w
        return loss + 0.5 * ridge * float(w @ w), grad

    fit = minimize(objective, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-9, "ftol": 1e-15, "maxiter": 2000})
    return LinearModel(fit.x[:-1].copy(), float(fit.x[-1]), bool(fit.success))


def gradient_ascent(
    model: LinearModel, x_forget: np.ndarray, y_forget: np.ndarray, config: ForgetSetConfig
) -> tuple[LinearModel, int, bool]:
    """GA on the mean forget loss until Acc_T − Acc_F ≥ ``config.ga_target_gap``; returns (model, steps, converged)."""
    params = np.append(model.weights, model.bias)
    for step in range(config.ga_max_steps + 1):
        current = LinearModel(params[:-1], float(params[-1]), model.converged)
        acc_t = population_accuracy(current, config.signal, config.label_noise)
        gap = acc_t - current.correct(x_forget, y_forget).mean()
        if gap >= config.ga_target_gap:
            return current, step, True
        _, grad = _logistic_loss_grad(params, x_forget, y_forget)
        params = params + config.ga_learning_rate * grad  # ascent: move *up* the forget loss
    return current, config.ga_max_steps, False


def run_experiment(config: ForgetSetConfig = ForgetSetConfig(), *, monte_carlo: bool = True) -> ForgetSetExperiment:
    """Fit the oracle, run the Monte Carlo over random forget sets and the GA detector (see module docstring).

    ``monte_carlo=False`` skips the Monte Carlo (``rows`` is then empty) and runs only the oracle and the detector.
    """
    stages = ("retain", "test", "forget_sets", "ga_forget")
    seeds = dict(zip(stages, (int(s) for s in np.random.SeedSequence(config.seed).generate_state(len(stages)))))
    task = (config.dimension, config.signal, config.label_noise)

    x_retain, y_retain = _sample(config.retain_size, *task, np.random.default_rng(seeds["retain"]))
    oracle = fit_ridge_logistic(x_retain, y_retain, config.ridge)
    acc_t = population_accuracy(oracle, config.signal, config.label_noise)
    x_test, y_test = _sample(config.test_size, *task, np.random.default_rng(seeds["test"]))
    test_correct = oracle.correct(x_test, y_test)

    rows = []
    rng = np.random.default_rng(seeds["forget_sets"])
    for m in config.forget_sizes if monte_carlo else ():
        x, y = _sample(config.trials * m, *task, rng)  # trials independent forget sets, one per row below
        acc_f = oracle.correct(x, y).reshape(config.trials, m).mean(axis=1)  # (trials,)
        deviation = np.abs(acc_t - acc_f)
        exact = random_sets.binomial_tail(m, acc_t, np.asarray(config.tolerances))
        bound = random_sets.hoeffding_bound(m, np.asarray(config.tolerances))
        for i, t in enumerate(config.tolerances):
            rows.append(TailRow(m, float(t), float(np.mean(deviation >= t)), float(exact[i]), float(bound[i]),
                                float(np.sqrt(exact[i] * (1 - exact[i]) / config.trials))))

    # the GA unlearner: pretrain on D = R ∪ F_GA, ascend on F_GA, score with the Lemma 1 detector
    x_f, y_f = _sample(config.ga_forget_size, *task, np.random.default_rng(seeds["ga_forget"]))
    pretrained = fit_ridge_logistic(np.vstack([x_retain, x_f]), np.concatenate([y_retain, y_f]), config.ridge)
    unlearned, steps, reached = gradient_ascent(pretrained, x_f, y_f, config)
    ga_acc_f = float(unlearned.correct(x_f, y_f).mean())
    ga_acc_t = population_accuracy(unlearned, config.signal, config.label_noise)
    oracle_gap = abs(acc_t - float(oracle.correct(x_f, y_f).mean()))
    m_ga = config.ga_forget_size
    ascent = AscentResult(steps, reached and pretrained.converged, ga_acc_f, ga_acc_t,
                          random_sets.gap_p_value(m_ga, abs(ga_acc_t - ga_acc_f)), oracle_gap,
                          random_sets.gap_p_value(m_ga, oracle_gap))

    # a forget set chosen by the oracle's own errors: Acc_F = 0, so the gap is Acc_T itself
    wrong = np.flatnonzero(~test_correct)
    if len(wrong) < m_ga:
        raise ValueError(
            f"test_size={config.test_size} yields only {len(wrong)} misclassified points; need ga_forget_size={m_ga}"
        )
    misclassified_p = random_sets.gap_p_value(m_ga, abs(acc_t - float(test_correct[wrong[:m_ga]].mean())))

    return ForgetSetExperiment(
        config=asdict(config), seeds=seeds, oracle_converged=oracle.converged, oracle_accuracy=acc_t,
        test_sample_accuracy=float(test_correct.mean()),
        test_sample_stderr=float(np.sqrt(acc_t * (1 - acc_t) / config.test_size)),
        rows=tuple(rows), ga=ascent, misclassified_p_value=misclassified_p,
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m numerics.random_forget_sets [--trials N] [--seed S]``: print the Lemma 1 table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=ForgetSetConfig.trials, help="forget sets per size")
    parser.add_argument("--seed", type=int, default=ForgetSetConfig.seed)
    args = parser.parse_args(argv)
    exp = run_experiment(ForgetSetConfig(seed=args.seed, trials=args.trials))
    print(f"oracle Acc_T = {exp.oracle_accuracy:.4f} (closed form); test sample {exp.test_sample_accuracy:.4f} "
          f"± {exp.test_sample_stderr:.4f}; seeds {exp.seeds}")
    print(f"{'|F|':>5} {'t':>6} {'frequency':>10} {'exact tail':>11} {'bound':>9} {'MC s.e.':>8}")
    for r in exp.rows:
        print(f"{r.forget_size:>5} {r.tolerance:>6.2f} {r.frequency:>10.4f} {r.exact_tail:>11.4f} "
              f"{r.bound:>9.4f} {r.stderr:>8.4f}")
    ga = exp.ga
    print(f"GA ({ga.steps} steps, converged={ga.converged}): Acc_F = {ga.forget_accuracy:.3f}, "
          f"Acc_T = {ga.test_accuracy:.3f}, p-value {ga.p_value:.2e}; oracle on the same F: gap "
          f"{ga.oracle_gap:.3f}, p-value {ga.oracle_p_value:.3f}; misclassified F: p-value {exp.misclassified_p_value:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
