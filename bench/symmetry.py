"""Symmetry reduction on HAL (not a test): N = 3..12 members with the hal_n5 caps.

    python3 bench/symmetry.py                 # N = 3..12, the Markdown table of docs/models.md
    python3 bench/symmetry.py 3 4 5 --budget 60

Each run is ``verifier check models/hal_n5.toml --const N=K --json`` in its own process
(every property of hal_n5, AllLicensesServed included), once reduced (the default) and once
with ``--no-symmetry`` while the unreduced check finishes within ``--budget`` seconds
(``--time-limit``); from the first N where it does not, only the reduced check runs. The
table gives the distinct states of both, the wall time of the whole process (start-up and
the kernel's compilation included: the kernel cache is cleared first unless ``--warm``),
the search's own time, the peak memory the check reports, and whether every verdict agrees.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "hal_n5.toml"


def _run(n: int, reduced: bool, budget: float | None, cache: str) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "verifier", "check", str(MODEL), "--const", f"N={n}", "--json",
           "--no-reports"]
    if not reduced:
        cmd.append("--no-symmetry")
    if budget is not None:
        cmd += ["--time-limit", str(budget)]
    env = dict(os.environ, VERIFIER_CACHE_DIR=cache)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    doc = json.loads(out.stdout)
    r = doc["results"][0]
    return {"wall": wall, "states": r["stats"]["states"], "search": r["stats"]["seconds"],
            "memory": r["stats"]["peak_memory_mb"], "complete": r["complete"],
            "verdicts": {p["name"]: p["verdict"] for p in r["properties"]},
            "symmetry": r.get("symmetry")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=list(range(3, 13)))
    ap.add_argument("--budget", type=float, default=120.0, help="seconds for each unreduced check")
    ap.add_argument("--warm", action="store_true", help="keep the kernel cache (no compile times)")
    args = ap.parse_args()
    rows = []
    full_ok = True
    with tempfile.TemporaryDirectory() as tmp:
        cache = os.environ.get("VERIFIER_CACHE_DIR", tmp) if args.warm else tmp
        for n in args.sizes:
            red = _run(n, True, None, cache)
            full = _run(n, False, args.budget, cache) if full_ok else None
            if full is not None and not full["complete"]:
                full_ok = False
            rows.append((n, red, full))
            print(f"N={n}: reduced {red['states']:,} in {red['wall']:.1f} s; "
                  + ("unreduced skipped" if full is None else
                     f"unreduced {full['states']:,}{'' if full['complete'] else ' (stopped)'} "
                     f"in {full['wall']:.1f} s"), file=sys.stderr, flush=True)
    print("| N | states (reduced) | states (unreduced) | x | verdicts agree | time reduced "
          "(search) | time unreduced (search) | memory reduced | memory unreduced |")
    print("|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for n, red, full in rows:
        if full is None:
            f_states, ratio, agree, f_time, f_mem = "not run", "", "", "", ""
        elif not full["complete"]:
            f_states = f">{full['states']:,} (stopped at {args.budget:.0f} s)"
            ratio, agree, f_time, f_mem = "", "", f"{full['wall']:.1f} s", f"{full['memory']:.0f} MB"
        else:
            f_states = f"{full['states']:,}"
            ratio = f"{full['states'] / red['states']:.1f}"
            agree = "yes" if full["verdicts"] == red["verdicts"] else "**no**"
            f_time = f"{full['wall']:.1f} s ({full['search']:.1f} s)"
            f_mem = f"{full['memory']:.0f} MB"
        held = sum(v == "holds" for v in red["verdicts"].values())
        print(f"| {n} | {red['states']:,} | {f_states} | {ratio} | {agree} | "
              f"{red['wall']:.1f} s ({red['search']:.1f} s) | {f_time} | {red['memory']:.0f} MB | "
              f"{f_mem} |  <!-- {held}/{len(red['verdicts'])} hold -->")


if __name__ == "__main__":
    main()
