"""The facade of the front end: a spec file or a model configuration -> checked model.

``load_spec(path)`` parses and checks a spec with its defaults; ``load_model(cfg)``
applies a model configuration (constants, fault caps) and returns the checked model,
after checking the property names the configuration uses (``names.py``): every error
of the spec and of the configuration's names is reported at once. The configuration's
check settings become the explicit engine's options in that stage
(``verifier.engine.options.check_options``).
"""

from __future__ import annotations

from pathlib import Path

from verifier.config.modelfile import ModelConfig, spec_model
from verifier.config.names import name_errors
from verifier.lang import model as M
from verifier.lang.checker import check_spec
from verifier.lang.diagnostics import ConfigError, Diagnostic, SpecError
from verifier.lang.parser import parse, read_spec_text


def load_spec(path: Path) -> M.Model:
    return load_model(spec_model(path))


def load_model(cfg: ModelConfig) -> M.Model:
    text = read_spec_text(cfg.spec)
    spec_path = str(cfg.spec)
    ast = parse(text, spec_path)
    sources = {spec_path: text}
    if cfg.path is not None:
        try:
            sources[str(cfg.path)] = cfg.path.read_text(encoding="utf-8")
        except OSError:
            pass
    config_source = (str(cfg.path), sources[str(cfg.path)]) if str(cfg.path) in sources else None
    names = name_errors(ast, cfg)
    try:
        model = check_spec(ast, text, constants=dict(cfg.constants), faults=dict(cfg.faults),
                           fault_total=cfg.fault_total, config_span=cfg.key_span,
                           config_source=config_source, name=cfg.name)
    except SpecError as e:
        if not names:
            raise
        raise type(e)(_in_order([*e.diagnostics, *names], spec_path), {**sources, **e.sources}) from None
    if names:
        raise ConfigError(_in_order(names, spec_path), sources)
    return model


def _in_order(diags: list[Diagnostic], spec_path: str) -> list[Diagnostic]:
    """The spec's diagnostics first, then the configuration's, each by position."""
    return sorted(diags, key=lambda d: (d.span.path != spec_path, d.span.path, d.span.line, d.span.col))
