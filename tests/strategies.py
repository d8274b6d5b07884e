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
