"""Random specs with ``symmetric`` enums, for the differential tests of symmetry reduction.

``symmetric_spec(rnd)`` writes the text of a small spec that the checker accepts as
symmetric: one or two symmetric enums (``M``, sometimes ``C``: a product group), state
that the sorted canonical form handles (maps keyed by members, member values, sets of
members) and sometimes state it cannot (``M -> M?``, sequences of members: every renaming
is tried), actions with member parameters, picks, quantifiers, fault actions with caps,
guards and run-time errors, invariants, reachables, a constraint, and liveness under
``fair any`` fairness (which the reduced graph checks) or per-instance fairness (which it
refuses). Initial values may name and rank members: the reduction must not care. The
tests (``tests/engine/test_symmetry.py``) check each spec with and without the reduction
and compare every verdict; each counterexample is replayed by the check itself.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class _Gen:
    rnd: random.Random
    n: int
    two: bool
    brute: bool
    lines: list[str] = field(default_factory=list)

    def chance(self, pct: int) -> bool:
        return self.rnd.randrange(100) < pct

    def pick(self, xs: list[str]) -> str:
        return xs[self.rnd.randrange(len(xs))]

    # -- state predicates over a member expression ``m`` (a bound name)
    def member_pred(self, m: str, locals_: list[str]) -> str:
        opts = [f"up[{m}]", f"not up[{m}]", f"x[{m}] < 2", f"x[{m}] == 0", f"x[{m}] > 0",
                f"{m} in s", f"{m} not in s", f"lead == {m}", f"lead != {m}"]
        if self.two:
            opts += [f"len(g[{m}]) > 0", f"len(g[{m}]) < 2"]
        if self.brute:
            opts += [f"vote[{m}] == none", f"vote[{m}] == lead", "len(q) == 0"]
        others = [k for k in locals_ if k not in (m, "c")]
        if others:
            k = self.pick(others)
            opts += [f"{m} != {k}", f"{m} == {k}"]
            if self.brute:
                opts.append(f"vote[{m}] == {k}")
        return self.pick(opts)

    def pred(self, locals_: list[str], depth: int = 2) -> str:
        atoms = ["lead == none", "lead != none", "cnt < 2", "cnt == 0", "len(s) < 2", "flag",
                 "not flag"]
        members = [k for k in locals_ if k != "c"]
        if members:
            atoms += [self.member_pred(self.pick(members), locals_) for _ in range(3)]
        if depth <= 0 or self.chance(35):
            return self.pick(atoms)
        form = self.rnd.randrange(6)
        if form == 0:
            return f"not ({self.pred(locals_, depth - 1)})"
        if form in (1, 2):
            op = "and" if form == 1 else "or"
            return f"({self.pred(locals_, depth - 1)} {op} {self.pred(locals_, depth - 1)})"
        v = f"k{depth}{self.rnd.randrange(9)}"
        if form == 3:
            return f"count({v} in M: {self.pred(locals_ + [v], depth - 1)}) {self.pick(['<=', '>=', '=='])} " \
                   f"{self.rnd.randrange(self.n + 1)}"
        quant = self.pick(["exists", "forall"])
        return f"({quant} {v} in M: {self.pred(locals_ + [v], depth - 1)})"

    # -- statements
    def update(self, m: str, locals_: list[str], safe: bool) -> str:
        k = self.pick([x for x in locals_ if x != "c"])
        opts = [f"up[{m}] = {self.pred(locals_, 1)}", f"x[{m}] = min(x[{m}] + 1, 2)",
                f"x[{m}] = 0", f"s = s | {{{m}}}", f"s = s - {{{m}}}", f"lead = {m}",
                "lead = none", f"flag = {self.pred(locals_, 1)}", "cnt = min(cnt + 1, 3)"]
        if not safe:  # run-time errors: outside a range
            opts += [f"x[{m}] = x[{m}] + 1", "cnt = cnt + 1"]
        if self.two:
            opts += [f"g[{m}] = {{}}", f"g[{m}] = g[{m}] | {{c}}" if "c" in locals_ else f"g[{m}] = {{}}"]
            if "c" in locals_:
                opts += [f"owner[c] = {m}", "owner[c] = none"]
        if self.brute:
            opts += [f"vote[{m}] = {k}", f"vote[{m}] = none"]
            opts += ["q = []", f"q = [{m}]"]
        return self.pick(opts)

    def action(self, i: int) -> None:
        params = ["m"] + (["k"] if self.chance(40) else [])
        if self.two and self.chance(40):
            params.append("c")
        sig = ", ".join(f"{p}: {'C' if p == 'c' else 'M'}" for p in params)
        fault = self.chance(20)
        fair = ""
        if not fault and self.chance(30):
            fair = self.pick(["fair any ", "fair any ", "strong fair any ", "fair "])
        head = f"{'fault ' if fault else fair}action A{i}({sig}) {{"
        body = [f"  require {self.pred(params, 1)}"]
        members = [p for p in params if p != "c"]
        with_pick = self.chance(25)
        safe = with_pick or self.chance(50)
        for _ in range(self.rnd.randrange(1, 3)):
            body.append("  " + self.update(self.pick(members), params, safe))
        if self.chance(25):
            body.append(f"  either {{ {self.update(self.pick(members), params, safe)} }} or "
                        f"{{ {self.update(self.pick(members), params, safe)} }}")
        if with_pick:
            body.append(f"  pick j in M {{ require {self.member_pred('j', params + ['j'])}; "
                        f"{self.update('j', params + ['j'], True)} }}")
        self.lines += [head, *body, "}"]

    def spec(self) -> str:
        n, rnd = self.n, self.rnd
        add = self.lines.append
        add(f"symmetric enum M[{n}]")
        if self.two:
            add("symmetric enum C[2]")
        # initial values may single members out: the reduction must not care
        up0 = self.pick(["true", "true", "ord(m) > 0", "ord(m) == 0", "m != M1"])
        add(f"var up: M -> bool = {{m: {up0} for m in M}}")
        add(f"var x: M -> 0..2 = {{m: {self.pick(['0', '0', 'if ord(m) == 1 then 1 else 0'])} for m in M}}")
        add(f"var lead: M? = {self.pick(['none', 'none', 'M1', 'M2'])}")
        add(f"var s: set[M] = {self.pick(['{}', '{}', '{M1}', 'M'])}")
        add("var cnt: 0..3 = 0")
        add(f"var flag: bool{'' if self.chance(30) else ' = false'}")
        if self.two:
            add("var g: M -> set[C] = {m: {} for m in M}")
            add("var owner: C -> M? = {c: none for c in C}")
        if self.brute:
            add("var vote: M -> M? = {m: none for m in M}")
            add("var q: seq[M, 1] = []")
        for i in range(rnd.randrange(2, 5)):
            self.action(i)
        for i in range(rnd.randrange(1, 3)):
            add(f"invariant I{i}: {self.pred([], 2)}")
        add("invariant Lead: count(m in M: lead == m) <= 1")
        for i in range(rnd.randrange(1, 3)):
            add(f"reachable W{i}: {self.pred([], 2)}")
        if self.chance(25):
            add(f"constraint Small: count(m in M: x[m] == 2) <= {rnd.randrange(1, n + 1)}")
        if self.chance(50):
            form = rnd.randrange(3)
            p, q = self.pred([], 1), self.pred([], 1)
            live = [f"{p} ~> {q}", f"always eventually ({q})", f"eventually always ({q})"][form]
            add(f"liveness L: {live}")
        return "\n".join(self.lines) + "\n"


def symmetric_spec(rnd: random.Random) -> tuple[str, dict[str, int]]:
    """A random symmetric spec, and fault caps for it."""
    g = _Gen(rnd, rnd.randrange(2, 5), rnd.random() < 0.3, rnd.random() < 0.25)
    text = g.spec()
    faults = {f"A{i}": rnd.randrange(1, 3) for i in range(8) if f"fault action A{i}(" in text}
    return text, faults
