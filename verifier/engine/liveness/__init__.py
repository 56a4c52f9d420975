"""Stage 5 (liveness): temporal properties under fairness, on the labelled state graph.

``graph.py`` is the labelled state graph (the boundary with the engines), ``fair.py``
the fair-lasso search on plain integers (weak and strong fairness, accept sets),
``ltl.py`` LTL formulas by a generalized Büchi automaton and a product, ``bounded.py``
bounded response, and ``check.py`` the check of a model's ``liveness`` properties after
a complete search. ``csr.py``, ``passes.py`` and ``native.py`` are the same search on a
graph kept in arrays (the kernel engine's), in native code.
"""

from verifier.engine.liveness.check import (
    check_liveness,
    conditions,
    inconclusive_results,
    memory_budget,
    numbered_succ,
    violation,
)
from verifier.engine.liveness.fair import Condition, Lasso, find_fair_lasso, find_lasso
from verifier.engine.liveness.graph import GraphTooLarge, LabelledGraph, build_graph, reference_graph

__all__ = ["Condition", "GraphTooLarge", "LabelledGraph", "Lasso", "build_graph", "check_liveness",
           "conditions", "find_fair_lasso", "find_lasso", "inconclusive_results", "memory_budget",
           "numbered_succ", "reference_graph", "violation"]
