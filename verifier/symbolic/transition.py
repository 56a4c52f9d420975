"""Stage 5 (symbolic), part 4: statements, actions and the transition relation.

``System`` is the model as a symbolic transition system: initial-state formula,
variable domains, properties, and one step ``cur -> nxt``. Statements run in order on
a symbolic state (SSA: each assignment makes a new value, nothing is mutated). An
``if`` without choices inside is merged into one path (``ite`` on the values); an
``either`` or a ``pick`` splits the path, visiting branches and values in the
reference's order, so that the transitions of an action instance are exactly the
paths that complete *before* the first run-time error in that order (the reference
stops an instance at its first error). The solver picks the action (``action@i``), its
parameters (one solver variable per parameter, over the parameter's type) and the path
(``choice@i``), and a failing instance is the separate ``error`` formula.

The step is built once over template states and instantiated per step with
``z3.substitute``, which is much faster than translating again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import z3

from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T
from verifier.symbolic import arith as A
from verifier.symbolic import terms as K
from verifier.symbolic import valueops as VO
from verifier.symbolic import values as V
from verifier.symbolic.encode import Encoder, Env, State, as_int, unwrap, within
from verifier.symbolic.errors import ModelProblem
from verifier.symbolic.state import (
    Leaf,
    SymState,
    conform,
    const_of,
    contains,
    domain,
    fresh,
    fresh_state,
    same,
)
from verifier.symbolic.values import FALSE, NO, TRUE, Errors, SMap, SOpt, SSeq, STuple, SVal, Term

MAX_PATHS = 4096  # paths of one action (either branches x pick values) before we give up


@dataclass(frozen=True, slots=True)
class Path:
    """One way through an action body: taken when ``guard`` holds, ending in ``state``."""

    guard: Term
    state: State


@dataclass(frozen=True, slots=True)
class StepVars:
    """The solver's choices in one step."""

    action: Term                              # Int: index of the action taken
    choice: Term                              # Int: which path through the action
    params: tuple[tuple[SVal, ...], ...]      # per action, its parameter values
    leaves: tuple[Term, ...]                  # every constant above


@dataclass(frozen=True, slots=True)
class Step:
    vars: StepVars
    trans: Term   # ``cur`` steps to ``nxt``
    error: Term   # an action instance enabled in ``cur`` fails with a run-time error


def _has_choice(stmts: tuple[M.Stmt, ...]) -> bool:
    for s in stmts:
        if isinstance(s, (M.SEither, M.SPick)):
            return True
        if isinstance(s, M.SIf) and (_has_choice(s.then) or _has_choice(s.other)):
            return True
    return False


def _strip(ty: T.Ty) -> T.Ty:
    return ty.inner if isinstance(ty, T.OptionTy) else ty


def _leaf_type(ty: T.Ty, path: tuple[M.Accessor, ...]) -> T.Ty:
    for acc in path:
        ty = _strip(ty)
        match acc, ty:
            case M.AKey(), T.MapTy(_, cod):
                ty = cod
            case M.AIndex(), T.SeqTy(elem, _):
                ty = elem
            case M.AField(pos), T.TupleTy(items) | T.RecordTy(_, items):
                ty = items[pos]
    return ty


class _Runner:
    """Runs one action body symbolically, collecting its paths and error condition."""

    def __init__(self, enc: Encoder, model: M.Model) -> None:
        self.enc = enc
        self.model = model
        self.errs = Errors()
        self.paths: list[Path] = []

    def run(self, stmts: tuple[M.Stmt, ...], st: State, env: Env, g: Term) -> None:
        for i, s in enumerate(stmts):
            if K.is_false(g):
                return
            rest = stmts[i + 1:]
            match s:
                case M.SAssign():
                    st = self.assign(s, st, env, g)
                case M.SRequire(cond):
                    g = V.and_(g, self.enc.boolean(cond, st, env, g, self.errs))
                case M.SIf(cond, then, other):
                    c = self.enc.boolean(cond, st, env, g, self.errs)
                    if K.is_true(c) or K.is_false(c):
                        self.run((then if K.is_true(c) else other) + rest, st, env, g)
                        return
                    if _has_choice(then) or _has_choice(other):
                        self.run(then + rest, st, env, V.and_(g, c))
                        self.run(other + rest, st, env, V.and_(g, V.not_(c)))
                        return
                    g1, st1 = self.linear(then, st, env, V.and_(g, c))
                    g2, st2 = self.linear(other, st, env, V.and_(g, V.not_(c)))
                    g = V.or_(g1, g2)
                    st = tuple(a if a is b else VO.ite(c, a, b) for a, b in zip(st1, st2))
                case M.SEither(branches):
                    for b in branches:
                        self.run(b + rest, st, env, g)
                    return
                case M.SPick(slot, dom, body):
                    for ent in self.enc.domain(dom, st, env, g, self.errs):
                        self.run(body + rest, st, {**env, slot: ent.elem}, V.and_(g, ent.guard))
                    return
        if len(self.paths) >= MAX_PATHS:
            from verifier.symbolic.errors import Unsupported

            raise Unsupported(f"an action has more than {MAX_PATHS} paths (either branches times "
                              "pick values)", hint="split the action, or check it explicitly")
        # the path completes only if no earlier path (in the reference's order) failed
        self.paths.append(Path(V.and_(g, V.not_(self.errs.acc)), st))

    def linear(self, stmts: tuple[M.Stmt, ...], st: State, env: Env, g: Term) -> tuple[Term, State]:
        """Run choice-free statements: one path, returned rather than recorded."""
        for s in stmts:
            match s:
                case M.SAssign():
                    st = self.assign(s, st, env, g)
                case M.SRequire(cond):
                    g = V.and_(g, self.enc.boolean(cond, st, env, g, self.errs))
                case M.SIf(cond, then, other):
                    c = self.enc.boolean(cond, st, env, g, self.errs)
                    g1, st1 = self.linear(then, st, env, V.and_(g, c))
                    g2, st2 = self.linear(other, st, env, V.and_(g, V.not_(c)))
                    g = V.or_(g1, g2)
                    st = tuple(a if a is b else VO.ite(c, a, b) for a, b in zip(st1, st2))
                case _:
                    raise AssertionError(s)
        return g, st

    def assign(self, s: M.SAssign, st: State, env: Env, g: Term) -> State:
        new = self.enc.expr(s.value, st, env, g, self.errs)
        var_ty = self.model.variables[s.var].ty
        leaf = _leaf_type(var_ty, s.path)
        self.errs.add(V.and_(g, V.not_(contains(leaf, new))))
        updated = self.update(st[s.var], var_ty, s.path, conform(leaf, new), st, env, g)
        return st[:s.var] + (updated,) + st[s.var + 1:]

    def update(self, cur: SVal, ty: T.Ty, path: tuple[M.Accessor, ...], new: SVal, st: State,
               env: Env, g: Term) -> SVal:
        """``cur`` with the component at ``path`` replaced by ``new`` (keys read in ``st``)."""
        if not path:
            return new
        acc, rest = path[0], path[1:]
        opt = isinstance(cur, SOpt)
        inner = unwrap(cur, g, self.errs) if opt else cur
        ty = _strip(ty)
        out: SVal
        match acc, inner, ty:
            case M.AKey(key), SMap(keys, items), T.MapTy(_, cod):
                kv = unwrap(self.enc.expr(key, st, env, g, self.errs), g, self.errs)
                conds = [VO.eq_key(kv, k) for k in keys]
                if not within(kv, keys):
                    self.errs.add(V.and_(g, V.not_(V.or_all(conds))))
                out = SMap(keys, tuple(it if K.is_false(c) else
                                       VO.ite(c, self.update(it, cod, rest, new, st, env, g), it)
                                       for c, it in zip(conds, items)))
            case M.AIndex(idx), SSeq(length, items), T.SeqTy(elem, _):
                iv = as_int(self.enc.expr(idx, st, env, g, self.errs), g, self.errs)
                ok = V.and_(V.compare("<=", V.int_const(0), iv), V.compare("<", iv, length))
                self.errs.add(V.and_(g, V.not_(ok)))
                out = SSeq(length, tuple(VO.ite(VO.eq_key(iv, j), self.update(it, elem, rest, new, st, env, g), it)
                                         for j, it in enumerate(items)))
            case M.AField(pos), STuple(items), (T.TupleTy(tys) | T.RecordTy(_, tys)):
                out = STuple(items[:pos] + (self.update(items[pos], tys[pos], rest, new, st, env, g),)
                             + items[pos + 1:])
            case _:
                raise AssertionError((acc, inner, ty))
        if opt:
            assert isinstance(cur, SOpt)
            return SOpt(cur.some, out)
        return out


@dataclass
class _Templates:
    cur: SymState
    nxt: SymState
    step: Step
    props: dict[int, tuple[M.Expr, Term, Term]] = field(default_factory=dict)  # by id of the condition


class System:
    """The model as a symbolic transition system."""

    def __init__(self, model: M.Model) -> None:
        self.model = model
        self.enc = Encoder(model)
        self.init_values = self._init_values()
        self._tmpl: _Templates | None = None

    def _init_values(self) -> tuple[Any, ...]:
        out: list[Any] = []
        for i, var in enumerate(self.model.variables):
            e = self.model.init_values[i] if i < self.model.n_spec_vars else None
            if i >= self.model.n_spec_vars:
                out.append(0)
            elif e is None:
                out.append(NO)
            else:
                try:
                    v = sem.evaluate(e, (), {})
                except sem.EvalError as err:
                    raise ModelProblem(f"run-time error in the initial value of {var.name}: {err.describe()}",
                                       "fix the `var` initial value") from None
                if not T.contains(var.ty, v):
                    raise ModelProblem(f"the initial value of {var.name} is outside its type {T.show(var.ty)}",
                                       "fix the `var` initial value")
                out.append(v)
        return tuple(out)

    # -- states
    def state(self, tag: str) -> SymState:
        return fresh_state(self.model, tag)

    def domain(self, st: SymState) -> Term:
        return V.and_all(c for var, x in zip(self.model.variables, st.values) for c in domain(var.ty, x))

    def same_state(self, a: SymState, b: SymState) -> Term:
        return V.and_all(same(x, y) for x, y in zip(a.values, b.values))

    def init(self, st: SymState) -> tuple[Term, Term]:
        """The initial-state condition and the condition of a run-time error in ``init``."""
        parts = []
        for var, x, v in zip(self.model.variables, st.values, self.init_values):
            if v is not NO:
                parts.append(same(x, conform(var.ty, const_of(var.ty, v))))
        errs = Errors()
        g = TRUE
        for c in self.model.init_conds:
            g = V.and_(g, self.enc.boolean(c, st.values, {}, g, errs))
        return V.and_all(parts + [g]), errs.acc

    def prop(self, p: M.Property, st: SymState) -> tuple[Term, Term]:
        """A property's value in ``st`` and the condition of a run-time error evaluating it."""
        tm = self.templates()
        hit = tm.props.get(id(p.cond))
        if hit is None or hit[0] is not p.cond:
            errs = Errors()
            hit = (p.cond, self.enc.boolean(p.cond, tm.cur.values, {}, TRUE, errs), errs.acc)
            tm.props[id(p.cond)] = hit
        _, val, err = hit
        pairs = list(zip([lf.term for lf in tm.cur.leaves], [lf.term for lf in st.leaves]))
        return _subst(val, pairs), _subst(err, pairs)

    def constraints_ok(self, st: tuple[SVal, ...]) -> Term:
        return V.and_all(self.enc.boolean(c.cond, st, {}, TRUE, Errors()) for c in self.model.constraints)

    # -- the step
    def templates(self) -> _Templates:
        if self._tmpl is None:
            cur, nxt = self.state("s"), self.state("t")
            self._tmpl = _Templates(cur, nxt, self._build_step(cur, nxt, "T"))
        return self._tmpl

    def step(self, cur: SymState, nxt: SymState | None, tag: str) -> Step:
        """The step from ``cur`` to ``nxt`` with solver variables tagged ``tag``
        (``nxt`` None: only the error formula is meaningful)."""
        tm = self.templates()
        vars_ = self._step_vars(tag)
        pairs = [(a.term, b.term) for a, b in zip(tm.cur.leaves, cur.leaves)]
        if nxt is not None:
            pairs += [(a.term, b.term) for a, b in zip(tm.nxt.leaves, nxt.leaves)]
        pairs += list(zip(tm.step.vars.leaves, vars_.leaves))
        trans = _subst(tm.step.trans, pairs) if nxt is not None else FALSE
        return Step(vars_, trans, _subst(tm.step.error, pairs))

    def _step_vars(self, tag: str) -> StepVars:
        leaves: list[Leaf] = []
        params = tuple(tuple(fresh(p.ty, f"{a.name}.{p.name}", f"@{tag}", -1, (), leaves) for p in a.params)
                       for a in self.model.actions)
        act, choice = z3.Int(f"action@{tag}"), z3.Int(f"choice@{tag}")
        return StepVars(act, choice, params, (act, choice) + tuple(lf.term for lf in leaves))

    def action_paths(self, a: M.Action, st: State, params: tuple[SVal, ...]) -> tuple[list[Path], Term]:
        r = _Runner(self.enc, self.model)
        r.run(a.body, st, {p.slot: v for p, v in zip(a.params, params)}, TRUE)
        return r.paths, r.errs.acc

    def _build_step(self, cur: SymState, nxt: SymState, tag: str) -> Step:
        model = self.model
        sv = self._step_vars(tag)
        pdom = V.and_all(c for a, ps in zip(model.actions, sv.params)
                         for p, x in zip(a.params, ps) for c in domain(p.ty, x))
        trans_parts, err_parts = [], []
        max_paths = 0
        for a, ps in zip(model.actions, sv.params):
            paths, err = self.action_paths(a, cur.values, ps)
            max_paths = max(max_paths, len(paths))
            counters = [c for c in model.counters if a.index in c.actions]
            enabled = V.and_all(V.compare("<", _int(cur.values[c.var]), V.int_const(c.cap)) for c in counters)
            sel = sv.action == a.index
            err_parts.append(V.and_(sel, enabled, err))
            bumped = {c.var: A.add(_int(cur.values[c.var]), V.int_const(1)) for c in counters}
            ends = [(p.guard, tuple(bumped.get(v, x) for v, x in enumerate(p.state))) for p in paths]
            if not ends:
                continue
            nvars = len(model.variables)
            shared = [v for v in range(nvars) if all(e[1][v] is ends[0][1][v] for e in ends)]
            common = [same(nxt.values[v], ends[0][1][v]) for v in shared]
            per_path = []
            for j, (guard, st) in enumerate(ends):
                eqs = [same(nxt.values[v], st[v]) for v in range(nvars) if v not in shared]
                per_path.append(V.and_all([sv.choice == j, guard] + eqs))
            trans_parts.append(V.and_all([sel, enabled] + common + [V.or_all(per_path)]))
        pdom = V.and_all([pdom, sv.action >= 0, sv.action < len(model.actions), sv.choice >= 0,
                          sv.choice < max(1, max_paths)])
        ok = V.and_(self.constraints_ok(cur.values), pdom)
        return Step(sv, V.and_(ok, V.or_all(trans_parts)), V.and_(ok, V.or_all(err_parts)))


def _int(v: SVal) -> V.SInt:
    assert isinstance(v, V.SInt)
    return v


def _subst(t: Term, pairs: list[tuple[Term, Term]]) -> Term:
    if K.is_true(t) or K.is_false(t) or not pairs:
        return t
    return z3.substitute(t, *pairs)
