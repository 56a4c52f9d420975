"""What the commands share: exit codes, flag types, targets, property names, the summary.

Each command module (``check``, ``prove``, ``fuzz``, ``fmt``, ``graph``, ``report``)
parses its flags and calls a stage; what two of them need is here, so that no command
takes names from another. The exit codes are documented (README, "Exit codes"): 0
every checked property holds (or matches the model's expectation), 1 a property is
violated (or an expectation is not met), 2 a usage, spec or configuration error, 3
inconclusive, 4 an internal error; over several models the most severe wins
(``combine``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from verifier import results as R
from verifier.config import ModelConfig, discover_models, spec_model
from verifier.config import load_model as load_config
from verifier.lang.diagnostics import ConfigError, Diagnostic, SpecError

EXIT_OK, EXIT_VIOLATED, EXIT_USAGE, EXIT_INCONCLUSIVE, EXIT_INTERNAL = 0, 1, 2, 3, 4
_SEVERITY = {EXIT_OK: 0, EXIT_INCONCLUSIVE: 1, EXIT_VIOLATED: 2, EXIT_USAGE: 3, EXIT_INTERNAL: 4}


class UsageParser(argparse.ArgumentParser):
    """argparse with the ``error[U001]`` message of every command; with
    ``json_errors`` the error is raised as a ``ConfigError`` instead, for ``--json``
    output to carry it."""

    json_errors = False

    def __init__(self, *args: Any, json_errors: bool | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if json_errors is not None:
            self.json_errors = json_errors

    def error(self, message: str) -> NoReturn:
        hint = f"see `{self.prog} --help`"
        if self.json_errors:
            raise ConfigError([Diagnostic("U001", message, hint=hint)])
        sys.stderr.write(f"verifier: error[U001]: {message}\n  hint: {hint}\n")
        raise SystemExit(EXIT_USAGE)


class JsonUsageParser(UsageParser):
    """The subcommands' parser when the command line asks for ``--json``."""

    json_errors = True


class Diagnostics:
    """Where a command's diagnostics go: rendered on stderr as they come or, with
    ``--json``, kept for the ``diagnostics`` list of the JSON document (docs/reports.md)."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.items: list[dict[str, Any]] = []

    def add(self, d: Diagnostic, source: str | None = None, *, model: str | None = None) -> None:
        if self.as_json:
            from verifier.reports.jsonio import diagnostic_to_dict

            self.items.append(diagnostic_to_dict(d, source, model=model))
        else:
            sys.stderr.write(d.render(source) + "\n")

    def error(self, e: SpecError, *, model: str | None = None) -> None:
        for d in e.diagnostics:
            self.add(d, e.sources.get(d.span.path), model=model)

    def warning(self, text: str, *, model: str | None = None) -> None:
        """A warning without a position (e.g. a report folder replaced)."""
        if self.as_json:
            self.add(Diagnostic("W000", text, severity="warning"), model=model)
        else:
            sys.stderr.write(f"verifier: warning: {text}\n")


def json_document(results: list[R.CheckResult], code: int, diags: Diagnostics,
                  **extra: Any) -> str:
    """The one JSON document of ``--json``: results, exit code, diagnostics."""
    from verifier.reports.jsonio import result_to_dict

    doc = {"schema_version": R.SCHEMA_VERSION, "results": [result_to_dict(r) for r in results],
           "exit_code": code, "diagnostics": diags.items, **extra}
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def usage_error(e: SpecError, as_json: bool) -> int:
    """A command-line error before any model is read: on stderr, or as a JSON document."""
    diags = Diagnostics(as_json)
    if as_json:
        diags.error(e)
        sys.stdout.write(json_document([], EXIT_USAGE, diags))
    else:
        for d in e.diagnostics:
            sys.stderr.write(f"verifier: error[{d.code}]: {d.message}\n  hint: {d.hint}\n")
    return EXIT_USAGE


def version() -> str:
    from verifier import __version__

    return __version__


def positive(text: str) -> int:
    try:
        v = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return v


def positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return v


def parse_const(items: list[str]) -> dict[str, Any]:
    """``--const NAME=VALUE`` flags: ``true``/``false``, a whole number, else the text."""
    out: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError([Diagnostic("U002", f"--const {item!r}: expected NAME=VALUE",
                                          hint="for example --const N=4 or --const FIX=true")])
        raw = raw.strip()
        value: Any
        if raw in ("true", "false"):
            value = raw == "true"
        else:
            try:
                value = int(raw)
            except ValueError:
                value = raw
        out[name.strip()] = value
    return out


def configs(targets: list[str]) -> list[ModelConfig | SpecError]:
    """The model configuration of each target (a spec, a model file, or every model of a
    folder), or the error that stopped it from loading."""
    out: list[ModelConfig | SpecError] = []
    for t in targets:
        path = Path(t)
        try:
            if path.is_dir():
                for m in discover_models(path):
                    try:
                        out.append(load_config(m))
                    except SpecError as e:
                        out.append(e)
            elif path.suffix == ".toml":
                out.append(load_config(path))
            elif path.suffix == ".fsl" or not path.exists():
                if not path.exists():
                    raise ConfigError([Diagnostic(
                        "U003", f"no such file or folder: {t}",
                        hint="pass a spec (.fsl), a model (.toml) or a folder of models")])
                out.append(spec_model(path))
            else:
                raise ConfigError([Diagnostic(
                    "U003", f"{t}: not a spec (.fsl) or a model (.toml)",
                    hint="pass a spec (.fsl), a model (.toml) or a folder of models")])
        except SpecError as e:
            out.append(e)
    return out


def one_model(command: str, target: str, const: list[str] | None,
              properties: list[str] | None) -> tuple[ModelConfig, ModelConfig, Any] | None:
    """The configuration as written, as overridden by the flags, and the checked model of
    the one model (.toml) or spec (.fsl) that a walking command (fuzz, simulate) takes, or
    None for a folder (said on stderr); a bad file raises ``SpecError`` (unknown property
    names too, C014)."""
    from verifier.config import with_overrides
    from verifier.config.load import load_model

    items = configs([target])
    if len(items) != 1:
        sys.stderr.write(f"verifier: error[U001]: {command} takes one model (.toml) or spec (.fsl), "
                         "not a folder\n")
        return None
    item = items[0]
    if isinstance(item, SpecError):
        raise item
    cfg = with_overrides(item, constants=parse_const(const or []) or None, properties=properties)
    return item, cfg, load_model(cfg)


def walk_error(cfg: ModelConfig, e: Exception) -> int:
    """The message and exit code of a random walk that could not start: a run-time error
    in the initial states (E120), or a spec the compiled stepper cannot translate (E121)."""
    from verifier.lang import semantics as sem

    if isinstance(e, (ValueError, sem.EvalError)):
        why = e.describe() if isinstance(e, sem.EvalError) else str(e)
        sys.stderr.write(f"{cfg.spec}: error[E120]: {why}\n  hint: check the `var` initial values "
                         "and `init` conditions\n")
    else:
        sys.stderr.write(f"{cfg.spec}: error[E121]: the compiler does not support this spec: {e}\n"
                         "  hint: use --engine reference (or auto)\n")
    return EXIT_USAGE


def property_warnings(cfg: ModelConfig, diags: Diagnostics, vacuity: str | None) -> None:
    """C015, a spec without properties: a warning, or an error (raised) with vacuity "error"."""
    from verifier.config.names import property_warnings as warnings
    from verifier.lang.parser import parse_file

    found = warnings(parse_file(cfg.spec), cfg, vacuity=vacuity)
    errors = [d for d in found if d.severity == "error"]
    if errors:
        raise ConfigError(errors)
    for d in found:
        diags.add(d, model=cfg.name)


def answer_expectations(result: R.CheckResult, expect: dict[str, str], why: str) -> R.CheckResult:
    """An inconclusive row for each checker property (Deadlock, RuntimeError) that the
    model's ``[expect]`` names and the engine did not decide (``why``), so that no
    expectation goes unanswered."""
    import dataclasses

    have = {p.name for p in result.properties}
    kinds = {"Deadlock": R.DEADLOCK, "RuntimeError": R.RUNTIME}
    extra = tuple(R.PropertyResult(name, kinds[name], R.INCONCLUSIVE, expected=expect[name], note=why)
                  for name in kinds if name in expect and name not in have)
    return dataclasses.replace(result, properties=result.properties + extra) if extra else result


def interrupted(result: R.CheckResult) -> bool:
    """Whether Ctrl-C (or SIGTERM) stopped the run: the remaining models are skipped."""
    return (result.stop_reason or "").startswith("interrupted")


def exit_code(result: R.CheckResult) -> int:
    """The documented exit code of one result."""
    code = EXIT_OK
    for p in result.properties:
        ok = p.as_expected
        if ok is False and p.verdict != R.INCONCLUSIVE:
            return EXIT_VIOLATED
        if ok is None:
            if p.verdict == R.VIOLATED or (p.verdict == R.VACUOUS and result.vacuity_is_error):
                return EXIT_VIOLATED
        if p.verdict == R.INCONCLUSIVE:
            code = EXIT_INCONCLUSIVE
    if not result.complete and code == EXIT_OK and not any(
            p.verdict == R.VIOLATED for p in result.properties):
        code = EXIT_INCONCLUSIVE
    return code


def combine(codes: list[int]) -> int:
    """The exit code of a run over several models: the most severe (4, 2, 1, 3, 0)."""
    return max(codes, key=lambda c: _SEVERITY[c]) if codes else EXIT_USAGE


def report_folder(base: Path, original: ModelConfig, cfg: ModelConfig) -> Path:
    """``base/<model>/``, or ``base/<model>-N6-FIXtrue/`` when ``--const`` changed
    constants of the model (``original``: the model before the command line's
    overrides), so that a report of another configuration never lands in the model's."""
    before = dict(original.constants)
    suffix = "".join(f"-{n}{_const_text(v)}" for n, v in cfg.constants
                     if n in cfg.command_line and (n not in before or before[n] != v))
    return base / f"{cfg.name}{suffix}"


def _const_text(v: Any) -> str:
    text = ("true" if v else "false") if isinstance(v, bool) else str(v)
    return "".join(c if c.isalnum() or c in "_.-" else "_" for c in text)


def write_reports(result: R.CheckResult, out: Path, *, timings: bool,
                  diags: Diagnostics | None = None) -> Path:
    """Write the report files of ``result`` into ``out`` (replacing the files of an
    earlier run there, with a warning when that run was of another configuration);
    returns ``out``."""
    from verifier.reports import clear_reports, replaced_configuration, without_timings
    from verifier.reports import write_reports as write

    if not timings:
        result = without_timings(result)
    before = replaced_configuration(out, result)
    if before is not None:
        text = f"{out}/ held the report of another configuration ({before}); it is replaced"
        if diags is not None:
            diags.warning(text, model=result.model)
        else:
            sys.stderr.write(f"verifier: warning: {text}\n")
    clear_reports(out)
    write(result, out)
    return out


def reports_line(out: Path, result: R.CheckResult) -> str:
    """Where a model's report files went, for the output."""
    traces = sum((p.trace is not None) + (p.cti is not None) for p in result.properties)
    what = "report.html, report.md, report.txt, result.json"
    if traces:
        what += f", {traces} ITF trace{'s' if traces > 1 else ''}"
    return f"reports: {out}/ ({what})\n"


def verdict_counts(counts: dict[str, int]) -> str:
    """``3 holding, 1 violated``: verdict counts in words that read for any number."""
    from verifier.reports.summary import verdict_tally

    return verdict_tally(counts)


def summary_table(runs: list[tuple[str, int, R.CheckResult | None]], column: str,
                  cell: Any) -> str:
    """The table after a run over several models (``verifier check``, ``verifier prove``):
    model, one ``column`` (``cell(result)``), the verdict counts and the outcome."""
    names = {EXIT_OK: "ok", EXIT_VIOLATED: "VIOLATED", EXIT_USAGE: "ERROR",
             EXIT_INCONCLUSIVE: "inconclusive", EXIT_INTERNAL: "INTERNAL"}
    rows = [("model", column, "verdicts", "outcome")]
    for name, code, r in runs:
        if r is None:
            rows.append((name, "-", "-", names[code]))
            continue
        counts: dict[str, int] = {}
        for p in r.properties:
            counts[p.verdict] = counts.get(p.verdict, 0) + 1
        verdicts = verdict_counts(counts)
        outcome = names[code]
        if code == EXIT_OK and any(p.expected for p in r.properties):
            outcome = "ok (as expected)"
        rows.append((name, str(cell(r)), verdicts, outcome))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["", "Summary"]
    for i, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"
