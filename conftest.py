"""Hypothesis profiles shared by every test.

``ci`` (the default) is derandomised, so every run explores the same examples and a failure reproduces;
``thorough`` is for a local search with ten times the examples; pick one with HYPOTHESIS_PROFILE=name.
``--asserting-share`` prints, per Hypothesis test, the share of examples that executed an assertion and fails
the run below 90 % (tests/asserting_share.py explains how it is measured).
"""

import os

from hypothesis import HealthCheck, settings

#: tests.asserting_share adds ``--asserting-share`` (share of Hypothesis examples that execute an assertion);
#: pytester runs that plugin's negative controls in a subprocess (tests/test_asserting_share.py)
pytest_plugins = ["tests.asserting_share", "pytester"]

_COMMON = dict(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", derandomize=True, max_examples=200, **_COMMON)
settings.register_profile("thorough", max_examples=2000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
