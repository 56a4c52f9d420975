"""Shared test setup: the CLI writes no report files during tests unless a test asks."""

from __future__ import annotations

import os
import resource

os.environ.setdefault("VERIFIER_NO_REPORTS", "1")

# A memory ceiling for the test process and what it starts: a runaway test then fails with
# MemoryError, named in the report, instead of the kernel's out-of-memory killer ending
# the whole run without a word (CI once died so, exit 137, on a spec whose constant was
# the range 8..73958089320). Virtual memory, so generous; VERIFIER_TEST_MEMORY_GB
# overrides it, 0 lifts it. Chromium, which reserves far more address space than it
# uses, lifts it for itself (tests/reports/cdp.py).
_CEILING_GB = float(os.environ.get("VERIFIER_TEST_MEMORY_GB", "8"))
if _CEILING_GB > 0:
    _soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    _ceiling = int(_CEILING_GB * 2**30)
    if _hard == resource.RLIM_INFINITY or _ceiling < _hard:
        if _soft == resource.RLIM_INFINITY or _ceiling < _soft:
            resource.setrlimit(resource.RLIMIT_AS, (_ceiling, _hard))

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
