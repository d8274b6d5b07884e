"""Runner that checks every result of the paper and prints one report.

``run_all()`` gathers, for every registered result, four kinds of evidence (``symbolic``,
``high_precision``, ``property``, ``negative_control``) and returns a :class:`~proofs_check.registry.VerifyReport`;
``ascent-fails verify`` is a thin skin over it.
"""

from ascent_fails.proofs_check.registry import EVIDENCE_KINDS, Evidence, ResultCheck, ResultReport, VerifyReport
from ascent_fails.proofs_check.runner import run_all

__all__ = ["EVIDENCE_KINDS", "Evidence", "ResultCheck", "ResultReport", "VerifyReport", "run_all"]
