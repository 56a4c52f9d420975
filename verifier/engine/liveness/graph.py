"""Stage 5 (liveness): the labelled state graph that the liveness algorithms read.

This is the boundary between an engine and the liveness check: any engine that can list
every reachable state and its transitions, each with its action and the action's
parameter valuation (its *instance*), can fill a ``LabelledGraph``; the algorithms
(``fair.py``, ``ltl.py``, ``bounded.py``) read nothing else, plus the value of state
predicates on its states (``Stepper.truth``). ``build_graph`` fills it with a ``Stepper``
(compiled when the spec allows it); ``reference_graph`` is the same graph straight from
the reference semantics, which the tests compare it with. Every edge is stored, so it
grows until the memory limit (or ``graph_max_nodes`` states, when set).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from verifier.engine.explicit import rss_mb
from verifier.engine.liveness.csr import Csr
from verifier.engine.stepper import ERROR, Stepper, instance_bases
from verifier.lang import model as M
from verifier.lang import semantics as sem

Edge = tuple[int, int, int]  # (action, instance, target)


class GraphTooLarge(Exception):
    """More states than the liveness check may store."""


@dataclass(frozen=True, slots=True)
class LabelledGraph:
    """The reachable states (ids in breadth-first order) and their transitions.

    ``succ[u]``: the distinct edges ``(action, instance, target)`` from state ``u``, sorted:
    ``action`` indexes ``model.actions``; ``instance`` is the index of the transition's
    parameter valuation in ``semantics.param_valuations(action)`` (the canonical order of
    the parameter types, the first parameter varying slowest; 0 for an action without
    parameters); ``target`` is a state id. Error transitions are left out (the safety
    check reports them), and a state outside a ``constraint`` has no edges. Fairness is
    judged on these edges: an instance is *enabled* in ``u`` when it has an edge there.
    ``ordinal[u][edge]``: the lowest position of such a transition among ``u``'s
    transitions in the reference order, error ones included (what trace replay takes).
    ``states`` holds each state as the stepper represents it (its ``decode`` gives the
    variables' values)."""

    states: Sequence[Any]
    initial: tuple[int, ...]
    succ: Sequence[Sequence[Edge]]
    ordinal: Sequence[dict[Edge, int]]
    # when an engine kept the edges in arrays (the kernel): the same edges, labelled by
    # instance number (``check.numbered_succ``), which the native search reads
    csr: Csr | None = None


MEMORY_CHECK_EVERY = 4096  # states between two looks at the process's memory


class _Numbering:
    """Ids for states in order of first sight (at most ``limit`` states, and no more
    than fit in ``memory_mb``)."""

    def __init__(self, limit: int | None, memory_mb: float | None) -> None:
        self.limit = limit
        self.memory_mb = memory_mb
        self.ids: dict[Any, int] = {}
        self.items: list[Any] = []

    def __call__(self, s: Any) -> int:
        i = self.ids.get(s)
        if i is None:
            n = len(self.items)
            if self.limit is not None and n >= self.limit:
                raise GraphTooLarge(f"the state graph has more than {self.limit:,} states")
            if n % MEMORY_CHECK_EVERY == 0 and self.memory_mb is not None and rss_mb() > self.memory_mb:
                raise GraphTooLarge(f"the state graph outgrew the memory limit ({self.memory_mb:,.0f} MiB) "
                                    f"at {n:,} states")
            i = self.ids[s] = n
            self.items.append(s)
        return i


def build_graph(model: M.Model, stepper: Stepper, limit: int | None, *, memory_mb: float | None = None,
                progress: Callable[[int], None] | None = None) -> LabelledGraph:
    """Every reachable state, as the explicit engine explores them: a state outside a
    ``constraint`` has no successors, fault budgets apply (the counters are in the state).
    ``stepper.expand_labelled`` gives each transition's instance; its position in the
    output is its ordinal (the reference semantics' order). ``limit`` caps the states
    (None: no fixed cap), ``memory_mb`` the process's memory; ``progress(k)`` is told
    every few thousand states expanded."""
    intern = _Numbering(limit, memory_mb)
    reps = intern.items
    succ: list[tuple[Edge, ...]] = []
    ordinals: list[dict[Edge, int]] = []
    initial = tuple(intern(s) for s in stepper.initial())
    bases = instance_bases(model)
    action_of = [a for a in range(len(model.actions)) for _ in range(bases[a + 1] - bases[a])]
    k = 0
    while k < len(reps):
        edges: dict[Edge, int] = {}
        for o, (gid, t) in enumerate(stepper.expand_labelled(reps[k])):
            if not (isinstance(t, int) and t == ERROR):
                a = action_of[gid]
                edges.setdefault((a, gid - bases[a], intern(t)), o)
        succ.append(tuple(sorted(edges)))
        ordinals.append(edges)
        k += 1
        if progress is not None and k % MEMORY_CHECK_EVERY == 0:
            progress(k)
    return LabelledGraph(tuple(reps), initial, tuple(succ), tuple(ordinals))


def reference_graph(model: M.Model, limit: int | None) -> LabelledGraph:
    """``build_graph`` straight from the reference semantics (states as value tuples): the
    specification that the stepper-based graph is tested against."""
    intern = _Numbering(limit, None)
    states = intern.items
    succ: list[tuple[Edge, ...]] = []
    ordinals: list[dict[Edge, int]] = []
    initial = tuple(intern(s) for s in sem.initial_states(model))
    index = [{v: k for k, v in enumerate(sem.param_valuations(a))} for a in model.actions]
    k = 0
    while k < len(states):
        edges: dict[Edge, int] = {}
        if all(sem.holds(c, states[k]) for c in model.constraints):
            for o, tr in enumerate(sem.successors(model, states[k])):
                if tr.target is not None:
                    edges.setdefault((tr.action, index[tr.action][tr.params], intern(tr.target)), o)
        succ.append(tuple(sorted(edges)))
        ordinals.append(edges)
        k += 1
    return LabelledGraph(tuple(states), initial, tuple(succ), tuple(ordinals))
