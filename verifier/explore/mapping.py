"""Mapping files for ``verifier replay --mapping FILE``: a vendor's log lines into events.

A mapping file is TOML (documented in docs/explore.md; the shipped example,
``examples/logs/flexlm-triad.toml``, converts FlexLM lmgrd debug-log lines for
``specs/triad.fsl``)::

    [replay]                 # defaults for the replay (command-line flags win)
    hidden = ["Tick", "Elect"]
    max_inserted = 4

    [line]                   # splits a line into named fields (a Python regex)
    pattern = '^(?P<node>\\S+) \\| (?P<time>[0-9:]+) \\((?P<daemon>[^)]+)\\) (?P<message>.*)$'
    unmatched = "error"      # a line the pattern does not match: "error" or "skip"

    [names.server]           # vendor names -> values of the spec
    lic1 = "P"

    [[rule]]                 # tried in order; the first that matches makes the event
    match = '^EXITING DUE TO SIGNAL'   # a regex searched in a field (``field``, default message)
    where = { daemon = "lmgrd" }       # fields that must be equal to these
    action = "Crash"
    params = { s = "{node:server}" }
    observed = { "up[{node:server}]" = false }

A rule with ``skip = true`` recognises a line and makes no event; a line that matches no
rule is skipped. In ``params`` and ``observed`` (keys and string values) ``{field}`` is a
field of the line (the ``line`` pattern's and the rule's named groups) and
``{field:table}`` that field looked up in ``[names.table]``; a value that is one template
becomes the looked-up string, other values are kept as TOML wrote them. Problems with
the file are ``L1xx`` diagnostics at its key; problems with a log line (a name missing
from a table) are ``L104`` at the line and column of the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.config.tomlread import read_toml
from verifier.config.tomlspans import KeyPath, Locator
from verifier.explore.events import Event, Header, LogError, event_of
from verifier.lang import model as M
from verifier.lang.diagnostics import Diagnostic, did_you_mean
from verifier.lang.syntax import Span

__all__ = ["Mapping", "Rule", "convert", "read_mapping"]

_TEMPLATE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z_][A-Za-z0-9_-]*))?\}")
_TOP = ("description", "replay", "line", "names", "rule")
_RULE = ("match", "field", "where", "action", "params", "observed", "skip")


@dataclass(frozen=True, slots=True)
class Rule:
    index: int
    match: re.Pattern[str]
    field: str
    where: tuple[tuple[str, str], ...]
    action: str | list[str] | None   # a list: any of these actions may explain the line
    params: tuple[tuple[str, Any], ...]
    observed: tuple[tuple[str, Any], ...]
    skip: bool


@dataclass(frozen=True, slots=True)
class Mapping:
    path: str
    line: re.Pattern[str]
    unmatched_is_error: bool
    names: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    rules: tuple[Rule, ...]
    header: Header


def _fail(code: str, message: str, span: Span, hint: str | None = None,
          source: tuple[str, str] | None = None) -> LogError:
    return LogError([Diagnostic(code, message, span, hint)], dict([source]) if source else None)


def read_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; ``LogError`` (a ``SpecError``) on any problem."""
    text, data = read_toml(path)
    where = str(path)
    located = Locator(text, where).run()

    def at(kp: KeyPath, value: bool = False) -> Span:
        table = located.values if value else located.keys
        return table.get(kp) or located.keys.get(kp) or Span(where, 0, 0, 0, 0)

    def fail(code: str, message: str, kp: KeyPath, hint: str | None = None, value: bool = False) -> LogError:
        return _fail(code, message, at(kp, value), hint, (where, text))

    for key in data:
        if key not in _TOP:
            best = did_you_mean(key, _TOP)
            raise fail("L101", f"unknown key `{key}`", (key,),
                       f"did you mean `{best}`?" if best else f"the keys are {', '.join(_TOP)}")
    line = data.get("line")
    if not isinstance(line, dict) or not isinstance(line.get("pattern"), str):
        raise fail("L101", "the mapping needs `[line]` with a `pattern`", ("line",),
                   "e.g. pattern = '^(?P<time>\\S+) (?P<message>.*)$'")
    line_re = _regex(line["pattern"], ("line", "pattern"), fail)
    if "message" not in line_re.groupindex:
        raise fail("L102", "the line pattern has no group named `message`", ("line", "pattern"),
                   "rules match the `message` field unless they say another `field`", value=True)
    unmatched = line.get("unmatched", "skip")
    if unmatched not in ("skip", "error"):
        raise fail("L101", '`unmatched` is "skip" or "error"', ("line", "unmatched"), value=True)
    names: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    for table, entries in (data.get("names") or {}).items():
        if not isinstance(entries, dict) or not all(isinstance(v, str) for v in entries.values()):
            raise fail("L101", f"[names.{table}] maps vendor names to strings", ("names", table))
        names.append((table, tuple(entries.items())))
    known_tables = {t for t, _ in names}
    rules = []
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list) or not raw_rules:
        raise fail("L101", "the mapping has no `[[rule]]`", ("rule",),
                   "add [[rule]] tables: match = '...', action = \"...\"")
    for i, r in enumerate(raw_rules):
        for key in r:
            if key not in _RULE:
                best = did_you_mean(key, _RULE)
                raise fail("L101", f"unknown key `{key}` in rule {i + 1}", ("rule", i, key),
                           f"did you mean `{best}`?" if best else f"a rule has {', '.join(_RULE)}")
        if not isinstance(r.get("match"), str):
            raise fail("L101", f"rule {i + 1} has no `match` (a regex)", ("rule", i))
        match = _regex(r["match"], ("rule", i, "match"), fail)
        fields = set(line_re.groupindex) | set(match.groupindex)
        field = r.get("field", "message")
        if field not in line_re.groupindex:
            raise fail("L103", f"rule {i + 1}: the line pattern has no field `{field}`",
                       ("rule", i, "field"), value=True)
        where_ = r.get("where", {})
        if not isinstance(where_, dict):
            raise fail("L101", f"rule {i + 1}: `where` is a table of fields", ("rule", i, "where"))
        for f in where_:
            if f not in line_re.groupindex:
                raise fail("L103", f"rule {i + 1}: the line pattern has no field `{f}`", ("rule", i, "where", f))
        action = r.get("action")
        if action is not None and not (isinstance(action, str) or (
                isinstance(action, list) and action and all(isinstance(a, str) for a in action))):
            raise fail("L101", f"rule {i + 1}: `action` is an action's name or a list of names",
                       ("rule", i, "action"), value=True)
        skip = bool(r.get("skip", False))
        if action is None and not skip and not r.get("observed"):
            raise fail("L101", f"rule {i + 1} makes no event: give `action`, `observed` or `skip = true`",
                       ("rule", i))
        params = tuple((r.get("params") or {}).items())
        observed = tuple((r.get("observed") or {}).items())
        for group, items in (("params", params), ("observed", observed)):
            for k, v in items:
                for text_ in (k, v) if isinstance(v, str) else (k,):
                    for m in _TEMPLATE.finditer(text_):
                        if m.group(1) not in fields:
                            raise fail("L103", f"rule {i + 1}: `{{{m.group(1)}}}` is not a field of the line "
                                       "or of the rule's match", ("rule", i, group, k),
                                       f"the fields are {', '.join(sorted(fields))}")
                        if m.group(2) and m.group(2) not in known_tables:
                            raise fail("L103", f"rule {i + 1}: no table [names.{m.group(2)}]",
                                       ("rule", i, group, k))
        rules.append(Rule(i, match, field, tuple((str(k), str(v)) for k, v in where_.items()),
                          action, params, observed, skip))
    replay = data.get("replay") or {}
    hidden = replay.get("hidden")
    most = replay.get("max_inserted")
    if hidden is not None and not (isinstance(hidden, list) and all(isinstance(h, str) for h in hidden)):
        raise fail("L101", "`hidden` is a list of action names", ("replay", "hidden"), value=True)
    if most is not None and (not isinstance(most, int) or isinstance(most, bool) or most < 0):
        raise fail("L101", "`max_inserted` is a whole number, 0 or more", ("replay", "max_inserted"), value=True)
    return Mapping(where, line_re, unmatched == "error", tuple(names), tuple(rules),
                   Header(None if hidden is None else tuple(hidden), most))


def _regex(text: str, kp: KeyPath, fail: Any) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as e:
        raise fail("L102", f"not a valid regular expression: {e.msg} (at character {e.pos})", kp,
                   "Python regex syntax; in TOML write it in '...' so backslashes stay",
                   value=True) from None


def convert(model: M.Model, mapping: Mapping, path: str, text: str) -> tuple[list[Event], list[dict[str, Any]]]:
    """The events of the vendor log ``text`` (read from ``path``), and each as the JSON
    object of the log format (for ``--convert``)."""
    events: list[Event] = []
    docs: list[dict[str, Any]] = []
    tables = {t: dict(entries) for t, entries in mapping.names}
    actions = {a.name for a in model.actions}
    for no, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        m = mapping.line.match(line)
        if m is None:
            if mapping.unmatched_is_error:
                raise _fail("L104", "the line does not have the shape of the mapping's [line] pattern",
                            Span(path, no, 1, no, 1),
                            f"see {mapping.path}, or set unmatched = \"skip\" there", (path, text))
            continue
        for rule in mapping.rules:
            if any(m.group(f) != v for f, v in rule.where):
                continue
            value = m.group(rule.field) or ""
            hit = rule.match.search(value)
            if hit is None:
                continue
            if rule.skip:
                break
            fields = {k: v for k, v in m.groupdict().items() if v is not None}
            fields.update({k: v for k, v in hit.groupdict().items() if v is not None})
            starts = {k: m.start(k) + 1 for k in m.groupdict() if m.group(k) is not None}
            base = m.start(rule.field)
            starts.update({k: base + hit.start(k) + 1 for k in hit.groupdict() if hit.group(k) is not None})

            def fill(template: Any, no: int = no, fields: dict[str, str] = fields,
                     starts: dict[str, int] = starts) -> Any:
                if not isinstance(template, str):
                    return template
                return _fill(template, fields, tables, starts, path, no, text)

            doc: dict[str, Any] = {}
            if rule.action is not None:
                for name in rule.action if isinstance(rule.action, list) else [rule.action]:
                    if name not in actions:
                        best = did_you_mean(str(name), sorted(actions))
                        raise _fail("L105", f"rule {rule.index + 1} of {mapping.path} names the action "
                                    f"`{name}`, which the spec does not have", Span(path, no, 1, no, 1),
                                    f"did you mean `{best}`?" if best else None, (path, text))
                doc["action"] = rule.action
                doc["params"] = {k: fill(v) for k, v in rule.params}
            if rule.observed:
                doc["observed"] = {fill(k): fill(v) for k, v in rule.observed}
            if "time" in fields:
                doc["time"] = fields["time"]
            doc["source"] = f"{path}:{no}"
            col = starts.get(rule.field, 1)
            try:
                events.append(event_of(model, len(events), doc, path, no, lambda *_, c=col: c))
            except LogError as e:
                e.sources.setdefault(path, text)
                raise
            docs.append(doc)
            break
    if not events:
        raise _fail("L006", f"no line of the log matches a rule of {mapping.path}",
                    Span(path, 0, 0, 0, 0), "is it the right mapping for this log?")
    return events, docs


def _fill(template: str, fields: dict[str, str], tables: dict[str, dict[str, str]],
          starts: dict[str, int], path: str, no: int, text: str) -> str:
    def one(m: re.Match[str]) -> str:
        name, table = m.group(1), m.group(2)
        value = fields.get(name)
        if value is None:
            raise _fail("L104", f"the line has no `{name}` (its group did not match)",
                        Span(path, no, 1, no, 1), source=(path, text))
        if table is None:
            return value
        if value not in tables[table]:
            col = starts.get(name, 1)
            known = list(tables[table])
            best = did_you_mean(value, known)
            raise _fail("L104", f"`{value}` is not in the mapping's [names.{table}]",
                        Span(path, no, col, no, col + len(value)),
                        f"did you mean `{best}`?" if best else
                        f"add it there; the table knows {', '.join(known) or 'no names'}", (path, text))
        return tables[table][value]

    return _TEMPLATE.sub(one, template)


