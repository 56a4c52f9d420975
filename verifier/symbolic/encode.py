"""Stage 5 (symbolic), part 3: IR expressions -> symbolic values (Z3 terms).

``Encoder.expr`` follows ``semantics.evaluate`` case by case. Run-time errors become
conditions: every place where the reference raises ``EvalError`` adds
``guard and <the failing condition>`` to an ``Errors`` collector, where the guard says
when that sub-expression is evaluated at all. The guard follows Python's evaluation
order exactly: the right operand of ``and``/``or``/``=>`` only when the left one does
not decide; one branch of ``if``; the bodies of ``forall``/``exists`` only while the
earlier bindings (in the canonical order of the domain) have not decided the result.
So an error condition is satisfiable exactly when the reference raises.
"""

from __future__ import annotations

from typing import Any

from verifier.lang import model as M
from verifier.lang import typesys as T
from verifier.symbolic import arith as A
from verifier.symbolic import terms as K
from verifier.symbolic import valueops as VO
from verifier.symbolic import values as V
from verifier.symbolic.errors import Unsupported
from verifier.symbolic.state import const_of
from verifier.symbolic.values import (
    FALSE,
    NO,
    TRUE,
    Entry,
    Errors,
    SBool,
    SEnum,
    SInt,
    SMap,
    SOpt,
    SSeq,
    SSet,
    STuple,
    SVal,
    Term,
)

Env = dict[int, SVal]
State = tuple[SVal, ...]


def as_bool(v: SVal) -> Term:
    """Python truthiness of a Boolean value (``none`` is false)."""
    if isinstance(v, SBool):
        return v.term
    if isinstance(v, SOpt):
        return FALSE if v.inner is None else V.and_(v.some, as_bool(v.inner))
    raise AssertionError(v)


def unwrap(v: SVal, g: Term, errs: Errors) -> SVal:
    """The value inside an option; reading ``none`` is a run-time error."""
    if not isinstance(v, SOpt):
        return v
    errs.add(V.and_(g, V.not_(v.some)))
    if v.inner is None:
        return V.int_const(0)
    return v.inner


def as_int(v: SVal, g: Term, errs: Errors) -> SInt:
    x = unwrap(v, g, errs)
    assert isinstance(x, SInt), x
    return x


def as_set(v: SVal, g: Term, errs: Errors) -> SSet:
    x = unwrap(v, g, errs)
    assert isinstance(x, SSet), x
    return x


def _children(e: M.Expr) -> tuple[M.Expr, ...]:
    match e:
        case M.EUnary(_, a) | M.EField(a):
            return (a,)
        case M.EBinary(_, a, b) | M.EApply(a, b) | M.ESeqIndex(a, b):
            return (a, b)
        case M.EIte(c, a, b):
            return (c, a, b)
        case M.EBuiltin(_, args) | M.ESetLit(args) | M.ETuple(args) | M.ESeqLit(args):
            return tuple(args)
    return ()


def _elem_ty(ty: T.Ty) -> T.Ty:
    return ty.elem if isinstance(ty, T.SetTy) else T.ANY


def type_set(elem: T.Ty) -> SSet:
    if not T.is_finite(elem) or T.size(elem) > V.UNIVERSE_LIMIT:
        raise Unsupported(f"the type {T.show(elem)} is too large to enumerate")
    return SSet(tuple(Entry(u, TRUE, const_of(elem, u)) for u in T.value_list(elem)), True)


def select(keys: tuple[Any, ...], items: tuple[SVal, ...], key: SVal, g: Term,
           errs: Errors, check: bool = True) -> SVal:
    """``items[i]`` where ``keys[i] == key``; a key outside ``keys`` is a run-time error."""
    k = V.value_of(key)
    if k is not NO:
        for kk, it in zip(keys, items):
            if kk == k and isinstance(kk, bool) == isinstance(k, bool):
                return it
        if check:
            errs.add(g)
        return items[0]
    conds = []
    for kk, it in zip(keys, items):
        c = VO.eq_key(key, kk)
        if not K.is_false(c):
            conds.append((c, it))
    if check and not within(key, keys):
        errs.add(V.and_(g, V.not_(V.or_all(c for c, _ in conds))))
    if not conds:
        return items[0]
    out = conds[-1][1]
    for c, it in reversed(conds[:-1]):
        out = VO.ite(c, it, out)
    return out


def within(key: SVal, keys: tuple[Any, ...]) -> bool:
    """Whether every value ``key`` can take is among ``keys`` (no check needed)."""
    match key:
        case SEnum(ty):
            return set(ty.members) <= set(keys)
        case SBool():
            return {False, True} <= set(k for k in keys if isinstance(k, bool))
        case SInt(_, lo, hi):
            if lo is None or hi is None or hi - lo > len(keys):
                return False
            ks = {k for k in keys if isinstance(k, int) and not isinstance(k, bool)}
            return all(i in ks for i in range(lo, hi + 1))
    return False


_CACHED = (M.EQuant, M.ELet, M.EBuiltin, M.ESetComp, M.EMapComp, M.EApply)


class Encoder:
    """Expression translation for one model.

    Inlined helper definitions repeat work: ``serving(m)`` inside ``forall m`` recounts
    the same ``groupSize`` for every ``m``. A sub-expression with no free bound variables
    has one value per state, so its translation is remembered per (node, state) --
    the value, and its error condition relative to the guard, which is conjoined with
    the guard of each use. Entries keep their node and state alive, so ids stay unique.
    """

    def __init__(self, model: M.Model) -> None:
        self.model = model
        self._free: dict[int, tuple[M.Expr, frozenset[int]]] = {}
        self._memo: dict[tuple[int, int], tuple[M.Expr, State, SVal, Term]] = {}

    def free(self, e: M.Expr) -> frozenset[int]:
        """The bound-variable slots ``e`` reads without binding them."""
        hit = self._free.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1]
        out: frozenset[int]
        match e:
            case M.ELocal(slot):
                out = frozenset((slot,))
            case M.EConst() | M.EVar() | M.ETypeSet():
                out = frozenset()
            case M.EQuant(_, slots, doms, body):
                acc: set[int] = set()
                for i, d in enumerate(doms):
                    acc |= self.free(d) - set(slots[:i])
                out = frozenset(acc | (self.free(body) - set(slots)))
            case M.ELet(slot, v, body):
                out = self.free(v) | (self.free(body) - {slot})
            case M.ESetComp(elem, slot, dom, cond):
                inner = self.free(elem) | (self.free(cond) if cond is not None else frozenset())
                out = self.free(dom) | (inner - {slot})
            case M.EMapComp(slot, body):
                out = self.free(body) - {slot}
            case _:
                out = frozenset().union(*(self.free(c) for c in _children(e)))
        self._free[id(e)] = (e, out)
        return out

    def expr(self, e: M.Expr, st: State, env: Env, g: Term, errs: Errors) -> SVal:
        if not isinstance(e, _CACHED) or self.free(e):
            return self._expr(e, st, env, g, errs)
        key = (id(e), id(st))
        hit = self._memo.get(key)
        if hit is None or hit[0] is not e or hit[1] is not st:
            local = Errors()
            val = self._expr(e, st, env, TRUE, local)
            hit = (e, st, val, local.acc)
            self._memo[key] = hit
        errs.add(V.and_(g, hit[3]))
        return hit[2]

    # -- sets used as domains (quantifiers, comprehensions, picks)
    def domain(self, e: M.Expr, st: State, env: Env, g: Term, errs: Errors) -> list[Entry]:
        """The elements of a binder's domain in the reference's visiting order."""
        if isinstance(e, M.ETypeSet):
            return list(type_set(e.elem).entries)
        s = as_set(self.expr(e, st, env, g, errs), g, errs)
        return VO.iteration_order(VO.canon(s), _elem_ty(e.ty))

    def _expr(self, e: M.Expr, st: State, env: Env, g: Term, errs: Errors) -> SVal:
        match e:
            case M.EConst(v, ty):
                return const_of(ty, v)
            case M.EVar(i):
                return st[i]
            case M.ELocal(slot):
                return env[slot]
            case M.EUnary("not", a):
                return SBool(V.not_(as_bool(self.expr(a, st, env, g, errs))))
            case M.EUnary(_, a):
                return A.neg(as_int(self.expr(a, st, env, g, errs), g, errs))
            case M.EBinary(op, a, b):
                return self.binary(op, a, b, st, env, g, errs)
            case M.EIte(c, a, b):
                cv = as_bool(self.expr(c, st, env, g, errs))
                if K.is_true(cv):
                    return self.expr(a, st, env, g, errs)
                if K.is_false(cv):
                    return self.expr(b, st, env, g, errs)
                av = self.expr(a, st, env, V.and_(g, cv), errs)
                bv = self.expr(b, st, env, V.and_(g, V.not_(cv)), errs)
                return VO.ite(cv, av, bv)
            case M.EQuant(kind, slots, doms, body):
                return self.quant(kind, slots, doms, body, st, env, g, errs)
            case M.ELet(slot, v, body):
                val = self.expr(v, st, env, g, errs)
                return self.expr(body, st, {**env, slot: val}, g, errs)
            case M.EApply(m, k):
                mv = unwrap(self.expr(m, st, env, g, errs), g, errs)
                kv = unwrap(self.expr(k, st, env, g, errs), g, errs)
                assert isinstance(mv, SMap), mv
                return select(mv.keys, mv.items, kv, g, errs)
            case M.ESeqIndex(s, i):
                sv = unwrap(self.expr(s, st, env, g, errs), g, errs)
                iv = as_int(self.expr(i, st, env, g, errs), g, errs)
                assert isinstance(sv, SSeq), sv
                return self.seq_get(sv, iv, g, errs)
            case M.EField(b, pos):
                bv = unwrap(self.expr(b, st, env, g, errs), g, errs)
                assert isinstance(bv, STuple), bv
                return bv.items[pos]
            case M.EBuiltin(name, args):
                return self.builtin(name, args, st, env, g, errs, e)
            case M.ESetLit(items):
                return VO.make_set(Entry(NO, TRUE, self.expr(i, st, env, g, errs)) for i in items)
            case M.ESetComp(elem, slot, dom, cond):
                return self.set_comp(elem, slot, dom, cond, st, env, g, errs)
            case M.EMapComp(slot, body, ty):
                assert isinstance(ty, T.MapTy)
                keys = T.value_list(ty.dom)
                return SMap(keys, tuple(self.expr(body, st, {**env, slot: const_of(ty.dom, k)}, g, errs)
                                        for k in keys))
            case M.ETuple(items):
                return STuple(tuple(self.expr(i, st, env, g, errs) for i in items))
            case M.ESeqLit(items):
                return SSeq(V.int_const(len(items)), tuple(self.expr(i, st, env, g, errs) for i in items))
            case M.ETypeSet(elem):
                return type_set(elem)
            case M.EEnabled(name=name):
                raise Unsupported(f"`enabled({name}(...))` is not supported by the symbolic "
                                  "engine (it would need the action's transition relation "
                                  "inside a state predicate)", e.span)
        raise Unsupported(f"expression {type(e).__name__} is not supported by the symbolic engine",
                          e.span)

    def boolean(self, e: M.Expr, st: State, env: Env, g: Term, errs: Errors) -> Term:
        return as_bool(self.expr(e, st, env, g, errs))

    def binary(self, op: str, a: M.Expr, b: M.Expr, st: State, env: Env, g: Term,
               errs: Errors) -> SVal:
        if op in ("and", "or", "=>"):
            x = self.boolean(a, st, env, g, errs)
            decided = V.not_(x) if op != "or" else x
            if K.is_true(decided):
                return SBool(FALSE if op == "and" else TRUE)
            y = self.boolean(b, st, env, V.and_(g, V.not_(decided)), errs)
            if op == "and":
                return SBool(V.and_(x, y))
            if op == "or":
                return SBool(V.or_(x, y))
            return SBool(V.implies(x, y))
        if op in ("in", "notin") and isinstance(b, M.EBinary) and b.op == "range" \
                and T.is_numeric(a.ty):
            # membership in `lo..hi` is a comparison, as in the reference semantics: the
            # range is not built, whatever its size
            x = as_int(self.expr(a, st, env, g, errs), g, errs)
            lo = as_int(self.expr(b.left, st, env, g, errs), g, errs)
            hi = as_int(self.expr(b.right, st, env, g, errs), g, errs)
            inside = V.and_(V.compare("<=", lo, x), V.compare("<=", x, hi))
            return SBool(inside if op == "in" else V.not_(inside))
        xv = self.expr(a, st, env, g, errs)
        yv = self.expr(b, st, env, g, errs)
        match op:
            case "<=>":
                return SBool(V.iff(as_bool(xv), as_bool(yv)))
            case "==":
                return SBool(VO.eq(xv, yv))
            case "!=":
                return SBool(V.not_(VO.eq(xv, yv)))
            case "<" | "<=" | ">" | ">=":
                return SBool(V.compare(op, as_int(xv, g, errs), as_int(yv, g, errs)))
            case "in":
                return SBool(VO.member(xv, as_set(yv, g, errs)))
            case "notin":
                return SBool(V.not_(VO.member(xv, as_set(yv, g, errs))))
            case "subset":
                return SBool(VO.subset(as_set(xv, g, errs), as_set(yv, g, errs)))
            case "psubset":
                sx, sy = as_set(xv, g, errs), as_set(yv, g, errs)
                return SBool(V.and_(VO.subset(sx, sy), V.not_(VO.set_eq(sx, sy))))
            case "union":
                return VO.set_union(as_set(xv, g, errs), as_set(yv, g, errs))
            case "inter":
                return VO.set_inter(as_set(xv, g, errs), as_set(yv, g, errs))
            case "diff":
                return VO.set_diff(as_set(xv, g, errs), as_set(yv, g, errs))
            case "range":
                return self.range_set(as_int(xv, g, errs), as_int(yv, g, errs))
            case "+":
                return A.add(as_int(xv, g, errs), as_int(yv, g, errs))
            case "-":
                return A.sub(as_int(xv, g, errs), as_int(yv, g, errs))
            case "*":
                return A.mul(as_int(xv, g, errs), as_int(yv, g, errs))
            case "//" | "%":
                return A.floordiv_mod(as_int(xv, g, errs), as_int(yv, g, errs), op, g, errs)
        raise Unsupported(f"operator `{op}` is not supported by the symbolic engine")

    def range_set(self, x: SInt, y: SInt) -> SSet:
        lo, hi = x.lo, y.hi
        if lo is None or hi is None:
            raise Unsupported("a range `a..b` whose bounds are unbounded integers",
                              hint="bound the range with constants or variables of a range type")
        if hi - lo >= V.UNIVERSE_LIMIT:
            raise Unsupported(f"a range `a..b` of up to {hi - lo + 1:,} values used as a set "
                              f"(the symbolic engine handles at most {V.UNIVERSE_LIMIT:,})",
                              hint="narrow the range, or test membership (`x in a..b`), which "
                                   "is a comparison")
        return VO.keyed_set(Entry(k, V.and_(V.compare("<=", x, V.int_const(k)),
                                           V.compare("<=", V.int_const(k), y)), V.int_const(k))
                           for k in range(lo, hi + 1))

    def quant(self, kind: str, slots: tuple[int, ...], doms: tuple[M.Expr, ...], body: M.Expr,
              st: State, env: Env, g: Term, errs: Errors) -> SVal:
        found: list[tuple[Term, SVal]] = []
        # ``going``: evaluation has not stopped early (forall: every body so far true;
        # exists: every body so far false) -- later domains and bodies run only then.
        going = [TRUE]

        def rec(i: int, env_: Env, present: Term) -> None:
            if i == len(slots):
                b = self.expr(body, st, env_, V.and_(g, present, going[0]), errs)
                found.append((present, b))
                if kind == "forall":
                    going[0] = V.and_(going[0], V.implies(present, as_bool(b)))
                elif kind == "exists":
                    going[0] = V.and_(going[0], V.implies(present, V.not_(as_bool(b))))
                return
            for ent in self.domain(doms[i], st, env_, V.and_(g, present, going[0]), errs):
                p = V.and_(present, ent.guard)
                if not K.is_false(p):
                    rec(i + 1, {**env_, slots[i]: ent.elem}, p)

        rec(0, env, TRUE)
        if kind == "forall":
            return SBool(V.and_all(V.implies(p, as_bool(b)) for p, b in found))
        if kind == "exists":
            return SBool(V.or_all(V.and_(p, as_bool(b)) for p, b in found))
        if kind == "count":
            return V.count([V.and_(p, as_bool(b)) for p, b in found])
        parts = []
        for p, b in found:
            x = as_int(b, V.and_(g, p), errs)
            parts.append(VO.ite(p, x, V.int_const(0)))
        return V.int_sum([x for x in parts if isinstance(x, SInt)])

    def set_comp(self, elem: M.Expr, slot: int, dom: M.Expr, cond: M.Expr | None, st: State,
                 env: Env, g: Term, errs: Errors) -> SSet:
        if isinstance(dom, M.ETypeSet):
            entries: list[Entry] = list(type_set(dom.elem).entries)
        else:
            s = as_set(self.expr(dom, st, env, g, errs), g, errs)
            entries = list(s.entries)
        out = []
        for ent in entries:
            env2 = {**env, slot: ent.elem}
            gg = V.and_(g, ent.guard)
            c = TRUE if cond is None else self.boolean(cond, st, env2, gg, errs)
            if K.is_false(c):
                continue
            x = self.expr(elem, st, env2, V.and_(gg, c), errs)
            out.append(Entry(NO, V.and_(ent.guard, c), x))
        return VO.make_set(out)

    # -- sequences and built-ins
    def seq_get(self, s: SSeq, i: SInt, g: Term, errs: Errors) -> SVal:
        errs.add(V.and_(g, V.not_(V.and_(V.compare("<=", V.int_const(0), i), V.compare("<", i, s.length)))))
        if not s.items:
            return V.int_const(0)
        return select(tuple(range(len(s.items))), s.items, i, g, errs, check=False)

    def builtin(self, name: str, args: tuple[M.Expr, ...], st: State, env: Env, g: Term,
                errs: Errors, e: M.Expr) -> SVal:
        vals = [self.expr(a, st, env, g, errs) for a in args]
        if name == "len":
            x = unwrap(vals[0], g, errs)
            if isinstance(x, SSet):
                return VO.set_len(x)
            assert isinstance(x, SSeq), x
            return x.length
        if name in ("head", "tail"):
            raw = vals[0]
            nonempty = V.and_(raw.some, V.compare("<", V.int_const(0), raw.inner.length)) \
                if isinstance(raw, SOpt) and isinstance(raw.inner, SSeq) else None
            x = raw.inner if isinstance(raw, SOpt) and raw.inner is not None else raw
            assert isinstance(x, SSeq), x
            if nonempty is None:
                nonempty = V.compare("<", V.int_const(0), x.length)
            errs.add(V.and_(g, V.not_(nonempty)))
            if name == "head":
                return x.items[0] if x.items else V.int_const(0)
            n = A.sub(x.length, V.int_const(1))
            return SSeq(SInt(n.term, None if n.lo is None else max(0, n.lo), n.hi), x.items[1:])
        if name == "append":
            x = unwrap(vals[0], g, errs)
            assert isinstance(x, SSeq), x
            items = [VO.ite(VO.eq_key(x.length, i), vals[1], it) for i, it in enumerate(x.items)]
            items.append(vals[1])
            return SSeq(A.add(x.length, V.int_const(1)), tuple(items))
        if name == "abs":
            return A.abs_(as_int(vals[0], g, errs))
        if name == "ord":  # an enum member is its position
            x = unwrap(vals[0], g, errs)
            assert isinstance(x, SEnum), x
            return SInt(x.term, 0, len(x.ty.members) - 1)
        if name in ("min", "max"):
            if len(vals) == 2:
                return A.minmax(as_int(vals[0], g, errs), as_int(vals[1], g, errs), name)
            return self.set_extreme(as_set(vals[0], g, errs), name, g, errs)
        raise Unsupported(f"built-in `{name}` is not supported by the symbolic engine", e.span)

    def set_extreme(self, s: SSet, name: str, g: Term, errs: Errors) -> SInt:
        s = VO.canon(s)
        errs.add(V.and_(g, V.not_(V.or_all(en.guard for en in s.entries))))
        if not s.entries:
            return V.int_const(0)
        if s.keyed:
            order = sorted(s.entries, key=lambda en: en.key, reverse=(name == "max"))
            out = order[-1].elem
            for en in reversed(order[:-1]):
                out = VO.ite(en.guard, en.elem, out)
            assert isinstance(out, SInt)
            return out
        elems = [as_int(en.elem, g, errs) for en in s.entries]
        op = "<=" if name == "min" else ">="
        best: SVal = elems[-1]
        for i in reversed(range(len(elems) - 1)):
            beats = V.and_all(V.implies(s.entries[j].guard, V.compare(op, elems[i], elems[j]))
                              for j in range(len(elems)) if j != i)
            best = VO.ite(V.and_(s.entries[i].guard, beats), elems[i], best)
        assert isinstance(best, SInt)
        return best
