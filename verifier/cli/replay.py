"""``verifier replay MODEL LOG``: does a behaviour of the spec explain an observed log?

The log is JSON lines (``verifier/explore/events.py``), or a vendor's log converted line
by line with ``--mapping FILE`` (``verifier/explore/mapping.py``; ``--convert`` prints the
converted JSON lines and stops). The search (``verifier/explore/replay.py``) may insert up
to ``--max-inserted`` unobserved steps of the ``--hidden`` actions before each event.
Exit codes: 0 the log conforms, 1 it does not (the first unexplained event and the
closest states are shown), 2 a usage, spec, mapping or log error (located, file:line:col),
3 inconclusive (``--max-states`` reached).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from verifier.cli.common import (
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VIOLATED,
    UsageParser,
    configs,
    parse_const,
    positive,
    write_reports,
)
from verifier.config import with_overrides
from verifier.lang.diagnostics import ConfigError, Diagnostic, SpecError, did_you_mean


def _parser() -> argparse.ArgumentParser:
    p = UsageParser(prog="verifier replay",
                    description="Search for a behaviour of the spec that explains an observed "
                                "log (trace validation).")
    p.add_argument("target", metavar="MODEL", help="a model (.toml) or a spec (.fsl)")
    p.add_argument("log", metavar="LOG", type=Path,
                   help="the log: JSON lines, or a vendor log with --mapping")
    p.add_argument("--mapping", metavar="FILE", type=Path,
                   help="convert the vendor log's lines by this mapping file (TOML)")
    p.add_argument("--convert", action="store_true",
                   help="print the log as JSON lines (after --mapping) and stop")
    p.add_argument("--max-inserted", type=int, metavar="K",
                   help="unobserved steps before each event, at most (default: the log's "
                        "or mapping's header, else 4)")
    p.add_argument("--hidden", metavar="A,B,...",
                   help="actions that may happen unobserved (default: the log's or mapping's "
                        "header, else every action no event names); '' for none")
    p.add_argument("--max-states", type=positive, default=200_000, metavar="N",
                   help="candidate states per event before giving up (default 200000)")
    p.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                   help="override a constant (repeatable)")
    p.add_argument("--report-dir", metavar="DIR", type=Path,
                   help="write reports (the explaining behaviour) under DIR/<model>/")
    return p


def _usage(message: str) -> int:
    sys.stderr.write(f"verifier: error[U001]: {message}\n  hint: see `verifier replay --help`\n")
    return EXIT_USAGE


def replay_main(argv: list[str]) -> int:
    """``verifier replay MODEL LOG ...``; returns the exit code (see the module doc)."""
    from verifier.config.load import load_model
    from verifier.explore.events import read_events
    from verifier.explore.mapping import convert, read_mapping
    from verifier.explore.replay import CONFORMS, DOES_NOT_CONFORM, ReplayOptions, replay_log, result

    args = _parser().parse_args(argv)
    if args.max_inserted is not None and args.max_inserted < 0:
        return _usage(f"--max-inserted must be 0 or more, got {args.max_inserted}")
    try:
        items = configs([args.target])
        if len(items) != 1:
            return _usage("replay takes one model (.toml) or spec (.fsl), not a folder")
        item = items[0]
        if isinstance(item, SpecError):
            raise item
        cfg = with_overrides(item, constants=parse_const(args.const) or None)
        model = load_model(cfg)
        text = _read_log(args.log)
        log = str(args.log)
        if args.mapping is not None:
            mapping = read_mapping(args.mapping)
            events, docs = convert(model, mapping, log, text)
            header = mapping.header
            if args.convert:
                for d in docs:
                    sys.stdout.write(json.dumps(d, ensure_ascii=False) + "\n")
                return EXIT_OK
        else:
            events, header = read_events(model, log, text)
            if args.convert:
                return _usage("--convert needs --mapping (the log is JSON lines already)")
        hidden = header.hidden
        if args.hidden is not None:
            hidden = tuple(h.strip() for h in args.hidden.split(",") if h.strip())
            names = [a.name for a in model.actions]
            for h in hidden:
                if h not in names:
                    best = did_you_mean(h, names)
                    raise ConfigError([Diagnostic(
                        "U004", f"--hidden: the spec has no action `{h}`",
                        hint=f"did you mean `{best}`?" if best else f"its actions are {', '.join(names)}")])
        if hidden is not None:
            names = [a.name for a in model.actions]
            unknown = [h for h in hidden if h not in names]
            if unknown:
                raise ConfigError([Diagnostic(
                    "L003", f"`hidden` names `{unknown[0]}`, which the spec does not have",
                    hint=f"its actions are {', '.join(names)}")])
        most = args.max_inserted if args.max_inserted is not None else (
            header.max_inserted if header.max_inserted is not None else 4)
    except SpecError as e:
        sys.stderr.write(e.render() + "\n")
        return EXIT_USAGE
    opts = ReplayOptions(max_inserted=most, hidden=hidden, max_states=args.max_states)
    out = replay_log(model, events, opts)
    sys.stdout.write(_render(out, log, most))
    res = result(model, out, args.log.name)
    if args.report_dir is not None:
        write_reports(res, args.report_dir / cfg.name, timings=False)
        sys.stdout.write(f"reports written to {args.report_dir / cfg.name}\n")
    if out.verdict == CONFORMS:
        return EXIT_OK
    return EXIT_VIOLATED if out.verdict == DOES_NOT_CONFORM else EXIT_INCONCLUSIVE


def _read_log(path: Path) -> str:
    from verifier.explore.events import LogError
    from verifier.lang.syntax import Span

    where = Span(str(path), 0, 0, 0, 0)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise LogError([Diagnostic("L006", "the log is a folder, not a file", where)]) from None
    except OSError as e:
        raise LogError([Diagnostic("L006", f"cannot read the log: {e.strerror}", where,
                                   "check the path")]) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise LogError([Diagnostic("L006", "the log is not UTF-8 text",
                                   Span(str(path), line, col, line, col))]) from None


def _render(out: object, log: str, most: int) -> str:
    from verifier.explore.replay import CONFORMS, DOES_NOT_CONFORM, ReplayOutcome

    assert isinstance(out, ReplayOutcome)
    lines = [f"replay of {log}: {len(out.events)} events, up to {most} unobserved steps before "
             f"each ({', '.join(out.hidden) or 'none may be unobserved'})", ""]
    at: dict[int, list[int]] = {}
    for i, step in enumerate(out.event_steps):
        at.setdefault(step, []).append(i)
    b = out.behaviour
    steps = b.labels()

    def events_at(k: int) -> None:
        for i in at.get(k, []):
            e = out.events[i]
            when = f" {e.time}" if e.time else ""
            lines.append(f"           event {i + 1} ({e.span.path}:{e.span.line}{when}): {e.label}")

    lines.append("  explaining behaviour" if out.verdict == CONFORMS else
                 f"  the {out.explained} events explained so far")
    lines.append("  state 0  initial state")
    events_at(0)
    observed_steps = set()
    for i, step in enumerate(out.event_steps):
        if out.events[i].actions:
            observed_steps.add(step)
    for k, label in enumerate(steps, start=1):
        mark = "" if k in observed_steps else "   (unobserved)"
        lines.append(f"  step {k:<3} {label}{mark}")
        events_at(k)
    lines.append("")
    if out.verdict == CONFORMS:
        lines.append(f"the log conforms: {len(out.events)} events explained by {len(b)} steps, "
                     f"{out.inserted} of them unobserved ({out.states:,} candidate states)")
    elif out.verdict == DOES_NOT_CONFORM:
        e = out.events[out.explained]
        src = f" ({e.source})" if e.source and e.source != f"{e.span.path}:{e.span.line}" else ""
        lines.append(f"the log does not conform: event {out.explained + 1} at "
                     f"{e.span.path}:{e.span.line}{src}, {e.label}, is the first that no behaviour "
                     f"explains (with up to {most} unobserved steps before it)")
        lines.append("closest states:")
        for n, c in enumerate(out.closest, start=1):
            path = " -> ".join(c.behaviour.labels()) or "(the initial state)"
            lines.append(f"  {n}. after {path}")
            for why in c.why:
                lines.append(f"       {why}")
    else:
        lines.append(f"inconclusive: {out.reason}")
    return "\n".join(lines) + "\n"
