"""The parser: text -> AST, precedence, spans, and syntax errors as diagnostics."""

from __future__ import annotations

import pytest

from verifier.lang import syntax as S
from verifier.lang.diagnostics import SpecError
from verifier.lang.parser import MAX_DEPTH, MAX_FILE_BYTES, parse


def expr(text: str) -> S.Expr:
    d = parse(f"init: {text}").decls[0]
    assert isinstance(d, S.InitDecl)
    return d.cond


def codes(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        parse(text)
    return [d.code for d in info.value.diagnostics]


def N(n: str) -> S.Name:
    return S.Name(n)


def B(op: str, a: S.Expr, b: S.Expr) -> S.Binary:
    return S.Binary(op, a, b)


a, b, c = N("a"), N("b"), N("c")


# ---- precedence and associativity ---------------------------------------------------------


@pytest.mark.parametrize(("text", "tree"), [
    ("a or b and c", B("or", a, B("and", b, c))),
    ("a and b or c", B("or", B("and", a, b), c)),
    ("a => b => c", B("=>", a, B("=>", b, c))),
    ("a or b => c", B("=>", B("or", a, b), c)),
    ("a <=> b or c", B("<=>", a, B("or", b, c))),
    ("not a == b", S.Unary("not", B("==", a, b))),
    ("not a and b", B("and", S.Unary("not", a), b)),
    ("a in b | c", B("in", a, B("|", b, c))),
    ("a not in b & c", B("notin", a, B("&", b, c))),
    ("a | b & c", B("|", a, B("&", b, c))),
    ("a..b + 1", B("..", a, B("+", b, S.IntLit(1)))),
    ("a - b - c", B("-", B("-", a, b), c)),
    ("a - b * c", B("-", a, B("*", b, c))),
    ("-a * b", B("*", S.Unary("-", a), b)),
    ("-a[b]", S.Unary("-", S.Index(a, b))),
    ("a.b[c]", S.Index(S.Field(a, "b"), c)),
    ("a // b % c", B("%", B("//", a, b), c)),
    ("(a, b)", S.TupleLit((a, b))),
    ("(a,)", S.TupleLit((a,))),
    ("(a)", a),
    ("f()", S.Call("f", ())),
    ("{}", S.SetLit(())),
    ("[]", S.SeqLit(())),
    ("{a}", S.SetLit((a,))),
    ("{a: b}", S.RecordLit((("a", b),))),
    ("{x: b for x in c}", S.MapComp("x", b, c)),
    ("{a for x in c if b}", S.SetComp(a, "x", c, b)),
    ("if a then b else c", S.Ite(a, b, c)),
    ("let x = a in x", S.Let("x", a, N("x"))),
    ("count(x in a: b)", S.Quant("count", (S.Binder("x", a),), b)),
    ("forall x, y in a: b", S.Quant("forall", (S.Binder("x", a), S.Binder("y", a)), b)),
    ("exists x in a, y in x: b", S.Quant("exists", (S.Binder("x", a), S.Binder("y", N("x"))), b)),
    ("forall x in a: b and c", S.Quant("forall", (S.Binder("x", a),), B("and", b, c))),
    ("none == none", B("==", S.NoneLit(), S.NoneLit())),
])
def test_precedence(text: str, tree: S.Expr) -> None:
    assert expr(text) == tree


def test_statements_and_declarations() -> None:
    spec = parse("""
const N: 1..5 = 3
enum E { p, q, }
type T = 0..N-1
var m: E -> T? = {e: none for e in E}
var r: {b: bool, a: seq[T, 2]}
init: true
def d = 1
def f() = 2
def g(x: T, y: E) = x
fault action A(e: E) {
  m[e] = 1;
  r.b = true
  if d == 1 { skip } else if d == 2 { require false } else { skip }
  either { skip } or { skip }
  pick t in T { m[e] = t }
}
action B { skip }
invariant I "doc # not a comment": true  # a comment
reachable R: true
constraint C: true
lane e in E: m[e]
""")
    kinds = [type(d).__name__ for d in spec.decls]
    assert kinds == ["ConstDecl", "EnumDecl", "TypeDecl", "VarDecl", "VarDecl", "InitDecl", "DefDecl",
                     "DefDecl", "DefDecl", "ActionDecl", "ActionDecl", "PropertyDecl", "PropertyDecl",
                     "PropertyDecl", "LaneDecl"]
    enum, ty = spec.decls[1], spec.decls[2]
    assert enum == S.EnumDecl("E", ("p", "q"))
    assert ty == S.TypeDecl("T", S.RangeType(S.IntLit(0), B("-", N("N"), S.IntLit(1))))
    r = spec.decls[4]
    assert isinstance(r, S.VarDecl) and r.init is None
    assert r.type == S.RecordType((("b", S.BoolType()), ("a", S.SeqType(S.NamedType("T"), S.IntLit(2)))))
    d, f = spec.decls[6], spec.decls[7]
    assert isinstance(d, S.DefDecl) and d.params is None
    assert isinstance(f, S.DefDecl) and f.params == ()
    act = spec.decls[9]
    assert isinstance(act, S.ActionDecl) and act.fault and act.params == (S.Param("e", S.NamedType("E")),)
    assign, field, cond, either, pick = act.body
    assert assign == S.Assign(S.Index(N("m"), N("e")), S.IntLit(1))
    assert field == S.Assign(S.Field(N("r"), "b"), S.BoolLit(True))
    assert isinstance(cond, S.If) and isinstance(cond.other[0], S.If) and len(cond.other) == 1
    assert isinstance(either, S.Either) and len(either.branches) == 2
    assert isinstance(pick, S.Pick) and pick.var == "t"
    b_act = spec.decls[10]
    assert isinstance(b_act, S.ActionDecl) and b_act.params == () and not b_act.fault
    inv = spec.decls[11]
    assert isinstance(inv, S.PropertyDecl) and inv.doc == "doc # not a comment"
    lane = spec.decls[14]
    assert lane == S.LaneDecl("e", "E", S.Index(N("m"), N("e")))


def test_message_declarations() -> None:
    spec = parse("""message Delta(m, k): m -> k
message Failback: S -> P
message Tick(): if a then b else c -> forall x in X: x
""")
    delta, failback, tick = spec.decls
    assert delta == S.MessageDecl("Delta", ("m", "k"), N("m"), N("k"))
    assert failback == S.MessageDecl("Failback", (), N("S"), N("P"))
    assert isinstance(tick, S.MessageDecl) and tick.params == ()
    assert isinstance(tick.source, S.Ite) and isinstance(tick.target, S.Quant)
    assert (delta.span.line, delta.span.col, failback.span.line) == (1, 1, 2)


@pytest.mark.parametrize("text", ["message A: a", "message A(p: T): p -> p", "message: a -> b",
                                  "message A a -> b", "message A: a -> b -> c",
                                  "var message: bool"])
def test_bad_message_declarations(text: str) -> None:
    with pytest.raises(SpecError) as info:
        parse(text)
    assert info.value.diagnostics[0].code.startswith("E0")  # a syntax error, located


def test_spans_are_kept_but_not_compared() -> None:
    spec = parse("var x: bool = true\n\naction A {\n  x = false\n}\n", "f.fsl")
    var, act = spec.decls
    assert (var.span.path, var.span.line, var.span.col) == ("f.fsl", 1, 1)
    assert (act.span.line, act.span.end_line, act.span.end_col) == (3, 5, 2)
    assert isinstance(act, S.ActionDecl)
    assert (act.body[0].span.line, act.body[0].span.col) == (4, 3)
    assert parse("var x:bool=true action A{x=false}") == spec  # layout does not matter


def test_bom_crlf_tabs_and_comments() -> None:
    plain = parse("var x: bool = true\naction A { x = false }\n")
    assert parse("\ufeffvar x: bool = true\r\n# note\r\naction A {\tx = false } # end\r\n") == plain


# ---- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [
    ("var if: bool", "E001"),
    ("enum E { a, in }", "E001"),
    ("var r: {set: bool}", "E001"),
    ("action A(for: bool) { skip }", "E001"),
    ("init: forall then in S: true", "E001"),
    ("var x: 0..99999999999999999999", "E014"),
    ("init: 1234567890123456789", "E014"),
    ("init: 123456789012345678 > 0", None),
    ("var m: bool -> bool = {a: true for b in B}", "E015"),
    ("action A { x = ) }", "E001"),  # same parser state as `x == 1`, but not that mistake
    ("action A { x == 1 }", "E012"),
    ("action A { skip\n  x == 1 }", "E012"),  # after a statement: a deeper parser stack
    ("var y: bool\naction A { if x = 1 { skip } }", "E005"),
    ("invariant I: a & & b", "E013"),
    ("invariant I: a || b", "E013"),
    ("init: x == \"up\"", "E001"),
    ("", None),
    ("# only a comment", None),
])
def test_error_codes(text: str, code: str | None) -> None:
    if code is None:
        parse(text)
    else:
        assert codes(text)[0] == code


def test_every_independent_syntax_error_is_reported() -> None:
    text = ("var x: 0..3 = 0\naction A {\n  require x = 1\n}\n"
            "action B {\n  x == 2\n}\ninvariant I x > 0\nreachable R: x && x\nvar ok: bool\n")
    assert codes(text) == ["E005", "E012", "E004", "E013"]
    # an unclosed block swallows the rest of its declaration, but not the next one
    assert codes("action A {\n  skip\naction B { x == 1 }\n") == ["E001", "E012"]


def test_depth_and_size_limits() -> None:
    ok = "-" * (MAX_DEPTH - 10) + "x"
    parse(f"init: {ok} > 0")
    # (the catalogue in tests/diagnostics also nests 10,000 deep, through the command line)
    assert codes("init: " + "-" * 2_000 + "x > 0") == ["E007"]
    assert codes("init: " + "[" * 2_000 + "]" * 2_000 + " == []") == ["E007"]
    parse("init: " + "(" * 2_000 + "x" + ")" * 2_000)  # parentheses are not nesting
    assert codes("# " + "x" * MAX_FILE_BYTES) == ["E008"]


def test_error_positions_and_rendering() -> None:
    with pytest.raises(SpecError) as info:
        parse("var x: bool = true\ninvariant I: x ==\n", "s.fsl")
    (d,) = info.value.diagnostics
    assert (d.code, d.span.line, d.span.col) == ("E003", 2, 18)
    assert info.value.render() == (
        "s.fsl:2:18: error[E003]: unexpected end of file\n"
        "   2 | invariant I: x ==\n"
        "     |                  ^\n"
        "  hint: a block, bracket or expression is not closed")


def test_lines_are_counted_as_the_parser_counts_them() -> None:
    """A form feed or U+2028 in a comment is not a line break for the caret."""
    with pytest.raises(SpecError) as info:
        parse("# a\x0cb \u2028 c\ninit: $\n", "s.fsl")
    assert "   2 | init: $" in info.value.render()


def test_long_lines_are_shown_around_the_error() -> None:
    with pytest.raises(SpecError) as info:
        parse("init: " + "a + " * 400 + "$\n", "s.fsl")
    shown = info.value.render().splitlines()
    assert shown[1].startswith("   1 | ... ") and shown[1].endswith("$")
    assert shown[2].index("^") == shown[1].index("$")


def test_the_examples_in_the_language_reference_parse() -> None:
    import re
    from pathlib import Path

    doc = (Path(__file__).parent.parent / "docs" / "language.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.*?)```", doc, flags=re.S)
    assert len(blocks) >= 10
    for block in blocks:
        parse(block)
