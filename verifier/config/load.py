"""The facade of the front end: a spec file or a model configuration -> checked model.

``load_spec(path)`` parses and checks a spec with its defaults; ``load_model(cfg)``
applies a model configuration (constants, fault caps) and returns the checked model.
The configuration's check settings become the explicit engine's options in that stage
(``verifier.engine.options.check_options``).
"""

from __future__ import annotations

from pathlib import Path

from verifier.config.modelfile import ModelConfig, spec_model
from verifier.lang import model as M
from verifier.lang.checker import check_spec
from verifier.lang.diagnostics import SpecError
from verifier.lang.parser import parse, read_spec_text


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
