"""Model configuration: a TOML file (``models/*.toml``) that says which spec to check and how.

A model file is to a spec what a TLC ``.cfg`` is to a TLA+ module: constant values,
fault caps, which properties to check, search limits and the expected outcome of
each property. ``load_model`` turns one into a frozen ``ModelConfig`` or raises a
``ConfigError`` holding every problem found, each pointing at the offending key or
value. ``tomllib`` parses the text but reports no key positions, so the key locator
(``verifier/config/tomlspans.py``) scans the same text for the line and column of every table
header, key and value; the spans it records stay on the config (``key_span``) so that
later stages, which check constant and property names against the spec, can point
back into the file. Constant values are kept raw here; their types are checked against
the spec by ``verifier/lang/model.py``.

Reading the file and its TOML syntax errors are ``verifier/config/tomlread.py``'s job.
Error catalogue: C001 unreadable file or folder, C002 TOML syntax, C003 unknown table
or key, C004 wrong type, C005 bad value, C006 missing ``spec``, C007 spec not found.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier.config.tomlread import read_toml
from verifier.config.tomlspans import KeyPath, Locator, dotted
from verifier.lang.diagnostics import ConfigError, Diagnostic, did_you_mean
from verifier.lang.syntax import NOSPAN, Span

Constant = int | bool | str

# States of an exported state graph (`verifier graph`, `--graph DIR`) unless set; the
# liveness check's graph has no fixed cap by default: it grows as the memory limit allows.
DEFAULT_GRAPH_MAX_NODES = 100_000
VACUITY_MODES = ("warn", "error")
OUTCOMES = ("holds", "violated")

# The fixed part of the schema; [constants], [faults] and [expect] take any key.
_ROOT_KEYS = ("spec", "description")
_TABLES = ("constants", "faults", "check", "limits", "expect", "graph")
_TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "check": ("properties", "deadlock", "vacuity", "stop_at_first"),
    "limits": ("states", "depth", "time", "memory"),
    "graph": ("max_nodes",),
}
# Names users bring from other checkers (TLC .cfg, CLI flags), mapped to ours.
_ALIASES = {
    "invariant": "check.properties", "invariants": "check.properties",
    "property": "check.properties", "max_states": "limits.states",
    "max_depth": "limits.depth", "timeout": "limits.time", "memory_mb": "limits.memory",
    "constant": "[constants]", "const": "[constants]", "fault": "[faults]",
}
_OUTCOME_ALIASES = {
    "hold": "holds", "true": "holds", "pass": "holds", "passes": "holds", "ok": "holds",
    "fail": "violated", "fails": "violated", "false": "violated", "violation": "violated",
}
_COMMAND_LINE = Span("<command line>", 0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class Limits:
    """Search limits; ``None`` means unlimited. ``time`` is in seconds, memory in MiB."""

    states: int | None = None
    depth: int | None = None
    time: float | None = None
    memory_mb: int | None = None


@dataclass(frozen=True, slots=True, eq=False)
class SourceMap:
    """Where each key and value of a model file sits, by key path (``("check", "deadlock")``).

    Array elements have an integer in their path (``("check", "properties", 0)``).
    """

    path: str
    keys: Mapping[KeyPath, Span]
    values: Mapping[KeyPath, Span]

    def key(self, kp: KeyPath) -> Span:
        """The span of the key at ``kp``, else of its nearest located parent, else line 1."""
        for n in range(len(kp), 0, -1):
            span = self.keys.get(kp[:n])
            if span is not None:
                return span
        return Span(self.path, 1, 1, 1, 1)

    def value(self, kp: KeyPath) -> Span:
        span = self.values.get(kp)
        return span if span is not None else self.key(kp)


@dataclass(frozen=True, slots=True)
class ModelConfig:
    name: str
    path: Path | None
    spec: Path
    description: str = ""
    constants: tuple[tuple[str, Constant], ...] = ()
    faults: tuple[tuple[str, int], ...] = ()
    fault_total: int | None = None
    properties: tuple[str, ...] | None = None
    deadlock: bool = False
    vacuity: str = "warn"
    stop_at_first: bool = False
    limits: Limits = Limits()
    expect: tuple[tuple[str, str], ...] = ()
    graph_max_nodes: int | None = None  # None: exported graphs 100,000, liveness as memory allows
    source_map: SourceMap | None = field(default=None, compare=False, repr=False)
    # constants whose value came from the command line (--const), not from the file
    command_line: frozenset[str] = frozenset()
    properties_from_command_line: bool = False  # `properties` came from --property

    def key_span(self, table: str | None, key: str) -> Span:
        """Where ``key`` (in ``[table]``, or at the top when ``table`` is None) is written.

        Falls back to the table header, then to line 1 of the file; ``NOSPAN`` for a bare
        spec; ``<command line>`` for a constant set by ``--const``.
        """
        if table == "constants" and key in self.command_line:
            return _COMMAND_LINE
        if self.source_map is None:
            return NOSPAN
        return self.source_map.key((key,) if table is None else (table, key))

    def value_span(self, table: str | None, key: str, index: int | None = None) -> Span:
        """Where the value of ``key`` is written (element ``index`` of an array value)."""
        if self.source_map is None:
            return NOSPAN
        kp: KeyPath = (key,) if table is None else (table, key)
        return self.source_map.value(kp if index is None else (*kp, index))


# ---- public entry points --------------------------------------------------------------


def load_model(path: Path) -> ModelConfig:
    """Read and validate a model file; raises ``ConfigError`` listing every problem found."""
    where = str(path)
    text, data = read_toml(path)
    located = Locator(text, where).run()
    smap = SourceMap(where, located.keys, located.values)  # read-only views already
    loader = _Loader(path, smap)
    cfg = loader.load(data)
    if cfg is None:
        diags = sorted(loader.diagnostics, key=lambda d: (d.span.line, d.span.col))
        raise ConfigError(diags, {where: text})
    return cfg


def spec_model(spec: Path) -> ModelConfig:
    """The configuration for checking a bare ``.fsl`` file: every default, no model file."""
    return ModelConfig(name=spec.stem, path=None, spec=spec)


def with_overrides(
    cfg: ModelConfig,
    *,
    constants: Mapping[str, Constant] | None = None,
    limits: Limits | None = None,
    properties: Iterable[str] | None = None,
    stop_at_first: bool | None = None,
) -> ModelConfig:
    """``cfg`` with command-line settings applied; ``None`` leaves a setting as it is.

    Constants replace values of the same name in place and add new ones at the end;
    each non-None field of ``limits`` replaces the file's limit of that name.
    """
    diags: list[Diagnostic] = []
    changes: dict[str, Any] = {}
    if constants is not None:
        merged = dict(cfg.constants)
        for name, value in constants.items():
            if isinstance(value, (bool, int, str)):
                merged[name] = value
            else:
                diags.append(Diagnostic(
                    "C004", f"constant {name}: expected an integer, a boolean or an enum member "
                    f"name, got {_kind(value)}", _COMMAND_LINE))
        changes["constants"] = tuple(merged.items())
        changes["command_line"] = cfg.command_line | frozenset(constants)
    if limits is not None:
        given = {f.name: getattr(limits, f.name) for f in dataclasses.fields(Limits)
                 if getattr(limits, f.name) is not None}
        for name, value in given.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                    value > 0 and math.isfinite(value)):
                diags.append(Diagnostic("C005", f"limit {name}: expected a positive number, got {value}",
                                        _COMMAND_LINE))
        changes["limits"] = dataclasses.replace(cfg.limits, **given)
    if properties is not None:
        props = tuple(properties)
        if not props or not all(props):
            diags.append(Diagnostic("C005", "expected one or more property names", _COMMAND_LINE))
        changes["properties"] = tuple(dict.fromkeys(props))
        changes["properties_from_command_line"] = True
    if stop_at_first is not None:
        changes["stop_at_first"] = stop_at_first
    if diags:
        raise ConfigError(diags)
    return dataclasses.replace(cfg, **changes)


def discover_models(folder: Path) -> list[Path]:
    """The model files (``*.toml``) directly in ``folder``, sorted by name."""
    where = Span(str(folder), 0, 0, 0, 0)
    if not folder.exists():
        raise ConfigError([Diagnostic("C001", f"folder '{folder}' not found", where,
                                      "check the spelling; the path is relative to the current directory")])
    if not folder.is_dir():
        raise ConfigError([Diagnostic("C001", f"'{folder}' is not a folder", where,
                                      "pass a folder of model files, or one .toml file")])
    found = sorted(p for p in folder.iterdir() if p.suffix == ".toml" and p.is_file())
    if not found:
        has_specs = any(p.suffix == ".fsl" for p in folder.iterdir())
        hint = ("this folder holds specs: pass one .fsl file to check it with default settings"
                if has_specs else
                'a model file is a .toml file with at least spec = "path/to/spec.fsl"')
        raise ConfigError([Diagnostic("C001", f"no model files (*.toml) in '{folder}'", where, hint)])
    return found


# ---- validation -----------------------------------------------------------------------


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return "a date/time"


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


class _Loader:
    """Checks parsed TOML data against the schema, collecting every diagnostic."""

    def __init__(self, path: Path, smap: SourceMap) -> None:
        self.path = path
        self.smap = smap
        self.diagnostics: list[Diagnostic] = []

    def error(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, hint))

    def load(self, data: dict[str, Any]) -> ModelConfig | None:
        for key, value in data.items():
            if key not in _ROOT_KEYS and key not in _TABLES:
                self._unknown((key,), value)
        spec = self._spec(data)
        description = self._str(("description",), data.get("description", ""))
        constants = self._constants(self._table(data, "constants"))
        faults, total = self._faults(self._table(data, "faults"))
        check = self._table(data, "check")
        properties = self._properties(check.get("properties"))
        deadlock = self._bool(("check", "deadlock"), check.get("deadlock", False))
        vacuity = self._choice(("check", "vacuity"), check.get("vacuity", "warn"), VACUITY_MODES)
        stop = self._bool(("check", "stop_at_first"), check.get("stop_at_first", False))
        limits = self._limits(self._table(data, "limits"))
        expect = tuple((name, outcome) for name, value in self._table(data, "expect").items()
                       if (outcome := self._choice(("expect", name), value, OUTCOMES)) is not None)
        graph = self._table(data, "graph")
        max_nodes = None if "max_nodes" not in graph else self._int(("graph", "max_nodes"), graph["max_nodes"], 1)
        if self.diagnostics or spec is None:
            return None
        assert description is not None and deadlock is not None and vacuity is not None
        assert stop is not None
        return ModelConfig(
            name=self.path.stem, path=self.path, spec=spec, description=description,
            constants=constants, faults=faults, fault_total=total, properties=properties,
            deadlock=deadlock, vacuity=vacuity, stop_at_first=stop, limits=limits,
            expect=expect, graph_max_nodes=max_nodes, source_map=self.smap)

    # -- unknown names and wrong types

    def _unknown(self, kp: KeyPath, value: object) -> None:
        table = kp[0] if len(kp) > 1 else None
        name = str(kp[-1])
        where = f" in [{table}]" if table else ""
        message = (f"unknown table [{dotted(kp)}]" if isinstance(value, dict)
                   else f"unknown key '{name}'{where}")
        here = _TABLE_KEYS[str(table)] if table else (*_ROOT_KEYS, *_TABLES)
        # Keys that exist elsewhere in the schema, with their home (None: the top level).
        elsewhere: dict[str, str | None] = {
            k: t for t, keys in _TABLE_KEYS.items() if t != table for k in keys}
        if table:
            elsewhere.update(dict.fromkeys(_ROOT_KEYS))
        best = did_you_mean(name, here)
        near = name if name in elsewhere else did_you_mean(name, list(elsewhere))
        if best is not None:
            hint = f"did you mean [{best}]?" if best in _TABLES and table is None else f"did you mean '{best}'?"
        elif name.lower() in _ALIASES and near != name:
            hint = f"this checker calls it {_ALIASES[name.lower()]}"
        elif near is not None:
            home = elsewhere[near]
            place = (f"in the [{home}] table" if home else
                     "at the top level, above the first [table] header")
            hint = f"'{near}' belongs {place}" if near == name else f"did you mean '{near}'? It belongs {place}"
        elif table:
            hint = f"[{table}] takes: {', '.join(here)}"
        elif isinstance(value, dict):
            hint = "the tables are " + ", ".join(f"[{t}]" for t in _TABLES)
        else:
            hint = "the top level takes only spec and description; constants go in the [constants] table"
        self.error("C003", message, self.smap.key(kp), hint)

    def _wrong_type(self, kp: KeyPath, expected: str, value: object, hint: str | None = None,
                    *, fallback: str | None = None) -> None:
        """A C004 error; ``hint`` replaces the guessed hint, ``fallback`` is used if none fits."""
        if hint is None and isinstance(value, str):
            if expected.startswith("a boolean") and value.lower() in ("true", "false"):
                hint = f"remove the quotes: {kp[-1]} = {value.lower()}"
            elif re.fullmatch(r"[+-]?\d+(\.\d*)?", value.strip()) and "string" not in expected:
                hint = f"remove the quotes: {kp[-1]} = {value.strip()}"
        if hint is None and isinstance(value, float) and value.is_integer() and "integer" in expected:
            hint = f"write {int(value)}, without a decimal point"
        if hint is None and expected.startswith("a boolean"):
            hint = f"write {kp[-1]} = true or {kp[-1]} = false, without quotes"
        if hint is None and "integer" in expected:
            hint = "write a whole number, without quotes"
        hint = hint or fallback
        self.error("C004", f"{dotted(kp)}: expected {expected}, got {_kind(value)}",
                   self.smap.value(kp), hint)

    def _table(self, data: dict[str, Any], name: str) -> dict[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            self._wrong_type((name,), "a table", value,
                             f"write [{name}] on a line of its own, then one key = value per line")
            return {}
        for key, item in value.items():
            if name in _TABLE_KEYS and key not in _TABLE_KEYS[name]:
                self._unknown((name, key), item)
        return {k: v for k, v in value.items() if name not in _TABLE_KEYS or k in _TABLE_KEYS[name]}

    def _str(self, kp: KeyPath, value: object) -> str | None:
        if isinstance(value, str):
            return value
        self._wrong_type(kp, "a string", value, "put the text in double quotes")
        return None

    def _bool(self, kp: KeyPath, value: object) -> bool | None:
        if isinstance(value, bool):
            return value
        self._wrong_type(kp, "a boolean (true or false)", value)
        return None

    def _int(self, kp: KeyPath, value: object, minimum: int) -> int | None:
        expected = "a positive integer" if minimum == 1 else "a non-negative integer"
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong_type(kp, expected, value)
            return None
        if value < minimum:
            hint = (f"leave {dotted(kp)} out for no limit" if kp[0] == "limits" else
                    f"leave {dotted(kp)} out for the default (exported graphs: "
                    f"{DEFAULT_GRAPH_MAX_NODES:,} states; liveness: as the memory limit allows)"
                    if kp[0] == "graph" else
                    "a cap is how often the fault may happen in one run; 0 turns it off")
            self.error("C005", f"{dotted(kp)}: expected {expected}, got {value}", self.smap.value(kp), hint)
            return None
        return value

    def _choice(self, kp: KeyPath, value: object, choices: tuple[str, ...]) -> str | None:
        options = " or ".join(f'"{c}"' for c in choices)
        if not isinstance(value, str):
            self._wrong_type(kp, options, value, f'write {kp[-1]} = "{choices[0]}", with the quotes')
            return None
        if value in choices:
            return value
        best = did_you_mean(value, choices) or (
            _OUTCOME_ALIASES.get(value.lower()) if choices == OUTCOMES else None)
        if best is not None:
            hint = f'did you mean "{best}"?'
        elif choices == OUTCOMES:
            hint = '"holds" if the property should hold, "violated" if a counterexample is expected'
        else:
            hint = '"warn" reports a property that holds vacuously; "error" also fails the check'
        self.error("C005", f"{dotted(kp)}: expected {options}, got {_show(value)}", self.smap.value(kp), hint)
        return None

    # -- each part of the schema

    def _spec(self, data: dict[str, Any]) -> Path | None:
        if "spec" not in data:
            nested = next((t for t in _TABLES if isinstance(data.get(t), dict) and "spec" in data[t]), None)
            hint = (f"a spec key was found in [{nested}]: top-level keys must come before the "
                    "first [table] header" if nested else
                    'add spec = "path/to/spec.fsl" at the top; the path is relative to this file')
            self.error("C006", "missing required key 'spec' (the .fsl file to check)",
                       Span(self.smap.path, 0, 0, 0, 0), hint)
            return None
        raw = self._str(("spec",), data["spec"])
        if raw is None:
            return None
        span = self.smap.value(("spec",))
        folder = self.path.parent
        resolved = Path(os.path.normpath(folder / raw)) if raw else folder
        if not raw.endswith(".fsl"):
            named = resolved.name not in ("", ".", "..")
            hint = (f'did you mean "{Path(raw).with_suffix(".fsl").as_posix()}"?'
                    if named and resolved.with_suffix(".fsl").is_file()
                    else "spec names the .fsl file to check")
            self.error("C005", f"spec: expected a path to an .fsl file, got {_show(raw)}", span, hint)
            return None
        if resolved.is_file():
            return resolved
        shown = str(resolved)  # relative to the current directory when the model path is
        if resolved.is_absolute():
            try:
                rel = os.path.relpath(resolved)
            except ValueError:  # another drive on Windows
                rel = shown
            shown = shown if rel.startswith(os.pardir) else rel
        if resolved.is_dir():
            self.error("C007", f"spec '{raw}' is a folder, not an .fsl file", span,
                       "spec names one .fsl file in that folder")
            return None
        from_here = Path(raw)
        if not from_here.is_absolute() and from_here.is_file() and folder != Path(""):
            fix = Path(os.path.relpath(from_here, folder)).as_posix()
            hint = (f"spec paths are relative to the model file's folder ({folder.as_posix()}/), "
                    f'not the current directory: write spec = "{fix}"')
        else:
            names = [p.name for p in resolved.parent.glob("*.fsl")] if resolved.parent.is_dir() else []
            best = did_you_mean(resolved.name, names)
            hint = (f'did you mean "{(Path(raw).parent / best).as_posix()}"?' if best else
                    f"spec paths are relative to the model file's folder ({folder.as_posix() or '.'}/)")
        self.error("C007", f"spec file '{raw}' not found (looked for {shown})", span, hint)
        return None

    def _constants(self, table: dict[str, Any]) -> tuple[tuple[str, Constant], ...]:
        out: list[tuple[str, Constant]] = []
        for name, value in table.items():
            if isinstance(value, (bool, int, str)):
                out.append((name, value))
                continue
            hint = (f"write {int(value)}, without a decimal point" if isinstance(value, float)
                    and value.is_integer() else "a constant holds one integer, boolean or enum member name")
            self._wrong_type(("constants", name), "an integer, a boolean or an enum member name (a string)",
                             value, hint)
        return tuple(out)

    def _faults(self, table: dict[str, Any]) -> tuple[tuple[tuple[str, int], ...], int | None]:
        caps: list[tuple[str, int]] = []
        total: int | None = None
        for name, value in table.items():
            cap = self._int(("faults", name), value, 0)
            if cap is None:
                continue
            if name == "total":
                total = cap
            else:
                caps.append((name, cap))
        return tuple(caps), total

    def _properties(self, value: object) -> tuple[str, ...] | None:
        kp: KeyPath = ("check", "properties")
        if value is None:
            return None
        if not isinstance(value, list):
            hint = f'write properties = ["{value}"]' if isinstance(value, str) else None
            self._wrong_type(kp, "an array of property names", value,
                             hint or 'write properties = ["Name", ...]')
            return None
        if not value:
            self.error("C005", "check.properties: expected one or more property names, got []",
                       self.smap.value(kp), "leave check.properties out to check every property")
            return None
        seen: dict[str, int] = {}
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self._wrong_type((*kp, i), "a property name (a string)", item, "put the name in double quotes")
            elif not item:
                self.error("C005", f"{dotted((*kp, i))}: expected a property name, got \"\"",
                           self.smap.value((*kp, i)), "remove the empty name")
            elif item in seen:
                self.error("C005", f"check.properties: '{item}' is listed twice",
                           self.smap.value((*kp, i)), "remove the second one")
            else:
                seen[item] = i
        return tuple(seen)

    def _limits(self, table: dict[str, Any]) -> Limits:
        def positive(key: str) -> int | None:
            return None if key not in table else self._int(("limits", key), table[key], 1)

        time: float | None = None
        if "time" in table:
            value = table["time"]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self._wrong_type(("limits", "time"), "a positive number of seconds", value,
                                 fallback="write a number of seconds, without quotes: time = 60")
            elif not (value > 0 and math.isfinite(value)):
                self.error("C005", f"limits.time: expected a positive number of seconds, got {value}",
                           self.smap.value(("limits", "time")), "leave limits.time out for no limit")
            else:
                time = float(value)
        return Limits(states=positive("states"), depth=positive("depth"), time=time,
                      memory_mb=positive("memory"))
