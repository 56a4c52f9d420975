"""Reports stage: a trace in the Informal Trace Format (ITF) of Apalache and Quint.

``{"#meta": {...}, "vars": [...], "states": [{"#meta": {"index": i, ...}, var: value}]}``
with sets as ``{"#set": [...]}``, maps as ``{"#map": [[k, v], ...]}``, tuples as
``{"#tup": [...]}``, records as plain objects, sequences as lists, and integers as
JSON numbers when ``|n| < 2**53``, else ``{"#bigint": "..."}``. FSL's ``none`` is
the string ``"none"``: option values are not wrapped (there is no ``Some(x)``), and
``none`` is a keyword, so it never collides with an enum member. (Quint's
``{"tag": "None", ...}`` variant is not used: ``itf-py`` cannot decode a variant
named after a Python keyword.) Each state's ``#meta`` names the action that led to
it; a step that failed with a runtime error has no state, so it is described in
the trace's ``#meta`` (``error``, ``failed_action``). A lasso (a liveness
counterexample) has ADR-015's top-level ``loop``: the index of the state the behaviour
goes back to after the last one. See docs/reports.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from verifier.results import Trace, Value, VMap, VRecord, VSet, VTuple

ITF_FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"
NONE_ENCODING = "none"
_SAFE_INT = 2**53


def value_to_itf(v: Value) -> Any:
    """A display value as an ITF JSON value."""
    if v is None:
        return NONE_ENCODING
    if isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v if -_SAFE_INT < v < _SAFE_INT else {"#bigint": str(v)}
    if isinstance(v, VSet):
        return {"#set": [value_to_itf(x) for x in v.items]}
    if isinstance(v, VMap):
        return {"#map": [[value_to_itf(k), value_to_itf(x)] for k, x in v.pairs]}
    if isinstance(v, VTuple):
        return {"#tup": [value_to_itf(x) for x in v.items]}
    if isinstance(v, VRecord):
        return {name: value_to_itf(x) for name, x in v.fields}
    return [value_to_itf(x) for x in v.items]


def trace_to_itf(trace: Trace, *, var_names: Sequence[str] | None = None,
                 meta: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ITF object of ``trace``; ``var_names`` picks and orders the variables (all
    of the initial state's by default, checker-added ``faults.*`` counters included);
    ``meta`` adds entries to the top-level ``#meta`` (e.g. the property's name)."""
    names = list(var_names) if var_names is not None else [n for n, _ in trace.initial]
    top: dict[str, Any] = {"format": "ITF", "format-description": ITF_FORMAT_DESCRIPTION,
                           "none-encoding": NONE_ENCODING}
    top.update(meta or {})
    states = [_state(0, trace.initial, names, None)]
    for i, step in enumerate(trace.steps, start=1):
        if step.state is None:
            top["error"] = trace.error or "the step failed (no successor state)"
            top["failed_action"] = step.label()
            break
        states.append(_state(i, step.state, names, step.label(), step.fault))
    out: dict[str, Any] = {"#meta": top, "vars": names, "states": states}
    if trace.loop is not None and 0 <= trace.loop < len(states):
        # a lasso: after the last state the behaviour goes back to state `loop` (ADR-015's
        # optional field); a behaviour that stays in its last state loops to that state
        out["loop"] = trace.loop
    return out


def _state(index: int, state: tuple[tuple[str, Value], ...], names: list[str],
           action: str | None, fault: bool = False) -> dict[str, Any]:
    values = dict(state)
    meta: dict[str, Any] = {"index": index}
    if action is not None:
        meta["action"] = action
        meta["fault"] = fault
    out: dict[str, Any] = {"#meta": meta}
    for name in names:
        if name not in values:
            raise ValueError(f"variable {name!r} is not in state {index} of the trace "
                             f"(it has {', '.join(values) or 'no variables'})")
        out[name] = value_to_itf(values[name])
    return out


def itf_text(trace: Trace, *, var_names: Sequence[str] | None = None,
             meta: Mapping[str, Any] | None = None) -> str:
    """The ITF document as deterministic JSON text (indent 2, trailing newline)."""
    doc = trace_to_itf(trace, var_names=var_names, meta=meta)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write_itf(trace: Trace, path: Path, *, var_names: Sequence[str] | None = None,
              meta: Mapping[str, Any] | None = None) -> Path:
    """Write the trace as an ITF file (UTF-8, ``\\n`` line ends); returns ``path``."""
    path.write_bytes(itf_text(trace, var_names=var_names, meta=meta).encode("utf-8"))
    return path
