"""Cost as a user pays it (nn_experiments.cost): totals, the checkpoint's and teacher's shares, the grid search."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ascent_fails.nn_experiments import cost as C
from ascent_fails.nn_experiments.methods import cost_relative_to_retraining


def test_methods_reexports_the_one_cost_function():
    assert cost_relative_to_retraining is C.cost_relative_to_retraining


@given(st.sampled_from(["ga", "gda", "scrub", "finetune", "rewind", "noisy"]), st.integers(0, 10**6),
       st.integers(0, 10**5), st.integers(0, 20), st.integers(2, 5000), st.integers(1, 50))
def test_total_cost_is_the_sum_of_its_parts(method, grads, forwards, rewind_epoch, n_train, epochs):
    retain = n_train - 1
    row = C.row_costs(method, grads, forwards, rewind_epoch=rewind_epoch, n_train=n_train, retain_size=retain,
                      oracle_epochs=epochs)
    checkpoint = rewind_epoch * n_train if method == "rewind" else 0  # independent reading of the docstring
    assert row["checkpoint_gradient_evaluations"] == checkpoint
    assert row["cost"] == pytest.approx(grads / (retain * epochs))
    assert row["cost_total"] == pytest.approx((grads + checkpoint + forwards / 3) / (retain * epochs))
    assert row["cost_total"] >= row["cost"]


def test_rewind_to_the_initialisation_and_other_methods_pay_no_checkpoint():
    assert C.checkpoint_gradient_evaluations("rewind", 0, 100) == 0
    assert C.checkpoint_gradient_evaluations("finetune", 5, 100) == 0
    assert C.checkpoint_gradient_evaluations("rewind", 5, 100) == 500
    with pytest.raises(ValueError, match="rewind_epoch"):
        C.checkpoint_gradient_evaluations("rewind", -1, 100)


def test_search_cost_sums_each_run_once_at_its_last_snapshot_plus_the_oracles():
    rows = []
    for fs in ("a", "b"):
        for lr in (0.1, 0.2, 0.3):
            for epoch in (1, 5):
                rows.append({"method": "gda", "forget_set": fs, "hparams": {"lr": lr}, "epoch": epoch,
                             "cost": 0.01 * epoch, "cost_total": 0.02 * epoch})
    out = C.search_costs(rows)["gda"]
    assert out["runs"] == 3
    assert out["per_forget_set"] == {"a": pytest.approx(1 + 3 * 0.1), "b": pytest.approx(1 + 3 * 0.1)}
    assert out["median"] == pytest.approx(1.3)
    # rows without cost_total (older results): the gradient-only cost is used
    old = [{k: v for k, v in r.items() if k != "cost_total"} for r in rows]
    assert C.search_costs(old)["gda"]["median"] == pytest.approx(1 + 3 * 0.05)


def test_cost_summary_names_each_method_and_the_search():
    rows = [{"method": m, "forget_set": "a", "hparams": {"lr": 0.1}, "epoch": 3, "cost": 0.2, "cost_total": 0.25}
            for m in ("do_nothing", "gda", "rewind")]
    text = C.cost_summary({"runs": rows})
    assert "gda: up to 0.2 (gradient steps only) / 0.25 (all)" in text and "1.25 oracles" in text
    assert "rewind:" in text and "do_nothing:" not in text
