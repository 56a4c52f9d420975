"""Where the compiled explicit engine spends its time (not a test).

    python3 bench/breakdown.py           # counters N=4, K=10 (1.19M states) and ring N=5, CRASHES=2
    python3 bench/breakdown.py --doc     # also write the tables into docs/benchmarks.md

Three measurements, CPU seconds:

1. The search split into the engine's own interfaces: the generated successor function
   (``Stepper.expand_level``), the monitors (``Stepper.scan``), the seen-set
   (``PackedStore.add_batch``) and the rest of the BFS loop (bookkeeping: parent links,
   next frontier, limits). Each interface is wrapped with a timer; they are called per
   chunk of states or per level, so the timers cost nothing measurable.
2. Inside the generated successor code: variants of the generated source with one kind of
   statement taken out (coverage counters, list appends, run-time range checks), each
   timed on the same list of reachable states; the difference is what that part costs.
   For the ring model, cProfile counts the calls the generated code makes to helpers.
3. The seen-set: the same candidate batches also fed to a Python ``set``, for comparison.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verifier.config import spec_model, with_overrides  # noqa: E402
from verifier.config.load import load_model  # noqa: E402
from verifier.engine import run as E  # noqa: E402
from verifier.engine.options import CheckOptions  # noqa: E402
from verifier.engine.store import PackedStore  # noqa: E402

BEGIN = "<!-- bench/breakdown.py: begin -->"
END = "<!-- bench/breakdown.py: end -->"
DOC = ROOT / "docs" / "benchmarks.md"


def load(spec: str, **consts: int) -> Any:
    return load_model(with_overrides(spec_model(ROOT / "bench" / spec), constants=consts))


class Timers:
    def __init__(self) -> None:
        self.t: dict[str, float] = {}
        self.shadow_set = 0.0
        self.widest = 0  # most successors in one level (one add_batch)

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*a: Any, **k: Any) -> Any:
            c0 = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                self.t[name] = self.t.get(name, 0.0) + time.process_time() - c0
        return timed


def breakdown(model: Any, shadow: bool) -> tuple[Timers, float, Any]:
    """One search with timed interfaces; with ``shadow``, a Python set also dedupes
    every batch (timed apart, not counted in the total)."""
    timers = Timers()
    orig_make, orig_add = E.make_stepper, PackedStore.add_batch  # type: ignore[attr-defined]
    seen: set[int] = set()

    def make(*a: Any, **k: Any) -> Any:
        st: Any = orig_make(*a, **k)
        st.expand_level = timers.wrap("successors (generated code)", st.expand_level)
        st.scan = timers.wrap("monitors (scan)", st.scan)
        return st

    def add(self: PackedStore, cands: list[int]) -> list[int]:
        timers.widest = max(timers.widest, len(cands))
        if shadow:
            c0 = time.process_time()
            out: list[int] = []
            add_, app = seen.add, out.append
            for i, c in enumerate(cands):
                if c not in seen:
                    add_(c)
                    app(i)
            timers.shadow_set += time.process_time() - c0
        c0 = time.process_time()
        try:
            return orig_add(self, cands)
        finally:
            timers.t["store (numpy add_batch)"] = timers.t.get("store (numpy add_batch)", 0.0) + \
                time.process_time() - c0

    E.make_stepper, PackedStore.add_batch = make, add  # type: ignore[attr-defined, method-assign, assignment]
    try:
        c0 = time.process_time()
        res = E.run_check(model, CheckOptions(compiled="on"))
        total = time.process_time() - c0
        if shadow:
            total -= timers.shadow_set
    finally:
        E.make_stepper, PackedStore.add_batch = orig_make, orig_add  # type: ignore[attr-defined, method-assign]
    return timers, total, res


# ---- variants of the generated successor code ---------------------------------------------

def drop_coverage(src: str) -> str:
    out, skip = [], 0
    for line in src.splitlines():
        if skip:
            skip -= 1
            continue
        s = line.strip()
        if re.fullmatch(r"x\d+ \+= 1", s) or re.match(r"(en|tk)\[\d+\] \+=", s):
            continue
        if re.fullmatch(r"if x\d+ != p\d+:", s):
            skip = 2
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def drop_appends(src: str) -> str:
    return re.sub(r"\bapp\(t\)", "pass", src)


def drop_checks(src: str) -> str:
    """Remove try/except _Err wrappers and `if not lo <= v <= hi: raise _Err()` lines."""
    lines = src.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        ind = len(line) - len(line.lstrip())
        if s == "try:":
            j = i + 1
            body: list[str] = []
            while not (lines[j].strip() == "except _Err:" and len(lines[j]) - len(lines[j].lstrip()) == ind):
                body.append(lines[j][4:])
                j += 1
            out.extend(body)
            j += 1
            while j < len(lines) and len(lines[j]) - len(lines[j].lstrip()) > ind:
                j += 1
            i = j
            continue
        if re.fullmatch(r"if not .* raise _Err\(\)", s):
            i += 1
            continue
        out.append(line)
        i += 1
    return "\n".join(out) + "\n"


def only_decode(src: str) -> str:
    """The loop over states and the field reads, no actions."""
    out = []
    in_actions = False
    for line in src.splitlines():
        s = line.strip()
        if s.startswith("# action"):
            in_actions = True
        if in_actions and s == "mark(len(out))":
            in_actions = False
        if not in_actions:
            out.append(line)
    return "\n".join(out) + "\n"


def inline_helpers(src: str, ns: dict[str, Any]) -> str:
    """Rewrite the generated source as a compiler could: an option compared with ``none``
    or a constant is compared by its encoded bits (``dec(b) == None`` becomes ``b == 0``),
    ``enc(3)`` becomes a literal and ``_mod(a, 5)`` ``a % 5`` (Python then folds constant
    arithmetic)."""
    def lo_of(fn: Any) -> int:
        cells = dict(zip(fn.__code__.co_freevars, (c.cell_contents for c in fn.__closure__ or ())))
        return int(cells.get("lo", 0))

    kinds = {}
    for name, v in ns.items():
        if re.fullmatch(r"_C\d+", name) and callable(v):
            if getattr(v, "__name__", "") == "<lambda>" and "_opt_decoder" in v.__qualname__:
                kinds[name] = ("dec", lo_of(v))
            elif "opt_encoder" in getattr(v, "__qualname__", ""):
                kinds[name] = ("enc", lo_of(v))
    # inline decoding already in the generated code: a test of the presence bit will do
    decoded = re.compile(r"\(None if not \(\((_t\d+) := (.+?)\) & 1\) else \(\1 >> 1\)( \+ -?\d+)?\) "
                         r"(==|!=) (None|\d+)\b")

    def bit_test(m: re.Match[str]) -> str:
        x, op, v = m.group(2), m.group(4), m.group(5)
        lo = int(m.group(3).replace("+", "")) if m.group(3) else 0
        enc = 0 if v == "None" else ((int(v) - lo) << 1) | 1
        return f"(({x}) {op} {enc})"

    src = decoded.sub(bit_test, src)
    call = re.compile(r"\b(_C\d+|_mod)\(")
    cmp = re.compile(r"\s*(==|!=)\s*(None|\d+)\b")

    def rewrite(text: str) -> str:
        out, i = [], 0
        while True:
            m = call.search(text, i)
            if not m:
                out.append(text[i:])
                return "".join(out)
            name = m.group(1)
            j, depth = m.end(), 1
            while depth:
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
            arg = rewrite(text[m.end():j - 1])
            out.append(text[i:m.start()])
            kind = kinds.get(name, ("mod", 0) if name == "_mod" else None)
            if kind is None:
                out.append(f"{name}({arg})")
            elif kind[0] == "dec":
                c = cmp.match(text, j)
                if c:
                    op, v = c.groups()
                    enc = 0 if v == "None" else ((int(v) - kind[1]) << 1) | 1
                    out.append(f"(({arg}) {op} {enc})")
                    j = c.end()
                else:
                    out.append(f"(None if not ({arg}) & 1 else (({arg}) >> 1) + {kind[1]})")
            elif kind[0] == "enc":
                if arg.strip() == "None":
                    out.append("0")
                elif arg.strip().isdigit():
                    out.append(str(((int(arg) - kind[1]) << 1) | 1))
                else:
                    out.append(f"(0 if ({arg}) is None else ((({arg}) - {kind[1]}) << 1) | 1)")
            else:
                a, _, b = arg.rpartition(",")
                out.append(f"(({a}) % {b.strip()})" if b.strip().isdigit() and int(b) else f"_mod({arg})")
            i = j
    return rewrite(src)


def run_variant(src: str, ns: dict[str, Any], states: list[int]) -> tuple[float, list[int]] | None:
    try:
        code = compile(src, "<variant>", "exec")
    except SyntaxError:
        return None
    env = dict(ns)
    exec(code, env)
    fn = env["expand_level"]
    out: list[int] = []
    ends: list[int] = []
    en, tk = [0] * 64, [0] * 64
    c0 = time.process_time()
    for lo in range(0, len(states), 2048):
        fn(states[lo:lo + 2048], out, ends, [], [], en, tk)
    return time.process_time() - c0, out


def variants(model: Any, states: list[int], reps: int) -> list[tuple[str, float | None, bool]]:
    """(name, best CPU s, same successors as the original) per variant; the variants run
    round-robin so that a burst of load on the shared machine hits them all alike."""
    from verifier.engine.codegen import generate
    src, ns = generate(model)
    inl = inline_helpers(src, ns)
    cands = [("generated code as is", src),
             ("without coverage counters", drop_coverage(src)),
             ("without run-time checks (try/except, range)", drop_checks(src)),
             ("without appending successors", drop_appends(src)),
             ("loop and field reads only (no actions)", only_decode(src))]
    if inl != src:
        cands.append(("options compared by their bits, encoders and `_mod` inlined", inl))
        cands.append(("inlined, no coverage counters, no checks", drop_checks(drop_coverage(inl))))
    best: dict[str, float] = {}
    same: dict[str, bool] = {}
    ref: list[int] | None = None
    for _ in range(reps):
        for name, code in cands:
            r = run_variant(code, ns, states)
            if r is None:
                continue
            t, out = r
            if ref is None:
                ref = out
            same[name] = out == ref
            best[name] = min(best.get(name, float("inf")), t)
            del out, r
    return [(name, best.get(name), same.get(name, False)) for name, _ in cands]


def helper_calls(model: Any, states: list[int]) -> list[tuple[str, int, float]]:
    """cProfile of the generated code alone: calls into helpers (option decoders, _mod...)."""
    from verifier.engine.codegen import generate
    src, ns = generate(model)
    env = dict(ns)
    exec(compile(src, "<generated>", "exec"), env)
    fn = env["expand_level"]
    n = 64
    prof = cProfile.Profile()
    prof.enable()
    fn(states, [], [], [], [], [0] * n, [0] * n)
    prof.disable()
    st = pstats.Stats(prof)
    agg: dict[str, list[float]] = {}
    for (_file, _line, func), (_cc, nc, tt, _ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        if func == "expand_level" or "disable" in func:
            continue
        key = {"<lambda>": "option decoders (_opt_decoder lambdas)",
               "enc": "option encoders (_opt_encoder)"}.get(func, func)
        a = agg.setdefault(key, [0, 0.0])
        a[0] += nc
        a[1] += tt
    return sorted(((k, int(v[0]), v[1]) for k, v in agg.items()), key=lambda r: -r[1])


# ---- report --------------------------------------------------------------------------------

def section(title: str, model: Any, reps: int, calls: bool) -> list[str]:
    print(f"profiling {title} ...", file=sys.stderr, flush=True)
    timers, total, res = breakdown(model, shadow=True)
    st = res.stats
    lines = [f"**{title}** ({st.states:,} states, {st.transitions:,} transitions, "
             f"{total:.2f} CPU s for the search):", "",
             "| part | CPU s | share | per state | per transition |", "|---|--:|--:|--:|--:|"]
    parts = dict(timers.t)
    parts["bookkeeping (rest of the BFS loop)"] = total - sum(parts.values())
    for name, t in parts.items():
        lines.append(f"| {name} | {t:.2f} | {100 * t / total:.0f}% | {1e6 * t / st.states:.2f} µs | "
                     f"{1e9 * t / max(1, st.transitions):.0f} ns |")
    lines += ["", f"The same batches deduplicated by a Python `set` instead: {timers.shadow_set:.2f} s "
              f"(numpy store: {timers.t['store (numpy add_batch)']:.2f} s).",
              "", f"Widest level: {timers.widest:,} successors, held at once in a Python list of ints "
              f"(8 B pointer + 32 B int object each: {timers.widest * 40 / 2**20:.0f} MiB, "
              f"{timers.widest * 40 / st.states:.0f} B per state of the whole run).", ""]
    # the states, from the store of a plain run
    from verifier.engine.codegen import compile_stepper
    from verifier.engine.explicit import explore
    stepper = compile_stepper(model, ())
    store = PackedStore()
    explore(stepper, store, CheckOptions(), 0)
    states = store.main.tolist() + store.delta.tolist()
    states = states[::max(1, len(states) // 400_000)]
    print(f"  variants on {len(states):,} states ...", file=sys.stderr, flush=True)
    rows = variants(model, states, reps)
    base = rows[0][1] or 1.0
    lines += [f"Generated successor code alone on {len(states):,} reachable states (best of {reps}, "
              "round-robin; *same*: the variant yields the same successors in the same order):", "",
              "| variant | CPU s | vs as is | same |", "|---|--:|--:|:-:|"]
    for name, secs, ok in rows:
        if secs is None:
            lines.append(f"| {name} | n/a | | |")
        else:
            lines.append(f"| {name} | {secs:.2f} | {100 * (secs - base) / base:+.0f}% | "
                         f"{'yes' if ok else 'no'} |")
    lines.append("")
    if calls:
        rows2 = helper_calls(model, states)
        lines += ["Calls from the generated successor code into helpers (cProfile, same states):", "",
                  "| helper | calls | calls/state | CPU s (own, under cProfile) |", "|---|--:|--:|--:|"]
        for name, n, t in rows2[:8]:
            lines.append(f"| `{name}` | {n:,} | {n / len(states):.1f} | {t:.2f} |")
        lines.append("")
    return lines


def write_doc(block: str) -> None:
    text = DOC.read_text()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        marker = "<!-- bench/run.py: end -->"
        head, rest = text.split(marker, 1)
        text = head + marker + "\n\n" + block + rest
    DOC.write_text(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--doc", action="store_true", help="write the tables into docs/benchmarks.md")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    out = [BEGIN, "", f"Measured {time.strftime('%Y-%m-%d')} by `python3 bench/breakdown.py` (CPU seconds).", ""]
    out += section("counters N=4, K=10", load("counters.fsl", N=4, K=10), args.reps, calls=False)
    out += section("ring N=5, CRASHES=2", load("ring.fsl", N=5, CRASHES=2), args.reps, calls=True)
    out.append(END)
    block = "\n".join(out)
    print(block)
    if args.doc:
        write_doc(block)


if __name__ == "__main__":
    main()
