"""Benchmark of the symbolic engine (not a test).

    python3 bench/symbolic_bench.py            # everything (about 10 minutes), updates the doc
    python3 bench/symbolic_bench.py --quick    # HAL up to N=6, BMC to depth 12, fewer models
    python3 bench/symbolic_bench.py --no-doc   # print the figures only

Figures, each a CPU time (user + system of this process: Z3 runs in-process and the machine
is shared, so CPU time is what a proof costs whatever else runs) and the wall time:

1. the induction proof of each invariant of each shipped model (models/*.toml), one
   ``verifier prove --induction --property NAME`` each (Houdini still uses every
   invariant of the spec as a helper), with its verdict;
2. bounded model checking of specs/triad.fsl with its default constants (no fault caps),
   the time to finish each depth 0..20, with and without the induction pass and the
   completeness check;
3. the HAL table: the corrected design (models/hal_n3.toml: reserved seats, quorum rule,
   atomic redistribution) proved by induction for N = 3..12, with the helper invariants
   that specs/hal.fsl declares;
4. Spacer on specs/epoch.fsl.

The result replaces the block between the markers of the "Symbolic engine" section of
docs/benchmarks.md (the section is created if missing).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verifier import results as R  # noqa: E402
from verifier.config import load_model as load_config  # noqa: E402
from verifier.config import spec_model, with_overrides  # noqa: E402
from verifier.config.load import load_model  # noqa: E402
from verifier.symbolic.bmc import run_bmc  # noqa: E402
from verifier.symbolic.chc import run_chc  # noqa: E402
from verifier.symbolic.induction import run_induction  # noqa: E402
from verifier.symbolic.options import BMC, CHC, ProveOptions  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Symbolic engine"
BEGIN = "<!-- bench/symbolic_bench.py: begin -->"
END = "<!-- bench/symbolic_bench.py: end -->"
INTRO = """Figures from `python3 bench/symbolic_bench.py` (it rewrites the block below). Every
solver call runs under a timeout; *CPU s* is user + system time of the process (Z3 runs
in-process), *wall s* the elapsed time on a shared machine."""


SPACER_TIMEOUT = 30


def progress(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def timed(f: Callable[[], Any]) -> tuple[Any, float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    out = f()
    return out, time.process_time() - c0, time.perf_counter() - w0


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import z3

    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True).stdout.strip() or "unknown"
    return (f"Measured {datetime.date.today()} on {os.cpu_count()} × {cpu}, Python "
            f"{platform.python_version()}, z3 {z3.get_version_string()}, verifier {rev}. "
            f"Load average at the start: {os.getloadavg()[0]:.1f}.")


def short(p: R.PropertyResult) -> str:
    if p.verdict == R.HOLDS:
        return (p.note or "proved").replace("inductive", "proved, inductive")
    if p.verdict == R.VIOLATED:
        return "violated" + (f" ({len(p.trace.steps)} steps)" if p.trace else "")
    return "not inductive" if p.note and "not inductive" in p.note else f"{p.verdict}"


def induction_table(models: list[Path]) -> list[str]:
    rows = ["| model | invariant | induction | CPU s | wall s | Spacer, when not inductive | wall s |",
            "|---|---|---|--:|--:|---|--:|"]
    worst = 0.0
    for path in models:
        cfg = load_config(path)
        model = load_model(cfg)
        names = [p.name for p in model.invariants if cfg.properties is None or p.name in cfg.properties]
        for name in names:
            res, cpu, wall = timed(lambda name=name, model=model: run_induction(
                model, ProveOptions(properties=(name,), reach_limit=20_000)))
            p = res.properties[0]
            if p.verdict == R.HOLDS:
                worst = max(worst, wall)
            spacer = "| - | - |"
            if p.verdict == R.INCONCLUSIVE and path.stem.endswith("_fixed"):
                (chc, found), _, cwall = timed(lambda name=name, model=model: run_chc(
                    model, ProveOptions(mode=CHC, properties=(name,), timeout=SPACER_TIMEOUT)))
                q = chc.properties[0]
                what = {R.HOLDS: "proved", R.VIOLATED: "violated"}.get(q.verdict, f"no answer ({SPACER_TIMEOUT} s)")
                if found and found[0].checked == "inductive":
                    what += ", invariant re-checked"
                spacer = f"| {what} | {cwall:.2f} |"
            rows.append(f"| {path.stem} | {name} | {short(p)} | {cpu:.2f} | {wall:.2f} {spacer}")
            progress(rows[-1])
    rows.append("")
    rows.append(f"Slowest successful induction proof: {worst:.2f} s wall (target: under 5 s each). "
                "*Not inductive*: true in every reachable state (the explicit engine says so) but not "
                "provable by induction without a helper invariant; for the corrected (`_fixed`) models, "
                "Spacer was asked to find one by itself (`verifier prove --chc`, which prints it).")
    return rows


def bmc_table(depth: int) -> list[str]:
    model = load_model(spec_model(ROOT / "specs" / "triad.fsl"))
    runs = {}
    for label, opts in [("search only", ProveOptions(mode=BMC, depth=depth, induct=False, completeness=False)),
                        ("default", ProveOptions(mode=BMC, depth=depth))]:
        marks: list[tuple[int, float, float]] = []
        c0 = time.process_time()
        res, cpu, wall = timed(lambda opts=opts, marks=marks, c0=c0: run_bmc(
            model, opts, on_depth=lambda d, t: marks.append((d, t, time.process_time() - c0))))
        runs[label] = (marks, res)
    rows = ["| depth | search only: wall s | CPU s | default (induction pass + completeness check): wall s | CPU s |",
            "|--:|--:|--:|--:|--:|"]
    a, b = runs["search only"][0], runs["default"][0]
    for i in range(len(a)):
        da = a[i]
        db = b[i] if i < len(b) else None
        rows.append(f"| {da[0]} | {da[1]:.2f} | {da[2]:.2f} | "
                    + (f"{db[1]:.2f} | {db[2]:.2f} |" if db else "- | - |"))
    res = runs["default"][1]
    found = ", ".join(f"{p.name} {len(p.trace.steps)}" for p in res.properties if p.trace)
    proved = ", ".join(p.name for p in res.properties if p.trace is None and p.verdict in (R.HOLDS, R.VACUOUS))
    rows += ["", f"Times are cumulative (the end of each depth). Counterexamples and witnesses (steps): {found}. "
             f"Proved by the induction pass: {proved or 'none'}. *Search only* asks for every open property "
             "at every depth, the helper invariants included; the default (what `verifier prove --bmc` "
             "runs) proves those by induction first and searches only the rest."]
    return rows


def hal_table(hi: int) -> list[str]:
    cfg = load_config(ROOT / "models" / "hal_n3.toml")
    rows = ["| N | result | CPU s | wall s |", "|--:|---|--:|--:|"]
    for n in range(3, hi + 1):
        model = load_model(with_overrides(cfg, constants={"N": n}))
        res, cpu, wall = timed(lambda model=model: run_induction(
            model, ProveOptions(reach_limit=0, minimize=False)))
        ok = sum(p.verdict == R.HOLDS for p in res.properties)
        rows.append(f"| {n} | proved {ok}/{len(res.properties)} | {cpu:.2f} | {wall:.2f} |")
    return rows + ["", "All invariants the model selects (the six shipped ones and the four helper "
                       "invariants of specs/hal.fsl), proved together."]


def chc_line() -> list[str]:
    model = load_model(spec_model(ROOT / "specs" / "epoch.fsl"))
    (res, found), cpu, wall = timed(lambda: run_chc(model, ProveOptions(mode=CHC)))
    ok = sum(p.verdict == R.HOLDS for p in res.properties)
    checked = sum(f.checked == "inductive" for f in found)
    return [f"specs/epoch.fsl: {ok}/{len(res.properties)} invariants proved for every epoch, "
            f"{checked} printed invariants re-checked inductive by our own pipeline; "
            f"{cpu:.2f} s CPU, {wall:.2f} s wall (including the re-checks)."]


def block(quick: bool) -> str:
    models = sorted((ROOT / "models").glob("*.toml"))
    if quick:
        models = [m for m in models if m.stem.endswith("_fixed")][:6]
    parts = [machine(), "", "### Induction, per shipped invariant", ""]
    parts += induction_table(models)
    parts += ["", "### Bounded model checking of the triad (specs/triad.fsl, default constants)", ""]
    parts += bmc_table(12 if quick else 20)
    parts += ["", "### HAL, corrected design, N = 3..12 (`verifier prove models/hal_n3.toml --sizes 3..12`)", ""]
    parts += hal_table(6 if quick else 12)
    parts += ["", "### Spacer (CHC)", ""]
    parts += chc_line()
    return "\n".join(parts)


def update_doc(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    body = f"{BEGIN}\n\n{text}\n\n{END}"
    if BEGIN in doc and END in doc:
        doc = doc[:doc.index(BEGIN)] + body + doc[doc.index(END) + len(END):]
    elif SECTION in doc:
        doc = doc.replace(SECTION, f"{SECTION}\n\n{INTRO}\n\n{body}\n", 1)
    else:
        doc = doc.rstrip("\n") + f"\n\n{SECTION}\n\n{INTRO}\n\n{body}\n"
    DOC.write_text(doc, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-doc", action="store_true")
    args = ap.parse_args()
    text = block(args.quick)
    print(text)
    if not args.no_doc:
        update_doc(text)


if __name__ == "__main__":
    main()
