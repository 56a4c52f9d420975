"""Benchmark of the liveness check (not a test).

    python3 bench/liveness_bench.py            # measures, updates docs/benchmarks.md
    python3 bench/liveness_bench.py --no-doc   # print the figures only

For each model, in one process and one after the other (the machine is shared: compare
the ratios of one run, not absolute times across runs):

1. the labelled state graph built with the compiled stepper (``liveness.build_graph``,
   what ``verifier check`` does) and with the reference semantics
   (``liveness.reference_graph``), the same graph (asserted);
2. the whole liveness check of the model's liveness properties (graph, predicates,
   lasso search and replay), as ``verifier check`` runs it after the safety search.

The reference graph of ``triad_fixed`` takes about two minutes; ``--skip-slow`` leaves it
out. The result replaces the block between the markers of the "Liveness" section of
docs/benchmarks.md (the section is created if missing).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verifier.config import load_model as load_config  # noqa: E402
from verifier.config.load import load_model  # noqa: E402
from verifier.engine import make_stepper, select_liveness  # noqa: E402
from verifier.engine.liveness import (  # noqa: E402
    build_graph,
    check_liveness,  # noqa: E402
    reference_graph,
)
from verifier.engine.options import CheckOptions  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Liveness"
BEGIN = "<!-- bench/liveness_bench.py: begin -->"
END = "<!-- bench/liveness_bench.py: end -->"
INTRO = """The liveness check runs after a complete safety search: it builds the labelled state
graph (every transition with its action), evaluates each property's predicates on every
state, and searches for fair lassos (`verifier/engine/liveness.py`). Measured by
`bench/liveness_bench.py`, one process, one model after the other."""

MODELS = ["triad_nontransitive", "triad_dual_master_fixed", "triad_nontransitive_fixed",
          "triad_fixed"]
SLOW = {"triad_fixed"}
LIMIT = 100_000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-doc", action="store_true")
    ap.add_argument("--skip-slow", action="store_true")
    args = ap.parse_args()
    rows = []
    for name in MODELS:
        model = load_model(load_config(ROOT / "models" / f"{name}.toml"))
        opts = CheckOptions()
        t0 = time.perf_counter()
        fast = build_graph(model, make_stepper(model, (), "auto"), LIMIT)
        t_fast = time.perf_counter() - t0
        t_ref: float | None = None
        if not (args.skip_slow and name in SLOW):
            t0 = time.perf_counter()
            ref = reference_graph(model, LIMIT)
            t_ref = time.perf_counter() - t0
            stepper = make_stepper(model, (), "auto")
            assert [stepper.decode(s) for s in fast.states] == list(ref.states)
            assert fast.succ == ref.succ and fast.ordinal == ref.ordinal
        props = select_liveness(model, None)
        t0 = time.perf_counter()
        results = check_liveness(model, props, opts, {}, complete=True, states=len(fast.states))
        t_check = time.perf_counter() - t0
        verdicts = "; ".join(f"{r.name} {r.verdict}" for r in results) or "(no liveness property)"
        edges = sum(len(s) for s in fast.succ)
        rows.append((name, len(fast.states), edges, t_fast, t_ref, t_check, verdicts))
        sys.stderr.write(f"{name}: {len(fast.states):,} states, graph {t_fast:.2f} s compiled, "
                         f"{'-' if t_ref is None else f'{t_ref:.2f}'} s reference; check {t_check:.2f} s\n")
    lines = ["| model | states | edges | graph, compiled (s) | graph, reference (s) | speed-up | "
             "whole liveness check (s) | verdicts |", "|---|---:|---:|---:|---:|---:|---:|---|"]
    for name, n, e, tf, tr, tc, v in rows:
        ref = "-" if tr is None else f"{tr:.2f}"
        ratio = "-" if tr is None else f"{tr / tf:.0f}x"
        lines.append(f"| `{name}` | {n:,} | {e:,} | {tf:.2f} | {ref} | {ratio} | {tc:.2f} | {v} |")
    stamp = (f"Measured {datetime.date.today().isoformat()} on {platform.machine()}, "
             f"Python {platform.python_version()}, {os.cpu_count()} cores (shared machine).")
    text = stamp + "\n\n" + "\n".join(lines)
    print(text)
    if args.no_doc:
        return
    doc = DOC.read_text(encoding="utf-8")
    body = f"{BEGIN}\n\n{text}\n\n{END}"
    if BEGIN in doc and END in doc:
        doc = doc[:doc.index(BEGIN)] + body + doc[doc.index(END) + len(END):]
    else:
        doc = doc.rstrip("\n") + f"\n\n{SECTION}\n\n{INTRO}\n\n{body}\n"
    DOC.write_text(doc, encoding="utf-8")


if __name__ == "__main__":
    main()
