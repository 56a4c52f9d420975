"""Stage 3 of the pipeline: AST -> checked model (``verifier.lang.model.Model``).

``check_spec`` resolves every declaration: constants (defaults, or overrides from the
model configuration, type-checked), enums and type aliases (range bounds evaluated),
state variables (types must be finite, or the unbounded ``int``), initial values and
conditions, helper definitions (inlined at each use), actions and properties. Fault
caps from the configuration become counter variables appended to the state. Every
independent error is collected; one ``SpecError`` carries them all. Expressions are
typed by ``verifier/lang/exprcheck.py``, the statements of action bodies by
``verifier/lang/stmtcheck.py``; this module checks the declarations around them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from verifier.lang import model as M
from verifier.lang import syntax as S
from verifier.lang import typesys as T
from verifier.lang.diagnostics import Diagnostic, SpecError, did_you_mean
from verifier.lang.exprcheck import Decls, ExprChecker, Scope
from verifier.lang.semantics import EvalError, evaluate
from verifier.lang.stmtcheck import StmtChecker
from verifier.lang.symmetry import check_symmetry, symmetric_type_errors
from verifier.lang.temporalcheck import check_liveness

MAX_DOMAIN = T.MAX_DOMAIN  # values in a parameter, map-domain or set-element type
MAX_INITIAL = 1_000_000  # candidate initial states (semantics.initial_states' limit)

SpanOf = Callable[[str, str], S.Span]


def check_spec(spec: S.Spec, source: str, *, constants: Mapping[str, Any] | None = None,
               faults: Mapping[str, int] | None = None, fault_total: int | None = None,
               config_span: SpanOf | None = None, config_source: tuple[str, str] | None = None,
               name: str | None = None) -> M.Model:
    """Check a parsed spec; ``constants``/``faults`` come from a model configuration and
    ``config_span(table, key)`` locates their keys there for error messages."""
    c = _Checker(spec, source, dict(constants or {}), dict(faults or {}), fault_total,
                 config_span or (lambda table, key: S.Span(spec.path, 0, 0, 0, 0)))
    model = c.run(name or _stem(spec.path))
    if c.errors:
        sources = {spec.path: source}
        if config_source is not None:
            sources[config_source[0]] = config_source[1]
        # a definition is checked at each use: the same mistake in it is reported once
        unique = list(dict.fromkeys(c.errors))
        raise SpecError(sorted(unique, key=lambda d: (d.span.path != spec.path, d.span.line,
                                                      d.span.col)), sources)
    assert model is not None
    return model


def _stem(path: str) -> str:
    base = path.replace("\\", "/").rsplit("/", 1)[-1]
    return base[:-4] if base.endswith(".fsl") else base


class _Checker:
    def __init__(self, spec: S.Spec, source: str, overrides: dict[str, Any],
                 faults: dict[str, int], fault_total: int | None, config_span: SpanOf) -> None:
        self.spec = spec
        self.source = source
        self.overrides = overrides
        self.faults = faults
        self.fault_total = fault_total
        self.config_span = config_span
        self.errors: list[Diagnostic] = []
        self.d = Decls()
        self.x = ExprChecker(self.d, self.errors, self.resolve_type, self.const_value)
        self.s = StmtChecker(self.x)
        self.type_decls: dict[str, S.TypeDecl] = {}
        self.resolving: list[str] = []
        self.seen: dict[str, S.Span] = {}  # the one namespace: name -> where it is declared
        self.sized: dict[str, S.EnumDecl] = {}  # `enum E[n]` not yet resolved
        self.symmetric: list[str] = []  # the `symmetric` enums, in declaration order

    def err(self, code: str, msg: str, span: S.Span, hint: str | None = None) -> None:
        self.errors.append(Diagnostic(code, msg, span, hint))

    # -- constants and types
    def const_value(self, e: M.Expr) -> Any:
        return evaluate(e, (), {})

    def const_expr(self, e: S.Expr, what: str) -> Any:
        saved = self.x.allow_vars
        self.x.allow_vars = False
        try:
            ie = self.x.check(e, Scope())
        finally:
            self.x.allow_vars = saved
        if isinstance(ie.ty, T.AnyTy) or _has_placeholder(ie):
            return None  # an error inside is already reported
        try:
            return self.const_value(ie)
        except EvalError as ex:
            self.err("E108", f"{what} cannot be evaluated: {ex.message}", e.span,
                     "fix the expression; it is computed once, before the search")
            return None
        except Exception:
            self.err("E108", f"{what} must be a constant expression", e.span,
                     "use numbers, constants and arithmetic only")
            return None

    def resolve_type(self, t: S.TypeExpr) -> T.Ty:
        match t:
            case S.BoolType():
                return T.BOOL
            case S.IntType():
                return T.INT
            case S.RangeType(lo, hi, sp):
                a = self.const_expr(lo, "a range bound")
                b = self.const_expr(hi, "a range bound")
                if not isinstance(a, int) or not isinstance(b, int) or isinstance(a, bool) \
                        or isinstance(b, bool):
                    return T.ANY
                if a > b:
                    self.err("E106", f"empty range {a}..{b}", sp,
                             "the lower bound must not exceed the upper bound")
                    return T.ANY
                return T.RangeTy(a, b)
            case S.NamedType(name, sp):
                return self.named_type(name, sp)
            case S.OptionType(inner):
                return T.OptionTy(self.resolve_type(inner))
            case S.SetType(elem, sp):
                et = self.resolve_type(elem)
                self.require_finite(et, sp, "the elements of a set")
                return T.SetTy(et)
            case S.SeqType(elem, cap, sp):
                et = self.resolve_type(elem)
                n = self.const_expr(cap, "a sequence capacity")
                if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                    if n is not None:
                        self.err("E106", "a sequence capacity must be a non-negative number", cap.span,
                                 "write e.g. `seq[Msg, 3]`")
                    return T.ANY
                return T.SeqTy(et, n)
            case S.TupleType(items):
                return T.TupleTy(tuple(self.resolve_type(i) for i in items))
            case S.RecordType(fields, sp):
                names = [n for n, _ in fields]
                twice = sorted({n for n in names if names.count(n) > 1})
                for n in twice:
                    self.err("E102", f"field `{n}` declared twice", sp,
                             "give each field of a record type once")
                if twice:
                    return T.ANY
                pairs = sorted(((n, self.resolve_type(ft)) for n, ft in fields), key=lambda p: p[0])
                return T.RecordTy(tuple(n for n, _ in pairs), tuple(x for _, x in pairs))
            case S.MapType(dom, cod, sp):
                dt = self.resolve_type(dom)
                self.require_finite(dt, dom.span, "the domain of a map")
                return T.MapTy(dt, self.resolve_type(cod))
        raise AssertionError(t)

    def named_type(self, name: str, sp: S.Span) -> T.Ty:
        if name in self.d.types:
            return self.d.types[name]
        if name in self.sized:
            return self.sized_enum(self.sized[name])
        if name in self.type_decls:
            if name in self.resolving:
                self.err("E118", f"type `{name}` is defined in terms of itself", sp,
                         "a type cannot contain itself; give the inner part its own finite type")
                return T.ANY
            self.resolving.append(name)
            try:
                ty = self.resolve_type(self.type_decls[name].type)
            finally:
                self.resolving.pop()
            self.d.types[name] = ty
            return ty
        cands = set(self.d.types) | set(self.type_decls) | {"bool", "int"}
        best = did_you_mean(name, cands)
        hint = f"did you mean `{best}`?" if best else "declare it with `enum` or `type`"
        if name in self.d.members:
            hint = f"`{name}` is a value of enum {self.d.members[name].name}, not a type"
        self.err("E101", f"unknown type `{name}`", sp, hint)
        return T.ANY

    def require_finite(self, ty: T.Ty, sp: S.Span, what: str) -> None:
        if isinstance(ty, T.AnyTy):
            return
        if not T.is_finite(ty):
            self.err("E105", f"{what} must be a finite type, not {T.show(ty)}", sp,
                     "use a range such as `0..N` instead of `int`")
        elif T.size(ty) > MAX_DOMAIN:
            self.err("E110", f"{what} has {T.show_count(T.size(ty))} values (the limit is {MAX_DOMAIN:,})", sp,
                     "use a smaller type, e.g. a narrower range or a smaller constant")

    # -- declarations
    def declare(self, name: str, sp: S.Span, what: str) -> bool:
        seen = self.seen
        if name in seen:
            self.err("E102", f"`{name}` is already declared (line {seen[name].line})", sp,
                     f"rename this {what}: constants, enum members, types, variables, "
                     "definitions, actions and properties share one namespace")
            return False
        seen[name] = sp
        return True

    def collect(self) -> None:
        declare = self.declare
        for d in self.spec.decls:
            match d:
                case S.EnumDecl(name, members, sp, symmetric, size):
                    if declare(name, sp, "enum"):
                        if symmetric:
                            self.symmetric.append(name)
                        if size is not None:  # its members are named once the size is known
                            self.sized[name] = d
                            continue
                        ty = T.EnumTy(name, members)
                        self.d.types[name] = ty
                        for m in members:
                            if declare(m, sp, "enum member"):
                                self.d.members[m] = ty
                case S.TypeDecl(name, _, sp):
                    if declare(name, sp, "type"):
                        self.type_decls[name] = d
                case S.ConstDecl(name, _, _, sp) | S.VarDecl(name, _, _, sp):
                    declare(name, sp, "declaration")
                case S.DefDecl(name, _, _, sp):
                    if declare(name, sp, "definition"):
                        self.d.defs[name] = d
                case S.ActionDecl(name, _, _, _, sp) | S.PropertyDecl(_, name, _, _, sp):
                    declare(name, sp, "declaration")
                case S.LivenessDecl(name=name, span=sp):
                    declare(name, sp, "declaration")

    def sized_enum(self, d: S.EnumDecl) -> T.Ty:
        """``enum E[n]``: the members E1 .. En, once the constants are known."""
        assert d.size is not None
        del self.sized[d.name]
        n_errors = len(self.errors)
        n = self.const_expr(d.size, f"the size of enum `{d.name}`")
        if not isinstance(n, int) or isinstance(n, bool):
            if len(self.errors) == n_errors:
                self.err("E108", f"the size of enum `{d.name}` must be a number known before the "
                         "enum is used", d.size.span,
                         "use numbers and constants declared before the first use of the enum")
            self.d.types[d.name] = T.ANY
            return T.ANY
        if not 1 <= n <= MAX_DOMAIN:
            self.err("E106" if n < 1 else "E110", f"enum `{d.name}` would have {n:,} members", d.size.span,
                     f"an enum has 1 to {MAX_DOMAIN:,} members")
            self.d.types[d.name] = T.ANY
            return T.ANY
        ty = T.EnumTy(d.name, tuple(f"{d.name}{i}" for i in range(1, n + 1)))
        self.d.types[d.name] = ty
        for m in ty.members:
            if self.declare(m, d.span, "enum member"):
                self.d.members[m] = ty
        return ty

    def constants(self) -> list[tuple[str, Any, T.Ty]]:
        out = []
        decls = {d.name: d for d in self.spec.decls if isinstance(d, S.ConstDecl)}
        for key in self.overrides:
            if key not in decls:
                best = did_you_mean(key, list(decls))
                self.err("C010", f"the spec has no constant `{key}`", self.config_span("constants", key),
                         f"did you mean `{best}`?" if best else
                         f"its constants are: {', '.join(decls) or 'none'}")
        for d in self.spec.decls:
            if not isinstance(d, S.ConstDecl):
                continue
            ty = self.resolve_type(d.type)
            if d.name in self.overrides:
                v = self.overrides[d.name]
                sp = self.config_span("constants", d.name)
                if isinstance(ty, T.EnumTy) and isinstance(v, str) and v in ty.members:
                    pass
                elif not (T.contains(ty, v) if not isinstance(ty, T.AnyTy) else True):
                    where = " (set on the command line)" if sp.path == "<command line>" else ""
                    self.err("C011", f"constant {d.name} = {v!r}{where} is not a value of its type "
                             f"{T.show(ty)}", sp,
                             f"it is declared at {self.spec.path}:{d.span.line} as "
                             f"`const {d.name}: {T.show(ty)}`")
                    v = None
            else:
                v = self.const_expr(d.default, f"the value of constant `{d.name}`")
                if v is not None and not isinstance(ty, T.AnyTy) and not T.contains(ty, v):
                    self.err("E103", f"constant {d.name} = {_show(v)} is not a value of its type "
                             f"{T.show(ty)}", d.default.span,
                             "change the default value or widen the type")
            if isinstance(ty, T.RangeTy) and isinstance(v, int):
                ty = T.RangeTy(v, v) if False else ty
            # a constant without a value is a placeholder: its uses report nothing more
            self.d.consts[d.name] = (v, ty) if v is not None else (None, T.ANY)
            out.append((d.name, v, ty))
        return out

    def run(self, name: str) -> M.Model | None:
        self.collect()
        # constants first (in order), so that types may use them
        for d in self.spec.decls:
            if isinstance(d, S.ConstDecl):
                self.d.consts[d.name] = (None, T.ANY)
        n_errors = len(self.errors)
        consts = self.constants()
        if len(self.errors) > n_errors:
            # a constant without a value leaves every type and expression that uses it
            # meaningless: report the constants alone rather than their consequences, and
            # what does not depend on them (the fault caps' action names)
            declared = {d.name: d.fault for d in self.spec.decls if isinstance(d, S.ActionDecl)}
            for fname in self.faults:
                self.fault_name_ok(fname, declared)
            return None
        for ename in list(self.sized):
            self.sized_enum(self.sized[ename])
        for tname in list(self.type_decls):
            self.named_type(tname, self.type_decls[tname].span)
        self.errors.extend(symmetric_type_errors(self.spec, self.d.types))

        variables: list[M.Variable] = []
        init_exprs: list[S.Expr | None] = []
        for d in self.spec.decls:
            if isinstance(d, S.VarDecl):
                n_errors = len(self.errors)
                ty = self.resolve_type(d.type)
                if isinstance(ty, T.IntTy):
                    pass  # unbounded: allowed, explicit search asks for a constraint
                elif len(self.errors) > n_errors or _has_any(ty):
                    ty = T.ANY  # the type's own error is reported; do not cascade
                elif not T.is_finite(ty):
                    self.err("E105", f"variable `{d.name}` has the non-finite type {T.show(ty)}",
                             d.type.span, "only the plain `int` may be unbounded; use a range "
                             "such as `0..N` inside sets, maps and records")
                self.d.variables[d.name] = (len(variables), ty)
                variables.append(M.Variable(d.name, ty, d.span))
                init_exprs.append(d.init)
        if not variables and not self.errors:
            self.err("E016", "the spec is empty" if not self.spec.decls else
                     "the spec declares no state variables",
                     S.Span(self.spec.path, 1, 1, 1, 1),
                     "declare a state variable, e.g. `var up: bool = true`, and an action "
                     "that changes it")

        init_values: list[M.Expr | None] = []
        for var, ie in zip(variables, init_exprs, strict=True):
            if ie is None:
                if isinstance(var.ty, T.IntTy):
                    self.err("E105", f"variable `{var.name}` of type {T.show(var.ty)} needs an "
                             "initial value", var.span, f"write `var {var.name}: int = 0`")
                init_values.append(None)
                continue
            n_errors = len(self.errors)
            self.x.allow_vars = False
            e = self.x.check(ie, Scope())
            self.x.allow_vars = True
            self.s.assignable(var.ty, e, ie.span, f"the initial value of `{var.name}`")
            if len(self.errors) == n_errors:
                self.initial_value(var, e, ie.span)
            init_values.append(e)
        self.initial_candidates(variables, init_values)

        init_conds: list[M.Expr] = []
        props: list[M.Property] = []
        lane: M.Lane | None = None
        message_decls: list[S.MessageDecl] = []
        liveness: list[M.Liveness] = []
        # actions first: `enabled(A(...))` in a property needs A's checked body
        actions = [self.action(d, i) for i, d in
                   enumerate(d for d in self.spec.decls if isinstance(d, S.ActionDecl))]
        counters = self.fault_counters(actions, variables)
        all_vars = tuple(variables) + tuple(M.Variable(c.name, T.RangeTy(0, c.cap)) for c in counters)
        self.x.actions = {a.name: a for a in actions}
        self.x.variables, self.x.counters = all_vars, tuple(counters)
        for d in self.spec.decls:
            match d:
                case S.InitDecl(cond, sp):
                    e = self.x.check(cond, Scope())
                    self.x.expect(e, "bool", cond.span, "an `init` condition")
                    init_conds.append(e)
                case S.PropertyDecl(kind, pname, doc, cond, sp):
                    e = self.x.check(cond, Scope())
                    self.x.expect(e, "bool", cond.span, f"the condition of {kind} `{pname}`")
                    props.append(M.Property(kind, pname, doc, e, sp))
                case S.LaneDecl(lane_var, dom, label, sp):
                    if lane is not None:
                        self.err("E102", "only one `lane` annotation is allowed", sp,
                                 "remove this one")
                        continue
                    dty = self.named_type(dom, sp)
                    if not T.is_finite(dty):
                        continue
                    loc = self.x.new_local(lane_var, dty, sp)
                    lane = M.Lane(loc.slot, dty, self.x.check(label, Scope().bind(lane_var, loc)))
                case S.MessageDecl():
                    message_decls.append(d)
                case S.LivenessDecl():
                    liveness.append(check_liveness(self, d, actions))
        lane_declared = any(isinstance(d, S.LaneDecl) for d in self.spec.decls)
        messages = self.messages(message_decls, actions, lane, lane_declared)
        for d in self.spec.decls:  # unused definitions must be right too
            if isinstance(d, S.DefDecl) and self.d.defs.get(d.name) is d:
                self.definition_alone(d)
        if self.errors:
            return None
        symmetric = tuple(t for t in (self.d.types[n] for n in self.symmetric)
                          if isinstance(t, T.EnumTy))
        model = M.Model(
            name=name, path=self.spec.path, source=self.source,
            constants=tuple(consts), variables=all_vars,
            n_spec_vars=len(variables), init_values=tuple(init_values),
            init_conds=tuple(init_conds), actions=tuple(actions), properties=tuple(props),
            counters=tuple(counters), lane=lane, n_slots=self.x.next_slot,
            messages=messages, liveness=tuple(liveness), symmetric=symmetric)
        if symmetric:
            self.errors.extend(check_symmetry(model))
            if self.errors:
                return None
        return model

    def messages(self, decls: list[S.MessageDecl], actions: list[M.Action],
                 lane: M.Lane | None, lane_declared: bool) -> tuple[M.Message, ...]:
        """The ``message`` annotations: an existing action, its parameter names, and two
        endpoints of the lane domain's type (or its option: ``none`` draws no arrow)."""
        by_name = {a.name: a for a in actions}
        seen: dict[str, S.Span] = {}
        out: list[M.Message] = []
        for d in decls:
            sp = d.span
            action = by_name.get(d.action)
            if action is None:
                best = did_you_mean(d.action, list(by_name))
                self.err("E101", f"unknown action `{d.action}` in a `message` annotation", sp,
                         f"did you mean `{best}`?" if best else
                         "name an action of the spec: `message Action(p, q): p -> q`")
                continue
            if d.action in seen:
                self.err("E102", f"a `message` annotation for `{d.action}` is already given "
                         f"(line {seen[d.action].line})", sp,
                         "give one `message` annotation per action")
                continue
            seen[d.action] = sp
            want = tuple(p.name for p in action.params)
            written = f"message {d.action}" + (f"({', '.join(want)})" if want else "")
            if d.params != want:
                have = f"({', '.join(d.params)})" if d.params else "no parameters"
                self.err("E122", f"`message {d.action}` has {have}, but the action's parameters "
                         f"are {'(' + ', '.join(want) + ')' if want else 'none'}", sp,
                         f"name the action's parameters in order: `{written}: ...`")
                continue
            if lane is None:
                if not lane_declared:
                    self.err("E122", f"`message {d.action}` draws arrows between lanes, but the "
                             "spec has no `lane` annotation", sp,
                             "add one, e.g. `lane s in Server: label`; the arrows go from one "
                             "of its lanes to another")
                continue
            sc = Scope()
            slots = []
            for p in action.params:
                loc = self.x.new_local(p.name, p.ty, sp)
                sc = sc.bind(p.name, loc)
                slots.append(loc.slot)
            ends = []
            for which, e in (("sender", d.source), ("receiver", d.target)):
                ie = self.x.check(e, sc)
                if not isinstance(ie.ty, T.AnyTy) and not T.compatible(T.OptionTy(lane.domain), ie.ty):
                    dom = T.show(lane.domain)
                    self.err("E103", f"the {which} in `{written}` has type {T.show(ie.ty)}, but "
                             f"the lanes are {dom} values", e.span,
                             f"give an expression of type {dom} (the `lane` domain), or {dom}? "
                             "(`none` draws no arrow)")
                ends.append(ie)
            out.append(M.Message(action.index, tuple(slots), ends[0], ends[1], sp))
        return tuple(out)

    def initial_value(self, var: M.Variable, e: M.Expr, sp: S.Span) -> None:
        """An initial value is a constant: compute it now, so that a value outside the
        variable's type is a spec error here rather than a failure of the search."""
        try:
            v = self.const_value(e)
        except EvalError as ex:
            self.err("E108", f"the initial value of `{var.name}` cannot be evaluated: {ex.message}",
                     sp, "fix the expression; it is computed once, before the search")
            return
        except Exception:
            return
        if not isinstance(var.ty, T.AnyTy) and not T.contains(var.ty, v):
            self.err("E103", f"the initial value of `{var.name}` is {_show(v)}, outside its type "
                     f"{T.show(var.ty)}", sp, f"give a value of type {T.show(var.ty)}")

    def initial_candidates(self, variables: list[M.Variable],
                           init_values: list[M.Expr | None]) -> None:
        """Variables without an initial value range over their whole type, and the search
        enumerates every combination before `init` conditions filter them."""
        free = [v for v, e in zip(variables, init_values, strict=True)
                if e is None and T.is_finite(v.ty)]
        count = 1
        for v in free:
            count *= T.size(v.ty)
            if count > MAX_INITIAL:
                self.err("E110", f"the variables without an initial value allow more than "
                         f"{MAX_INITIAL:,} initial states", v.span,
                         "give some of them an initial value (`var x: T = v`) or narrower types; "
                         "`init` conditions only filter the candidates")
                return

    def definition_alone(self, d: S.DefDecl) -> None:
        """Check a definition's body with its parameters as unknowns of their types, so
        that its errors are reported even where it is never used."""
        sc = Scope()
        for p in d.params or ():
            sc = sc.bind(p.name, self.x.new_local(p.name, self.resolve_type(p.type), p.span))
        self.x.expanding.append(d.name)
        try:
            self.x.check(d.body, sc)
        finally:
            self.x.expanding.pop()

    def fault_counters(self, actions: list[M.Action], variables: list[M.Variable]) -> list[M.FaultCounter]:
        by_name = {a.name: a for a in actions}
        out: list[M.FaultCounter] = []
        n = len(variables)
        for fname, cap in self.faults.items():
            if not self.fault_name_ok(fname, {x.name: x.fault for x in actions}):
                continue
            a = by_name[fname]
            out.append(M.FaultCounter(n + len(out), f"faults.{fname}", cap, (a.index,)))
        if self.fault_total is not None:
            idx = tuple(a.index for a in actions if a.fault)
            out.append(M.FaultCounter(n + len(out), "faults.total", self.fault_total, idx))
        return out

    def fault_name_ok(self, fname: str, faults: Mapping[str, bool]) -> bool:
        """Whether ``[faults]`` may cap ``fname`` (``faults``: action name -> is a fault);
        C012 or C013 if not."""
        sp = self.config_span("faults", fname)
        if fname not in faults:
            names = [a for a, fault in faults.items() if fault]
            best = did_you_mean(fname, names)
            self.err("C012", f"the spec has no fault action `{fname}`", sp,
                     f"did you mean `{best}`?" if best else
                     f"its fault actions are: {', '.join(names) or 'none'}")
            return False
        if not faults[fname]:
            self.err("C013", f"`{fname}` is not a fault action, so it cannot be capped", sp,
                     f"mark it `fault action {fname}` in the spec, or remove the cap")
            return False
        return True

    # -- actions and statements
    def params(self, decls: tuple[S.Param, ...]) -> tuple[Scope, list[M.Param]]:
        """Parameters (of an action or a liveness property): finite types, fresh slots."""
        sc = Scope()
        params = []
        for p in decls:
            ty = self.resolve_type(p.type)
            self.require_finite(ty, p.span, f"parameter `{p.name}`")
            loc = self.x.new_local(p.name, ty, p.span)
            sc = sc.bind(p.name, loc)
            params.append(M.Param(loc.slot, p.name, ty))
        return sc, params

    def action(self, d: S.ActionDecl, index: int) -> M.Action:
        sc, params = self.params(d.params)
        body = self.s.block(d.body, sc)
        return M.Action(index, d.name, tuple(params), body, d.fault, d.span, d.fair, d.strong,
                        d.whole)

def _has_placeholder(e: Any) -> bool:
    """Whether typed IR holds the placeholder of an expression that failed to check."""
    if isinstance(e, M.EConst):
        return isinstance(e.ty, T.AnyTy)
    if isinstance(e, tuple):
        return any(_has_placeholder(x) for x in e)
    if dataclasses.is_dataclass(e) and not isinstance(e, type):
        return any(_has_placeholder(getattr(e, f.name)) for f in dataclasses.fields(e)
                   if f.name not in ("ty", "span"))
    return False


def _has_any(ty: T.Ty) -> bool:
    """Whether a type has a part that failed to resolve (already reported)."""
    match ty:
        case T.AnyTy():
            return True
        case T.OptionTy(inner) | T.SetTy(inner) | T.SeqTy(inner, _):
            return _has_any(inner)
        case T.TupleTy(items) | T.RecordTy(_, items):
            return any(_has_any(i) for i in items)
        case T.MapTy(dom, cod):
            return _has_any(dom) or _has_any(cod)
    return False


def _show(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)
