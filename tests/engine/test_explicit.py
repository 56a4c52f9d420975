"""The explicit engine: pinned counts, shortest counterexamples, limits, coverage, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier import results as R
from verifier.cli import main
from verifier.config.load import load_spec
from verifier.engine import EngineError, run_check
from verifier.engine.options import CheckOptions
from verifier.lang.checker import check_spec
from verifier.lang.parser import parse
from verifier.reports.text import render_text

ROOT = Path(__file__).resolve().parents[2]
# the three successor computations: native kernel, generated Python, reference semantics
BACKENDS = {"kernel": {"kernel": "on"}, "python": {"kernel": "off", "compiled": "auto"},
            "reference": {"kernel": "off", "compiled": "off"}}
ENGINES = tuple(BACKENDS)


def model_of(text: str, **kw: object):  # type: ignore[no-untyped-def]
    return check_spec(parse(text, "t.fsl"), text, **kw)  # type: ignore[arg-type]


def verdicts(r: R.CheckResult) -> dict[str, str]:
    return {p.name: p.verdict for p in r.properties}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("n", "states", "transitions"), [(2, 8, 14), (3, 20, 48), (4, 48, 144)])
def test_mutex_counts_pinned(engine: str, n: int, states: int, transitions: int) -> None:
    # By hand: 2^n states with nobody critical, each with n moves (Request or Enter), plus
    # n * 2^(n-1) with one process critical, each with 1 (Exit) + #idle others (Request):
    # states 2^n + n 2^(n-1); transitions n 2^n + n (2^(n-1) + (n-1) 2^(n-2)).
    text = (ROOT / "specs/mutex.fsl").read_text()
    m = check_spec(parse(text, "mutex.fsl"), text, constants={"N": n})
    r = run_check(m, CheckOptions(**BACKENDS[engine]))
    assert (r.stats.states, r.stats.transitions) == (states, transitions)
    assert verdicts(r) == {"MutualExclusion": R.HOLDS, "SomeoneEnters": R.HOLDS}
    assert r.complete


BROKEN_MUTEX = """
const N: 2..8 = 3
type Proc = 0..N-1
enum Pc { idle, waiting, critical }
var pc: Proc -> Pc = {p: idle for p in Proc}
var lock: bool = false
action Request(p: Proc) { require pc[p] == idle  pc[p] = waiting }
action Enter(p: Proc) {
  require pc[p] == waiting      # bug: the lock is not tested
  lock = true
  pc[p] = critical
}
action Exit(p: Proc) { require pc[p] == critical  lock = false  pc[p] = idle }
invariant MutualExclusion: count(p in Proc: pc[p] == critical) <= 1
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_broken_mutex_shortest_counterexample(engine: str) -> None:
    r = run_check(model_of(BROKEN_MUTEX), CheckOptions(**BACKENDS[engine]))
    (p,) = r.properties
    assert p.verdict == R.VIOLATED and p.trace is not None
    # Request(0), Request(1), Enter(0), Enter(1): four steps is the shortest.
    assert [s.label() for s in p.trace.steps] == ["Request(0)", "Request(1)", "Enter(0)", "Enter(1)"]


FAULTY = """
enum Server { A, B }
var up: Server -> bool = {s: true for s in Server}
var crashes: 0..1 = 0
fault action Crash(s: Server) { require up[s]  up[s] = false  crashes = crashes + 1 }
action Restart(s: Server) { require not up[s]  up[s] = true }
invariant SomeoneUp: exists s in Server: up[s]
reachable BothDown: forall s in Server: not up[s]
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_runtime_error_is_reported_with_trace(engine: str) -> None:
    # crashes is 0..1, so a second crash is an out-of-domain assignment
    r = run_check(model_of(FAULTY), CheckOptions(**BACKENDS[engine]))
    err = [p for p in r.properties if p.kind == R.RUNTIME]
    assert len(err) == 1 and err[0].trace is not None
    assert err[0].trace.steps[-1].state is None
    assert "outside its type 0..1" in (err[0].trace.error or "")
    assert [s.label() for s in err[0].trace.steps] == ["Crash(A)", "Crash(B)"]


@pytest.mark.parametrize("engine", ENGINES)
def test_fault_caps_bound_faults(engine: str) -> None:
    m = model_of(FAULTY.replace("crashes = crashes + 1", "skip"), faults={"Crash": 1})
    r = run_check(m, CheckOptions(**BACKENDS[engine]))
    v = verdicts(r)
    assert v["SomeoneUp"] == R.HOLDS and v["BothDown"] == R.VACUOUS
    assert r.fault_combinations == ((("Crash", 0),), (("Crash", 1),))
    m2 = model_of(FAULTY.replace("crashes = crashes + 1", "skip"), faults={"Crash": 2})
    r2 = run_check(m2, CheckOptions(**BACKENDS[engine]))
    assert verdicts(r2)["SomeoneUp"] == R.VIOLATED


@pytest.mark.parametrize("engine", ENGINES)
def test_deadlock_detection(engine: str) -> None:
    text = "var x: 0..3 = 0\naction Inc { require x < 2  x = x + 1 }\ninvariant Ok: x <= 3\n"
    r = run_check(model_of(text), CheckOptions(**BACKENDS[engine], deadlock=True))
    dl = [p for p in r.properties if p.kind == R.DEADLOCK][0]
    assert dl.verdict == R.VIOLATED and dl.trace is not None and len(dl.trace.steps) == 2


@pytest.mark.parametrize("engine", ENGINES)
def test_state_limit_is_inconclusive_never_holds(engine: str) -> None:
    m = load_spec(ROOT / "specs/mutex.fsl")
    r = run_check(m, CheckOptions(**BACKENDS[engine], max_states=5))
    assert not r.complete and r.stop_reason and "state limit" in r.stop_reason
    assert verdicts(r)["MutualExclusion"] == R.INCONCLUSIVE


@pytest.mark.parametrize("engine", ENGINES)
def test_depth_limit(engine: str) -> None:
    m = load_spec(ROOT / "specs/mutex.fsl")
    r = run_check(m, CheckOptions(**BACKENDS[engine], max_depth=1))
    assert not r.complete and "depth limit" in (r.stop_reason or "")


@pytest.mark.parametrize("engine", ("auto", "reference"))
def test_constraint_bounds_unbounded_int(engine: str) -> None:
    text = ("var epoch: int = 0\naction Bump { epoch = epoch + 1 }\n"
            "constraint Small: epoch <= 3\ninvariant Pos: epoch >= 0\nreachable Four: epoch == 4\n")
    r = run_check(model_of(text), CheckOptions(**BACKENDS.get(engine, {})))
    assert r.stats.states == 5  # 0..3 expanded, 4 reached and checked but not expanded
    assert verdicts(r) == {"Pos": R.HOLDS, "Four": R.HOLDS}
    # an unbounded int has no fixed-width layout: the output says why the fast paths fell back
    assert r.backend == "reference"
    if engine == "auto":
        assert r.backend_note is not None and "int is not finite" in r.backend_note


def test_unbounded_int_without_constraint_is_refused() -> None:
    with pytest.raises(EngineError, match="unbounded"):
        run_check(model_of("var e: int = 0\naction A { e = e + 1 }\n"), CheckOptions())


@pytest.mark.parametrize("engine", ENGINES)
def test_coverage_counts(engine: str) -> None:
    text = "var x: 0..2 = 0\naction Inc { require x < 2  x = x + 1 }\naction Never { require x > 5 }\n"
    r = run_check(model_of(text), CheckOptions(**BACKENDS[engine]))
    cov = {c.name: (c.enabled, c.taken) for c in r.coverage}
    assert cov == {"Inc": (2, 2), "Never": (0, 0)}
    assert "Never" in render_text(r)  # flagged as never enabled


@pytest.mark.parametrize("engine", ENGINES)
def test_stop_at_first(engine: str) -> None:
    text = BROKEN_MUTEX + "invariant AlsoBroken: not (exists p in Proc: pc[p] == waiting)\n"
    r = run_check(model_of(text), CheckOptions(**BACKENDS[engine], stop_at_first=True))
    v = verdicts(r)
    assert v["AlsoBroken"] == R.VIOLATED and v["MutualExclusion"] == R.INCONCLUSIVE
    r2 = run_check(model_of(text), CheckOptions(**BACKENDS[engine]))
    assert verdicts(r2) == {"MutualExclusion": R.VIOLATED, "AlsoBroken": R.VIOLATED}


def test_deterministic_results() -> None:
    m = model_of(BROKEN_MUTEX)
    a = run_check(m, CheckOptions())
    b = run_check(m, CheckOptions())
    assert a.properties == b.properties and a.coverage == b.coverage


def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = ROOT / "specs/mutex.fsl"
    bad = tmp_path / "bad.fsl"
    bad.write_text(BROKEN_MUTEX)
    assert main(["check", "-q", str(good)]) == 0
    assert main(["check", "-q", str(bad)]) == 1
    assert main(["check", "-q", "--max-states", "3", str(good)]) == 3
    assert main(["check", "-q", str(tmp_path / "missing.fsl")]) == 2
    assert main(["check", "--no-such-flag", str(good)]) == 2
    broken_syntax = tmp_path / "syntax.fsl"
    broken_syntax.write_text("var x: bool = \n")
    assert main(["check", str(broken_syntax)]) == 2
    model = tmp_path / "m.toml"
    model.write_text('spec = "bad.fsl"\n[expect]\nMutualExclusion = "violated"\n')
    assert main(["check", "-q", str(model)]) == 0  # violated, as the model expects
    model.write_text('spec = "bad.fsl"\n[expect]\nMutualExclusion = "holds"\n')
    assert main(["check", "-q", str(model)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["check", "--json", str(ROOT / "specs/mutex.fsl")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema_version"] == R.SCHEMA_VERSION and doc["exit_code"] == 0
    assert doc["results"][0]["stats"]["states"] == 20


@pytest.mark.parametrize("engine", ENGINES)
def test_states_wider_than_63_bits(engine: str) -> None:
    # 40 entries of 2 bits: 80-bit states go to the set store, still exact
    text = ("type I = 0..39\nvar v: I -> 0..3 = {i: 0 for i in I}\nvar k: 0..3 = 0\n"
            "action Set(x: 0..1) { require k < 3  v[x * 39] = k + 1  k = k + 1 }\n"
            "invariant Small: v[0] <= 3\n")
    r = run_check(model_of(text), CheckOptions(**BACKENDS[engine]))
    # (v[0], v[39]) after k steps: 1, 2, 4 and 6 distinct states; 7 states with 2 moves each
    assert (r.stats.states, r.stats.transitions) == (13, 14)
