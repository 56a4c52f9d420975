"""Checks shared by the kernel engine's tests: the kernel against the reference semantics.

``assert_steps_agree`` walks the reachable states breadth-first with the reference
semantics and, for each, compares the kernel's ``expand`` (every transition, in order,
error transitions at the same positions and of the same action), its monitors and its
constraints with the reference semantics; the kernel's source also runs as plain
Python (``python_kernel``) on the same states, so that a disagreement says whether the
generator or the lowering to LLVM is at fault. ``assert_runs_agree`` compares whole
``run_check`` results of two engines.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import numpy as np

from verifier import results as R
from verifier.engine import run_check
from verifier.engine.kernel import driver as D
from verifier.engine.kernel.module import Source, generate, load
from verifier.engine.options import CheckOptions
from verifier.engine.stepper import instance_bases
from verifier.lang import model as M
from verifier.lang import semantics as sem

MASK64 = (1 << 64) - 1


def signed(x: int) -> int:
    x &= MASK64
    return x - (1 << 64) if x >= 1 << 63 else x


def _popcount(x: int) -> int:
    return bin(x & MASK64).count("1")


def _lowbit(x: int) -> int:
    return ((x & -x).bit_length() - 1)


def _highbit(x: int) -> int:
    return x.bit_length() - 1


def _span(lo: int, hi: int) -> int:
    return 0 if lo > hi else ((1 << (hi - lo + 1)) - 1) << lo


def python_kernel(src: Source) -> dict[str, Any]:
    """The kernel's functions run by CPython (the decorators made no-ops), for comparing
    the lowering with Python's semantics of the same source."""
    ns: dict[str, Any] = {}
    body = "\n".join(ln for ln in src.text.splitlines() if not ln.startswith(("from ", "import ")))
    rt = SimpleNamespace(popcount=_popcount, lowbit=_lowbit, highbit=_highbit, span=_span,
                         scratch=lambda k: [0] * k)
    ns.update(njit=lambda *a, **k: (lambda f: f), _rt=rt)
    exec(compile(body, "<kernel source>", "exec"), ns)  # the test's own generated code
    return ns


def _monitors(model: M.Model) -> tuple[M.Property, ...]:
    return tuple(p for p in model.properties if p.kind in ("invariant", "reachable"))


def assert_steps_agree(model: M.Model, max_states: int = 2000, python: bool = True) -> int:
    """The kernel and the reference semantics agree on every state met (up to
    ``max_states``); returns how many states were compared."""
    monitors = _monitors(model)
    src = generate(model, monitors)
    kernel = load(src)
    py = python_kernel(src) if python else None
    lay = src.layout
    words = lay.words
    rows = 1 << 12
    out = np.zeros((rows, words), dtype=np.int64)
    acts = np.zeros(rows, dtype=np.int64)
    nm = max(1, len(monitors))
    active = np.ones(nm, dtype=np.int64) if monitors else np.zeros(nm, dtype=np.int64)
    fired = np.zeros(nm, dtype=np.int64)
    po, pa = [0] * (rows * words), [0] * rows
    # each transition is labelled by its instance's number (``stepper.instance_bases``)
    bases = instance_bases(model)
    number = [{v: bases[a.index] + i for i, v in enumerate(sem.param_valuations(a))} for a in model.actions]
    inits = sem.initial_states(model)
    seen = set(inits)
    frontier = list(inits)
    n = 0
    while frontier and n < max_states:
        s = frontier.pop(0)
        n += 1
        row = np.array([lay.encode(s)], dtype=np.int64)
        assert lay.decode(row[0]) == s
        ok = all(not sem.fires(c, s) for c in model.constraints)
        assert (D.constraint_one(kernel.fns, row, 0) == 1) == ok, s
        active[:] = 1 if monitors else 0
        fired[:] = 0
        D.monitor_one(kernel.fns, row, 0, active, fired)
        for j, p in enumerate(monitors):
            assert bool(fired[j]) == sem.fires(p, s), (p.name, s)
        if py is not None:
            pf = [0] * nm
            py["mon"]([int(x) for x in row[0]], [1] * nm if monitors else [0] * nm, pf)
            assert pf[:len(monitors)] == [int(x) for x in fired[:len(monitors)]], s
        if not ok:
            continue
        k = D.expand_one(kernel.fns, row, 0, out, acts)
        want = [(number[tr.action][tr.params], tr.target) for tr in sem.successors(model, s)]
        got = [(int(-1 - acts[j]), None) if acts[j] < 0 else (int(acts[j]), lay.decode(out[j]))
               for j in range(k)]
        assert got == want, f"kernel and reference differ in state {s}"
        if py is not None:
            pk = py["expand"]([int(x) for x in row[0]], po, rows, pa)
            assert pk == k, s
            assert [signed(x) for x in pa[:k]] == [int(x) for x in acts[:k]], s
            for j in range(k):
                if pa[j] >= 0:
                    assert [signed(x) for x in po[j * words:(j + 1) * words]] == \
                        [int(x) for x in out[j]], s
        for tr in sem.successors(model, s):
            if tr.target is not None and tr.target not in seen:
                seen.add(tr.target)
                frontier.append(tr.target)
    return n


def comparable(r: R.CheckResult) -> R.CheckResult:
    """A result without what differs between engines by design: timings, memory, the
    bytes a state takes and the backend's name."""
    stats = dataclasses.replace(r.stats, seconds=0.0, peak_memory_mb=0.0, compile_seconds=0.0,
                                bytes_per_state=0.0)
    return dataclasses.replace(r, stats=stats, backend="", backend_note=None)


def assert_runs_agree(model: M.Model, **opts: Any) -> R.CheckResult:
    """The kernel engine and the Python engine give the same result (counts, coverage,
    fault combinations, verdicts and traces)."""
    kernel = run_check(model, CheckOptions(kernel="on", **opts))
    assert kernel.backend == "kernel"
    python = run_check(model, CheckOptions(kernel="off", **opts))
    assert python.backend in ("python", "reference")
    assert comparable(kernel) == comparable(python)
    return kernel
