"""The liveness graph's cap follows the memory limit (issue 11, item 7).

It was a fixed 100,000 states (hal_n5 with N = 7 ended inconclusive on a machine with
memory to spare), settable only as `[graph] max_nodes` in a model file. Now the graph
grows until the memory limit (or most of the machine's available memory), and
`--graph-max-nodes` sets a count from the command line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier import results as R
from verifier.cli import main
from verifier.config.load import load_spec
from verifier.engine import run_check
from verifier.engine.explicit import rss_mb
from verifier.engine.liveness import check as liveness
from verifier.engine.options import CheckOptions

WIDE = """\
# 321 x 321 = 103,041 states: more than the old fixed cap
var x: 0..320 = 0
var y: 0..320 = 0
fair action IncX { require x < 320  x = x + 1 }
action IncY { require y < 320  y = y + 1 }
liveness XGrows: x == 0 ~> x == 320
"""


def _wide(tmp_path: Path, side: int = 320) -> Path:
    spec = tmp_path / "wide.fsl"
    spec.write_text(WIDE.replace("320", str(side)))
    return spec


def _liveness(result: R.CheckResult) -> R.PropertyResult:
    return next(p for p in result.properties if p.kind == R.LIVENESS)


def test_no_fixed_cap_by_default(tmp_path: Path) -> None:
    assert CheckOptions().graph_max_nodes is None
    r = run_check(load_spec(_wide(tmp_path)), CheckOptions())
    assert r.stats.states == 103_041 and _liveness(r).verdict == R.HOLDS


def test_the_cap_follows_the_memory_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert liveness.memory_budget(CheckOptions(max_memory_mb=900))[0] == 900.0
    budget, _ = liveness.memory_budget(CheckOptions())
    assert budget is None or budget > rss_mb()  # most of what the machine has free
    # a memory limit the graph cannot fit in: inconclusive, saying which limit to raise
    monkeypatch.setattr(liveness, "memory_budget",
                        lambda opts: (rss_mb() / 2, "raise --memory-limit ([limits] memory)"))
    p = _liveness(run_check(load_spec(_wide(tmp_path, 20)), CheckOptions()))
    assert p.verdict == R.INCONCLUSIVE
    assert "outgrew the memory limit" in (p.note or "") and "raise --memory-limit" in (p.note or "")


def test_a_count_can_be_set_on_the_command_line(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(_wide(tmp_path, 20)), "--graph-max-nodes", "100", "--json"]) == 3
    out = capsys.readouterr().out
    assert "more than the liveness check may store (100): raise --graph-max-nodes" in out
