"""Shared test setup: the CLI writes no report files during tests unless a test asks."""

from __future__ import annotations

import os

os.environ.setdefault("VERIFIER_NO_REPORTS", "1")

# Hypothesis profiles (docs/ci.md): "ci", the default, is derandomized (the same examples on
# every run), has no deadline and bounded example counts; HYPOTHESIS_PROFILE=nightly runs
# many more random examples for a longer, more thorough search.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=40, database=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", deadline=None, max_examples=1000,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

pytest_plugins = ("pytester",)  # tests/ci/test_pytest_plugin.py runs pytest in-process
