"""Benchmark of past memory, checkpoints and the cluster (issue 14; not a test).

    python3 bench/scale.py            # about 2 minutes; rewrites its block of docs/benchmarks.md
    python3 bench/scale.py --no-doc   # print the block only
    python3 bench/scale.py --quick    # small sizes, a smoke test of the script (implies --no-doc)

Each measurement runs in a fresh process (``--child``), which reports the search's own
seconds and its peak RSS:

- spill overhead: bench/counters.fsl at N=5, K=7 (7,962,624 states) in memory, with the
  seen-set spilled to disk under a 16 MiB budget, and with hash compaction;
- checkpoints: the same run with a checkpoint at every level boundary, the checkpoint's
  size, and a run stopped by a time limit then resumed;
- the cluster: counters N=4, K=10 (1,185,921 states) on a local Dask cluster of 1 and then
  2 worker processes (this machine has 2 cores, the coordinator shares them), per level the
  successors sent between shards and the seconds of each round; from those, the time and
  the traffic that 16 and 64 machines would take, by the model printed with the table.

Every figure also goes to bench/out/scale.json.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- bench/scale.py: begin -->"
END = "<!-- bench/scale.py: end -->"
SECTION = "## Scale: past memory, checkpoints, the cluster"
BIG = {"N": 5, "K": 7}      # 7,962,624 states
MID = {"N": 4, "K": 10}     # 1,185,921 states
WIDE = {"N": 12, "K": 15}   # two words a state; far too many states: the first WIDE_STATES
WIDE_STATES = 3_000_000
# the network of the projection: 10 Gb/s a machine, 0.2 ms round trip, and the cost of one
# actor call at the coordinator measured here
BANDWIDTH = 10e9 / 8
RTT = 0.2e-3


def child(spec: dict[str, Any]) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from verifier.config import spec_model, with_overrides
    from verifier.config.load import load_model
    from verifier.engine import run_check
    from verifier.engine.options import CheckOptions

    model = load_model(with_overrides(spec_model(ROOT / "bench" / "counters.fsl"), constants=spec["consts"]))
    out: dict[str, Any] = {}
    if spec.get("cluster"):
        return cluster_child(model, spec)
    opts = CheckOptions(kernel="on", **spec.get("opts", {}))
    t0 = time.perf_counter()
    r = run_check(model, opts)
    # what must not change between an uninterrupted and a resumed run: counts, coverage,
    # verdicts, counterexamples (not the notes, which say how the run went)
    same = repr((r.stats.states, r.stats.transitions, r.stats.depth, r.coverage,
                 [(p.name, p.verdict, p.trace) for p in r.properties]))
    out.update(states=r.stats.states, depth=r.stats.depth, transitions=r.stats.transitions, seconds=r.stats.seconds,
               wall=time.perf_counter() - t0, note=r.backend_note, stop=r.stop_reason,
               bytes_per_state=r.stats.bytes_per_state, digest=hashlib.sha256(same.encode()).hexdigest()[:16],
               verdicts=sorted({p.verdict for p in r.properties}),
               rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               cpu=resource.getrusage(resource.RUSAGE_SELF).ru_utime)
    return out


def cluster_child(model: Any, spec: dict[str, Any]) -> dict[str, Any]:
    import logging

    import distributed

    from verifier.engine import kernel as K
    from verifier.engine.kernel.cluster import ClusterSearch
    from verifier.engine.options import CheckOptions
    from verifier.engine.select import select_properties

    monitors = select_properties(model, None)
    prepared = K.prepare(model, monitors)
    cluster = distributed.LocalCluster(n_workers=spec["workers"], threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)  # type: ignore[no-untyped-call]
    try:
        runs = []
        for _ in range(2):  # the first run warms the workers (kernel loaded, numba caches read)
            cs = ClusterSearch(model, prepared, monitors, CheckOptions(kernel="on", cluster=cluster.scheduler_address))
            t0 = time.perf_counter()
            ex = cs.explore(frozenset())
            runs.append({"states": ex.states, "transitions": ex.transitions, "wall": time.perf_counter() - t0,
                         "search": sum(r["expand_s"] + r["absorb_s"] + r["commit_s"] for r in cs.rounds),
                         "rounds": cs.rounds})
        return runs[-1]
    finally:
        cluster.close()


def run_child(spec: dict[str, Any]) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
                       capture_output=True, text=True, env=env, timeout=1800)
    if p.returncode != 0:
        raise SystemExit(f"child failed: {spec}\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def measure(big: dict[str, int], mid: dict[str, int]) -> dict[str, Any]:
    data: dict[str, Any] = {"sizes": [big, mid]}
    data["memory"] = run_child({"consts": big})
    data["disk"] = run_child({"consts": big, "opts": {"store_mb": 16}})
    data["hash"] = run_child({"consts": big, "opts": {"hash_compaction": True}})
    # two-word states (counters N=12, K=15: 72 bits a state), the first 3M states found
    data["memory2"] = run_child({"consts": WIDE, "opts": {"max_states": WIDE_STATES}})
    data["hash2"] = run_child({"consts": WIDE, "opts": {"max_states": WIDE_STATES, "hash_compaction": True}})
    work = Path(tempfile.mkdtemp(prefix="verifier-bench-"))
    try:
        ck = work / "ck"
        data["checkpointed"] = run_child({"consts": big, "opts": {"checkpoint_dir": str(ck), "checkpoint_every": 0.001}})
        data["checkpoint_bytes"] = du(ck)
        ck2 = work / "ck2"
        half = data["half"] = round(data["memory"]["seconds"] / 2, 1)
        data["stopped"] = run_child({"consts": big, "opts": {"checkpoint_dir": str(ck2), "max_seconds": half}})
        data["stopped_bytes"] = du(ck2)
        data["resumed"] = run_child({"consts": big, "opts": {"checkpoint_dir": str(ck2), "resume": True}})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    data["one_process"] = run_child({"consts": mid})
    data["cluster1"] = run_child({"consts": mid, "cluster": True, "workers": 1})
    data["cluster2"] = run_child({"consts": mid, "cluster": True, "workers": 2})
    return data


def project(model: dict[str, Any], machines: int, scale: float = 1.0) -> dict[str, float]:
    """Seconds and traffic of the measured levels on ``machines`` machines, each level's
    counts ``scale`` times larger. Per level: the shards' work (expand and absorb, measured
    on one worker) divides by the machines; of the successors routed, (k-1)/k leave their
    shard and cross the network once, each machine sending and receiving its share over its
    own link; the coordinator's merge takes what it took on one worker, plus 16 bytes a new
    state (its key in, its id out) over its one link; each of the 3 rounds costs a round
    trip plus one actor call per machine at the coordinator."""
    k = machines
    t = traffic = 0.0
    for r in model["rounds"]:
        work = (r["expand_s"] + r["absorb_s"]) * scale
        merge = r["commit_s"] * scale
        cross = r["routed"] * model["row_bytes"] * scale * (k - 1) / k
        coord = 16 * r["new"] * scale
        t += work / k + cross / (k * BANDWIDTH) + merge + coord / BANDWIDTH + 3 * (RTT + k * model["per_call"])
        traffic += cross + coord
    return {"seconds": t, "traffic_mb": traffic / 2**20}


def analyse(data: dict[str, Any]) -> None:
    c1, c2 = data["cluster1"], data["cluster2"]
    sent = sum(r["sent"] for r in c2["rounds"])
    # the bytes of one successor on the wire: its packed words and its (parent, ordinal) key
    row_bytes = sum(r["bytes"] for r in c2["rounds"]) / max(1, sent)
    tiny = [r for r in c1["rounds"] if r["routed"] < 50]
    # the fixed cost of one round at the coordinator, from the levels with (almost) no work
    per_call = min((r["expand_s"] + r["absorb_s"] + r["commit_s"]) / 3 for r in tiny) if tiny else 1e-3
    model = {"rounds": c1["rounds"], "per_call": per_call, "row_bytes": row_bytes}
    data["row_bytes"] = row_bytes
    data["per_call"] = per_call
    data["projection"] = {str(k): project(model, k) for k in (1, 2, 16, 64)}
    data["projection_x1000"] = {str(k): project(model, k, 1000.0) for k in (1, 2, 16, 64)}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} × {cpu}, Python {platform.python_version()}"


def _said(r: dict[str, Any]) -> str:
    parts = [x for x in (r["note"], r["stop"]) if x]
    return "; ".join(parts).replace("|", "/") or "-"


def render(data: dict[str, Any], load: str, seconds: float) -> str:
    m, d, h = data["memory"], data["disk"], data["hash"]
    lines = [f"Measured {datetime.date.today()} by `python3 bench/scale.py` in {seconds:.0f} s on "
             f"{machine()}; load average before: {load} (a shared machine: other jobs ran meanwhile, "
             "so compare the ratios within this run rather than the seconds across runs). Each run is a "
             "fresh process; *search s* is the search's own time (`stats.seconds`), *peak RSS* the "
             "process's (about 200 MiB of it is numba and LLVM).", ""]
    big, mid = data["sizes"]
    lines += [f"**Past memory**, bench/counters.fsl N={big['N']}, K={big['K']} ({m['states']:,} states, "
              f"{m['transitions']:,} transitions, one 64-bit word a state), the kernel engine:", "",
              "| seen-set | search s | states/s | vs in memory | peak RSS MiB | stored B/state | "
              "what the output says |",
              "|---|--:|--:|--:|--:|--:|---|"]
    for name, r in (("in memory", m), ("spilled to disk, `--store-memory 16`", d),
                    ("`--hash-compaction`", h)):
        lines.append(f"| {name} | {r['seconds']:.1f} | {r['states'] / r['seconds'] / 1e6:.2f}M | "
                     f"{r['seconds'] / m['seconds']:.2f}× | {r['rss_mb']:.0f} | {r['bytes_per_state']:.1f} | "
                     f"{_said(r)} |")
    m2, h2 = data["memory2"], data["hash2"]
    lines += [f"| in memory, two-word states (N=12, K=15, `--max-states {m2['states']:,}`) | {m2['seconds']:.1f} | "
              f"{m2['states'] / m2['seconds'] / 1e6:.2f}M | - | {m2['rss_mb']:.0f} | {m2['bytes_per_state']:.1f} | "
              f"{_said(m2)} |",
              f"| `--hash-compaction`, the same | {h2['seconds']:.1f} | {h2['states'] / h2['seconds'] / 1e6:.2f}M | "
              f"{h2['seconds'] / m2['seconds']:.2f}× of the line above | {h2['rss_mb']:.0f} | "
              f"{h2['bytes_per_state']:.1f} | {_said(h2)} |"]
    agree = "the same" if m["digest"] == d["digest"] else "**different**"
    lines += ["", f"The spilled run found {agree} states, transitions, coverage and verdicts as the "
              f"in-memory one ({d['states']:,} states; verdicts {', '.join(d['verdicts'])}); hash "
              f"compaction found {h['states']:,} states and reports every property inconclusive "
              f"({', '.join(h['verdicts'])}), exit 3. *Stored B/state* is the run's own account of its "
              "seen-set and parent links (for the spilled run, in memory and on disk)."]
    lines += ["", "Hash compaction saves little memory here, or none, and costs time: it runs on the "
              "level-by-level search, slower than the in-memory driver, and keeps a 64-bit fingerprint "
              "in a table at most 60% full (13 to 27 bytes a state) plus 8 bytes of parent link and "
              "ordinal, where the in-memory driver keeps the packed state, its table's slots (a "
              "one-word state itself, or else a 4-byte id) and 6 bytes of links: "
              f"{m['bytes_per_state']:.1f} against {h['bytes_per_state']:.1f} B/state "
              f"for one-word states (in memory, the table holds the state itself), {m2['bytes_per_state']:.1f} "
              f"against {h2['bytes_per_state']:.1f} for two. "
              "By that arithmetic it pays off from about four words a state; every shipped model fits "
              "in one. Its fingerprints spill under `--store-memory` as states do, at 8 bytes each."]
    c, s, res = data["checkpointed"], data["stopped"], data["resumed"]
    same = all(x["digest"] == m["digest"] for x in (c, res))
    lines += ["", "**Checkpoints**, the same model:", "",
              "| run | search s | vs no checkpoint | states | checkpoint on disk |", "|---|--:|--:|--:|--:|",
              f"| no checkpoint | {m['seconds']:.1f} | 1.00× | {m['states']:,} | - |",
              f"| `--checkpoint DIR --checkpoint-every 0.001` (one at every level boundary, {m['depth']} levels) | "
              f"{c['seconds']:.1f} | {c['seconds'] / m['seconds']:.2f}× | {c['states']:,} | "
              f"{data['checkpoint_bytes'] / 2**20:.0f} MiB |",
              f"| `--checkpoint DIR --time-limit {data['half']:.1f}` (stopped) | {s['seconds']:.1f} | - | {s['states']:,} | "
              f"{data['stopped_bytes'] / 2**20:.0f} MiB |",
              f"| then `--resume DIR` | {res['seconds']:.1f} (both runs) | "
              f"{res['seconds'] / m['seconds']:.2f}× | {res['states']:,} | - |",
              "", f"The checkpointed run and the resumed one ended with {'the' if same else '**not the**'} "
              "counts, coverage, verdicts and counterexamples of the uninterrupted run (a digest of them "
              "compared; the tests in tests/engine/test_checkpoint.py pin them exactly)."]
    one, c1, c2 = data["one_process"], data["cluster1"], data["cluster2"]
    sent = sum(r["sent"] for r in c2["rounds"])
    volume = sum(r["bytes"] for r in c2["rounds"])
    lines += ["", f"**The cluster**, counters N={mid['N']}, K={mid['K']} ({c1['states']:,} states, "
              f"{c1['transitions']:,} transitions, {len(c1['rounds'])} levels) on a local Dask cluster "
              "(`LocalCluster`, one thread a worker process) started for the run; the second of two "
              "searches on the same cluster (the first loads the kernel on the workers). *search s* is "
              "the sum of the rounds, at the coordinator. This machine has 2 cores, which the coordinator "
              "and the scheduler share with the workers:", "",
              "| run | search s | speed-up over local:1 | successors sent between shards |", "|---|--:|--:|--:|",
              f"| one process, no cluster | {one['seconds']:.2f} | {c1['search'] / one['seconds']:.2f}× | - |",
              f"| `--cluster local:1` | {c1['search']:.2f} | 1.00× | 0 |",
              f"| `--cluster local:2` | {c2['search']:.2f} | {c1['search'] / c2['search']:.2f}× | "
              f"{sent:,} ({volume / 2**20:.1f} MiB) |",
              "", f"Both cluster runs found {c1['states']:,} and {c2['states']:,} states and "
              f"{c1['transitions']:,} and {c2['transitions']:,} transitions, as the one process did "
              f"({one['states']:,}, {one['transitions']:,})."]
    parts = {w: {x: sum(r[x] for r in c["rounds"]) for x in ("expand_s", "absorb_s", "commit_s")}
             for w, c in (("1", c1), ("2", c2))}
    lines += ["", "Two workers were slower than one here. The rounds' seconds, one worker then two: "
              f"expanding and sending {parts['1']['expand_s']:.2f} and {parts['2']['expand_s']:.2f}, "
              f"absorbing {parts['1']['absorb_s']:.2f} and {parts['2']['absorb_s']:.2f}, committing the "
              f"new ids {parts['1']['commit_s']:.2f} and {parts['2']['commit_s']:.2f}: each worker expands "
              "half the frontier, but the batches sent between them are serialized and copied through "
              "Dask's TCP comms, and the two workers, the scheduler and the coordinator take turns on 2 "
              f"cores that other jobs also used (load {load}). One process without a cluster, which "
              "looks each successor up as it is made, stays the fastest way to use one machine "
              "(`--workers N` for its cores); the cluster is for state spaces that need the memory of "
              "several machines."]
    widest = max(c2["rounds"], key=lambda r: r["routed"])
    lines += ["", f"The widest level: its shards routed {widest['routed']:,} successors (after dropping "
              f"the copies within each chunk of {2**14:,} frontier states); {widest['sent']:,} of them "
              f"({widest['bytes'] / 2**20:.1f} MiB, {data['row_bytes']:.0f} bytes each: the packed state and "
              f"its (parent, ordinal) key) crossed to the other shard, and {widest['new']:,} were new "
              "(8 bytes of key each to the coordinator, 8 of id back)."]
    p, px = data["projection"], data["projection_x1000"]
    lines += ["", "**More machines: a calculation** from the measured levels (`project` in bench/scale.py): "
              "the shards' work as measured on one worker, divided by the machines; of each level's "
              "routed successors (k-1)/k cross the network, each machine sending and receiving its share "
              f"at 10 Gb/s; the coordinator's merge as measured plus 16 bytes a new state over its one link; "
              f"each of the 3 rounds of a level costs a {RTT * 1e3:.1f} ms round trip plus "
              f"{data['per_call'] * 1e3:.1f} ms per machine at the coordinator (the cost of a round, measured "
              "on the levels with almost nothing to do; pessimistic, as the coordinator issues its calls "
              "to the shards together). The right half scales every level's counts by "
              "1,000 (1.2 billion states), where the fixed costs no longer dominate:", "",
              "| machines | this model: s | traffic MiB | ×1000: s | ×1000: traffic GiB |",
              "|--:|--:|--:|--:|--:|"]
    for k in ("1", "2", "16", "64"):
        lines.append(f"| {k} | {p[k]['seconds']:.2f} | {p[k]['traffic_mb']:.0f} | {px[k]['seconds']:,.0f} | "
                     f"{px[k]['traffic_mb'] / 1024:,.1f} |")
    lines += ["", f"For 2 machines the calculation gives {p['2']['seconds']:.2f} s where two worker processes "
              f"on this machine's 2 shared cores took {c2['search']:.2f} s. The model leaves out stragglers "
              "(a level waits for its slowest shard), the scheduler, and serialization, which on this "
              "machine is part of the measured work. It says where the limit is: the coordinator's merge "
              "of the new states' keys is serial, so beyond some tens of machines the time per level stops "
              "falling."]
    lines += ["", "<details><summary>Communication per level (successor batches between shards: measured "
              "for 2 workers, calculated for 16 and 64 as (k-1)/k of the routed successors)</summary>", "",
              "| level | new states | routed | bytes sent, 2 workers (measured) | 16 machines | 64 machines |",
              "|--:|--:|--:|--:|--:|--:|"]
    rb = data["row_bytes"]
    for i, r in enumerate(c2["rounds"], 1):
        if r["routed"] == 0:
            continue
        lines.append(f"| {i} | {r['new']:,} | {r['routed']:,} | {r['bytes']:,} | "
                     f"{round(r['routed'] * rb * 15 / 16):,} | {round(r['routed'] * rb * 63 / 64):,} |")
    lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def write_doc(block: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    body = f"{BEGIN}\n\n{block}\n{END}"
    if BEGIN in text:
        a, b = text.index(BEGIN), text.index(END) + len(END)
        text = text[:a] + body + text[b:]
    else:
        text = text.rstrip() + f"\n\n{SECTION}\n\n{body}\n"
    DOC.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--no-doc", action="store_true", help="print the block, leave docs/benchmarks.md alone")
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke test); implies --no-doc")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg()[:1])
    t0 = time.perf_counter()
    data = measure({"N": 4, "K": 3}, {"N": 3, "K": 3}) if args.quick else measure(BIG, MID)
    analyse(data)
    block = render(data, load, time.perf_counter() - t0)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / ("scale-quick.json" if args.quick else "scale.json")).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(block)
    if not args.no_doc and not args.quick:
        write_doc(block)


if __name__ == "__main__":
    main()
