"""Hypothesis strategies named after the domain, shared by the tests of every package.

Set sizes are integers, as in the paper (|R|, |F|, |R_j| count samples); ridge values span many orders of
magnitude because the closed forms behave differently as λ → 0 (Corollary 1).
"""

import math

from hypothesis import strategies as st

from ascent_fails.theory.closed_form import regime_boundary_3

#: |R|, |F|, |R_j|: sample counts
set_sizes = st.integers(min_value=1, max_value=10**6)
small_set_sizes = st.integers(min_value=1, max_value=1000)
#: λ > 0, log-uniform over 1e-12 … 1e3
ridges = st.floats(min_value=-12, max_value=3, allow_nan=False).map(lambda e: 10.0**e)
#: α ≥ 0 (per-axis forget/retain ratio), log-uniform over 1e-6 … 1e3, plus 0
forget_ratios = st.one_of(st.just(0.0), st.floats(min_value=-6, max_value=3).map(lambda e: 10.0**e))
#: ε ∈ (0, 1), the correlation of Section 5.1.2
correlations = st.floats(min_value=1e-3, max_value=1 - 1e-3, allow_nan=False)
#: tolerances and probabilities in (0, 1)
unit_open = st.floats(min_value=1e-6, max_value=1 - 1e-6, allow_nan=False)

_EPS = 2.0**-52  # float64 machine epsilon


@st.composite
def consistent_axes(draw, regime: int | None = None, position=st.floats(0, 1)):
    """(|R|, |F|, |R_j|, α, λ) of a consistent data set: |R_j| ≤ |R|, α|R_j| ≤ |F|; α placed in ``regime``.

    Regime 1: α = u·|F|/|R|; regime 2: α = α_2 + u(α_3 − α_2); regime 3: α = α_3(1 + u) + 64 ulps. The
    |R_j| ≤ |F|/α constraint is applied after α is known (|R_j| is drawn first, α_3 depends on it).
    """
    n_retain, n_forget, ridge = draw(set_sizes), draw(set_sizes), draw(ridges)
    fraction = draw(st.floats(0, 1))  # |R_j| as a fraction of its cap
    u = draw(position)
    n_retain_axis = max(1.0, math.floor(fraction * n_retain))
    alpha_2 = n_forget / n_retain
    if regime is None:
        regime = draw(st.sampled_from([1, 2, 3]))
    if regime == 1:
        alpha = u * alpha_2
    else:
        alpha_3 = regime_boundary_3(n_retain, n_forget, n_retain_axis, ridge)
        alpha = alpha_2 + u * (alpha_3 - alpha_2) if regime == 2 else alpha_3 * (1 + u) * (1 + 64 * _EPS)
    if alpha > 0 and n_retain_axis > n_forget / alpha:
        n_retain_axis = max(min(n_retain_axis, math.floor(n_forget / alpha)), min(1.0, n_forget / alpha))
    return float(n_retain), float(n_forget), float(n_retain_axis), float(alpha), float(ridge)


# --- strategies that generate only valid examples (no `if ...: return`, few `assume`s) -------------------------


@st.composite
def regime_2_axes(draw, position=None):
    """(|R|, |F|, |R_j|, α, λ) of a consistent data set whose DA axis objective is in regime 2 (−1/e < z_DA < 0).

    z_DA = (|R_j|/λ)(1/|R| − α/|F|) (Lemma 2), so regime 2 is α_2 = |F|/|R| < α < α_3 = α_2 + λ|F|/(e|R_j|),
    and consistency (α|R_j| ≤ |F|) caps α at |F|/|R_j|. Both ends depend on |R_j| and λ, so those are drawn
    first: |R| ≥ 2 and 1 ≤ |R_j| ≤ |R| − 1 (else |F|/|R_j| = α_2 leaves no room), and λ log-uniform from
    max(1e-12, e·1e-6·|R_j|/|R|) to 1e3, so that the regime's relative width λ|R|/(e|R_j|) is ≥ 1e-6 and an α
    inside it is not a rounding artefact. α = α_2 + v·(α_hi − α_2), v ∈ (0, 1) drawn inside and within
    1e-7 … 1e-1 of both ends (z_DA → 0⁻ where W_{−1} → −∞, and z_DA → −1/e where the two branches meet).
    """
    n_retain = draw(st.integers(min_value=2, max_value=10**6))
    n_forget = draw(set_sizes)
    n_axis = max(1, math.floor(draw(st.floats(0, 1)) * (n_retain - 1)))
    low = max(-12.0, math.log10(math.e * 1e-6 * n_axis / n_retain))
    ridge = 10.0 ** draw(st.floats(min_value=low, max_value=3.0))
    alpha_2 = n_forget / n_retain
    alpha_hi = min(alpha_2 + ridge * n_forget / (math.e * n_axis), n_forget / n_axis)
    if position is None:
        edge = st.floats(min_value=-7, max_value=-1).map(lambda e: 10.0**e)
        position = st.one_of(st.floats(min_value=1e-7, max_value=1 - 1e-7), edge, edge.map(lambda d: 1 - d))
    v = draw(position)
    alpha = alpha_2 + v * (alpha_hi - alpha_2)
    return float(n_retain), float(n_forget), float(n_axis), float(alpha), float(ridge)


#: iterated DA (theory.iterated_da): a = |R_j|/|R|, b = |F_j|/|F| shares of an axis, λ
axis_shares = st.floats(min_value=1e-3, max_value=1.0, allow_nan=False)
axis_ridges = st.floats(min_value=-2, max_value=1).map(lambda e: 10.0**e)


@st.composite
def iterated_axes(draw, z_min: float, share_min: float = 1e-3, ridges=axis_ridges, forget_zero: bool = True):
    """(a, b, λ) with a ∈ [share_min, 1], b ∈ [share_min, 1] (and b = 0 if ``forget_zero``), λ from ``ridges``,
    and z = (a − b)/(2λ) ≥ z_min.

    a and λ are drawn first and b from its admissible range b ≤ a − 2λ z_min, shrunk by 2λ·2e-9 so that the
    rounding of z cannot take it below z_min. With z_min ≤ 0 that range always contains [share_min, a].
    """
    a = draw(st.floats(min_value=share_min, max_value=1.0))
    lam = draw(ridges)
    b_max = min(1.0, a - 2 * lam * (z_min + 2e-9))
    forget = st.floats(min_value=share_min, max_value=b_max)
    return a, draw(st.one_of(st.just(0.0), forget) if forget_zero else forget), lam


@st.composite
def arrested_shares(draw):
    """(a, b/a) with 1.01 ≤ b/a ≤ 4 and b ≤ 1 (the arrested regime |F_j|/|F| > |R_j|/|R|): a ≤ 1/1.01 first."""
    a = draw(st.floats(min_value=1e-3, max_value=1 / 1.01))
    return a, draw(st.floats(min_value=1.01, max_value=min(4.0, 1.0 / a)))


#: |F|/|D| ∈ (0, 1) of the correlated model, away from the ends where |R| or |F| vanish
forget_fractions = st.floats(min_value=1e-3, max_value=1 - 1e-3, allow_nan=False)


@st.composite
def lemma10_certified_sizes(draw):
    """(ε, CorrelatedSizes) with Lemma 10's threshold α_{R>D}(ε) = min{α^X, α^Y} > 0 (some α is certified).

    α^X > 0 always (W_0 is increasing and p > b). α^Y > 0 ⟺ Y_R e^{Y_R} > 2εb; with Y_R = κX_R, κ = 2ε/(1+ε²),
    and b = (1 − f)X_R e^{X_R}/(1+ε²) (Lemma 6: X_R e^{X_R} = (1+ε²)p, p = b/(1 − f), f = |F|/|D|) this reads
    e^{κX_R} > (1 − f)e^{X_R}, i.e. X_R < L := −ln(1 − f)/(1 − κ); X_R = W_0((1+ε²)p) increases with
    p = r/(λ|R|), and X_R = L at p = L e^L/(1+ε²), so the condition is λ > λ_min = r(1+ε²)/(|R| L e^L).
    λ is drawn log-uniformly from just above λ_min (ln λ − ln λ_min from 1e-6 to 40, so the edge, where
    α_{R>D} → 0⁺, is included) and never below 1e-12.
    1 − κ = (1 − ε)²/(1 + ε²) is computed without cancellation.
    """
    eps, f = draw(correlations), draw(forget_fractions)
    n_total, group = draw(set_sizes), draw(small_set_sizes)
    limit = -math.log1p(-f) * (1 + eps**2) / (1 - eps) ** 2
    log_min = (math.log(group) - math.log(n_total) - math.log1p(-f) + math.log(1 + eps**2)
               - math.log(limit) - limit)
    log_ridge = max(log_min, math.log(1e-12)) + 10.0 ** draw(st.floats(min_value=-6, max_value=math.log10(40)))
    from ascent_fails.theory.correlated_model import CorrelatedSizes

    return eps, CorrelatedSizes(n_total, f, group, math.exp(log_ridge))


@st.composite
def assumption_data_configs(draw):
    """AssumptionDataConfig with 1–6 axes of which at least one has forget samples (|F| > 0), by construction.

    The other axes are drawn freely (0 … 5 of them) and the forgetful axis is inserted at a drawn position, so
    every configuration with |F| > 0 can occur and none is filtered away.
    """
    from ascent_fails.numerics.assumption_data import AssumptionDataConfig, AxisSpec

    signs = st.sampled_from([-1, 1])
    axis = st.builds(AxisSpec, n_retain=st.integers(1, 30), n_forget=st.integers(0, 30), retain_sign=signs,
                     forget_sign=signs)
    forgetful = st.builds(AxisSpec, n_retain=st.integers(1, 30), n_forget=st.integers(1, 30), retain_sign=signs,
                          forget_sign=signs)
    axes = draw(st.lists(axis, min_size=0, max_size=5))
    axes.insert(draw(st.integers(0, len(axes))), draw(forgetful))
    return AssumptionDataConfig(tuple(axes), seed=draw(st.integers(0, 2**32 - 1)),
                                n_empty_coordinates=draw(st.integers(0, 3)))
