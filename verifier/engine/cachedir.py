"""Stage 5: where the engines keep what they compile, and where numba keeps its cache.

The cache is ``$VERIFIER_CACHE_DIR``, else ``$XDG_CACHE_HOME/verifier``, else
``~/.cache/verifier``. numba's own cache (the kernel driver and the liveness passes,
``cache=True``) goes in its ``numba`` folder unless ``NUMBA_CACHE_DIR`` says otherwise:
by default numba writes beside the sources, which for an installed package means files in
site-packages that ``pip uninstall`` leaves behind, and a leftover ``verifier/engine/``
folder there then shadows an editable install of the package.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def cache_dir() -> Path:
    env = os.environ.get("VERIFIER_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "verifier"


def place_numba_cache() -> None:
    """Point numba's cache at ``cache_dir() / "numba"`` unless NUMBA_CACHE_DIR is set. It is
    numba's setting (read when numba is imported, and by a helper process); numba reads
    it again as ``config.CACHE_DIR`` for each function it caches, so it also applies when
    numba was imported first."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    folder = str(cache_dir() / "numba")
    os.environ["NUMBA_CACHE_DIR"] = folder
    config = sys.modules.get("numba.core.config")
    if config is not None:
        config.CACHE_DIR = folder  # type: ignore[attr-defined]
