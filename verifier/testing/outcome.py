"""How CI outputs judge a property: pass, fail or inconclusive, and a one-line reason.

Shared by JUnit, SARIF and the pytest plugin so that all three agree with each other
and with the exit codes of ``verifier check``.
"""

from __future__ import annotations

import dataclasses

from verifier import results as R

PASS = "pass"
FAIL = "fail"
INCONCLUSIVE = "inconclusive"


def outcome(result: R.CheckResult, p: R.PropertyResult) -> str:
    """``pass``, ``fail`` or ``inconclusive`` for one property, as ``verifier check``
    judges it: an expectation from the model decides when there is one; otherwise a
    violation fails, and a vacuous reachable fails only with ``vacuity = "error"``."""
    if p.verdict == R.INCONCLUSIVE:
        return INCONCLUSIVE
    ok = p.as_expected
    if ok is not None:
        return PASS if ok else FAIL
    if p.verdict == R.VIOLATED or (p.verdict == R.VACUOUS and result.vacuity_is_error):
        return FAIL
    return PASS


def describe(result: R.CheckResult, p: R.PropertyResult) -> str:
    """One line on a property's outcome, for a failure message or an annotation."""
    what = f"{p.kind} {p.name}"
    if p.kind == R.RUNTIME:
        what = "a run-time error"
    elif p.kind == R.DEADLOCK:
        what = "a deadlock (a state with no enabled action)"
    if p.kind in (R.RUNTIME, R.DEADLOCK) and p.verdict == R.VIOLATED:
        text = f"{what} is reachable"
    elif p.verdict == R.INCONCLUSIVE:
        text = f"{what} is inconclusive: {result.stop_reason or 'the search stopped early'}"
    elif p.verdict == R.VIOLATED:
        text = f"{what} is violated"
    elif p.verdict == R.VACUOUS:
        text = f"{what} is never reached (vacuous)"
    else:
        text = f"{what} {p.verdict}"
    if p.expected is not None and p.as_expected is False and p.verdict != R.INCONCLUSIVE:
        text += ", but the model expects " + ("it to hold" if p.expected == R.HOLDS else "a violation")
    if p.trace is not None:
        n = len(p.trace.steps)
        labels = " -> ".join(s.label() for s in p.trace.steps[:8])
        more = " -> ..." if n > 8 else ""
        kind = "witness" if p.kind == R.REACHABLE else "counterexample"
        text += f" ({n}-step {kind}: {labels or 'the initial state'}{more})"
    if p.trace is not None and p.trace.error:
        text += f"; {p.trace.error}"
    return f"{text} in model {result.model}"


def property_text(result: R.CheckResult, p: R.PropertyResult) -> str:
    """The text report narrowed to one property: its verdict and trace."""
    from verifier.reports.text import render_text

    narrowed = dataclasses.replace(result, properties=(p,), coverage=(), fault_combinations=(),
                                   warnings=())
    return render_text(narrowed)
