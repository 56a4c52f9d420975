"""Stage 3 (part): checking the statements of action bodies, AST -> typed IR.

``StmtChecker`` checks ``require``, ``if``, ``either``, ``pick`` and assignments: what
may be assigned (only state variables, through map keys, sequence indices, tuple
positions and record fields) and whether the value fits the target's type. The
expressions inside go to the ``ExprChecker`` it is given (``verifier/lang/exprcheck.py``),
whose error list and slot counter it shares; the declarations around the statements are
the checker's (``verifier/lang/checker.py``).
"""

from __future__ import annotations

from verifier.lang import model as M
from verifier.lang import syntax as S
from verifier.lang import typesys as T
from verifier.lang.diagnostics import Diagnostic
from verifier.lang.exprcheck import ExprChecker, Scope


class StmtChecker:
    def __init__(self, x: ExprChecker) -> None:
        self.x = x
        self.d = x.d

    def err(self, code: str, msg: str, span: S.Span, hint: str | None = None) -> None:
        self.x.errors.append(Diagnostic(code, msg, span, hint))

    def assignable(self, target: T.Ty, e: M.Expr, sp: S.Span, what: str) -> None:
        if not T.compatible(target, e.ty):
            self.err("E103", f"{what} has type {T.show(e.ty)}, but {T.show(target)} is expected", sp,
                     _assign_hint(target, e.ty) or f"give a value of type {T.show(target)}")

    def block(self, stmts: tuple[S.Stmt, ...], sc: Scope) -> tuple[M.Stmt, ...]:
        return tuple(self.stmt(s, sc) for s in stmts)

    def stmt(self, s: S.Stmt, sc: Scope) -> M.Stmt:
        match s:
            case S.Skip(sp):
                return M.SRequire(M.EConst(True, T.BOOL, sp), sp)
            case S.Require(cond, sp):
                e = self.x.check(cond, sc)
                self.x.expect(e, "bool", cond.span, "a `require` condition")
                return M.SRequire(e, sp)
            case S.If(cond, then, other, sp):
                e = self.x.check(cond, sc)
                self.x.expect(e, "bool", cond.span, "an `if` condition")
                return M.SIf(e, self.block(then, sc), self.block(other, sc), sp)
            case S.Either(branches, sp):
                return M.SEither(tuple(self.block(b, sc) for b in branches), sp)
            case S.Pick(var, dom, body, sp):
                de = self.x.domain(dom, sc)
                elem = de.ty.elem if isinstance(de.ty, T.SetTy) else T.ANY
                loc = self.x.new_local(var, elem, sp)
                return M.SPick(loc.slot, de, self.block(body, sc.bind(var, loc)), sp)
            case S.Assign(target, value, sp):
                return self.assign(target, value, sp, sc)
        raise AssertionError(s)

    def assign(self, target: S.Expr, value: S.Expr, sp: S.Span, sc: Scope) -> M.Stmt:
        chain: list[S.Expr] = []
        t = target
        while isinstance(t, (S.Index, S.Field)):
            chain.append(t)
            t = t.base
        assert isinstance(t, S.Name)
        ve = self.x.check(value, sc)
        dummy = M.SRequire(M.EConst(True, T.BOOL, sp), sp)
        name = t.name
        if sc.lookup(name) is not None:
            self.err("E104", f"`{name}` is a parameter or bound variable and cannot be assigned",
                     t.span, "only state variables (`var`) change in an action")
            return dummy
        if name not in self.d.variables:
            if name in self.d.consts:
                self.err("E104", f"`{name}` is a constant and cannot be assigned", t.span,
                         "declare it with `var` if it changes, or override it in the model's [constants]")
            elif name in self.d.defs or name in self.d.members or name in self.d.types:
                self.err("E104", f"`{name}` is not a state variable and cannot be assigned", t.span,
                         "only state variables (`var`) change in an action")
            else:
                self.x.unknown(name, t.span, sc)
            return dummy
        var, ty = self.d.variables[name]
        path: list[M.Accessor] = []
        for node in reversed(chain):
            base_ty = ty.inner if isinstance(ty, T.OptionTy) else ty
            if isinstance(node, S.Index):
                ie = self.x.check(node.index, sc)
                match base_ty:
                    case T.MapTy(dom, cod):
                        if not T.compatible(dom, ie.ty):
                            self.err("E103", f"this map's keys are {T.show(dom)}, not {T.show(ie.ty)}",
                                     node.index.span, "index a map with a value of its domain type")
                        path.append(M.AKey(ie, ty))
                        ty = cod
                    case T.SeqTy(elem, _):
                        self.x.expect(ie, "int", node.index.span, "a sequence index")
                        path.append(M.AIndex(ie, ty))
                        ty = elem
                    case T.TupleTy(items) if isinstance(ie, M.EConst) and isinstance(ie.value, int) \
                            and 0 <= ie.value < len(items):
                        path.append(M.AField(ie.value))
                        ty = items[ie.value]
                    case T.AnyTy():
                        return dummy
                    case _:
                        self.err("E103", f"a value of type {T.show(ty)} cannot be indexed", node.span,
                                 "only maps, sequences and tuples take `[...]`")
                        return dummy
            else:
                assert isinstance(node, S.Field)
                if isinstance(base_ty, T.RecordTy) and node.name in base_ty.names:
                    k = base_ty.names.index(node.name)
                    path.append(M.AField(k))
                    ty = base_ty.types[k]
                elif isinstance(base_ty, T.AnyTy):
                    return dummy
                else:
                    self.err("E109", f"no field `{node.name}` in {T.show(ty)}", node.span,
                             f"its fields are: {', '.join(base_ty.names)}"
                             if isinstance(base_ty, T.RecordTy) else "only records have fields")
                    return dummy
        self.assignable(ty, ve, value.span, "the assigned value")
        return M.SAssign(var, tuple(path), ve, sp)



def _assign_hint(target: T.Ty, got: T.Ty) -> str | None:
    if isinstance(target, T.MapTy) and not isinstance(got, T.MapTy):
        return "to change one entry write `m[key] = value`; a whole map is `{k: v for k in D}`"
    if isinstance(target, T.BoolTy) and T.is_numeric(got):
        return "use `true`/`false`"
    return None


