"""One inductive proof per cluster size: HAL's corrected design with its helper
invariants is proved for every N tried, and the table reads as documented."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tests.symbolic.conftest import MODELS
from verifier import results as R
from verifier.config import load_model as load_config
from verifier.config import with_overrides
from verifier.config.load import load_model
from verifier.symbolic.options import ProveOptions
from verifier.symbolic.sizes import parse_range, render_table, run_sizes

HELPERS = ("GroupShareCurrent", "TableWithinRecord", "SeatInOneTable", "TablesMatchHolders")


def test_hal_corrected_design_is_inductive_for_each_size() -> None:
    cfg = load_config(MODELS / "hal_n3.toml")
    rows = run_sizes(lambda n: load_model(with_overrides(cfg, constants={"N": n})), 3, 5,
                     ProveOptions(reach_limit=0, minimize=False))
    assert [r.value for r in rows] == [3, 4, 5]
    for r in rows:
        assert {p.name for p in r.result.properties} >= set(HELPERS)
        assert all(p.verdict == R.HOLDS for p in r.result.properties), (r.value, r.summary)
    table = render_table(rows, "N")
    assert table.splitlines()[0].split() == ["N", "result", "time"]
    assert [line.split()[:3] for line in table.splitlines()[2:5]] == [
        [str(n), "proved", "(10/10)"] for n in (3, 4, 5)]
    assert "not proved" not in table


def test_without_helpers_the_table_lists_what_is_not_proved(tmp_path: Path) -> None:
    cfg = load_config(MODELS / "hal_n3.toml")
    text = cfg.spec.read_text()
    start = text.index("# ---- helper invariants")
    end = text.index("reachable StandbyTakesOver")
    spec = tmp_path / "hal.fsl"
    spec.write_text(text[:start] + text[end:])
    kept = tuple(p for p in cfg.properties or () if p not in HELPERS)
    # without the helpers, [expect] may not name them either (C014)
    base = dataclasses.replace(cfg, spec=spec, properties=kept,
                               expect=tuple((n, o) for n, o in cfg.expect if n not in HELPERS))
    rows = run_sizes(lambda n: load_model(with_overrides(base, constants={"N": n})), 3, 3,
                     ProveOptions(reach_limit=0, minimize=False))
    table = render_table(rows, "N")
    assert "not proved" in table and "N=3: NoOverIssue inconclusive" in table
    assert "N=3: ShareConservation" not in table  # inductive on its own


def test_parse_range() -> None:
    assert parse_range("3..12") == (3, 12)
    for bad in ("3", "12..3", "a..b"):
        try:
            parse_range(bad)
        except ValueError:
            continue
        raise AssertionError(bad)
