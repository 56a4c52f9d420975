"""Stage 2, backwards: the canonical text of a spec from its AST (``verifier fmt``).

``format_spec(spec)`` prints an AST so that ``parse(format_spec(ast)) == ast`` (spans
aside) and formatting is idempotent. Layout: two-space indents; parentheses only where
precedence needs them, plus around an ``and`` inside an ``or``, around an ``or``
(or a quantifier) that is an operand of ``=>`` or ``<=>``, and around a conditional,
quantifier or ``let`` used as a condition; operators spaced, except ``..``
and the simple arithmetic of its bounds (``0..N-1``); lines kept under ``WIDTH``
columns by breaking before binary operators, after the ``=``/``:`` of a declaration
and inside brackets, Wadler-style (the document algebra of ``verifier/lang/fmt/prettydoc.py``,
rendered greedily). A property with a description gets its condition on the next line.

Blank lines between declarations and between statements are kept from the source (at
most one); actions are always set apart by one; a tree without source positions gets
one where the kind of declaration changes. The parser drops comments: given the
source text too, ``format_spec(spec, source)`` (or ``format_source(text)``) puts them
back where ``verifier/lang/fmt/fmtcomments.py`` says they belong. Without it they are lost.
"""

from __future__ import annotations

from collections.abc import Sequence

from verifier.lang import syntax as S
from verifier.lang.fmt.fmtcomments import BlockNotes, Entry, Layout, place_comments
from verifier.lang.fmt.prettydoc import INDENT as INDENT  # re-exported: the indentation step
from verifier.lang.fmt.prettydoc import SOFT, Align, Doc, Group, Hard, IfBreak, Line, Nest, Text, join, render

WIDTH = 100

# ---- layout --------------------------------------------------------------------------------


def _render(doc: Doc, width: int = WIDTH) -> str:
    """``doc`` laid out ``width`` columns wide (by default WIDTH as this module loaded)."""
    return render(doc, width)


def _bracket(open_: str, items: Sequence[Doc], close: str, trailing_comma: bool = False) -> Doc:
    if not items:
        return open_ + close
    body: list[Doc] = [SOFT, *join(items, [",", Line()])]
    if trailing_comma:
        body.append(IfBreak(","))
    return Group([open_, Nest(body), SOFT, close])


# ---- names and literals ------------------------------------------------------------------


def _name(n: str) -> str:
    from verifier.lang.parser import keywords

    if not (n.isidentifier() and n.isascii()) or n in keywords():
        raise ValueError(f"{n!r} cannot be written as a name")
    return n


def _int(v: int) -> str:
    if isinstance(v, bool) or v < 0:
        raise ValueError(f"no literal for {v!r}: a negative number is written `-n`")
    return str(v)


# ---- expressions -------------------------------------------------------------------------

# Binding strength, loosest first, as in the grammar.
EXPR, IMPLIES, OR, AND, NOT, CMP, UNION, INTER, RANGE, SUM, PROD, NEG, POSTFIX, ATOM = range(14)

_LEVEL = {"=>": IMPLIES, "<=>": IMPLIES, "~>": IMPLIES, "until": IMPLIES, "or": OR, "and": AND,
          "==": CMP, "!=": CMP, "<": CMP, "<=": CMP, ">": CMP, ">=": CMP, "in": CMP, "notin": CMP,
          "|": UNION, "&": INTER, "..": RANGE, "+": SUM, "-": SUM, "*": PROD, "//": PROD, "%": PROD}
_LEFT_ASSOC = {OR, AND, UNION, INTER, SUM, PROD}
_BRACKETED = (S.Call, S.SetLit, S.SetComp, S.MapComp, S.RecordLit, S.TupleLit, S.SeqLit)


def level(e: S.Expr) -> int:
    """How tightly ``e`` binds: it needs parentheses where the context wants more."""
    match e:
        case S.Ite() | S.Let():
            return EXPR
        case S.Quant(kind):
            return EXPR if kind in ("forall", "exists") else ATOM
        case S.Binary(op):
            if op not in _LEVEL:
                raise ValueError(f"unknown operator {op!r}")
            return _LEVEL[op]
        case S.Unary(op):
            return NEG if op == "-" else NOT
        case S.Index() | S.Field():
            return POSTFIX
    return ATOM


def _expr(e: S.Expr, need: int = EXPR) -> Doc:
    if level(e) < need:
        return ["(", Align(_expr(e)), ")"]
    match e:
        case S.IntLit(v):
            return _int(v)
        case S.BoolLit(v):
            return "true" if v else "false"
        case S.NoneLit():
            return "none"
        case S.Name(n):
            return _name(n)
        case S.Unary("not" | "always" | "eventually" as op, arg):
            return [op, " ", _expr(arg, NOT)]
        case S.Unary("-", arg):
            nested = isinstance(arg, S.Unary) and arg.op == "-"
            return ["- " if nested else "-", _expr(arg, NEG)]
        case S.Binary():
            return _binary(e)
        case S.Ite():
            return _ite(e)
        case S.Quant(kind, binders, body) if kind in ("forall", "exists"):
            return Group([kind, " ", _binders(binders), ":", Nest([Line(), _expr(body)])])
        case S.Quant(kind, binders, body):
            return Group([kind, "(", Nest([SOFT, _binders(binders), ":", Line(), _expr(body)]),
                           SOFT, ")"])
        case S.Let(n, value, body):
            return Align(Group(["let ", _name(n), " = ", _expr(value, UNION), " in", Line(),
                                  _expr(body)]))
        case S.Call(n, args):
            return [_name(n), _bracket("(", [_expr(a) for a in args], ")")]
        case S.Index(base, idx):
            return [_expr(base, POSTFIX), "[", _expr(idx), "]"]
        case S.Field(base, n):
            return [_expr(base, POSTFIX), ".", _name(n)]
        case S.SetLit(items):
            return _bracket("{", [_expr(i) for i in items], "}")
        case S.SeqLit(items):
            return _bracket("[", [_expr(i) for i in items], "]")
        case S.TupleLit(items):
            if not items:
                raise ValueError("an empty tuple cannot be written")
            if len(items) == 1:
                return ["(", _expr(items[0]), ",)"]
            return _bracket("(", [_expr(i) for i in items], ")")
        case S.RecordLit(fields):
            if not fields:
                raise ValueError("an empty record cannot be written")
            return _bracket("{", [[_name(n), ": ", _expr(v)] for n, v in fields], "}")
        case S.SetComp(elem, var, dom, cond):
            tail: list[Doc] = [Line(), "for ", _name(var), " in ", _expr(dom, UNION)]
            if cond is not None:
                tail += [Line(), "if ", _expr(cond)]
            return Group(["{", Nest([SOFT, _expr(elem), *tail]), SOFT, "}"])
        case S.MapComp(var, body, dom):
            return Group(["{", Nest([SOFT, _name(var), ": ", _expr(body), Line(), "for ",
                                       _name(var), " in ", _expr(dom, UNION)]), SOFT, "}"])
    raise ValueError(f"cannot format {e!r}")


def _binders(binders: tuple[S.Binder, ...]) -> Doc:
    """``a, b in S, c in T``: consecutive binders over equal domains share one ``in``."""
    if not binders:
        raise ValueError("a quantifier needs at least one binder")
    groups: list[tuple[list[str], S.Expr]] = []
    for b in binders:
        if groups and groups[-1][1] == b.domain:
            groups[-1][0].append(_name(b.name))
        else:
            groups.append(([_name(b.name)], b.domain))
    return join([[", ".join(ns), " in ", _expr(d, UNION)] for ns, d in groups], ", ")


def _binary(e: S.Binary) -> Doc:
    lv = _LEVEL[e.op]
    if e.op == "..":
        return [_range_bound(e.left), "..", _range_bound(e.right)]
    operands: list[Doc] = []
    ops: list[str] = []
    if lv in _LEFT_ASSOC:  # a + b - c: walk down the left spine
        # `and` inside `or` gets parentheses: the precedence is right, but not obvious
        clear = AND + 1 if lv == OR else lv
        node: S.Expr = e
        while isinstance(node, S.Binary) and _LEVEL.get(node.op) == lv:
            operands.append(_expr(node.right, max(lv + 1, clear)))
            ops.append(node.op)
            node = node.left
        operands.append(_expr(node, clear))
        operands.reverse()
        ops.reverse()
    elif e.op == "=>":  # a => b => c: right associative
        # an `or` operand gets parentheses: `a => (b or c)` reads right, `a => b or c` not
        node = e
        while isinstance(node, S.Binary) and node.op == "=>":
            operands.append(_expr(node.left, AND))
            ops.append("=>")
            node = node.right
        operands.append(_expr(node, AND))
    else:  # <=>, ~>, until, comparisons, membership: not associative
        need = AND if e.op == "<=>" else OR if lv == IMPLIES else lv + 1
        operands = [_expr(e.left, need), _expr(e.right, need)]
        ops = [e.op]
    rest: list[Doc] = []
    for op, x in zip(ops, operands[1:], strict=True):
        rest += [Line(), "not in" if op == "notin" else op, " ", x]
    return Group([operands[0], Nest(rest)])


def _range_bound(e: S.Expr) -> Doc:
    """An operand of ``..``: simple arithmetic is written tight, as in ``0..N-1``."""
    if isinstance(e, S.Binary) and _LEVEL.get(e.op, 0) >= SUM and _simple(e):
        return _tight(e)
    return _expr(e, RANGE + 1)


def _simple(e: S.Expr) -> bool:
    match e:
        case S.Binary(op, a, b):
            return _LEVEL.get(op, 0) >= SUM and _simple(a) and _simple(b)
        case S.Unary("-", a):
            return isinstance(a, (S.Name, S.IntLit))
    return isinstance(e, (S.Name, S.IntLit))


def _tight(e: S.Expr, need: int = SUM) -> str:
    if isinstance(e, S.Binary):
        lv = _LEVEL[e.op]
        text = f"{_tight(e.left, lv)}{e.op}{_tight(e.right, lv + 1)}"
        return f"({text})" if lv < need else text
    rendered = _expr(e, NEG)
    assert isinstance(rendered, (str, list))
    return _render(rendered)


def _ite(e: S.Ite) -> Doc:
    """``if a then x else if b then y else z``: one line, or one line per branch.
    A conditional, quantifier or let as a condition or a then-branch is parenthesized:
    it would run on to the `then` or `else`."""
    def part(x: S.Expr) -> Doc:
        return _expr(x, EXPR + 1)

    parts: list[Doc] = [Group(["if ", part(e.cond), Line(), "then ", part(e.then)])]
    other = e.other
    while isinstance(other, S.Ite):
        parts += [Line(), Group(["else if ", part(other.cond), Line(), "then ",
                                   part(other.then)])]
        other = other.other
    parts += [Line(), "else ", _expr(other)]
    return Align(Group(parts))


# ---- types -------------------------------------------------------------------------------


def _type(t: S.TypeExpr) -> str:
    match t:
        case S.MapType(dom, cod):
            if isinstance(dom, S.MapType):
                raise ValueError("a map cannot be the domain of a map")
            return f"{_type(dom)} -> {_type(cod)}"
        case S.OptionType(inner):
            if isinstance(inner, (S.MapType, S.OptionType)):
                raise ValueError(f"`?` cannot apply to {type(inner).__name__}")
            return f"{_type(inner)}?"
        case S.BoolType():
            return "bool"
        case S.IntType():
            return "int"
        case S.NamedType(n):
            return _name(n)
        case S.RangeType(lo, hi):
            return f"{_bound(lo)}..{_bound(hi)}"
        case S.SetType(elem):
            return f"set[{_type(elem)}]"
        case S.SeqType(elem, cap):
            return f"seq[{_type(elem)}, {_bound(cap)}]"
        case S.TupleType(items):
            if len(items) < 2:
                raise ValueError("a tuple type has at least two components")
            return "tuple[" + ", ".join(_type(i) for i in items) + "]"
        case S.RecordType(fields):
            if not fields:
                raise ValueError("a record type has at least one field")
            return "{" + ", ".join(f"{_name(n)}: {_type(x)}" for n, x in fields) + "}"
    raise ValueError(f"cannot format {t!r}")


def _bound(e: S.Expr, need: int = 1) -> str:
    """A range bound or capacity: numbers, names, ``+ - *`` and unary minus only."""
    lv = {"+": 1, "-": 1, "*": 2}.get(e.op, -1) if isinstance(e, S.Binary) else 3
    if lv < 0:
        raise ValueError(f"{e!r} cannot be written in a type")
    if lv < need:
        return f"({_bound(e)})"
    match e:
        case S.IntLit(v):
            return _int(v)
        case S.Name(n):
            return _name(n)
        case S.Unary("-", arg):
            nested = isinstance(arg, S.Unary)
            return ("- " if nested else "-") + _bound(arg, 3)
        case S.Binary(op, a, b) if lv:
            return f"{_bound(a, lv)}{op}{_bound(b, lv + 1)}"
    raise ValueError(f"{e!r} cannot be written in a type")


def _params(params: tuple[S.Param, ...]) -> Doc:
    return _bracket("(", [[_name(p.name), ": ", _type(p.type)] for p in params], ")")


# ---- statements and declarations ---------------------------------------------------------


class _Printer:
    def __init__(self, layout: Layout | None) -> None:
        self.layout = layout

    def notes(self, node: S.Decl | S.Stmt, k: int, stmts: tuple[S.Stmt, ...]) -> BlockNotes:
        if self.layout is not None:
            found = self.layout.blocks.get((id(node), k))
            if found is not None:
                return found
        return BlockNotes([Entry(s) for s in stmts])

    def entries(self, entries: list[Entry]) -> list[Doc]:
        out: list[Doc] = []
        for i, en in enumerate(entries):
            if i:
                out.append(Hard())
                if en.blank:
                    out.append(Hard())
            if en.item is None:
                assert en.comment is not None
                out.append(Text(en.comment, measured=False))
                continue
            out.append(self.stmt(en.item) if not _is_decl(en.item) else self.decl(en.item))
            if en.trailing is not None:
                out.append(Text("  " + en.trailing, measured=False))
        return out

    def block(self, node: S.Decl | S.Stmt, k: int, stmts: tuple[S.Stmt, ...]) -> Doc:
        notes = self.notes(node, k, stmts)
        head: list[Doc] = ["{"]
        if notes.opening is not None:
            head.append(Text("  " + notes.opening, measured=False))
        if not notes.entries:
            return head + ([Hard(), "}"] if notes.opening is not None else ["}"])
        return [*head, Nest([Hard(), *self.entries(notes.entries)]), Hard(), "}"]

    def stmt(self, s: S.Decl | S.Stmt) -> Doc:
        match s:
            case S.Assign(target, value):
                if not _is_lvalue(target):
                    raise ValueError(f"cannot assign to {target!r}")
                return _assigned([_expr(target)], " =", value)
            case S.Require(cond):
                return ["require ", _expr(cond)]
            case S.Skip():
                return "skip"
            case S.If():
                return self.if_stmt(s)
            case S.Either(branches):
                if len(branches) < 2:
                    raise ValueError("`either` needs at least two branches")
                parts: list[Doc] = ["either "]
                for k, b in enumerate(branches):
                    if k:
                        parts.append(" or ")
                    parts.append(self.block(s, k, b))
                return parts
            case S.Pick(var, dom, body):
                return ["pick ", _name(var), " in ", _expr(dom, UNION), " ", self.block(s, 0, body)]
        raise ValueError(f"cannot format statement {s!r}")

    def if_stmt(self, s: S.If) -> Doc:
        cond = _expr(s.cond, EXPR + 1) if isinstance(s.cond, S.Ite) else _expr(s.cond)
        parts: list[Doc] = ["if ", cond, " ", self.block(s, 0, s.then)]
        if not s.other:
            return parts
        notes = self.notes(s, 1, s.other)
        chained = (len(s.other) == 1 and isinstance(s.other[0], S.If) and notes.opening is None
                   and len(notes.entries) == 1 and notes.entries[0].trailing is None)
        if chained:
            assert isinstance(s.other[0], S.If)
            return [*parts, " else ", self.if_stmt(s.other[0])]
        return [*parts, " else ", self.block(s, 1, s.other)]

    def decl(self, d: S.Decl | S.Stmt) -> Doc:
        match d:
            case S.ConstDecl(n, t, default):
                return _assigned(["const ", _name(n), ": ", _type(t)], " =", default)
            case S.EnumDecl(n, members, _, symmetric, size):
                kw = "symmetric enum " if symmetric else "enum "
                if size is not None:
                    return [kw, _name(n), f"[{_bound(size)}]"]
                if not members:
                    raise ValueError("an enum has at least one member")
                return [kw, _name(n), " ", Group(["{", Nest([Line(), *join(
                    [_name(m) for m in members], [",", Line()]), IfBreak(",")]), Line(), "}"])]
            case S.TypeDecl(n, t, _, symmetric):
                return ["symmetric type " if symmetric else "type ", _name(n), " = ", _type(t)]
            case S.VarDecl(n, t, init):
                head: list[Doc] = ["var ", _name(n), ": ", _type(t)]
                return head if init is None else _assigned(head, " =", init)
            case S.InitDecl(cond):
                return _assigned(["init"], ":", cond)
            case S.DefDecl(n, params, body):
                head = ["def ", _name(n)]
                if params is not None:
                    head.append(_params(params))
                return _assigned(head, " =", body)
            case S.ActionDecl(n, params, body, fault):
                if fault and d.fair:
                    raise ValueError("an action cannot be both `fault` and `fair`")
                if (d.strong or d.whole) and not d.fair:
                    raise ValueError("`strong` and `any` qualify `fair`")
                kind = "fault action " if fault else "action "
                if d.fair:
                    kind = ("strong " if d.strong else "") + "fair " + ("any " if d.whole else "") + kind
                head = [kind, _name(n)]
                if params:
                    head.append(_params(params))
                return [*head, " ", self.block(d, 0, body)]
            case S.PropertyDecl(kind, n, doc, cond):
                if kind not in ("invariant", "reachable", "constraint"):
                    raise ValueError(f"unknown property kind {kind!r}")
                head = [kind, " ", _name(n)]
                if doc is not None:
                    if '"' in doc or "\n" in doc:
                        raise ValueError(f"a description cannot hold a quote or a newline: {doc!r}")
                    head.append(f' "{doc}"')
                    # a described property reads as a heading, its condition below
                    return [*head, ":", Nest([Hard(), _expr(cond)])]
                return _assigned(head, ":", cond)
            case S.LaneDecl(var, dom, label):
                return _assigned(["lane ", _name(var), " in ", _name(dom)], ":", label)
            case S.LivenessDecl(n, params, doc, formula, keep):
                head = ["liveness ", _name(n)]
                if params:
                    head.append(_params(params))
                if doc is not None:
                    if '"' in doc or "\n" in doc:
                        raise ValueError(f"a description cannot hold a quote or a newline: {doc!r}")
                    head.append(f' "{doc}"')
                # conditionals, lets and quantifiers are parenthesized around `~>` and `while`
                leads: list[Doc]
                if isinstance(formula, S.Binary) and formula.op == "~>":
                    leads = [_expr(formula.left, OR), " ~>", Line(), _expr(formula.right, OR)]
                else:
                    leads = [_expr(formula, IMPLIES)]
                if d.bound is not None:
                    leads += [Line(), "within ", _expr(d.bound, SUM)]
                    if d.tick is not None:
                        leads += [" ticks of ", _name(d.tick)]
                elif d.tick is not None:
                    raise ValueError("a tick action needs a bound")
                if keep is not None:
                    leads += [Line(), "while ", _expr(keep, IMPLIES)]
                if doc is not None:
                    return [*head, ":", Nest([Hard(), Group(leads)])]
                return Group([*head, ":", Nest([Line(), Group(leads)])])
            case S.MessageDecl(action, params, source, target):
                head = ["message ", _name(action)]
                if params:
                    head.append(_bracket("(", [_name(p) for p in params], ")"))
                # an `if`, `let` or quantifier as the sender would run up to the `->`
                return Group([*head, ":", Nest([Line(), _expr(source, IMPLIES), " -> ",
                                                  _expr(target)])])
        raise ValueError(f"cannot format declaration {d!r}")


def _assigned(head: list[Doc], sep: str, value: S.Expr) -> Doc:
    """``head = value``: a bracketed value breaks inside its brackets, any other one
    moves to the next line, indented, when the whole does not fit."""
    if isinstance(value, _BRACKETED) or (isinstance(value, S.Quant) and level(value) == ATOM):
        return [*head, sep, " ", _expr(value)]
    return Group([*head, sep, Nest([Line(), _expr(value)])])


def _is_lvalue(e: S.Expr) -> bool:
    while isinstance(e, (S.Index, S.Field)):
        e = e.base
    return isinstance(e, S.Name)


_DECLS = (S.ConstDecl, S.EnumDecl, S.TypeDecl, S.VarDecl, S.InitDecl, S.DefDecl, S.ActionDecl,
          S.PropertyDecl, S.LaneDecl, S.MessageDecl, S.LivenessDecl)


def _is_decl(node: S.Decl | S.Stmt) -> bool:
    return isinstance(node, _DECLS)


def _kind(d: S.Decl | S.Stmt | None) -> str:
    return d.kind if isinstance(d, S.PropertyDecl) else type(d).__name__


def _separate(entries: list[Entry]) -> None:
    """Blank lines between declarations: always around actions and where the kind of
    declaration changes (kept from the source otherwise, or none without a source)."""
    prev: S.Decl | S.Stmt | None = None
    group_start = 0
    for i, en in enumerate(entries):
        if en.item is None:
            continue
        if prev is not None:
            forced = isinstance(prev, S.ActionDecl) or isinstance(en.item, S.ActionDecl)
            if en.item.span.line == 0:  # no source positions: by kind only
                forced = forced or _kind(prev) != _kind(en.item)
            if forced:
                entries[group_start].blank = True
        prev = en.item
        group_start = i + 1


# ---- entry points --------------------------------------------------------------------------


def format_spec(spec: S.Spec, source: str | None = None, *, width: int = WIDTH) -> str:
    """The canonical text of ``spec``; with its ``source``, comments are kept. Lines are
    laid out ``width`` columns wide (the canonical form is ``WIDTH``).

    Raises ValueError for a tree that no text parses to (a negative literal, an empty
    tuple, a keyword as a name, ...): the parser never builds one."""
    layout = None
    if source is not None and source.startswith("\ufeff"):
        source = source[1:]
    if spec.decls and spec.decls[0].span.line > 0 or not spec.decls and source:
        layout = place_comments(spec, source)  # blank lines (and comments) by position
    entries = layout.top if layout is not None else [Entry(d) for d in spec.decls]
    _separate(entries)
    text = _render(_Printer(layout).entries(entries), width)
    return text + "\n" if text else ""


def format_source(text: str, path: str = "<string>") -> str:
    """Parse spec text and print it in canonical form, comments kept (raises SpecError)."""
    from verifier.lang.parser import parse

    return format_spec(parse(text, path), text)
