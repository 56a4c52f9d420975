"""Stages 1-2 of the pipeline: spec text -> Lark parse tree -> AST (``verifier.lang.syntax``).

The Lark parser (LALR, strict, positions kept) is built once per process, lazily,
from the packaged ``grammar.lark``. Lark's exceptions never leave this module: they
become ``SpecError`` diagnostics with file:line:col, the source line with a caret and
a hint (built by ``verifier.lang.mistakes``, which also gives common mistakes specific
messages).
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedInput, VisitError

from verifier.lang import syntax as S
from verifier.lang.diagnostics import Diagnostic, SpecError
from verifier.lang.mistakes import MAX_SYNTAX_ERRORS as MAX_SYNTAX_ERRORS
from verifier.lang.mistakes import syntax_errors

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 200


@functools.cache
def grammar_text() -> str:
    """The FSL grammar: ``grammar.lark``, package data of ``verifier.lang``."""
    return resources.files("verifier.lang").joinpath("grammar.lark").read_text(encoding="utf-8")


@functools.cache
def keywords() -> frozenset[str]:
    """Words of the grammar that look like names (`if`, `in`, `fault`, ...)."""
    return frozenset(t.pattern.value for t in _lark().terminals
                     if t.pattern.type == "str" and t.pattern.value.isidentifier())


@functools.cache
def _lark() -> Lark:
    # cache=True keeps the built LALR tables in the temp folder (keyed by a hash of the
    # grammar and options): building them costs over a second per process
    return Lark(grammar_text(), parser="lalr", strict=True, propagate_positions=True,
                maybe_placeholders=True, cache=True)


def read_spec_text(path: Path) -> str:
    """The text of a spec file, or a SpecError for the ways reading it can fail."""
    name = str(path)
    if not path.exists():
        raise SpecError([Diagnostic("E006", f"no such file: {name}", S.Span(name, 0, 0, 0, 0),
                                    "check the path; spec files end in .fsl")])
    if path.is_dir():
        raise SpecError([Diagnostic("E006", f"{name} is a directory, not a spec file",
                                    S.Span(name, 0, 0, 0, 0),
                                    "name a .fsl file, or use `verifier check DIR` for models")])
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SpecError([Diagnostic(
            "E008", f"file too large: {size:,} bytes (the limit is {MAX_FILE_BYTES:,})",
            S.Span(name, 0, 0, 0, 0), "is this really a spec? a spec is a few hundred lines")])
    data = path.read_bytes()
    if b"\x00" in data:
        raise SpecError([Diagnostic("E006", f"{name} is a binary file, not a spec",
                                    S.Span(name, 0, 0, 0, 0), "spec files are UTF-8 text")])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise SpecError([Diagnostic("E006", f"{name} is not valid UTF-8 (byte 0x{data[e.start]:02x})",
                                    S.Span(name, line, col, line, col),
                                    "save the file as UTF-8")],
                        {name: data.decode("utf-8", "replace")}) from None


def parse_file(path: Path) -> S.Spec:
    return parse(read_spec_text(path), str(path))


def parse(text: str, path: str = "<string>") -> S.Spec:
    """Parse spec text into an AST, or raise SpecError (never a Lark exception). The AST
    is immutable, so the last few texts' ASTs are kept: a run over a folder of models
    reads the same spec many times."""
    return _parse(text, path)


@functools.lru_cache(maxsize=16)
def _parse(text: str, path: str) -> S.Spec:
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise SpecError([Diagnostic("E008", f"spec too large (limit {MAX_FILE_BYTES:,} bytes)",
                                    S.Span(path, 0, 0, 0, 0), "split the spec or shrink it")])
    if text.startswith("\ufeff"):
        text = text[1:]
    sources = {path: text}
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as e:
        raise SpecError(syntax_errors(e, text, path, _lark()), sources) from None
    except RecursionError:
        raise SpecError([_too_deep(path, 1, 1)], sources) from None
    depth, where = _tree_depth(tree)
    if depth > MAX_DEPTH:
        raise SpecError([_too_deep(path, *where)], sources)
    keyword = _keyword_name(tree)
    if keyword is not None:
        sp = _tok_span(path, keyword)
        raise SpecError([Diagnostic("E001", f"`{keyword}` is a keyword, so it cannot be a name", sp,
                                    f"rename it, e.g. `{keyword}_` or `my_{keyword}`")], sources)
    try:
        return S.Spec(tuple(_Builder(path).transform(tree).children), path)
    except VisitError as e:  # Lark wraps what a transformer method raises
        if isinstance(e.orig_exc, _BuildError):
            raise SpecError([e.orig_exc.diagnostic], sources) from None
        raise


def _too_deep(path: str, line: int, col: int) -> Diagnostic:
    return Diagnostic("E007", f"nested too deeply (more than {MAX_DEPTH} levels of expressions, "
                      "types or blocks)", S.Span(path, line, col, line, col),
                      "split the expression with `def` helpers or `let`, or flatten the blocks")


def _tree_depth(tree: Tree[Token]) -> tuple[int, tuple[int, int]]:
    """Depth of the parse tree, computed without recursion (deep input must not crash us)."""
    best, where = 0, (1, 1)
    stack: list[tuple[Any, int]] = [(tree, 1)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, Tree):
            if d > best:
                best = d
                meta = node.meta
                if not meta.empty:
                    where = (meta.line, meta.column)
            stack.extend((c, d + 1) for c in node.children)
    return best, where


def _keyword_name(tree: Tree[Token]) -> Token | None:
    """The first NAME token that spells a keyword. Lark's contextual lexer reads `if` as a
    name where no keyword fits (`var if: bool`), which would make a spec that can never
    be used; found without recursion, like the depth."""
    reserved = keywords()
    stack: list[Any] = [tree]
    found: list[Token] = []
    while stack:
        node = stack.pop()
        if isinstance(node, Tree):
            stack.extend(node.children)
        elif isinstance(node, Token) and node.type == "NAME" and str(node) in reserved:
            found.append(node)
    return min(found, key=lambda t: t.start_pos or 0) if found else None


class _BuildError(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic
        super().__init__(diagnostic.message)


def _node_span(path: str, meta: Any) -> S.Span:
    if getattr(meta, "empty", True):
        return S.Span(path, 0, 0, 0, 0)
    return S.Span(path, meta.line, meta.column, meta.end_line, meta.end_column)


def _tok_span(path: str, tok: Token) -> S.Span:
    return S.Span(path, tok.line or 0, tok.column or 0, tok.end_line or 0, tok.end_column or 0)


def _number(tok: Token, span: S.Span) -> int:
    text = str(tok)
    if len(text) > 18:
        shown = text if len(text) <= 24 else text[:20] + "..."
        raise _BuildError(Diagnostic("E014", f"number too large: {shown} ({len(text)} digits)", span,
                                     "numbers have at most 18 digits; bounds in a spec are small"))
    return int(text)


@v_args(meta=True)
class _Builder(Transformer[Token, Any]):
    """Parse tree -> AST. One method per grammar alias; spans from Lark's meta."""

    def __init__(self, path: str) -> None:
        super().__init__(visit_tokens=False)
        self.path = path

    def _sp(self, meta: Any) -> S.Span:
        return _node_span(self.path, meta)

    # -- declarations
    def const_decl(self, meta: Any, c: list[Any]) -> S.ConstDecl:
        return S.ConstDecl(str(c[0]), c[1], c[2], self._sp(meta))

    def enum_decl(self, meta: Any, c: list[Any]) -> S.EnumDecl:
        return S.EnumDecl(str(c[0]), tuple(str(x) for x in c[1:]), self._sp(meta))

    def type_decl(self, meta: Any, c: list[Any]) -> S.TypeDecl:
        return S.TypeDecl(str(c[0]), c[1], self._sp(meta))

    def var_decl(self, meta: Any, c: list[Any]) -> S.VarDecl:
        return S.VarDecl(str(c[0]), c[1], c[2], self._sp(meta))

    def init_decl(self, meta: Any, c: list[Any]) -> S.InitDecl:
        return S.InitDecl(c[0], self._sp(meta))

    def def_decl(self, meta: Any, c: list[Any]) -> S.DefDecl:
        return S.DefDecl(str(c[0]), c[1], c[2], self._sp(meta))

    def action_decl(self, meta: Any, c: list[Any]) -> S.ActionDecl:
        kind = c[0]
        fair = isinstance(kind, tuple)
        strong, whole = kind if isinstance(kind, tuple) else (False, False)
        return S.ActionDecl(str(c[1]), c[2] or (), c[3], kind is not None and not fair,
                            self._sp(meta), fair, strong, whole)

    def fairness(self, meta: Any, c: list[Any]) -> tuple[bool, bool]:
        """(strong, for the action as a whole) of ``[strong] fair [any]``."""
        return c[0] is not None, c[2] is not None

    def liveness_decl(self, meta: Any, c: list[Any]) -> S.LivenessDecl:
        doc = str(c[2])[1:-1] if c[2] is not None else None
        bound, tick = c[4] if c[4] is not None else (None, None)
        return S.LivenessDecl(str(c[0]), c[1] or (), doc, c[3], c[5], self._sp(meta), bound, tick)

    def within(self, meta: Any, c: list[Any]) -> tuple[S.Expr, str | None]:
        return c[0], (str(c[1]) if c[1] is not None else None)

    def _prop(self, kind: str, meta: Any, c: list[Any]) -> S.PropertyDecl:
        doc = str(c[1])[1:-1] if c[1] is not None else None
        return S.PropertyDecl(kind, str(c[0]), doc, c[2], self._sp(meta))

    def invariant_decl(self, meta: Any, c: list[Any]) -> S.PropertyDecl:
        return self._prop("invariant", meta, c)

    def reachable_decl(self, meta: Any, c: list[Any]) -> S.PropertyDecl:
        return self._prop("reachable", meta, c)

    def constraint_decl(self, meta: Any, c: list[Any]) -> S.PropertyDecl:
        return self._prop("constraint", meta, c)

    def lane_decl(self, meta: Any, c: list[Any]) -> S.LaneDecl:
        return S.LaneDecl(str(c[0]), c[1], c[2], self._sp(meta))

    def message_decl(self, meta: Any, c: list[Any]) -> S.MessageDecl:
        return S.MessageDecl(str(c[0]), c[1] or (), c[2], c[3], self._sp(meta))

    def message_params(self, meta: Any, c: list[Any]) -> tuple[str, ...]:
        return tuple(str(x) for x in c if x is not None)

    def bound_name(self, meta: Any, c: list[Any]) -> str:
        return str(c[0])

    def params(self, meta: Any, c: list[Any]) -> tuple[S.Param, ...]:
        return tuple(x for x in c if x is not None)

    def param(self, meta: Any, c: list[Any]) -> S.Param:
        return S.Param(str(c[0]), c[1], self._sp(meta))

    # -- types
    def map_type(self, meta: Any, c: list[Any]) -> S.MapType:
        return S.MapType(c[0], c[1], self._sp(meta))

    def option_type(self, meta: Any, c: list[Any]) -> S.OptionType:
        return S.OptionType(c[0], self._sp(meta))

    def bool_type(self, meta: Any, c: list[Any]) -> S.BoolType:
        return S.BoolType(self._sp(meta))

    def int_type(self, meta: Any, c: list[Any]) -> S.IntType:
        return S.IntType(self._sp(meta))

    def named_type(self, meta: Any, c: list[Any]) -> S.NamedType:
        return S.NamedType(str(c[0]), self._sp(meta))

    def range_type(self, meta: Any, c: list[Any]) -> S.RangeType:
        return S.RangeType(c[0], c[1], self._sp(meta))

    def set_type(self, meta: Any, c: list[Any]) -> S.SetType:
        return S.SetType(c[0], self._sp(meta))

    def seq_type(self, meta: Any, c: list[Any]) -> S.SeqType:
        return S.SeqType(c[0], c[1], self._sp(meta))

    def tuple_type(self, meta: Any, c: list[Any]) -> S.TupleType:
        return S.TupleType(tuple(c), self._sp(meta))

    def record_type(self, meta: Any, c: list[Any]) -> S.RecordType:
        return S.RecordType(tuple(c), self._sp(meta))

    def field_type(self, meta: Any, c: list[Any]) -> tuple[str, S.TypeExpr]:
        return (str(c[0]), c[1])

    def badd(self, meta: Any, c: list[Any]) -> S.Binary:
        return S.Binary("+", c[0], c[1], self._sp(meta))

    def bsub(self, meta: Any, c: list[Any]) -> S.Binary:
        return S.Binary("-", c[0], c[1], self._sp(meta))

    def bmul(self, meta: Any, c: list[Any]) -> S.Binary:
        return S.Binary("*", c[0], c[1], self._sp(meta))

    def bint(self, meta: Any, c: list[Any]) -> S.IntLit:
        return S.IntLit(_number(c[0], self._sp(meta)), self._sp(meta))

    def bname(self, meta: Any, c: list[Any]) -> S.Name:
        return S.Name(str(c[0]), self._sp(meta))

    def bneg(self, meta: Any, c: list[Any]) -> S.Unary:
        return S.Unary("-", c[0], self._sp(meta))

    # -- statements
    def block(self, meta: Any, c: list[Any]) -> tuple[S.Stmt, ...]:
        return tuple(c)

    def assign(self, meta: Any, c: list[Any]) -> S.Assign:
        return S.Assign(c[0], c[1], self._sp(meta))

    def lv_name(self, meta: Any, c: list[Any]) -> S.Name:
        return S.Name(str(c[0]), self._sp(meta))

    def lv_index(self, meta: Any, c: list[Any]) -> S.Index:
        return S.Index(c[0], c[1], self._sp(meta))

    def lv_field(self, meta: Any, c: list[Any]) -> S.Field:
        return S.Field(c[0], str(c[1]), self._sp(meta))

    def require_stmt(self, meta: Any, c: list[Any]) -> S.Require:
        return S.Require(c[0], self._sp(meta))

    def skip_stmt(self, meta: Any, c: list[Any]) -> S.Skip:
        return S.Skip(self._sp(meta))

    def if_stmt(self, meta: Any, c: list[Any]) -> S.If:
        other = c[2]
        if other is None:
            other = ()
        elif isinstance(other, S.If):
            other = (other,)
        return S.If(c[0], c[1], other, self._sp(meta))

    def either_stmt(self, meta: Any, c: list[Any]) -> S.Either:
        return S.Either(tuple(c), self._sp(meta))

    def pick_stmt(self, meta: Any, c: list[Any]) -> S.Pick:
        return S.Pick(str(c[0]), c[1], c[2], self._sp(meta))

    # -- expressions
    def ite(self, meta: Any, c: list[Any]) -> S.Ite:
        return S.Ite(c[0], c[1], c[2], self._sp(meta))

    def quant_kind(self, meta: Any, c: list[Any]) -> str:
        return str(c[0])

    agg_kind = quant_kind

    def quant(self, meta: Any, c: list[Any]) -> S.Quant:
        return S.Quant(c[0], c[1], c[2], self._sp(meta))

    aggregate = quant

    def binders(self, meta: Any, c: list[Any]) -> tuple[S.Binder, ...]:
        return tuple(b for group in c for b in group)

    def binder(self, meta: Any, c: list[Any]) -> tuple[S.Binder, ...]:
        dom = c[-1]
        return tuple(S.Binder(str(n), dom, _tok_span(self.path, n)) for n in c[:-1])

    def let(self, meta: Any, c: list[Any]) -> S.Let:
        return S.Let(str(c[0]), c[1], c[2], self._sp(meta))

    def _bin(self, op: str, meta: Any, c: list[Any]) -> S.Binary:
        return S.Binary(op, c[0], c[1], self._sp(meta))

    def implies(self, meta: Any, c: list[Any]) -> S.Binary:
        return self._bin("=>", meta, c)

    def iff(self, meta: Any, c: list[Any]) -> S.Binary:
        return self._bin("<=>", meta, c)

    def leads_to(self, meta: Any, c: list[Any]) -> S.Binary:
        return self._bin("~>", meta, c)

    def until(self, meta: Any, c: list[Any]) -> S.Binary:
        return self._bin("until", meta, c)

    def always(self, meta: Any, c: list[Any]) -> S.Unary:
        return S.Unary("always", c[0], self._sp(meta))

    def eventually(self, meta: Any, c: list[Any]) -> S.Unary:
        return S.Unary("eventually", c[0], self._sp(meta))

    def or_(self, meta: Any, c: list[Any]) -> S.Binary:
        return self._bin("or", meta, c)

    def and_(self, meta: Any, c: list[Any]) -> S.Binary:
        return self._bin("and", meta, c)

    def not_(self, meta: Any, c: list[Any]) -> S.Unary:
        return S.Unary("not", c[0], self._sp(meta))

    def compare(self, meta: Any, c: list[Any]) -> S.Binary:
        return S.Binary(str(c[1]), c[0], c[2], self._sp(meta))

    arith = compare

    def member(self, meta: Any, c: list[Any]) -> S.Binary:
        return self._bin("in", meta, c)

    def not_member(self, meta: Any, c: list[Any]) -> S.Binary:
        return self._bin("notin", meta, c)

    def union(self, meta: Any, c: list[Any]) -> S.Binary:
        return self._bin("|", meta, c)

    def inter(self, meta: Any, c: list[Any]) -> S.Binary:
        return self._bin("&", meta, c)

    def range(self, meta: Any, c: list[Any]) -> S.Binary:
        return self._bin("..", meta, c)

    def neg(self, meta: Any, c: list[Any]) -> S.Unary:
        return S.Unary("-", c[0], self._sp(meta))

    def index(self, meta: Any, c: list[Any]) -> S.Index:
        return S.Index(c[0], c[1], self._sp(meta))

    def field(self, meta: Any, c: list[Any]) -> S.Field:
        return S.Field(c[0], str(c[1]), self._sp(meta))

    def int_lit(self, meta: Any, c: list[Any]) -> S.IntLit:
        return S.IntLit(_number(c[0], self._sp(meta)), self._sp(meta))

    def true_lit(self, meta: Any, c: list[Any]) -> S.BoolLit:
        return S.BoolLit(True, self._sp(meta))

    def false_lit(self, meta: Any, c: list[Any]) -> S.BoolLit:
        return S.BoolLit(False, self._sp(meta))

    def none_lit(self, meta: Any, c: list[Any]) -> S.NoneLit:
        return S.NoneLit(self._sp(meta))

    def name(self, meta: Any, c: list[Any]) -> S.Name:
        return S.Name(str(c[0]), self._sp(meta))

    def call(self, meta: Any, c: list[Any]) -> S.Call:
        return S.Call(str(c[0]), tuple(x for x in c[1:] if x is not None), self._sp(meta))

    def tuple_lit(self, meta: Any, c: list[Any]) -> S.TupleLit:
        return S.TupleLit(tuple(x for x in c if x is not None), self._sp(meta))

    def set_lit(self, meta: Any, c: list[Any]) -> S.SetLit:
        return S.SetLit(tuple(x for x in c if x is not None), self._sp(meta))

    def set_comp(self, meta: Any, c: list[Any]) -> S.SetComp:
        return S.SetComp(c[0], str(c[1]), c[2], c[3], self._sp(meta))

    def map_comp(self, meta: Any, c: list[Any]) -> S.MapComp:
        key, var = str(c[0]), str(c[2])
        if key != var:
            raise _BuildError(Diagnostic(
                "E015", f"the key of a map comprehension must be its variable: `{var}`, not `{key}`",
                self._sp(meta), f"write `{{{var}: ... for {var} in ...}}`"))
        return S.MapComp(var, c[1], c[3], self._sp(meta))

    def record_lit(self, meta: Any, c: list[Any]) -> S.RecordLit:
        pairs = tuple((str(c[i]), c[i + 1]) for i in range(0, len(c), 2))
        return S.RecordLit(pairs, self._sp(meta))

    def seq_lit(self, meta: Any, c: list[Any]) -> S.SeqLit:
        return S.SeqLit(tuple(x for x in c if x is not None), self._sp(meta))
