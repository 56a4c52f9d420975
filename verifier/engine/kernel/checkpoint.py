"""Stage 5 (kernel engine): checkpoints of a search, and the files a search keeps on disk.

``verifier check --checkpoint DIR`` writes, at level boundaries (at most once per
``--checkpoint-every`` seconds) and when the search stops (a time limit, Ctrl-C,
SIGTERM), what the search needs to go on: the states found and their parent links
(append-only files, so a checkpoint adds only what is new), the seen-set's runs and
frontier when it spilled to disk, and a manifest (``checkpoint.json``, replaced
atomically) with the counters and the *fingerprint* of what decides the result (the
kernel's digest, which covers the model and its constants, and the options that change
counts). ``--resume DIR`` refuses a checkpoint whose fingerprint differs.

Signals are deferred while a search runs (``Interrupts``): Ctrl-C or SIGTERM sets a
flag that the search reads between driver calls, where its arrays and counters agree,
so the checkpoint written then is exact; a second one interrupts at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np

from verifier.engine.kernel import driver as D
from verifier.engine.kernel.files import AppendFile, read_array
from verifier.engine.kernel.levelsearch import LevelSearch
from verifier.engine.options import CheckOptions

FORMAT = "verifier-checkpoint"
VERSION = 1
MANIFEST = "checkpoint.json"
# stop reasons after which a resumed search goes on (the others end it for good)
RESUMABLE = ("time limit", "memory limit", "interrupted", "out of memory")


class CheckpointError(Exception):
    """A checkpoint that cannot be written or resumed, with what to do about it."""

    code = "E130"

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def fingerprint(digest: str, opts: CheckOptions, mode: str) -> str:
    """What decides the counts and verdicts of a search: the kernel (model, constants,
    monitors) and the options that change what is stored or when it stops."""
    parts = [digest, mode, repr(opts.properties), str(opts.deadlock), str(opts.stop_at_first),
             str(opts.max_states), str(opts.max_depth)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def facts(ks: Any) -> dict[str, Any]:
    """What a checkpoint was written for, in words, to say what differs on a resume."""
    from verifier.lang import typesys as T

    o = ks.opts
    return {"model": ks.model.name, "spec": ks.model.path,
            "constants": {n: str(T.display(ty, v)) for n, v, ty in ks.model.constants},
            "options": {"properties": None if o.properties is None else list(o.properties),
                        "deadlock": o.deadlock, "stop_at_first": o.stop_at_first,
                        "max_states": o.max_states, "max_depth": o.max_depth,
                        "hash_compaction": o.hash_compaction}}


def prepare_folder(folder: Path, *, fresh: bool) -> None:
    """Make the checkpoint folder (``fresh``: a new checkpoint replaces an old one) or say
    why it cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise CheckpointError(f"cannot write the checkpoint folder {folder}: {e.strerror or e}",
                              "pass a folder you can write to (--checkpoint DIR)") from None
    if fresh:
        for p in folder.iterdir():
            if p.name == MANIFEST or _is_data(p.name):
                p.unlink()


def _is_data(name: str) -> bool:
    return name.split("-")[0].split(".")[0] in ("states", "parents", "ordinals", "edges", "seen",
                                                "table", "frontier")


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"no checkpoint in {folder} (no {MANIFEST})",
                              "pass the folder that `verifier check --checkpoint DIR` wrote "
                              "(one subfolder per model)") from None
    except (OSError, ValueError) as e:
        raise CheckpointError(f"the checkpoint {path} cannot be read: {e}",
                              "start the check again without --resume") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a verifier checkpoint",
                              "pass the folder that `verifier check --checkpoint DIR` wrote")
    if data.get("version") != VERSION:
        raise CheckpointError(f"the checkpoint {path} has version {data.get('version')!r}; this "
                              f"verifier reads version {VERSION}",
                              "start the check again without --resume")
    return data


def check_fingerprint(data: dict[str, Any], fp: str, now: dict[str, Any], folder: Path) -> None:
    """Refuse a checkpoint of another model, other constants or other options, saying which."""
    if data.get("fingerprint") == fp:
        return
    was = data.get("facts") or {}
    if was.get("model") != now["model"]:
        what = f"of model {was.get('model', '?')}, not {now['model']}"
    else:
        what = "of the same model, but its spec has changed since"
        for kind in ("constants", "options"):
            old, new = was.get(kind, {}), now[kind]
            diff = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
            if diff:
                k = diff[0]
                what = (f"of {now['model']} with {kind[:-1]} {k} = {old.get(k)!r}; this run has "
                        f"{new.get(k)!r}")
                break
    raise CheckpointError(f"the checkpoint in {folder} is {what}",
                          "resume with the model, --const values and options that wrote it, or "
                          "start afresh with --checkpoint DIR (which replaces it)")


def write_manifest(folder: Path, data: dict[str, Any]) -> None:
    """Replace the manifest atomically, then delete the data files it no longer names."""
    data = {"format": FORMAT, "version": VERSION, **data}
    tmp = folder / f"{MANIFEST}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)
    keep = set(data.get("files", ()))
    for p in folder.iterdir():
        if _is_data(p.name) and p.name not in keep:
            try:
                p.unlink()
            except OSError:
                pass


# -- the search's state
def search_fingerprint(ks: Any) -> str:
    mode = "fingerprints" if ks.opts.hash_compaction else "exact"
    return fingerprint(ks.digest, ks.opts, mode + (" edges" if ks.record_edges else ""))

def save(ks: Any, ended: tuple[bool, str | None] | None) -> None:
    """Write the search's checkpoint (``ended``: how it stopped, when it did)."""
    assert ks.ckpt is not None
    if not ks.levels:
        return  # stopped before the first level was stored
    try:
        data = ks.level.save() if ks.level is not None else _save_memory(ks)
        clock = ks.clock
        data.update({
            "model": ks.model.name, "fingerprint": search_fingerprint(ks),
            "facts": facts(ks), "st": [int(x) for x in ks.st],
            "levels": ks.levels, "in_level": ks.in_level, "n_initial": ks.n_initial,
            "coverage": [ks.taken.tolist(), ks.enabled.tolist(), ks.stamp.tolist()],
            "monitors": [ks.act.tolist(), ks.fired.tolist(), ks.found.tolist()],
            "seconds": (clock.elapsed() if clock else 0.0) + ks.prior_seconds,
            "edges_dropped": ks.edges_dropped,
            "ended": None if ended is None else {"complete": ended[0], "stop_reason": ended[1]},
        })
        write_manifest(ks.ckpt, data)
    except OSError as e:
        ks.ck_error = f"the checkpoint could not be written ({e.strerror or e})"

def _save_memory(ks: Any) -> dict[str, Any]:
    assert ks.ckpt is not None
    a, st, words = ks.arr, ks.st, ks.layout.words
    f = ks.ck_files
    if not f:
        f["states"] = AppendFile(ks.ckpt / "states.i64", np.int64, words)
        f["parents"] = AppendFile(ks.ckpt / "parents.i32", np.int32)
        f["ordinals"] = AppendFile(ks.ckpt / "ordinals.u32", np.uint32)
        for e in ("esrc", "edst", "eord", "eact"):
            f[e] = AppendFile(ks.ckpt / f"edges-{e}.i32", np.int32)
    n, done = int(st[D.N]), f["states"].count
    f["states"].append(a.S[done:n])
    f["parents"].append(a.P[done:n])
    f["ordinals"].append(a.R[done:n])
    ne = int(st[D.N_EDGES]) if st[D.RECORD_EDGES] else 0
    for e in ("esrc", "edst", "eord", "eact"):
        f[e].append(getattr(a, e)[f[e].count:ne])
    for x in f.values():
        x.flush()
    return {"mode": "memory", "rows": n, "edges": f["esrc"].count,
            "files": [x.path.name for x in f.values()]}

def resume(ks: Any) -> None:
    """Put the search back where its checkpoint left it."""
    assert ks.ckpt is not None
    data = read_manifest(ks.ckpt)
    check_fingerprint(data, search_fingerprint(ks), facts(ks), ks.ckpt)
    st = ks.st
    ks.levels = [int(x) for x in data["levels"]]
    ks.in_level = bool(data["in_level"])
    ks.n_initial = int(data["n_initial"])
    ks.taken[:], ks.enabled[:], ks.stamp[:] = (np.asarray(x, dtype=np.int64) for x in data["coverage"])
    ks.act[:], ks.fired[:], ks.found[:] = (np.asarray(x, dtype=np.int64) for x in data["monitors"])
    ks.prior_seconds = float(data["seconds"])
    ks.edges_dropped = data["edges_dropped"]
    saved = np.asarray(data["st"], dtype=np.int64)
    ended = data["ended"]
    if data["mode"] == "levels":
        ks._init_scalars()
        st[:] = saved
        ks.compacted = bool(data["fingerprints"])
        ks.level = LevelSearch.restore(ks, ks.ckpt, data, ks._budget())
    else:
        n, ne, words = int(data["rows"]), int(data["edges"]), ks.layout.words
        ks._alloc(n)
        a = ks.arr
        a.S[:n] = read_array(ks.ckpt, "states.i64", np.int64, words)[:n].reshape(n, words)
        a.P[:n] = read_array(ks.ckpt, "parents.i32", np.int32, None)[:n]
        R = read_array(ks.ckpt, "ordinals.u32", np.uint32, None)[:n]
        a.R = a.R.astype(np.uint32) if n and int(R.max()) > 0xFFFF else a.R
        a.R[:n] = R
        tmask, tlimit = st[D.TMASK], st[D.TLIMIT]
        st[:] = saved
        st[D.TMASK], st[D.TLIMIT] = tmask, tlimit
        ks.rebuild_table(n)
        if st[D.RECORD_EDGES]:
            ks._grow(D.GROW_EDGES, ne)
            for e in ("esrc", "edst", "eord", "eact"):
                getattr(ks.arr, e)[:ne] = read_array(ks.ckpt, f"edges-{e}.i32", np.int32, None)[:ne]
        for key, name, dtype, width, count in (
                ("states", "states.i64", np.int64, words, n), ("parents", "parents.i32", np.int32, None, n),
                ("ordinals", "ordinals.u32", np.uint32, None, n),
                *((e, f"edges-{e}.i32", np.int32, None, ne) for e in ("esrc", "edst", "eord", "eact"))):
            ks.ck_files[key] = AppendFile(ks.ckpt / name, dtype, width, count)
    ks.resumed_at = int(st[D.N])
    if ended is not None and not str(ended["stop_reason"] or "").startswith(RESUMABLE):
        ks.ended = (bool(ended["complete"]), ended["stop_reason"])
        ks.edges_kept = bool(st[D.RECORD_EDGES]) and ks.ended[0]


class Interrupts:
    """Ctrl-C and SIGTERM, deferred to the search's next safe point (main thread only);
    a second signal raises KeyboardInterrupt at once."""

    def __init__(self) -> None:
        self.pending = False
        self.consumed = False   # the search stopped for it
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for s in (signal.SIGINT, signal.SIGTERM):
                self.previous[s] = signal.signal(s, self._handle)
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.pending:
            raise KeyboardInterrupt
        self.pending = True

    def take(self) -> bool:
        """Whether a signal came; the search stops for it."""
        if self.pending:
            self.consumed = True
        return self.pending

    def __exit__(self, *exc: object) -> None:
        for s, h in self.previous.items():
            signal.signal(s, h)
        if self.pending and not self.consumed and exc[0] is None:
            raise KeyboardInterrupt  # it came after the last safe point
