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

from verifier.engine.cachedir import cache_dir
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
    canonical: bool = False  # with the entry point canon(S, O) of a symmetry group


Condition = tuple[M.Expr, tuple[M.Param, ...]]


def generate(model: M.Model, monitors: tuple[M.Property, ...], conds: tuple[Condition, ...] = (),
             group: Any = None) -> Source:
    """The kernel source of ``model`` watching ``monitors`` (and evaluating ``conds``, the
    liveness check's conditions), storing canonical states of the symmetry ``group``
    (``verifier.engine.symmetry.Group``) when given; raises ``Unsupported`` for a
    construct without a kernel translation."""
    try:
        layout = KernelLayout.of(model)
    except NoLayout as e:
        raise Unsupported(str(e)) from None
    gen = StmtGen(model, layout, itertools.count())
    try:
        if group is not None:
            from verifier.engine.kernel.symmetry import canon_functions

            gen.functions += canon_functions(model, layout, group)
            gen.canonical = True
        gen.expand()
        gen.monitors(monitors)
        gen.constraints()
        done = gen.conditions(conds)
    except RecursionError:
        raise Unsupported("expressions nested too deeply for generated code") from None
    text = HEADER + "\n\n" + "\n\n\n".join(gen.functions) + "\n"
    digest = hashlib.sha256(f"{toolchain()}\n{text}".encode()).hexdigest()[:24]
    return Source(text, layout, digest, done, group is not None)


def toolchain() -> str:
    """What the machine code depends on besides the source: the compilers and the host."""
    import llvmlite
    import llvmlite.binding as llvm
    import numba

    here = Path(__file__)
    lowering = hashlib.sha256(here.with_name("lower.py").read_bytes() + here.read_bytes()).hexdigest()[:16]
    return f"numba {numba.__version__} llvmlite {llvmlite.__version__} {llvm.get_default_triple()} " \
           f"{llvm.get_host_cpu_name()} lower {lowering}"  # the level names the object file


@dataclass(frozen=True, slots=True)
class Kernel:
    """A model's compiled functions (``fns`` for the driver) and what it cost."""

    fns: tuple[Any, Any, Any]
    conditions: dict[int, Any]   # lv<k> (``generate``'s conds that have one)
    engine: Any            # the LLVM execution engine that owns the machine code
    compile_seconds: float
    cached: bool
    canon: Any = None      # canon(S, O) of the symmetry group (``symmetry.py``), if generated
    level: str = "O3"      # how it was optimised (``OPT_LEVELS``)


class _Native(types.WrapperAddressProtocol):  # type: ignore[misc]
    """A compiled function at an address, as numba's first-class function protocol wants."""

    def __init__(self, address: int, signature: Any) -> None:
        self.address = address
        self.sig = signature

    def __wrapper_address__(self) -> int:
        return self.address

    def signature(self) -> Any:
        return self.sig


def cache_folder(name: str) -> Path:
    """``cache_dir() / name``, made when missing (in the temporary folder when the cache
    cannot be written)."""
    folder = cache_dir() / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:
        folder = Path(tempfile.gettempdir()) / f"verifier-{name}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder


def load(src: Source, level: str | None = None) -> Kernel:
    """Compile the kernel, or load its machine code from the cache without lowering it again.

    At ``level``, else at the level VERIFIER_KERNEL_OPT fixes, else tiered: O3's code
    when the cache has it, else the ``fast`` pipeline's (cached or compiled), which the
    search replaces by O3's when it runs long enough (``upgradable``).

    LLVM's context is shared with numba and not safe to use from two threads at once (a
    run over several models compiles the next kernel in a thread), so every call into
    LLVM holds numba's compiler lock; lowering to IR text is pure Python and does not.
    """
    import llvmlite.binding as llvm
    from numba.core.compiler_lock import global_compiler_lock

    t0 = time.perf_counter()
    chosen = level or fixed_level()
    tiers = [chosen] if chosen is not None else [FINAL, FIRST]
    folder = cache_folder("kernels")
    with global_compiler_lock:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
    for tier in tiers:
        with global_compiler_lock:
            found = _from_cache(llvm, _target(llvm, tier), _object(folder, src, tier), src)
        if found is not None:
            engine, addresses = found
            return _kernel(engine, addresses, src, time.perf_counter() - t0, cached=True, level=tier)
    tier = tiers[-1]  # compiled at the first tier, or the fixed level
    ir_text = Lower(src.text, f"k_{src.digest}").ir_text()
    with global_compiler_lock:
        engine = _compile(llvm, ir_text, _object(folder, src, tier), tier)
        compiled = _addresses(engine, src)
    if compiled is None:
        raise Unsupported("the compiled kernel lacks one of its entry points")
    return _kernel(engine, compiled, src, time.perf_counter() - t0, cached=False, level=tier)


def upgradable(kernel: Kernel) -> bool:
    """Whether a long search should compile O3's code and go on with it: the kernel came
    from the quick first tier and no level is fixed."""
    return fixed_level() is None and kernel.level != FINAL


def _object(folder: Path, src: Source, level: str) -> Path:
    return folder / f"k_{src.digest}-{level}.o"


def _target(llvm: Any, level: str) -> Any:
    return llvm.Target.from_default_triple().create_target_machine(opt=1 if level == "fast" else 2, jit=True)


def _compile(llvm: Any, ir_text: str, obj_path: Path, level: str) -> Any:
    """An engine over the module optimised at ``level``; its object file goes to the cache."""
    tm = _target(llvm, level)
    mod = llvm.parse_assembly(ir_text)
    mod.verify()
    pto = llvm.create_pipeline_tuning_options(speed_level=0 if level == "fast" else int(level[1]))
    pb = llvm.create_pass_builder(tm, pto)
    if level == "fast":
        _fast_passes(llvm).run(mod, pb)
    else:
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

    engine.set_object_cache(notify, lambda _module: None)
    engine.finalize_object()
    return engine


OPT_LEVELS = ("fast", "O0", "O1", "O2", "O3")
FIRST, FINAL = "fast", "O3"   # the tiers


def fixed_level() -> str | None:
    """The optimisation level VERIFIER_KERNEL_OPT fixes (``fast`` or LLVM's O0..O3), or
    None: tiered (see ``load``).

    ``fast`` is a short pipeline of the passes that matter for generated kernel code
    (SROA to put every local in a register, then instruction combining, CFG
    simplification, sparse conditional constant propagation, GVN and dead-code
    elimination; no inlining, which makes LLVM's code generation costly), with the code
    generator at its level 1. Its LLVM time is about half of O3's, and its code searched
    HAL about 4% and the full triad about 20% slower than O3's (docs/engines.md), hence
    the tiers: the fast code first, O3's for a search that goes on."""
    env = os.environ.get("VERIFIER_KERNEL_OPT")
    if not env:
        return None
    level = env if env == "fast" else env.upper()
    return level if level in OPT_LEVELS else None


def _fast_passes(llvm: Any) -> Any:
    mpm = llvm.create_new_module_pass_manager()
    mpm.add_sroa_pass()
    mpm.add_instruction_combine_pass()
    mpm.add_simplify_cfg_pass()
    mpm.add_sccp_pass()
    mpm.add_new_gvn_pass()
    mpm.add_instruction_combine_pass()
    mpm.add_simplify_cfg_pass()
    mpm.add_aggressive_dce_pass()
    return mpm


def _from_cache(llvm: Any, tm: Any, obj_path: Path, src: Source) -> tuple[Any, dict[str, int]] | None:
    """An engine over the cached object file, or None (absent, unreadable or incomplete)."""
    try:
        data = obj_path.read_bytes()
    except OSError:
        return None
    try:
        engine = llvm.create_mcjit_compiler(llvm.parse_assembly(""), tm)
        engine.add_object_file(llvm.ObjectFileRef.from_data(data))
        engine.finalize_object()
    except RuntimeError:
        return None  # a truncated or foreign file: compile afresh (and overwrite it)
    addresses = _addresses(engine, src)
    return None if addresses is None else (engine, addresses)


def _addresses(engine: Any, src: Source) -> dict[str, int] | None:
    names = ["expand", "mon", "cons", *(f"lv{k}" for k in src.conditions),
             *(["canon"] if src.canonical else [])]
    addresses = {n: engine.get_function_address(n) for n in names}
    return None if not all(addresses.values()) else addresses


def _kernel(engine: Any, a: dict[str, int], src: Source, seconds: float, *, cached: bool,
            level: str) -> Kernel:
    fns = (_Native(a["expand"], sigs.SIG_EXPAND), _Native(a["mon"], sigs.SIG_MON),
           _Native(a["cons"], sigs.SIG_CONS))
    conds = {k: _Native(a[f"lv{k}"], sigs.SIG_PRED) for k in src.conditions}
    canon = _Native(a["canon"], sigs.SIG_PRED) if src.canonical else None
    return Kernel(fns, conds, engine, seconds, cached, canon, level)
