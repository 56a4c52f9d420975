"""Helpers for the symbolic-engine tests: load inline specs, run the explicit engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from verifier import results as R
from verifier.config import spec_model, with_overrides
from verifier.config.load import load_model
from verifier.engine import run_check
from verifier.engine.options import CheckOptions
from verifier.lang import model as M

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
MODELS = ROOT / "models"


def load(path: Path, **consts: Any) -> M.Model:
    cfg = spec_model(path)
    if consts:
        cfg = with_overrides(cfg, constants=consts)
    return load_model(cfg)


@pytest.fixture
def spec(tmp_path: Path) -> Callable[..., M.Model]:
    """``spec(text, **constants)``: a checked model from inline spec text."""
    counter = [0]

    def make(text: str, **consts: Any) -> M.Model:
        counter[0] += 1
        path = tmp_path / f"inline{counter[0]}.fsl"
        path.write_text(text, encoding="utf-8")
        return load(path, **consts)

    return make


def explicit(model: M.Model, **opts: Any) -> R.CheckResult:
    return run_check(model, CheckOptions(**opts))


def by_name(result: R.CheckResult) -> dict[str, R.PropertyResult]:
    return {p.name: p for p in result.properties}
