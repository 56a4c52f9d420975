"""Stage 5 (explicit): symmetry reduction, its group and canonical form, and real traces.

A spec's ``symmetric`` enums (proved symmetric by ``verifier/lang/symmetry.py``) let the
kernel search store one state per class of states that differ by a renaming of their
members: the *canonical* one. ``plan`` decides whether a check may use the reduction
(liveness under per-instance fairness of a parameter of a symmetric type, for one, may
not: docs/symmetry.md) and how its canonical form is computed:

- **sort**: one symmetric enum E whose members occur in the state only as the keys of
  maps whose values do not mention E (``up: E -> bool``), as values (``leader: E?``,
  ``bound: Client -> E?``) and as elements of ``set[E]``. Each member's data then
  sits in a *key* (its entries, and where it is referred to); the canonical state
  renames the members in the order of their keys, and members with equal keys are
  interchangeable in that state, so the result depends only on the class. The cost is a
  sort of n keys per stored state.
- **permutations**: for the other symmetric enums (``E -> E``, ``set[tuple[E, E]]``,
  sequences), every renaming is tried and the least state in packed words (lexicographic,
  word 0 first, as signed 64-bit numbers) is kept: k! renamings per state, so at most
  ``MAX_TRIED`` in all; with a sorted enum as well, each renaming of the others is sorted
  and the least result kept.

``Canon`` computes the same canonical form in Python (the kernel generates it,
``verifier/engine/kernel/symmetry.py``; tests compare the two), and ``Lifter`` turns a
path of canonical states into a real trace of the spec: each step of a canonical state
maps, renamed back, to a step of the real state it stands for; the real trace is then
replayed through the reference semantics, which re-checks it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from verifier.engine.kernel.layout import KernelLayout, Leaf, WideMap, WideRecord, block_of
from verifier.engine.options import CheckOptions
from verifier.lang import model as M
from verifier.lang import semantics as sem
from verifier.lang import typesys as T
from verifier.lang.symmetry import Renaming, mentions, permute

MAX_TRIED = 5040  # renamings tried per state (7!): beyond, the reduction is not used


class NotSortable(Exception):
    """The enum occurs in the state where a key per member cannot capture it."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where the sorted enum occurs in a state: ``kind`` "row" (a map keyed by it at
    ``ty``), "ref" (a value of it, or of its option) or "set" (a ``set`` of it, or of its
    option), in variable ``var`` at ``steps`` (each ("key", i): the i-th entry of a map,
    or ("field", j): the j-th component)."""

    kind: str
    var: int
    steps: tuple[tuple[str, int], ...]
    ty: T.Ty


@dataclass(frozen=True, slots=True)
class Group:
    """The symmetry group of a reduced search and how its canonical form is computed."""

    enums: tuple[T.EnumTy, ...]      # the symmetric enums whose members occur in the state
    sorted: T.EnumTy | None          # put in order by its members' keys
    tried: tuple[T.EnumTy, ...]      # every renaming of these is tried
    positions: tuple[Position, ...]  # of ``sorted``
    size: int                        # renamings in the group: the product of the factorials

    @property
    def method(self) -> str:
        if self.sorted is None:
            return "permutations"
        return "sort" if not self.tried else "sort+permutations"

    def describe(self) -> str:
        parts = [f"{e.name} ({len(e.members)}! = {math.factorial(len(e.members)):,} renamings)"
                 for e in self.enums]
        how = {"sort": f"sorted by their members' data ({self.sorted.name if self.sorted else ''})",
               "permutations": "every renaming tried",
               "sort+permutations": f"{', '.join(e.name for e in self.tried)} tried, "
                                    f"{self.sorted.name if self.sorted else ''} sorted"}[self.method]
        return f"{' x '.join(parts)}; canonical states: {how}"


# ---- the plan ---------------------------------------------------------------------------


def state_enums(model: M.Model) -> tuple[T.EnumTy, ...]:
    """The symmetric enums whose members can occur in a state."""
    return tuple(e for e in model.symmetric
                 if any(mentions(v.ty, frozenset({e.name})) for v in model.variables))


def plan(model: M.Model, live: tuple[M.Liveness, ...], opts: CheckOptions) -> Group | str | None:
    """How the search reduces by symmetry: a ``Group``, or why it does not (a note for
    the output), or None when the spec declares no symmetric enum."""
    if not model.symmetric:
        return None
    if not opts.symmetry:
        return "symmetry reduction is off (--no-symmetry): every state is stored"
    if opts.cluster is not None:  # the shards would store the initial states as they are
        return ("symmetry reduction is not combined with --cluster yet: every state is stored "
                "(leave it out to reduce)")
    why = liveness_refusal(model, live)
    if why is not None:
        return f"symmetry reduction is not used: {why}; every state is stored"
    enums = state_enums(model)
    if not enums:
        return None  # the members occur in no state: nothing to reduce
    if any(isinstance(v.ty, T.IntTy) for v in model.variables):
        return "symmetry reduction is not used: a state with an unbounded int has no packed form"
    sortable = []
    for e in enums:
        try:
            sortable.append((e, positions(model, e)))
        except NotSortable:
            continue
    best = max(sortable, key=lambda p: len(p[0].members), default=None)
    tried = tuple(e for e in enums if best is None or e != best[0])
    tries = math.prod(math.factorial(len(e.members)) for e in tried)
    if tries > MAX_TRIED:
        names = ", ".join(f"{e.name} ({len(e.members)} members)" for e in tried)
        return (f"symmetry reduction is not used: the canonical form would try {tries:,} renamings "
                f"of {names} per state (at most {MAX_TRIED:,}), and the state's structure does not "
                "let them be sorted; every state is stored")
    size = math.prod(math.factorial(len(e.members)) for e in enums)
    return Group(enums, best[0] if best else None, tried, best[1] if best else (), size)


def liveness_refusal(model: M.Model, live: tuple[M.Liveness, ...]) -> str | None:
    """Why the liveness properties cannot be checked on the reduced graph, or None.

    On the graph of canonical states a step is labelled with the instance its canonical
    state took; the real behaviour it stands for takes the renamed instance. Fairness
    for each instance of an action with a parameter of a symmetric type, and a property
    with such a parameter, follow one member through renamings the reduced graph has
    forgotten, so they are checked unreduced (docs/symmetry.md)."""
    if not live:
        return None
    names = frozenset(e.name for e in model.symmetric)
    for p in live:
        for q in p.params:
            if mentions(q.ty, names):
                return (f"liveness {p.name} has the parameter {q.name} of the symmetric type "
                        f"{T.show(q.ty)}")
    for a in model.actions:
        if a.fair and not a.whole and any(mentions(q.ty, names) for q in a.params):
            shown = ", ".join(f"{q.name}: {T.show(q.ty)}" for q in a.params)
            return (f"liveness is checked under fairness for each instance of {a.name}({shown}), "
                    "which follows one member through the renamings (`fair any` would not)")
    return None


def positions(model: M.Model, e: T.EnumTy) -> tuple[Position, ...]:
    """Where enum ``e`` occurs in a state, if every occurrence belongs to one member."""
    names = frozenset({e.name})
    out: list[Position] = []

    def walk(ty: T.Ty, var: int, steps: tuple[tuple[str, int], ...]) -> None:
        if not mentions(ty, names):
            return
        match ty:
            case T.EnumTy() | T.OptionTy(T.EnumTy()):
                out.append(Position("ref", var, steps, ty))
            case T.SetTy(T.EnumTy() | T.OptionTy(T.EnumTy())):
                out.append(Position("set", var, steps, ty))
            case T.MapTy(dom, cod) if dom == e and not mentions(cod, names):
                out.append(Position("row", var, steps, ty))
            case T.MapTy(dom, cod) if not mentions(dom, names):
                for i in range(T.size(dom)):
                    walk(cod, var, steps + (("key", i),))
            case T.TupleTy(items) | T.RecordTy(_, items):
                for j, it in enumerate(items):
                    walk(it, var, steps + (("field", j),))
            case _:
                raise NotSortable(T.show(ty))

    for i, v in enumerate(model.variables):
        walk(v.ty, i, ())
    return tuple(out)


def flatten(b: object, v: Any) -> list[int]:
    """A value's leaves in the kernel's block order (the parts of a member's key)."""
    match b:
        case Leaf(ty):
            return [T.encode(ty, v)]
        case WideMap(_, entry, n):
            return [x for i in range(n) for x in flatten(entry, v[i])]
        case WideRecord(_, fields):
            return [x for (_, _, fb), fv in zip(fields, v) for x in flatten(fb, fv)]
    raise AssertionError(b)


# ---- the canonical form, in Python ---------------------------------------------------------


def renamings(enums: tuple[T.EnumTy, ...]) -> Iterator[Renaming]:
    """Every renaming of the members of ``enums`` (the identity first), one at a time."""
    if not enums:
        yield {}
        return
    first, rest = enums[0], enums[1:]
    for perm in itertools.permutations(first.members):
        head = dict(zip(first.members, perm))
        for tail in renamings(rest):
            yield {**head, **tail}


def inverse(ren: Renaming) -> Renaming:
    return {b: a for a, b in ren.items()}


class Canon:
    """The canonical form of a group on the reference semantics' states."""

    def __init__(self, model: M.Model, group: Group) -> None:
        self.model = model
        self.group = group
        self.layout = KernelLayout.of(model)
        self.names = frozenset(e.name for e in group.enums)
        self.tried = list(renamings(group.tried))

    def rename(self, state: sem.State, ren: Renaming) -> sem.State:
        return tuple(permute(v.ty, x, ren, self.names) for v, x in zip(self.model.variables, state))

    def rename_params(self, action: M.Action, params: tuple[Any, ...], ren: Renaming) -> tuple[Any, ...]:
        return tuple(permute(p.ty, x, ren, self.names) for p, x in zip(action.params, params))

    def key(self, state: sem.State, m: str) -> tuple[int, ...]:
        """Member ``m``'s key (of the sorted enum) in ``state``."""
        out: list[int] = []
        for pos in self.group.positions:
            v = state[pos.var]
            for _, i in pos.steps:
                v = v[i]
            match pos.kind:
                case "row":
                    assert isinstance(pos.ty, T.MapTy)
                    out += flatten(block_of(pos.ty.cod), v[T.key_index(pos.ty.dom, m)])
                case "ref":
                    out.append(int(v == m))
                case _:
                    out.append(int(m in v))
        return tuple(out)

    def sort(self, state: sem.State) -> Renaming:
        e = self.group.sorted
        assert e is not None
        order = sorted(range(len(e.members)), key=lambda i: self.key(state, e.members[i]))
        return {e.members[old]: e.members[new] for new, old in enumerate(order)}

    def canonical(self, state: sem.State) -> tuple[sem.State, Renaming, int]:
        """The canonical state of ``state``'s class, a renaming that maps ``state`` to it,
        and how many renamings do (the size of its stabilizer)."""
        best: tuple[tuple[int, ...], sem.State, Renaming] | None = None
        count = 0
        for ren in self.tried:
            s = self.rename(state, ren)
            full = dict(ren)
            if self.group.sorted is not None:
                by = self.sort(s)
                s = self.rename(s, by)
                full.update(by)
            words = tuple(self.layout.encode(s))
            if best is None or words < best[0]:
                best, count = (words, s, full), 1
            elif words == best[0]:
                count += 1
        assert best is not None
        return best[1], best[2], count * self.sorted_stabilizer(best[1])

    def sorted_stabilizer(self, state: sem.State) -> int:
        e = self.group.sorted
        if e is None:
            return 1
        out = 1
        keys = [self.key(state, m) for m in e.members]
        run = 1
        for a, b in zip(keys, keys[1:]):
            run = run + 1 if a == b else 1
            out *= run
        return out


# ---- real traces from canonical paths ------------------------------------------------------


class Lifter:
    """Paths of canonical states (ordinals, as the search stores them) turned into the
    ordinals of a real behaviour of the spec from one of its initial states."""

    def __init__(self, model: M.Model, group: Group) -> None:
        self.model = model
        self.canon = Canon(model, group)

    def _step(self, real: sem.State, ren: Renaming, o: int) -> tuple[int, sem.State, Renaming]:
        """Transition ``o`` of the canonical state ``ren(real)``, taken from ``real``: its
        ordinal there, the real target and the renaming of the target to its canonical state."""
        c = self.canon.rename(real, ren)
        trs = sem.successors(self.model, c)
        tr = trs[o]
        back = inverse(ren)
        action = self.model.actions[tr.action]
        params = self.canon.rename_params(action, tr.params, back)
        want = None if tr.target is None else self.canon.rename(tr.target, back)
        for k, rt in enumerate(sem.successors(self.model, real)):
            if rt.action == tr.action and rt.params == params and rt.target == want and \
                    (rt.error is None) == (tr.error is None):
                if want is None:
                    return k, real, ren
                _, r2, _ = self.canon.canonical(want)
                return k, want, r2
        from verifier.engine.trace import ReplayMismatch

        raise ReplayMismatch("a step of a canonical state has no renamed counterpart in the real state")

    def path(self, ordinals: list[int], error_step: tuple[int, int, str] | None = None
             ) -> tuple[list[int], tuple[int, int, str] | None]:
        """Real ordinals for canonical ``ordinals`` (the first: the index of the real
        initial state whose canonical state starts the path), and the error step's."""
        real = sem.initial_states(self.model)[ordinals[0]]
        _, ren, _ = self.canon.canonical(real)
        out = [ordinals[0]]
        for o in ordinals[1:]:
            k, real, ren = self._step(real, ren, o)
            out.append(k)
        err = None
        if error_step is not None:
            k, _, _ = self._step(real, ren, error_step[0])
            err = (k, error_step[1], error_step[2])
        return out, err

    def lasso(self, ordinals: list[int], loop: int | None) -> tuple[list[int], int | None]:
        """Real ordinals of a lasso whose steps ``loop``.. repeat: the canonical cycle comes
        back to its state renamed, so it is run again (at most the renaming's order many
        times) until the real state itself comes back."""
        real = sem.initial_states(self.model)[ordinals[0]]
        _, ren, _ = self.canon.canonical(real)
        out = [ordinals[0]]
        states = [real]
        for o in ordinals[1:]:
            k, real, ren = self._step(real, ren, o)
            out.append(k)
            states.append(real)
        if loop is None or loop >= len(ordinals) - 1:
            return out, loop
        start = states[loop]
        cycle = ordinals[loop + 1:]
        for _ in range(self.canon.group.size):  # the renaming's order divides the group's size
            if real == start:
                return out, loop
            for o in cycle:
                k, real, ren = self._step(real, ren, o)
                out.append(k)
        from verifier.engine.trace import ReplayMismatch

        raise ReplayMismatch("a lifted cycle does not come back to its real state")
