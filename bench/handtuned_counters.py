"""Hand-tuned baseline: breadth-first search of bench/counters.fsl in plain Python.

This is what a careful person writes by hand for one model, with no engine in between:
each state is one int, process p's (phase, work) pair is a contiguous field at a
precomputed shift, and a per-process table maps the field's value to the deltas of its
successors (so a successor is ``s + delta``). The seen-set is a Python ``set``. It gives
the same distinct-state and transition counts as ``verifier check bench/counters.fsl``
(a transition is counted once per (state, action, choice), as the verifier counts:
``Reset`` with ``work == 0`` yields the same target twice).

    python3 bench/handtuned_counters.py N K    # prints one JSON line
"""

from __future__ import annotations

import json
import sys
import time

READY, BUSY, DONE = 0, 1, 2


def tables(n: int, k: int) -> list[tuple[int, int, tuple[tuple[int, ...], ...]]]:
    """(shift, mask, deltas by field value) per process; the field is phase | work << 2."""
    wbits = max(1, k.bit_length())
    width = 2 + wbits
    mask = (1 << width) - 1
    out = []
    for p in range(n):
        sh = p * width
        by_value: list[tuple[int, ...]] = []
        for v in range(1 << width):
            phase, work = v & 3, v >> 2
            d: list[int] = []
            if phase == READY:
                d.append(BUSY - READY)                     # Start
            elif phase == BUSY:
                if work < k:
                    d.append(1 << 2)                       # Work
                d.append(DONE - BUSY)                      # Finish
            elif phase == DONE:
                d.append(-v)                               # Reset, work = 0
                d.append(READY - DONE)                     # Reset, skip
            by_value.append(tuple(x << sh for x in d))
        out.append((sh, mask, tuple(by_value)))
    return out


def bfs(n: int, k: int) -> tuple[int, int, int]:
    """(distinct states, transitions, depth) from the all-ready, all-zero state."""
    procs = tables(n, k)
    init = 0
    seen = {init}
    frontier = [init]
    transitions = 0
    depth = 0
    while True:
        nxt: list[int] = []
        add = seen.add
        app = nxt.append
        for s in frontier:
            for sh, mask, tbl in procs:
                ds = tbl[(s >> sh) & mask]
                transitions += len(ds)
                for d in ds:
                    t = s + d
                    if t not in seen:
                        add(t)
                        app(t)
        if not nxt:
            break
        frontier = nxt
        depth += 1
    return len(seen), transitions, depth


def main() -> None:
    n, k = int(sys.argv[1]), int(sys.argv[2])
    t0, c0 = time.perf_counter(), time.process_time()
    states, transitions, depth = bfs(n, k)
    print(json.dumps({"states": states, "transitions": transitions, "depth": depth,
                      "seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0}))


if __name__ == "__main__":
    main()
