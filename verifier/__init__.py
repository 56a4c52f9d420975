"""verifier: a model checker for failover protocols.

The pipeline (see ARCHITECTURE.md): text -> parse tree -> AST -> checked model ->
engines -> results -> reports. ``load_model`` and ``check`` are the facade.
"""

__version__ = "0.1.0"
