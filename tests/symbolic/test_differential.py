"""Differential test: random small specs, explicit engine against the symbolic one.

For each generated spec (``specgen.specs``): the number of states the explicit search
reaches within each depth (the reference stepper: the semantics itself) equals the number of distinct states the BMC unrolling can
be in within that depth (enumerated with blocking clauses); every counterexample,
witness and run-time error has the same length in both; and a property one engine
proves is never refuted by the other. CI profile: derandomized, no deadline.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from tests.symbolic.conftest import explicit, load
from tests.symbolic.oracle import Successors, bmc_state_counts, ref_successors, sample_states
from tests.symbolic.specgen import specs
from tests.symbolic.test_bmc import assert_agree
from verifier import results as R
from verifier.engine import EngineError
from verifier.symbolic.bmc import run_bmc
from verifier.symbolic.options import BMC, ProveOptions

EXAMPLES = int(os.environ.get("SYMBOLIC_EXAMPLES", "40"))  # 400 pass too (about 40 s)
MAX_STATES = 400
MAX_DEPTH = 6


@settings(derandomize=True, deadline=None, max_examples=EXAMPLES, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(text=specs())
def test_random_specs_agree(tmp_path_factory, text: str) -> None:
    path = Path(tmp_path_factory.mktemp("gen")) / "gen.fsl"
    path.write_text(text, encoding="utf-8")
    model = load(path)
    try:
        full = explicit(model, max_states=MAX_STATES, compiled="off")
    except EngineError:
        return  # a run-time error in an initial value: not this test's business
    if not full.complete:
        return
    depth = min(full.stats.depth, MAX_DEPTH)
    # reachable states per depth
    counts = [explicit(model, max_depth=d, compiled="off").stats.states if d else full.stats.initial_states
              for d in range(depth + 1)]
    assert bmc_state_counts(model, depth) == counts, text
    # verdicts and lengths
    sym = run_bmc(model, ProveOptions(mode=BMC, depth=full.stats.depth + 1))
    assert_agree(full, sym)
    if any(p.name == "RuntimeError" for p in full.properties) or any(
            p.name == "RuntimeError" for p in sym.properties):
        ex_rt = [len(p.trace.steps) for p in full.properties if p.name == "RuntimeError" and p.trace]
        sym_rt = [len(p.trace.steps) for p in sym.properties if p.name == "RuntimeError" and p.trace]
        assert ex_rt == sym_rt, text
    for p in sym.properties:
        if p.verdict in (R.HOLDS, R.VACUOUS) and p.trace is None:
            assert any(q.name == p.name and q.verdict == p.verdict for q in full.properties), text
    # transitions and failing instances out of a few states, reachable or not
    succ = Successors(model)
    for state in sample_states(model, 3, seed=len(text), reachable=2):
        assert succ.of(state) == ref_successors(model, state), (text, state)
