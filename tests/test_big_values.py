"""Huge ranges and types are never built as values.

A spec may mention `0..73958089320` (a fuzzed spec did, and the check ate every
gigabyte of the machine before the kernel killed it). The checker bounds what it
enumerates: a binder over more than `MAX_DOMAIN` values is a spec error (E110); a range
used as a value, computed from constants or from the state, is a run-time error past
that size; membership in a range is a comparison and never builds the range. Each case
runs `verifier check` in a child process with a 1 GiB address-space ceiling, so that a
regression fails here instead of exhausting the machine.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from verifier.lang import semantics as sem
from verifier.lang import typesys as T
from verifier.lang.checker import check_spec
from verifier.lang.parser import parse

CEILING = 1 << 30

COUNTER = "var y: 0..3 = 0\naction A { y = (y + 1) % 4 }\n"

CASES = {
    # spec text -> (exit code, a line the output must contain)
    "const_range_value": ("const K: bool = 8..73958089320\n",
                          2, "the range 8..73958089320 has 73,958,089,313 values"),
    "binder_over_range": ("const K: bool = forall x in 0..73958089320: x > 3\n",
                          2, "error[E110]: this domain has 73,958,089,321 values"),
    "set_comprehension": ("const K: int = len({x for x in 1..999999999999999})\n",
                          2, "error[E110]: this domain has"),
    "map_comprehension": ("var m: 0..1 -> bool = {k: true for k in 0..99999999999}\n",
                          2, "error[E110]: this domain has"),
    "membership_is_a_comparison": (COUNTER + "invariant I: y in 0..73958089320 and 5 in 0..99999999999\n",
                                   0, "I         invariant  holds"),
    "state_range_value": (COUNTER + "invariant I: len(0..y * 100000) > 0\n",
                          1, "the range 0..100000 has 100,001 values, more than a set may hold"),
    "state_range_binder": (COUNTER + "invariant I: forall k in 0..y * 100: k >= 0\n",
                           0, "I         invariant  holds"),
}


def _ceiling() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CEILING, CEILING))


@pytest.mark.parametrize("name", sorted(CASES))
def test_big_ranges_are_bounded(name: str, tmp_path: Path) -> None:
    text, code, needle = CASES[name]
    spec = tmp_path / "big.fsl"
    spec.write_text(text, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "verifier", "check", str(spec)],
                       capture_output=True, text=True, timeout=120, preexec_fn=_ceiling,
                       cwd=tmp_path)
    out = r.stdout + r.stderr
    assert "Traceback" not in out and "MemoryError" not in out, out
    assert r.returncode == code, out
    assert needle in out, out


def test_value_list_refuses_to_list_billions() -> None:
    with pytest.raises(T.TooManyValues, match="too many to list"):
        T.value_list(T.RangeTy(0, 73958089320))
    assert len(T.value_list(T.RangeTy(0, 9))) == 10


def test_membership_in_a_range_agrees_with_the_set() -> None:
    """The comparison gives what membership in the built set gives, empty ranges
    included."""
    text = ("var y: 0..3 = 0\n"
            "invariant A: forall v in 0..4: (v in 1..y) == (v in {k for k in 1..y})\n"
            "invariant B: forall v in 0..4: (v not in 2..y) != (v in {k for k in 2..y})\n"
            "invariant C: y in 1..2\n")
    model = check_spec(parse(text, "m.fsl"), text)
    by_name = {p.name: p for p in model.properties}
    for y in range(4):
        assert sem.evaluate(by_name["A"].cond, (y,), {}) is True
        assert sem.evaluate(by_name["B"].cond, (y,), {}) is True
        assert sem.evaluate(by_name["C"].cond, (y,), {}) is (1 <= y <= 2)


def test_the_symbolic_engine_compares_too() -> None:
    """BMC and induction read `x in lo..hi` as the comparison, as the explicit engine
    does: same verdicts and trace lengths, and no set of billions built."""
    from verifier import results as R
    from verifier.engine import run_check
    from verifier.engine.options import CheckOptions
    from verifier.symbolic.bmc import run_bmc
    from verifier.symbolic.induction import run_induction
    from verifier.symbolic.options import BMC, INDUCTION, ProveOptions

    text = (COUNTER + "invariant Wide: y in 0..73958089320\n"
            "invariant Shifted: y not in 3..73958089320\n")
    model = check_spec(parse(text, "m.fsl"), text)
    explicit = {p.name: p for p in run_check(model, CheckOptions()).properties}
    bmc = {p.name: p for p in run_bmc(model, ProveOptions(mode=BMC, depth=4, timeout=20)).properties}
    ind = {p.name: p for p in run_induction(model, ProveOptions(mode=INDUCTION, timeout=20)).properties}
    assert explicit["Wide"].verdict == R.HOLDS and ind["Wide"].verdict == R.HOLDS
    assert explicit["Shifted"].verdict == R.VIOLATED and bmc["Shifted"].verdict == R.VIOLATED
    e, b = explicit["Shifted"].trace, bmc["Shifted"].trace
    assert e is not None and b is not None and len(e) == len(b) == 3
