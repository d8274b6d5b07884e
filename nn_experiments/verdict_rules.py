"""The statistical rules behind the network verdicts of ``reproduce`` (docs/experiments.md#verdicts).

Every KLoM value a verdict uses carries a bootstrap interval over the models of both ensembles
(:func:`~ascent_fails.nn_experiments.klom_groups.group_summary`, recorded per row of results.json as
``klom_ci``). Resampling models duplicates some of them, which raises KLoM's finite-N floor, so a plain percentile
interval sits *above* its point value; the sweep records the *centred* interval (the replicates' spread around the
point value) and the rules compare an interval with an interval computed the same way (same N, same number of
resamples), never a point with an interval end:

* :func:`separation`: ``a`` is above ``b`` when a.low > b.high, below when a.high < b.low, else they overlap.
  For two estimates of one quantity, 95 % intervals that do not overlap is a conservative test (its false-positive
  rate is below 5 %; tests/nn_experiments/test_verdict_rules.py checks the rate on ensembles of one distribution,
  and tests/nn_experiments/test_difficulty_selection.py with the minimum over configurations that claims.py takes).
* :func:`versus_draws`: a set compared with ``k`` random draws of the same size is *harder* only when its interval
  lies above the interval of *every* draw (and *easier* only when below every draw). With ``k = 1`` the rule sees
  the spread over models but not the spread between random draws; the verdict text says how many draws it had.
* :func:`majority`: a claim made of ``n`` comparisons is reproduced when more than half of them separate in the
  claimed direction, undecided when at least half overlap, and not reproduced otherwise.

>>> separation(Interval(2.0, 2.5, 3.0), Interval(1.0, 1.2, 1.9))
'above'
>>> versus_draws(Interval(2.0, 2.5, 3.0), [Interval(1.0, 1.2, 1.9), Interval(1.5, 1.7, 2.1)])
'inconclusive'
>>> majority(n_claimed=2, n_overlap=1, n=3)
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Interval", "separation", "versus_draws", "majority", "interval_of", "worst_group_interval"]


@dataclass(frozen=True)
class Interval:
    """A KLoM value and its bootstrap interval [low, high] (low = high = value when none was recorded)."""

    low: float
    value: float
    high: float

    def __post_init__(self) -> None:
        if not self.low <= self.high:
            raise ValueError(f"interval low={self.low} must be ≤ high={self.high}")

    def text(self) -> str:
        """``'2.50 [2.00, 3.00]'``; just the value when the interval is a point (no bootstrap recorded)."""
        if self.low == self.high == self.value:
            return f"{self.value:.2f}"
        return f"{self.value:.2f} [{self.low:.2f}, {self.high:.2f}]"


def separation(a: Interval, b: Interval) -> str:
    """'above' (a.low > b.high), 'below' (a.high < b.low) or 'overlap'."""
    if a.low > b.high:
        return "above"
    if a.high < b.low:
        return "below"
    return "overlap"


def versus_draws(candidate: Interval, draws: Sequence[Interval]) -> str:
    """'harder' if ``candidate`` is above every draw's interval, 'easier' if below every one, else 'inconclusive'."""
    if not draws:
        raise ValueError("draws is empty; give at least one interval to compare with")
    sides = {separation(candidate, d) for d in draws}
    if sides == {"above"}:
        return "harder"
    if sides == {"below"}:
        return "easier"
    return "inconclusive"


def majority(*, n_claimed: int, n_overlap: int, n: int) -> bool | None:
    """True if n_claimed > n/2; None (undecided) if not and n_overlap ≥ n/2; else False."""
    if n < 1 or not 0 <= n_claimed <= n or not 0 <= n_overlap <= n - n_claimed:
        raise ValueError(f"counts must satisfy 0 ≤ n_claimed ({n_claimed}) and 0 ≤ n_overlap ({n_overlap}) "
                         f"with n_claimed + n_overlap ≤ n ({n}), n ≥ 1")
    if 2 * n_claimed > n:
        return True
    if 2 * n_overlap >= n:
        return None
    return False


def interval_of(row: Mapping[str, Any], group: str) -> Interval:
    """The interval of ``row``'s KLoM on ``group`` (a results.json row); a point if the row has no ``klom_ci``.

    The recorded percentile interval is widened to contain the point value (it usually sits above it, module
    docstring): a wider interval only makes :func:`separation` more conservative.
    """
    value = float(row["klom_p95"][group])
    ci = (row.get("klom_ci") or {}).get(group)
    if ci is None:
        return Interval(value, value, value)
    return Interval(min(float(ci[0]), value), value, max(float(ci[1]), value))


def worst_group_interval(row: Mapping[str, Any], groups: Sequence[str]) -> Interval:
    """Interval of max over ``groups`` of KLoM: [max of the lows, max of the highs] (each end is monotone in every group)."""
    parts = [interval_of(row, g) for g in groups]
    return Interval(max(p.low for p in parts), max(p.value for p in parts), max(p.high for p in parts))
