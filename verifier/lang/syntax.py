"""Stage 2 of the pipeline: the abstract syntax tree of an FSL spec.

Every node is a frozen, slotted dataclass. Source spans are excluded from equality
(``compare=False``) so that two trees that differ only in layout compare equal; this
is what lets ``parse(format(ast)) == ast`` be tested. The tree says nothing about
types or name resolution: that is the checker's job (``verifier/lang/checker.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source file: 1-based line and column of its first and last character."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


NOSPAN = Span("<none>", 0, 0, 0, 0)


def _span() -> Span:
    return field(default=NOSPAN, compare=False, repr=False)  # type: ignore[return-value]


# ---- types -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoolType:
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class IntType:
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RangeType:
    lo: Expr
    hi: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class NamedType:
    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class OptionType:
    inner: TypeExpr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SetType:
    elem: TypeExpr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SeqType:
    elem: TypeExpr
    capacity: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TupleType:
    items: tuple[TypeExpr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RecordType:
    fields: tuple[tuple[str, TypeExpr], ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class MapType:
    domain: TypeExpr
    codomain: TypeExpr
    span: Span = _span()


TypeExpr = Union[
    BoolType, IntType, RangeType, NamedType, OptionType, SetType, SeqType, TupleType,
    RecordType, MapType,
]

# ---- expressions -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IntLit:
    value: int
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class BoolLit:
    value: bool
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class NoneLit:
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Unary:
    """``op`` is ``not`` or ``-``, or, in a liveness property only, the temporal
    ``always`` or ``eventually``."""

    op: str
    arg: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Binary:
    """``op`` is one of ``=> <=> or and == != < <= > >= in notin | & .. + - * // %``, or,
    in a liveness property only, the temporal ``~>`` or ``until``."""

    op: str
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Ite:
    cond: Expr
    then: Expr
    other: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Binder:
    """``name in domain``; ``a, b in S`` is written as two binders over the same domain."""

    name: str
    domain: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Quant:
    """``forall``/``exists`` (boolean) or ``count``/``sum`` (integer) over binders."""

    kind: str
    binders: tuple[Binder, ...]
    body: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Let:
    name: str
    value: Expr
    body: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Index:
    base: Expr
    index: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Field:
    base: Expr
    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SetLit:
    items: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SetComp:
    """``{elem for var in domain if cond}``."""

    elem: Expr
    var: str
    domain: Expr
    cond: Expr | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class MapComp:
    """``{var: body for var in domain}``: the map from each domain value to ``body``."""

    var: str
    body: Expr
    domain: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RecordLit:
    fields: tuple[tuple[str, Expr], ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TupleLit:
    items: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SeqLit:
    items: tuple[Expr, ...]
    span: Span = _span()


Expr = Union[
    IntLit, BoolLit, NoneLit, Name, Unary, Binary, Ite, Quant, Let, Call, Index, Field,
    SetLit, SetComp, MapComp, RecordLit, TupleLit, SeqLit,
]

# ---- statements ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assign:
    """``target = value``; the target is a Name, or an Index/Field chain rooted in one."""

    target: Expr
    value: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Require:
    cond: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Skip:
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class If:
    cond: Expr
    then: tuple[Stmt, ...]
    other: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Either:
    branches: tuple[tuple[Stmt, ...], ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Pick:
    var: str
    domain: Expr
    body: tuple[Stmt, ...]
    span: Span = _span()


Stmt = Union[Assign, Require, Skip, If, Either, Pick]

# ---- declarations ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: TypeExpr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ConstDecl:
    name: str
    type: TypeExpr
    default: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class EnumDecl:
    """``[symmetric] enum E { a, b }``, or ``enum E[size]`` (members E1 .. E<size>, named
    by the checker once the size is known; ``members`` is then empty)."""

    name: str
    members: tuple[str, ...]
    span: Span = _span()
    symmetric: bool = False
    size: Expr | None = None


@dataclass(frozen=True, slots=True)
class TypeDecl:
    name: str
    type: TypeExpr
    span: Span = _span()
    symmetric: bool = False  # only enums can be: the checker says why (E126)


@dataclass(frozen=True, slots=True)
class VarDecl:
    name: str
    type: TypeExpr
    init: Expr | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class InitDecl:
    cond: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class DefDecl:
    """A helper definition; ``params`` is None for ``def x = e`` (no parentheses)."""

    name: str
    params: tuple[Param, ...] | None
    body: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ActionDecl:
    name: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    fault: bool
    span: Span = _span()
    fair: bool = False    # ``fair action``: fairness, for liveness properties
    strong: bool = False  # ``strong fair action`` (else weak)
    whole: bool = False   # ``fair any action``: for the action as a whole, not per instance


@dataclass(frozen=True, slots=True)
class LivenessDecl:
    """``liveness L(p: T) "doc": formula within K ticks of Tick while keep``: for every
    value of the parameters, every fair behaviour satisfies the temporal ``formula``
    (an expression with ``always``, ``eventually``, ``until`` and ``~>``, which are
    ``Unary`` and ``Binary`` nodes); ``bound`` (``within``, a leads-to only) counts steps,
    or the steps of action ``tick``; ``keep`` (``while``, a leads-to only) restricts it to
    the behaviours that keep ``keep`` true (None: no condition)."""

    name: str
    params: tuple[Param, ...]
    doc: str | None
    formula: Expr
    keep: Expr | None
    span: Span = _span()
    bound: Expr | None = None
    tick: str | None = None


@dataclass(frozen=True, slots=True)
class PropertyDecl:
    """``kind`` is ``invariant``, ``reachable`` or ``constraint``."""

    kind: str
    name: str
    doc: str | None
    cond: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class LaneDecl:
    """``lane s in Server: label``: one timeline lane per value of the domain."""

    var: str
    domain: str
    label: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class MessageDecl:
    """``message Delta(m, k): m -> k``: a step of the action draws an arrow from the
    lane of ``source`` to the lane of ``target`` (``params``: the action's parameter
    names, empty for ``message Failback: S -> P``)."""

    action: str
    params: tuple[str, ...]
    source: Expr
    target: Expr
    span: Span = _span()


Decl = Union[
    ConstDecl, EnumDecl, TypeDecl, VarDecl, InitDecl, DefDecl, ActionDecl, PropertyDecl,
    LaneDecl, MessageDecl, LivenessDecl,
]


@dataclass(frozen=True, slots=True)
class Spec:
    decls: tuple[Decl, ...]
    path: str = field(default="<string>", compare=False)
