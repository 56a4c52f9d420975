"""Stage 5 (symbolic): the Z3 engine -- bounded model checking, induction, k-induction,
Spacer (CHC) proofs and per-size proofs, with results in the same data contract as the
explicit engine (``verifier.results.CheckResult``).

The pipeline inside, one module per step (docs/symbolic.md walks through it):
``terms`` (fast Z3 constructors) -> ``values``/``arith`` (symbolic runtime values) ->
``state`` (states as Z3 constants) -> ``encode`` (expressions) -> ``transition``
(statements, actions, the step) -> ``solver`` (the Z3 wrapper) -> the engines ``bmc``,
``houdini``/``induction``, ``kinduction``, ``chc``, ``sizes`` -> ``traces`` (solver models
to replayed traces) and ``fslprint`` (invariants back to FSL). The command, ``verifier
prove``, is ``verifier/cli/prove.py``.
"""

from __future__ import annotations

from verifier import results as R
from verifier.lang import model as M
from verifier.symbolic.errors import ModelProblem, SymbolicMismatch, Unsupported
from verifier.symbolic.options import BMC, CHC, INDUCTION, KINDUCTION, ProveOptions

__all__ = ["BMC", "CHC", "INDUCTION", "KINDUCTION", "ModelProblem", "ProveOptions", "SymbolicMismatch",
           "Unsupported", "prove"]


def prove(model: M.Model, options: ProveOptions, *, expect: dict[str, str] | None = None) -> R.CheckResult:
    """Run the engine ``options.mode`` names on a checked model (for CHC, use
    ``chc.run_chc`` to get the invariants found as FSL text as well)."""
    if options.mode == BMC:
        from verifier.symbolic.bmc import run_bmc

        return run_bmc(model, options, expect=expect)
    if options.mode == KINDUCTION:
        from verifier.symbolic.kinduction import run_kinduction

        return run_kinduction(model, options, expect=expect)
    if options.mode == CHC:
        from verifier.symbolic.chc import run_chc

        return run_chc(model, options, expect=expect)[0]
    from verifier.symbolic.induction import run_induction

    return run_induction(model, options, expect=expect)
