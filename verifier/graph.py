"""Stage 5 (graphs): the explored state graph as a ``networkx.DiGraph``.

Nodes are state ids in breadth-first discovery order (0 = the first initial state), with
the state's variables as attributes (values in the spec's syntax); edges carry the
action and its parameters. The graph is built by its own small breadth-first search over
the same ``Stepper`` the engine uses, with a dictionary from state to id, so it is meant
for small models: beyond ``graph_max_nodes`` states it refuses with ``GraphTooLarge``.
Analyses (strongly connected components, terminal states, distance from the initial
states) and DOT/GraphML export go through networkx (DOT through pydot).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from verifier import model as M
from verifier import results as R
from verifier import semantics as sem
from verifier import typesys as T
from verifier.engine.options import CheckOptions
from verifier.engine.stepper import ERROR, ReferenceStepper


class GraphTooLarge(Exception):
    pass


@dataclass(frozen=True, slots=True)
class GraphSummary:
    nodes: int
    edges: int
    initial: int
    terminal: int          # states with no outgoing transition
    sccs: int              # strongly connected components
    largest_scc: int
    max_distance: int      # longest shortest path from an initial state


def build_graph(model: M.Model, opts: CheckOptions) -> nx.DiGraph:
    """The reachable state graph (refused past ``opts.graph_max_nodes`` states)."""
    stepper = ReferenceStepper(model, ())
    limit = opts.graph_max_nodes
    g = nx.DiGraph()
    ids: dict[Any, int] = {}
    frontier: list[Any] = []
    for s in stepper.initial():
        if s not in ids:
            ids[s] = len(ids)
            frontier.append(s)
            g.add_node(ids[s], initial=True)
    while frontier:
        out: list[Any] = []
        ends: list[int] = []
        stepper.expand_level(frontier, out, ends, [], [])
        nxt: list[Any] = []
        start = 0
        for s, end in zip(frontier, ends):
            src = ids[s]
            for k in range(start, end):
                t = out[k]
                if isinstance(t, int) and t == ERROR:
                    continue
                if t not in ids:
                    if len(ids) >= limit:
                        raise GraphTooLarge(f"the state graph has more than {limit:,} states")
                    ids[t] = len(ids)
                    nxt.append(t)
                    g.add_node(ids[t], initial=False)
                tr = sem.successors(model, stepper.decode(s))[k - start]
                action = model.actions[tr.action]
                label = R.Step(action.name, tuple(
                    (p.name, T.display(p.ty, v)) for p, v in zip(action.params, tr.params)),
                    action.fault, None).label()
                if g.has_edge(src, ids[t]):
                    g.edges[src, ids[t]]["label"] += " | " + label
                else:
                    g.add_edge(src, ids[t], label=label, fault=action.fault)
            start = end
        frontier = nxt
    for s, i in ids.items():
        state = stepper.decode(s)
        for v, x in zip(model.variables, state):
            g.nodes[i][v.name] = R.format_value(T.display(v.ty, x))
    return g


def summarize(g: nx.DiGraph) -> GraphSummary:
    initial = [n for n, d in g.nodes(data=True) if d.get("initial")]
    sccs = list(nx.strongly_connected_components(g))
    dist = nx.multi_source_dijkstra_path_length(g, initial, weight=None) if initial else {}
    return GraphSummary(
        nodes=g.number_of_nodes(), edges=g.number_of_edges(), initial=len(initial),
        terminal=sum(1 for n in g.nodes if g.out_degree(n) == 0), sccs=len(sccs),
        largest_scc=max((len(c) for c in sccs), default=0),
        max_distance=int(max(dist.values(), default=0)))


def write_graph(model: M.Model, opts: CheckOptions, out_dir: Path,
                g: nx.DiGraph | None = None) -> list[Path]:
    """Write ``states.dot`` and ``states.graphml`` under ``out_dir``."""
    if g is None:
        g = build_graph(model, opts)
    out_dir.mkdir(parents=True, exist_ok=True)
    dot, graphml = out_dir / "states.dot", out_dir / "states.graphml"
    export = nx.DiGraph()
    for n, d in g.nodes(data=True):
        text = "\\n".join(f"{k} = {v}" for k, v in d.items() if k != "initial")
        export.add_node(n, label=_quote(text), shape="doublecircle" if d.get("initial") else "box")
    for a, b, d in g.edges(data=True):
        export.add_edge(a, b, label=_quote(d["label"]), color="red" if d["fault"] else "black")
    nx.nx_pydot.write_dot(export, dot)
    nx.write_graphml(g, graphml)
    return [dot, graphml]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\\\\n", "\\n") + '"'
