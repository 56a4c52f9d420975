"""Stage 5 (kernel engine): generated kernel sources, cached on disk by what they are made of.

Generating a model's kernel source (``module.generate``) costs tens of milliseconds to a
second, and a cached kernel needs it only for its digest, layout and entry points. So
``generate`` here keys the finished ``module.Source`` by a digest of everything the
generator reads: the checked model, the monitors, the liveness conditions and the
symmetry group (their ``repr``, which covers every field that matters and does not
depend on the hash seed; it holds the spec's text, so even a new comment is a new key,
while source spans are left out of it and never reach generated code), the toolchain, and the text of the package's own modules (a change of the
generator or of the semantics it encodes is a different key). A hit reads the pickled
``Source`` from ``<cache>/sources``; anything unreadable is generated afresh and
replaced. The cache is the user's own, written only by this module.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

from verifier.engine.kernel import module
from verifier.lang import model as M

PACKAGE = Path(__file__).resolve().parents[2]  # verifier/


@functools.cache
def _package_digest() -> str:
    """A digest of every module of the package (read once per process)."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        h.update(str(path.relative_to(PACKAGE)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def key(model: M.Model, monitors: tuple[M.Property, ...], conds: tuple[module.Condition, ...],
        group: Any) -> str:
    made_of = "\n".join((module.toolchain(), _package_digest(), repr(model), repr(monitors),
                         repr(conds), repr(group)))
    return hashlib.sha256(made_of.encode()).hexdigest()[:32]


def _folder() -> Path:
    return module.cache_folder("sources")


def generate(model: M.Model, monitors: tuple[M.Property, ...], conds: tuple[module.Condition, ...] = (),
             group: Any = None) -> module.Source:
    """``module.generate``, from the cache when the same model was generated before (an
    ``Unsupported`` construct is not cached: it is found again, and said again)."""
    path = _folder() / f"s_{key(model, monitors, conds, group)}.pickle"
    try:
        with path.open("rb") as f:
            found = pickle.load(f)
        if isinstance(found, module.Source):
            return found
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        pass
    src = module.generate(model, monitors, conds, group)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            pickle.dump(src, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # the cache is an optimisation only
    return src
