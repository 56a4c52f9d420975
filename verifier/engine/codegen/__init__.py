"""Stage 5 (compiled stepper): Python code generated from the checked IR.

The modules, in the order a model goes through them: ``reps`` (which types compiled
code handles and how values are represented), ``expr`` (expressions), ``stmt``
(statements and actions), ``level`` (the function that expands a batch of states, and
the ``CompiledStepper``). ``runtime`` holds the helpers generated code calls, ``shape``
static facts about statement blocks, ``source`` helpers over code fragments, ``fold``
the folding of operations whose operands are literals. The entry points are re-exported
by ``verifier/compiler.py``.
"""
