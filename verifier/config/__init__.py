"""The configuration stage: model files (``models/*.toml``) and the way to a checked model.

``modelfile`` reads and validates a model file into a frozen ``ModelConfig`` (spec,
constants, fault caps, properties, limits, expectations), every problem a located
``C0xx`` diagnostic; ``tomlspans`` is the TOML key locator behind those locations;
``load`` is the facade from a configuration to a checked model (``load_model``,
``load_spec``), through the language stage. The names below are the model file's
public face, so ``from verifier.config import load_model, with_overrides`` reads a
configuration; ``verifier.config.load.load_model`` turns one into a model.
"""

from verifier.config.modelfile import (
    DEFAULT_GRAPH_MAX_NODES,
    Limits,
    ModelConfig,
    SourceMap,
    discover_models,
    load_model,
    spec_model,
    with_overrides,
)
from verifier.config.tomlspans import KeyPath

__all__ = ["DEFAULT_GRAPH_MAX_NODES", "KeyPath", "Limits", "ModelConfig", "SourceMap", "discover_models",
           "load_model", "spec_model", "with_overrides"]
