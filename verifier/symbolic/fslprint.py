"""Stage 6 (symbolic): a Z3 formula over a state's leaves, printed back as FSL.

Spacer's invariants are Boolean combinations of linear atoms over the state's leaves
(``state.Leaf``). Each leaf is read back as the spec writes it: ``epoch``,
``master[A]``, ``c in grants[1]``, ``writer != none``. A linear atom is printed with
its positive terms on the left and its negative terms on the right
(``issued + 2 > epochB``); an atom on an enum leaf becomes member tests
(``writer == B``); an atom on the value inside an option is guarded by what it means
for ``none`` (the encoding stores a fixed default there). The result parses and
type-checks as an FSL expression; ``Unprintable`` says when a formula falls outside
what this module can read back.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import z3

from verifier import results as R
from verifier.lang import typesys as T
from verifier.lang.model import Model
from verifier.symbolic.state import Leaf, PathStep

Term = Any


class Unprintable(Exception):
    """The formula uses something with no FSL reading here."""


def _key(ty: T.Ty, v: Any) -> str:
    return R.format_value(T.display(ty, v))


class Printer:
    def __init__(self, model: Model, leaves: tuple[Leaf, ...]) -> None:
        self.model = model
        self.by_id = {lf.term.get_id(): lf for lf in leaves}

    # -- leaves
    def base(self, lf: Leaf, upto: int | None = None) -> str:
        text = self.model.variables[lf.var].name
        if lf.var >= self.model.n_spec_vars:
            raise Unprintable(f"it depends on the fault counter {text}, which a spec cannot name "
                              "(it holds under the model's fault caps)")
        steps = lf.path if upto is None else lf.path[:upto]
        for st in steps:
            match st:
                case ("key", k, dom):
                    text += f"[{_key(dom, k)}]"
                case ("field", name):
                    text += f".{name}"
                case ("pos", i) | ("item", i):
                    text += f"[{i}]"
                case ("inner",) | ("some",) | ("elem", _, _) | ("len",):
                    pass
        return text

    def bool_leaf(self, lf: Leaf) -> str:
        last: PathStep = lf.path[-1] if lf.path else ()
        if last and last[0] == "some":
            return f"{self.base(lf)} != none"
        if last and last[0] == "elem":
            return f"{_key(last[2], last[1])} in {self.base(lf)}"
        return self.base(lf)

    def int_leaf(self, lf: Leaf) -> str:
        if lf.path and lf.path[-1][0] == "len":
            return f"len({self.base(lf)})"
        return self.base(lf)

    def leaf(self, t: Term) -> Leaf | None:
        return self.by_id.get(t.get_id()) if z3.is_const(t) else None

    # -- formulas
    def formula(self, t: Term, top: bool = False) -> str:
        if z3.is_true(t):
            return "true"
        if z3.is_false(t):
            return "false"
        lf = self.leaf(t)
        if lf is not None:
            return self.bool_leaf(lf)
        if z3.is_and(t):
            parts = [self.formula(c) for c in t.children()]
            return ("\n  and " if top else " and ").join(parts) if top else "(" + " and ".join(parts) + ")"
        if z3.is_or(t):
            return "(" + " or ".join(self.formula(c) for c in t.children()) + ")"
        if z3.is_not(t):
            inner = t.arg(0)
            if _is_cmp(inner):
                return self.atom(inner, negate=True)
            ilf = self.leaf(inner)
            if ilf is not None:
                text = self.bool_leaf(ilf)
                if text.endswith(" != none"):
                    return text[: -len(" != none")] + " == none"
                if " in " in text and ilf.path and ilf.path[-1][0] == "elem":
                    return text.replace(" in ", " not in ", 1)
            text = self.formula(inner)
            return f"not {text}" if ilf is not None else f"not {self._wrap(text)}"
        if z3.is_implies(t):
            return f"({self.formula(t.arg(0))} => {self.formula(t.arg(1))})"
        if z3.is_app_of(t, z3.Z3_OP_ITE) and z3.is_bool(t):
            c, a, b = (self.formula(x) for x in t.children())
            return f"(if {c} then {a} else {b})"
        if z3.is_eq(t) and z3.is_bool(t.arg(0)):
            return f"({self.formula(t.arg(0))} <=> {self.formula(t.arg(1))})"
        if _is_cmp(t):
            return self.atom(t)
        raise Unprintable(f"cannot print {t}")

    @staticmethod
    def _wrap(text: str) -> str:
        return text if text.startswith("(") else f"({text})"

    def atom(self, t: Term, negate: bool = False) -> str:
        op = _OPS[t.decl().kind()]
        if negate:
            op = _NEG[op]
        if op == "!=" and z3.is_eq(t) and z3.is_bool(t.arg(0)):
            return f"not ({self.formula(t.arg(0))} <=> {self.formula(t.arg(1))})"
        lin = _linear(t.arg(0), self)
        rhs = _linear(t.arg(1), self)
        for k, v in rhs.items():
            lin[k] = lin.get(k, Fraction(0)) - v
        const = -lin.pop(None, Fraction(0))   # sum(coef * leaf) OP const
        coefs = {k: v for k, v in lin.items() if k is not None and v != 0}
        if not coefs:
            return "true" if _holds(Fraction(0), op, const) else "false"
        leaves = [self.by_id[k] for k in coefs]
        enum_leaves = [lf for lf in leaves if isinstance(lf.ty, T.EnumTy)]
        if enum_leaves:
            if len(coefs) != 1:
                raise Unprintable("an atom mixes an enum with other values")
            lf = leaves[0]
            text = self._enum_atom(lf, coefs[lf.term.get_id()], op, const)
            # `x == M` is false and `x != M` true when x is none: no guard needed then
            plain = (" == " in text and not text.startswith("(")) or " != " in text
            at_none = self._at_none(lf, t, negate)
            if plain and at_none is (" != " in text):
                return text
            return self._guard_option(lf, text, t, negate)
        if op in ("<", ">"):
            # integers: a strict bound is a non-strict one off by one
            const, op = (const - 1, "<=") if op == "<" else (const + 1, ">=")
        text = self._linear_text(coefs, op, const)
        inner = [lf for lf in leaves if lf.path and lf.path[-1][0] == "inner"]
        if len(inner) > 1:
            raise Unprintable("an atom on the values inside several options")
        if inner:
            return self._guard_option(inner[0], text, t, negate)
        return text

    def _enum_atom(self, lf: Leaf, coef: Fraction, op: str, const: Fraction) -> str:
        assert isinstance(lf.ty, T.EnumTy)
        members = lf.ty.members
        ok = [m for i, m in enumerate(members) if _holds(coef * i, op, const)]
        name = self.base(lf)
        if not ok:
            return "false"
        if len(ok) == len(members):
            return "true"
        if len(ok) == 1:
            return f"{name} == {ok[0]}"
        if len(ok) == len(members) - 1:
            (bad,) = [m for m in members if m not in ok]
            return f"{name} != {bad}"
        return "(" + " or ".join(f"{name} == {m}" for m in ok) + ")"

    def _guard_option(self, lf: Leaf, text: str, atom: Term, negate: bool) -> str:
        """``text`` reads the value inside an option; what does the atom say for ``none``
        (where the encoding keeps the default value)?"""
        if not (lf.path and lf.path[-1][0] == "inner"):
            return text
        at_none = self._at_none(lf, atom, negate)
        name = self.base(lf)
        if at_none is True:
            return f"({name} == none or {text})"
        if at_none is False:
            return f"({name} != none and {text})"
        raise Unprintable("an atom whose meaning for `none` depends on other values")

    def _at_none(self, lf: Leaf, atom: Term, negate: bool) -> bool | None:
        """The atom's truth when the option holding ``lf`` is ``none`` (None: depends;
        not an option: None as well)."""
        if not (lf.path and lf.path[-1][0] == "inner"):
            return None
        default = z3.IntVal(lf.ty.lo if isinstance(lf.ty, T.RangeTy) else 0)
        v = z3.simplify(z3.substitute(atom, (lf.term, default)))
        if negate:
            v = z3.simplify(z3.Not(v))
        return True if z3.is_true(v) else (False if z3.is_false(v) else None)

    def _linear_text(self, lin: dict[int, Fraction], op: str, const: Fraction) -> str:
        den = 1
        for v in list(lin.values()) + [const]:
            den = den * v.denominator // _gcd(den, v.denominator)
        left: list[str] = []
        right: list[str] = []
        for k, v in sorted(lin.items(), key=lambda kv: self.int_leaf(self.by_id[kv[0]])):
            c = int(v * den)
            term = self.int_leaf(self.by_id[k])
            (left if c > 0 else right).append(term if abs(c) == 1 else f"{abs(c)} * {term}")
        c = int(const * den)
        if not left:
            # 0 OP const - right  ->  right OP' -const ... keep it readable: move all right
            left, right, c, op = right, [], -c, _FLIP[op]
        if c > 0 or (c == 0 and right):
            rhs = " + ".join(right + ([str(c)] if c else []))
        elif c == 0:
            rhs = "0"
        else:
            left = left + [str(-c)]
            rhs = " + ".join(right) if right else "0"
        return f"{' + '.join(left)} {op} {rhs}"

    def invariant(self, t: Term) -> str:
        return self.formula(t, top=True)


_OPS = {z3.Z3_OP_LE: "<=", z3.Z3_OP_GE: ">=", z3.Z3_OP_LT: "<", z3.Z3_OP_GT: ">",
        z3.Z3_OP_EQ: "==", z3.Z3_OP_DISTINCT: "!="}
_NEG = {"<=": ">", ">=": "<", "<": ">=", ">": "<=", "==": "!=", "!=": "=="}
_FLIP = {"<=": ">=", ">=": "<=", "<": ">", ">": "<", "==": "==", "!=": "!="}


def _is_cmp(t: Term) -> bool:
    return z3.is_app(t) and t.decl().kind() in _OPS and t.num_args() == 2 and z3.is_int(t.arg(0))


def _holds(x: Fraction, op: str, c: Fraction) -> bool:
    return {"<=": x <= c, ">=": x >= c, "<": x < c, ">": x > c, "==": x == c, "!=": x != c}[op]


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def _linear(t: Term, p: Printer) -> dict[int | None, Fraction]:
    """``t`` as {leaf id: coefficient, None: constant}."""
    if z3.is_int_value(t) or z3.is_rational_value(t):
        return {None: Fraction(str(t.as_fraction() if z3.is_rational_value(t) else t.as_long()))}
    lf = p.leaf(t)
    if lf is not None:
        return {t.get_id(): Fraction(1)}
    if z3.is_add(t):
        out: dict[int | None, Fraction] = {}
        for c in t.children():
            for k, v in _linear(c, p).items():
                out[k] = out.get(k, Fraction(0)) + v
        return out
    if z3.is_sub(t):
        a, b = _linear(t.arg(0), p), _linear(t.arg(1), p)
        for k, v in b.items():
            a[k] = a.get(k, Fraction(0)) - v
        return a
    if z3.is_app_of(t, z3.Z3_OP_UMINUS):
        return {k: -v for k, v in _linear(t.arg(0), p).items()}
    if z3.is_mul(t):
        parts = [_linear(c, p) for c in t.children()]
        consts = [q for q in parts if set(q) <= {None}]
        others = [q for q in parts if not set(q) <= {None}]
        if len(others) > 1:
            raise Unprintable("a nonlinear term")
        factor = Fraction(1)
        for q in consts:
            factor *= q.get(None, Fraction(0))
        base = others[0] if others else {None: Fraction(1)}
        return {k: v * factor for k, v in base.items()}
    raise Unprintable(f"cannot print the term {t}")
