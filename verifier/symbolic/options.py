"""Options of a symbolic run (stage 5, symbolic): one frozen object handed to an engine."""

from __future__ import annotations

from dataclasses import dataclass

BMC, INDUCTION, KINDUCTION, CHC = "bmc", "induction", "kinduction", "chc"


@dataclass(frozen=True, slots=True)
class ProveOptions:
    mode: str = INDUCTION
    depth: int = 10                            # BMC bound K, or the k of k-induction
    timeout: float = 60.0                      # seconds per solver call
    properties: tuple[str, ...] | None = None  # None: every invariant (and reachable, for BMC)
    reach_limit: int = 200_000                 # states the explicit engine may visit to decide
                                               # whether a counterexample to induction is reachable
                                               # (0: do not ask)
    completeness: bool = True                  # BMC: stop (complete) when no loop-free path is longer
    induct: bool = True                        # BMC: first prove what induction can (Houdini), search the rest
    minimize: bool = True                      # induction: name a minimal set of invariants each proof used
    check_invariant: bool = True               # CHC: re-check the printed invariant with our checker
