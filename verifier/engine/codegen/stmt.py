"""Stage 5 (compiled stepper): Python source for statements and actions.

``StmtGen`` extends the expression generator with the statements of an action body.
The code of one action instance appends the target of each transition to ``out`` in
exactly the reference semantics' order (``verifier/lang/semantics.py``: parameter values,
``either`` branches, ``pick`` values), writes fields of a working copy ``t`` of the
state ``s``, and turns a run-time error into an error transition (``app(-1)``) after the
transitions the instance already emitted.
"""

from __future__ import annotations

from verifier.engine.codegen import fold, runtime
from verifier.engine.codegen.expr import UNROLL_LIMIT, ExprGen
from verifier.engine.codegen.reps import check_type, composite, fits
from verifier.engine.codegen.runtime import Unsupported
from verifier.engine.codegen.shape import assigns, nondet, requires, requires_in_ifs
from verifier.engine.codegen.source import add, literal, mul, number, pack_fields
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T

MAX_INDENT = 4 * 80  # Python allows 100 indentation levels; leave room for the wrappers


class StmtGen(ExprGen):
    """Statement and action code for one generated function."""

    def __init__(self, model: M.Model, labels: bool = False) -> None:
        super().__init__(model)
        self.fanout = 1  # copies of the code of the path so far made by unrolled picks
        # with ``labels``, every transition (error ones too) also appends its action
        # instance's number to ``lab``: the instances of all actions numbered in order
        # (each action's parameter valuations in ``semantics.param_valuations`` order)
        self.labels = labels
        self.first_instance = 0

    def expr(self, e: M.Expr, want: T.Ty | None = None) -> str:
        """``ExprGen.expr``, and ``enabled(A(args))``, which needs the statements' code."""
        if isinstance(e, M.EEnabled):
            return self.enabled(e)
        return super().expr(e, want)

    def enabled(self, e: M.EEnabled) -> str:
        """A call of the generated ``_en<action>(s, params...)``: True at the first path of
        the body that reaches its end, False when none does or one fails first (the
        transitions before an error count, as in the reference semantics)."""
        action = self.model.actions[e.action]
        args = []
        for p, a in zip(action.params, e.args, strict=True):
            check_type(p.ty)
            if not fits(a.ty, p.ty):
                raise Unsupported("an argument of enabled() that may lie outside its type")
            args.append(self.expr(a))
        name = f"_en{e.action}"
        if name not in self.ns:
            g = StmtGen(self.model)
            g.cur = "s"
            ind = "    "
            lines = [f"def {name}(s{''.join(f', L{p.slot}' for p in action.params)}):"]
            for var, cap in e.caps:
                off, w = g.layout.offsets[var], g.layout.widths[var]
                lines.append(f"{ind}if (s >> {off}) & {(1 << w) - 1} >= {cap}:")
                lines.append(f"{ind}    return False")
            body = g.block(action.body, ind * 3, "break", ["return True"]) or [ind * 3 + "pass"]
            lines += [f"{ind}try:", f"{ind * 2}while True:", *body, f"{ind * 3}break",
                      f"{ind}except _Err:", f"{ind * 2}pass", f"{ind}return False", ""]
            try:
                code = compile("\n".join(lines), f"<enabled {action.name}>", "exec")
            except (SyntaxError, RecursionError, MemoryError) as err:
                raise Unsupported(f"generated code does not compile: {err}") from None
            exec(code, g.ns)  # generated from the checked IR only, like the level function
            self.ns[name] = g.ns[name]
        state = "s" if self.cur == "s" else "t"
        return f"{name}({', '.join([state, *args])})"

    def materialize(self, lines: list[str], ind: str) -> None:
        """Make ``t`` the working copy before the path's first write."""
        if self.cur == "s":
            lines.append(f"{ind}t = s")
            self.cur = "t"

    # -- assignments
    def assign(self, st: M.SAssign, ind: str) -> list[str]:
        ty: T.Ty = self.model.variables[st.var].ty
        leaf_want = None
        path_ty = ty
        for acc in st.path:
            match acc, path_ty:
                case M.AKey(), T.MapTy(_, cod):
                    path_ty = cod
                case M.AField(pos), T.RecordTy(_, items) | T.TupleTy(items):
                    path_ty = items[pos]
                case _:
                    raise Unsupported("assignment path")
        leaf = path_ty
        if composite(leaf):
            leaf_want = leaf
        value = self.expr_assign(st.value, leaf_want)
        if literal(value):
            v, lines = value, []
            rng = leaf.inner if isinstance(leaf, T.OptionTy) else leaf
            n = number(value)
            if isinstance(rng, T.RangeTy) and n is not None and not rng.lo <= n <= rng.hi:
                lines.append(f"{ind}raise _Err()")
        else:
            v = self.tmpnames(1)[0]
            lines = [f"{ind}{v} = {value}"]
            lines += self.domain_check(leaf, st.value.ty, v, ind)
        off = str(self.layout.offsets[st.var])
        cur: T.Ty = ty
        for acc in st.path:
            if isinstance(acc, M.AKey):
                assert isinstance(cur, T.MapTy)
                off = add(off, mul(T.width(cur.cod), self.key_index(cur.dom, acc.key)))
                cur = cur.cod
            else:
                assert isinstance(acc, M.AField) and isinstance(cur, (T.RecordTy, T.TupleTy))
                items = cur.types if isinstance(cur, T.RecordTy) else cur.items
                off = add(off, str(sum(T.width(x) for x in items[:acc.pos])))
                cur = items[acc.pos]
        mask = (1 << T.width(leaf)) - 1
        if off.isdigit():
            keep = ~(mask << int(off))
            val = self.enc(leaf, v, st.value.ty)
            lines.append(f"{ind}t = (t & {keep}) | ({val} << {off})" if off != "0" else
                         f"{ind}t = (t & {keep}) | {val}")
            return lines
        o = self.tmpnames(1)[0]
        lines.append(f"{ind}{o} = {off}")
        lines.append(f"{ind}t = (t & ~({mask} << {o})) | ({self.enc(leaf, v, st.value.ty)} << {o})")
        return lines

    def expr_assign(self, e: M.Expr, want: T.Ty | None) -> str:
        """An assignment's right-hand side: constructors may be packed with range checks
        (an out-of-domain value is a run-time error at the assignment either way)."""
        if want is None:
            return self.expr(e)
        if isinstance(e, M.EMapComp) and isinstance(want, T.MapTy):
            w = T.width(want.cod)
            cod = want.cod

            def value() -> str:
                body = self.expr_assign(e.body, cod if composite(cod) else None)
                return self.enc(cod, self.checked(cod, e.body.ty, body), e.body.ty)

            dom_set = M.ETypeSet(want.dom, T.SetTy(want.dom))
            small = self.small_domain(dom_set)
            if small is not None:
                return pack_fields(self.per_value(e.slot, small, value), w)
            it = self.iterate(dom_set)
            return f"sum({value()} << ({w} * _i) for _i, L{e.slot} in enumerate({it}))"
        if isinstance(e, M.ETuple) and isinstance(want, (T.RecordTy, T.TupleTy)):
            types = want.types if isinstance(want, T.RecordTy) else want.items
            parts, shift = [], 0
            for it_, ity in zip(e.items, types):
                code = self.checked(ity, it_.ty, self.expr_assign(it_, ity if composite(ity) else None))
                code = self.enc(ity, code, it_.ty)
                parts.append(f"({code} << {shift})" if shift else code)
                shift += T.width(ity)
            return "(" + " | ".join(parts) + ")" if parts else "0"
        return self.expr(e, want)

    def checked(self, ty: T.Ty, static: T.Ty, code: str) -> str:
        """``code`` (of static type ``static``) with a run-time check that it lies in ``ty``."""
        if isinstance(ty, T.RangeTy) and not fits(static, ty):
            if literal(code):
                return code if ty.lo <= int(code) <= ty.hi else "_rc(" + code + f", {ty.lo}, {ty.hi})"
            v = self.tmpnames(1)[0]
            return f"({v} if {ty.lo} <= ({v} := {code}) <= {ty.hi} else _rc({v}, {ty.lo}, {ty.hi}))"
        if isinstance(ty, T.OptionTy) and isinstance(ty.inner, T.RangeTy) and not fits(static, ty):
            # inline, so that the instance's ``try`` sees the possible error (``_rc``)
            lo, hi = ty.inner.lo, ty.inner.hi
            v = self.tmpnames(1)[0]
            return f"({v} if ({v} := {code}) is None or {lo} <= {v} <= {hi} else _rc({v}, {lo}, {hi}))"
        return code

    def domain_check(self, leaf: T.Ty, static: T.Ty, v: str, ind: str) -> list[str]:
        """The run-time domain check of an assigned scalar (composites are packed with
        their checks by ``expr_assign``)."""
        if composite(leaf):
            return []
        if isinstance(leaf, T.RangeTy) and not fits(static, leaf):
            return [f"{ind}if not {leaf.lo} <= {v} <= {leaf.hi}: raise _Err()"]
        code = self.checked(leaf, static, v)
        return [] if code == v else [f"{ind}{code}"]

    # -- blocks
    def block(self, stmts: tuple[M.Stmt, ...], ind: str, fail: str | None,
              tail: list[str] | None) -> list[str]:
        """Code for ``stmts``. ``tail`` (the transition emit) ends every complete path, or
        is None for a deterministic sub-block that falls through. A require on the path
        nests the rest under ``if``; a require inside a deterministic ``if`` jumps with
        ``fail`` (``break``/``continue`` of the enclosing wrapper or loop)."""
        if len(ind) > MAX_INDENT:
            raise Unsupported("statements nested too deeply for generated code")
        lines: list[str] = []
        for k, st in enumerate(stmts):
            rest = stmts[k + 1:]
            match st:
                case M.SAssign():
                    if self.cur == "s":
                        # the first write reads the pre-state: `t = (s & keep) | new`
                        assign = self.assign(st, ind)
                        last = assign[-1]
                        assert last.startswith(f"{ind}t = (t & ")
                        assign[-1] = last.replace("t = (t & ", "t = (s & ", 1)
                        lines += assign
                        self.cur = "t"
                    else:
                        lines += self.assign(st, ind)
                case M.SRequire(cond):
                    if isinstance(cond, M.EConst) and cond.value is True:
                        continue
                    code = self.expr(cond)
                    known = fold.truth(code)
                    if known is True:
                        continue
                    if tail is None:
                        if fail is None:
                            raise Unsupported("require without a jump target")
                        lines.append(f"{ind}if not {code}: {fail}")
                        continue
                    if known is False:
                        return lines  # no transition on this path
                    lines.append(f"{ind}if {code}:")
                    lines += self.block(rest, ind + "    ", fail, tail) or [ind + "    pass"]
                    return lines
                case M.SIf(cond, then, other):
                    cond_code = self.expr(cond)
                    known = fold.truth(cond_code)
                    if known is not None:  # only the branch taken, in line
                        lines += self.block((then if known else other) + rest, ind, fail, tail)
                        return lines
                    if tail is not None and (nondet(then) or nondet(other) or fail is None
                                             and (requires(then) or requires(other))):
                        cur = self.cur
                        lines.append(f"{ind}if {cond_code}:")
                        lines += self.block(then + rest, ind + "    ", fail, tail) or [ind + "    pass"]
                        self.cur = cur
                        lines.append(f"{ind}else:")
                        lines += self.block(other + rest, ind + "    ", fail, tail) or [ind + "    pass"]
                        return lines
                    if nondet(then) or nondet(other):
                        raise Unsupported("nested nondeterminism")
                    if assigns(then) or assigns(other):
                        self.materialize(lines, ind)
                    lines.append(f"{ind}if {cond_code}:")
                    lines += self.block(then, ind + "    ", fail, None) or [ind + "    pass"]
                    if other:
                        lines.append(f"{ind}else:")
                        lines += self.block(other, ind + "    ", fail, None) or [ind + "    pass"]
                case M.SEither(branches):
                    if tail is None:
                        raise Unsupported("nested nondeterminism")
                    cur = self.cur
                    saved = "s"
                    if cur == "t":
                        saved = self.tmpnames(1)[0]
                        lines.append(f"{ind}{saved} = t")
                    for br in branches:
                        self.cur = cur
                        if fail is not None and requires_in_ifs(br + rest):
                            lines.append(f"{ind}while True:")
                            if cur == "t":
                                lines.append(f"{ind}    t = {saved}")
                            lines += self.block(br + rest, ind + "    ", "break", tail)
                            lines.append(f"{ind}    break")
                        else:
                            if cur == "t":
                                lines.append(f"{ind}t = {saved}")
                            lines += self.block(br + rest, ind, None, tail)
                    return lines
                case M.SPick(slot, dom, body):
                    if tail is None:
                        raise Unsupported("nested nondeterminism")
                    values = self.small_domain(dom)
                    if values is not None and len(values) * self.fanout <= UNROLL_LIMIT:
                        lines += self.unrolled_pick(slot, values, body + rest, ind, fail, tail)
                        return lines
                    cur = self.cur
                    vals = self.tmpnames(1)[0]
                    saved = "s"
                    if cur == "t":
                        saved = self.tmpnames(1)[0]
                        lines.append(f"{ind}{saved} = t")
                    lines.append(f"{ind}{vals} = {self.iterate(dom)}")
                    lines.append(f"{ind}for L{slot} in {vals}:")
                    if cur == "t":
                        lines.append(f"{ind}    t = {saved}")
                    lines += self.block(body + rest, ind + "    ", "continue", tail) or [ind + "    pass"]
                    self.cur = cur
                    return lines
        if tail is not None:
            if self.cur == "s" and tail[0] == "app(t)":
                lines += [ind + x.replace("app(t)", "app(s)") for x in tail]
            else:
                self.materialize(lines, ind)
                lines += [ind + x for x in tail]
        return lines

    def unrolled_pick(self, slot: int, values: list[object], stmts: tuple[M.Stmt, ...], ind: str,
                      fail: str | None, tail: list[str]) -> list[str]:
        """``pick`` over a small whole type as one branch per value (like ``either``), the
        value a literal in each: constant offsets, and conditions on it folded away."""
        lines: list[str] = []
        cur = self.cur
        saved = "s"
        if cur == "t":
            saved = self.tmpnames(1)[0]
            lines.append(f"{ind}{saved} = t")
        old, fanout = self.subst.get(slot), self.fanout
        self.fanout *= len(values)
        try:
            for v in values:
                self.subst[slot] = repr(v)
                self.cur = cur
                if fail is not None and requires_in_ifs(stmts):
                    lines.append(f"{ind}while True:")
                    if cur == "t":
                        lines.append(f"{ind}    t = {saved}")
                    lines += self.block(stmts, ind + "    ", "break", tail)
                    lines.append(f"{ind}    break")
                else:
                    if cur == "t":
                        lines.append(f"{ind}t = {saved}")
                    lines += self.block(stmts, ind, None, tail)
        finally:
            self.fanout = fanout
            if old is None:
                self.subst.pop(slot, None)
            else:
                self.subst[slot] = old
        return lines

    # -- actions
    def action(self, a: M.Action, ind: str) -> list[str]:
        """Every instance of action ``a`` (one per parameter valuation, in order), then
        its coverage counters (``x``: transitions, ``e``: states where it had one)."""
        for p in a.params:
            check_type(p.ty)
        counters = [c for c in self.model.counters if a.index in c.actions]
        lines = [f"{ind}# action {a.index}"]
        for c in counters:
            off, w = self.layout.offsets[c.var], self.layout.widths[c.var]
            lines.append(f"{ind}if (s >> {off}) & {(1 << w) - 1} < {c.cap}:")
            ind += "    "
        x = f"x{a.index}"
        tail = [f"t += {1 << self.layout.offsets[c.var]}" for c in counters] + ["app(t)", f"{x} += 1"]
        valuations = [tuple(self.crep_value(p.ty, v) for p, v in zip(a.params, vals))
                      for vals in sem.param_valuations(a)]
        base = self.first_instance
        self.first_instance += len(valuations)
        wrap = requires_in_ifs(a.body)
        if len(valuations) <= UNROLL_LIMIT:
            for k, vals in enumerate(valuations):
                for p, v in zip(a.params, vals):
                    self.subst[p.slot] = repr(v)
                lab = [f"lab({base + k})"] if self.labels else []
                lines += self.instance(a, ind, "while True:" if wrap else None, tail + lab, lab)
            for p in a.params:
                self.subst.pop(p.slot, None)
        else:
            names = ", ".join(f"L{p.slot}" for p in a.params)
            names += "," if len(a.params) == 1 else ""
            const = self.const(tuple(valuations))
            if self.labels:
                header = f"for _k, ({names}) in enumerate({const}, {base}):"
                lab = ["lab(_k)"]
            else:
                header, lab = f"for {names} in {const}:", []
            lines += self.instance(a, ind, header, tail + lab, lab)
        lines.append(f"{ind}if {x} != p{a.index}:")
        lines.append(f"{ind}    e{a.index} += 1")
        lines.append(f"{ind}    p{a.index} = {x}")
        return lines

    def instance(self, a: M.Action, ind: str, header: str | None, tail: list[str],
                 lab: list[str]) -> list[str]:
        """One action instance (or the loop over them): an error ends the instance with an
        error transition, after the transitions it already emitted."""
        inner = ind + "    " if header else ind
        fail = None if header is None else ("break" if header.startswith("while") else "continue")
        self.cur = "s"
        body = self.block(a.body, inner + "    ", fail, tail) or [inner + "    pass"]
        self.cur = "t"
        if header is not None and header.startswith("while"):
            body.append(inner + "    break")
        may_fail = any(m in ln for ln in body for m in runtime.FAILING)
        err = [f"errs.append((len(out), {a.index}, ''))", "app(-1)", f"x{a.index} += 1", *lab]
        if header is None:
            code = [x[4:] for x in body]
            if not may_fail:
                return code
            return [f"{ind}try:"] + ["    " + c for c in code] + [f"{ind}except _Err:"] + \
                [f"{ind}    {e}" for e in err]
        if not may_fail:
            return [f"{ind}{header}"] + [x[4:] for x in body]
        if header.startswith("for"):
            return ([f"{ind}{header}", f"{inner}try:"] + body +
                    [f"{inner}except _Err:"] + [f"{inner}    {e}" for e in err])
        return ([f"{ind}try:", f"{inner}{header}"] + body +
                [f"{ind}except _Err:"] + [f"{inner}{e}" for e in err])
