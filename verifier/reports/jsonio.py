"""Reports stage: a result saved as JSON and read back, exactly.

``result_to_json`` writes the versioned schema of docs/reports.md (keys in a fixed,
documented order, indent 2, trailing newline); ``result_from_json`` is its exact
inverse and validates as it goes: a malformed file or another schema version
raises ``ConfigError`` naming the file, the JSON path of the fault (e.g.
``$.properties[0].trace.steps[2].fault``) and what was expected. Display values
use tagged objects (``{"#set": [...]}``, ``{"#map": [[k, v], ...]}``,
``{"#tup": [...]}``, ``{"#seq": [...]}``, ``{"#record": [[field, v], ...]}``) so
ordering and the bool/int distinction survive the round trip.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from verifier.lang.diagnostics import ConfigError, Diagnostic
from verifier.lang.syntax import Span
from verifier.results import (
    SCHEMA_VERSION,
    ActionCoverage,
    CheckResult,
    DisplayState,
    Location,
    PropertyResult,
    Stats,
    Step,
    Symmetry,
    Trace,
    Value,
    VMap,
    VRecord,
    VSeq,
    VSet,
    VTuple,
)

FORMAT = "verifier-result"

# Diagnostic codes of this module (catalogued in docs/reports.md).
BAD_JSON = "R001"
BAD_VERSION = "R002"
BAD_FIELD = "R003"


# ---- writing ----------------------------------------------------------------------------


def diagnostic_to_dict(d: Diagnostic, source: str | None = None, *,
                       model: str | None = None) -> dict[str, Any]:
    """A diagnostic in the ``diagnostics`` list of ``--json`` output (docs/reports.md):
    positions are 1-based, ``null`` when the diagnostic has none; ``text`` is what the
    terminal shows (``source``: the text of the file, for the caret line)."""
    sp = d.span
    located = sp.line > 0
    return {
        "severity": d.severity,
        "code": d.code,
        "message": d.message,
        "file": None if sp.path == "<none>" else sp.path,
        "line": sp.line if located else None,
        "column": sp.col if located else None,
        "end": ({"line": sp.end_line, "column": sp.end_col}
                if located and sp.end_line > 0 else None),
        "hint": d.hint,
        "model": model,
        "text": d.render(source),
    }


def value_to_json(v: Value) -> Any:
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, VSet):
        return {"#set": [value_to_json(x) for x in v.items]}
    if isinstance(v, VMap):
        return {"#map": [[value_to_json(k), value_to_json(x)] for k, x in v.pairs]}
    if isinstance(v, VRecord):
        return {"#record": [[k, value_to_json(x)] for k, x in v.fields]}
    if isinstance(v, VTuple):
        return {"#tup": [value_to_json(x) for x in v.items]}
    return {"#seq": [value_to_json(x) for x in v.items]}


def _pairs(pairs: tuple[tuple[str, Value], ...]) -> list[list[Any]]:
    return [[name, value_to_json(v)] for name, v in pairs]


def _location(loc: Location | None) -> dict[str, Any] | None:
    if loc is None:
        return None
    return {"path": loc.path, "line": loc.line, "col": loc.col, "source_line": loc.source_line}


def _trace(t: Trace | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {
        "initial": _pairs(t.initial),
        "steps": [{"action": s.action, "params": _pairs(s.params), "fault": s.fault,
                   "state": None if s.state is None else _pairs(s.state)} for s in t.steps],
        "error": t.error,
        "lanes": [[name, [value_to_json(v) for v in labels]] for name, labels in t.lanes],
        "arrows": [[step, value_to_json(a), value_to_json(b)] for step, a, b in t.arrows],
        "loop": t.loop,
        "trigger": t.trigger,
        "stutter": t.stutter,
        "lane_values": [value_to_json(v) for v in t.lane_values],
    }


def _symmetry(y: Symmetry | None) -> dict[str, Any] | None:
    if y is None:
        return None
    return {"enums": list(y.enums), "reduced": y.reduced, "method": y.method,
            "group_size": y.group_size, "represents": y.represents, "note": y.note}


def result_to_dict(r: CheckResult) -> dict[str, Any]:
    s = r.stats
    out = {
        "format": FORMAT,
        "schema_version": r.schema_version,
        "model": r.model,
        "spec_path": r.spec_path,
        "engine": r.engine,
        "backend": r.backend,
        "backend_note": r.backend_note,
        "symmetry": _symmetry(r.symmetry),  # left out when None (below)
        "complete": r.complete,
        "stop_reason": r.stop_reason,
        "vacuity_is_error": r.vacuity_is_error,
        "constants": _pairs(r.constants),
        "stats": {"states": s.states, "transitions": s.transitions, "depth": s.depth,
                  "seconds": s.seconds, "peak_memory_mb": s.peak_memory_mb,
                  "bytes_per_state": s.bytes_per_state, "initial_states": s.initial_states,
                  "compile_seconds": s.compile_seconds},
        "properties": [{"name": p.name, "kind": p.kind, "verdict": p.verdict,
                        "expected": p.expected, "doc": p.doc, "note": p.note,
                        "location": _location(p.location), "trace": _trace(p.trace),
                        "cti": _trace(p.cti)}
                       for p in r.properties],
        "coverage": [{"name": c.name, "fault": c.fault, "enabled": c.enabled,
                      "taken": c.taken, "location": _location(c.location)}
                     for c in r.coverage],
        "fault_combinations": [[[name, n] for name, n in combo]
                               for combo in r.fault_combinations],
        "warnings": list(r.warnings),
    }
    if r.symmetry is None:  # only a spec with symmetric enums has the field (schema 3 as before)
        del out["symmetry"]
    return out


def result_to_json(result: CheckResult) -> str:
    """The result as JSON text: fixed key order, indent 2, ``\\n`` at the end."""
    return json.dumps(result_to_dict(result), indent=2, ensure_ascii=False) + "\n"


# ---- reading ----------------------------------------------------------------------------


_TAGS = ("#set", "#map", "#tup", "#seq", "#record")


class _Reader:
    """Typed accessors that fail with the JSON path of the offending value."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str, code: str = BAD_FIELD,
             hint: str | None = None) -> NoReturn:
        raise ConfigError([Diagnostic(
            code, f"{where}: {message}" if where else message, Span(self.source, 0, 0, 0, 0),
            hint or "the file is not a result written by `verifier check`, or it was edited;"
                    " re-run the check to produce it again")])

    def as_obj(self, v: Any, where: str, keys: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(v, dict):
            self.fail(where, f"expected an object, got {_kind(v)}")
        missing = [k for k in keys if k not in v]
        if missing:
            self.fail(where, f"missing field {missing[0]!r}")
        extra = sorted(k for k in v if k not in keys)
        if extra:
            self.fail(where, f"unknown field {extra[0]!r} (schema version {SCHEMA_VERSION} "
                             f"has: {', '.join(keys)})")
        return v

    def as_list(self, v: Any, where: str) -> list[Any]:
        if not isinstance(v, list):
            self.fail(where, f"expected a list, got {_kind(v)}")
        return v

    def as_str(self, v: Any, where: str) -> str:
        if not isinstance(v, str):
            self.fail(where, f"expected a string, got {_kind(v)}")
        return v

    def opt_str(self, v: Any, where: str) -> str | None:
        return None if v is None else self.as_str(v, where)

    def as_bool(self, v: Any, where: str) -> bool:
        if not isinstance(v, bool):
            self.fail(where, f"expected true or false, got {_kind(v)}")
        return v

    def as_int(self, v: Any, where: str) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(where, f"expected an integer, got {_kind(v)}")
        return v

    def as_float(self, v: Any, where: str) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.fail(where, f"expected a number, got {_kind(v)}")
        return float(v)

    def value(self, v: Any, where: str) -> Value:
        if v is None or isinstance(v, (bool, int, str)):
            return v
        if isinstance(v, dict) and len(v) == 1 and next(iter(v)) in _TAGS:
            tag, body = next(iter(v.items()))
            items = self.as_list(body, f"{where}.{tag}")
            if tag == "#set":
                return VSet(tuple(self.value(x, f"{where}.#set[{i}]") for i, x in enumerate(items)))
            if tag == "#tup":
                return VTuple(tuple(self.value(x, f"{where}.#tup[{i}]")
                                    for i, x in enumerate(items)))
            if tag == "#seq":
                return VSeq(tuple(self.value(x, f"{where}.#seq[{i}]") for i, x in enumerate(items)))
            if tag == "#map":
                return VMap(tuple(self.value_pair(x, f"{where}.#map[{i}]")
                                  for i, x in enumerate(items)))
            if tag == "#record":
                return VRecord(self.named(items, f"{where}.#record"))
        self.fail(where, f"expected a value (null, boolean, integer, string or one of "
                         f"#set, #map, #tup, #seq, #record), got {_kind(v)}")

    def value_pair(self, v: Any, where: str) -> tuple[Value, Value]:
        pair = self.as_list(v, where)
        if len(pair) != 2:
            self.fail(where, f"expected a [key, value] pair, got {len(pair)} items")
        return self.value(pair[0], f"{where}[0]"), self.value(pair[1], f"{where}[1]")

    def named(self, v: Any, where: str) -> tuple[tuple[str, Value], ...]:
        out = []
        for i, item in enumerate(self.as_list(v, where)):
            pair = self.as_list(item, f"{where}[{i}]")
            if len(pair) != 2:
                self.fail(f"{where}[{i}]", f"expected a [name, value] pair, got {len(pair)} items")
            out.append((self.as_str(pair[0], f"{where}[{i}][0]"),
                        self.value(pair[1], f"{where}[{i}][1]")))
        return tuple(out)


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    keys = ", ".join(sorted(v)[:3]) if isinstance(v, dict) else ""
    return f"an object with keys {keys}" if keys else "an empty object"


def _read_location(rd: _Reader, v: Any, where: str) -> Location | None:
    if v is None:
        return None
    o = rd.as_obj(v, where, ("path", "line", "col", "source_line"))
    return Location(rd.as_str(o["path"], f"{where}.path"), rd.as_int(o["line"], f"{where}.line"),
                    rd.as_int(o["col"], f"{where}.col"),
                    rd.as_str(o["source_line"], f"{where}.source_line"))


def _read_symmetry(rd: _Reader, v: Any, where: str) -> Symmetry | None:
    if v is None:
        return None
    o = rd.as_obj(v, where, ("enums", "reduced", "method", "group_size", "represents", "note"))
    return Symmetry(tuple(rd.as_str(e, f"{where}.enums[{i}]")
                          for i, e in enumerate(rd.as_list(o["enums"], f"{where}.enums"))),
                    rd.as_bool(o["reduced"], f"{where}.reduced"), rd.as_str(o["method"], f"{where}.method"),
                    rd.as_int(o["group_size"], f"{where}.group_size"),
                    rd.as_int(o["represents"], f"{where}.represents"), rd.opt_str(o["note"], f"{where}.note"))


def _read_trace(rd: _Reader, v: Any, where: str) -> Trace | None:
    if v is None:
        return None
    o = rd.as_obj(v, where, ("initial", "steps", "error", "lanes", "arrows", "loop", "trigger",
                             "stutter", "lane_values"))
    steps = []
    for i, s in enumerate(rd.as_list(o["steps"], f"{where}.steps")):
        at = f"{where}.steps[{i}]"
        so = rd.as_obj(s, at, ("action", "params", "fault", "state"))
        state: DisplayState | None = (None if so["state"] is None
                                      else rd.named(so["state"], f"{at}.state"))
        steps.append(Step(rd.as_str(so["action"], f"{at}.action"),
                          rd.named(so["params"], f"{at}.params"),
                          rd.as_bool(so["fault"], f"{at}.fault"), state))
    lanes = []
    for i, lane in enumerate(rd.as_list(o["lanes"], f"{where}.lanes")):
        at = f"{where}.lanes[{i}]"
        pair = rd.as_list(lane, at)
        if len(pair) != 2:
            rd.fail(at, f"expected a [lane name, labels] pair, got {len(pair)} items")
        labels = tuple(rd.value(x, f"{at}[1][{j}]")
                       for j, x in enumerate(rd.as_list(pair[1], f"{at}[1]")))
        lanes.append((rd.as_str(pair[0], f"{at}[0]"), labels))
    arrows = []
    for i, arrow in enumerate(rd.as_list(o["arrows"], f"{where}.arrows")):
        at = f"{where}.arrows[{i}]"
        triple = rd.as_list(arrow, at)
        if len(triple) != 3:
            rd.fail(at, f"expected a [step, from, to] triple, got {len(triple)} items")
        step = rd.as_int(triple[0], f"{at}[0]")
        if not 1 <= step <= len(steps):
            rd.fail(f"{at}[0]", f"step {step} is not a step of the trace (1..{len(steps)})")
        arrows.append((step, rd.value(triple[1], f"{at}[1]"), rd.value(triple[2], f"{at}[2]")))
    marks: dict[str, int | None] = {}
    for key in ("loop", "trigger"):
        mark = None if o[key] is None else rd.as_int(o[key], f"{where}.{key}")
        if mark is not None and not 0 <= mark <= len(steps):
            rd.fail(f"{where}.{key}", f"state {mark} is not a state of the trace (0..{len(steps)})")
        marks[key] = mark
    return Trace(rd.named(o["initial"], f"{where}.initial"), tuple(steps),
                 rd.opt_str(o["error"], f"{where}.error"), tuple(lanes), tuple(arrows),
                 marks["loop"], marks["trigger"], rd.as_bool(o["stutter"], f"{where}.stutter"),
                 tuple(rd.value(x, f"{where}.lane_values[{i}]")
                       for i, x in enumerate(rd.as_list(o["lane_values"], f"{where}.lane_values"))))


_TOP = ("format", "schema_version", "model", "spec_path", "engine", "backend", "backend_note",
        "symmetry", "complete", "stop_reason",
        "vacuity_is_error", "constants", "stats", "properties", "coverage",
        "fault_combinations", "warnings")


def result_from_json(text: str, *, source: str = "<result>") -> CheckResult:
    """The inverse of ``result_to_json``; ``source`` names the file in errors."""
    rd = _Reader(source)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        rd.fail("", f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}", BAD_JSON,
                "the file is truncated or is not JSON; re-run the check to write it again")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        rd.fail("", "not a verifier result: the top-level object lacks "
                    f'"format": "{FORMAT}"', BAD_JSON,
                "pass the result.json written by `verifier check` (an ITF trace file or "
                "another JSON file will not do)")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        rd.fail("$.schema_version", f"schema version {version!r} is not supported "
                                    f"(this verifier reads version {SCHEMA_VERSION})",
                BAD_VERSION,
                "re-run the check with this version of the verifier, or render the file "
                "with the verifier version that wrote it")
    o = rd.as_obj(data, "$", _TOP if "symmetry" in data else tuple(k for k in _TOP if k != "symmetry"))
    st = rd.as_obj(o["stats"], "$.stats", ("states", "transitions", "depth", "seconds",
                                        "peak_memory_mb", "bytes_per_state", "initial_states",
                                        "compile_seconds"))
    stats = Stats(
        states=rd.as_int(st["states"], "$.stats.states"),
        transitions=rd.as_int(st["transitions"], "$.stats.transitions"),
        depth=rd.as_int(st["depth"], "$.stats.depth"),
        seconds=rd.as_float(st["seconds"], "$.stats.seconds"),
        peak_memory_mb=rd.as_float(st["peak_memory_mb"], "$.stats.peak_memory_mb"),
        bytes_per_state=rd.as_float(st["bytes_per_state"], "$.stats.bytes_per_state"),
        initial_states=rd.as_int(st["initial_states"], "$.stats.initial_states"),
        compile_seconds=rd.as_float(st["compile_seconds"], "$.stats.compile_seconds"),
    )
    props = []
    for i, p in enumerate(rd.as_list(o["properties"], "$.properties")):
        at = f"$.properties[{i}]"
        po = rd.as_obj(p, at, ("name", "kind", "verdict", "expected", "doc", "note",
                            "location", "trace", "cti"))
        props.append(PropertyResult(
            name=rd.as_str(po["name"], f"{at}.name"),
            kind=rd.as_str(po["kind"], f"{at}.kind"),
            verdict=rd.as_str(po["verdict"], f"{at}.verdict"),
            trace=_read_trace(rd, po["trace"], f"{at}.trace"),
            location=_read_location(rd, po["location"], f"{at}.location"),
            doc=rd.opt_str(po["doc"], f"{at}.doc"),
            expected=rd.opt_str(po["expected"], f"{at}.expected"),
            note=rd.opt_str(po["note"], f"{at}.note"),
            cti=_read_trace(rd, po["cti"], f"{at}.cti"),
        ))
    coverage = []
    for i, c in enumerate(rd.as_list(o["coverage"], "$.coverage")):
        at = f"$.coverage[{i}]"
        co = rd.as_obj(c, at, ("name", "fault", "enabled", "taken", "location"))
        coverage.append(ActionCoverage(
            rd.as_str(co["name"], f"{at}.name"), rd.as_bool(co["fault"], f"{at}.fault"),
            rd.as_int(co["enabled"], f"{at}.enabled"), rd.as_int(co["taken"], f"{at}.taken"),
            _read_location(rd, co["location"], f"{at}.location")))
    combos = []
    for i, combo in enumerate(rd.as_list(o["fault_combinations"], "$.fault_combinations")):
        at = f"$.fault_combinations[{i}]"
        entries = []
        for j, entry in enumerate(rd.as_list(combo, at)):
            pair = rd.as_list(entry, f"{at}[{j}]")
            if len(pair) != 2:
                rd.fail(f"{at}[{j}]", f"expected an [action, count] pair, got {len(pair)} items")
            entries.append((rd.as_str(pair[0], f"{at}[{j}][0]"), rd.as_int(pair[1], f"{at}[{j}][1]")))
        combos.append(tuple(entries))
    return CheckResult(
        model=rd.as_str(o["model"], "$.model"),
        spec_path=rd.as_str(o["spec_path"], "$.spec_path"),
        engine=rd.as_str(o["engine"], "$.engine"),
        backend=rd.as_str(o["backend"], "$.backend"),
        backend_note=rd.opt_str(o["backend_note"], "$.backend_note"),
        symmetry=_read_symmetry(rd, o.get("symmetry"), "$.symmetry"),
        complete=rd.as_bool(o["complete"], "$.complete"),
        stop_reason=rd.opt_str(o["stop_reason"], "$.stop_reason"),
        properties=tuple(props),
        stats=stats,
        coverage=tuple(coverage),
        fault_combinations=tuple(combos),
        constants=rd.named(o["constants"], "$.constants"),
        warnings=tuple(rd.as_str(w, f"$.warnings[{i}]")
                       for i, w in enumerate(rd.as_list(o["warnings"], "$.warnings"))),
        vacuity_is_error=rd.as_bool(o["vacuity_is_error"], "$.vacuity_is_error"),
        schema_version=version,
    )
