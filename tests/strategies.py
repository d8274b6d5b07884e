"""Hypothesis strategies named after the domain, shared by the tests of every package.

Set sizes are integers, as in the paper (|R|, |F|, |R_j| count samples); ridge values span many orders of
magnitude because the closed forms behave differently as λ → 0 (Corollary 1).
"""

from hypothesis import strategies as st

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
