"""Options of an explicit-state run: one frozen object handed to the engine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CheckOptions:
    properties: tuple[str, ...] | None = None  # None: every invariant and reachable
    deadlock: bool = False
    stop_at_first: bool = False
    vacuity_is_error: bool = False
    max_states: int | None = None
    max_depth: int | None = None
    max_seconds: float | None = None
    max_memory_mb: int | None = None
    compiled: str = "auto"   # "auto" (compiled when possible), "off" (reference only), "on" (required)
    progress: bool = False   # a progress line on stderr
    collect_graph: bool = False
    graph_max_nodes: int = 100_000
