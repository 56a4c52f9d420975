"""The checker: AST -> typed model. Constants and their overrides, types, fault
counters, definitions, and the errors it collects (the wording of each message is
pinned by the golden catalogue in tests/diagnostics)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from verifier.lang import model as M
from verifier.lang import syntax as S
from verifier.lang import typesys as T
from verifier.lang.checker import check_spec
from verifier.lang.diagnostics import SpecError
from verifier.lang.parser import parse


def load(text: str, **kw: Any) -> M.Model:
    return check_spec(parse(text, "t.fsl"), text, **kw)


def errors(text: str, **kw: Any) -> list[str]:
    with pytest.raises(SpecError) as info:
        load(text, **kw)
    return [d.code for d in info.value.diagnostics]


def var_types(m: M.Model) -> dict[str, T.Ty]:
    return {v.name: v.ty for v in m.variables}


BASE = """
const N: 2..8 = 3
const FLAG: bool = false
enum Role { Primary, Backup }
const START: Role = Primary
type Proc = 0..N-1
var x: Proc = 0
action A { skip }
"""


# ---- constants ---------------------------------------------------------------------------------


def test_constant_defaults() -> None:
    m = load(BASE)
    assert [(n, v) for n, v, _ in m.constants] == [("N", 3), ("FLAG", False), ("START", "Primary")]
    assert var_types(m)["x"] == T.RangeTy(0, 2)


@pytest.mark.parametrize(("overrides", "n", "flag", "start"), [
    ({"N": 5}, 5, False, "Primary"),
    ({"N": 2, "FLAG": True}, 2, True, "Primary"),
    ({"START": "Backup"}, 3, False, "Backup"),
])
def test_constant_overrides(overrides: dict[str, Any], n: int, flag: bool, start: str) -> None:
    m = load(BASE, constants=overrides)
    assert [v for _, v, _ in m.constants] == [n, flag, start]
    assert var_types(m)["x"] == T.RangeTy(0, n - 1)  # types follow the overridden value


@pytest.mark.parametrize(("overrides", "code"), [
    ({"N": 9}, "C011"),            # outside 2..8
    ({"N": True}, "C011"),         # a boolean is not a number
    ({"FLAG": 1}, "C011"),
    ({"START": "Leader"}, "C011"),  # not a member of Role
    ({"M": 4}, "C010"),            # no such constant
])
def test_bad_constant_overrides(overrides: dict[str, Any], code: str) -> None:
    assert errors(BASE, constants=overrides) == [code]


def test_unknown_override_suggests_a_name() -> None:
    with pytest.raises(SpecError) as info:
        load(BASE, constants={"FLAGS": True})
    assert info.value.diagnostics[0].hint == "did you mean `FLAG`?"


def test_constants_may_use_earlier_constants() -> None:
    m = load("const A: 1..9 = 2\nconst B: 0..99 = A * 3 + 1\nvar x: 0..B = B\naction Z { skip }")
    assert m.constants[1][1] == 7 and var_types(m)["x"] == T.RangeTy(0, 7)


# ---- types -------------------------------------------------------------------------------------


def test_types_resolve() -> None:
    m = load("""
enum S { p, q }
type Pair = tuple[S, bool]
var a: S -> S -> 0..2
var b: set[S]
var c: S?
var d: seq[Pair, 2]
var e: {z: bool, a: 0..1}
var f: int = 0
constraint Small: f < 3
""")
    t = var_types(m)
    s = T.EnumTy("S", ("p", "q"))
    assert t["a"] == T.MapTy(s, T.MapTy(s, T.RangeTy(0, 2)))
    assert t["b"] == T.SetTy(s)
    assert t["c"] == T.OptionTy(s)
    assert t["d"] == T.SeqTy(T.TupleTy((s, T.BOOL)), 2)
    assert t["e"] == T.RecordTy(("a", "z"), (T.RangeTy(0, 1), T.BOOL))  # fields in name order
    assert t["f"] == T.INT
    assert [p.name for p in m.constraints] == ["Small"]


def test_expression_types() -> None:
    m = load("""
enum S { p, q }
var x: 0..3 = 0
var s: set[S] = {}
def total = x + 1
reachable R1: count(v in S: v in s) == 1
reachable R2: (if x > 0 then 1 else 3) == 2
""")
    r1, r2 = m.reachables
    assert isinstance(r1.cond, M.EBinary) and r1.cond.left.ty == T.INT
    assert isinstance(r2.cond, M.EBinary) and r2.cond.left.ty == T.RangeTy(1, 3)


# ---- the model ---------------------------------------------------------------------------------

FAULTY = """
enum S { p, q }
var up: S -> bool = {s: true for s in S}
fault action Crash(s: S) { require up[s]; up[s] = false }
fault action Cut { skip }
action Restart(s: S) { require not up[s]; up[s] = true }
invariant I: true
reachable R: true
constraint C: true
lane s in S: up[s]
"""


def test_fault_counters_are_variables_the_checker_adds() -> None:
    m = load(FAULTY, faults={"Crash": 2}, fault_total=3)
    assert [v.name for v in m.variables] == ["up", "faults.Crash", "faults.total"]
    assert m.n_spec_vars == 1
    assert var_types(m)["faults.Crash"] == T.RangeTy(0, 2)
    crash, total = m.counters
    assert (crash.var, crash.cap, crash.actions) == (1, 2, (0,))
    assert (total.var, total.cap, total.actions) == (2, 3, (0, 1))
    assert [a.fault for a in m.actions] == [True, True, False]


@pytest.mark.parametrize(("faults", "code"), [({"Crsh": 1}, "C012"), ({"Restart": 1}, "C013")])
def test_bad_fault_caps(faults: dict[str, int], code: str) -> None:
    assert errors(FAULTY, faults=faults) == [code]


def test_properties_lane_and_actions() -> None:
    m = load(FAULTY)
    assert [p.kind for p in m.properties] == ["invariant", "reachable", "constraint"]
    assert [p.name for p in m.invariants] == ["I"]
    assert m.lane is not None and m.lane.domain == T.EnumTy("S", ("p", "q"))
    assert [(a.index, a.name, len(a.params)) for a in m.actions] == [(0, "Crash", 1), (1, "Cut", 0),
                                                                     (2, "Restart", 1)]


def test_definitions_are_inlined_with_fresh_slots() -> None:
    m = load("""
enum S { p, q }
var up: S -> bool = {s: true for s in S}
def alive(s: S) = up[s]
invariant I: forall s in S: alive(s) or not alive(s)
""")
    body = m.invariants[0].cond
    assert isinstance(body, M.EQuant)
    inner = body.body
    assert isinstance(inner, M.EBinary) and isinstance(inner.left, M.ELet)
    slots = {inner.left.slot, body.slots[0]}
    unary = inner.right
    assert isinstance(unary, M.EUnary) and isinstance(unary.arg, M.ELet)
    slots.add(unary.arg.slot)
    assert len(slots) == 3  # every binding has its own slot: no capture


MESSAGES = """
enum S { p, q }
var up: S -> bool = {s: true for s in S}
var boss: S? = none
action Send(a: S, b: S) { require a != b; up[b] = up[a] }
action Hand { boss = p }
action Other(n: 0..2) { skip }
lane s in S: up[s]
"""


def test_message_annotations() -> None:
    m = load(MESSAGES + "message Send(a, b): a -> b\nmessage Hand: boss -> q\n")
    send, hand = m.messages
    assert send.action == 0 and len(send.slots) == 2 and hand.action == 1 and hand.slots == ()
    # the endpoints read the action's parameters through the message's own slots
    assert isinstance(send.source, M.ELocal) and send.source.slot == send.slots[0]
    assert isinstance(send.target, M.ELocal) and send.target.slot == send.slots[1]
    assert send.source.slot not in {p.slot for p in m.actions[0].params}
    assert hand.source.ty == T.OptionTy(T.EnumTy("S", ("p", "q")))  # `none`: no arrow
    assert load(MESSAGES).messages == ()


def test_messages_change_no_state_and_no_action() -> None:
    plain, annotated = load(MESSAGES), load(MESSAGES + "message Send(a, b): a -> b\n")
    assert plain.variables == annotated.variables and plain.actions == annotated.actions
    assert plain.properties == annotated.properties and plain.lane == annotated.lane


@pytest.mark.parametrize(("extra", "want"), [
    ("message Snd(a, b): a -> b", ["E101"]),        # unknown action, with a suggestion
    ("message up: p -> q", ["E101"]),                # a variable is not an action
    ("message Send(a): a -> a", ["E122"]),           # the action's parameters, all of them
    ("message Send(b, a): a -> b", ["E122"]),        # ... in order
    ("message Hand(x): p -> q", ["E122"]),
    ("message Send(a, b): a -> c", ["E101"]),
    ("message Send(a, b): a -> 1", ["E103"]),        # not a lane value
    ("message Other(n): n -> p", ["E103"]),
    ("message Send(a, b): up -> b", ["E103"]),
    ("message Send(a, b): a -> b\nmessage Send(a, b): b -> a", ["E102"]),
])
def test_message_errors(extra: str, want: list[str]) -> None:
    assert errors(MESSAGES + extra) == want


def test_message_errors_say_what_to_do() -> None:
    with pytest.raises(SpecError) as info:
        load(MESSAGES + "message Snd(a, b): a -> b\nmessage Send(a): a -> a\n")
    unknown, params = info.value.diagnostics
    assert unknown.hint == "did you mean `Send`?" and (unknown.span.line, unknown.span.col) == (9, 1)
    assert params.hint == "name the action's parameters in order: `message Send(a, b): ...`"


def test_a_message_needs_a_lane() -> None:
    text = MESSAGES.replace("lane s in S: up[s]", "") + "message Send(a, b): a -> b"
    assert errors(text) == ["E122"]
    # a lane that is itself wrong is reported once, not again for the message
    text = MESSAGES.replace("lane s in S", "lane s in Sx") + "message Send(a, b): a -> b"
    assert errors(text) == ["E101"]


# ---- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "want"), [
    ("var x: Sever -> bool", ["E101"]),           # one error, no cascade about finiteness
    ("var x: set[int]", ["E105"]),                # the element type, not the variable too
    ("var x: int -> bool", ["E105"]),
    ("var x: int", ["E105"]),                      # needs an initial value
    ("var x: bool = true\ndef d = y\ninvariant I: d and d", ["E101"]),  # once, not per use
    ("var x: bool = true\ndef d = y", ["E101"]),   # also when unused
    ("var x: 0..3 = 4", ["E103"]),                  # initial value outside the type
    ("var x: 0..3 = 3 % 0", ["E108"]),
    ("var a: 0..999\nvar b: 0..999\nvar c: 0..999", ["E110"]),
    ("var r: {a: bool} = {a: true, a: true}", ["E102"]),
    ("const N: 1..3 = 2\nvar x: bool\naction A { N = 1 }", ["E104"]),
    ("var x: bool\naction A(p: bool) { p = true }", ["E104"]),
    ("var x: bool\naction A(p: int) { skip }", ["E105"]),
    ("var x: bool\naction A(p: 0..100000) { skip }", ["E110"]),
    ("var x: 0..2 = 0\naction A { pick v in x { skip } }", ["E103"]),
    ("var x: bool\ninvariant I: 1", ["E103"]),
    ("var x: bool\nlane s in bool_: x", ["E101"]),
    ("var m: bool -> 0..1 = {b: 1 for b in {true}}", ["E117"]),  # not all of bool
    ("var m: 0..3 -> 0..1 = {k: 1 for k in {0, 1, 2, 3}}", ["E117"]),
    ("", ["E016"]),
])
def test_errors(text: str, want: list[str]) -> None:
    assert errors(text) == want


def test_independent_errors_are_all_reported_in_source_order() -> None:
    text = """var x: 0..3 = 0
action A {
  x = true
  y = 1
}
invariant I: x
reachable R: undefined_thing
"""
    with pytest.raises(SpecError) as info:
        load(text)
    got = [(d.code, d.span.line) for d in info.value.diagnostics]
    assert got == [("E103", 3), ("E101", 4), ("E103", 6), ("E101", 7)]
    assert all(d.hint for d in info.value.diagnostics)  # every message says what to do


def test_keyword_spelled_names_and_types() -> None:
    """`True` is not `true`; the hint says so."""
    with pytest.raises(SpecError) as info:
        load("var x: bool = True")
    assert info.value.diagnostics[0].hint == "write `true`"


def test_spans_of_the_ast_reach_the_model() -> None:
    m = load("var x: bool = true\naction A {\n  x = false\n}\n")
    stmt = m.actions[0].body[0]
    assert isinstance(stmt, M.SAssign) and (stmt.span.line, stmt.span.col) == (3, 3)


def test_the_tree_is_not_changed() -> None:
    spec = parse(BASE)
    before = repr(spec)
    check_spec(spec, BASE, constants={"N": 4})
    assert repr(spec) == before and isinstance(spec.decls[0], S.ConstDecl)


def test_huge_types_are_refused_quickly_without_computing_their_size(tmp_path: Path) -> None:
    """A map of maps over 0..65535 has 2^(2^36) values: its size saturates instead of being
    computed (which took gigabytes), and the checker refuses it with a located error."""
    from verifier.cli import main

    path = tmp_path / "huge.fsl"
    path.write_text("type A = 0..65535\nvar m: A -> A -> A\n", encoding="utf-8")
    assert main(["check", "--no-reports", str(path)]) == 2
    from verifier.lang import typesys as T

    ty = T.MapTy(T.RangeTy(0, 65535), T.MapTy(T.RangeTy(0, 65535), T.RangeTy(0, 65535)))
    assert T.size(ty) == T.HUGE and T.show_count(T.size(ty)) == "more than 10^30"
    assert T.size(T.MapTy(T.RangeTy(0, 3), T.RangeTy(0, 9))) == 10 ** 4  # exact when small
