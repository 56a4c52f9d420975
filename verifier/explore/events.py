"""Observed logs for ``verifier replay``: JSON lines, one observed event a line, checked
against a model.

An event names an action of the spec with (some of) its parameters, and optionally
values observed right after it::

    {"action": "Crash", "params": {"s": "P"}, "observed": {"up[P]": false}, "time": "10:02:03"}
    {"observed": {"master[S]": true}}

``action`` (an action's name, or a list of names any of which may explain the line;
optional: without it the line is an observation, which unobserved steps may lead to), ``params`` (an object by parameter name; a parameter left out may take any
value), ``observed`` (an object from a variable, or a path into one such as
``silent[S][P]`` or ``rec.field``, to its value), ``time`` and ``source`` (shown in
messages, never compared). An optional first line ``{"hidden": ["Tick", ...],
"max_inserted": 4}`` says which actions may happen unobserved and how many before each event. Values are plain JSON: ``true``/``false``, numbers, an enum
member's name as a string, ``null`` for ``none``, a list for a set (compared as a set), a
sequence or a tuple, and an object for a map or a record, which compares only the keys or
fields it names. Empty lines and lines starting with ``#`` or ``//`` are skipped.

Every problem is a located diagnostic (``file:line:col``, code ``L0xx``, documented in
docs/explore.md); nothing here raises anything else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from verifier.lang import model as M
from verifier.lang import typesys as T
from verifier.lang.diagnostics import ConfigError, Diagnostic, did_you_mean
from verifier.lang.syntax import Span

__all__ = ["Event", "Header", "LogError", "Observation", "Pattern", "describe_plain", "event_of", "matches",
           "parse_events", "pattern_of", "read_events"]

FIELDS = ("action", "params", "observed", "time", "source")
HEADER = ("hidden", "max_inserted")
MAX_LINE = 1_000_000  # characters of one log line


class LogError(ConfigError):
    """A log (or mapping file) that cannot be read or does not fit the model."""


@dataclass(frozen=True, slots=True)
class Pattern:
    """What an observed plain value requires of a state value: ``kind`` "eq" (``value``
    exactly, an internal value) or "parts" (``parts``: (position, pattern) of the map
    keys or record fields named, in the state value's own order)."""

    kind: str
    value: Any = None
    parts: tuple[tuple[int, Pattern], ...] = ()


@dataclass(frozen=True, slots=True)
class Observation:
    path: str                       # as written, e.g. ``silent[S][P]``
    var: int                        # index into model.variables
    steps: tuple[int, ...]          # positions into the value: map keys, fields, items
    pattern: Pattern
    plain: Any                      # the observed value as written, for messages
    span: Span


@dataclass(frozen=True, slots=True)
class Event:
    """One line of the log: the step it observes and what it observed after it."""

    index: int                      # 0-based among the events
    span: Span                      # the line (column 1)
    # the actions any of which may explain the line (index into model.actions), each with
    # the parameters given, as (position, internal value); empty: an observation only
    actions: tuple[tuple[int, tuple[tuple[int, Any], ...]], ...]
    observed: tuple[Observation, ...]
    label: str                      # ``Crash(s=P)``, ``observe master[S] = true``
    time: str | None = None
    source: str | None = None       # where the line came from (a vendor log's file:line)


@dataclass(frozen=True, slots=True)
class Header:
    """The log's optional first line, ``{"hidden": [...], "max_inserted": n}``: which
    actions may happen unobserved, and how many of them before each event."""

    hidden: tuple[str, ...] | None = None
    max_inserted: int | None = None


def _err(code: str, message: str, span: Span, hint: str | None = None) -> LogError:
    return LogError([Diagnostic(code, message, span, hint)])


def describe_plain(v: Any) -> str:
    """A plain JSON value as the user wrote it."""
    return json.dumps(v, ensure_ascii=False)


def pattern_of(ty: T.Ty, v: Any) -> Pattern:
    """The pattern of a plain value for a value of type ``ty``; ``ValueError`` names
    what is wrong."""
    if isinstance(ty, T.OptionTy):
        return Pattern("eq", None) if v is None else pattern_of(ty.inner, v)
    if isinstance(ty, T.MapTy) and isinstance(v, dict):
        parts = []
        for k, x in v.items():
            key = _key(ty.dom, k)
            parts.append((T.key_index(ty.dom, key), pattern_of(ty.cod, x)))
        return Pattern("parts", parts=tuple(sorted(parts, key=lambda p: p[0])))
    if isinstance(ty, T.RecordTy) and isinstance(v, dict):
        parts = []
        for k, x in v.items():
            if k not in ty.names:
                best = did_you_mean(k, ty.names)
                raise ValueError(f"the record has no field `{k}`"
                                 + (f" (did you mean `{best}`?)" if best else
                                    f"; its fields are {', '.join(ty.names)}"))
            i = ty.names.index(k)
            parts.append((i, pattern_of(ty.types[i], x)))
        return Pattern("parts", parts=tuple(sorted(parts, key=lambda p: p[0])))
    return Pattern("eq", _value(ty, v))


def _value(ty: T.Ty, v: Any) -> Any:
    """The internal value of a complete plain value."""
    wrong = ValueError(f"{describe_plain(v)} is not a value of type {T.show(ty)}")
    match ty:
        case T.BoolTy():
            if isinstance(v, bool):
                return v
        case T.IntTy():
            if isinstance(v, int) and not isinstance(v, bool):
                return v
        case T.RangeTy(lo, hi):
            if isinstance(v, int) and not isinstance(v, bool):
                if lo <= v <= hi:
                    return v
                raise ValueError(f"{v} is outside {T.show(ty)}")
        case T.EnumTy(name, members):
            if isinstance(v, str):
                if v in members:
                    return v
                best = did_you_mean(v, members)
                raise ValueError(f"{describe_plain(v)} is not a member of {name}"
                                 + (f" (did you mean {describe_plain(best)}?)" if best else
                                    f"; its members are {', '.join(members)}"))
        case T.OptionTy(inner):
            return None if v is None else _value(inner, v)
        case T.SetTy(elem):
            if isinstance(v, list):
                return frozenset(_value(elem, x) for x in v)
        case T.SeqTy(elem, cap):
            if isinstance(v, list):
                if len(v) > cap:
                    raise ValueError(f"a sequence of {len(v)} items is longer than {T.show(ty)}")
                return tuple(_value(elem, x) for x in v)
        case T.TupleTy(items):
            if isinstance(v, list) and len(v) == len(items):
                return tuple(_value(t, x) for t, x in zip(items, v))
        case T.RecordTy(names, types):
            if isinstance(v, dict) and set(v) == set(names):
                return tuple(_value(t, v[n]) for n, t in zip(names, types))
        case T.MapTy(dom, cod):
            if isinstance(v, dict):
                keys = T.value_list(dom)
                given = {_key(dom, k): x for k, x in v.items()}
                if set(given) == set(keys):
                    return tuple(_value(cod, given[k]) for k in keys)
    raise wrong


def _key(ty: T.Ty, k: str) -> Any:
    """A map key written as text (JSON object keys and path brackets are strings)."""
    if isinstance(ty, T.BoolTy) and k in ("true", "false"):
        return k == "true"
    if isinstance(ty, (T.RangeTy, T.IntTy)) and re.fullmatch(r"-?\d+", k):
        return _value(ty, int(k))
    if isinstance(ty, T.EnumTy):
        return _value(ty, k)
    raise ValueError(f"{describe_plain(k)} is not a key of type {T.show(ty)}")


def matches(p: Pattern, v: Any) -> bool:
    if p.kind == "eq":
        return bool(p.value == v)
    return all(matches(sub, v[i]) for i, sub in p.parts)


_STEP = re.compile(r"\[\s*([^\]\s]+)\s*\]|\.([A-Za-z_][A-Za-z0-9_]*)")


def resolve_path(model: M.Model, path: str) -> tuple[int, tuple[int, ...], T.Ty]:
    """``var``, ``var[key]...`` or ``var.field`` -> (variable, positions, type there)."""
    m = re.match(r"\s*([A-Za-z_][A-Za-z0-9_.]*?)(?=$|\[|\.[A-Za-z_]|\s)", path)
    names = [v.name for v in model.variables]
    head = m.group(1) if m else path
    if head not in names:
        # fault counters are named ``faults.<Action>``: try the longest dotted prefix
        dotted = next((n for n in sorted(names, key=len, reverse=True)
                       if path == n or path.startswith(n + "[")), None)
        if dotted is None:
            best = did_you_mean(head, names)
            raise ValueError(f"the spec has no variable `{head}`"
                             + (f"; did you mean `{best}`?" if best else ""))
        head = dotted
    var = names.index(head)
    ty: T.Ty = model.variables[var].ty
    rest = path[path.index(head) + len(head):].strip()
    steps: list[int] = []
    at = 0
    while at < len(rest):
        s = _STEP.match(rest, at)
        if s is None:
            raise ValueError(f"cannot read `{rest[at:]}` in the path `{path}`: write "
                             "`var[key]` or `var.field`")
        key, fname = s.group(1), s.group(2)
        base = ty.inner if isinstance(ty, T.OptionTy) else ty
        if key is not None and isinstance(base, T.MapTy):
            steps.append(T.key_index(base.dom, _key(base.dom, key)))
            ty = base.cod
        elif key is not None and isinstance(base, (T.TupleTy, T.SeqTy)) and key.isdigit():
            i = int(key)
            size = len(base.items) if isinstance(base, T.TupleTy) else base.capacity
            if i >= size:
                raise ValueError(f"index {i} is outside {T.show(base)}")
            steps.append(i)
            ty = base.items[i] if isinstance(base, T.TupleTy) else base.elem
        elif fname is not None and isinstance(base, T.RecordTy):
            if fname not in base.names:
                raise ValueError(f"the record {T.show(base)} has no field `{fname}`")
            i = base.names.index(fname)
            steps.append(i)
            ty = base.types[i]
        else:
            raise ValueError(f"`{s.group(0)}` does not apply to a value of type {T.show(ty)}")
        at = s.end()
    return var, tuple(steps), ty


def value_at(state: tuple[Any, ...], obs: Observation) -> Any:
    """The state's value at the observation's path; ``KeyError`` when a step meets
    ``none`` or runs past a sequence's end."""
    v = state[obs.var]
    for i in obs.steps:
        if v is None or i >= len(v):
            raise KeyError(obs.path)
        v = v[i]
    return v


def observed_in(state: tuple[Any, ...], obs: Observation) -> bool:
    try:
        return matches(obs.pattern, value_at(state, obs))
    except KeyError:
        return False


def _col(line: str, key: str, start: int = 0) -> int:
    """The 1-based column of ``"key"`` in the raw line (1 when not found)."""
    i = line.find(json.dumps(key, ensure_ascii=False), start)
    return i + 1 if i >= 0 else 1


def parse_events(model: M.Model, lines: Iterable[tuple[int, str]], path: str
                 ) -> tuple[list[Event], Header]:
    """The events of a log, each line given as (1-based line number, text), and its
    header (the first line, when it holds only ``hidden`` and ``max_inserted``)."""
    events: list[Event] = []
    header = Header()
    first = True
    for no, text in lines:
        stripped = text.strip()
        if not stripped or stripped.startswith("#") or stripped.startswith("//"):
            continue
        if first:
            first = False
            h = _header(model, no, text, path)
            if h is not None:
                header = h
                continue
        events.append(_event(model, len(events), no, text, path))
    return events, header


def _header(model: M.Model, no: int, text: str, path: str) -> Header | None:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return None  # reported as an event line
    if not isinstance(doc, dict) or not doc or not set(doc) <= set(HEADER):
        return None
    hidden = doc.get("hidden")
    names = [a.name for a in model.actions]
    if hidden is not None:
        if not isinstance(hidden, list) or not all(isinstance(h, str) for h in hidden):
            raise _err("L002", "`hidden` must be a list of action names",
                       Span(path, no, _col(text, "hidden"), no, 0))
        for h in hidden:
            if h not in names:
                best = did_you_mean(h, names)
                col = _col(text, h, text.find('"hidden"'))
                raise _err("L003", f"the spec has no action `{h}`", Span(path, no, col, no, col),
                           f"did you mean `{best}`?" if best else f"its actions are {', '.join(names)}")
    most = doc.get("max_inserted")
    if most is not None and (not isinstance(most, int) or isinstance(most, bool) or most < 0):
        raise _err("L002", "`max_inserted` must be a whole number, 0 or more",
                   Span(path, no, _col(text, "max_inserted"), no, 0))
    return Header(None if hidden is None else tuple(hidden), most)


def _event(model: M.Model, index: int, no: int, text: str, path: str) -> Event:
    if len(text) > MAX_LINE:
        raise _err("L001", f"the line is longer than {MAX_LINE:,} characters", Span(path, no, 1, no, 1))
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise _err("L001", f"the line is not JSON: {e.msg}", Span(path, no, e.colno, no, e.colno),
                   'each line of a log is one JSON object, e.g. {"action": "Tick"}; '
                   "a vendor log needs --mapping FILE") from None
    if not isinstance(doc, dict):
        raise _err("L002", f"the line is a JSON {type(doc).__name__}, not an object",
                   Span(path, no, 1, no, 1),
                   'write one object a line, e.g. {"action": "Crash", "params": {"s": "P"}}')

    def col(key: str, after: str | None = None) -> int:
        start = text.find(json.dumps(after)) if after is not None else 0
        return _col(text, key, max(start, 0))

    return event_of(model, index, doc, path, no, col)


def event_of(model: M.Model, index: int, doc: dict[str, Any], path: str, no: int,
             col: Any) -> Event:
    """The event of one parsed line ``doc`` (line ``no`` of ``path``); ``col(key,
    after=None)`` gives the column to blame for a key (after the field ``after``)."""
    def span(c: int) -> Span:
        return Span(path, no, c, no, c)

    text_col = col
    for key in doc:
        if key not in FIELDS:
            best = did_you_mean(key, FIELDS)
            raise _err("L002", f"unknown field `{key}`", span(text_col(key)),
                       f"did you mean `{best}`?" if best else f"the fields are {', '.join(FIELDS)}")
    for key in ("time", "source"):
        if key in doc and not isinstance(doc[key], (str, int, float)):
            raise _err("L002", f"`{key}` must be a string", span(text_col(key)))
    actions: list[tuple[int, tuple[tuple[int, Any], ...]]] = []
    label_args: list[str] = []
    if "action" in doc:
        written = doc["action"]
        alternatives = written if isinstance(written, list) and written else [written]
        if not all(isinstance(n, str) for n in alternatives):
            raise _err("L002", "`action` must be the name of an action (a string), or a list "
                       "of names of which any one may explain the line", span(text_col("action")))
        raw = doc.get("params", {})
        if not isinstance(raw, dict):
            raise _err("L002", "`params` must be an object from parameter names to values",
                       span(text_col("params")))
        by_name = {a.name: a for a in model.actions}
        for name in alternatives:
            if name not in by_name:
                best = did_you_mean(name, list(by_name))
                raise _err("L003", f"the spec has no action `{name}`", span(text_col(name)),
                           f"did you mean `{best}`?" if best else
                           f"its actions are {', '.join(by_name)}")
            act = by_name[name]
            names = [p.name for p in act.params]
            params: list[tuple[int, Any]] = []
            for pname, value in raw.items():
                if pname not in names:
                    best = did_you_mean(pname, names)
                    raise _err("L004", f"`{name}` has no parameter `{pname}`",
                               span(text_col(pname, "params")),
                               f"did you mean `{best}`?" if best else
                               (f"its parameters are {', '.join(names)}" if names else
                                f"`{name}` takes no parameters"))
                i = names.index(pname)
                try:
                    params.append((i, _value(act.params[i].ty, value)))
                except ValueError as e:
                    raise _err("L004", f"parameter `{pname}` of `{name}`: {e}",
                               span(text_col(pname, "params"))) from None
            actions.append((act.index, tuple(sorted(params))))
        label_args = [f"{k}={_show(v)}" for k, v in raw.items()]
    elif "params" in doc:
        raise _err("L002", "`params` without `action`", span(text_col("params")),
                   "name the action the parameters belong to")
    observed: list[Observation] = []
    raw_obs = doc.get("observed", {})
    if not isinstance(raw_obs, dict):
        raise _err("L002", "`observed` must be an object from variables (or paths) to values",
                   span(text_col("observed")))
    for key, value in raw_obs.items():
        where = span(text_col(key, "observed"))
        try:
            var, steps, ty = resolve_path(model, key)
            pattern = pattern_of(ty, value)
        except ValueError as e:
            raise _err("L005", f"observed `{key}`: {e}", where) from None
        observed.append(Observation(key, var, steps, pattern, value, where))
    if not actions and not observed:
        raise _err("L002", "the line has neither `action` nor `observed`", span(text_col("")),
                   'an event names an action, e.g. {"action": "Tick"}, or observes values, '
                   'e.g. {"observed": {"up[P]": true}}')
    if actions:
        act_name = " or ".join(model.actions[a].name for a, _ in actions)
        label = f"{act_name}({', '.join(label_args)})" if label_args else act_name
    else:
        label = "observe " + ", ".join(f"{o.path} = {_show(o.plain)}" for o in observed)
    time = doc.get("time")
    source = doc.get("source")
    return Event(index, span(1), tuple(actions), tuple(observed), label,
                 None if time is None else str(time), None if source is None else str(source))


def _show(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None:
        return "none"
    return describe_plain(v)


def read_events(model: M.Model, path: str, text: str) -> tuple[list[Event], Header]:
    """The events of the JSON-lines log ``text`` read from ``path``, and its header."""
    try:
        events, header = parse_events(model, enumerate(text.split("\n"), start=1), path)
    except LogError as e:
        e.sources.setdefault(path, text)  # so the message shows the line and a caret
        raise
    if not events:
        raise _err("L006", "the log has no events", Span(path, 0, 0, 0, 0),
                   'write one JSON object a line, e.g. {"action": "Tick"}')
    return events, header
