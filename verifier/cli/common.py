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
import sys
from pathlib import Path
from typing import Any, NoReturn

from verifier import results as R
from verifier.config import ModelConfig, discover_models, spec_model
from verifier.config import load_model as load_config
from verifier.lang.diagnostics import ConfigError, Diagnostic, SpecError, did_you_mean

EXIT_OK, EXIT_VIOLATED, EXIT_USAGE, EXIT_INCONCLUSIVE, EXIT_INTERNAL = 0, 1, 2, 3, 4
_SEVERITY = {EXIT_OK: 0, EXIT_INCONCLUSIVE: 1, EXIT_VIOLATED: 2, EXIT_USAGE: 3, EXIT_INTERNAL: 4}


class UsageParser(argparse.ArgumentParser):
    """argparse with the ``error[U001]`` message of ``verifier check`` and ``verifier fuzz``."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"verifier: error[U001]: {message}\n  hint: see `{self.prog} --help`\n")
        raise SystemExit(EXIT_USAGE)


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


def check_property_names(model: Any, names: tuple[str, ...], cfg: ModelConfig) -> None:
    """C014 for each name that is not an invariant, reachable or liveness property."""
    known = [p.name for p in model.properties if p.kind in ("invariant", "reachable")]
    known += [p.name for p in model.liveness]
    bad = [n for n in names if n not in known]
    if bad:
        diags = []
        for n in bad:
            best = did_you_mean(n, known)
            diags.append(Diagnostic(
                "C014", f"the spec has no invariant, reachable or liveness property `{n}`",
                cfg.key_span("check", "properties") if cfg.path else Diagnostic("", "").span,
                f"did you mean `{best}`?" if best else f"its properties are: {', '.join(known)}"))
        raise ConfigError(diags)


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


def write_reports(result: R.CheckResult, out: Path, *, timings: bool) -> None:
    from verifier.reports import without_timings
    from verifier.reports import write_reports as write

    if not timings:
        result = without_timings(result)
    write(result, out)


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
        verdicts = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
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
