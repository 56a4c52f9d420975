"""The generator behind ``verifier.testing.strategies.specs()``: small random well-typed specs.

Beside the front end: it writes spec *text* from a Hypothesis draw, valid by
construction (every name declared before use, every expression typed), for the
checker's self-tests (``tests/ci/test_differential.py``). Choices are small integers,
so failing specs shrink towards fewer variables and actions and simpler expressions.
``below(n)``, the cached strategy for such a choice, lives here and serves
``verifier/testing/strategies.py`` too, which imports this module (never the reverse).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy


@functools.lru_cache(maxsize=512)
def below(n: int) -> SearchStrategy[int]:
    """Integers in ``0..n-1`` (cached: a walk draws thousands)."""
    return st.integers(0, n - 1)


# Variable kinds: ("bool",), ("range", hi), ("enum",), ("map", codomain) with codomain
# "bool" or "bit" (0..1). Small on purpose: every drawn spec stays under ~1,000 states.
_Kind = tuple[str, ...]


@dataclass
class _SpecGen:
    draw: DrawFn
    members: tuple[str, ...]
    vars: list[tuple[str, _Kind]]
    depth_left: int = 3

    def pick(self, options: list[Any]) -> Any:
        return options[self.draw(below(len(options)))] if len(options) > 1 else options[0]

    def chance(self, pct: int) -> bool:
        return self.draw(below(100)) < pct

    # -- expressions, by type; ``locals_`` are names bound to enum values

    def enum_expr(self, locals_: list[str]) -> str:
        if locals_ and self.chance(70):  # quantifier and parameter bodies use their binder
            return str(self.pick(locals_))
        opts = [n for n, k in self.vars if k == ("enum",)]
        if not opts or self.chance(50):
            opts = list(self.members)
        return str(self.pick(opts))

    def int_expr(self, locals_: list[str], depth: int = 2) -> str:
        atoms = [n for n, k in self.vars if k[0] == "range"]
        atoms += [f"{n}[{self.enum_expr(locals_)}]" for n, k in self.vars if k == ("map", "bit")]
        if not atoms or self.chance(25):  # mostly state, sometimes a literal
            atoms = [str(self.draw(below(3)))]
        if depth <= 0 or self.chance(50):
            return str(self.pick(atoms))
        a = self.int_expr(locals_, depth - 1)
        form = self.draw(below(5))
        if form == 0:
            return f"{a} + 1"
        if form == 1:
            return f"{a} - 1"
        if form == 2:
            return f"({a}) % 2"
        if form == 3:
            return f"min({a}, {self.int_expr(locals_, depth - 1)})"
        v = f"k{depth}"
        return f"count({v} in E: {self.bool_expr(locals_ + [v], depth - 1)})"

    def bool_expr(self, locals_: list[str], depth: int = 2) -> str:
        atoms = [n for n, k in self.vars if k == ("bool",)]
        atoms += [f"{n}[{self.enum_expr(locals_)}]" for n, k in self.vars if k == ("map", "bool")]
        atoms += [f"{n} == {self.enum_expr(locals_)}" for n, k in self.vars if k == ("enum",)]
        atoms += [f"{n} {self.pick(['==', '!=', '<', '>'])} {self.draw(below(int(k[1]) + 1))}"
                  for n, k in self.vars if k[0] == "range"]
        if not atoms or self.chance(10):
            atoms = ["true", "false"]
        if depth <= 0 or self.chance(30):
            return str(self.pick(atoms))
        form = self.draw(below(7))
        if form == 0:
            return f"not {self.bool_expr(locals_, depth - 1)}"
        if form in (1, 2):
            op = "and" if form == 1 else "or"
            return f"({self.bool_expr(locals_, depth - 1)} {op} {self.bool_expr(locals_, depth - 1)})"
        if form == 3:
            op = self.pick(["==", "!=", "<", "<="])
            return f"{self.int_expr(locals_, depth - 1)} {op} {self.int_expr(locals_, depth - 1)}"
        if form == 4:
            return f"{self.enum_expr(locals_)} == {self.enum_expr(locals_)}"
        v = f"q{depth}"
        quant = self.pick(["exists", "forall"])
        return f"({quant} {v} in E: {self.bool_expr(locals_ + [v], depth - 1)})"

    def value_expr(self, kind: _Kind, locals_: list[str]) -> str:
        if kind[0] == "bool" or kind == ("map", "bool"):
            return self.bool_expr(locals_, 1)
        if kind[0] == "enum":
            if self.chance(30):
                return f"if {self.bool_expr(locals_, 1)} then {self.enum_expr(locals_)} else " \
                       f"{self.enum_expr(locals_)}"
            return self.enum_expr(locals_)
        hi = int(kind[1]) if kind[0] == "range" else 1
        e = self.int_expr(locals_, 1)
        if self.chance(40):  # a counter step, the commonest update in protocol specs
            e = f"{self.int_expr(locals_, 0)} {self.pick(['+', '-'])} 1"
        # mostly kept in the domain; sometimes not, to produce run-time errors
        return e if self.chance(15) else f"min(max({e}, 0), {hi})"

    # -- statements

    def assign(self, locals_: list[str]) -> str:
        name, kind = self.pick(self.vars)
        target = f"{name}[{self.enum_expr(locals_)}]" if kind[0] == "map" else name
        return f"{target} = {self.value_expr(kind, locals_)}"

    def block(self, locals_: list[str], indent: str, n_max: int = 3) -> list[str]:
        out = []
        for _ in range(1 + self.draw(below(n_max))):
            form = self.draw(below(8)) if self.depth_left > 0 else self.draw(below(4))
            if form in (0, 1, 2):
                out.append(indent + self.assign(locals_))
            elif form == 3:
                out.append(indent + f"require {self.bool_expr(locals_)}")
            else:
                self.depth_left -= 1
                inner = indent + "  "
                if form in (4, 5):
                    out.append(indent + f"if {self.bool_expr(locals_)} {{")
                    out += self.block(locals_, inner, 2)
                    if self.chance(50):
                        out.append(indent + "} else {")
                        out += self.block(locals_, inner, 2)
                    out.append(indent + "}")
                elif form == 6:
                    out.append(indent + "either {")
                    out += self.block(locals_, inner, 2)
                    out.append(indent + "} or {")
                    out += self.block(locals_, inner, 2)
                    out.append(indent + "}")
                else:
                    v = f"x{self.depth_left}"
                    out.append(indent + f"pick {v} in E {{")
                    out += self.block(locals_ + [v], inner, 2)
                    out.append(indent + "}")
        return out


def _var_decl(g: _SpecGen, name: str, kind: _Kind) -> str:
    if kind[0] == "bool":
        ty, init = "bool", g.pick(["false", "true"])
    elif kind[0] == "range":
        ty, init = f"0..{kind[1]}", str(g.draw(below(int(kind[1]) + 1)))
    elif kind[0] == "enum":
        ty, init = "E", g.pick(list(g.members))
    else:
        cod = "bool" if kind[1] == "bool" else "0..1"
        ty, init = f"E -> {cod}", "{k: " + g.pick(["false", "true"] if kind[1] == "bool" else
                                                   ["0", "1"]) + " for k in E}"
    if g.chance(20):  # no initial value: every value of the type is initial
        return f"var {name}: {ty}"
    return f"var {name}: {ty} = {init}"


@st.composite
def spec_text(draw: DrawFn, max_vars: int, max_actions: int, faults: bool) -> str:
    members = ("e0", "e1", "e2")[: 2 + draw(below(2))]
    kinds: list[_Kind] = [("bool",), ("range", "1"), ("range", "2"), ("range", "3"), ("enum",),
                          ("map", "bool"), ("map", "bit")]
    vars_ = [(f"v{i}", kinds[draw(below(len(kinds)))]) for i in range(1 + draw(below(max_vars)))]
    g = _SpecGen(draw, members, vars_)
    lines = ["enum E { " + ", ".join(members) + " }"]
    lines += [_var_decl(g, n, k) for n, k in vars_]
    if g.chance(15):
        lines.append(f"init: {g.bool_expr([], 1)}")
    for i in range(1 + draw(below(max_actions))):
        fault = "fault " if faults and g.chance(25) else ""
        param = g.pick(["", "", "(p: E)", "(p: 0..1)"])
        locals_ = ["p"] if param == "(p: E)" else []
        g.depth_left = 2
        body = g.block(locals_, "  ")
        if param == "(p: 0..1)":  # use the numeric parameter somewhere
            body.insert(0, f"  require p <= {g.int_expr([], 1)}")
        lines += [f"{fault}action A{i}{param} {{", *body, "}"]
    for i in range(1 + draw(below(2))):
        lines.append(f"invariant I{i}: {g.bool_expr([], 2)}")
    if g.chance(60):
        lines.append(f"reachable R0: {g.bool_expr([], 2)}")
    return "\n".join(lines) + "\n"


# ---- liveness: tiny specs with fairness, fault caps and temporal properties ----------------

_FAIRNESS = ("", "", "fair ", "strong fair ", "fair any ", "strong fair any ")


def _temporal(g: _SpecGen, depth: int) -> str:
    """A temporal formula over small state predicates, every operand parenthesized."""
    if depth <= 0 or g.chance(25):
        return f"({g.bool_expr([], 1)})"
    form = g.draw(below(8))
    a = _temporal(g, depth - 1)
    if form == 0:
        return f"(always {a})"
    if form == 1:
        return f"(eventually {a})"
    if form == 2:
        return f"(not {a})"
    b = _temporal(g, depth - 1)
    op = ("until", "~>", "and", "or", "=>")[form - 3]
    return f"({a} {op} {b})"


@st.composite
def liveness_spec(draw: DrawFn) -> tuple[str, dict[str, int]]:
    """A spec of at most a few dozen states (small enough for a brute-force reference)
    with fair, strong fair and unfair actions, some with a parameter, fault actions
    under caps, and liveness properties of every form; and its fault caps."""
    members = ("e0", "e1")
    kinds: list[_Kind] = [("range", "2"), ("bool",), ("range", "1"), ("enum",), ("range", "3")]
    vars_ = [(f"v{i}", kinds[draw(below(len(kinds)))]) for i in range(1 + draw(below(3)))]
    g = _SpecGen(draw, members, vars_)
    lines = ["enum E { e0, e1 }"]
    for n, k in vars_:  # every variable starts with a value: few initial states
        lines.append(_var_decl(g, n, k).split(" = ")[0] + " = " + _initial(g, k))
    faults: dict[str, int] = {}
    for i in range(2 + draw(below(2))):
        fault = not g.chance(80)  # (a draw of 0, what shrinking aims at, is no fault)
        prefix = "fault " if fault else _FAIRNESS[draw(below(len(_FAIRNESS)))]
        param = g.pick(["", "", "(p: E)"])
        locals_ = ["p"] if param else []
        g.depth_left = 2
        body = g.block(locals_, "  ", 3)
        lines += [f"{prefix}action A{i}{param} {{", *body, "}"]
        if fault:
            faults[f"A{i}"] = 1 + draw(below(2))
    for i in range(1 + draw(below(3))):
        param = "(q: E)" if g.chance(20) else ""
        q = ["q"] if param else []
        form = draw(below(6))
        if form == 0:
            f = f"{g.bool_expr(q, 1)} ~> {g.bool_expr(q, 1)}"
            if g.chance(30):
                f += f" while {g.bool_expr(q, 1)}"
        elif form == 1:
            f = f"always eventually ({g.bool_expr(q, 1)})"
        elif form == 2:
            f = f"eventually always ({g.bool_expr(q, 1)})"
        elif form == 3:
            tick = f" ticks of A{draw(below(2))}" if g.chance(40) else ""
            f = f"{g.bool_expr(q, 1)} ~> {g.bool_expr(q, 1)} within {draw(below(3))}{tick}"
        else:
            f = f"always {_temporal(g, 2)}" if g.chance(50) else f"eventually {_temporal(g, 2)}"
        lines.append(f"liveness L{i}{param}: {f}")
    return "\n".join(lines) + "\n", faults


def _initial(g: _SpecGen, kind: _Kind) -> str:
    if kind[0] == "bool":
        return str(g.pick(["false", "true"]))
    if kind[0] == "range":
        return str(g.draw(below(int(kind[1]) + 1)))
    return str(g.pick(list(g.members)))
