"""Stage 5 (kernel engine): one model's generated module, compiled by numba and cached.

``generate`` writes the Python source of a model's kernel functions (``stmt.py``), from
the checked IR only. ``load`` writes it to the kernel cache under a name made from the
digest of the source (and of the numba version), imports it, and compiles its
functions with numba's on-disk cache, so a second run of the same model shape loads
machine code instead of compiling it. The cache is ``$VERIFIER_CACHE_DIR``, else
``$XDG_CACHE_HOME/verifier``, else ``~/.cache/verifier``.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from numba.core import types

from verifier.engine.kernel import sigs
from verifier.engine.kernel.layout import KernelLayout, NoLayout
from verifier.engine.kernel.lower import Lower
from verifier.engine.kernel.stmt import StmtGen
from verifier.engine.kernel.values import Unsupported
from verifier.lang import model as M

HEADER = '''"""A verifier kernel, generated from a checked model; do not edit."""
from numba import njit
from verifier.engine.kernel import runtime as _rt
'''


@dataclass(frozen=True, slots=True)
class Source:
    text: str
    layout: KernelLayout
    digest: str
    conditions: tuple[int, ...] = ()  # the entry points lv<k> for conditions on one state


Condition = tuple[M.Expr, tuple[M.Param, ...]]


def generate(model: M.Model, monitors: tuple[M.Property, ...], conds: tuple[Condition, ...] = ()) -> Source:
    """The kernel source of ``model`` watching ``monitors`` (and evaluating ``conds``, the
    liveness check's conditions); raises ``Unsupported`` for a construct without a kernel
    translation."""
    try:
        layout = KernelLayout.of(model)
    except NoLayout as e:
        raise Unsupported(str(e)) from None
    gen = StmtGen(model, layout, itertools.count())
    try:
        gen.expand()
        gen.monitors(monitors)
        gen.constraints()
        done = gen.conditions(conds)
    except RecursionError:
        raise Unsupported("expressions nested too deeply for generated code") from None
    text = HEADER + "\n\n" + "\n\n\n".join(gen.functions) + "\n"
    digest = hashlib.sha256(f"{_toolchain()}\n{text}".encode()).hexdigest()[:24]
    return Source(text, layout, digest, done)


def _toolchain() -> str:
    """What the machine code depends on besides the source: the compilers and the host."""
    import llvmlite
    import llvmlite.binding as llvm
    import numba

    here = Path(__file__)
    lowering = hashlib.sha256(here.with_name("lower.py").read_bytes() + here.read_bytes()).hexdigest()[:16]
    return f"numba {numba.__version__} llvmlite {llvmlite.__version__} {llvm.get_default_triple()} " \
           f"{llvm.get_host_cpu_name()} lower {lowering}"


def cache_dir() -> Path:
    env = os.environ.get("VERIFIER_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "verifier"


@dataclass(frozen=True, slots=True)
class Kernel:
    """A model's compiled functions (``fns`` for the driver) and what it cost."""

    fns: tuple[Any, Any, Any]
    conditions: dict[int, Any]   # lv<k> (``generate``'s conds that have one)
    engine: Any            # the LLVM execution engine that owns the machine code
    compile_seconds: float
    cached: bool


class _Native(types.WrapperAddressProtocol):  # type: ignore[misc]
    """A compiled function at an address, as numba's first-class function protocol wants."""

    def __init__(self, address: int, signature: Any) -> None:
        self.address = address
        self.sig = signature

    def __wrapper_address__(self) -> int:
        return self.address

    def signature(self) -> Any:
        return self.sig


def _kernel_folder() -> Path:
    folder = cache_dir() / "kernels"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:
        folder = Path(tempfile.gettempdir()) / "verifier-kernels"
        folder.mkdir(parents=True, exist_ok=True)
        return folder


def load(src: Source) -> Kernel:
    """Compile the kernel (or load its machine code from the cache)."""
    import llvmlite.binding as llvm

    t0 = time.perf_counter()
    obj_path = _kernel_folder() / f"k_{src.digest}.o"
    cached = obj_path.exists()
    ir_text = Lower(src.text, f"k_{src.digest}").ir_text()
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    mod = llvm.parse_assembly(ir_text)
    mod.verify()
    tm = llvm.Target.from_default_triple().create_target_machine(opt=2, jit=True)
    if not cached:
        pto = llvm.create_pipeline_tuning_options(speed_level=3)
        pb = llvm.create_pass_builder(tm, pto)
        pb.getModulePassManager().run(mod, pb)
    engine = llvm.create_mcjit_compiler(mod, tm)
    if os.environ.get("NUMBA_ENABLE_PROFILING"):  # perf sees the functions by name (as numba does)
        engine.enable_jit_events()

    def notify(_module: Any, data: bytes) -> None:
        tmp = obj_path.with_suffix(f".{os.getpid()}.tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, obj_path)
        except OSError:
            pass  # the cache is an optimisation only

    def getbuffer(_module: Any) -> bytes | None:
        try:
            return obj_path.read_bytes() if cached else None
        except OSError:
            return None

    engine.set_object_cache(notify, getbuffer)
    engine.finalize_object()
    fns = (_Native(engine.get_function_address("expand"), sigs.SIG_EXPAND),
           _Native(engine.get_function_address("mon"), sigs.SIG_MON),
           _Native(engine.get_function_address("cons"), sigs.SIG_CONS))
    conds = {k: _Native(engine.get_function_address(f"lv{k}"), sigs.SIG_PRED) for k in src.conditions}
    return Kernel(fns, conds, engine, time.perf_counter() - t0, cached)
