"""Stage 5: kernels compiled ahead while a run over several models checks them one by one.

A model's kernel takes a fraction of a second to compile and most shipped models take
less than that to search, so a cold run over a folder is mostly compiling. With two or
more cores, a helper process compiles kernels into the on-disk cache (``verifier.engine
.prefetch``) from the last model backwards, while this process checks from the first
and compiles, in its turn, any model the helper has not begun; the two meet in the
middle, and this process meanwhile compiles the driver (numba's cache) that every
search needs. The cache is keyed by what a kernel is made of, so which process compiled
a kernel never changes a result. On one core, or where no process can be started,
the next model's kernel is compiled in a thread instead, as the search releases the
interpreter.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import signal
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from verifier.config import ModelConfig
from verifier.lang.diagnostics import SpecError


def _quiet() -> None:
    """The helper leaves Ctrl-C to the checking process (which stops it) and prints nothing."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def warm(cfg: ModelConfig, opts: Any) -> None:
    """Compile ``cfg``'s kernel into the cache; errors are left for the model's own turn."""
    from verifier.config.load import load_model
    from verifier.engine import prefetch

    try:
        prefetch(load_model(cfg), opts)
    except Exception:  # noqa: BLE001 - the model's own turn reports its errors
        return


class Ahead:
    """Kernels compiled ahead of their models' turns (see the module's text)."""

    def __init__(self, items: list[Any], configured: Callable[[ModelConfig], ModelConfig],
                 options: Callable[[ModelConfig], Any], enabled: bool = True) -> None:
        """``items``: the run's model configurations (or the ``SpecError`` of one that could
        not be read); ``configured``: a configuration with the command line's overrides, as
        its turn will check it; ``options``: its engine options; ``enabled``: whether to
        compile ahead at all (a run on several workers or a cluster does not)."""
        self.pool: Executor | None = None
        self.futures: dict[int, Future[None]] = {}
        self.jobs: dict[int, tuple[ModelConfig, Any]] = {}
        self.threaded = False
        if len(items) < 2 or not enabled:
            return
        jobs = self.jobs
        for idx, item in enumerate(items):
            if isinstance(item, SpecError):
                continue
            try:
                cfg = configured(item)
                # where its keys sit in the model file is for messages, which the helper has none of
                job = (dataclasses.replace(cfg, source_map=None), options(cfg))
                pickle.dumps(job)  # the helper gets it through a pipe
                jobs[idx] = job
            except Exception:  # noqa: BLE001 - reported in the model's own turn
                continue
        if (os.cpu_count() or 1) > 1 and len(jobs) > 2:
            try:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                                initializer=_quiet)
                first = min(jobs)
                for idx in sorted(jobs, reverse=True):
                    if idx != first:  # the first model is compiled here, at once
                        self.futures[idx] = self.pool.submit(warm, *jobs[idx])
                return
            except (OSError, ImportError, RuntimeError):
                self.close()
        from concurrent.futures import ThreadPoolExecutor

        self.threaded = True
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="verifier-compile")

    def next(self, idx: int) -> None:
        """Model ``idx`` comes next: wait for its kernel if the helper is compiling it (or
        take it back if the helper has not begun it); in a thread, start the next one."""
        if self.pool is None:
            return
        if self.threaded:
            done = self.futures.pop(idx, None)
            if done is not None:
                done.result()
            following = [k for k in self.jobs if k > idx]
            if following:
                self.futures[min(following)] = self.pool.submit(warm, *self.jobs[min(following)])
            else:
                self.close()
            return
        fut = self.futures.pop(idx, None)
        if fut is not None and not fut.cancel():
            try:
                fut.result()
            except Exception:  # noqa: BLE001 - a helper that died: this process compiles it
                pass
        if not self.futures:
            self.close()

    def close(self) -> None:
        """Stop the helper (a run that ends early leaves no compilation behind)."""
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
        self.futures.clear()
