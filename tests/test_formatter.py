"""The formatter (``verifier fmt``): parse(format(ast)) == ast, idempotence, layout and
comments. The Hypothesis strategies below build syntax trees of every kind, including
the precedence-sensitive nestings the printer must parenthesize."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.cli import main
from verifier.lang import syntax as S
from verifier.lang.diagnostics import SpecError
from verifier.lang.fmt.formatter import format_source, format_spec
from verifier.lang.parser import parse

ROOT = Path(__file__).parent.parent
SPECS = sorted((ROOT / "specs").glob("*.fsl"))
CI = settings(derandomize=True, deadline=None, max_examples=80,
              suppress_health_check=[HealthCheck.too_slow])

# ---- strategies for syntax trees -------------------------------------------------------

# Not keywords, but some start like one (`ifx`, `nota`, `inside`): the printer must keep
# them apart from the keyword that follows or precedes them.
names = st.sampled_from(["a", "b", "x", "y1", "Server", "up", "_t", "m_2", "ifx", "nota",
                         "inside", "orx", "counter", "faulty"])
ints = st.one_of(st.integers(0, 20), st.integers(0, 10**17))
ARITH = ["+", "-", "*", "//", "%"]
OPS = ["=>", "<=>", "or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "notin", "|", "&",
       "..", *ARITH]

leaves = st.one_of(st.builds(S.IntLit, ints), st.builds(S.BoolLit, st.booleans()),
                   st.just(S.NoneLit()), st.builds(S.Name, names))


def _binders(ch: st.SearchStrategy[S.Expr]) -> st.SearchStrategy[tuple[S.Binder, ...]]:
    """``a, b in S, c in T``: groups of names sharing one domain."""
    group = st.tuples(st.lists(names, min_size=1, max_size=2), ch)
    return st.lists(group, min_size=1, max_size=2).map(
        lambda gs: tuple(S.Binder(n, d) for ns, d in gs for n in ns))


def _extend(ch: st.SearchStrategy[S.Expr]) -> st.SearchStrategy[S.Expr]:
    small = st.lists(ch, max_size=3).map(tuple)
    return st.one_of(
        st.builds(S.Unary, st.sampled_from(["not", "-"]), ch),
        st.builds(S.Binary, st.sampled_from(OPS), ch, ch),
        st.builds(S.Ite, ch, ch, ch),
        st.builds(S.Quant, st.sampled_from(["forall", "exists", "count", "sum"]), _binders(ch), ch),
        st.builds(S.Let, names, ch, ch),
        st.builds(S.Call, names, small),
        st.builds(S.Index, ch, ch),
        st.builds(S.Field, ch, names),
        st.builds(S.SetLit, small),
        st.builds(S.SetComp, ch, names, ch, st.none() | ch),
        st.builds(S.MapComp, names, ch, ch),
        st.builds(S.RecordLit, st.lists(st.tuples(names, ch), min_size=1, max_size=3).map(tuple)),
        st.builds(S.TupleLit, st.lists(ch, min_size=1, max_size=3).map(tuple)),
        st.builds(S.SeqLit, small),
    )


exprs = st.recursive(leaves, _extend, max_leaves=10)

bounds = st.recursive(
    st.one_of(st.builds(S.IntLit, st.integers(0, 9)), st.builds(S.Name, names)),
    lambda ch: st.one_of(st.builds(S.Unary, st.just("-"), ch),
                         st.builds(S.Binary, st.sampled_from(["+", "-", "*"]), ch, ch)),
    max_leaves=4)


def _types(ch: st.SearchStrategy[S.TypeExpr]) -> st.SearchStrategy[S.TypeExpr]:
    return st.one_of(
        st.builds(S.OptionType, ch.filter(lambda t: not isinstance(t, (S.MapType, S.OptionType)))),
        st.builds(S.SetType, ch),
        st.builds(S.SeqType, ch, bounds),
        st.builds(S.TupleType, st.lists(ch, min_size=2, max_size=3).map(tuple)),
        st.builds(S.RecordType, st.lists(st.tuples(names, ch), min_size=1, max_size=3).map(tuple)),
        st.builds(S.MapType, ch.filter(lambda t: not isinstance(t, S.MapType)), ch),
    )


types = st.recursive(
    st.one_of(st.just(S.BoolType()), st.just(S.IntType()), st.builds(S.NamedType, names),
              st.builds(S.RangeType, bounds, bounds)),
    _types, max_leaves=5)

lvalues = st.recursive(st.builds(S.Name, names),
                       lambda ch: st.one_of(st.builds(S.Index, ch, exprs), st.builds(S.Field, ch, names)),
                       max_leaves=3)


def _blocks(ch: st.SearchStrategy[S.Stmt]) -> st.SearchStrategy[tuple[S.Stmt, ...]]:
    return st.lists(ch, max_size=3).map(tuple)


stmts = st.recursive(
    st.one_of(st.builds(S.Assign, lvalues, exprs), st.builds(S.Require, exprs), st.just(S.Skip())),
    lambda ch: st.one_of(
        st.builds(S.If, exprs, _blocks(ch), _blocks(ch)),
        st.builds(S.Either, st.lists(_blocks(ch), min_size=2, max_size=3).map(tuple)),
        st.builds(S.Pick, names, exprs, _blocks(ch))),
    max_leaves=6)

params = st.lists(st.builds(S.Param, names, types), max_size=3).map(tuple)
docs = st.text(st.characters(blacklist_characters='"\n', blacklist_categories=("Cs",)), max_size=12)

decls = st.one_of(
    st.builds(S.ConstDecl, names, types, exprs),
    st.builds(S.EnumDecl, names, st.lists(names, min_size=1, max_size=4).map(tuple),
              symmetric=st.booleans()),
    st.builds(S.EnumDecl, names, st.just(()), symmetric=st.booleans(), size=bounds),
    st.builds(S.TypeDecl, names, types, symmetric=st.booleans()),
    st.builds(S.VarDecl, names, types, st.none() | exprs),
    st.builds(S.InitDecl, exprs),
    st.builds(S.DefDecl, names, st.none() | params, exprs),
    st.builds(S.ActionDecl, names, params, _blocks(stmts), st.booleans()),
    st.builds(S.PropertyDecl, st.sampled_from(["invariant", "reachable", "constraint"]), names,
              st.none() | docs, exprs),
    st.builds(S.LaneDecl, names, names, exprs),
    st.builds(S.MessageDecl, names, st.lists(names, max_size=3).map(tuple), exprs, exprs),
)
specs = st.lists(decls, max_size=5).map(lambda ds: S.Spec(tuple(ds)))


def _spec_of_expr(e: S.Expr) -> S.Spec:
    return S.Spec((S.InitDecl(e),))


# ---- properties ---------------------------------------------------------------------------


@CI
@given(specs)
def test_parse_of_format_is_the_tree(spec: S.Spec) -> None:
    text = format_spec(spec)
    assert parse(text) == spec, text
    assert format_spec(parse(text)) == text  # idempotent, with or without the source
    assert format_spec(parse(text), text) == text


@CI
@given(exprs)
def test_expressions_round_trip(e: S.Expr) -> None:
    spec = _spec_of_expr(e)
    assert parse(format_spec(spec)) == spec


def test_the_width_is_honoured() -> None:
    text = ("var up: 0..3 -> bool = {k: true for k in 0..3}\n"
            "invariant I: up[0] or up[1] or up[2] or up[3] or (up[0] and up[1])\n")
    wide, narrow = format_spec(parse(text)), format_spec(parse(text), width=30)
    assert wide == text
    assert narrow != wide and parse(narrow) == parse(text)
    assert max(len(line) for line in narrow.splitlines()) <= 30, narrow


@settings(derandomize=True, deadline=None, max_examples=100)
@given(exprs)
def test_narrow_lines_still_round_trip(e: S.Expr) -> None:
    """With every group broken (a 10-column page), the text still parses back."""
    spec = _spec_of_expr(e)
    text = format_spec(spec, width=10)
    assert parse(text) == spec, text


# ---- the shipped specs ----------------------------------------------------------------------


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_shipped_specs_round_trip(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    out = format_source(text, str(path))
    assert parse(out) == parse(text)
    assert format_source(out) == out
    # every comment survives, in order
    assert re.findall(r"#.*", out) == [c.rstrip() for c in re.findall(r"#.*", text)]
    assert all(len(line) <= 100 or "#" in line or "\"" in line for line in out.splitlines())


def test_mutex_is_canonical() -> None:
    path = SPECS[0].parent / "mutex.fsl"
    text = path.read_text(encoding="utf-8")
    assert format_source(text) == text


# ---- layout by example ------------------------------------------------------------------------


def fmt(text: str) -> str:
    return format_source(text)


@pytest.mark.parametrize(("src", "want"), [
    ("init: (a + b) * c", "init: (a + b) * c"),
    ("init: a + (b * c)", "init: a + b * c"),
    ("init: a - (b - c)", "init: a - (b - c)"),
    ("init: (a - b) - c", "init: a - b - c"),
    ("init: a => (b => c)", "init: a => b => c"),
    ("init: (a => b) => c", "init: (a => b) => c"),
    ("init: (a <=> b) <=> c", "init: (a <=> b) <=> c"),
    ("init: (a == b) == c", "init: (a == b) == c"),
    ("init: not (a and b)", "init: not (a and b)"),
    ("init: (not a) in b", "init: (not a) in b"),
    ("init: not a in b", "init: not a in b"),
    ("init: a not in b | c", "init: a not in b | c"),
    ("init: (a | b) & c", "init: (a | b) & c"),
    ("init: a or b and c", "init: a or (b and c)"),
    ("init: -(-a)", "init: - -a"),
    ("init: -(a + b)", "init: -(a + b)"),
    ("init: (-a)[1]", "init: (-a)[1]"),
    ("init: (a.b)[c].d", "init: a.b[c].d"),
    ("init: (forall s in S: p) and q", "init: (forall s in S: p) and q"),
    ("init: forall a in S, b in S: p", "init: forall a, b in S: p"),
    ("init: if (if a then b else c) then d else e", "init: if (if a then b else c) then d else e"),
    ("init: if a then (if b then c else d) else e", "init: if a then (if b then c else d) else e"),
    ("init: if a then b else (if c then d else e)", "init: if a then b else if c then d else e"),
    ("init: let x = (a in b) in x", "init: let x = (a in b) in x"),
    ("init: x in 0..N-1", "init: x in 0..N-1"),
    ("init: x in (0..N) | {5}", "init: x in 0..N | {5}"),
    ("init: (1,) == (1, 2)", "init: (1,) == (1, 2)"),
    ("init: {a: 1, b: none}.a", "init: {a: 1, b: none}.a"),
    ("init: count(s in S: p) + sum(s in S: 1)", "init: count(s in S: p) + sum(s in S: 1)"),
    ("init: {x for x in S if p} == {k: 0 for k in K}", "init: {x for x in S if p} == {k: 0 for k in K}"),
    ("var x: Server -> (0..N-1)?", None),  # not a type in FSL (no parentheses): parse error
])
def test_precedence_and_spacing(src: str, want: str | None) -> None:
    if want is None:
        with pytest.raises(SpecError):
            fmt(src)
        return
    assert fmt(src) == want + "\n"


def test_types_and_declarations() -> None:
    src = ('const N:2..8=3\nenum E{a,b,}\ntype T=0..N*2-1\nvar m:E->T?=none\n'
           'var q: seq[tuple[E, bool], N + 1]\nvar r: {x: set[E], y: int}\n'
           'def d=1\ndef f()=2\ndef g(a:E,b:T)=a\n'
           'fault action Crash(s: E) { m[s] = none; }\naction Tick() { skip }\n'
           'lane s in E: m[s]\n')
    assert fmt(src) == (
        "const N: 2..8 = 3\nenum E { a, b }\ntype T = 0..N*2-1\nvar m: E -> T? = none\n"
        "var q: seq[tuple[E, bool], N+1]\nvar r: {x: set[E], y: int}\n"
        "def d = 1\ndef f() = 2\ndef g(a: E, b: T) = a\n\n"
        "fault action Crash(s: E) {\n  m[s] = none\n}\n\naction Tick {\n  skip\n}\n\n"
        "lane s in E: m[s]\n")


def test_message_declarations() -> None:
    src = ('message Delta ( m,k ) :m->k\nmessage Failback(): S -> P\n'
           'message F: if a then b else c -> forall x in S: x\n'
           'message G(a): (a) -> let y = a in y\n')
    assert fmt(src) == (
        "message Delta(m, k): m -> k\nmessage Failback: S -> P\n"
        "message F: (if a then b else c) -> forall x in S: x\n"
        "message G(a): a -> let y = a in y\n")
    long = "message Delta(m, k): " + " + ".join(["member"] * 9) + " -> k\n"
    assert fmt(long) == "message Delta(m, k):\n  " + " + ".join(["member"] * 9) + " -> k\n"


def test_statements() -> None:
    src = """action A(p: P) { if x { y = 1 } else if z { y = 2 } else { pick v in S { require v > 0 } }
      either { skip } or { x = false } or { x = true } }"""
    assert fmt(src) == """action A(p: P) {
  if x {
    y = 1
  } else if z {
    y = 2
  } else {
    pick v in S {
      require v > 0
    }
  }
  either {
    skip
  } or {
    x = false
  } or {
    x = true
  }
}
"""


def test_long_lines_break() -> None:
    long_and = " and ".join(f"condition_{i}(s)" for i in range(8))
    out = fmt(f"invariant I: forall s in Server: {long_and}")
    assert out.splitlines()[0] == "invariant I:"
    assert all(len(line) <= 100 for line in out.splitlines())
    ite = fmt("def f(s: S) = if s == a then aaaaaaaaaaaaaaaaaaaa else if s == b then bbbbbbbbbbbbbbbbbbbbbbbb"
              " else if s == c then cccccccccccccccccccccccc else dddddddddddddddddddd")
    assert ite == ("def f(s: S) =\n  if s == a then aaaaaaaaaaaaaaaaaaaa\n"
                   "  else if s == b then bbbbbbbbbbbbbbbbbbbbbbbb\n"
                   "  else if s == c then cccccccccccccccccccccccc\n  else dddddddddddddddddddd\n")
    comp = fmt("action A { m = {s: {q: if s == q then 0 else min(m[s][q] + 1, WWWWWWWWWWWWWWWW) "
               "for q in Server} for s in Server} }")
    assert comp == """action A {
  m = {
    s: {q: if s == q then 0 else min(m[s][q] + 1, WWWWWWWWWWWWWWWW) for q in Server}
    for s in Server
  }
}
"""


def test_described_property_puts_its_condition_below() -> None:
    assert fmt('invariant I "doc # not a comment": x') == 'invariant I "doc # not a comment":\n  x\n'
    assert fmt("reachable R: x") == "reachable R: x\n"


def test_blank_lines_are_kept_and_separate_kinds() -> None:
    src = "var a: bool\n\n\n\nvar b: bool\nvar c: bool\ninit: a\naction A { skip\n\n\n skip }\n"
    assert fmt(src) == ("var a: bool\n\nvar b: bool\nvar c: bool\ninit: a\n\n"
                        "action A {\n  skip\n\n  skip\n}\n")
    # a tree without positions: a blank line where the kind of declaration changes
    tree = S.Spec((S.VarDecl("a", S.BoolType(), None), S.VarDecl("b", S.BoolType(), None),
                   S.InitDecl(S.Name("a"))))
    assert format_spec(tree) == "var a: bool\nvar b: bool\n\ninit: a\n"


# ---- comments ------------------------------------------------------------------------------

COMMENTED = """# header

# leading const
const N: 1..3 = 2   # trailing const
var x: 0..3 = 0
action A(p: {a: bool}) {  # open
  # lead
  x = 1  # trail

  if x == 1 {   # open then
    skip
    # then trailer
  } # after then
  else {
    x = 2
  }
  either { skip } # after branch
  or {
    x = (  # inside an expression
      3)
  }
  pick v in 0..3 {
    # only a comment
  }
  # block trailer
}
def f =  # after the equals sign
  x + 1
# the end
"""


def test_comments_are_kept_in_place() -> None:
    out = fmt(COMMENTED)
    assert out == """# header

# leading const
const N: 1..3 = 2  # trailing const
var x: 0..3 = 0

action A(p: {a: bool}) {  # open
  # lead
  x = 1  # trail

  if x == 1 {  # open then
    skip
    # then trailer
    # after then
  } else {
    x = 2
  }
  either {
    skip  # after branch
  } or {
    # inside an expression
    x = 3
  }
  pick v in 0..3 {
    # only a comment
  }
  # block trailer
}

# after the equals sign
def f = x + 1
# the end
"""
    assert fmt(out) == out
    assert parse(out) == parse(COMMENTED)


def test_else_if_keeps_a_comment_between_else_and_if() -> None:
    src = "action A { if a { skip } else { # why\n if b { skip } } }"
    out = fmt(src)
    assert "# why" in out and parse(out) == parse(src) and fmt(out) == out


def test_comment_only_and_empty_files() -> None:
    assert fmt("") == ""
    assert fmt("# just a note\n\n# another\n") == "# just a note\n\n# another\n"
    assert fmt("\ufeffvar x: bool # bom\n") == "var x: bool  # bom\n"
    assert fmt("var x: bool\r\n# crlf\r\n") == "var x: bool\n# crlf\n"


def test_trees_that_no_text_parses_to_are_refused() -> None:
    for bad in (S.IntLit(-1), S.TupleLit(()), S.Name("if"), S.Name("x y")):
        with pytest.raises(ValueError):
            format_spec(_spec_of_expr(bad))
    with pytest.raises(ValueError):
        format_spec(S.Spec((S.VarDecl("m", S.OptionType(S.MapType(S.BoolType(), S.BoolType())),
                                      None),)))


# ---- the command line ----------------------------------------------------------------------


def test_cli_fmt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messy = tmp_path / "messy.fsl"
    messy.write_text("var x:bool=true\naction A{x=not x}\n", encoding="utf-8")
    assert main(["fmt", str(messy)]) == 0
    out = capsys.readouterr().out
    assert out == "var x: bool = true\n\naction A {\n  x = not x\n}\n"
    assert main(["fmt", "--check", str(messy)]) == 1
    tidy = tmp_path / "tidy.fsl"
    tidy.write_text(out, encoding="utf-8")
    assert main(["fmt", "--check", str(tidy)]) == 0
    bad = tmp_path / "bad.fsl"
    bad.write_text("var x: = 1\n", encoding="utf-8")
    assert main(["fmt", str(bad)]) == 2
    assert "error[E" in capsys.readouterr().err


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_cli_fmt_accepts_every_shipped_spec(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fmt", str(path)]) == 0
    out = capsys.readouterr().out
    assert parse(out) == parse(path.read_text(encoding="utf-8"))


def test_cli_fmt_write_rewrites_only_when_every_file_parses(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messy = tmp_path / "messy.fsl"
    messy.write_text("var x:bool=true\naction A{x=not x}\n", encoding="utf-8")
    tidy = tmp_path / "tidy.fsl"
    tidy.write_text("var y: bool\n", encoding="utf-8")
    bad = tmp_path / "bad.fsl"
    bad.write_text("var x: = 1\n", encoding="utf-8")
    assert main(["fmt", "--write", str(messy), str(bad)]) == 2
    assert messy.read_text(encoding="utf-8") == "var x:bool=true\naction A{x=not x}\n"  # untouched
    assert "bad.fsl:1:" in capsys.readouterr().err
    assert main(["fmt", "-w", str(messy), str(tidy)]) == 0
    assert messy.read_text(encoding="utf-8") == "var x: bool = true\n\naction A {\n  x = not x\n}\n"
    assert tidy.read_text(encoding="utf-8") == "var y: bool\n"
    err = capsys.readouterr().err
    assert "messy.fsl: reformatted" in err and "tidy.fsl" not in err
    assert main(["fmt", "--check", str(messy), str(tidy)]) == 0


def test_shipped_specs_are_in_canonical_form() -> None:
    """`verifier fmt --check specs/*.fsl` passes: the examples users copy are canonical."""
    for path in [*SPECS, *sorted((ROOT / "bench").glob("*.fsl"))]:
        assert main(["fmt", "--check", str(path)]) == 0, f"run: verifier fmt --write {path}"


TEMPORAL = """var x: 0..2 = 0
var y: bool = false
strong fair any action A(k: 0..1) { x = k }
fair action B { y = not y }
strong fair action C { y = true }
fair any action D { skip }
liveness L: x == 1 ~> x == 2 within 2 + 1 ticks of B while y
liveness M "d": always eventually (y and x > 0)
liveness N: always (y => eventually (y until x == 0))
liveness O: eventually always enabled(A(1)) or not (always y <=> eventually y)
liveness P: x == 0 ~> y within 3
"""


def test_temporal_properties_and_fairness_round_trip() -> None:
    from verifier.lang.fmt.formatter import format_source

    out = format_source(TEMPORAL)
    assert parse(out) == parse(TEMPORAL)
    assert format_source(out) == out
    assert "strong fair any action A(k: 0..1) {" in out
    assert "liveness L: x == 1 ~> x == 2 within 2 + 1 ticks of B while y" in out
    assert "liveness N: always (y => eventually (y until x == 0))" in out
