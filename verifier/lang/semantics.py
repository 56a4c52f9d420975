"""Stage 4 (reference): the reference semantics of a checked model.

This is the definition every faster engine must agree with, written to be read rather
than to be fast. A state is a tuple of variable values (``verifier.lang.typesys`` describes
the values and their packed encoding).

A step: for each action in declaration order, for each parameter valuation in the
canonical order of the parameter types (fault actions whose cap is reached are
skipped), the body's statements run in order on a copy of the state; ``require`` ends
a path that fails it, ``either`` runs each branch in order, ``pick`` each value in
canonical order, so one action instance yields zero or more transitions, in that order.
Each transition's successor is checked against the variables' domains. A run-time
error (a key outside a map's domain, an assignment outside a variable's type, division
by zero, ...) ends the action instance with an error transition after the transitions
it has already yielded.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from verifier.lang import model as M
from verifier.lang import typesys as T
from verifier.lang.syntax import Span

State = tuple[Any, ...]
Env = dict[int, Any]


class EvalError(Exception):
    """A run-time error in the spec: reported as a property violation with its trace."""

    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span

    def describe(self) -> str:
        return f"{self.message} (at {self.span.path}:{self.span.line}:{self.span.col})"


@dataclass(frozen=True, slots=True)
class Transition:
    action: int                 # index into model.actions
    params: tuple[Any, ...]     # parameter values, in declaration order
    target: State | None        # None for an error transition
    error: EvalError | None = None


def iter_set(v: frozenset[Any], ty: T.Ty) -> list[Any]:
    """The elements of a set value in canonical order (the order picks and quantifiers use)."""
    elem = ty.elem if isinstance(ty, T.SetTy) else T.ANY
    if T.is_finite(elem):
        return sorted(v, key=lambda x: T.key_index(elem, x))
    return sorted(v)


def _domain_values(e: M.Expr, state: State, env: Env) -> Iterable[Any]:
    """The values a binder ranges over, in canonical order; a range ``lo..hi`` is not
    built as a set (the compiled code iterates it the same way)."""
    if isinstance(e, M.ETypeSet):
        return _type_values(e)
    if isinstance(e, M.EBinary) and e.op == "range":
        lo, hi = _bounds(e, state, env)
        return range(lo, hi + 1)
    return iter_set(evaluate(e, state, env), e.ty)


def _bounds(e: M.EBinary, state: State, env: Env) -> tuple[int, int]:
    """The bounds of the range ``lo..hi``."""
    return (_num(evaluate(e.left, state, env), e.left),
            _num(evaluate(e.right, state, env), e.right))


def _type_values(e: M.ETypeSet) -> tuple[Any, ...]:
    try:
        return T.value_list(e.elem)
    except T.TooManyValues as err:  # the checker reports such types (E110)
        raise EvalError(str(err), e.span) from None


def evaluate(e: M.Expr, state: State, env: Env) -> Any:
    """The value of an expression in a state, with bound locals in ``env``."""
    match e:
        case M.EConst(v):
            return v
        case M.EVar(i):
            return state[i]
        case M.ELocal(slot):
            return env[slot]
        case M.EUnary("not", a):
            return not evaluate(a, state, env)
        case M.EUnary(_, a):
            return -_num(evaluate(a, state, env), a)
        case M.EBinary(op, a, b):
            return _binary(op, a, b, state, env, e)
        case M.EIte(c, a, b):
            return evaluate(a if evaluate(c, state, env) else b, state, env)
        case M.EQuant(kind, slots, doms, body):
            return _quant(kind, slots, doms, body, state, env)
        case M.ELet(slot, v, body):
            return evaluate(body, state, {**env, slot: evaluate(v, state, env)})
        case M.EApply(m, k, _, sp):
            mv = _some(evaluate(m, state, env), m)
            mt = _strip(m.ty)
            assert isinstance(mt, T.MapTy)
            kv = _some(evaluate(k, state, env), k)
            i = T.key_index(mt.dom, kv)
            if i < 0:
                raise EvalError(f"key {_show(kv)} is outside the domain {T.show(mt.dom)}", sp)
            return mv[i]
        case M.ESeqIndex(s, i, _, sp):
            sv = _some(evaluate(s, state, env), s)
            iv = _num(evaluate(i, state, env), i)
            if not 0 <= iv < len(sv):
                raise EvalError(f"index {iv} is outside a sequence of length {len(sv)}", sp)
            return sv[iv]
        case M.EField(b, pos):
            return _some(evaluate(b, state, env), b)[pos]
        case M.EBuiltin(name, args, _, sp):
            return _builtin(name, [evaluate(a, state, env) for a in args], args, sp)
        case M.ESetLit(items):
            return frozenset(evaluate(i, state, env) for i in items)
        case M.ESetComp(elem, slot, dom, cond):
            out = set()
            for v in _domain_values(dom, state, env):
                env2 = {**env, slot: v}
                if cond is None or evaluate(cond, state, env2):
                    out.add(evaluate(elem, state, env2))
            return frozenset(out)
        case M.EMapComp(slot, body, ty):
            assert isinstance(ty, T.MapTy)
            return tuple(evaluate(body, state, {**env, slot: k}) for k in T.value_list(ty.dom))
        case M.ETuple(items) | M.ESeqLit(items):
            return tuple(evaluate(i, state, env) for i in items)
        case M.ETypeSet():
            return frozenset(_type_values(e))
        case M.EEnabled():
            return _enabled(e, state, env)
    raise AssertionError(e)


def _enabled(e: M.EEnabled, state: State, env: Env) -> bool:
    """Whether the action instance has a transition that is not a run-time error (the
    transitions ``successors`` gives it, up to its first error)."""
    inner: Env = {}
    for p, a in zip(e.params, e.args, strict=True):
        v = evaluate(a, state, env)
        if not T.contains(p.ty, v):
            raise EvalError(f"enabled({e.name}): {p.name} = {_show(v)} is outside its type "
                            f"{T.show(p.ty)}", a.span)
        inner[p.slot] = v
    if any(state[var] >= cap for var, cap in e.caps):
        return False
    try:
        for _ in _run(e.body, e.variables, state, inner):
            return True
    except EvalError:
        pass
    return False


def _strip(ty: T.Ty) -> T.Ty:
    return ty.inner if isinstance(ty, T.OptionTy) else ty


def _some(v: Any, e: M.Expr) -> Any:
    if v is None and isinstance(e.ty, T.OptionTy):
        raise EvalError("the value is `none`", e.span)
    return v


def _num(v: Any, e: M.Expr) -> int:
    if v is None:
        raise EvalError("`none` used as a number", e.span)
    return int(v)


def _show(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _binary(op: str, a: M.Expr, b: M.Expr, state: State, env: Env, e: M.EBinary) -> Any:
    if op == "and":
        return bool(evaluate(a, state, env)) and bool(evaluate(b, state, env))
    if op == "or":
        return bool(evaluate(a, state, env)) or bool(evaluate(b, state, env))
    if op == "=>":
        return (not evaluate(a, state, env)) or bool(evaluate(b, state, env))
    if op in ("in", "notin") and isinstance(b, M.EBinary) and b.op == "range":
        # membership in `lo..hi` is a comparison: the range is not built (nor compiled)
        x = evaluate(a, state, env)
        lo, hi = _bounds(b, state, env)
        inside = isinstance(x, int) and not isinstance(x, bool) and lo <= x <= hi
        return inside if op == "in" else not inside
    x, y = evaluate(a, state, env), evaluate(b, state, env)
    match op:
        case "<=>":
            return bool(x) == bool(y)
        case "==":
            return _eq(x, y)
        case "!=":
            return not _eq(x, y)
        case "<":
            return _num(x, a) < _num(y, b)
        case "<=":
            return _num(x, a) <= _num(y, b)
        case ">":
            return _num(x, a) > _num(y, b)
        case ">=":
            return _num(x, a) >= _num(y, b)
        case "in":
            return x in y
        case "notin":
            return x not in y
        case "subset":
            return x <= y
        case "psubset":
            return x < y
        case "union":
            return x | y
        case "inter":
            return x & y
        case "diff":
            return x - y
        case "range":
            lo, hi = _num(x, a), _num(y, b)
            if hi - lo + 1 > T.MAX_DOMAIN:
                raise EvalError(f"the range {lo}..{hi} has {hi - lo + 1:,} values, more than a "
                                f"set may hold ({T.MAX_DOMAIN:,})", e.span)
            return frozenset(range(lo, hi + 1))
        case "+":
            return _num(x, a) + _num(y, b)
        case "-":
            return _num(x, a) - _num(y, b)
        case "*":
            return _num(x, a) * _num(y, b)
        case "//" | "%":
            d = _num(y, b)
            if d == 0:
                raise EvalError("division by zero", e.span)
            return _num(x, a) // d if op == "//" else _num(x, a) % d
    raise AssertionError(op)


def _eq(x: Any, y: Any) -> bool:
    # bool and int never meet after type checking; `none` is only equal to itself
    return x == y and (x is None) == (y is None)


def _quant(kind: str, slots: tuple[int, ...], doms: tuple[M.Expr, ...], body: M.Expr,
           state: State, env: Env) -> Any:
    def bindings(i: int, env_: Env) -> Iterator[Env]:
        if i == len(slots):
            yield env_
            return
        for v in _domain_values(doms[i], state, env_):
            yield from bindings(i + 1, {**env_, slots[i]: v})

    if kind == "forall":
        return all(evaluate(body, state, en) for en in bindings(0, env))
    if kind == "exists":
        return any(evaluate(body, state, en) for en in bindings(0, env))
    if kind == "count":
        return sum(1 for en in bindings(0, env) if evaluate(body, state, en))
    return sum(_num(evaluate(body, state, en), body) for en in bindings(0, env))


def _builtin(name: str, vals: list[Any], args: tuple[M.Expr, ...], sp: Span) -> Any:
    if name == "len":
        return len(_some(vals[0], args[0]))
    if name == "head":
        if not vals[0]:
            raise EvalError("head of an empty sequence", sp)
        return vals[0][0]
    if name == "tail":
        if not vals[0]:
            raise EvalError("tail of an empty sequence", sp)
        return vals[0][1:]
    if name == "append":
        return tuple(vals[0]) + (vals[1],)
    if name == "abs":
        return abs(_num(vals[0], args[0]))
    if name == "ord":
        ty = args[0].ty
        assert isinstance(ty, T.EnumTy)
        return ty.members.index(vals[0])
    if len(vals) == 1:
        if not vals[0]:
            raise EvalError(f"{name} of an empty set", sp)
        return min(vals[0]) if name == "min" else max(vals[0])
    a, b = _num(vals[0], args[0]), _num(vals[1], args[1])
    return min(a, b) if name == "min" else max(a, b)


# ---- statements -------------------------------------------------------------------------


def _update(value: Any, path: tuple[M.Accessor, ...], new: Any, state: State, env: Env,
            sp: Span) -> Any:
    """``value`` with the entry at ``path`` replaced by ``new`` (keys evaluated in ``state``)."""
    if not path:
        return new
    acc, rest = path[0], path[1:]
    match acc:
        case M.AKey(key, mty):
            mt = _strip(mty)
            assert isinstance(mt, T.MapTy)
            kv = evaluate(key, state, env)
            i = T.key_index(mt.dom, kv)
            if i < 0:
                raise EvalError(f"key {_show(kv)} is outside the domain {T.show(mt.dom)}", sp)
        case M.AIndex(idx):
            i = _num(evaluate(idx, state, env), idx)
            if not 0 <= i < len(value):
                raise EvalError(f"index {i} is outside a sequence of length {len(value)}", sp)
        case M.AField(pos):
            i = pos
    if value is None:
        raise EvalError("the value is `none`", sp)
    items = list(value)
    items[i] = _update(items[i], rest, new, state, env, sp)
    return tuple(items)


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


def run(stmts: tuple[M.Stmt, ...], model: M.Model, state: State, env: Env) -> Iterator[State]:
    """Every end state of running ``stmts`` from ``state``, in the semantics' order."""
    return _run(stmts, model.variables, state, env)


def _run(stmts: tuple[M.Stmt, ...], variables: tuple[M.Variable, ...], state: State,
         env: Env) -> Iterator[State]:
    if not stmts:
        yield state
        return
    s, rest = stmts[0], stmts[1:]
    match s:
        case M.SAssign(var, path, value, sp):
            new = evaluate(value, state, env)
            var_ty = variables[var].ty
            leaf = _leaf_type(var_ty, path)
            if not T.contains(leaf, new):
                raise EvalError(f"{variables[var].name}{_path_text(path, state, env)} = "
                                f"{_show(new)} is outside its type {T.show(leaf)}", sp)
            updated = _update(state[var], path, new, state, env, sp)
            yield from _run(rest, variables, state[:var] + (updated,) + state[var + 1:], env)
        case M.SRequire(cond):
            if evaluate(cond, state, env):
                yield from _run(rest, variables, state, env)
        case M.SIf(cond, then, other):
            yield from _run((then if evaluate(cond, state, env) else other) + rest, variables, state, env)
        case M.SEither(branches):
            for b in branches:
                yield from _run(b + rest, variables, state, env)
        case M.SPick(slot, dom, body):
            for v in _domain_values(dom, state, env):
                yield from _run(body + rest, variables, state, {**env, slot: v})


def _path_text(path: tuple[M.Accessor, ...], state: State, env: Env) -> str:
    out = ""
    for acc in path:
        match acc:
            case M.AKey(k) | M.AIndex(k):
                try:
                    out += f"[{_show(evaluate(k, state, env))}]"
                except EvalError:
                    out += "[?]"
            case M.AField(pos):
                out += f".{pos}"
    return out


def param_valuations(action: M.Action) -> list[tuple[Any, ...]]:
    return list(itertools.product(*(T.value_list(p.ty) for p in action.params)))


def successors(model: M.Model, state: State) -> list[Transition]:
    """Every transition from ``state``, in the semantics' order (see the module doc)."""
    out: list[Transition] = []
    for action in model.actions:
        counters = [c for c in model.counters if action.index in c.actions]
        if any(state[c.var] >= c.cap for c in counters):
            continue
        for params in param_valuations(action):
            env = {p.slot: v for p, v in zip(action.params, params)}
            try:
                for target in run(action.body, model, state, env):
                    for c in counters:
                        target = target[:c.var] + (target[c.var] + 1,) + target[c.var + 1:]
                    out.append(Transition(action.index, params, target))
            except EvalError as err:
                out.append(Transition(action.index, params, None, err))
    return out


def initial_states(model: M.Model, limit: int = 1_000_000) -> list[State]:
    """The initial states, in canonical order, without duplicates.

    Variables with an initial value take it; the others range over their type (in the
    canonical order, the first variable varying slowest); ``init`` conditions filter.
    Raises EvalError on a run-time error and ValueError past ``limit`` candidates.
    """
    choices: list[list[Any]] = []
    count = 1
    for i, var in enumerate(model.variables):
        if i >= model.n_spec_vars:
            choices.append([0])
            continue
        init = model.init_values[i]
        if init is not None:
            v = evaluate(init, (), {})
            if not T.contains(var.ty, v):
                raise EvalError(f"the initial value of {var.name}, {_show(v)}, is outside its "
                                f"type {T.show(var.ty)}", init.span)
            choices.append([v])
        else:
            n = T.size(var.ty)
            count *= n
            if count > limit:
                raise ValueError(f"more than {limit:,} candidate initial states")
            choices.append(list(T.value_list(var.ty)))
    out: list[State] = []
    seen: set[State] = set()
    for cand in itertools.product(*choices):
        if cand in seen:
            continue
        if all(evaluate(c, cand, {}) for c in model.init_conds):
            seen.add(cand)
            out.append(cand)
    return out


def holds(prop: M.Property, state: State) -> bool:
    return bool(evaluate(prop.cond, state, {}))


def fires(prop: M.Property, state: State) -> bool:
    """Whether a watched property fires in ``state``: an invariant that is false, a
    reachable that is true, a constraint that is false. A run-time error while
    evaluating the condition counts as false (so an invariant that cannot be evaluated
    is violated, and its trace shows where)."""
    try:
        value = bool(evaluate(prop.cond, state, {}))
    except EvalError:
        value = False
    return value if prop.kind == "reachable" else not value
