"""Options of an explicit-state run: one frozen object handed to the engine.

``check_options(cfg)`` makes them from a model configuration's check settings and
limits (``verifier/config/``).
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.config.modelfile import ModelConfig


@dataclass(frozen=True, slots=True)
class CheckOptions:
    properties: tuple[str, ...] | None = None  # None: every invariant and reachable
    deadlock: bool = False
    stop_at_first: bool = False
    vacuity_is_error: bool = False
    max_states: int | None = None
    max_depth: int | None = None
    max_seconds: float | None = None
    max_memory_mb: int | None = None
    compiled: str = "auto"   # the Python stepper: "auto" (compiled when possible), "off" (reference), "on"
    kernel: str = "auto"     # the native kernel engine: "auto" (when the spec allows it), "off", "on" (required)
    progress: bool = False   # a progress line on stderr
    workers: int = 1         # cores the kernel engine expands the frontier on (same results)
    collect_graph: bool = False
    graph_max_nodes: int | None = None  # None: the liveness graph grows as memory allows
    symmetry: bool = True    # store one state per renaming class of the symmetric enums
    # past memory (the kernel engine): the memory the seen-set may take before it spills to
    # disk (None: a quarter of max_memory_mb, and spilling when the process reaches
    # max_memory_mb; no spill without either), where it spills (None: a temporary folder,
    # or the checkpoint's), and hash compaction (a fingerprint per state: may miss states)
    store_mb: float | None = None
    spill_dir: str | None = None
    hash_compaction: bool = False
    # checkpoints: written into checkpoint_dir at level boundaries, at most every
    # checkpoint_every seconds, and when the search stops; resume goes on from there
    checkpoint_dir: str | None = None
    checkpoint_every: float = 60.0
    resume: bool = False
    cluster: str | None = None  # a Dask scheduler's address, or "local:K" (``kernel/cluster.py``)


# `--engine` / the pytest plugin's engine choice -> CheckOptions.compiled and .kernel:
# auto (the kernel where it applies, else the compiled Python stepper, else the reference
# semantics), kernel (required), python (the compiled Python stepper; `compiled` is its
# old name), reference (the reference semantics only)
ENGINE_CHOICES = ("auto", "kernel", "python", "compiled", "reference")
ENGINES = {"auto": "auto", "kernel": "auto", "python": "on", "compiled": "on", "reference": "off"}
KERNELS = {"auto": "auto", "kernel": "on", "python": "off", "compiled": "off", "reference": "off"}


def check_options(cfg: ModelConfig, *, engine: str = "auto", deadlock: bool = False,
                  progress: bool = False, resource_limits: bool = True) -> CheckOptions:
    """The explicit engine's options for a model: its properties, deadlock and vacuity
    settings and limits (``deadlock`` adds a deadlock check the model does not ask for;
    so does an ``[expect]`` for ``Deadlock``).
    ``resource_limits=False`` leaves out the time and memory limits, whose effect depends
    on the machine, for runs whose output must be byte-identical everywhere."""
    lim = cfg.limits
    return CheckOptions(
        properties=cfg.properties,
        # an expectation for Deadlock asks for the deadlock check
        deadlock=cfg.deadlock or deadlock or any(n == "Deadlock" for n, _ in cfg.expect),
        stop_at_first=cfg.stop_at_first, vacuity_is_error=cfg.vacuity == "error",
        max_states=lim.states, max_depth=lim.depth,
        max_seconds=lim.time if resource_limits else None,
        max_memory_mb=lim.memory_mb if resource_limits else None,
        compiled=ENGINES[engine], kernel=KERNELS[engine], progress=progress,
        graph_max_nodes=cfg.graph_max_nodes)
