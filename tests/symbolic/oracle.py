"""Reference-semantics oracles for the symbolic tests.

Each helper asks the translation one precise question about *concrete* states and
returns plain Python values to compare with ``verifier.lang.semantics``: the value (or
run-time error) of a property in a state, the set of transitions and failing action
instances out of a state, and the number of states reachable within each depth.
"""

from __future__ import annotations

import random
from typing import Any

import z3

from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T
from verifier.symbolic import valueops as VO
from verifier.symbolic import values as V
from verifier.symbolic.bmc import Unrolling
from verifier.symbolic.common import make_solver
from verifier.symbolic.state import SymState, decode, decode_state, same, state_const
from verifier.symbolic.traces import decode_move
from verifier.symbolic.transition import System

ERROR = "error"


def fix(model: M.Model, st: SymState, state: sem.State) -> Any:
    return V.and_all(same(x, c) for x, c in zip(st.values, state_const(model, state)))


def ref_value(p: M.Property, state: sem.State) -> Any:
    try:
        return bool(sem.evaluate(p.cond, state, {}))
    except sem.EvalError:
        return ERROR


def sym_value(system: System, p: M.Property, st: SymState, state: sem.State) -> Any:
    """The translation's value of ``p`` in a concrete state (or ``ERROR``)."""
    val, err = system.prop(p, st)
    s = z3.Solver()
    s.add(fix(system.model, st, state))
    assert s.check() == z3.sat
    m = s.model()
    if z3.is_true(m.eval(err, model_completion=True)):
        return ERROR
    return bool(z3.is_true(m.eval(val, model_completion=True)))


class Successors:
    """The transitions of concrete states, read from the translation by enumeration."""

    def __init__(self, model: M.Model) -> None:
        self.model = model
        self.system = System(model)
        self.cur, self.nxt = self.system.state("c"), self.system.state("n")
        self.step = self.system.step(self.cur, self.nxt, "x")
        self.solver = make_solver(model, 30)
        self.solver.add(self.system.domain(self.nxt))

    def _params_eq(self, a: int, params: tuple[Any, ...]) -> Any:
        sv = self.step.vars
        return V.and_all([sv.action == a] + [VO.eq_key(x, v) for x, v in zip(sv.params[a], params)])

    def of(self, state: sem.State) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
        """(transitions as (action, params, target), failing instances as (action, params))."""
        moves: set[tuple[Any, ...]] = set()
        errors: set[tuple[Any, ...]] = set()
        s = self.solver
        with s.frame():
            s.add(fix(self.model, self.cur, state))
            with s.frame():
                s.add(self.step.trans)
                while (out := s.check()).status == "sat":
                    a, params = decode_move(self.model, self.step.vars, out.model)
                    target = decode_state(self.model, self.nxt, out.model)
                    moves.add((a, params, target))
                    s.add(V.not_(V.and_(self._params_eq(a, params), fix(self.model, self.nxt, target))))
                assert out.status == "unsat", out
            with s.frame():
                s.add(self.step.error)
                while (out := s.check()).status == "sat":
                    a, params = decode_move(self.model, self.step.vars, out.model)
                    errors.add((a, params))
                    s.add(V.not_(self._params_eq(a, params)))
                assert out.status == "unsat", out
        return moves, errors


def ref_successors(model: M.Model, state: sem.State) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    moves, errors = set(), set()
    for tr in sem.successors(model, state):
        if tr.target is None:
            errors.add((tr.action, tr.params))
        else:
            moves.add((tr.action, tr.params, tr.target))
    return moves, errors


def sample_states(model: M.Model, n: int, seed: int = 0, reachable: int = 0) -> list[sem.State]:
    """Up to ``reachable`` states found breadth-first, then random states of the types."""
    rng = random.Random(seed)
    out: list[sem.State] = []
    frontier = list(sem.initial_states(model))
    seen = set(frontier)
    while frontier and len(out) < reachable:
        s = frontier.pop(0)
        out.append(s)
        for tr in sem.successors(model, s):
            if tr.target is not None and tr.target not in seen:
                seen.add(tr.target)
                frontier.append(tr.target)
    while len(out) < n:
        out.append(tuple(_random_value(v.ty, rng) for v in model.variables))
    return out


def _random_value(ty: T.Ty, rng: random.Random) -> Any:
    if isinstance(ty, T.IntTy):
        return rng.randint(-3, 6)
    if isinstance(ty, T.MapTy):
        return tuple(_random_value(ty.cod, rng) for _ in T.value_list(ty.dom))
    if isinstance(ty, T.SetTy):
        return frozenset(x for x in T.value_list(ty.elem) if rng.random() < 0.4)
    if isinstance(ty, (T.TupleTy, T.RecordTy)):
        items = ty.items if isinstance(ty, T.TupleTy) else ty.types
        return tuple(_random_value(t, rng) for t in items)
    if isinstance(ty, T.OptionTy):
        return None if rng.random() < 0.3 else _random_value(ty.inner, rng)
    if isinstance(ty, T.SeqTy):
        return tuple(_random_value(ty.elem, rng) for _ in range(rng.randint(0, ty.capacity)))
    return rng.choice(T.value_list(ty))


def bmc_state_counts(model: M.Model, depth: int) -> list[int]:
    """How many distinct states the unrolling reaches within 0, 1, ..., depth steps
    (enumerated with blocking clauses)."""
    system = System(model)
    solver = make_solver(model, 60)
    un = Unrolling(system, solver)
    seen: set[sem.State] = set()
    counts = []
    for d in range(depth + 1):
        if d:
            un.extend()
        st = un.states[-1]
        with solver.frame():
            for s in seen:
                solver.add(V.not_(fix(model, st, s)))
            while (out := solver.check()).status == "sat":
                conc = decode_state(model, st, out.model)
                seen.add(conc)
                solver.add(V.not_(fix(model, st, conc)))
            assert out.status == "unsat", out
        counts.append(len(seen))
    return counts


__all__ = ["ERROR", "Successors", "bmc_state_counts", "decode", "ref_successors", "ref_value",
           "sample_states", "sym_value"]
