"""Hand-built results for the report tests: no engine is involved, so the tests pin
the renderers alone. ``dual_master`` is the flagship: a FlexLM-like triad where a
cut link and a crash leave two masters."""

from __future__ import annotations

from verifier.results import (
    DEADLOCK,
    HOLDS,
    INCONCLUSIVE,
    INVARIANT,
    LIVENESS,
    REACHABLE,
    RUNTIME,
    VACUOUS,
    VIOLATED,
    ActionCoverage,
    CheckResult,
    DisplayState,
    Location,
    PropertyResult,
    Stats,
    Step,
    Trace,
    Value,
    VMap,
    VRecord,
    VSeq,
    VSet,
    VTuple,
)

SERVERS = ("P", "S", "T")
SPEC = "specs/flexlm_triad.fsl"


def smap(**entries: Value) -> VMap:
    return VMap(tuple((k, v) for k, v in entries.items()))


def links(*pairs: str) -> VSet:
    return VSet(tuple(VTuple((p[0], p[1])) for p in pairs))


def state(role: VMap, up: VMap, link: VSet, epoch: VRecord, log: VSeq,
          lease: Value, crash: int, cut: int) -> DisplayState:
    return (("role", role), ("up", up), ("links", link), ("epoch", epoch), ("log", log),
            ("lease", lease), ("faults.Crash", crash), ("faults.CutLink", cut))


def dual_master_trace() -> Trace:
    s0 = state(smap(P="master", S="follower", T="follower"),
               smap(P=True, S=True, T=True), links("PS", "PT", "ST"),
               VRecord((("term", 1), ("leader", "P"))), VSeq(()), None, 0, 0)
    s1 = state(smap(P="master", S="follower", T="follower"),
               smap(P=True, S=True, T=True), links("PS", "ST"),
               VRecord((("term", 1), ("leader", "P"))), VSeq(()), None, 0, 1)
    s2 = state(smap(P="master", S="follower", T="down"),
               smap(P=True, S=True, T=False), links("PS", "ST"),
               VRecord((("term", 1), ("leader", "P"))), VSeq(()), None, 1, 1)
    s3 = state(smap(P="master", S="follower", T="follower"),
               smap(P=True, S=True, T=True), links("PS", "ST"),
               VRecord((("term", 1), ("leader", "P"))), VSeq(("T",)), None, 1, 1)
    s4 = state(smap(P="master", S="follower", T="follower"),
               smap(P=True, S=True, T=True), links("ST"),
               VRecord((("term", 1), ("leader", "P"))), VSeq(("T",)), None, 1, 2)
    s5 = state(smap(P="master", S="candidate", T="follower"),
               smap(P=True, S=True, T=True), links("ST"),
               VRecord((("term", 1), ("leader", "P"))), VSeq(("T",)), None, 1, 2)
    s6 = state(smap(P="master", S="master", T="follower"),
               smap(P=True, S=True, T=True), links("ST"),
               VRecord((("term", 2), ("leader", "S"))), VSeq(("T", "S")), 79, 1, 2)
    steps = (
        Step("CutLink", (("a", "P"), ("b", "T")), True, s1),
        Step("Crash", (("s", "T"),), True, s2),
        Step("Restart", (("s", "T"),), False, s3),
        Step("CutLink", (("a", "P"), ("b", "S")), True, s4),
        Step("Timeout", (("s", "S"),), False, s5),
        Step("Elect", (("s", "S"), ("votes", 2)), False, s6),
    )
    states = [s0] + [s.state for s in steps if s.state is not None]
    lanes = tuple(
        (srv, tuple(dict(dict(st)["role"].pairs)[srv] for st in states))  # type: ignore[union-attr]
        for srv in SERVERS)
    # Elect(S): T's vote reaches S (the spec's `message` annotation would say so).
    return Trace(s0, steps, None, lanes, ((6, "T", "S"),))


def runtime_error_trace() -> Trace:
    s0 = (("role", smap(P="master", S="follower", T="follower")), ("queue", VSeq((1, 2))))
    s1 = (("role", smap(P="follower", S="follower", T="follower")), ("queue", VSeq((1, 2))))
    steps = (
        Step("StepDown", (("s", "P"),), False, s1),
        Step("Dequeue", (("s", "S"), ("n", 3)), False, None),
    )
    lanes = (("P", ("master", "follower")), ("S", ("follower", "follower")),
             ("T", ("follower", "follower")))
    return Trace(s0, steps, "index 3 is out of range for queue (length 2) at "
                 "specs/flexlm_triad.fsl:88:17", lanes)


def witness_trace() -> Trace:
    """No lanes: the timeline falls back to the ``role`` map; a fault with no
    server parameter marks the axis."""
    s0 = (("role", smap(P="master", S="follower", T="follower")), ("serving", True))
    s1 = (("role", smap(P="master", S="follower", T="follower")), ("serving", False))
    s2 = (("role", smap(P="follower", S="master", T="follower")), ("serving", True))
    steps = (
        Step("DropAllMessages", (), True, s1),
        Step("Failover", (("from", "P"), ("to", "S")), False, s2),
    )
    return Trace(s0, steps)


def loc(line: int, source: str) -> Location:
    return Location(SPEC, line, 1, source)


def dual_master() -> CheckResult:
    props = (
        PropertyResult(
            "OneMaster", INVARIANT, VIOLATED, dual_master_trace(),
            loc(42, "invariant OneMaster \"at most one serving master\": "
                "count(s in Server: role[s] == master) <= 1"),
            "at most one serving master", VIOLATED),
        PropertyResult(
            "TertiaryNeverMaster", INVARIANT, HOLDS, None,
            loc(47, "invariant TertiaryNeverMaster: role[T] != master"), None, HOLDS),
        PropertyResult(
            "FailoverHappens", REACHABLE, HOLDS, witness_trace(),
            loc(51, "reachable FailoverHappens: role[S] == master"),
            "the secondary can take over"),
        PropertyResult(
            "PrimaryReturns", REACHABLE, VACUOUS, None,
            loc(55, "reachable PrimaryReturns: failback and role[P] == master"),
            "with PRIMARY_IS_MASTER the primary takes the role back", HOLDS),
        PropertyResult("deadlock", DEADLOCK, HOLDS),
        PropertyResult(
            "runtime", RUNTIME, VIOLATED, runtime_error_trace(),
            Location(SPEC, 88, 17, "    queue = queue[n:]")),
    )
    coverage = (
        ActionCoverage("Timeout", False, 1200, 1500, Location(SPEC, 60, 1)),
        ActionCoverage("Elect", False, 800, 950, Location(SPEC, 64, 1)),
        ActionCoverage("Restart", False, 300, 300, Location(SPEC, 70, 1)),
        ActionCoverage("Failback", False, 0, 0, Location(SPEC, 74, 1)),
        ActionCoverage("Crash", True, 2100, 4200, Location(SPEC, 80, 1)),
        ActionCoverage("CutLink", True, 1900, 5400, Location(SPEC, 84, 1)),
        ActionCoverage("Heal", True, 600, 600, Location(SPEC, 86, 1)),
    )
    combos = ((), (("Crash", 1),), (("CutLink", 1),), (("Crash", 1), ("CutLink", 1)),
              (("Crash", 1), ("CutLink", 2)))
    return CheckResult(
        model="triad_dual_master", spec_path=SPEC, engine="explicit", complete=True,
        stop_reason=None, properties=props,
        stats=Stats(states=12345, transitions=67890, depth=14, seconds=2.5,
                    peak_memory_mb=48.25, bytes_per_state=72.5, initial_states=1),
        coverage=coverage, fault_combinations=combos,
        constants=(("Server", VSet(SERVERS)), ("HEARTBEAT", 20), ("PRIMARY_IS_MASTER", True)),
        warnings=("fault budget: at most 2 CutLink and 1 Crash per trace",),
    )


def inconclusive() -> CheckResult:
    return CheckResult(
        model="dsls_cluster", spec_path="specs/dsls.fsl", engine="bmc", complete=False,
        stop_reason="depth bound 10 reached",
        properties=(
            PropertyResult("NoOverIssue", INVARIANT, INCONCLUSIVE, None,
                           Location("specs/dsls.fsl", 12, 1, "invariant NoOverIssue: granted <= 5"),
                           "no more seats granted than licensed", HOLDS,
                           "solver returned unknown at depth 7"),
            PropertyResult("LastSeatRace", REACHABLE, INCONCLUSIVE, None, None, None, VIOLATED),
        ),
        stats=Stats(states=0, transitions=0, depth=10, seconds=31.0),
    )


def cti_trace() -> Trace:
    """A counterexample to induction: its first state is not an initial state."""
    s0 = (("role", smap(P="follower", S="master", T="follower")), ("lease", smap(P=2, S=0, T=0)))
    s1 = (("role", smap(P="master", S="master", T="follower")), ("lease", smap(P=2, S=0, T=0)))
    return Trace(s0, (Step("Elect", (("s", "P"),), False, s1),))


def induction() -> CheckResult:
    """`verifier prove`: one invariant refuted (a counterexample and a CTI), one not
    inductive (a CTI only), one proved."""
    return CheckResult(
        model="triad_dual_master", spec_path=SPEC, engine="induction", complete=True,
        stop_reason=None,
        properties=(
            PropertyResult(
                "OneMaster", INVARIANT, VIOLATED, dual_master_trace(),
                loc(42, "invariant OneMaster: count(s in Server: role[s] == master) <= 1"),
                "at most one serving master", VIOLATED,
                "not inductive; the pre-state of the counterexample to induction is unreachable; "
                "shortest counterexample (3 steps) by bounded model checking", cti_trace()),
            PropertyResult(
                "LeaseExclusive", INVARIANT, INCONCLUSIVE, None,
                loc(47, "invariant LeaseExclusive: forall s in Server: role[s] == master => lease[s] > 0"),
                None, HOLDS, "not inductive: see the counterexample to induction", cti_trace()),
            PropertyResult("TertiaryNeverMaster", INVARIANT, HOLDS, None,
                           loc(50, "invariant TertiaryNeverMaster: role[T] != master"), None, HOLDS,
                           "inductive on its own"),
        ),
        stats=Stats(depth=1, seconds=0.5),
        warnings=("reachable FailoverHappens is not checked by induction (use --bmc)",),
    )


def liveness() -> CheckResult:
    """A liveness counterexample: a lasso whose loop starts where the trigger holds."""
    s0 = (("role", smap(P="master", S="follower", T="follower")), ("serving", True))
    s1 = (("role", smap(P="down", S="follower", T="follower")), ("serving", False))
    s2 = (("role", smap(P="down", S="candidate", T="follower")), ("serving", False))
    steps = (Step("Crash", (("s", "P"),), True, s1), Step("Timeout", (("s", "S"),), False, s2),
             Step("StepDown", (("s", "S"),), False, s1))
    trace = Trace(s0, steps, loop=1, trigger=1)
    stuck = Trace(s0, (Step("Crash", (("s", "P"),), True, s1),), loop=1, trigger=1, stutter=True)
    return CheckResult(
        model="triad_liveness", spec_path=SPEC, engine="explicit", complete=True, stop_reason=None,
        properties=(
            PropertyResult("SomeoneServes", LIVENESS, VIOLATED, trace,
                           loc(60, "liveness SomeoneServes: quorumUp ~> someoneServes"),
                           "with a quorum up, a master eventually serves", None,
                           "the trigger holds in state 1; the goal never holds from there on"),
            PropertyResult("Recovers", LIVENESS, VIOLATED, stuck,
                           loc(63, "liveness Recovers: not serving ~> serving"), None, None),
            PropertyResult("Progress", LIVENESS, HOLDS, None,
                           loc(66, "liveness Progress: true ~> true"), None, None,
                           "no fair behaviour avoids the goal (3 states)"),
        ),
        stats=Stats(states=3, transitions=4, depth=2, initial_states=1),
    )


EVIL = "<script>alert(1)</script>"


def evil() -> CheckResult:
    """Every spec-originated string holds markup, quotes, ampersands, pipes, backticks
    and a terminal escape."""
    name = f"Bad{EVIL}\"'&|`x`"
    lane = f"{EVIL}&\"q\"'s'"
    s0: DisplayState = ((f"v{EVIL}", smap(**{lane: "a|b", "Q": f"{EVIL}"})),
                        ("n", 1))
    s1: DisplayState = ((f"v{EVIL}", smap(**{lane: "<b>&amp;</b>", "Q": f"{EVIL}"})),
                        ("n", 2))
    trace = Trace(s0, (Step(f"Act{EVIL}", (("who", lane),), True, s1),),
                  None, ((lane, ("a|b", "<b>&amp;</b>")), ("Q", (EVIL, EVIL))), ((1, lane, "Q"),))
    return CheckResult(
        model=f"m{EVIL}&\"'", spec_path=f"specs/{EVIL}.fsl", engine="explicit",
        complete=False, stop_reason=f"stopped by {EVIL} & \"you\"",
        properties=(PropertyResult(name, INVARIANT, VIOLATED, trace,
                                   Location(f"x{EVIL}.fsl", 3, 1, f"invariant {EVIL} | `a` & \x1b[31mred"),
                                   f"doc {EVIL} * _em_ [link](x) | & \"q\" \x1b[2J", VIOLATED,
                                   f"note {EVIL}"),),
        coverage=(ActionCoverage(f"Act{EVIL}", True, 0, 0),),
        fault_combinations=(((f"Act{EVIL}", 1),),),
        constants=((f"C{EVIL}", f"{EVIL}"),),
        warnings=(f"warn {EVIL} | & \"q\"",),
    )


ALL = {"dual_master": dual_master, "inconclusive": inconclusive, "evil": evil,
       "induction": induction, "liveness": liveness}
