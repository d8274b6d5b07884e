"""The paper's network claims judged on several seeds of the whole sweep, and pooled (docs/experiments.md#verdicts-across-seeds).

One seed s of the sweep (``seed`` in the sweep TOML, ``--seed``; ``--seeds K`` runs s, s + 1, …, s + K − 1) draws
everything random in the experiment anew: the train/validation split, the pretrained, oracle and independent-oracle
ensembles, the datamodel's subset models (hence the self-influence sets), the points of every random and class
forget set (same indices, another split) and the seeds of every unlearning run. That holds on digits and the
synthetic data; on CIFAR-10 the split is fixed and the default forget sets are the benchmark's files, so a seed
redraws the models and the unlearning runs only. (The seeds of the analysis itself, the bootstrap resamples and
the permutation tests, are fixed.) Within one seed,
:func:`~ascent_fails.nn_experiments.claims.assess_claims` decides each claim with intervals over models and over
the random draws of a size; across seeds the verdicts are pooled by a sign rule:

* **reproduced across seeds** when the claim is reproduced on more than half of the K seeds;
* **not reproduced across seeds** when it is not reproduced on more than half of them;
* **undecided** otherwise (ties, or too many seeds undecided).

With K = 1 the pooled verdict is the seed's own. The rule is symmetric in reproduced / not reproduced, and it
sharpens a per-seed error: if one seed wrongly says "reproduced" with probability a (and is otherwise "not
reproduced"), K independent seeds say so across seeds with probability P(Binomial(K, a) > K/2), e.g. 0.7 % for
a = 5 % and K = 3 (tests/nn_experiments/test_claims_across_seeds.py checks the rate by simulation). That figure
assumes the seeds' errors are independent; the seeds share the data set (the same images, and on CIFAR-10 the
same split and forget sets), so their errors may be dependent. Without independence, Markov's inequality on the
number of wrong seeds still bounds the rate by K·a / (⌊K/2⌋ + 1): 7.5 % for a = 5 % and K = 3.

A claim that a seed could not judge at all (e.g. no illusion runs there) counts as undecided on that seed: the
majority is always out of the K seeds run. The paper's App. A conjecture
(:func:`~ascent_fails.nn_experiments.cross_influence.assess_conjecture`) is pooled the same way: its per-seed
verdict ``supported`` counts as reproduced, ``contradicted`` as not reproduced, and ``not supported`` (neither
one-sided test significant: absence of evidence, not evidence against) and ``undecided`` as undecided.

>>> from ascent_fails.nn_experiments.claims import Claim
>>> per_seed = {0: [Claim("c", "A claim.", True, "")], 1: [Claim("c", "A claim.", None, "")],
...             2: [Claim("c", "A claim.", True, "")]}
>>> [(p.id, p.reproduced, p.counts) for p in pool_claims(per_seed)]
[('c', True, (2, 0, 1))]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ascent_fails.nn_experiments.claims import Claim

__all__ = ["RULE", "PooledClaim", "pooled_verdict", "pool_claims", "conjecture_as_claim", "claims_of", "pooled_markdown",
           "pooled_json"]

# "not supported" (neither one-sided test significant) is absence of evidence, like an undecided claim; only a
# significant test the other way ("contradicted") counts against the conjecture
#: the pooling rule in words, the one text used by the evidence, the report's table and seeds.json
RULE = ("a claim is reproduced across seeds when it is reproduced on more than half of the seeds, not reproduced "
        "when it is not reproduced on more than half, otherwise undecided (a seed that could not judge a claim counts "
        "as undecided; for the conjecture, 'not supported' counts as undecided and only 'contradicted' as not "
        "reproduced)")

_CONJECTURE_VERDICTS = {"supported": True, "contradicted": False, "not supported": None, "undecided": None}


@dataclass(frozen=True)
class PooledClaim:
    """One claim over K seeds: the pooled verdict, the per-seed verdicts and the rule's counts."""

    id: str
    statement: str
    reproduced: bool | None  # pooled by :func:`pooled_verdict` over all the seeds run
    per_seed: dict[int, bool | None]  # seed -> that seed's verdict (seeds that could not judge it are absent)
    counts: tuple[int, int, int]  # (reproduced, not reproduced, undecided or not judged) over the seeds run
    seeds: tuple[int, ...] = ()  # every seed run (the per_seed keys when empty)
    labels: dict[int, str] = field(default_factory=dict)  # seed -> the claim's own word for its verdict, if any

    def word(self, seed: int) -> str:
        """This claim's verdict on ``seed`` in words ("not judged" when that seed could not judge it)."""
        if seed not in self.per_seed:
            return "not judged"
        return self.labels.get(seed) or {True: "reproduced", False: "not reproduced", None: "undecided"}[self.per_seed[seed]]

    @property
    def n_seeds(self) -> int:
        return len(self.seeds or self.per_seed)

    def evidence(self) -> str:
        """The per-seed verdicts and the rule, in one sentence."""
        per = ", ".join(f"seed {s}: {self.word(s)}" for s in sorted(self.seeds or self.per_seed))
        yes, no, open_ = self.counts
        return (f"{per} (reproduced on {yes}, not reproduced on {no}, undecided on {open_} of {self.n_seeds} seeds; "
                f"rule: {RULE}).")


def pooled_verdict(verdicts: Sequence[bool | None]) -> bool | None:
    """True if more than half of ``verdicts`` are True, False if more than half are False, else None.

    >>> pooled_verdict([True, False, None]), pooled_verdict([False, False, True]), pooled_verdict([True, False])
    (None, False, None)
    """
    if not verdicts:
        raise ValueError("verdicts is empty: pool at least one seed's verdict")
    if any(v is not True and v is not False and v is not None for v in verdicts):  # 1 == True: compare by identity
        raise ValueError(f"verdicts must be True, False or None, got {list(verdicts)}")
    n = len(verdicts)
    yes = sum(v is True for v in verdicts)
    no = sum(v is False for v in verdicts)
    if 2 * yes > n:
        return True
    if 2 * no > n:
        return False
    return None


def conjecture_as_claim(results: Mapping[str, Any]) -> Claim | None:
    """The App. A conjecture's verdict on one seed's results as a :class:`Claim` (None without cross-influence)."""
    from ascent_fails.nn_experiments.cross_influence import assess_conjecture

    assessment = assess_conjecture(results)
    if assessment is None:
        return None
    primary = assessment["primary"]
    rho = primary.get("rho")
    numbers = ("too few sets" if rho is None else
               f"Spearman rho = {rho:+.2f}, one-sided p(rho > 0) = {primary['p_greater']:.3g}, n = {primary['n']}")
    return Claim("conjecture", "GDA degrades as the spectral norm of the forget x retain cross-influence grows "
                               "(the paper's App. A conjecture).",
                 _CONJECTURE_VERDICTS[assessment["verdict"]], f"{assessment['verdict']}: {numbers}",
                 label=assessment["verdict"])


def claims_of(results: Mapping[str, Any]) -> list[Claim]:
    """Every claim judged on one seed's results: :func:`~ascent_fails.nn_experiments.claims.assess_claims` and the conjecture."""
    from ascent_fails.nn_experiments.claims import assess_claims

    claims = assess_claims(results)
    conjecture = conjecture_as_claim(results)
    return claims + ([conjecture] if conjecture is not None else [])


def pool_claims(per_seed: Mapping[int, Sequence[Claim]]) -> list[PooledClaim]:
    """Pool the claims judged on each seed (seed -> claims), in the order of their first appearance.

    A claim missing on some seed (e.g. no illusion runs there) counts as undecided on that seed: the majority is
    out of all ``len(per_seed)`` seeds.
    """
    if not per_seed:
        raise ValueError("per_seed is empty: give the claims of at least one seed")
    order: list[str] = []
    statements: dict[str, str] = {}
    verdicts: dict[str, dict[int, bool | None]] = {}
    labels: dict[str, dict[int, str]] = {}
    for seed in sorted(per_seed):
        for claim in per_seed[seed]:
            if claim.id not in verdicts:
                order.append(claim.id)
                statements[claim.id] = claim.statement
                verdicts[claim.id] = {}
                labels[claim.id] = {}
            if seed in verdicts[claim.id]:
                raise ValueError(f"claim {claim.id!r} appears twice for seed {seed}")
            verdicts[claim.id][seed] = claim.reproduced
            if claim.label:
                labels[claim.id][seed] = claim.label
    seeds = tuple(sorted(per_seed))
    pooled = []
    for cid in order:
        values = [verdicts[cid].get(seed) for seed in seeds]  # not judged on a seed: None, i.e. undecided
        counts = (sum(v is True for v in values), sum(v is False for v in values), sum(v is None for v in values))
        pooled.append(PooledClaim(cid, statements[cid], pooled_verdict(values), dict(verdicts[cid]), counts, seeds,
                                  labels[cid]))
    return pooled


def pooled_markdown(pooled: Sequence[PooledClaim]) -> str:
    """A Markdown table of the pooled verdicts (one row per claim, one column per seed) and the rule."""
    if not pooled:
        return "No claims were judged."
    seeds = sorted({s for p in pooled for s in (p.seeds or p.per_seed)})
    word = {True: "reproduced", False: "not reproduced", None: "undecided"}
    lines = ["| claim | " + " | ".join(f"seed {s}" for s in seeds) + " | across seeds |",
             "|---|" + "---|" * len(seeds) + "---|"]
    for p in pooled:
        cells = [p.word(s) for s in seeds]
        lines.append(f"| {p.id}: {p.statement} | " + " | ".join(cells) + f" | **{word[p.reproduced]}** |")
    lines += ["", f"Rule ({len(seeds)} seeds): {RULE}."]
    return "\n".join(lines)


def pooled_json(pooled: Sequence[PooledClaim]) -> list[dict[str, Any]]:
    """JSON-ready form of the pooled verdicts (``seeds.json``)."""
    return [{"id": p.id, "statement": p.statement, "reproduced": p.reproduced,
             "per_seed": {str(s): v for s, v in sorted(p.per_seed.items())},
             "per_seed_words": {str(s): p.word(s) for s in sorted(p.seeds or p.per_seed)},
             "counts": {"reproduced": p.counts[0], "not_reproduced": p.counts[1], "undecided": p.counts[2]}}
            for p in pooled]
