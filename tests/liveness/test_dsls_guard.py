"""DSLS's availability property asks whether a free license can be granted:
`canGrant(c, m) = enabled(Grant(c, m)) and connected(m)`. Before `enabled` existed the
spec restated Grant's guard; now the property rests on the guard itself, and this test
checks `enabled` where it matters: on reachable states of both designs (with and
without acknowledged grants), the compiled code (what the liveness check runs) and the
reference semantics give, for every client and member, exactly "Grant(c, m) has a
transition", as the reference semantics' successors say, and `connected` is computed
here from the state directly. Dropping a `require` from Grant changes what the
successors say and what `enabled` says alike; a wrong `enabled` breaks this test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from verifier.config import load_model as load_config
from verifier.config.load import load_model
from verifier.engine import make_stepper
from verifier.engine.liveness import build_graph
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T

ROOT = Path(__file__).resolve().parents[2]


def probe(model: M.Model, name: str) -> M.Liveness:
    return next(p for p in model.liveness if p.name == name)


@pytest.mark.parametrize("name, every", [("dsls_last_seat_race", 1), ("dsls_minority_fixed", 12)])
def test_can_grant_is_enabled_grant_of_a_connected_member(name: str, every: int) -> None:
    cfg = load_config(ROOT / "models" / f"{name}.toml")
    model = load_model(cfg)
    grant = next(a for a in model.actions if a.name == "Grant")
    # the property's goal is `exists c in Client, m in Member: canGrant(c, m)`; its body is
    # canGrant inlined, with c and m bound by the quantifier
    goal = probe(model, "FreeLicenseGrantable").goal
    assert isinstance(goal, M.EQuant) and goal.kind == "exists"
    c_slot, m_slot = goal.slots
    body = goal.body
    connected = _connected(model)
    stepper = make_stepper(model, (), "auto")
    assert type(stepper).__name__ == "CompiledStepper"
    graph = build_graph(model, stepper, 100_000)
    clients = T.value_list(grant.params[0].ty)
    members = T.value_list(grant.params[1].ty)
    reps = list(graph.states[::every])
    states = [stepper.decode(r) for r in reps]
    enabled = [{tr.params for tr in sem.successors(model, state)
                if tr.action == grant.index and tr.target is not None} for state in states]
    checked = grantable = 0
    for c in clients:
        for m in members:
            binding = ((M.Param(c_slot, "c", grant.params[0].ty), c),
                       (M.Param(m_slot, "m", grant.params[1].ty), m))
            compiled = stepper.truth(body, binding, reps)
            for state, fast, grants in zip(states, compiled, enabled):
                want = (c, m) in grants and connected(state, m)
                assert fast == want == bool(sem.evaluate(body, state, {c_slot: c, m_slot: m})), (state, c, m)
                grantable += want
                checked += 1
    assert checked > 1000 and 0 < grantable < checked


def _connected(model: M.Model) -> Callable[[sem.State, object], bool]:
    """`connected(m)`: m is up, and some other member is up with their link not cut,
    computed here from the state directly (the variable names of specs/dsls.fsl)."""
    names = [v.name for v in model.variables]
    up, cut = names.index("up"), names.index("cut")
    up_ty, cut_ty = model.variables[up].ty, model.variables[cut].ty
    assert isinstance(up_ty, T.MapTy) and isinstance(cut_ty, T.SetTy)
    members = T.value_list(up_ty.dom)

    def connected(state: sem.State, m: object) -> bool:
        ups = dict(zip(members, state[up]))
        return any(k != m and ups[m] and ups[k] and _link(m, k) not in state[cut]
                   for k in members)
    return connected


def _link(a: object, b: object) -> str:
    """The Link value of two members in specs/dsls.fsl: L12, L13, L23."""
    i, j = sorted((str(a)[-1], str(b)[-1]))
    return f"L{i}{j}"
