"""The reference semantics (verifier/lang/semantics.py): initial states, the order and
meaning of statements, transitions and their order, fault caps, run-time errors, and
the value of every kind of expression. The mutex example's state and transition counts
are pinned and cross-checked against an independent breadth-first search written here
without any verifier code."""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

import pytest

from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang.checker import check_spec
from verifier.lang.parser import parse

MUTEX = Path(__file__).parent.parent / "specs" / "mutex.fsl"


def load(text: str, **kw: Any) -> M.Model:
    return check_spec(parse(text, "t.fsl"), text, **kw)


def init(text: str, **kw: Any) -> list[dict[str, Any]]:
    m = load(text, **kw)
    return [dict(zip((v.name for v in m.variables), s, strict=True)) for s in sem.initial_states(m)]


def steps(m: M.Model, state: sem.State) -> list[tuple[str, tuple[Any, ...], dict[str, Any] | str]]:
    """(action, parameters, successor by variable name, or the run-time error message)."""
    out: list[tuple[str, tuple[Any, ...], dict[str, Any] | str]] = []
    for t in sem.successors(m, state):
        name = m.actions[t.action].name
        if t.target is None:
            assert t.error is not None
            out.append((name, t.params, t.error.message))
        else:
            out.append((name, t.params, dict(zip((v.name for v in m.variables), t.target, strict=True))))
    return out


def value(expr: str, decls: str = "", state: dict[str, Any] | None = None) -> Any:
    """The value of ``expr`` (a `def`) in the only initial state of ``decls``."""
    m = load(f"{decls}\nvar zz_: bool = true\ndef probe_ = {expr}\nreachable R_: probe_ == probe_")
    s = sem.initial_states(m)[0]
    if state:
        s = tuple(state.get(v.name, x) for v, x in zip(m.variables, s, strict=True))
    cond = m.reachables[0].cond
    assert isinstance(cond, M.EBinary)
    return sem.evaluate(cond.left, s, {})


# ---- initial states --------------------------------------------------------------------------


def test_initial_values_and_several_initial_states() -> None:
    states = init("""
enum Role { P, B }
var role: Role
var n: 0..2
var up: bool = true
init: n != 1
init: role == P or n == 0
""")
    # free variables range over their types, the first varying slowest; `init` filters
    assert states == [{"role": "P", "n": 0, "up": True}, {"role": "P", "n": 2, "up": True},
                      {"role": "B", "n": 0, "up": True}]


def test_initial_values_may_use_constants_and_comprehensions() -> None:
    (s,) = init("const N: 1..4 = 3\nvar m: 0..N-1 -> 0..N = {k: k + 1 for k in 0..N-1}")
    assert s["m"] == (1, 2, 3)
    (s,) = init("const N: 1..4 = 3\nvar m: 0..N-1 -> 0..N = {k: k + 1 for k in 0..N-1}",
                constants={"N": 2})
    assert s["m"] == (1, 2)


def test_no_initial_state() -> None:
    assert init("var x: bool\ninit: x and not x") == []


# ---- steps -------------------------------------------------------------------------------------


def test_statements_run_in_order_and_see_earlier_assignments() -> None:
    m = load("""
var x: 0..9 = 1
var y: 0..9 = 0
action A {
  x = x + 1
  y = x * 2
  require y == 4
  x = 0
}
""")
    assert steps(m, sem.initial_states(m)[0]) == [("A", (), {"x": 0, "y": 4})]


def test_a_guard_after_an_assignment_sees_the_new_value() -> None:
    m = load("var x: 0..3 = 0\naction A { x = 1\n require x == 0 }")
    assert steps(m, sem.initial_states(m)[0]) == []


def test_transition_order_actions_parameters_either_pick() -> None:
    m = load("""
enum S { p, q }
var x: 0..9 = 0
var s: S = p
action First(a: S, b: bool) {
  require a == q or b
  either { x = 1 } or { x = 2 } or { require false }
}
action Second {
  pick v in {3, 1, 2} { x = v }
}
action Third(a: S) {
  pick t in S { require t != a
    s = t }
}
""")
    got = [(name, params, t["x"] if isinstance(t, dict) else t, t["s"] if isinstance(t, dict) else t)
           for name, params, t in steps(m, sem.initial_states(m)[0])]
    assert got == [
        ("First", ("p", True), 1, "p"), ("First", ("p", True), 2, "p"),
        ("First", ("q", False), 1, "p"), ("First", ("q", False), 2, "p"),
        ("First", ("q", True), 1, "p"), ("First", ("q", True), 2, "p"),
        ("Second", (), 1, "p"), ("Second", (), 2, "p"), ("Second", (), 3, "p"),  # canonical order
        ("Third", ("p",), 0, "q"), ("Third", ("q",), 0, "p"),
    ]


def test_if_else_and_nondeterminism_compose() -> None:
    m = load("""
var x: 0..9 = 5
action A {
  if x > 3 { either { x = 1 } or { x = 2 } } else { x = 9 }
  if x == 1 { x = 7 }
}
""")
    assert [t["x"] for _, _, t in steps(m, sem.initial_states(m)[0]) if isinstance(t, dict)] == [7, 2]


def test_transitions_are_not_merged() -> None:
    m = load("var x: bool = true\naction A { either { skip } or { skip } }")
    assert len(sem.successors(m, sem.initial_states(m)[0])) == 2


def test_map_record_tuple_and_sequence_updates() -> None:
    m = load("""
enum S { p, q }
var m: S -> S -> 0..3 = {a: {b: 0 for b in S} for a in S}
var r: {n: 0..3, f: bool} = {n: 0, f: false}
var t: tuple[0..3, bool] = (0, false)
var sq: seq[0..3, 3] = [1, 2]
action A {
  m[p][p] = 3
  r.n = 2
  t[1] = true
  sq[0] = 3
}
""")
    ((_, _, t),) = steps(m, sem.initial_states(m)[0])
    assert isinstance(t, dict)
    assert t["m"] == ((3, 0), (0, 0))
    assert t["r"] == (False, 2)  # record fields are stored in name order: f, n
    assert t["t"] == (0, True)
    assert t["sq"] == (3, 2)


# ---- fault caps ---------------------------------------------------------------------------------

CRASHY = """
enum S { p, q }
var up: S -> bool = {s: true for s in S}
fault action Crash(s: S) { require up[s]; up[s] = false }
fault action Glitch { skip }
action Restart(s: S) { require not up[s]; up[s] = true }
"""


def reachable(m: M.Model) -> tuple[set[sem.State], int]:
    seen = set(sem.initial_states(m))
    todo = deque(seen)
    transitions = 0
    while todo:
        s = todo.popleft()
        for t in sem.successors(m, s):
            transitions += 1
            assert t.target is not None, t.error
            if t.target not in seen:
                seen.add(t.target)
                todo.append(t.target)
    return seen, transitions


def test_fault_caps_count_and_disable() -> None:
    m = load(CRASHY, faults={"Crash": 1})
    s0 = sem.initial_states(m)[0]
    assert s0 == (((True, True)), 0)
    first = steps(m, s0)
    assert [(a, p) for a, p, _ in first] == [("Crash", ("p",)), ("Crash", ("q",)), ("Glitch", ())]
    after = sem.successors(m, s0)[0].target
    assert after == ((False, True), 1)
    # the cap is reached: no more crashes, even after a restart; other faults are not capped
    names = [a for a, _, _ in steps(m, after)]
    assert names == ["Glitch", "Restart"]
    states, _ = reachable(m)
    assert max(s[1] for s in states) == 1
    assert all(s[0] != (False, False) for s in states)  # never both down


def test_fault_total_caps_all_faults_together() -> None:
    m = load(CRASHY, fault_total=1)
    s1 = sem.successors(m, sem.initial_states(m)[0])[2].target  # Glitch
    assert s1 == ((True, True), 1)
    assert steps(m, s1) == []


def test_uncapped_faults_are_ordinary_actions() -> None:
    states, _ = reachable(load(CRASHY))
    assert len(states) == 4


# ---- run-time errors ------------------------------------------------------------------------------


def test_assignment_outside_the_type_is_an_error_transition() -> None:
    m = load("var x: 0..2 = 2\naction A { either { x = 0 } or { x = x + 1 } or { x = 1 } }")
    got = steps(m, sem.initial_states(m)[0])
    # the transitions already produced stay; the error ends the action instance
    assert got == [("A", (), {"x": 0}), ("A", (), "x = 3 is outside its type 0..2")]


def test_map_key_outside_the_domain() -> None:
    m = load("var m: 0..2 -> bool = {k: false for k in 0..2}\nvar i: 0..3 = 3\n"
             "action Read { require m[i] }\naction Write { m[i] = true }")
    got = steps(m, sem.initial_states(m)[0])
    assert got == [("Read", (), "key 3 is outside the domain 0..2"),
                   ("Write", (), "key 3 is outside the domain 0..2")]


def test_division_by_zero_and_other_errors() -> None:
    m = load("""
var d: 0..3 = 0
var q: seq[0..3, 2] = []
var o: 0..3? = none
var m: 0..3 -> 0..3 = {k: k for k in 0..3}
action Div { d = 6 // d }
action Mod { d = 6 % d }
action Head { d = head(q) }
action Index { d = q[0] }
action Unwrap { d = m[o] }
action Append { q = append(append(append(q, 1), 1), 1) }
""")
    got = [(a, t) for a, _, t in steps(m, sem.initial_states(m)[0])]
    assert got == [("Div", "division by zero"), ("Mod", "division by zero"),
                   ("Head", "head of an empty sequence"),
                   ("Index", "index 0 is outside a sequence of length 0"),
                   ("Unwrap", "the value is `none`"),
                   ("Append", "q = (1, 1, 1) is outside its type seq[0..3, 2]")]


def test_error_spans_point_at_the_statement() -> None:
    m = load("var x: 0..1 = 1\naction A {\n  x = x + 1\n}")
    (t,) = sem.successors(m, sem.initial_states(m)[0])
    assert t.error is not None and (t.error.span.line, t.error.span.col) == (3, 3)


# ---- expressions -----------------------------------------------------------------------------------

DECLS = """
enum S { p, q, r }
var s: set[S] = {p, r}
var m: S -> 0..5 = {k: if k == p then 1 else 2 for k in S}
var rec: {a: 0..3, b: bool} = {a: 2, b: true}
var tup: tuple[S, 0..3] = (q, 3)
var sq: seq[0..5, 4] = [4, 5]
var op: 0..3? = none
var op2: 0..3? = 2
"""


@pytest.mark.parametrize(("expr", "want"), [
    ("7 // 2 + 7 % 2 * 10", 13), ("-7 // 2", -4), ("-7 % 3", 2), ("2 - 3 - 4", -5),
    ("abs(-3) + min(4, 2) + max(4, 2)", 9), ("min({3, 1, 2}) + max(0..4)", 5),
    ("true => false", False), ("false => false", True), ("true <=> false", False),
    ("not true or true and false", False),
    ("s | {q}", frozenset({"p", "q", "r"})), ("s & {p, q}", frozenset({"p"})),
    ("s - {p}", frozenset({"r"})), ("{p} <= s", True), ("s < s", False), ("{p} < s", True),
    ("q in s", False), ("q not in s", True), ("len(s)", 2), ("len(0..4)", 5), ("len({})", 0),
    ("1..3", frozenset({1, 2, 3})), ("3..1", frozenset()),
    ("m[p] + m[q]", 3), ("{k: m[k] * 2 for k in S}", (2, 4, 4)),
    ("rec.a", 2), ("rec.b", True), ("{b: false, a: 1}", (1, False)), ("{a: 1, b: false} == {b: false, a: 1}", True),
    ("tup[0]", "q"), ("tup[1]", 3), ("(p, 1) == (p, 1)", True),
    ("sq[1]", 5), ("head(sq)", 4), ("tail(sq)", (5,)), ("append(sq, 0)", (4, 5, 0)), ("len(sq)", 2),
    ("[] == tail([1])", True),
    ("op == none", True), ("op2 == none", False), ("op2 == 2", True), ("op == 0", False),
    ("forall k in S: m[k] > 0", True), ("exists k in s: k == q", False),
    ("count(k in S: m[k] == 2)", 2), ("sum(k in S: m[k])", 5), ("sum(k in {}: 1)", 0),
    ("count(a, b in S: a != b)", 6), ("sum(a in 1..3, b in 1..a: b)", 10),  # later domains see a
    ("{k for k in S if m[k] > 1}", frozenset({"q", "r"})), ("{m[k] for k in S}", frozenset({1, 2})),
    ("let a = m[p] in let b = a + 1 in a * b", 2),
    ("if len(s) > 1 then p else q", "p"),
    ("forall b in bool_set: b or not b", True),
    ("{b: not b for b in {false, true}}", (True, False)), ("{k: k * k for k in 0..2}", (0, 1, 4)),
])
def test_expression_values(expr: str, want: Any) -> None:
    decls = DECLS + "def bool_set = {false, true}\n"
    assert value(expr, decls) == want


def test_quantifying_over_types() -> None:
    decls = "enum S { p, q }\ntype Pair = tuple[S, bool]\ntype Small = 0..2\n"
    assert value("count(x in Pair: x[1])", decls) == 2
    assert value("sum(x in Small: x)", decls) == 3
    assert value("{x for x in S}", decls) == frozenset({"p", "q"})
    assert value("count(x in SS: len(x) == 1)", decls + "type SS = set[S]\n") == 2


def test_definitions_with_parameters_do_not_capture() -> None:
    decls = """
enum S { p, q }
def other(s: S) = exists t in S: t != s
def twice(x: 0..9) = x + x
def shadow(t: S) = forall s in S: s == t or s != t
"""
    # the argument `t` of the caller must not be confused with the `t` bound inside `other`
    assert value("forall t in S: other(t)", decls) is True
    assert value("let x = 2 in twice(x + 1)", decls) == 6
    assert value("forall s in S: shadow(s)", decls) is True


def test_state_variables_in_expressions() -> None:
    decls = "var x: 0..3 = 1\nvar up: bool -> bool = {b: b for b in bool_}\ndef bool_ = {false, true}"
    assert value("x + 1", decls.replace("bool_}", "{false, true}}").replace("\ndef bool_ = {false, true}", ""),
                 state={"x": 3}) == 4


# ---- the example spec: pinned counts, checked by an independent search --------------------------


def independent_mutex(n: int) -> tuple[int, int]:
    """The mutex of specs/mutex.fsl, by hand: (distinct states, transitions)."""
    start = (("idle",) * n, False)
    seen = {start}
    todo = deque([start])
    transitions = 0
    while todo:
        pcs, lock = todo.popleft()
        nxt = [(pcs[:p] + ("waiting",) + pcs[p + 1:], lock) for p in range(n) if pcs[p] == "idle"]
        nxt += [(pcs[:p] + ("critical",) + pcs[p + 1:], True)
                for p in range(n) if pcs[p] == "waiting" and not lock]
        nxt += [(pcs[:p] + ("idle",) + pcs[p + 1:], False) for p in range(n) if pcs[p] == "critical"]
        transitions += len(nxt)
        for s in nxt:
            if s not in seen:
                seen.add(s)
                todo.append(s)
    return len(seen), transitions


@pytest.mark.parametrize(("n", "states", "transitions"), [(2, 8, 14), (3, 20, 48), (4, 48, 144)])
def test_mutex_counts(n: int, states: int, transitions: int) -> None:
    assert independent_mutex(n) == (states, transitions)
    text = MUTEX.read_text(encoding="utf-8")
    m = check_spec(parse(text, str(MUTEX)), text, constants={"N": n})
    seen, count = reachable(m)
    assert (len(seen), count) == (states, transitions)
    (inv,) = m.invariants
    assert all(sem.holds(inv, s) for s in seen)
    (witness,) = m.reachables
    assert any(sem.holds(witness, s) for s in seen)


def test_mutex_default_is_three_processes() -> None:
    text = MUTEX.read_text(encoding="utf-8")
    m = check_spec(parse(text, str(MUTEX)), text)
    assert len(reachable(m)[0]) == 20
