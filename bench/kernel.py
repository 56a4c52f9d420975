"""The kernel engine on the shipped specs (not a test): HAL per N, the full triad, models/.

    python3 bench/kernel.py                # everything (< 15 min on the 2-core machine)
    python3 bench/kernel.py --no-base      # without the pre-kernel checkout (81aac4d)
    python3 bench/kernel.py --no-doc       # print the tables only

Each figure is one fresh process, its peak RSS measured by the kernel (getrusage of the
child). For HAL (specs/hal.fsl with models/hal_n5.toml's caps) at N = 6, 8, 10, 12 and
for the full specs/triad.fsl (no fault caps) it records distinct states, search and
compile seconds, states per second, the store (bytes per state times states) and the
peak RSS over the RSS of the same process on a tiny model (what the search itself
added). For `verifier check models/ -q --no-reports` it measures the wall time with a
warm cache (a second run) and a cold one (empty kernel and numba caches), this checkout
against the last one before the kernel engine (81aac4d, in a temporary git worktree),
back to back. The machine is shared: compare the ratios within one run.

The HAL table replaces the block between its markers in docs/models.md, the rest the
block in docs/benchmarks.md; every figure goes to bench/out/kernel.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "kernel.json"
BENCH_DOC = ROOT / "docs" / "benchmarks.md"
MODELS_DOC = ROOT / "docs" / "models.md"
BEGIN = "<!-- bench/kernel.py: begin -->"
END = "<!-- bench/kernel.py: end -->"
BASE = "81aac4d"  # the last commit before the kernel engine (issue 13's "today")
HAL_N = (6, 8, 10, 12)
# HAL's invariants: the per-N rows measure the search (its liveness properties are
# checked afterwards on the kernel's graph, measured apart at the largest N)
HAL_SAFETY = ("NoOverIssue", "ShareConservation", "ServedSharesWithinLicenses", "TableWithinShare",
              "OneCheckoutPerHandle", "ServeOnlyInGroup", "GroupShareCurrent", "TableWithinRecord",
              "SeatInOneTable", "TablesMatchHolders")
TIMEOUT = 1200


@dataclass(frozen=True)
class Run:
    label: str
    states: int
    transitions: int
    search_s: float
    compile_s: float
    wall_s: float
    rss_mb: float
    bytes_per_state: float
    backend: str
    first_wall_s: float = 0.0   # the same command's wall time with no kernel in the cache

    @property
    def rate(self) -> float:
        return self.states / self.search_s if self.search_s > 0 else 0.0

    @property
    def store_mb(self) -> float:
        return self.bytes_per_state * self.states / 2**20


def check(label: str, target: str, consts: dict[str, int], env: dict[str, str],
          extra: tuple[str, ...] = ()) -> Run:
    """The command run twice: the figures of the second run (the kernel's O3 code from the
    cache, as every run after the first has it), the compile time and wall time of the
    first (which compiles the first tier's code and switches to O3's mid-search)."""
    first = _check_once(label, target, consts, env, extra)
    again = _check_once(label, target, consts, env, extra)
    return dataclasses.replace(again, compile_s=first.compile_s, first_wall_s=first.wall_s)


def _check_once(label: str, target: str, consts: dict[str, int], env: dict[str, str],
                extra: tuple[str, ...] = ()) -> Run:
    cmd = [sys.executable, "-m", "verifier", "check", target, "--json", "--no-reports",
           "--engine", "kernel", *extra]
    for k, v in consts.items():
        cmd += ["--const", f"{k}={v}"]
    wrapped = [sys.executable, "-c",
               "import resource,runpy,sys,json;sys.argv=['verifier']+sys.argv[1:];"
               "import atexit;atexit.register(lambda: print(json.dumps({'rss_kb': "
               "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), file=sys.stderr));"
               "runpy.run_module('verifier', run_name='__main__')", *cmd[3:]]
    t0 = time.monotonic()
    p = subprocess.run(wrapped, cwd=ROOT, env={**os.environ, **env}, capture_output=True,
                       text=True, timeout=TIMEOUT, check=False)
    wall = time.monotonic() - t0
    if p.returncode not in (0, 1):
        raise SystemExit(f"bench: {label} exited {p.returncode}:\n{p.stderr[-2000:]}")
    r = json.loads(p.stdout)["results"][0]
    rss_kb = json.loads(p.stderr.strip().splitlines()[-1])["rss_kb"]
    s = r["stats"]
    return Run(label, s["states"], s["transitions"], s["seconds"], s.get("compile_seconds", 0.0),
               wall, rss_kb / 1024, s["bytes_per_state"], r.get("backend", "?"))


def end_to_end(checkout: Path, cold: bool, cache: Path) -> float:
    """Wall seconds of `verifier check models/ -q --no-reports` in ``checkout``."""
    env = {"VERIFIER_CACHE_DIR": str(cache / "verifier"), "NUMBA_CACHE_DIR": str(cache / "numba"),
           "PYTHONPATH": str(checkout), "PYTHONDONTWRITEBYTECODE": "1"}
    if cold:
        shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "verifier", "check", "models/", "-q", "--no-reports"]
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=checkout, env={**os.environ, **env}, capture_output=True, text=True,
                       timeout=TIMEOUT, check=False)
    if p.returncode != 0:
        raise SystemExit(f"bench: models/ in {checkout} exited {p.returncode}:\n{p.stderr[-2000:]}")
    return time.monotonic() - t0


def measure(args: argparse.Namespace) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="verifier-kbench-"))
    env = {"VERIFIER_CACHE_DIR": str(work / "cache")}
    try:
        tiny = check("tiny", "models/hal_seat_theft.toml", {}, env)
        safety = tuple(a for name in HAL_SAFETY for a in ("--property", name))
        hal = [check(f"HAL N={n}, invariants", "models/hal_n5.toml", {"N": n}, env,
                     ("--no-symmetry", *safety)) for n in HAL_N]
        top = HAL_N[-1]
        hal_all = [check(f"HAL N={top}, all properties", "models/hal_n5.toml", {"N": top}, env,
                         ("--no-symmetry",)),
                   check(f"HAL N={top}, all properties, symmetric", "models/hal_n5.toml", {"N": top},
                         env)]
        triad = check("triad (full)", "specs/triad.fsl", {}, env)
        print("search figures done", file=sys.stderr, flush=True)
        e2e: dict[str, dict[str, float]] = {}
        checkouts = {"this": ROOT}
        if not args.no_base:
            base = work / "base"
            subprocess.run(["git", "worktree", "add", "--detach", str(base), BASE], cwd=ROOT,
                           check=True, capture_output=True)
            checkouts["base"] = base
        try:
            for rnd in range(args.reps):
                for name, where in checkouts.items():
                    cache = work / f"e2e-{name}"
                    cold = end_to_end(where, True, cache)
                    warm = end_to_end(where, False, cache)
                    best = e2e.setdefault(name, {"cold": cold, "warm": warm})
                    best["cold"] = min(best["cold"], cold)
                    best["warm"] = min(best["warm"], warm)
                    print(f"models/ {name} round {rnd + 1}: cold {cold:.1f} s, warm {warm:.1f} s",
                          file=sys.stderr, flush=True)
        finally:
            if "base" in checkouts:
                subprocess.run(["git", "worktree", "remove", "--force", str(checkouts["base"])],
                               cwd=ROOT, check=False, capture_output=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"tiny": tiny, "hal": hal, "hal_all": hal_all, "triad": triad, "e2e": e2e,
            "load": f"{os.getloadavg()[0]:.1f}", "date": datetime.date.today().isoformat(),
            "version": subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                                      capture_output=True, text=True, check=False).stdout.strip()}


def _row(r: Run, base_mb: float) -> str:
    added = max(0.0, r.rss_mb - base_mb)
    ratio = f"{added / r.store_mb:.1f}x" if r.store_mb > 1 else "-"
    return (f"| {r.label} | {r.states:,} | {r.transitions:,} | {r.search_s:.2f} | {r.compile_s:.2f} | "
            f"{r.rate / 1e6:.2f}M | {r.bytes_per_state:.1f} | {r.store_mb:.1f} | {r.rss_mb:.0f} | "
            f"{added:.0f} | {ratio} | {r.wall_s:.1f} | {r.first_wall_s:.1f} |")


HEAD = ("| Run | States | Transitions | Search s | Compile s (first run) | States/s | Bytes/state | "
        "Store MiB | Peak RSS MiB | RSS over baseline MiB | Added RSS / store | Wall s | "
        "First run wall s |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
NOTE = ("Each row runs its command twice in fresh processes: the figures are the second run's "
        "(the kernel's O3 code from the cache), the compile time and the last column the first "
        "run's, which compiles the quick first tier and switches to O3's code mid-search.")


def render_hal(d: dict[str, object]) -> str:
    tiny: Run = d["tiny"]  # type: ignore[assignment]
    hal: list[Run] = d["hal"]  # type: ignore[assignment]
    hal_all: list[Run] = d["hal_all"]  # type: ignore[assignment]
    return "\n".join([
        BEGIN, "",
        f"HAL (`specs/hal.fsl` with the caps of `models/hal_n5.toml`, `--const N=...`) on the kernel "
        f"engine, one worker, measured {d['date']} by `python3 bench/kernel.py` at {d['version']} "
        f"(load {d['load']} on the 2-core machine). The baseline RSS ({tiny.rss_mb:.0f} MiB) is the "
        "same process on `models/hal_seat_theft.toml` (39 states): the interpreter, numba and "
        "llvmlite. The invariant rows check HAL's ten invariants without symmetry reduction "
        "(the search alone); the last rows check all fourteen properties, whose four liveness "
        "properties are checked afterwards on the kernel's states and edges, in native code "
        "(their time and memory are the difference). " + NOTE, "", HEAD,
        *(_row(r, tiny.rss_mb) for r in hal + hal_all), "", END])


def render_bench(d: dict[str, object]) -> str:
    tiny: Run = d["tiny"]  # type: ignore[assignment]
    triad: Run = d["triad"]  # type: ignore[assignment]
    hal: list[Run] = d["hal"]  # type: ignore[assignment]
    e2e: dict[str, dict[str, float]] = d["e2e"]  # type: ignore[assignment]
    lines = [BEGIN, "",
             f"Measured {d['date']} by `python3 bench/kernel.py` at {d['version']} (load {d['load']}). "
             "One worker. " + NOTE, "", HEAD, _row(hal[-1], tiny.rss_mb),
             _row(triad, tiny.rss_mb), ""]
    if e2e:
        lines += ["`verifier check models/ -q --no-reports` (27 models), wall seconds, best of the "
                  "rounds; cold = empty kernel and numba caches:", "",
                  "| Checkout | Cold | Warm |", "|---|---:|---:|"]
        for name, v in e2e.items():
            label = "this checkout" if name == "this" else f"{BASE} (before the kernel engine)"
            lines.append(f"| {label} | {v['cold']:.1f} | {v['warm']:.1f} |")
        if "base" in e2e:
            b, t = e2e["base"], e2e["this"]
            lines += ["", f"Speed-up over {BASE}: warm {b['warm'] / t['warm']:.2f}x, "
                      f"cold {b['cold'] / t['cold']:.2f}x."]
    return "\n".join(lines + ["", END])


def replace_block(doc: Path, block: str, section: str) -> None:
    text = doc.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.replace(section, section + "\n\n" + block, 1) if section in text \
            else text.rstrip("\n") + "\n\n" + section + "\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-doc", action="store_true", help="do not write docs/")
    ap.add_argument("--no-base", action="store_true", help=f"skip the {BASE} checkout")
    ap.add_argument("--reps", type=int, default=2, help="rounds of the models/ runs (best taken)")
    args = ap.parse_args()
    d = measure(args)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({k: ([asdict(x) for x in v] if isinstance(v, list) else
                                   asdict(v) if isinstance(v, Run) else v) for k, v in d.items()},
                              indent=2) + "\n", encoding="utf-8")
    hal, bench = render_hal(d), render_bench(d)
    print(hal, bench, sep="\n\n")
    if not args.no_doc:
        replace_block(MODELS_DOC, hal, "### HAL on the kernel engine, N = 6..12")
        replace_block(BENCH_DOC, bench, "### The kernel engine on the shipped specs")


if __name__ == "__main__":
    main()
