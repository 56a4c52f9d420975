"""Shared test setup: the CLI writes no report files during tests unless a test asks."""

from __future__ import annotations

import os

os.environ.setdefault("VERIFIER_NO_REPORTS", "1")
