"""Stage 5, explicit: the explicit-state engine, ``run_check(model, options) -> CheckResult``.

The modules: ``run`` (the entry point: stepper, store, search, results), ``select``
(the properties watched and the stepper chosen), ``options`` (``CheckOptions``, and
``check_options`` from a model configuration), ``stepper`` (the ``Stepper`` interface
and the reference semantics' stepper), ``kernel/`` (the kernel engine: native code generated
from the checked IR, searched by a native loop; the default), ``codegen/`` (the compiled
stepper: Python code generated from the checked IR), ``explicit`` (the breadth-first search),
``store`` (the seen-state stores), ``trace`` (traces rebuilt by replay through the
reference semantics), ``liveness`` (the labelled state graph and the fair-lasso
search) and ``graph`` (networkx state graphs for export and analysis).
"""

from verifier.engine.cachedir import place_numba_cache

place_numba_cache()  # before any engine module imports numba

from verifier.engine.run import EngineError, prefetch, run_check  # noqa: E402
from verifier.engine.select import make_stepper, select_liveness, select_properties  # noqa: E402

__all__ = ["EngineError", "make_stepper", "prefetch", "run_check", "select_liveness", "select_properties"]
