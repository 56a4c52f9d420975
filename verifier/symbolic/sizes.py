"""Stage 5 (symbolic): one proof per cluster size, ``run_sizes(...) -> list[SizeRow]``.

Explicit search stops at small clusters; an inductive proof does not enumerate states,
so it scales to every size a spec allows. For each value of a size constant (``N`` of
specs/hal.fsl, by default) the model is loaded again with that value and its
invariants are proved together (``induction.run_induction``: Houdini over the spec's
invariants, helper invariants included). Each row keeps the full result, so reports
and JSON can show the details of any size.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from verifier import results as R
from verifier.lang import model as M
from verifier.symbolic.common import INTERRUPTED
from verifier.symbolic.options import ProveOptions


@dataclass(frozen=True, slots=True)
class SizeRow:
    value: int
    result: R.CheckResult
    seconds: float

    @property
    def summary(self) -> str:
        counts: dict[str, int] = {}
        for p in self.result.properties:
            counts[p.verdict] = counts.get(p.verdict, 0) + 1
        total = len(self.result.properties)
        if counts.get(R.HOLDS, 0) == total:
            return f"proved ({total}/{total})"
        order = (R.VIOLATED, R.INCONCLUSIVE, R.HOLDS)
        words = {R.VIOLATED: "violated", R.INCONCLUSIVE: "not proved", R.HOLDS: "proved"}
        return ", ".join(f"{counts[v]} {words[v]}" for v in order if counts.get(v))


def parse_range(text: str) -> tuple[int, int]:
    """``"3..12"`` -> (3, 12); ValueError with a plain message otherwise."""
    lo, sep, hi = text.partition("..")
    try:
        a, b = int(lo), int(hi)
    except ValueError:
        raise ValueError(f"expected a range LO..HI of whole numbers, got {text!r}") from None
    if not sep or a > b:
        raise ValueError(f"expected a range LO..HI with LO <= HI, got {text!r}")
    return a, b


def run_sizes(load: Callable[[int], M.Model], lo: int, hi: int, opts: ProveOptions,
              expect: dict[str, str] | None = None) -> list[SizeRow]:
    """Prove the invariants of ``load(n)`` for every n in lo..hi."""
    from verifier.symbolic.induction import run_induction

    rows = []
    for n in range(lo, hi + 1):
        t0 = time.perf_counter()
        model = load(n)
        result = run_induction(model, opts, expect=expect)
        rows.append(SizeRow(n, result, round(time.perf_counter() - t0, 2)))
        if result.stop_reason == INTERRUPTED:  # Ctrl-C: the sizes proved so far stand
            break
    return rows


def render_table(rows: list[SizeRow], const: str) -> str:
    """The table users read: one line per size, then the properties not proved."""
    head = (const, "result", "time")
    body = [(str(r.value), r.summary, f"{r.seconds:.2f} s") for r in rows]
    widths = [max(len(x[i]) for x in [head] + body) for i in range(3)]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()
             for row in [head] + body]
    lines.insert(1, "  ".join("-" * w for w in widths))
    failing = []
    for r in rows:
        for p in r.result.properties:
            if p.verdict != R.HOLDS:
                failing.append(f"  {const}={r.value}: {p.name} {p.verdict}" + (f" ({p.note})" if p.note else ""))
    if failing:
        lines += ["", "Not proved:"] + failing
    return "\n".join(lines) + "\n"
