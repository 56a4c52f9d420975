"""``verifier replay``: trace validation of logs against a spec, the FlexLM converter, and
located errors for bad logs, mapping files and flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.cli import main
from verifier.config.load import load_spec
from verifier.explore.events import read_events
from verifier.explore.replay import CONFORMS, DOES_NOT_CONFORM, ReplayOptions, replay_log

ROOT = Path(__file__).resolve().parents[2]
TRIAD = str(ROOT / "specs" / "triad.fsl")
LOGS = ROOT / "examples" / "logs"
MAPPING = str(LOGS / "flexlm-triad.toml")


def test_a_clean_failover_conforms(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", TRIAD, str(LOGS / "triad_failover.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "the log conforms: 8 events explained by 9 steps, 5 of them unobserved" in out
    assert "step 3   Tick   (unobserved)" in out and "step 5   Elect(S)   (unobserved)" in out


def test_the_explaining_behaviour_inserts_the_fewest_unobserved_steps() -> None:
    model = load_spec(Path(TRIAD))
    path = LOGS / "triad_failover.jsonl"
    events, header = read_events(model, str(path), path.read_text())
    out = replay_log(model, events, ReplayOptions(hidden=header.hidden, max_inserted=4))
    assert out.verdict == CONFORMS
    # unobserved steps go as early as the observations allow: the restart of P is seen
    # only at 10:30 but may have happened before A's re-checkout
    assert out.behaviour.labels() == ["Checkout(A, P)", "Crash(P)", "Tick", "Tick", "Elect(S)",
                                      "Restart(P)", "Tick", "Reconnect(A, S)", "Release(A, S)"]
    assert out.event_steps == [0, 1, 2, 5, 8, 8, 8, 9]
    # S waits two ticks (TIMEOUT = 2) before it takes over: with one tick allowed, no behaviour
    out = replay_log(model, events, ReplayOptions(hidden=header.hidden, max_inserted=2))
    assert out.verdict == DOES_NOT_CONFORM and out.explained == 3


def test_the_tertiary_serving_does_not_conform(capsys: pytest.CaptureFixture[str]) -> None:
    log = LOGS / "triad_tertiary_serves.jsonl"
    assert main(["replay", TRIAD, str(log)]) == 1
    out = capsys.readouterr().out
    assert (f"the log does not conform: event 4 at {log}:9, Checkout(c=B, s=T), is the first that "
            "no behaviour explains") in out
    assert "1. after Checkout(A, P) -> Crash(P)" in out
    assert "`require serving(s)` is false (" in out and "triad.fsl:243)" in out


def test_flexlm_lmgrd_logs_through_the_shipped_mapping(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    assert main(["replay", TRIAD, str(LOGS / "flexlm" / "failover.log"), "--mapping", MAPPING,
                 "--report-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "the log conforms: 9 events explained by 8 steps, 4 of them unobserved" in out
    assert (tmp_path / "triad" / "report.html").exists()
    bad = LOGS / "flexlm" / "tertiary-serves.log"
    assert main(["replay", TRIAD, str(bad), "--mapping", MAPPING]) == 1
    out = capsys.readouterr().out
    assert f"event 4 at {bad}:4, observe up[T] = true, master[T] = true" in out
    assert "master[T] is false, the log says true" in out


def test_convert_prints_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    log = LOGS / "flexlm" / "tertiary-serves.log"
    assert main(["replay", TRIAD, str(log), "--mapping", MAPPING, "--convert"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2] == ('{"action": "Crash", "params": {"s": "P"}, "observed": {"up[P]": false}, '
                        f'"time": "10:02:03", "source": "{log}:3"}}')


BAD_LINES = [
    ('{"action": "Tick"', "1:18: error[L001]: the line is not JSON"),
    ('[1, 2]', "1:1: error[L002]: the line is a JSON list, not an object"),
    ('{"action": "Tik"}', "1:12: error[L003]: the spec has no action `Tik`"),
    ('{"action": "Crash", "params": {"srv": "P"}}', "1:32: error[L004]: `Crash` has no parameter `srv`"),
    ('{"action": "Crash", "params": {"s": "Q"}}', '1:32: error[L004]: parameter `s` of `Crash`: "Q" is not a member of Server'),
    ('{"action": "Crash", "params": {"s": 1}}', "is not a value of type Server"),
    ('{"observed": {"mastr[P]": true}}', "1:15: error[L005]: observed `mastr[P]`: the spec has no variable `mastr`; did you mean `master`?"),
    ('{"observed": {"master[Q]": true}}', '"Q" is not a member of Server'),
    ('{"observed": {"master[P]": 3}}', "3 is not a value of type bool"),
    ('{"action": "Tick", "parms": {}}', "1:20: error[L002]: unknown field `parms`"),
    ('{"time": "10:00"}', "error[L002]: the line has neither `action` nor `observed`"),
    ('{"hidden": ["Tock"]}', "1:13: error[L003]: the spec has no action `Tock`"),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_a_bad_log_line_is_a_located_error(line: str, message: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "bad.jsonl"
    log.write_text(line + "\n")
    assert main(["replay", TRIAD, str(log)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    if ":1:" in message:
        assert err.startswith(f"{log}:{message.split(':')[0]}:")


def test_bad_vendor_lines_and_mapping_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "lmgrd.log"
    log.write_text("lic1 |  9:00:06 (lmgrd) CONNECTED, master is lic9\n")
    assert main(["replay", TRIAD, str(log), "--mapping", MAPPING]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{log}:1:46: error[L104]: `lic9` is not in the mapping's [names.server]")
    assert "^^^^" in err   # the source line with a caret under the name
    log.write_text("this is not an lmgrd line\n")
    assert main(["replay", TRIAD, str(log), "--mapping", MAPPING]) == 2
    assert "1:1: error[L104]: the line does not have the shape" in capsys.readouterr().err
    mapping = tmp_path / "m.toml"
    mapping.write_text("[line]\npattern = '(?P<message>.*'\n[[rule]]\nmatch = 'x'\naction = 'Tick'\n")
    assert main(["replay", TRIAD, str(log), "--mapping", str(mapping)]) == 2
    assert f"{mapping}:2:11: error[L102]: not a valid regular expression" in capsys.readouterr().err
    mapping.write_text("[line]\npattern = '(?P<message>.*)'\n[[rule]]\nmatch = 'x'\nacton = 'Tick'\n")
    assert main(["replay", TRIAD, str(log), "--mapping", str(mapping)]) == 2
    assert f"{mapping}:5:1: error[L101]: unknown key `acton` in rule 1" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["--max-inserted", "-1"], "--max-inserted must be 0 or more"),
    (["--hidden", "Tick,Tock"], "error[U004]: --hidden: the spec has no action `Tock`"),
    (["--max-states", "0"], "--max-states: expected a positive number"),
    (["--convert"], "--convert needs --mapping"),
])
def test_bad_flags(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", TRIAD, str(LOGS / "triad_failover.jsonl"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_missing_log(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["replay", TRIAD, str(tmp_path / "none.jsonl")]) == 2
    assert "error[L006]: cannot read the log" in capsys.readouterr().err
