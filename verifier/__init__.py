"""verifier: a model checker for failover protocols.

The pipeline (see ARCHITECTURE.md), one folder per stage: ``lang`` (text -> AST ->
checked model, and the reference semantics), ``config`` (model files), ``engine`` and
``symbolic`` (the engines), ``reports``, ``testing`` (strategies, fuzzing, conformance,
CI outputs) and ``cli`` (the commands); ``results`` is the data they share. The facades:
``verifier.config.load.load_model`` (a configuration to a checked model),
``verifier.engine.run_check`` and ``verifier.symbolic.prove``.
"""

__version__ = "0.1.0"
