"""Timeline arrows: the spec's `message` annotations evaluated when a trace is built, by
the explicit engine's replay and by the symbolic engine's (bounded model checking).
Annotations change no state, count or verdict."""

from __future__ import annotations

import dataclasses

from verifier import results as R
from verifier.engine import run_check
from verifier.engine.options import CheckOptions
from verifier.engine.trace import arrows
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang.checker import check_spec
from verifier.lang.parser import parse
from verifier.reports.jsonio import result_from_json, result_to_json
from verifier.symbolic.bmc import run_bmc
from verifier.symbolic.options import BMC, ProveOptions

# Src hands the token on; after two hands every node has it, and a third step of Spam
# fails (sent leaves 0..2): a failed step draws no arrow.
SPEC = """
enum Node { A, B, C }
var has: Node -> bool = {n: n == A for n in Node}
var sent: 0..2 = 0
var order: seq[Node, 2] = []
action Send(src: Node, dst: Node) {
  require has[src] and not has[dst]
  has[dst] = true
  order = append(order, dst)
  sent = sent + 1
}
action Spam(src: Node) {
  require sent == 2 and has[src]
  sent = sent + 1
}
action Ask(i: 0..2) {
  require sent == 1
  skip
}
reachable Everyone: forall n in Node: has[n]
lane n in Node: if has[n] then 1 else 0
"""
MESSAGES = """
message Send(src, dst): src -> dst
message Spam(src): src -> src
message Ask(i): order[i] -> A
"""


def model(annotated: bool = True) -> M.Model:
    text = SPEC + (MESSAGES if annotated else "")
    return check_spec(parse(text, "arrows.fsl"), text)


def by_name(r: R.CheckResult) -> dict[str, R.PropertyResult]:
    return {p.name: p for p in r.properties}


def one_arrow_per_send(trace: R.Trace) -> tuple[tuple[int, R.Value, R.Value], ...]:
    return tuple((i, dict(st.params)["src"], dict(st.params)["dst"])
                 for i, st in enumerate(trace.steps, start=1)
                 if st.action == "Send" and st.state is not None)


def test_explicit_traces_carry_arrows() -> None:
    r = run_check(model(), CheckOptions())
    witness = by_name(r)["Everyone"].trace
    assert witness is not None and [s.action for s in witness.steps] == ["Send", "Send"]
    assert witness.arrows == one_arrow_per_send(witness) and len(witness.arrows) == 2
    assert witness.arrows[0][1] == "A"  # a value of the lane domain, as the lanes name it
    # the run-time error: the failing Spam step draws no arrow, the Sends before it do
    error = by_name(r)["RuntimeError"].trace
    assert error is not None and error.steps[-1].action == "Spam" and error.steps[-1].state is None
    assert error.arrows == one_arrow_per_send(error)


def test_annotations_change_no_count_and_no_verdict() -> None:
    plain, annotated = run_check(model(False), CheckOptions()), run_check(model(), CheckOptions())
    assert dataclasses.replace(annotated.stats, seconds=0, peak_memory_mb=0, compile_seconds=0) == \
        dataclasses.replace(plain.stats, seconds=0, peak_memory_mb=0, compile_seconds=0)
    assert [(p.name, p.verdict) for p in plain.properties] == \
        [(p.name, p.verdict) for p in annotated.properties]
    for a, b in zip(plain.properties, annotated.properties, strict=True):
        if a.trace is not None:
            assert b.trace is not None and a.trace.steps == b.trace.steps and a.trace.arrows == ()


def test_bmc_traces_carry_the_same_arrows() -> None:
    m = model()
    sym = by_name(run_bmc(m, ProveOptions(mode=BMC, depth=4)))
    witness = sym["Everyone"].trace
    assert witness is not None and len(witness.steps) == 2
    assert witness.arrows == one_arrow_per_send(witness) and len(witness.arrows) == 2
    error = sym["RuntimeError"].trace
    assert error is not None and error.steps[-1].state is None
    assert error.arrows == one_arrow_per_send(error)


def test_an_end_that_fails_or_is_none_draws_nothing() -> None:
    m = model()
    s0 = sem.initial_states(m)[0]
    send = next(t for t in sem.successors(m, s0) if m.actions[t.action].name == "Send")
    assert send.target is not None
    s1 = send.target
    asks = [t for t in sem.successors(m, s1) if m.actions[t.action].name == "Ask"]
    assert [t.params for t in asks] == [(0,), (1,), (2,)]
    states = [s0, s1, s1]
    # order has one element: Ask(0) points from it to A; order[1] is out of range
    for ask, want in zip(asks, [1, 0, 0], strict=True):
        got = arrows(m, states, [(send.action, send.params), (ask.action, ask.params)])
        assert len(got) == 1 + want
    # a step with no state after it (it failed) draws none
    assert arrows(m, [s0], [(send.action, send.params)]) == ()
    # without a lane, or without messages, nothing at all
    assert arrows(dataclasses.replace(m, lane=None), states[:2], [(send.action, send.params)]) == ()
    assert arrows(model(False), states[:2], [(send.action, send.params)]) == ()


def test_arrows_survive_the_json_round_trip() -> None:
    r = run_check(model(), CheckOptions())
    back = result_from_json(result_to_json(r))
    assert back == r
    assert by_name(back)["Everyone"].trace.arrows == by_name(r)["Everyone"].trace.arrows  # type: ignore[union-attr]
