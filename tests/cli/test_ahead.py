"""Kernels compiled ahead in a helper process during a run over several models
(verifier/engine/ahead.py): the helper compiles into the cache from the last model back,
the checking process takes back what the helper has not begun, and the results are
those of checking each model alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from verifier.config import Limits, ModelConfig, with_overrides
from verifier.config import load_model as load_config
from verifier.engine.ahead import Ahead
from verifier.engine.options import check_options

ROOT = Path(__file__).resolve().parents[2]
SPEC = """
const N: 1..9 = 2
var x: 0..9 = 0
var y: 0..9 = 0
action Up { require x < N  x = x + 1 }
action Side { require y < x  y = y + 1 }
invariant Small: x <= N
"""


def _folder(tmp: Path, sizes: list[int]) -> Path:
    folder = tmp / "models"
    folder.mkdir()
    (tmp / "s.fsl").write_text(SPEC)
    for n in sizes:
        (folder / f"m{n}.toml").write_text(f'spec = "../s.fsl"\n\n[constants]\nN = {n}\n')
    return folder


def _configured(cfg: ModelConfig) -> ModelConfig:
    return with_overrides(cfg, limits=Limits())


def test_the_helper_compiles_from_the_last_model_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if (os.cpu_count() or 1) < 2:
        pytest.skip("the helper process runs only with two or more cores")
    monkeypatch.setenv("VERIFIER_CACHE_DIR", str(tmp_path / "cache"))
    folder = _folder(tmp_path, [2, 3, 4, 5])
    items = [load_config(p) for p in sorted(folder.glob("*.toml"))]
    ahead = Ahead(items, _configured, check_options)
    try:
        assert not ahead.threaded and ahead.pool is not None
        assert sorted(ahead.futures) == [1, 2, 3], "the first model is compiled by the checking process"
        ahead.futures[3].result(timeout=120)  # the last model: the helper's first job
        assert len(list((tmp_path / "cache" / "kernels").glob("k_*.o"))) >= 1
        for idx in range(len(items)):
            ahead.next(idx)
        assert ahead.pool is None and not ahead.futures
    finally:
        ahead.close()


def test_one_worker_only_and_no_helper_for_a_single_model(tmp_path: Path) -> None:
    folder = _folder(tmp_path, [2, 3, 4])
    items = [load_config(p) for p in sorted(folder.glob("*.toml"))]
    assert Ahead(items, _configured, check_options, enabled=False).pool is None
    assert Ahead(items[:1], _configured, check_options).pool is None


def test_a_folder_run_gives_what_each_model_alone_gives(tmp_path: Path) -> None:
    folder = _folder(tmp_path, [2, 3, 4, 5, 6])
    env = {**os.environ, "VERIFIER_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}

    def run(*targets: Path) -> list[str]:
        p = subprocess.run([sys.executable, "-m", "verifier", "check", *map(str, targets), "-q",
                            "--no-reports"], capture_output=True, text=True, env=env, timeout=300,
                           check=False)
        assert p.returncode == 0, p.stderr
        assert "Traceback" not in p.stderr
        return [ln for ln in p.stdout.splitlines() if ln.startswith("m") and not ln.startswith("model ")]

    together = run(folder)
    assert len(together) == 5
    assert len(list((tmp_path / "cache" / "kernels").glob("k_*.o"))) == 5
    alone = [line for path in sorted(folder.glob("*.toml")) for line in run(path)]
    assert together == alone
