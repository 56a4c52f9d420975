"""The committed reports under reports/ are current: regenerating them changes no byte.

`verifier check models/ --report-dir reports` writes reports/<model>/ (report.txt,
report.md, report.html, result.json, one ITF trace per property with a trace). These files double as golden
files for the text and Markdown renderings of every shipped scenario.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.config import load_model as load_config
from verifier.config.load import load_model
from verifier.engine import run_check
from verifier.engine.options import check_options
from verifier.reports import without_timings, write_reports

ROOT = Path(__file__).resolve().parents[1]
MODELS = sorted((ROOT / "models").glob("*.toml"))

# Distinct states of every shipped model (issue 4), pinned: a change is a change of the
# spec or of the checker's semantics and must be looked at, not just re-pinned.
PINNED_STATES = {
    "dsls_last_seat_race": 1699,
    "dsls_last_seat_race_fixed": 23970,
    "dsls_minority": 33727,
    "dsls_minority_documented": 20388,
    "dsls_minority_fixed": 23970,
    # HAL's members are a symmetric enum: canonical states (every state: 5,196, 11,467 and
    # 62,994, pinned in tests/engine/test_symmetry.py; hal_n5 was 44,460 before ties in
    # redistribution became a choice)
    "hal_n3": 2610,
    "hal_n4": 4962,
    "hal_n5": 12539,
    "hal_seat_theft": 39,
    "hal_seat_theft_fixed": 31,
    "hal_split_brain": 43,
    "hal_split_brain_fixed": 31,
    "hal_stale_share": 48,
    "hal_stale_share_fixed": 31,
    "triad_dual_master": 505,
    "triad_dual_master_fixed": 612,
    "triad_fixed": 36460,
    "triad_fixed_pim_partitions": 15164,
    "triad_flapping": 1300,
    "triad_flapping_fixed": 1200,
    "triad_nontransitive": 158,
    "triad_nontransitive_fixed": 2575,
    "triad_nontransitive_pt": 1140,
    "triad_reconnect": 14,
    "triad_reconnect_fixed": 16,
    "triad_seat_theft": 88,
    "triad_seat_theft_fixed": 88,
}



@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_committed_reports_are_current(path: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # paths in reports are as `verifier check models/` writes them
    cfg = load_config(Path("models") / path.name)
    result = run_check(load_model(cfg), check_options(cfg, resource_limits=False),
                       expect=dict(cfg.expect))
    assert result.complete
    assert result.stats.states == PINNED_STATES[cfg.name]
    assert all(p.as_expected is not False for p in result.properties), \
        [(p.name, p.verdict, p.expected) for p in result.properties]
    fresh = tmp_path / cfg.name
    write_reports(without_timings(result), fresh)
    committed = ROOT / "reports" / cfg.name
    hint = ("run `verifier check models/ --report-dir reports` from the repository root to "
            "regenerate reports/")
    assert committed.is_dir(), f"reports/{cfg.name}/ is missing; {hint}"
    want = sorted(p.name for p in committed.iterdir())
    got = sorted(p.name for p in fresh.iterdir())
    assert got == want, f"reports/{cfg.name}/ has other files; {hint}"
    for name in got:
        assert (fresh / name).read_bytes() == (committed / name).read_bytes(), \
            f"reports/{cfg.name}/{name} is stale; {hint}"
