"""Evidence for each result. Every module here defines ``RESULTS: tuple[ResultCheck, ...]``.

The order below is the order of the report.
"""

CHECK_MODULES: tuple[str, ...] = (
    "random_sets",  # lemma1
    "closed_form",  # lemma2
    "logistic_divergence",  # lemma3
    "distance_growth",  # lemma4
    "distance_unlearning",  # lemma5
    "corollary1",  # corollary1
    "iterated_da",  # iterated_da
    "correlated_oracle",  # lemma6
    "correlated_bounds",  # lemma7, lemma8
    "correlated_ordering",  # lemma9, lemma10
    "gauss_seidel",  # lemma12
    "phase_diagram",  # figure4
    "toy_trap",  # toy_trap
)
