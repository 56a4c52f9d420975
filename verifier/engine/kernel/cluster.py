"""Stage 5 (kernel engine): breadth-first search across machines, hash-partitioned on Dask.

``verifier check --cluster ADDRESS`` (a Dask scheduler) or ``--cluster local:K`` (K
worker processes started for the run) puts one ``Shard`` actor on each worker. A state
belongs to the shard its fingerprint names (``owner``); a shard holds the seen-set of its
states (``seen.py``, spilling to its machine's disk under ``--store-memory``) and its part
of the frontier. Each level takes three rounds, driven by the ``ClusterSearch`` here:

1. ``expand``: every shard expands its frontier states (the kernel, compiled on each
   worker from the same source) and sends each successor, with its key (parent id,
   ordinal), to its owner, peer to peer (after dropping copies within a chunk);
2. ``absorb``: every shard takes what it received in key order, keeps the first copy of
   each state it has not seen, and returns their keys;
3. ``commit``: the coordinator merges the keys, so the new states get ids in key order,
   the single-process search's order, and sends each shard its ids; the shards run the
   monitors on their new states, which become the next frontier.

The coordinator keeps only the parent links (8 bytes a state) and the counters, so
counts, coverage, verdicts and counterexamples are those of one process. Dask (rather
than Ray) because it installs from PyPI as pure Python (dask and distributed, about
45 MB with their dependencies, against Ray's 260 MB of native services), starts a
local cluster in about a second, and its actors and peer-to-peer transfers are all this
needs; see docs/scale.md.
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from verifier.engine.explicit import Clock, Exploration, Found
from verifier.engine.kernel import driver as D
from verifier.engine.kernel import levels as L
from verifier.engine.kernel.checkpoint import CheckpointError, Interrupts
from verifier.engine.kernel.files import Growing
from verifier.engine.kernel.levelsearch import MAX_IDS, fault_combos, miss_probability
from verifier.engine.kernel.seen import SeenSet
from verifier.engine.options import CheckOptions
from verifier.engine.stepper import instance_bases
from verifier.lang import model as M
from verifier.lang import semantics as sem

CHUNK_ROWS = 1 << 14
LOCAL = re.compile(r"local:(\d+)$")


class ClusterError(CheckpointError):
    """A cluster that cannot be used (a bad address, no workers, Dask missing)."""

    code = "E131"


def owner(X: Any, m: int, k: int) -> Any:
    """The shard of each of the first m states: a fingerprint's high bits modulo k."""
    fp = np.zeros((m, 1), dtype=np.int64)
    L.fingerprints(X, m, fp)
    return ((fp[:, 0] >> 20) & ((1 << 40) - 1)) % k


class Shard:
    """One worker's part of the search (a Dask actor)."""

    def __init__(self, index: int, shards: int, source: Any, amap: Any, monitors: int, has_cons: bool,
                 deadlock: bool, model: M.Model, fingerprints: bool, budget: int | None) -> None:
        from verifier.engine.kernel.module import load

        self.index, self.k = index, shards
        self.kernel = load(source)
        self.layout = source.layout
        self.words = self.layout.words
        self.model = model
        self.amap = amap
        self.fp = fingerprints
        self.tmp = tempfile.TemporaryDirectory(prefix="verifier-shard-") if budget is not None else None
        self.seen = SeenSet(1 if fingerprints else self.words, budget,
                            None if self.tmp is None else Path(self.tmp.name))
        na = max(1, int(amap.max()) + 1 if amap.size else 1)
        self.taken = np.zeros(na, dtype=np.int64)
        self.enabled = np.zeros(na, dtype=np.int64)
        self.stamp = np.zeros(na, dtype=np.int64)
        nm = max(1, monitors)
        self.act = np.ones(nm, dtype=np.int64) if monitors else np.zeros(nm, dtype=np.int64)
        self.fired = np.zeros(nm, dtype=np.int64)
        self.found = np.full(nm, -1, dtype=np.int64)
        self.st = np.zeros(D.ST_SIZE, dtype=np.int64)
        self.st[D.ERR_STATE] = self.st[D.DEADLOCK] = -1
        self.st[D.N_ACTIVE] = monitors
        self.st[D.HAS_CONS] = int(has_cons)
        self.st[D.WANT_DEADLOCK] = int(deadlock)
        self.F = np.zeros((0, self.words), dtype=np.int64)
        self.ids = np.zeros(0, dtype=np.int64)
        self.inbox: list[tuple[Any, Any]] = []
        self.pending: tuple[Any, Any] = (self.F, self.ids)
        self.combos: set[tuple[int, ...]] = set()
        rows = 1 << 15
        self.X = np.zeros((rows, self.words), dtype=np.int64)
        self.A = np.zeros(rows, dtype=np.int64)
        self.KEY = np.zeros(rows, dtype=np.int64)
        self.peers: list[Any] = []

    def set_peers(self, peers: list[Any]) -> int:
        self.peers = peers
        return self.index

    def _keys(self, X: Any, m: int) -> Any:
        if not self.fp:
            return X
        out = np.zeros((m, 1), dtype=np.int64)
        L.fingerprints(X, m, out)
        return out

    def start(self, rows: Any, keys: Any) -> int:
        """The initial states this shard owns (distinct; keys: -1 << 32 | index)."""
        self.seen.add(self._keys(rows, len(rows)), len(rows))
        self.pending = (np.ascontiguousarray(rows), keys)
        return len(rows)

    # round 3 (and after ``start``): the new states get their ids
    def commit(self, ids: Any, active: Any) -> dict[str, Any]:
        """The first len(ids) pending new states (in key order) get ``ids``; the others are
        past the state limit. Returns the first id where each monitor fired."""
        rows = self.pending[0][:len(ids)]
        self.act[:] = active
        self.st[D.N_ACTIVE] = int(active.sum())
        self.found[:] = -1
        L.monitor_rows(self.kernel.fns, rows, np.arange(len(rows), dtype=np.int64), ids, self.act,
                       self.fired, self.found, self.st)
        if self.model.counters:
            self.combos |= fault_combos(self.model, self.layout, rows)
        self.F, self.ids = rows, np.asarray(ids, dtype=np.int64)
        self.pending = (self.F[:0], self.ids[:0])
        return {"found": self.found.copy()}

    # round 1
    def expand(self) -> dict[str, Any]:
        """Expand the frontier and send each successor to its owner: how many it routed (its
        own included), and how many, and bytes, went to other shards."""
        st, routed, sent, volume = self.st, 0, 0, 0
        futures = []
        lo = 0
        while lo < len(self.F):
            hi = min(len(self.F), lo + CHUNK_ROWS)
            m, stop = L.expand_rows(self.kernel.fns, self.F, lo, hi, 0, self.ids, self.X, self.A, self.KEY,
                                    self.amap, self.taken, self.enabled, self.stamp, st)
            if stop == lo and lo < hi:
                rows = 4 * self.X.shape[0]
                self.X = np.zeros((rows, self.words), dtype=np.int64)
                self.A = np.zeros(rows, dtype=np.int64)
                self.KEY = np.zeros(rows, dtype=np.int64)
                continue
            first = SeenSet(self.words, None, None).add(self.X, m)  # copies within the chunk
            X, K = self.X[first], self.KEY[first]
            own = owner(X, len(X), self.k)
            routed += len(X)
            for u in range(self.k):
                sel = own == u
                rows, keys = np.ascontiguousarray(X[sel]), np.ascontiguousarray(K[sel])
                if u == self.index:
                    self.inbox.append((rows, keys))
                elif len(rows):
                    futures.append(self.peers[u].receive(rows, keys))
                    sent += len(rows)
                    volume += rows.nbytes + keys.nbytes
            lo = stop
        for f in futures:
            f.result()
        return {"routed": routed, "sent": sent, "bytes": volume}

    async def receive(self, rows: Any, keys: Any) -> None:
        self.inbox.append((rows, keys))

    # round 2
    def absorb(self) -> Any:
        """The keys of the first copies, in key order, of the states received that this
        shard had not seen."""
        if not self.inbox:
            self.pending = (self.F[:0], self.ids[:0])
            return np.zeros(0, dtype=np.int64)
        rows = np.concatenate([r for r, _ in self.inbox])
        keys = np.concatenate([k for _, k in self.inbox])
        self.inbox = []
        order = np.argsort(keys, kind="stable")
        rows, keys = np.ascontiguousarray(rows[order]), keys[order]
        new = self.seen.add(self._keys(rows, len(rows)), len(rows))
        if self.seen.over_budget():
            self.seen.spill()
        self.pending = (np.ascontiguousarray(rows[new]), keys[new])
        return keys[new]

    def counters(self) -> dict[str, Any]:
        st = self.st
        return {"transitions": int(st[D.TRANSITIONS]), "taken": self.taken.copy(), "enabled": self.enabled.copy(),
                "deadlock": int(st[D.DEADLOCK]), "error": (int(st[D.ERR_STATE]), int(st[D.ERR_ORD]),
                                                           int(st[D.ERR_ACTION])),
                "combos": sorted(self.combos), "spills": self.seen.spills, "disk": self.seen.disk_bytes}

    def close(self) -> None:
        if self.tmp is not None:
            self.tmp.cleanup()


def connect(address: str) -> tuple[Any, Any]:
    """A Dask client for ``address`` (and the local cluster it started, or None)."""
    try:
        import distributed
    except ImportError:
        raise ClusterError("--cluster needs Dask, which is not installed",
                           "pip install 'verifier[cluster]' (dask and distributed)") from None
    match = LOCAL.match(address)
    if address.startswith("local"):
        if match is None or int(match.group(1)) < 1:
            raise ClusterError(f"--cluster {address}: expected local:K with K a positive number of "
                               "worker processes", "for example --cluster local:2")
        k = int(match.group(1))
        with warnings.catch_warnings():  # its HTTP server (health checks) moves to a free port
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            cluster = distributed.LocalCluster(n_workers=k, threads_per_worker=1, processes=True,
                                               dashboard_address=None, silence_logs=logging.ERROR)  # type: ignore[no-untyped-call]
        return distributed.Client(cluster), cluster  # type: ignore[no-untyped-call]
    if not re.match(r"^(tcp|tls|inproc|ucx)://[^\s/]+$|^[\w.-]+:\d+$", address):
        raise ClusterError(f"--cluster {address}: not a scheduler address",
                           "pass the address `dask scheduler` prints (tcp://host:8786), or local:K")
    try:
        _probe(address)
        return distributed.Client(address, timeout=30), None  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as e:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {e}",
                           "start one (`dask scheduler`, then `dask worker ADDRESS` on each machine) "
                           "or check the address; --cluster local:K starts a local one") from None


def _probe(address: str) -> None:
    """Fail at once when nothing listens at a TCP address (the client would retry for its
    whole timeout)."""
    import socket

    host, _, port = address.split("://")[-1].rpartition(":")
    if address.startswith(("tcp://", "tls://")) or "://" not in address:
        socket.create_connection((host.strip("[]"), int(port)), timeout=10).close()


class ClusterSearch:
    """The coordinator: the same interface to ``run.py`` as ``KernelSearch``."""

    def __init__(self, model: M.Model, prepared: Any, monitors: tuple[M.Property, ...], opts: CheckOptions,
                 record_edges: bool = False) -> None:
        if opts.checkpoint_dir is not None:
            raise ClusterError("--checkpoint and --resume do not work with --cluster yet",
                               "leave out one of them")
        self.model, self.prepared, self.monitors, self.opts = model, prepared, monitors, opts
        na = len(model.actions)
        bases = instance_bases(model)
        self.amap = np.array([a for a in range(na) for _ in range(bases[a + 1] - bases[a])] or [0],
                             dtype=np.int64)
        self.taken = np.zeros(max(1, na), dtype=np.int64)
        self.enabled = np.zeros(max(1, na), dtype=np.int64)
        self.compacted = opts.hash_compaction
        self.miss_probability: float | None = None
        self.edges_kept = False
        self.edges_dropped: str | None = ("a search on a cluster keeps no state graph, which the liveness "
                                          "check needs: check liveness without --cluster") if record_edges else None
        self.workers = 0
        # per level: successors routed (after the copies within each chunk are dropped), those
        # sent between shards and their bytes, keys returned, new states, and the seconds of
        # each round (bench/scale.py reads them)
        self.rounds: list[dict[str, float]] = []
        self.spills = 0

    def note(self) -> str:
        text = f"on a Dask cluster of {self.workers} worker{'s' if self.workers != 1 else ''} " \
               f"(hash-partitioned)"
        if self.compacted:
            text += "; hash compaction (a 64-bit fingerprint per state)"
        if self.spills:
            text += f"; the shards' seen-sets spilled to disk {self.spills} times"
        return text

    def explore(self, stoppers: frozenset[int]) -> Exploration:
        client, cluster = connect(self.opts.cluster or "")
        ex = Exploration()
        clock = Clock(self.opts)
        shards: list[Any] = []
        try:
            shards = self._start(client)
            with Interrupts() as intr:
                self._bfs(ex, clock, stoppers, shards, intr)
            self._finish(ex, shards)
        except KeyboardInterrupt:
            ex.complete, ex.stop_reason = False, "interrupted"
            self._finish(ex, shards, counters=False)
        finally:
            clock.done()
            for s in shards:
                try:
                    s.close().result()
                except Exception:  # noqa: BLE001 - a lost worker's shard is gone anyway
                    pass
            client.close()
            if cluster is not None:
                cluster.close()
        ex.seconds = clock.elapsed()
        return ex

    def _start(self, client: Any) -> list[Any]:
        workers = sorted(client.scheduler_info()["workers"])
        if not workers:
            raise ClusterError(f"the Dask cluster at {self.opts.cluster} has no workers",
                               "start workers: `dask worker SCHEDULER-ADDRESS` on each machine")
        self.workers = k = len(workers)
        budget = None if self.opts.store_mb is None else int(self.opts.store_mb * 2**20)
        futures = [client.submit(Shard, i, k, self.prepared.source, self.amap, len(self.monitors),
                                 bool(self.model.constraints), self.opts.deadlock, self.model,
                                 self.opts.hash_compaction, budget, workers=[w], allow_other_workers=False,
                                 actor=True, pure=False) for i, w in enumerate(workers)]
        shards = [f.result() for f in futures]
        for f in [s.set_peers(shards) for s in shards]:
            f.result()
        return shards

    def _bfs(self, ex: Exploration, clock: Clock, stoppers: frozenset[int], shards: list[Any],
             intr: Interrupts) -> None:
        opts, k = self.opts, len(shards)
        layout = self.prepared.layout
        init_states = sem.initial_states(self.model)
        init = np.array([layout.encode(s) for s in init_states], dtype=np.int64).reshape(
            len(init_states), layout.words)
        keys = init if not opts.hash_compaction else np.zeros((len(init), 1), dtype=np.int64)
        if opts.hash_compaction:
            L.fingerprints(init, len(init), keys)
        new = SeenSet(keys.shape[1], None, None).add(keys, len(init))
        over = opts.max_states is not None and new.size > opts.max_states
        if over:
            new = new[:opts.max_states]
        self.parents, self.ordinals = Growing(np.int32), Growing(np.uint32)
        self.parents.append(np.full(new.size, -1, dtype=np.int32))
        self.ordinals.append(new.astype(np.uint32))
        rows = init[new]
        own = owner(rows, len(rows), k) if len(rows) else np.zeros(0, dtype=np.int64)
        ids = np.arange(len(rows), dtype=np.int64)
        for f in [s.start(rows[own == u], (-1 << 32) | new[own == u]) for u, s in enumerate(shards)]:
            f.result()
        self.active = np.ones(max(1, len(self.monitors)), dtype=np.int64) if self.monitors else \
            np.zeros(1, dtype=np.int64)
        self.found = np.full(max(1, len(self.monitors)), -1, dtype=np.int64)
        self._commit(shards, [ids[own == u] for u in range(k)])
        self.levels = [0, len(rows)]
        if over:
            ex.complete, ex.stop_reason = False, f"state limit ({opts.max_states:,})"
            return
        while True:
            stop = self._stopping(stoppers, shards)
            if self.levels[-1] == self.levels[-2] or stop:
                if stop:
                    ex.complete, ex.stop_reason = False, "stopped at the first violation"
                return
            if opts.max_depth is not None and len(self._bases()) - 1 >= opts.max_depth:
                ex.complete, ex.stop_reason = False, f"depth limit ({opts.max_depth})"
                return
            t0 = time.perf_counter()
            sent = [f.result() for f in [s.expand() for s in shards]]
            t1 = time.perf_counter()
            got = [np.asarray(f.result()) for f in [s.absorb() for s in shards]]
            t2 = time.perf_counter()
            n = self.levels[-1]
            allkeys = np.concatenate(got)
            src = np.concatenate([np.full(len(g), u, dtype=np.int64) for u, g in enumerate(got)])
            order = np.argsort(allkeys, kind="stable")
            room = len(order) if opts.max_states is None else max(0, opts.max_states - n)
            over = len(order) > room
            order = order[:room]
            if n + len(order) > MAX_IDS:
                ex.complete, ex.stop_reason = False, f"state limit ({MAX_IDS:,}, the kernel's most)"
                return
            ranked = np.full(len(allkeys), -1, dtype=np.int64)
            ranked[order] = n + np.arange(len(order), dtype=np.int64)
            chosen = allkeys[order]
            self.parents.append((chosen >> L.ORD_BITS).astype(np.int32))
            self.ordinals.append((chosen & L.ORD_MASK).astype(np.uint32))
            per: list[Any] = []
            for u in range(k):
                mine = ranked[src == u]
                per.append(mine[mine >= 0])  # in the shard's key order; past the limit: left out
            self._commit(shards, per)
            self.levels.append(n + len(order))
            self.rounds.append({"routed": sum(x["routed"] for x in sent), "sent": sum(x["sent"] for x in sent), "bytes": sum(x["bytes"] for x in sent),
                                "received": int(len(allkeys)), "new": int(len(order)), "expand_s": t1 - t0,
                                "absorb_s": t2 - t1, "commit_s": time.perf_counter() - t2})
            clock.progress(self.levels[-1], self.levels[-1] - self.levels[-2], len(self._bases()) - 1)
            if intr.take():
                ex.complete, ex.stop_reason = False, "interrupted"
                return
            reason = clock.limit(self.levels[-1])
            if over:
                reason = f"state limit ({opts.max_states:,})"
            if reason:
                ex.complete, ex.stop_reason = False, reason
                return

    def _commit(self, shards: list[Any], ids: list[Any]) -> None:
        replies = [f.result() for f in [s.commit(i, self.active) for s, i in zip(shards, ids)]]
        for m in range(len(self.monitors)):
            hits = [int(r["found"][m]) for r in replies if r["found"][m] >= 0]
            if hits and self.active[m]:
                self.found[m] = min(hits)
                self.active[m] = 0

    def _stopping(self, stoppers: frozenset[int], shards: list[Any]) -> bool:
        if not self.opts.stop_at_first:
            return False
        if any(self.found[m] >= 0 for m in stoppers):
            return True
        c = [f.result() for f in [s.counters() for s in shards]]
        return any(x["error"][0] >= 0 for x in c) or (self.opts.deadlock and any(x["deadlock"] >= 0 for x in c))

    def _bases(self) -> list[int]:
        lv = self.levels
        return [lv[i] for i in range(len(lv) - 1) if lv[i + 1] > lv[i]]

    def _finish(self, ex: Exploration, shards: list[Any], counters: bool = True) -> None:
        if not hasattr(self, "levels"):
            return
        n = self.levels[-1]
        ex.states = n
        ex.level_base = self._bases()
        ex.depth = len(ex.level_base) - 1
        P, R = self.parents.view(0, n), self.ordinals.view(0, n)
        ends = ex.level_base[1:] + [n]
        ex.parents = [P[lo:hi] for lo, hi in zip(ex.level_base, ends)]
        ex.ordinals = [R[lo:hi] for lo, hi in zip(ex.level_base, ends)]
        ex.store_bytes = P.nbytes + R.nbytes
        for m in range(len(self.monitors)):
            if self.found[m] >= 0:
                ex.found[m] = Found(int(self.found[m]))
        if counters and shards:
            c = [f.result() for f in [s.counters() for s in shards]]
            ex.transitions = sum(x["transitions"] for x in c)
            na = len(self.model.actions)
            self.taken[:na] = sum(x["taken"][:na] for x in c)
            self.enabled[:na] = sum(x["enabled"][:na] for x in c)
            dead = [x["deadlock"] for x in c if x["deadlock"] >= 0]
            if dead:
                ex.deadlock = Found(min(dead))
            errs = sorted(x["error"] for x in c if x["error"][0] >= 0)
            if errs:
                ex.error = Found(errs[0][0], (errs[0][1], errs[0][2], ""))
            ex.fault_combos = {tuple(t) for x in c for t in x["combos"]}
            self.spills = sum(x["spills"] for x in c)
        if self.compacted:
            self.miss_probability = p = miss_probability(n)
            if ex.complete:
                ex.complete = False
                ex.stop_reason = f"hash compaction: a state may have been missed (probability at most {p:.1e})"
