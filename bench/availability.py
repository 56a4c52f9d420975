"""Availability figures of the three designs (not a test): the worst case, in ticks (the
triad) or protocol steps (HAL, DSLS, which have no clock), without service while a
quorum is up.

    python3 bench/availability.py      # prints the Markdown table of docs/models.md

For each system and design, the model's state graph is built once; then the least K is
found for which "while a quorum is up, service comes back within K" holds:

- triad: ``QuorumServedInTime``, ``talkingPair ~> someone serves within K ticks of Tick
  while talkingPair`` (elections urgent: no tick while one can run);
- HAL: ``majority ~> servedLicenses == LICENSES while majority`` counting the steps of
  the protocol's fair actions (Takeover, Redistribute, Sync) only; clients and faults
  take steps for free;
- DSLS: ``FreeLicenseGrantable`` likewise, counting Delta and DeclareAlone steps.

"unbounded" means that the unbounded property itself is violated (a fair behaviour never
gets service back: the lasso is in docs/models.md); otherwise the figure is exact for the
model's constants and fault budget.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verifier.config import load_model as load_config  # noqa: E402
from verifier.config import with_overrides  # noqa: E402
from verifier.config.load import load_model  # noqa: E402
from verifier.engine import make_stepper  # noqa: E402
from verifier.engine.liveness import build_graph, conditions, numbered_succ, violation  # noqa: E402
from verifier.engine.liveness.bounded import bounded_violation  # noqa: E402
from verifier.engine.liveness.fair import find_fair_lasso  # noqa: E402
from verifier.engine.stepper import instance_bases  # noqa: E402
from verifier.lang import model as M  # noqa: E402

MAX_K = 40
FAULTS = {"Crash": 1, "CutLink": 0, "Isolate": 1, "DropClient": 1}

# (system, design, model file, constants, faults, property, counted actions or None: ticks)
DESIGNS = [
    ("triad", "vendor default (TIMEOUT 2)", "triad_fixed", {
        "TAKEOVER_GRACE": 0, "TAKEOVER_NEEDS_TERTIARY": False, "RESERVE_SEATS": False,
        "RECLAIM_HANDLE": False}, FAULTS, "QuorumServedInTime", None),
    ("triad", "vendor default (TIMEOUT 4)", "triad_fixed", {
        "TIMEOUT": 4, "TAKEOVER_GRACE": 0, "TAKEOVER_NEEDS_TERTIARY": False,
        "RESERVE_SEATS": False, "RECLAIM_HANDLE": False}, FAULTS, "QuorumServedInTime", None),
    ("triad", "grace only (TIMEOUT 2, GRACE 1)", "triad_fixed", {
        "TAKEOVER_NEEDS_TERTIARY": False}, FAULTS, "QuorumServedInTime", None),
    ("triad", "fixed (triad_fixed)", "triad_fixed", {}, FAULTS, "QuorumServedInTime", None),
    ("triad", "fixed, crash only", "triad_fixed", {},
     {"Crash": 1, "CutLink": 0, "Isolate": 0, "DropClient": 1}, "QuorumServedInTime", None),
    ("HAL", "vendor default (N 3)", "hal_n3", {"QUORUM_RULE": False, "RESERVE_SEATS": False},
     None, "AllLicensesServed", ("Takeover", "Redistribute", "Sync")),
    ("HAL", "fixed (hal_n3)", "hal_n3", {}, None, "AllLicensesServed",
     ("Takeover", "Redistribute", "Sync")),
    ("DSLS", "vendor default", "dsls_minority", {}, None, "FreeLicenseGrantable",
     ("Delta", "DeclareAlone")),
    ("DSLS", "fixed (GRANT_NEEDS_ACK)", "dsls_minority_fixed", {}, None, "FreeLicenseGrantable",
     ("Delta", "DeclareAlone")),
    ("DSLS", "no faults", "dsls_last_seat_race", {}, None, "FreeLicenseGrantable",
     ("Delta", "DeclareAlone")),
]


def worst_case(model: M.Model, prop: M.Liveness, counted: tuple[str, ...] | None) -> tuple[str, int]:
    stepper = make_stepper(model, (), "auto")
    graph = build_graph(model, stepper, 1_000_000)
    succ = numbered_succ(model, graph)
    conds = conditions(model)
    states = list(graph.states)

    def truth(e: M.Expr) -> list[bool]:
        return stepper.truth(e, (), states)
    unbounded = dataclasses.replace(prop, bound=None, tick=prop.tick if counted is None else None)
    if counted is None:
        found = violation(model, unbounded, succ, graph.initial, conds, truth, 10**7)
    else:
        start, goal = truth(prop.trigger), truth(prop.goal)
        keep = [not g for g in goal]
        if prop.keep is not None:
            keep = [k and r for k, r in zip(keep, truth(prop.keep))]
        found = find_fair_lasso(succ, graph.initial, conds, start, keep)
    if found is not None:
        return "unbounded", len(graph.states)
    for k in range(MAX_K + 1):
        if counted is None:
            bad = violation(model, dataclasses.replace(prop, bound=k), succ, graph.initial, conds,
                            truth, 10**7)
        else:
            bases = instance_bases(model)
            ticks = frozenset(i for a in model.actions if a.name in counted
                              for i in range(bases[a.index], bases[a.index + 1]))
            bad = bounded_violation(succ, graph.initial, start, keep, k, ticks)
        if bad is None:
            return str(k), len(graph.states)
    return f"> {MAX_K}", len(graph.states)


def main() -> None:
    print("| system | design | measured in | states | worst case without service while a quorum is up |")
    print("|---|---|---|---:|---|")
    for system, design, name, consts, faults, pname, counted in DESIGNS:
        cfg = load_config(ROOT / "models" / f"{name}.toml")
        cfg = with_overrides(cfg, constants=consts or None, properties=None)
        if faults is not None:
            cfg = dataclasses.replace(cfg, faults=tuple(faults.items()))
        model = load_model(cfg)
        prop = next(p for p in model.liveness if p.name == pname)
        figure, n = worst_case(model, prop, counted)
        unit = "ticks of Tick" if counted is None else "steps of " + ", ".join(counted)
        print(f"| {system} | {design} | {unit} | {n:,} | {figure} |", flush=True)


if __name__ == "__main__":
    main()
