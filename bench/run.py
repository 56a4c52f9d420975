"""Benchmark of the explicit engine against a hand-tuned search and SPIN (not a test).

    python3 bench/run.py            # full run, sizes up to ~8M states (< 20 min)
    python3 bench/run.py --quick    # sizes up to ~3M states, one timing each (< 3 min)
    python3 bench/run.py --no-doc   # print the table only

For each size of bench/counters.fsl it runs, back to back and each in a fresh process:
verifier's kernel engine (one and two workers), the hand-tuned pure-Python search of bench/handtuned_counters.py
and SPIN on an equivalent Promela model generated here (one d_step per transition of ours,
so SPIN's "states, stored" equals our distinct count, and its "transitions" ours plus one
for the initial state). It checks that all three agree on the counts, takes the best of
the repeated timings, measures each process's peak RSS (GNU time) and subtracts the peak RSS
of the same tool on a tiny size, so that "RSS/state" is what a state costs. It
also runs bench/ring.fsl (leader election with crashes; fewer transitions per state) at
0.15M, 2.3M and 7.4M states with verifier and SPIN, the generated-Python stepper on the
smallest sizes and the reference-semantics engine on a small size, for the ratios.

Times are CPU seconds (user + system) of the search, not wall time: the machine is shared,
and CPU time is what the search costs whichever other jobs run. The results replace the
block between the markers of the "Explicit engine" section of docs/benchmarks.md, and every
figure goes to bench/out/explicit.json. SPIN rows need `spin` and `gcc` on the PATH
(`apt-get install spin`); without them they are left out.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- bench/run.py: begin -->"
END = "<!-- bench/run.py: end -->"
SECTION = "## Explicit engine"
CHILD_TIMEOUT = 900  # seconds; one run never takes longer


@dataclass(frozen=True)
class Size:
    label: str
    spec: str                 # file name under bench/
    consts: tuple[tuple[str, int], ...]
    expect: int | None = None  # distinct states, when known in closed form

    @property
    def args(self) -> dict[str, int]:
        return dict(self.consts)

    def show(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.consts)


def counters(label: str, n: int, k: int) -> Size:
    return Size(label, "counters.fsl", (("N", n), ("K", k)), (3 * (k + 1)) ** n)


SIZES = [counters("0.25M", 5, 3), counters("1M", 4, 10), counters("3M", 6, 3)]
FULL_ONLY = [counters("8M", 5, 7)]
RINGS = [Size("ring", "ring.fsl", (("N", 5), ("CRASHES", 2))), Size("ring", "ring.fsl", (("N", 6), ("CRASHES", 2)))]
RING_FULL_ONLY = [Size("ring", "ring.fsl", (("N", 6), ("CRASHES", 3)))]
RING = RINGS[0]
TINY = {"counters.fsl": counters("tiny", 2, 1), "ring.fsl": Size("tiny", "ring.fsl", (("N", 2), ("CRASHES", 0)))}
# The reference engine is ~100x slower: a small size (20,736 states; 6,561 with --quick).
REFERENCE = counters("20k", 4, 3)
REFERENCE_QUICK = counters("7k", 4, 2)


@dataclass
class Run:
    tool: str
    size: Size
    states: int
    transitions: int
    cpu: float                 # CPU seconds of the search
    wall: float                # wall seconds of the search
    rss_kb: int                # peak RSS of the whole process
    stored_bps: float | None = None  # bytes a stored state costs, by the tool's own account
    runs: int = 1
    extra: dict[str, object] = field(default_factory=dict)


# ---- children ------------------------------------------------------------------------------

GNU_TIME = "/usr/bin/time"


def _spawn(cmd: list[str], cwd: Path | None = None) -> tuple[str, int, float]:
    """Run ``cmd``; (stdout, peak RSS in KiB, CPU seconds) of that process alone.

    The process is started by GNU time: a child forked from this Python process and then
    exec'd keeps this process's resident size as its own high-water mark (Linux carries
    ``maxrss`` across exec), which would hide the peak of a small run. Without GNU time,
    the figures come from ``RUSAGE_CHILDREN`` and are only right for the biggest runs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        stats = Path(tmp) / "rusage"
        timed = [GNU_TIME, "-f", "%M %U %S", "-o", str(stats)] + cmd if os.path.exists(GNU_TIME) else cmd
        with open(Path(tmp) / "out", "w+b") as out, open(Path(tmp) / "err", "w+b") as err:
            proc = subprocess.Popen(timed, stdout=out, stderr=err, cwd=cwd)
            try:
                proc.wait(timeout=CHILD_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise SystemExit(f"bench: {' '.join(cmd)} took longer than {CHILD_TIMEOUT} s") from None
            out.seek(0)
            err.seek(0)
            text = out.read().decode()
            if proc.returncode != 0:
                raise SystemExit(f"bench: {' '.join(cmd)} failed ({proc.returncode}):\n"
                                 f"{text[-2000:]}{err.read().decode()[-2000:]}")
        if stats.exists():
            rss, user, system = stats.read_text().split()[-3:]
            return text, int(rss), float(user) + float(system)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # maxrss: a maximum over all children so far
    return text, ru.ru_maxrss, ru.ru_utime + ru.ru_stime - before.ru_utime - before.ru_stime


# engine name -> CheckOptions fields (the kernel engine on one or two workers, the
# generated-Python stepper, the reference semantics)
ENGINES = {"kernel": {"kernel": "on"}, "kernel2": {"kernel": "on", "workers": 2},
           "python": {"kernel": "off", "compiled": "on"}, "reference": {"kernel": "off", "compiled": "off"}}
TOOL = {"kernel": "verifier", "kernel2": "verifier 2w", "python": "verifier python", "reference": "reference"}


def child_verifier(spec: str, consts: list[str], engine: str) -> None:
    """In a child process: one search, printed as a JSON line. For the kernel, a first
    run with a state limit of 1 compiles the model (or loads it from the cache) and loads
    the search loop, so that the timed run is the search alone, as SPIN's is; the
    compile time is reported apart."""
    sys.path.insert(0, str(ROOT))
    from verifier.config import spec_model, with_overrides
    from verifier.config.load import load_model
    from verifier.engine import run_check
    from verifier.engine.options import CheckOptions

    values = {k: int(v) for k, v in (c.split("=") for c in consts)}
    model = load_model(with_overrides(spec_model(BENCH / spec), constants=values))
    opts = CheckOptions(**ENGINES[engine])  # type: ignore[arg-type]
    compile_s = 0.0
    if opts.kernel == "on":
        warm = run_check(model, CheckOptions(**ENGINES[engine], max_states=1))  # type: ignore[arg-type]
        compile_s = warm.stats.compile_seconds
    c0 = time.process_time()
    result = run_check(model, opts)
    cpu = time.process_time() - c0
    st = result.stats
    print(json.dumps({"states": st.states, "transitions": st.transitions, "depth": st.depth,
                      "seconds": st.seconds, "cpu": cpu, "bytes_per_state": st.bytes_per_state,
                      "engine": result.engine, "backend": result.backend, "complete": result.complete,
                      "compile_seconds": compile_s}))


def run_verifier(size: Size, engine: str = "kernel") -> Run:
    cmd = [sys.executable, __file__, "--child", engine, size.spec] + \
          [f"{k}={v}" for k, v in size.consts]
    text, rss, _ = _spawn(cmd)
    r = json.loads(text.strip().splitlines()[-1])
    assert r["complete"], r
    return Run(TOOL[engine], size, r["states"], r["transitions"], r["cpu"], r["seconds"], rss,
               r["bytes_per_state"], extra={"depth": r["depth"], "compile": r["compile_seconds"],
                                            "backend": r["backend"]})


def run_handtuned(size: Size) -> Run:
    a = size.args
    text, rss, _ = _spawn([sys.executable, str(BENCH / "handtuned_counters.py"), str(a["N"]), str(a["K"])])
    r = json.loads(text.strip().splitlines()[-1])
    return Run("hand-tuned", size, r["states"], r["transitions"], r["cpu"], r["seconds"], rss)


# ---- SPIN ----------------------------------------------------------------------------------

def promela_counters(n: int, k: int) -> str:
    """bench/counters.fsl in Promela: one d_step per transition of ours; Reset's
    `either { work = 0 } or { skip }` is two options, as it is two transitions for us."""
    lines = [f"/* bench/counters.fsl with N={n}, K={k}; generated by bench/run.py */",
             f"#define N {n}", f"#define K {k}",
             "#define READY 0", "#define BUSY 1", "#define DONE 2",
             "byte phase[N];", "byte work[N];", "", "active proctype counters() {", "  do"]
    for p in range(n):
        lines += [
            f"  :: d_step {{ phase[{p}] == READY -> phase[{p}] = BUSY }}",
            f"  :: d_step {{ phase[{p}] == BUSY && work[{p}] < K -> work[{p}]++ }}",
            f"  :: d_step {{ phase[{p}] == BUSY -> phase[{p}] = DONE }}",
            f"  :: d_step {{ phase[{p}] == DONE -> phase[{p}] = READY; work[{p}] = 0 }}",
            f"  :: d_step {{ phase[{p}] == DONE -> phase[{p}] = READY }}"]
    return "\n".join(lines + ["  od", "}", ""])


def promela_ring(n: int, crashes: int) -> str:
    """bench/ring.fsl in Promela. Deliver(n, c) with its pick of the next live node m is
    one option per (n, m): the guard spells out "every node strictly between is down".
    Some states have no transition (everyone agrees on a leader, no crash left): the `end`
    label makes them valid end states rather than errors, as they are for us without
    --deadlock."""
    lines = [f"/* bench/ring.fsl with N={n}, CRASHES={crashes}; generated by bench/run.py */",
             f"#define N {n}", f"#define CRASHES {crashes}", "#define NONE 255",
             "bool up[N] = true;", "byte leader[N] = NONE;", "byte msg[N] = NONE;",
             "byte crashes = 0;", "", "active proctype ring() {", "end:", "  do"]
    for a in range(n):
        lines.append(f"  :: d_step {{ up[{a}] && leader[{a}] == NONE && msg[{a}] == NONE -> msg[{a}] = {a} }}")
    for a in range(n):
        for m in range(n):
            if m == a:
                continue
            between = "".join(f" && !up[{(a + d) % n}]" for d in range(1, (m - a) % n))
            lines += [
                f"  :: d_step {{ msg[{a}] != NONE && up[{m}]{between} && !(msg[{a}] > {m} && msg[{m}] != NONE) ->",
                f"       if :: msg[{a}] == {m} -> leader[{m}] = {m}",
                f"          :: msg[{a}] > {m} -> msg[{m}] = msg[{a}]; leader[{m}] = NONE",
                "          :: else -> skip fi;",
                f"       msg[{a}] = NONE }}"]
    for a in range(n):
        lines.append(f"  :: d_step {{ up[{a}] && crashes < CRASHES -> up[{a}] = false; "
                     f"leader[{a}] = NONE; msg[{a}] = NONE; crashes++ }}")
    for a in range(n):
        lines.append(f"  :: d_step {{ !up[{a}] -> up[{a}] = true }}")
    for a in range(n):
        lines.append(f"  :: d_step {{ up[{a}] && leader[{a}] != NONE && !up[leader[{a}]] -> leader[{a}] = NONE }}")
    for a in range(n):
        for b in range(n):
            if b != a:
                lines.append(f"  :: d_step {{ up[{a}] && leader[{a}] == NONE && up[{b}] && "
                             f"leader[{b}] == {b} -> leader[{a}] = {b} }}")
    return "\n".join(lines + ["  od", "}", ""])


def _promela(size: Size) -> str:
    a = size.args
    return promela_counters(a["N"], a["K"]) if size.spec == "counters.fsl" else promela_ring(a["N"], a["CRASHES"])


class Spin:
    """Builds one pan per size (compilation is not timed) under a scratch folder."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.built: dict[Size, Path] = {}

    def build(self, size: Size) -> Path:
        if size not in self.built:
            d = self.work / f"{size.spec.removesuffix('.fsl')}_{size.show().replace(', ', '_').replace('=', '')}"
            d.mkdir(parents=True, exist_ok=True)
            (d / "model.pml").write_text(_promela(size))
            subprocess.run(["spin", "-a", "model.pml"], cwd=d, check=True, capture_output=True)
            subprocess.run(["gcc", "-O2", "-DSAFETY", "-DNOREDUCE", "-DMEMLIM=16384", "-o", "pan", "pan.c"],
                           cwd=d, check=True, capture_output=True)
            self.built[size] = d
        return self.built[size]

    def run(self, size: Size, states_hint: int) -> Run:
        d = self.build(size)
        # DFS (SPIN's default): the stack may get as deep as there are states
        w = max(10, math.ceil(math.log2(states_hint + 1)) + 1)
        text, rss, cpu = _spawn(["./pan", f"-m{states_hint + 1000}", f"-w{w}"], cwd=d)
        if "max search depth too small" in text or "errors: 0" not in text:
            raise SystemExit(f"bench: SPIN did not finish a clean search of {size.show()}:\n{text}")

        def num(pattern: str) -> float:
            m = re.search(pattern, text)
            assert m, (pattern, text)
            return float(m.group(1))

        stored = int(num(r"(\d+) states, stored"))
        return Run("SPIN", size, stored, int(num(r"(\d+) transitions \(")) - 1, cpu,
                   num(r"elapsed time ([\d.e+-]+) seconds"), rss,
                   num(r"([\d.]+)\s+actual memory usage for states") * 2**20 / stored,
                   extra={"depth": int(num(r"depth reached (\d+)")), "w": w,
                          "total_mb": num(r"([\d.]+)\s+total actual memory usage")})


def spin_version() -> str | None:
    if not shutil.which("spin"):
        return None
    out = subprocess.run(["spin", "-V"], capture_output=True, text=True).stdout.strip()
    return out.removeprefix("Spin Version ").split(" --")[0]


# ---- the run -------------------------------------------------------------------------------

def best(runs: list[Run]) -> Run:
    b = min(runs, key=lambda r: r.cpu)
    b.runs = len(runs)
    b.rss_kb = min(r.rss_kb for r in runs)
    return b


def agree(a: Run, b: Run) -> None:
    if (a.states, a.transitions) != (b.states, b.transitions):
        raise SystemExit(f"bench: {a.tool} and {b.tool} disagree on {a.size.show()}: "
                         f"{a.states:,}/{a.transitions:,} vs {b.states:,}/{b.transitions:,}")


def source_digest() -> str:
    """A digest of the sources on the explicit engine's path (front end, compiler, engine),
    to notice an engine edited during the run."""
    import hashlib
    h = hashlib.sha256()
    files = [p for p in (ROOT / "verifier").rglob("*.py") if "__pycache__" not in p.parts]
    for f in sorted(files):
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def git_version() -> str:
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def measure(args: argparse.Namespace) -> dict[str, object]:
    t_start = time.monotonic()
    digest = source_digest()
    budget = 170 if args.quick else 1140
    reserve = 30 if args.quick else 100  # wall seconds kept for the ring model and the reference
    sizes = SIZES if args.quick else SIZES + FULL_ONLY
    reference = REFERENCE_QUICK if args.quick else REFERENCE
    reps = args.reps or (1 if args.quick else 2)
    have_spin = spin_version() is not None
    work = Path(tempfile.mkdtemp(prefix="verifier-bench-"))
    spin = Spin(work) if have_spin else None
    skipped: list[Size] = []

    def elapsed() -> float:
        return time.monotonic() - t_start

    def note(msg: str) -> None:
        print(f"[{elapsed():6.1f}s] {msg}", file=sys.stderr, flush=True)

    def one_round(size: Size, tools: dict[str, list[Run]]) -> None:
        v = run_verifier(size)
        tools.setdefault("verifier", []).append(v)
        if size.expect is not None and v.states != size.expect:
            raise SystemExit(f"bench: expected {size.expect:,} states, verifier found {v.states:,}")
        v2 = run_verifier(size, "kernel2")
        agree(v, v2)
        tools.setdefault("verifier 2w", []).append(v2)
        if size is SIZES[0] or size is RING:  # the generated-Python stepper, for the ratio
            p = run_verifier(size, "python")
            agree(v, p)
            tools.setdefault("verifier python", []).append(p)
        if size.spec == "counters.fsl":
            h = run_handtuned(size)
            agree(v, h)
            tools.setdefault("hand-tuned", []).append(h)
        if spin:
            s = spin.run(size, v.states)
            agree(v, s)
            tools.setdefault("SPIN", []).append(s)
        note(f"{size.spec} {size.show()}: " + ", ".join(f"{t} {rs[-1].cpu:.2f}s" for t, rs in tools.items()))

    try:
        base = {"verifier": run_verifier(TINY["counters.fsl"]).rss_kb,
                "hand-tuned": run_handtuned(TINY["counters.fsl"]).rss_kb}
        if spin:
            base["SPIN"] = spin.run(TINY["counters.fsl"], 1000).rss_kb
        note(f"baseline peak RSS (KiB): {base}")
        results: list[tuple[Size, dict[str, Run]]] = []
        wall_per_state: float | None = None   # one round of every tool, from the last size
        rings = RINGS if args.quick else RINGS + RING_FULL_ONLY
        for size in sizes + rings:
            if spin:
                spin.build(size)
            n = size.expect or 0
            if size.spec != "ring.fsl" and wall_per_state and elapsed() + wall_per_state * n > budget - reserve:
                note(f"time budget: skipping {size.show()} (about {wall_per_state * n:.0f} s)")
                skipped.append(size)
                continue
            tools: dict[str, list[Run]] = {}
            for rep in range(reps):
                t0 = time.monotonic()
                one_round(size, tools)
                took = time.monotonic() - t0
                if rep == 0 and n:
                    wall_per_state = took / n
                if rep + 1 < reps and elapsed() + 1.1 * took > budget - (0 if size.spec == "ring.fsl" else reserve):
                    note(f"time budget: one timing only for {size.show()}")
                    break
            results.append((size, {t: best(rs) for t, rs in tools.items()}))
        ref = run_verifier(reference, "reference")
        comp = best([run_verifier(reference) for _ in range(reps)])
        agree(comp, ref)
        note(f"reference {ref.cpu:.2f}s vs kernel {comp.cpu:.2f}s on {reference.show()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    changed = source_digest() != digest
    if changed:
        note("warning: verifier's sources changed during the run; the figures mix versions")
    return {"results": results, "base": base, "reference": (ref, comp), "skipped": skipped,
            "seconds": elapsed(), "reps": reps, "spin": have_spin, "version": git_version(),
            "digest": digest, "changed": changed}


# ---- rendering -----------------------------------------------------------------------------

def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy
    load = f"{os.getloadavg()[0]:.1f}"
    return {"cpu": cpu, "nproc": str(os.cpu_count()), "python": platform.python_version(),
            "numpy": numpy.__version__, "spin": spin_version() or "not installed", "load": load}


def _rate(x: float) -> str:
    return f"{x / 1e6:.2f}M" if x >= 1e6 else f"{x / 1e3:.0f}k"


def render(data: dict[str, object], quick: bool, load_before: str) -> str:
    m = machine()
    base: dict[str, int] = data["base"]  # type: ignore[assignment]
    results: list[tuple[Size, dict[str, Run]]] = data["results"]  # type: ignore[assignment]
    ref, comp = cast(tuple[Run, Run], data["reference"])
    reps = cast(int, data["reps"])
    skipped: list[Size] = data["skipped"]  # type: ignore[assignment]
    out = [BEGIN, "",
           f"Measured {datetime.date.today().isoformat()} by `python3 bench/run.py{' --quick' if quick else ''}` "
           f"in {data['seconds']:.0f} s on {m['nproc']} × {m['cpu']}, Python {m['python']}, "
           f"numpy {m['numpy']}, SPIN {m['spin']} (gcc -O2). Load average before / after: "
           f"{load_before} / {m['load']} (a shared machine with other jobs running). verifier "
           f"{data['version']} (sources digest {data['digest']})"
           + (" — **its sources changed during the run: rerun**" if data["changed"] else "") + ".", "",
           "Times are CPU seconds of the search (user + system; for verifier and the hand-tuned search "
           "measured in the process around the search, so start-up, parsing and the kernel's compilation "
           "are left out (column *compile s*: generating and compiling the model's kernel, from the "
           "machine-code cache when it holds it); for SPIN the whole pan process, its compilation left "
           f"out), {'best of up to ' + str(reps) + ' runs (column *runs*; fewer when the time budget says so)' if reps > 1 else 'one run'}"
           ", each in a fresh process; tools run "
           "back to back for each size. *verifier* is the kernel engine (the default) on one worker, "
           "*verifier 2w* on two (`--workers 2`; its CPU time counts both cores, so compare wall "
           "times), *verifier python* the generated-Python stepper (`--engine python`). *Stored B/state*: "
           "the tool's own account of its seen-set "
           "(verifier: the kernel's state table (8 bytes a 64-bit word), its hash table of ids (4 bytes a "
           "slot at most 60% full, grown by doubling) and the parent links and transition ordinals (6 "
           "bytes), from `stats.bytes_per_state`; SPIN: pan's \"actual memory usage for states\"). *RSS B/state*: "
           "peak RSS of the process minus that of the same tool on a tiny size "
           f"(verifier {base['verifier'] / 1024:.0f} MiB, hand-tuned {base['hand-tuned'] / 1024:.0f} MiB"
           + (f", SPIN {base['SPIN'] / 1024:.0f} MiB" if "SPIN" in base else "") +
           "), divided by the states; for SPIN it includes the hash table (-w) and the DFS stack.", "",
           "| model | size | tool | states | transitions | CPU s | wall s | compile s | runs | states/s | "
           "transitions/s | stored B/state | RSS B/state |",
           "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for size, tools in results:
        for name, r in tools.items():
            rss = (r.rss_kb - base.get(name.split(" ")[0], 0)) * 1024 / r.states
            stored = f"{r.stored_bps:.1f}" if r.stored_bps is not None else "-"
            comp_s = f"{r.extra['compile']:.2f}" if "compile" in r.extra and name != "verifier python" else "-"
            speed = r.wall if name == "verifier 2w" else r.cpu
            out.append(f"| {size.spec.removesuffix('.fsl')} | {size.show()} | {name} | {r.states:,} | "
                       f"{r.transitions:,} | {r.cpu:.2f} | {r.wall:.2f} | {comp_s} | {r.runs} | "
                       f"{_rate(r.states / speed)} | {_rate(r.transitions / speed)} | {stored} | {rss:.0f} |")
    if skipped:
        out += ["", "Skipped to stay within the time budget: " + "; ".join(
            f"counters {z.show()} ({z.expect:,} states)" for z in skipped) + "."]
    out += ["", "Ratios in the same run (states/s of verifier, one worker (CPU time), divided by the "
            "other's; above 1: verifier is faster; two workers: wall time against one worker's):", "",
            "| model | size | verifier / hand-tuned | verifier / SPIN | verifier / its Python stepper | "
            "2 workers / 1 worker |", "|---|---|--:|--:|--:|--:|"]
    for size, tools in results:
        v = tools["verifier"]
        cells = []
        for other in ("hand-tuned", "SPIN", "verifier python"):
            o = tools.get(other)
            cells.append(f"{o.cpu / v.cpu:.2f}" if o else "-")
        two = tools.get("verifier 2w")
        cells.append(f"{v.wall / two.wall:.2f}" if two else "-")
        out.append(f"| {size.spec.removesuffix('.fsl')} | {size.show()} | " + " | ".join(cells) + " |")
    out += ["", f"Reference-semantics engine (`--engine reference`) on counters "
            f"{ref.size.show()} ({ref.states:,} states; a larger size would take minutes): "
            f"{ref.cpu:.1f} s, {_rate(ref.states / ref.cpu)} states/s, against {comp.cpu:.3f} s for the "
            f"kernel engine on the same size: the kernel is {ref.cpu / comp.cpu:.0f}× faster.",
            "", END]
    return "\n".join(out)


INTRO = """# Benchmarks

Speed and memory of verifier's engines, each in its own section. Figures come from
scripts in `bench/`; rerun them rather than editing the numbers by hand.
"""


def write_doc(block: str) -> None:
    text = DOC.read_text() if DOC.exists() else INTRO
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    elif SECTION in text:
        # the section exists without markers: put the block right under its heading
        head, rest = text.split(SECTION, 1)
        text = head + SECTION + "\n\n" + block + "\n" + rest.lstrip("\n")
    else:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{block}\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)


def save_raw(data: dict[str, object]) -> None:
    """Every figure of the run, for the record, under bench/out/ (not versioned)."""
    results: list[tuple[Size, dict[str, Run]]] = data["results"]  # type: ignore[assignment]
    rows = [dict(model=z.spec, consts=dict(z.consts), tool=r.tool, states=r.states,
                 transitions=r.transitions, cpu=r.cpu, wall=r.wall, runs=r.runs, rss_kb=r.rss_kb,
                 stored_bytes_per_state=r.stored_bps, extra=r.extra)
            for z, tools in results for r in tools.values()]
    for r in cast(tuple[Run, Run], data["reference"]):
        rows.append(dict(model=r.size.spec, consts=dict(r.size.consts), tool=r.tool, states=r.states,
                         transitions=r.transitions, cpu=r.cpu, wall=r.wall, runs=r.runs,
                         rss_kb=r.rss_kb, stored_bytes_per_state=r.stored_bps, extra=r.extra))
    out = BENCH / "out" / "explicit.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"date": datetime.date.today().isoformat(), "machine": machine(),
                               "baseline_rss_kb": data["base"], "rows": rows}, indent=1) + "\n")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_verifier(sys.argv[3], sys.argv[4:], sys.argv[2])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="sizes up to ~3M, one timing each (< 3 min)")
    ap.add_argument("--reps", type=int, help="timings per size (default: 2, quick: 1)")
    ap.add_argument("--no-doc", action="store_true", help="do not write docs/benchmarks.md")
    args = ap.parse_args()
    load_before = f"{os.getloadavg()[0]:.1f}"
    data = measure(args)
    block = render(data, args.quick, load_before)
    print(block)
    save_raw(data)
    if not args.no_doc:
        write_doc(block)
        print(f"bench: wrote {DOC.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
