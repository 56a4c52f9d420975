"""The explorer's state: one path through a model, walked step by step on the reference
semantics, behind ``verifier explore``'s page (``server.py``).

A ``Session`` holds a path (an initial state, then transitions, each stored as its
ordinal among ``semantics.successors``, as the engines store traces) and a cursor, the
step shown. ``step`` takes a transition of the state at the cursor (dropping the steps
after it, as a browser's history does), ``back``/``forward``/``jump`` move the cursor,
``undo`` drops the last step, ``reset`` starts again from an initial state, and
``load`` replaces the path by a saved counterexample (a ``result.json`` or an ITF
trace), matched step by step against the model: every state of the trace must be a
successor of the one before, else the first step that is not is named.

``view`` is the page's whole document: the state at the cursor as tables with the
fields that changed in its last step marked, the enabled transitions, the invariants and
reachables in this state, the path, and the SVG timeline the HTML report draws (all
display values, all strings to be shown as text by the page; the SVG is escaped by
``verifier/reports/svg.py``). Not thread-safe: the server handles one request at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from verifier import results as R
from verifier.engine.trace import display_state, replay
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T
from verifier.reports.diff import diff_states
from verifier.reports.svg import render_timeline
from verifier.reports.timeline import assign_colours, timeline_of

__all__ = ["LoadError", "Session", "trace_from_itf"]

MAX_INITIAL = 1000   # initial states offered for a reset


class LoadError(Exception):
    """A saved trace that cannot be read or is not a behaviour of this model."""


@dataclass
class _Step:
    ordinal: int
    transition: sem.Transition
    state: sem.State | None          # None: the step raised a run-time error


class Session:
    def __init__(self, model: M.Model) -> None:
        self.model = model
        self.initial = sem.initial_states(model, limit=MAX_INITIAL)
        if not self.initial:
            raise ValueError(f"the model {model.name} has no initial state: nothing to explore")
        self.monitors = tuple(p for p in model.properties if p.kind in ("invariant", "reachable"))
        self.reset(0)

    # ---- moving -----------------------------------------------------------------------

    def reset(self, initial: int = 0) -> None:
        if not 0 <= initial < len(self.initial):
            raise LoadError(f"there is no initial state {initial} (the model has "
                            f"{len(self.initial)})")
        self.initial_index = initial
        self.steps: list[_Step] = []
        self.cursor = 0
        self.source: str | None = None

    def state_at(self, k: int) -> sem.State:
        return self.initial[self.initial_index] if k == 0 else self.steps[k - 1].state  # type: ignore[return-value]

    @property
    def current(self) -> sem.State | None:
        return None if self.failed_at_cursor else self.state_at(self.cursor)

    @property
    def failed_at_cursor(self) -> bool:
        return self.cursor > 0 and self.steps[self.cursor - 1].state is None

    def transitions(self) -> list[sem.Transition]:
        state = self.current
        return [] if state is None else sem.successors(self.model, state)

    def step(self, ordinal: int) -> None:
        trs = self.transitions()
        if not 0 <= ordinal < len(trs):
            raise LoadError(f"no transition {ordinal} here (this state has {len(trs)})")
        del self.steps[self.cursor:]
        tr = trs[ordinal]
        self.steps.append(_Step(ordinal, tr, tr.target))
        self.cursor += 1

    def step_by_name(self, action: str, params: dict[str, Any], branch: int = 0) -> None:
        """The ``branch``-th transition of ``action`` with these parameters (by name,
        values as the page shows them)."""
        found = [i for i, tr in enumerate(self.transitions())
                 if self.model.actions[tr.action].name == action
                 and self._params(tr) == {k: str(v) for k, v in params.items()}]
        if not found:
            names = [a.name for a in self.model.actions]
            why = ("not enabled here with these parameters" if action in names
                   else "not an action of the spec")
            raise LoadError(f"{action}{json.dumps(params)}: {why}")
        if not 0 <= branch < len(found):
            raise LoadError(f"{action} has {len(found)} outcomes here, not {branch + 1}")
        self.step(found[branch])

    def jump(self, k: int) -> None:
        if not 0 <= k <= len(self.steps):
            raise LoadError(f"no step {k} (the path has {len(self.steps)} steps)")
        self.cursor = k

    def back(self) -> None:
        self.jump(max(0, self.cursor - 1))

    def forward(self) -> None:
        self.jump(min(len(self.steps), self.cursor + 1))

    def undo(self) -> None:
        if self.steps:
            self.steps.pop()
        self.cursor = min(self.cursor, len(self.steps))

    # ---- loading a counterexample ---------------------------------------------------------

    def load(self, text: str, name: str, prop: str | None = None) -> list[str]:
        """Replace the path by a trace from a result.json (the property ``prop``, else the
        first with a trace) or an ITF file; returns the properties with traces that the
        file offers. The cursor goes to the start."""
        trace, offered = read_trace(text, name, prop)
        self._follow(trace, name)
        self.source = name if prop is None else f"{name} ({prop})"
        return offered

    def _follow(self, trace: R.Trace, name: str) -> None:
        model = self.model
        start = _norm_state(trace.initial)
        index = next((i for i, s in enumerate(self.initial)
                      if _norm_state(display_state(model, s)) == start), None)
        if index is None:
            raise LoadError(f"{name}: its first state is not an initial state of this model"
                            + _differs(display_state(model, self.initial[0]), trace.initial))
        steps: list[_Step] = []
        state = self.initial[index]
        for k, st in enumerate(trace.steps, start=1):
            trs = sem.successors(model, state)
            want = None if st.state is None else _norm_state(st.state)
            hit = None
            for o, tr in enumerate(trs):
                if _label(model, tr) != st.label():
                    continue
                if want is None and tr.target is None:
                    hit = o
                    break
                if want is not None and tr.target is not None and (
                        _norm_state(display_state(model, tr.target)) == want):
                    hit = o
                    break
            if hit is None:
                near = next((tr.target for tr in trs if tr.target is not None
                             and _label(model, tr) == st.label()), None)
                extra = "" if near is None or st.state is None else _differs(
                    display_state(model, near), st.state)
                raise LoadError(f"{name}: step {k} ({st.label()}) is not a step of this model "
                                f"from the state before it" + (extra or ": no such transition there"))
            tr = trs[hit]
            steps.append(_Step(hit, tr, tr.target))
            if tr.target is None:
                break
            state = tr.target
        self.initial_index = index
        self.steps = steps
        self.cursor = 0

    # ---- what the page shows --------------------------------------------------------------

    def _params(self, tr: sem.Transition) -> dict[str, str]:
        action = self.model.actions[tr.action]
        return {p.name: R.format_value(T.display(p.ty, v)) for p, v in zip(action.params, tr.params)}

    def trace(self) -> R.Trace:
        error_step = None
        ordinals = [self.initial_index] + [s.ordinal for s in self.steps if s.state is not None]
        if self.steps and self.steps[-1].state is None:
            last = self.steps[-1]
            err = last.transition.error
            error_step = (last.ordinal, last.transition.action, err.describe() if err else "")
        return replay(self.model, ordinals, error_step=error_step)[0]

    def actions(self) -> list[dict[str, Any]]:
        """The transitions of the state at the cursor, for the page's buttons."""
        trs = self.transitions()
        out: list[dict[str, Any]] = []
        state = self.current
        assert state is not None or not trs
        before = display_state(self.model, state) if state is not None else ()
        counts: dict[tuple[int, tuple[Any, ...]], int] = {}
        for tr in trs:
            counts[(tr.action, tr.params)] = counts.get((tr.action, tr.params), 0) + 1
        seen: dict[tuple[int, tuple[Any, ...]], int] = {}
        for o, tr in enumerate(trs):
            key = (tr.action, tr.params)
            seen[key] = seen.get(key, 0) + 1
            action = self.model.actions[tr.action]
            doc: dict[str, Any] = {
                "id": o, "action": action.name, "params": self._params(tr), "label": _label(self.model, tr),
                "fault": action.fault, "branch": seen[key] - 1, "branches": counts[key]}
            if tr.target is None:
                doc["error"] = tr.error.describe() if tr.error else "run-time error"
            else:
                doc["changes"] = [f"{c.path}: {R.format_value(c.old)} → {R.format_value(c.new)}"
                                  for c in diff_states(before, display_state(self.model, tr.target))]
            out.append(doc)
        return out

    def properties(self) -> list[dict[str, Any]]:
        state = self.current
        out = []
        for p in self.monitors:
            doc: dict[str, Any] = {"name": p.name, "kind": p.kind, "doc": p.doc or ""}
            if state is None:
                doc["holds"] = None
            else:
                try:
                    doc["holds"] = sem.holds(p, state)
                except sem.EvalError as e:
                    doc["holds"] = None
                    doc["error"] = e.describe()
            out.append(doc)
        return out

    def view(self) -> dict[str, Any]:
        trace = self.trace()
        states = [trace.initial] + [s.state for s in trace.steps]
        shown = states[self.cursor]
        before = states[self.cursor - 1] if self.cursor > 0 else None
        tl = timeline_of(trace)
        svg = render_timeline(tl, assign_colours([tl]), anchor="explore",
                              title=f"Timeline of the path in {self.model.name}") if tl.lanes else ""
        path = [{"step": 0, "label": "initial state", "fault": False}]
        path += [{"step": k, "label": s.label(), "fault": s.fault} for k, s in enumerate(trace.steps, start=1)]
        error = None
        if self.failed_at_cursor:
            error = trace.error
        return {
            "model": self.model.name, "spec": _shown_path(self.model.path), "source": self.source,
            "step": self.cursor, "length": len(self.steps), "initial": self.initial_index,
            "initial_count": len(self.initial), "error": error,
            "variables": [] if shown is None else _tables(shown, before),
            "properties": self.properties(), "actions": self.actions(), "path": path,
            "timeline": svg,
        }


def _shown_path(path: str) -> str:
    """The spec's path relative to the working folder when it lies below it."""
    import os

    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


# ---- reading saved traces ------------------------------------------------------------------


def read_trace(text: str, name: str, prop: str | None) -> tuple[R.Trace, list[str]]:
    """A trace from a result.json (``prop`` or the first with a trace) or an ITF file."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise LoadError(f"{name}:{e.lineno}:{e.colno}: not JSON: {e.msg}") from None
    if isinstance(doc, dict) and "states" in doc and "vars" in doc:
        return trace_from_itf(doc, name), []
    from verifier.lang.diagnostics import SpecError
    from verifier.reports import result_from_json

    try:
        result = result_from_json(text, source=name)
    except SpecError as e:
        raise LoadError(e.render()) from None
    offered = [p.name for p in result.properties if p.trace is not None]
    if not offered:
        raise LoadError(f"{name}: the result has no trace to load")
    pick = prop if prop is not None else offered[0]
    for p in result.properties:
        if p.name == pick and p.trace is not None:
            return p.trace, offered
    raise LoadError(f"{name}: no trace for `{pick}`; the file has traces for {', '.join(offered)}")


def trace_from_itf(doc: dict[str, Any], name: str) -> R.Trace:
    """An ITF document (``verifier/reports/itf.py``'s shape) as a trace of display values;
    the action of each step comes from its state's ``#meta.action``."""
    try:
        names = [str(n) for n in doc["vars"]]
        states = []
        actions = []
        for i, st in enumerate(doc["states"]):
            states.append(tuple((n, _from_itf(st[n])) for n in names))
            meta = st.get("#meta", {}) if isinstance(st, dict) else {}
            actions.append((str(meta.get("action", "")), bool(meta.get("fault", False))))
            if i > 0 and not actions[-1][0]:
                raise LoadError(f"{name}: state {i} has no #meta.action")
    except (KeyError, TypeError, AttributeError) as e:
        raise LoadError(f"{name}: not an ITF trace ({type(e).__name__}: {e})") from None
    if not states:
        raise LoadError(f"{name}: the ITF trace has no states")
    steps = []
    for (label, fault), state in zip(actions[1:], states[1:]):
        action = label.split("(", 1)[0]
        steps.append(R.Step(action, _itf_params(label), fault, state))
    failed = doc.get("#meta", {}).get("failed_action") if isinstance(doc.get("#meta"), dict) else None
    error = None
    if failed:
        steps.append(R.Step(str(failed).split("(", 1)[0], _itf_params(str(failed)), False, None))
        error = str(doc["#meta"].get("error", ""))
    return R.Trace(states[0], tuple(steps), error)


def _itf_params(label: str) -> tuple[tuple[str, R.Value], ...]:
    """The arguments of ``Action(a, b)`` as positional pseudo-parameters (labels compare)."""
    if "(" not in label:
        return ()
    inner = label[label.index("(") + 1:label.rindex(")")] if ")" in label else ""
    return tuple((str(i), a.strip()) for i, a in enumerate(inner.split(",")) if a.strip())


def _from_itf(v: Any) -> R.Value:
    if v == "none":
        return None
    if isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, list):
        return R.VSeq(tuple(_from_itf(x) for x in v))
    if isinstance(v, dict):
        if "#set" in v:
            return R.VSet(tuple(_from_itf(x) for x in v["#set"]))
        if "#map" in v:
            return R.VMap(tuple((_from_itf(k), _from_itf(x)) for k, x in v["#map"]))
        if "#tup" in v:
            return R.VTuple(tuple(_from_itf(x) for x in v["#tup"]))
        if "#bigint" in v:
            return int(v["#bigint"])
        return R.VRecord(tuple((str(k), _from_itf(x)) for k, x in v.items()))
    raise TypeError(f"cannot read the ITF value {v!r}")


def _label(model: M.Model, tr: sem.Transition) -> str:
    action = model.actions[tr.action]
    args = ", ".join(R.format_value(T.display(p.ty, v)) for p, v in zip(action.params, tr.params))
    return f"{action.name}({args})" if action.params else action.name


def _norm(v: R.Value) -> Any:
    """A display value compared regardless of the order of set items and map pairs, and
    of a sequence against a tuple (ITF writes both as lists)."""
    if isinstance(v, R.VSet):
        return ("set", frozenset(_norm(x) for x in v.items))
    if isinstance(v, R.VMap):
        return ("map", frozenset((_norm(k), _norm(x)) for k, x in v.pairs))
    if isinstance(v, (R.VSeq, R.VTuple)):
        return ("seq", tuple(_norm(x) for x in v.items))
    if isinstance(v, R.VRecord):
        return ("rec", frozenset((k, _norm(x)) for k, x in v.fields))
    return (type(v).__name__, v)


def _norm_state(state: R.DisplayState) -> Any:
    return frozenset((n, _norm(v)) for n, v in state)


def _differs(model_state: R.DisplayState, trace_state: R.DisplayState) -> str:
    changes = diff_states(model_state, trace_state)
    if not changes and {n for n, _ in model_state} == {n for n, _ in trace_state}:
        return ""
    missing = sorted({n for n, _ in model_state} ^ {n for n, _ in trace_state})
    parts = [f"{c.path}: the model has {R.format_value(c.old)}, the trace {R.format_value(c.new)}"
             for c in changes[:3]]
    if missing:
        parts.append("variables that only one side has: " + ", ".join(missing[:5]))
    return " (" + "; ".join(parts) + ")"


# ---- the state as tables ---------------------------------------------------------------------


def _cell(v: R.Value, old: R.Value | None, had_old: bool) -> dict[str, Any]:
    return {"text": R.format_value(v), "changed": had_old and _norm(v) != _norm(old)}


def _tables(state: R.DisplayState, before: R.DisplayState | None) -> list[dict[str, Any]]:
    """One table per variable: a value, a map (key, value) or a grid (a map of maps with
    the same keys); ``changed`` marks what the last step changed."""
    old = dict(before) if before is not None else {}
    out = []
    for name, v in state:
        had = name in old
        o = old.get(name)
        changed = had and _norm(v) != _norm(o)
        table: dict[str, Any] = {"name": name, "changed": changed}
        if isinstance(v, R.VMap) and v.pairs and all(isinstance(x, R.VMap) for _, x in v.pairs) and (
                len({tuple(_norm(k) for k, _ in x.pairs) for _, x in v.pairs if isinstance(x, R.VMap)}) == 1):
            first = v.pairs[0][1]
            assert isinstance(first, R.VMap)
            table["kind"] = "grid"
            table["cols"] = [R.format_value(k) for k, _ in first.pairs]
            rows = []
            old_rows = dict(o.pairs) if isinstance(o, R.VMap) else {}
            for k, row in v.pairs:
                assert isinstance(row, R.VMap)
                prev = old_rows.get(k)
                prev_cells = dict(prev.pairs) if isinstance(prev, R.VMap) else {}
                rows.append({"key": R.format_value(k),
                             "cells": [_cell(x, prev_cells.get(c), had) for c, x in row.pairs]})
            table["rows"] = rows
        elif isinstance(v, R.VMap):
            table["kind"] = "map"
            old_pairs = dict(o.pairs) if isinstance(o, R.VMap) else {}
            table["rows"] = [{"key": R.format_value(k), "cells": [_cell(x, old_pairs.get(k), had)]}
                             for k, x in v.pairs]
        else:
            table["kind"] = "value"
            table["rows"] = [{"key": "", "cells": [_cell(v, o, had)]}]
        out.append(table)
    return out
