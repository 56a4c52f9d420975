"""Stage 5 (symbolic), part 5: the one place that talks to Z3's solvers.

``Solver`` wraps an incremental ``z3.Solver``: ``frame()`` is a push/pop scope, every
``check`` runs under a timeout, and the answer is an ``Outcome`` whose status is one of
``sat``, ``unsat`` or ``unknown``. ``unknown`` (a timeout, an incomplete theory, an
interrupt: ``interrupt_solvers``) is its own outcome: callers turn it into an inconclusive verdict and never
read it as "holds". The wrapper also counts calls and solver time for the statistics.

Models whose variables all have finite types use Z3's finite-domain solver (``QF_FD``:
bounded integers are bit-blasted into a SAT problem), which is an order of magnitude
faster on bounded model checking than the general arithmetic solver; should it give up
on a query (``unknown`` for a reason other than the timeout), the query is asked again
of a fresh general solver.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import z3

SAT, UNSAT, UNKNOWN = "sat", "unsat", "unknown"


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str                    # SAT | UNSAT | UNKNOWN
    model: Any = None              # a z3 model when SAT
    core: tuple[Any, ...] = ()     # the assumptions in the unsat core when UNSAT
    reason: str | None = None      # why UNKNOWN
    seconds: float = 0.0


class Solver:
    """An incremental solver with push/pop frames and a per-call timeout (seconds)."""

    def __init__(self, timeout: float, *, finite: bool = False, cores: bool = False) -> None:
        self.finite = finite
        self.cores = cores
        self.z = self._new(finite)
        self.timeout = timeout
        self.calls = 0
        self.seconds = 0.0
        # what was asserted, per push/pop frame: to rebuild a general solver if needed
        self.frames: list[list[Any]] = [[]]

    def _new(self, finite: bool) -> Any:
        z = z3.SolverFor("QF_FD") if finite else z3.Solver()
        z.set("ctrl_c", False)  # Ctrl-C is Python's: see interrupt_solvers
        if self.cores and not finite:
            z.set("core.minimize", True)
        return z

    def add(self, *terms: Any) -> None:
        for t in terms:
            if not z3.is_true(t):
                self.z.add(t)
                self.frames[-1].append(t)

    @contextmanager
    def frame(self) -> Iterator[None]:
        self.z.push()
        self.frames.append([])
        try:
            yield
        finally:
            self.z.pop()
            self.frames.pop()

    def _rebuild(self, finite: bool) -> None:
        """A fresh solver with the same frames (``finite``: the finite-domain kind)."""
        self.finite = finite
        self.z = self._new(finite)
        for i, terms in enumerate(self.frames):
            if i:
                self.z.push()
            self.z.add(terms)

    def check(self, *assumptions: Any, timeout: float | None = None) -> Outcome:
        limit = self.timeout if timeout is None else timeout
        self.z.set("timeout", max(1, int(limit * 1000)))
        t0 = time.perf_counter()
        try:
            r = self.z.check(*assumptions)
        except z3.Z3Exception as e:  # e.g. interrupted, resource limits
            return self._done(Outcome(UNKNOWN, reason=str(e)), t0)
        if r == z3.sat:
            return self._done(Outcome(SAT, model=self.z.model()), t0)
        if r == z3.unsat:
            core = tuple(self.z.unsat_core()) if assumptions else ()
            return self._done(Outcome(UNSAT, core=core), t0)
        reason = self.z.reason_unknown()
        if self.finite and not _timed_out(reason):
            # the finite-domain solver gave up (e.g. an unbounded term): ask a general one,
            # and keep it for the rest of the run
            self._rebuild(False)
            left = limit - (time.perf_counter() - t0)
            if left > 0:
                out = self.check(*assumptions, timeout=left)
                return Outcome(out.status, out.model, out.core, out.reason,
                               round(time.perf_counter() - t0, 4))
        if self.finite:
            # an interrupted finite-domain solver may answer later queries wrongly
            # (seen with z3 4.x/5.x): start afresh from the recorded assertions
            self._rebuild(True)
        return self._done(Outcome(UNKNOWN, reason=reason), t0)

    def _done(self, out: Outcome, t0: float) -> Outcome:
        dt = time.perf_counter() - t0
        self.calls += 1
        self.seconds += dt
        return Outcome(out.status, out.model, out.core, out.reason, round(dt, 4))


def _timed_out(reason: str) -> bool:
    return any(w in reason for w in ("timeout", "canceled", "cancelled", "interrupted", "resource"))


def interrupt_solvers() -> None:
    """Stop every solver call now running (it returns ``unknown``); safe to call from
    any thread. Z3 would take Ctrl-C itself and answer ``unknown``, and the run would go
    on with its next query; instead the solvers leave SIGINT to Python (``ctrl_c`` is
    off), whose handler raises KeyboardInterrupt once the call returns, and the command
    line calls this from a watchdog thread when a signal arrives, since the main thread
    is inside Z3 until then (``verifier/cli/prove.py``)."""
    z3.main_ctx().interrupt()


def horn(clauses: list[Any], timeout: float) -> Outcome:
    """Solve constrained Horn clauses with Spacer: SAT means the clauses have a model
    (the safety property holds; the model interprets the invariant relations), UNSAT
    that a counterexample exists."""
    z = z3.SolverFor("HORN")
    z.set("timeout", max(1, int(timeout * 1000)))
    z.set("ctrl_c", False)
    z.add(clauses)
    t0 = time.perf_counter()
    try:
        r = z.check()
    except z3.Z3Exception as e:
        return Outcome(UNKNOWN, reason=str(e), seconds=round(time.perf_counter() - t0, 4))
    dt = round(time.perf_counter() - t0, 4)
    if r == z3.sat:
        return Outcome(SAT, model=z.model(), seconds=dt)
    if r == z3.unsat:
        return Outcome(UNSAT, seconds=dt)
    return Outcome(UNKNOWN, reason=z.reason_unknown(), seconds=dt)
