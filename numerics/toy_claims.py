r"""The claim checker of the non-convex toy (Section 5.2, Figure 5): do the paper's five sub-claims hold under
one reading of the toy?

1. the pretrained landscape has a global and a local minimum;
2. the pretrained global minimum classifies x = −1, 1, 4 correctly (13/14 weighted);
3. retraining on R stays in that basin (11/12 on R);
4. the GDA objective prefers the other basin (x = −1, 1, 3 correct: 10 right, 2 wrong on R);
5. fine-tuning on R from the GDA minimum stays trapped in a minimum worse than retraining's.

Minima come from :func:`numerics.toy_landscape.find_minima`, fine-tuning from
:func:`numerics.toy_fine_tune.fine_tune`; the problem and the two decision patterns the claims name are
:mod:`theory.toy_problem`'s.

>>> from ascent_fails.theory.toy_problem import get_variant
>>> claims = check_claims(get_variant("tanh"))
>>> [c.reproduced for c in claims.subclaims]
[True, True, True, True, True]
>>> claims.trapped.correct
(True, True, True, False)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from ascent_fails.numerics.toy_fine_tune import FineTuneResult, fine_tune
from ascent_fails.numerics.toy_landscape import Minimum, find_minima
from ascent_fails.theory import toy_problem as tp

__all__ = ["SubClaim", "ToyClaims", "check_claims"]


@dataclass(frozen=True)
class SubClaim:
    """One sub-claim of the toy (module docstring) under one variant."""

    name: str
    statement: str
    reproduced: bool
    numbers: dict = field(default_factory=dict)  # what was found, JSON-serialisable


@dataclass(frozen=True)
class ToyClaims:
    """Every sub-claim of the toy under one variant, with the minima and the fine-tuning behind them."""

    variant: dict  # asdict(ToyVariant)
    forget_copies: int
    seed: int
    minima: tuple[Minimum, ...]  # all objectives
    trapped: FineTuneResult | None  # fine-tuning on R from the GDA global minimum (None if GDA has no minimum)
    subclaims: tuple[SubClaim, ...]

    @property
    def reproduced(self) -> bool:
        return all(c.reproduced for c in self.subclaims)

    @property
    def is_trapped(self) -> bool:
        """Fine-tuning on R from the GDA minimum ends at a worse minimum than retraining."""
        return next(c for c in self.subclaims if c.name == "finetune_trapped").reproduced


def check_claims(variant: tp.ToyVariant, forget_copies: int = 2, seed: int = 0) -> ToyClaims:
    """Check the five sub-claims of the toy (module docstring) under ``variant`` (pretrained two minima; pretrained global
    pattern 13/14; retraining stays, 11/12; GDA prefers the other basin, 10 right 2 wrong on R; fine-tuning
    from the GDA minimum stays trapped)."""
    by = {o: find_minima(o, variant, forget_copies, seed) for o in tp.OBJECTIVES}
    d_w, r_w = tp.objective_weights("pretrained"), tp.objective_weights("oracle", forget_copies)
    pre, ora, gda = (by[o][0] if by[o] else None for o in tp.OBJECTIVES)
    claims = [SubClaim("pretrained_two_minima", "the pretrained landscape has a global and a local minimum",
                       len(by["pretrained"]) >= 2, {"n_minima": len(by["pretrained"])})]
    if pre is None:
        claims.append(SubClaim("pretrained_global_pattern", "pretrained global classifies −1, 1, 4 (13/14)", False))
    else:
        claims.append(SubClaim("pretrained_global_pattern", "pretrained global classifies −1, 1, 4 (13/14)",
                               pre.correct == tp.PATTERN_WRONG_ON_3,
                               {"correct": list(pre.correct), "right_of": tp.weighted_right(pre.correct, d_w)}))
    stay = None if pre is None else fine_tune(pre.theta, "oracle", variant, forget_copies)
    claims.append(SubClaim(
        "retrain_stays", "retraining stays in the pretrained basin (11/12 on R)",
        bool(ora is not None and stay is not None and stay.converged and ora.correct == tp.PATTERN_WRONG_ON_3
             and np.linalg.norm(np.array([stay.a, stay.b]) - ora.theta) < 1e-6 * (1 + np.linalg.norm(ora.theta))),
        {} if ora is None else {"correct": list(ora.correct), "right_of": tp.weighted_right(ora.correct, r_w),
                                "flow_from_pretrained_reaches_oracle_global": stay is not None
                                and bool(np.allclose([stay.a, stay.b], ora.theta, atol=1e-5))}))
    claims.append(SubClaim(
        "gda_prefers_other_basin", "the GDA global minimum classifies −1, 1, 3 (10 right, 2 wrong on R)",
        gda is not None and gda.correct == tp.PATTERN_WRONG_ON_4,
        {} if gda is None else {"correct": list(gda.correct), "right_of": tp.weighted_right(gda.correct, r_w),
                                "n_minima": len(by["descent_ascent"])}))
    trapped = None if gda is None else fine_tune(gda.theta, "oracle", variant, forget_copies)
    worse = (trapped is not None and ora is not None and trapped.converged
             and trapped.loss > ora.loss + 1e-8 * (1 + abs(ora.loss)) and trapped.correct != ora.correct)
    claims.append(SubClaim(
        "finetune_trapped", "fine-tuning on R from the GDA minimum stays in a worse minimum", worse,
        {} if trapped is None or ora is None else
        {"end": [trapped.a, trapped.b], "end_loss": trapped.loss, "oracle_global_loss": ora.loss,
         "correct": list(trapped.correct), "right_of": tp.weighted_right(trapped.correct, r_w)}))
    minima = tuple(m for o in tp.OBJECTIVES for m in by[o])
    return ToyClaims(asdict(variant), tp.validate_forget_copies(forget_copies), seed, minima, trapped, tuple(claims))
