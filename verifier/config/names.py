"""Configuration stage: the property names a model file uses, checked against its spec.

``[check] properties`` (or ``--property``) and ``[expect]`` name properties; a name the
spec does not have is C014, pointing at the name where it is written, with a
did-you-mean. Only the parsed spec is needed (the names of its ``invariant``,
``reachable`` and ``liveness`` declarations), so these errors are reported together
with the checker's, even when a constant error stops the checker early. ``Deadlock``
and ``RuntimeError`` are the checker's own properties: ``[expect]`` may name them (an
expectation for ``Deadlock`` turns the deadlock check on), ``[check] properties`` may not.

``property_warnings`` says when a model has no property to check at all (C015): a
warning, or an error with ``vacuity = "error"`` (``[check]`` or ``--vacuity error``).
"""

from __future__ import annotations

from verifier.config.modelfile import ModelConfig
from verifier.lang import syntax as S
from verifier.lang.diagnostics import Diagnostic, did_you_mean
from verifier.lang.syntax import NOSPAN, Span

CHECKER_PROPERTIES = ("Deadlock", "RuntimeError")
_COMMAND_LINE = Span("<command line>", 0, 0, 0, 0)


def spec_properties(spec: S.Spec) -> list[str]:
    """The invariants, reachables and liveness properties of a spec, in its order."""
    out: list[str] = []
    for d in spec.decls:
        if isinstance(d, S.PropertyDecl) and d.kind in ("invariant", "reachable"):
            out.append(d.name)
        elif isinstance(d, S.LivenessDecl):
            out.append(d.name)
    return out


def name_errors(spec: S.Spec, cfg: ModelConfig) -> list[Diagnostic]:
    """C014 for each name in ``[check] properties``/``--property`` and ``[expect]`` that
    is not a property of ``spec``."""
    known = spec_properties(spec)
    listing = ", ".join(known) if known else "none"
    out: list[Diagnostic] = []
    for i, name in enumerate(cfg.properties or ()):
        if name in known:
            continue
        best = did_you_mean(name, known)
        if cfg.properties_from_command_line:
            where = _COMMAND_LINE
        elif cfg.source_map is not None:
            where = cfg.value_span("check", "properties", i)
        else:
            where = NOSPAN
        hint = f"did you mean `{best}`?" if best else f"its properties are: {listing}"
        if name in CHECKER_PROPERTIES:
            hint = (f"{name} is the checker's own property, always checked"
                    + (" (with [check] deadlock = true or --deadlock)" if name == "Deadlock" else "")
                    + "; leave it out of the list")
        out.append(Diagnostic(
            "C014", f"the spec has no invariant, reachable or liveness property `{name}`", where, hint))
    expectable = known + list(CHECKER_PROPERTIES)
    for name, _ in cfg.expect:
        if name in expectable:
            continue
        best = did_you_mean(name, expectable)
        out.append(Diagnostic(
            "C014", f"[expect] names `{name}`, which is not a property of the spec",
            cfg.key_span("expect", name),
            f"did you mean `{best}`?" if best else
            f"its properties are: {listing} (and the checker's {', '.join(CHECKER_PROPERTIES)})"))
    return out


def property_warnings(spec: S.Spec, cfg: ModelConfig, *, vacuity: str | None = None) -> list[Diagnostic]:
    """C015 when the spec has no invariant, reachable or liveness property: a check then
    only looks for run-time errors (and deadlocks). An error (severity ``error``) when
    the vacuity setting (``vacuity``, else the model's) is ``"error"``."""
    if spec_properties(spec):
        return []
    mode = vacuity or cfg.vacuity
    where = Span(str(cfg.path), 0, 0, 0, 0) if cfg.path is not None else Span(str(cfg.spec), 0, 0, 0, 0)
    return [Diagnostic(
        "C015", f"{cfg.spec} has no invariant, reachable or liveness property: only run-time "
        "errors" + (" and deadlocks" if cfg.deadlock else "") + " are looked for",
        where, "declare one, e.g. `invariant Safe: ...`"
        + ("" if mode == "error" else "; `vacuity = \"error\"` in [check] or `--vacuity error` "
           "makes this an error"),
        severity="error" if mode == "error" else "warning")]
