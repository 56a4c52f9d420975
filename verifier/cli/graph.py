"""``verifier graph TARGET``: write the explored state graph as DOT and GraphML.

Builds the graph with the explicit engine (``verifier/engine/graph.py``; at most
``--max-nodes`` or the model's ``[graph] max_nodes`` states), writes it under
``--out/<model>/`` and prints a summary: states, edges, terminal states, strongly
connected components and the longest shortest path from an initial state.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from verifier.cli.common import EXIT_OK, EXIT_USAGE, configs, positive
from verifier.lang.diagnostics import SpecError


def add_parser(sub: Any) -> None:
    g = sub.add_parser("graph", help="write the explored state graph as DOT and GraphML")
    g.add_argument("target", metavar="TARGET", help="a spec (.fsl) or a model (.toml)")
    g.add_argument("--out", type=Path, default=Path("graphs"), help="output folder")
    g.add_argument("--max-nodes", type=positive, metavar="N")


def run(args: argparse.Namespace) -> int:
    from verifier.config.load import load_model
    from verifier.engine import EngineError
    from verifier.engine.graph import GraphTooLarge, build_graph, summarize, write_graph
    from verifier.engine.options import check_options

    items = configs([args.target])
    item = items[0]
    if isinstance(item, SpecError):
        raise item
    cfg = item
    if args.max_nodes:
        cfg = dataclasses.replace(cfg, graph_max_nodes=args.max_nodes)
    model = load_model(cfg)
    opts = check_options(cfg)
    try:
        g = build_graph(model, opts)
        paths = write_graph(model, opts, args.out / cfg.name, g)
    except (GraphTooLarge, EngineError) as e:
        sys.stderr.write(f"verifier: error[G001]: {e}\n  hint: raise the limit with --max-nodes "
                         "or [graph] max_nodes, or shrink the model's constants\n")
        return EXIT_USAGE
    s = summarize(g)
    sys.stdout.write(f"{s.nodes:,} states, {s.edges:,} edges, {s.initial} initial, "
                     f"{s.terminal} terminal (no successor), {s.sccs} strongly connected "
                     f"components (largest {s.largest_scc:,}), longest shortest path from an "
                     f"initial state {s.max_distance}\n")
    for p in paths:
        sys.stdout.write(f"wrote {p}\n")
    return EXIT_OK
