"""The facade of the front end: a spec file or a model configuration -> checked model.

``load_spec(path)`` parses and checks a spec with its defaults; ``load_model(cfg)``
applies a model configuration (constants, fault caps) and returns the checked model;
``check_options(cfg)`` turns its check settings into the explicit engine's options.
"""

from __future__ import annotations

from pathlib import Path

from verifier import model as M
from verifier.checker import check_spec
from verifier.config import ModelConfig, spec_model
from verifier.diagnostics import SpecError
from verifier.engine.options import CheckOptions
from verifier.parser import parse, read_spec_text


def load_spec(path: Path) -> M.Model:
    return load_model(spec_model(path))


def load_model(cfg: ModelConfig) -> M.Model:
    text = read_spec_text(cfg.spec)
    spec_path = str(cfg.spec)
    ast = parse(text, spec_path)
    config_source = None
    if cfg.path is not None:
        try:
            config_source = (str(cfg.path), cfg.path.read_text(encoding="utf-8"))
        except OSError:
            config_source = None
    try:
        return check_spec(ast, text, constants=dict(cfg.constants), faults=dict(cfg.faults),
                          fault_total=cfg.fault_total, config_span=cfg.key_span,
                          config_source=config_source, name=cfg.name)
    except SpecError:
        raise


# `--engine` / the pytest plugin's engine choice -> CheckOptions.compiled
ENGINES = {"auto": "auto", "compiled": "on", "reference": "off"}


def check_options(cfg: ModelConfig, *, engine: str = "auto", deadlock: bool = False,
                  progress: bool = False, resource_limits: bool = True) -> CheckOptions:
    """The explicit engine's options for a model: its properties, deadlock and vacuity
    settings and limits (``deadlock`` adds a deadlock check the model does not ask for).
    ``resource_limits=False`` leaves out the time and memory limits, whose effect depends
    on the machine, for runs whose output must be byte-identical everywhere."""
    lim = cfg.limits
    return CheckOptions(
        properties=cfg.properties, deadlock=cfg.deadlock or deadlock,
        stop_at_first=cfg.stop_at_first, vacuity_is_error=cfg.vacuity == "error",
        max_states=lim.states, max_depth=lim.depth,
        max_seconds=lim.time if resource_limits else None,
        max_memory_mb=lim.memory_mb if resource_limits else None,
        compiled=ENGINES[engine], progress=progress, graph_max_nodes=cfg.graph_max_nodes)
