"""Fixtures for the report tests: golden-file comparison.

``golden(name, text)`` compares ``text`` byte for byte with
``tests/reports/golden/<name>``; run with ``UPDATE_GOLDEN=1`` to (re)write the
files after a deliberate change, then review the diff.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"


def updating() -> bool:
    return os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    def check(name: str, text: str) -> None:
        path = GOLDEN_DIR / name
        data = text.encode("utf-8")
        if updating():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return
        if not path.exists():
            pytest.fail(f"golden file {path} is missing; run with UPDATE_GOLDEN=1 to create it")
        expected = path.read_bytes()
        if expected != data:
            diff = "".join(difflib.unified_diff(
                expected.decode("utf-8").splitlines(keepends=True),
                text.splitlines(keepends=True), f"golden/{name}", "rendered"))
            pytest.fail(f"output differs from golden/{name} (UPDATE_GOLDEN=1 rewrites it "
                        f"after a deliberate change):\n{diff[:6000]}")
    return check
