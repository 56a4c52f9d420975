"""Stage 5 (compiled stepper): compile a checked model into Python code over packed states.

The generated module computes, for a state packed as an int (layout of
``verifier.lang.typesys``), the successors in exactly the reference semantics' order, the
monitors (invariants, reachables) and the constraints, reading and writing fields with
shifts and masks. It is built from the checked IR only: every name in it is mangled
(``L<slot>`` for bound variables, ``_C<n>`` for constants kept in the namespace), and
every literal is an int, a bool or None rendered by ``repr``; nothing the user wrote is
ever passed to ``exec``. Anything the compiler does not support raises ``Unsupported``
and the engine falls back to the reference semantics. Agreement with the reference
semantics is tested on many generated models (tests/engine/test_compiler.py,
tests/ci/test_differential.py).

The modules, in the order a model goes through them: ``reps`` (which types compiled
code handles and how values are represented), ``expr`` (expressions), ``stmt``
(statements and actions), ``level`` (the function that expands a batch of states, and
the ``CompiledStepper``). ``runtime`` holds the helpers generated code calls, ``shape``
static facts about statement blocks, ``source`` helpers over code fragments, ``fold``
the folding of operations whose operands are literals. The entry points are the names
below.
"""

from __future__ import annotations

from verifier.engine.codegen.level import CompiledStepper, compile_stepper, generate
from verifier.engine.codegen.runtime import Unsupported

__all__ = ["CompiledStepper", "Unsupported", "compile_stepper", "generate"]
