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

from verifier import results as R
from verifier.config.modelfile import DEFAULT_GRAPH_MAX_NODES
from verifier.engine.options import CheckOptions
from verifier.engine.stepper import ERROR, ReferenceStepper
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T


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
    """The reachable state graph (refused past ``opts.graph_max_nodes`` states, by
    default 100,000)."""
    stepper = ReferenceStepper(model, ())
    limit = opts.graph_max_nodes or DEFAULT_GRAPH_MAX_NODES
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
            trs = sem.successors(model, stepper.decode(s)) if end > start else []
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
                tr = trs[k - start]
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


def _state_key(state: R.DisplayState) -> tuple[str, ...]:
    return tuple(R.format_value(v) for _, v in state)


def trace_neighbourhood(g: nx.DiGraph, trace: R.Trace) -> nx.DiGraph:
    """The states of ``trace`` and their direct successors, the trace's edges marked."""
    by_key = {tuple(str(d[k]) for k in d if k != "initial"): n for n, d in g.nodes(data=True)}
    states = [trace.initial] + [s.state for s in trace.steps if s.state is not None]
    path = [by_key[_state_key(s)] for s in states if _state_key(s) in by_key]
    keep = set(path)
    for n in path:
        keep.update(g.successors(n))
    sub = nx.DiGraph(g.subgraph(keep))
    for a, b in zip(path, path[1:]):
        if sub.has_edge(a, b):
            sub.edges[a, b]["on_trace"] = True
    for n in path:
        sub.nodes[n]["on_trace"] = True
    return sub


def write_svg(g: nx.DiGraph, path: Path) -> Path | None:
    """Render ``g`` to SVG with Graphviz's ``dot`` when it is installed (else None)."""
    import shutil
    import subprocess

    exe = shutil.which("dot")
    if exe is None:
        return None
    export = nx.DiGraph()
    for n, d in g.nodes(data=True):
        text = "\\n".join(f"{k} = {v}" for k, v in d.items() if k not in ("initial", "on_trace"))
        attrs = {"label": _quote(text), "shape": "box", "fontname": "monospace"}
        if d.get("on_trace"):
            attrs.update(color="red", penwidth="2")
        export.add_node(n, **attrs)
    for a, b, d in g.edges(data=True):
        attrs = {"label": _quote(d["label"]), "color": "red" if d.get("on_trace") else
                 ("orange" if d.get("fault") else "black")}
        if d.get("on_trace"):
            attrs["penwidth"] = "2"
        export.add_edge(a, b, **attrs)
    dot_text = nx.nx_pydot.to_pydot(export).to_string()
    subprocess.run([exe, "-Tsvg", "-o", str(path)], input=dot_text.encode(), check=True,
                   capture_output=True, timeout=120)
    return path


def write_graph_reports(model: M.Model, opts: CheckOptions, result: R.CheckResult,
                        out_dir: Path, whole_limit: int = 200) -> list[Path]:
    """DOT, GraphML and (with Graphviz) SVGs: the whole graph when it is small, and the
    neighbourhood of each counterexample with the trace highlighted."""
    g = build_graph(model, opts)
    paths = write_graph(model, opts, out_dir, g)
    if g.number_of_nodes() <= whole_limit:
        svg = write_svg(g, out_dir / "states.svg")
        if svg:
            paths.append(svg)
    for p in result.properties:
        if p.trace is not None and p.verdict == R.VIOLATED:
            svg = write_svg(trace_neighbourhood(g, p.trace), out_dir / f"trace-{p.name}.svg")
            if svg:
                paths.append(svg)
    return paths
