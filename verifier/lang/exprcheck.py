"""Stage 3 (part): typing and resolving expressions, AST -> typed IR (``verifier.lang.model``).

``ExprChecker`` holds the per-run context (declarations, the error list, the slot
counter); nothing here is module-level state. Errors are collected, not raised, so one
run reports every independent mistake; an erroneous sub-expression is replaced by a
placeholder of type ``?`` that type-checks against anything, to avoid cascades.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from verifier.lang import model as M
from verifier.lang import syntax as S
from verifier.lang import typesys as T
from verifier.lang.diagnostics import Diagnostic, did_you_mean

BUILTINS = ("len", "head", "tail", "append", "min", "max", "abs", "ord", "enabled")
TEMPORAL = ("always", "eventually", "~>", "until")
_SIGNATURES = {"len": "`len(s)` of a set or sequence", "head": "`head(q)` of a sequence",
               "tail": "`tail(q)` of a sequence", "append": "`append(q, x)`",
               "min": "`min(a, b)` of two numbers or `min(S)` of a set",
               "max": "`max(a, b)` of two numbers or `max(S)` of a set", "abs": "`abs(x)`",
               "ord": "`ord(m)` of an enum member",
               "enabled": "`enabled(Action(args))` of one action instance"}


@dataclass(frozen=True, slots=True)
class Scope:
    """Bound names (parameters, quantifier variables, lets, picks) -> their IR locals."""

    names: tuple[tuple[str, M.ELocal], ...] = ()

    def lookup(self, name: str) -> M.ELocal | None:
        for n, loc in reversed(self.names):
            if n == name:
                return loc
        return None

    def bind(self, name: str, loc: M.ELocal) -> Scope:
        return Scope(self.names + ((name, loc),))


@dataclass
class Decls:
    """The spec's declarations by name, collected before any expression is checked."""

    consts: dict[str, tuple[Any, T.Ty]] = field(default_factory=dict)
    members: dict[str, T.EnumTy] = field(default_factory=dict)
    types: dict[str, T.Ty] = field(default_factory=dict)
    variables: dict[str, tuple[int, T.Ty]] = field(default_factory=dict)
    defs: dict[str, S.DefDecl] = field(default_factory=dict)


class ExprChecker:
    def __init__(self, decls: Decls, errors: list[Diagnostic],
                 resolve_type: Callable[[S.TypeExpr], T.Ty],
                 evaluate: Callable[[M.Expr], Any]) -> None:
        self.d = decls
        self.errors = errors
        self.resolve_type = resolve_type
        self.evaluate = evaluate
        self.next_slot = 0
        self.expanding: list[str] = []
        self.allow_vars = True
        # the checked actions, by name, for `enabled(...)` (None while action bodies are
        # checked: a body cannot ask whether an action is enabled), and the state's
        # variables and fault counters that running one needs
        self.actions: dict[str, M.Action] | None = None
        self.variables: tuple[M.Variable, ...] = ()
        self.counters: tuple[M.FaultCounter, ...] = ()

    # -- helpers
    def error(self, code: str, msg: str, span: S.Span, hint: str | None = None) -> M.EConst:
        self.errors.append(Diagnostic(code, msg, span, hint))
        return M.EConst(None, T.ANY, span)

    def new_local(self, name: str, ty: T.Ty, span: S.Span) -> M.ELocal:
        slot = self.next_slot
        self.next_slot += 1
        return M.ELocal(slot, name, ty, span)

    def expect(self, e: M.Expr, want: str, span: S.Span, what: str) -> None:
        ty = e.ty
        if isinstance(ty, T.AnyTy):
            return
        ok = {"bool": isinstance(ty, T.BoolTy), "int": T.is_numeric(ty),
              "set": isinstance(ty, T.SetTy)}[want]
        if not ok:
            self.error("E103", f"{what} must be {_article(want)}, but it has type {T.show(ty)}",
                       span, _type_hint(want, ty))

    def all_names(self) -> set[str]:
        d = self.d
        return (set(d.consts) | set(d.members) | set(d.types) | set(d.variables) | set(d.defs)
                | set(BUILTINS))

    # -- expressions
    def check(self, e: S.Expr, sc: Scope) -> M.Expr:
        match e:
            case S.IntLit(v, sp):
                return M.EConst(v, T.RangeTy(v, v), sp)
            case S.BoolLit(v, sp):
                return M.EConst(v, T.BOOL, sp)
            case S.NoneLit(sp):
                return M.EConst(None, T.OptionTy(T.ANY), sp)
            case S.Name(name, sp):
                return self.name(name, sp, sc)
            case S.Unary(op, arg, sp) if op in TEMPORAL:
                return self.temporal_misplaced(op, sp)
            case S.Binary(op, _, _, sp) if op in TEMPORAL:
                return self.temporal_misplaced(op, sp)
            case S.Unary(op, arg, sp):
                a = self.check(arg, sc)
                if op == "not":
                    self.expect(a, "bool", arg.span, "the operand of `not`")
                    return M.EUnary("not", a, T.BOOL, sp)
                self.expect(a, "int", arg.span, "the operand of unary `-`")
                return M.EUnary("-", a, T.INT, sp)
            case S.Binary(op, left, right, sp):
                return self.binary(op, self.check(left, sc), self.check(right, sc), e)
            case S.Ite(c, a, b, sp):
                ce, ae, be = self.check(c, sc), self.check(a, sc), self.check(b, sc)
                self.expect(ce, "bool", c.span, "the condition of `if`")
                if not T.compatible(ae.ty, be.ty):
                    self.error("E103", f"the branches of `if` have different types: "
                               f"{T.show(ae.ty)} and {T.show(be.ty)}", sp,
                               "both branches must give the same kind of value")
                return M.EIte(ce, ae, be, T.join(ae.ty, be.ty), sp)
            case S.Quant(kind, binders, body, sp):
                return self.quant(kind, binders, body, sp, sc)
            case S.Let(name, value, body, sp):
                ve = self.check(value, sc)
                loc = self.new_local(name, ve.ty, sp)
                bd = self.check(body, sc.bind(name, loc))
                return M.ELet(loc.slot, ve, bd, bd.ty, sp)
            case S.Call(name, args, sp):
                return self.call(name, args, sp, sc)
            case S.Index(base, idx, sp):
                return self.index(self.check(base, sc), idx, sp, sc)
            case S.Field(base, fname, sp):
                return self.field(self.check(base, sc), fname, sp)
            case S.SetLit(items, sp):
                its = tuple(self.check(i, sc) for i in items)
                ty: T.Ty = T.ANY
                for i, raw in zip(its, items, strict=True):
                    if not T.compatible(ty, i.ty):
                        self.error("E103", f"set elements of different types: {T.show(ty)} "
                                   f"and {T.show(i.ty)}", raw.span,
                                   "all elements of a set have one type")
                    ty = T.join(ty, i.ty)
                return M.ESetLit(its, T.SetTy(ty), sp)
            case S.SetComp(elem, var, dom, cond, sp):
                de = self.domain(dom, sc)
                loc = self.new_local(var, _elem(de.ty), sp)
                inner = sc.bind(var, loc)
                ee = self.check(elem, inner)
                cf = self.check(cond, inner) if cond is not None else None
                if cf is not None:
                    self.expect(cf, "bool", cond.span if cond else sp, "the filter of a set comprehension")
                return M.ESetComp(ee, loc.slot, de, cf, T.SetTy(ee.ty), sp)
            case S.MapComp(var, body, dom, sp):
                dty = self.type_domain(dom, sc)
                if dty is None:
                    return self.error("E117", "a map comprehension ranges over a whole finite type",
                                      dom.span, "write `{s: value for s in Server}` with a type "
                                      "name or a constant range such as `0..N`")
                loc = self.new_local(var, dty, sp)
                mb = self.check(body, sc.bind(var, loc))
                return M.EMapComp(loc.slot, mb, T.MapTy(dty, mb.ty), sp)
            case S.RecordLit(fields, sp):
                seen: set[str] = set()
                for fname_, fexpr in fields:
                    if fname_ in seen:  # the record's type would be wrong: stop here
                        return self.error("E102", f"field `{fname_}` given twice", fexpr.span,
                                          "give each field of a record once")
                    seen.add(fname_)
                pairs = sorted(((n, self.check(x, sc)) for n, x in fields), key=lambda p: p[0])
                return M.ETuple(tuple(x for _, x in pairs),
                                T.RecordTy(tuple(n for n, _ in pairs), tuple(x.ty for _, x in pairs)), sp)
            case S.TupleLit(items, sp):
                its = tuple(self.check(i, sc) for i in items)
                return M.ETuple(its, T.TupleTy(tuple(i.ty for i in its)), sp)
            case S.SeqLit(items, sp):
                its = tuple(self.check(i, sc) for i in items)
                ty = T.ANY
                for i in its:
                    ty = T.join(ty, i.ty)
                return M.ESeqLit(its, T.SeqTy(ty, len(its)), sp)
        raise AssertionError(e)

    def temporal_misplaced(self, op: str, sp: S.Span) -> M.EConst:
        return self.error("E123", f"`{op}` is a temporal operator: it belongs to a liveness "
                          "property, outside any quantifier, `let`, `if` or definition", sp,
                          "state predicates go inside it, e.g. `liveness L: always eventually "
                          "(exists s in Server: serving(s))`; for one formula per value, give "
                          "the liveness property parameters")

    def enabled(self, args: tuple[S.Expr, ...], sp: S.Span, sc: Scope) -> M.Expr:
        """``enabled(A(args))``, or ``enabled(A)`` for some instance of a parameterised A."""
        example = "write `enabled(Grant(c, m))` with an action and its arguments"
        if self.actions is None:
            return self.error("E124", "`enabled` cannot be used in an action body, an initial "
                              "value or a constant", sp,
                              "write the guard itself; `enabled` is for properties")
        if len(args) != 1 or not isinstance(args[0], (S.Call, S.Name)):
            return self.error("E124", "`enabled` takes one action instance", sp, example)
        target = args[0]
        name = target.name
        action = self.actions.get(name)
        if action is None:
            best = did_you_mean(name, list(self.actions))
            return self.error("E124", f"`{name}` is not an action", target.span,
                              f"did you mean `{best}`?" if best else example)
        given = target.args if isinstance(target, S.Call) else ()
        bound_all = not given and action.params
        if not bound_all and len(given) != len(action.params):
            return self.error("E107", f"action `{name}` takes {len(action.params)} argument(s), "
                              f"not {len(given)}", target.span,
                              f"pass one value per parameter, or none (`enabled({name})`: some "
                              "instance is enabled)")
        caps = tuple((c.var, c.cap) for c in self.counters if action.index in c.actions)
        if bound_all:  # some instance: `exists` over the parameters' types
            locs = [self.new_local(p.name, p.ty, sp) for p in action.params]
            node = M.EEnabled(action.index, name, action.params, tuple(locs), action.body, caps,
                              self.variables, T.BOOL, sp)
            return M.EQuant("exists", tuple(x.slot for x in locs),
                            tuple(M.ETypeSet(p.ty, T.SetTy(p.ty), sp) for p in action.params),
                            node, T.BOOL, sp)
        es = []
        for p, raw in zip(action.params, given, strict=True):
            ae = self.check(raw, sc)
            if not T.compatible(p.ty, ae.ty):
                self.error("E103", f"argument `{p.name}` of action `{name}` has type "
                           f"{T.show(p.ty)}, but {T.show(ae.ty)} was given", raw.span,
                           f"pass a {T.show(p.ty)} value")
            es.append(ae)
        return M.EEnabled(action.index, name, action.params, tuple(es), action.body, caps,
                          self.variables, T.BOOL, sp)

    def name(self, name: str, sp: S.Span, sc: Scope) -> M.Expr:
        d = self.d
        loc = sc.lookup(name)
        if loc is not None:
            return M.ELocal(loc.slot, loc.name, loc.ty, sp)
        if name in d.variables:
            if not self.allow_vars:
                return self.error("E108", f"`{name}` is a state variable; a constant is needed here",
                                  sp, "types, constants and initial values cannot depend on the state")
            idx, ty = d.variables[name]
            return M.EVar(idx, name, ty, sp)
        if name in d.consts:
            v, ty = d.consts[name]
            return M.EConst(v, ty, sp)
        if name in d.members:
            return M.EConst(name, d.members[name], sp)
        if name in d.types:
            ty = d.types[name]
            if not T.is_finite(ty):
                return self.error("E111", f"type `{name}` is not finite, so it is not a set",
                                  sp, "quantify over a finite type or a range")
            return M.ETypeSet(ty, T.SetTy(ty), sp)
        if name in d.defs:
            return self.call(name, (), sp, sc)
        if name in BUILTINS:
            return self.error("E107", f"`{name}` is a function; call it with arguments", sp,
                              f"write `{name}(...)`")
        return self.unknown(name, sp, sc)

    def unknown(self, name: str, sp: S.Span, sc: Scope) -> M.EConst:
        cands = self.all_names() | {n for n, _ in sc.names}
        best = did_you_mean(name, cands)
        hint = f"did you mean `{best}`?" if best else "declare it, or check the spelling"
        if name in ("True", "False", "None"):
            hint = f"write `{name.lower()}`"
        return self.error("E101", f"unknown name `{name}`", sp, hint)

    def binary(self, op: str, a: M.Expr, b: M.Expr, e: S.Binary) -> M.Expr:
        sp = e.span
        if op in ("and", "or", "=>", "<=>"):
            self.expect(a, "bool", e.left.span, f"the left operand of `{op}`")
            self.expect(b, "bool", e.right.span, f"the right operand of `{op}`")
            return M.EBinary(op, a, b, T.BOOL, sp)
        if op in ("==", "!="):
            if not T.compatible(a.ty, b.ty):
                self.error("E103", f"cannot compare {T.show(a.ty)} with {T.show(b.ty)}", sp,
                           "both sides of `==`/`!=` must have the same type")
            return M.EBinary(op, a, b, T.BOOL, sp)
        if op in ("<", "<=", ">", ">="):
            if isinstance(a.ty, T.SetTy) and isinstance(b.ty, T.SetTy) and op in ("<=", "<"):
                return M.EBinary("subset" if op == "<=" else "psubset", a, b, T.BOOL, sp)
            self.expect(a, "int", e.left.span, f"the left operand of `{op}`")
            self.expect(b, "int", e.right.span, f"the right operand of `{op}`")
            return M.EBinary(op, a, b, T.BOOL, sp)
        if op in ("in", "notin"):
            self.expect(b, "set", e.right.span, f"the right operand of `{'in' if op == 'in' else 'not in'}`")
            if isinstance(b.ty, T.SetTy) and not T.compatible(a.ty, b.ty.elem):
                self.error("E103", f"`{T.show(a.ty)}` values are never in a {T.show(b.ty)}", sp,
                           f"the left side of `in` must be a {T.show(b.ty.elem)} value")
            return M.EBinary(op, a, b, T.BOOL, sp)
        if op in ("|", "&") or (op == "-" and (isinstance(a.ty, T.SetTy) or isinstance(b.ty, T.SetTy))):
            name = {"|": "union", "&": "inter", "-": "diff"}[op]
            self.expect(a, "set", e.left.span, f"the left operand of `{op}`")
            self.expect(b, "set", e.right.span, f"the right operand of `{op}`")
            if not T.compatible(a.ty, b.ty):
                self.error("E103", f"`{op}` of {T.show(a.ty)} and {T.show(b.ty)}", sp,
                           "both sides must be sets of the same element type")
            return M.EBinary(name, a, b, T.join(a.ty, b.ty), sp)
        if op == "..":
            self.expect(a, "int", e.left.span, "the lower bound of `..`")
            self.expect(b, "int", e.right.span, "the upper bound of `..`")
            ety: T.Ty = T.INT
            lo, hi = self.constant(a), self.constant(b)  # `0..N-1` is as constant as `0..3`
            if isinstance(lo, int) and isinstance(hi, int) and not isinstance(lo, bool) \
                    and not isinstance(hi, bool) and lo <= hi:
                ety = T.RangeTy(lo, hi)
            return M.EBinary("range", a, b, T.SetTy(ety), sp)
        self.expect(a, "int", e.left.span, f"the left operand of `{op}`")
        self.expect(b, "int", e.right.span, f"the right operand of `{op}`")
        return M.EBinary(op, a, b, T.INT, sp)

    def constant(self, e: M.Expr) -> Any:
        """The value of a constant expression (numbers, constants, arithmetic), else None."""
        if not _is_const(e):
            return None
        try:
            return self.evaluate(e)
        except Exception:  # division by zero and the like: the search reports it
            return None

    def domain(self, dom: S.Expr, sc: Scope) -> M.Expr:
        de = self.check(dom, sc)
        self.expect(de, "set", dom.span, "the domain of a binder")
        self.small_domain(de, dom.span)
        return de

    def small_domain(self, de: M.Expr, span: S.Span) -> None:
        """A binder over a type, or a range with constant bounds, runs over at most
        ``MAX_DOMAIN`` values (a range computed from the state is checked when run)."""
        whole = isinstance(de, M.ETypeSet) or isinstance(de, M.EBinary) and de.op == "range"
        if whole and isinstance(de.ty, T.SetTy) and T.is_finite(de.ty.elem) \
                and T.size(de.ty.elem) > T.MAX_DOMAIN:
            self.error("E110", f"this domain has {T.show_count(T.size(de.ty.elem))} values "
                       f"(the limit is {T.MAX_DOMAIN:,})", span,
                       "bind over a smaller type or a narrower range")

    def type_domain(self, dom: S.Expr, sc: Scope) -> T.Ty | None:
        de = self.check(dom, sc)
        self.small_domain(de, dom.span)
        if isinstance(de, M.ETypeSet):
            return de.elem
        if isinstance(de, M.EBinary) and de.op == "range" and isinstance(de.ty, T.SetTy) \
                and isinstance(de.ty.elem, T.RangeTy):
            return de.ty.elem
        if isinstance(de, M.ESetLit) and isinstance(de.ty, T.SetTy) and isinstance(de.ty.elem, T.BoolTy) \
                and {i.value for i in de.items if isinstance(i, M.EConst)} == {False, True}:
            return T.BOOL  # `{false, true}`: `bool` itself is a keyword, not a set
        return None

    def quant(self, kind: str, binders: tuple[S.Binder, ...], body: S.Expr, sp: S.Span,
              sc: Scope) -> M.Expr:
        slots, doms = [], []
        inner = sc
        for b in binders:
            de = self.domain(b.domain, inner)
            loc = self.new_local(b.name, _elem(de.ty), b.span)
            inner = inner.bind(b.name, loc)
            slots.append(loc.slot)
            doms.append(de)
        be = self.check(body, inner)
        if kind in ("forall", "exists", "count"):
            self.expect(be, "bool", body.span, f"the body of `{kind}`")
        else:
            self.expect(be, "int", body.span, "the body of `sum`")
        ty: T.Ty = T.BOOL if kind in ("forall", "exists") else T.INT
        return M.EQuant(kind, tuple(slots), tuple(doms), be, ty, sp)

    def call(self, name: str, args: tuple[S.Expr, ...], sp: S.Span, sc: Scope) -> M.Expr:
        if name in self.d.defs:
            return self.inline(self.d.defs[name], args, sp, sc)
        if name == "enabled":
            return self.enabled(args, sp, sc)
        if name not in BUILTINS:
            if name in self.d.variables:
                return self.error("E107", f"`{name}` is a variable, not a function", sp,
                                  f"to read a map entry write `{name}[key]`")
            return self.unknown(name, sp, sc)
        es = tuple(self.check(a, sc) for a in args)
        n = len(es)

        def arity(*ok: int) -> bool:
            if n not in ok:
                self.error("E107", f"`{name}` takes {' or '.join(map(str, ok))} argument(s), "
                           f"not {n}", sp, f"write {_SIGNATURES[name]}")
                return False
            return True

        if name == "len":
            if arity(1) and not isinstance(es[0].ty, (T.SetTy, T.SeqTy, T.AnyTy)):
                self.error("E103", f"`len` needs a set or a sequence, not {T.show(es[0].ty)}", sp,
                           "to count the keys of a map with some property use `count(k in K: ...)`")
            return M.EBuiltin("len", es, T.INT, sp)
        if name in ("head", "tail"):
            if not arity(1):
                return M.EConst(None, T.ANY, sp)
            st = es[0].ty
            if not isinstance(st, T.SeqTy):
                if not isinstance(st, T.AnyTy):
                    self.error("E103", f"`{name}` needs a sequence, not {T.show(st)}", sp,
                               "declare the variable as `seq[T, capacity]`")
                return M.EBuiltin(name, es, T.ANY, sp)
            return M.EBuiltin(name, es, st.elem if name == "head" else st, sp)
        if name == "append":
            if not arity(2):
                return M.EConst(None, T.ANY, sp)
            st = es[0].ty
            if not isinstance(st, T.SeqTy):
                if not isinstance(st, T.AnyTy):
                    self.error("E103", f"`append` needs a sequence, not {T.show(st)}", sp,
                               "to add to a set write `s | {x}`")
                return M.EBuiltin(name, es, T.ANY, sp)
            if not T.compatible(st.elem, es[1].ty):
                self.error("E103", f"cannot append {T.show(es[1].ty)} to {T.show(st)}", sp,
                           f"append a {T.show(st.elem)} value")
            return M.EBuiltin(name, es, T.SeqTy(T.join(st.elem, es[1].ty), st.capacity + 1), sp)
        if name == "abs":
            if arity(1):
                self.expect(es[0], "int", args[0].span, "the argument of `abs`")
            return M.EBuiltin(name, es, T.INT, sp)
        if name == "ord":  # the member's position in its enum, from 0
            if not arity(1):
                return M.EConst(None, T.ANY, sp)
            et = es[0].ty
            if isinstance(et, T.EnumTy):
                return M.EBuiltin(name, es, T.RangeTy(0, len(et.members) - 1), sp)
            if not isinstance(et, T.AnyTy):
                self.error("E103", f"`ord` needs an enum member, not {T.show(et)}", sp,
                           "`ord(m)` is the position of member m in its enum (0 for the first)")
            return M.EBuiltin(name, es, T.INT, sp)
        # min / max: of two numbers, or of a non-empty set of numbers
        if arity(1, 2):
            if n == 1:
                st = es[0].ty
                if not (isinstance(st, T.SetTy) and (T.is_numeric(st.elem) or isinstance(st.elem, T.AnyTy))):
                    self.error("E103", f"`{name}` of one argument needs a set of numbers", sp,
                               f"write `{name}(a, b)` for two numbers")
            else:
                for a, raw in zip(es, args, strict=True):
                    self.expect(a, "int", raw.span, f"an argument of `{name}`")
        return M.EBuiltin(name, es, T.INT, sp)

    def inline(self, d: S.DefDecl, args: tuple[S.Expr, ...], sp: S.Span, sc: Scope) -> M.Expr:
        params = d.params or ()
        if len(args) != len(params):
            sig = f"{d.name}({', '.join(p.name for p in params)})" if d.params is not None else d.name
            return self.error("E107", f"`{d.name}` takes {len(params)} argument(s), not {len(args)}",
                              sp, f"it is declared at line {d.span.line} as `{sig}`")
        if d.name in self.expanding:
            return self.error("E118", f"`{d.name}` is defined in terms of itself", d.span,
                              "definitions cannot be recursive; use a quantifier instead")
        binds: list[tuple[M.ELocal, M.Expr]] = []
        inner = Scope()
        for p, a in zip(params, args, strict=True):
            ae = self.check(a, sc)
            pty = self.resolve_type(p.type)
            if not T.compatible(pty, ae.ty):
                self.error("E103", f"argument `{p.name}` of `{d.name}` has type {T.show(pty)}, "
                           f"but {T.show(ae.ty)} was given", a.span,
                           f"pass a {T.show(pty)} value (`{d.name}` is declared at line {d.span.line})")
            loc = self.new_local(p.name, pty, p.span)
            binds.append((loc, ae))
            inner = inner.bind(p.name, loc)
        self.expanding.append(d.name)
        try:
            body = self.check(d.body, inner)
        finally:
            self.expanding.pop()
        for loc, ae in reversed(binds):
            body = M.ELet(loc.slot, ae, body, body.ty, sp)
        return body

    def index(self, base: M.Expr, idx: S.Expr, sp: S.Span, sc: Scope) -> M.Expr:
        ie = self.check(idx, sc)
        bt = base.ty
        if isinstance(bt, T.OptionTy):
            bt = bt.inner
        match bt:
            case T.MapTy(dom, cod):
                if not T.compatible(dom, ie.ty):
                    self.error("E103", f"this map's keys are {T.show(dom)}, not {T.show(ie.ty)}",
                               idx.span, "index a map with a value of its domain type")
                return M.EApply(base, ie, cod, sp)
            case T.SeqTy(elem, _):
                self.expect(ie, "int", idx.span, "a sequence index")
                return M.ESeqIndex(base, ie, elem, sp)
            case T.TupleTy(items):
                try:
                    k = self.evaluate(ie) if _is_const(ie) else None
                except Exception:
                    k = None
                if not isinstance(k, int) or not 0 <= k < len(items):
                    return self.error("E103", f"a tuple index must be a constant in 0..{len(items) - 1}",
                                      idx.span, "write `t[0]`, `t[1]`, ...; use a map for a computed key")
                return M.EField(base, k, items[k], sp)
            case T.AnyTy():
                return M.EConst(None, T.ANY, sp)
        return self.error("E103", f"a value of type {T.show(base.ty)} cannot be indexed", sp,
                          "only maps, sequences and tuples take `[...]`")

    def field(self, base: M.Expr, fname: str, sp: S.Span) -> M.Expr:
        bt = base.ty
        if isinstance(bt, T.OptionTy):
            bt = bt.inner
        if isinstance(bt, T.RecordTy):
            if fname in bt.names:
                k = bt.names.index(fname)
                return M.EField(base, k, bt.types[k], sp)
            best = did_you_mean(fname, bt.names)
            return self.error("E109", f"no field `{fname}` in {T.show(bt)}", sp,
                              f"did you mean `{best}`?" if best else
                              f"its fields are: {', '.join(bt.names)}")
        if isinstance(bt, T.AnyTy):
            return M.EConst(None, T.ANY, sp)
        return self.error("E109", f"a value of type {T.show(base.ty)} has no fields", sp,
                          "only records have fields (`r.name`); a tuple's parts are `t[0]`, `t[1]`")


def _is_const(e: M.Expr) -> bool:
    match e:
        case M.EConst():
            return True
        case M.EVar() | M.ELocal():
            return False
        case M.EUnary(_, a):
            return _is_const(a)
        case M.EBinary(_, a, b):
            return _is_const(a) and _is_const(b)
    return False


def _elem(ty: T.Ty) -> T.Ty:
    return ty.elem if isinstance(ty, T.SetTy) else T.ANY


def _article(want: str) -> str:
    return {"bool": "a boolean", "int": "a number", "set": "a set"}[want]


def _type_hint(want: str, got: T.Ty) -> str | None:
    if want == "bool" and T.is_numeric(got):
        return "compare it, e.g. `x > 0`"
    if want == "set" and isinstance(got, T.MapTy):
        return "a map is not a set; quantify over its domain type instead"
    return None
