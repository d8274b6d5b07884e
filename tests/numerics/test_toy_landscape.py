"""Tests of numerics.toy_landscape: the multi-start search finds every minimum of a slow reference."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from ascent_fails.numerics import toy_landscape as tl
from ascent_fails.theory import toy_problem as tp


def _reference_minima(objective: str, variant: tp.ToyVariant) -> list[np.ndarray]:
    """Slow reference: plain BFGS (no analytic Hessian) from a 12 × 12 grid, deduplicated."""
    w = tp.objective_weights(objective)
    found: list[np.ndarray] = []
    for a0 in np.linspace(-9, 9, 12):
        for b0 in np.linspace(-4.5, 4.5, 12):
            res = minimize(tp.loss, [a0, b0], args=(w, variant), jac=tp.gradient, method="BFGS",
                           options={"gtol": 1e-10})
            if np.linalg.eigvalsh(tp.hessian(res.x, w, variant)).min() > 1e-6 and np.linalg.norm(res.jac) < 1e-6:
                if all(np.linalg.norm(res.x - f) > 1e-4 for f in found):
                    found.append(res.x)
    return found


@pytest.mark.parametrize("name", tuple(tp.VARIANTS))
def test_multistart_finds_every_minimum_of_the_slow_reference(name):
    variant = tp.get_variant(name)
    fast = tl.find_minima("pretrained", variant)
    for ref in _reference_minima("pretrained", variant):
        assert min(np.linalg.norm(m.theta - ref) for m in fast) < 1e-5
    assert sum(m.is_global for m in fast) == 1
    for m in fast:
        assert m.gradient_norm < 1e-9 and min(m.hessian_eigenvalues) > 0


def test_closed_form_abs_inverse_matches_eigh():
    # slow reference: the LAPACK eigendecomposition of each symmetric 2 × 2 matrix
    rng = np.random.default_rng(0)
    A = rng.normal(size=(200, 2, 2))
    H = np.concatenate([A + A.transpose(0, 2, 1), np.tile(-3 * np.eye(2), (3, 1, 1))])  # incl. H = μI
    g = rng.normal(size=(len(H), 2))
    evals, evecs = np.linalg.eigh(H)
    ref = np.einsum("nij,nj,nkj,nk->ni", evecs, 1 / np.maximum(np.abs(evals), 1e-3), evecs, g)
    assert np.allclose(tl._abs_inverse_times(H, g), ref, rtol=1e-10, atol=1e-10)
