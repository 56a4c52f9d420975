"""Stage 3 of the pipeline: the checked model, a typed and resolved IR.

The checker (``verifier/lang/checker.py``) turns the AST into these nodes: names are
resolved to state-variable indices, constants are folded to values, helper ``def``s are
inlined (their arguments bound with ``ELet``), and bound variables get unique slot
numbers so inlining never captures. Every node carries its type and a source span for
run-time error messages. The reference semantics (``verifier/lang/semantics.py``), the
compiler (``verifier/engine/codegen/``) and the Z3 translation all read this IR.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from verifier.lang.syntax import NOSPAN, Span
from verifier.lang.typesys import EnumTy, Ty


def _span() -> Span:
    return field(default=NOSPAN, compare=False, repr=False)  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class EConst:
    value: Any
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class EVar:
    index: int
    name: str
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ELocal:
    slot: int
    name: str
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class EUnary:
    op: str  # "not" | "-"
    arg: Expr
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class EBinary:
    """Ops: and or => <=> == != < <= > >= in notin union inter diff subset range + - * // %."""

    op: str
    left: Expr
    right: Expr
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class EIte:
    cond: Expr
    then: Expr
    other: Expr
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class EQuant:
    """forall / exists / count / sum; binder i ranges over ``domains[i]``, which may
    mention the slots of earlier binders."""

    kind: str
    slots: tuple[int, ...]
    domains: tuple[Expr, ...]
    body: Expr
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ELet:
    slot: int
    value: Expr
    body: Expr
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class EApply:
    """Map application ``m[k]``; the key must lie in the map's domain."""

    map: Expr
    key: Expr
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ESeqIndex:
    """``q[i]`` on a sequence, 0-based; ``i`` must be below ``len(q)``."""

    seq: Expr
    index: Expr
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class EField:
    """Record field or tuple component ``pos``."""

    base: Expr
    pos: int
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class EBuiltin:
    """len, head, tail, append, min, max, abs, some (unwrap an option)."""

    name: str
    args: tuple[Expr, ...]
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ESetLit:
    items: tuple[Expr, ...]
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ESetComp:
    elem: Expr
    slot: int
    domain: Expr
    cond: Expr | None
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class EMapComp:
    """``{k: body for k in D}`` where D is the whole domain type of the map."""

    slot: int
    body: Expr
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ETuple:
    """A tuple or record literal (records are tuples in field order)."""

    items: tuple[Expr, ...]
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ESeqLit:
    items: tuple[Expr, ...]
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ETypeSet:
    """A finite type used as a set of all its values (``forall s in Server``);
    ``ty`` is ``set[elem]``."""

    elem: Ty
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class EEnabled:
    """``enabled(A(args))``: whether instance ``args`` of action ``action`` has a
    transition (one that is not a run-time error) from the state: its fault cap (the
    counters ``caps``: (variable, cap)) is not reached and some path of its body passes
    every ``require``. Carries what running the body needs (``slots`` binds the
    parameters, ``variables`` the state's variables, for the assignments' type checks), so
    that evaluating it needs no model. An argument outside its parameter's type is a
    run-time error. The checker allows it outside action bodies only,
    so a body never runs itself."""

    action: int
    name: str
    params: tuple[Param, ...]
    args: tuple[Expr, ...]
    body: tuple[Stmt, ...]
    caps: tuple[tuple[int, int], ...]
    variables: tuple[Variable, ...]
    ty: Ty
    span: Span = _span()


Expr = Union[
    EConst, EVar, ELocal, EUnary, EBinary, EIte, EQuant, ELet, EApply, ESeqIndex, EField,
    EBuiltin, ESetLit, ESetComp, EMapComp, ETuple, ESeqLit, ETypeSet, EEnabled,
]

# ---- statements -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AKey:
    """Accessor: map key (``m[k]``)."""

    key: Expr
    map_ty: Ty


@dataclass(frozen=True, slots=True)
class AIndex:
    """Accessor: sequence position (``q[i]``)."""

    index: Expr
    seq_ty: Ty


@dataclass(frozen=True, slots=True)
class AField:
    """Accessor: record field / tuple component."""

    pos: int


Accessor = Union[AKey, AIndex, AField]


@dataclass(frozen=True, slots=True)
class SAssign:
    var: int
    path: tuple[Accessor, ...]
    value: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SRequire:
    cond: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SIf:
    cond: Expr
    then: tuple[Stmt, ...]
    other: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SEither:
    branches: tuple[tuple[Stmt, ...], ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SPick:
    slot: int
    domain: Expr
    body: tuple[Stmt, ...]
    span: Span = _span()


Stmt = Union[SAssign, SRequire, SIf, SEither, SPick]

# ---- the model --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    ty: Ty
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Param:
    slot: int
    name: str
    ty: Ty


@dataclass(frozen=True, slots=True)
class Action:
    index: int
    name: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    fault: bool
    span: Span = _span()
    fair: bool = False    # fairness (``fair action``), for liveness properties
    strong: bool = False  # strong fairness (``strong fair``), else weak
    whole: bool = False   # for the action as a whole (``fair any``), else per instance


@dataclass(frozen=True, slots=True)
class Temporal:
    """An LTL formula over state predicates, in negation normal form: ``op`` is ``atom``
    (the boolean state predicate ``atom``), ``not`` (of an atom only), ``and``, ``or``,
    ``until`` (strong), ``release`` (its dual), ``always`` or ``eventually``."""

    op: str
    args: tuple[Temporal, ...] = ()
    atom: Expr | None = None


@dataclass(frozen=True, slots=True)
class Liveness:
    """A temporal property, for each valuation of ``params``; ``form`` says which:

    - ``leadsto``: ``trigger ~> goal while keep`` (``keep`` None: always), with ``bound``
      (``within K``) counting steps, or the steps of action ``tick`` (an index);
    - ``infinitely``: ``always eventually goal`` (``trigger`` is ``true``);
    - ``persistence``: ``eventually always goal``;
    - ``ltl``: ``formula`` (``trigger`` and ``goal`` are ``true``)."""

    name: str
    doc: str | None
    params: tuple[Param, ...]
    trigger: Expr
    goal: Expr
    keep: Expr | None
    span: Span = _span()
    form: str = "leadsto"
    bound: int | None = None
    tick: int | None = None
    formula: Temporal | None = None


@dataclass(frozen=True, slots=True)
class Property:
    """``kind``: invariant | reachable | constraint."""

    kind: str
    name: str
    doc: str | None
    cond: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class FaultCounter:
    """A checker-added counter variable: ``actions`` (indices) share it, capped at ``cap``."""

    var: int
    name: str
    cap: int
    actions: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Lane:
    """Timeline lanes: one per value of ``domain`` (slot bound to it), labelled by ``label``."""

    slot: int
    domain: Ty
    label: Expr


@dataclass(frozen=True, slots=True)
class Message:
    """Timeline arrows: a step of action ``action`` (its parameters bound to ``slots``)
    draws an arrow from the lane of ``source`` to the lane of ``target``, both evaluated
    in the step's pre-state. A report annotation: no engine reads it."""

    action: int
    slots: tuple[int, ...]
    source: Expr
    target: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    path: str
    source: str
    constants: tuple[tuple[str, Any, Ty], ...]
    variables: tuple[Variable, ...]       # spec variables, then fault counters
    n_spec_vars: int
    init_values: tuple[Expr | None, ...]  # per spec variable; None = any value of its type
    init_conds: tuple[Expr, ...]
    actions: tuple[Action, ...]
    properties: tuple[Property, ...]      # invariants, reachables and constraints, in order
    counters: tuple[FaultCounter, ...]
    lane: Lane | None
    n_slots: int
    messages: tuple[Message, ...] = ()    # report annotations, at most one per action
    liveness: tuple[Liveness, ...] = ()  # checked on the state graph after the search
    # the `symmetric` enums: the checker proved that every action, property and
    # constraint treats their members alike (``verifier/lang/symmetry.py``)
    symmetric: tuple[EnumTy, ...] = ()

    @property
    def invariants(self) -> tuple[Property, ...]:
        return tuple(p for p in self.properties if p.kind == "invariant")

    @property
    def reachables(self) -> tuple[Property, ...]:
        return tuple(p for p in self.properties if p.kind == "reachable")

    @property
    def constraints(self) -> tuple[Property, ...]:
        return tuple(p for p in self.properties if p.kind == "constraint")

    def var_index(self, name: str) -> int:
        for i, v in enumerate(self.variables):
            if v.name == name:
                return i
        raise KeyError(name)
