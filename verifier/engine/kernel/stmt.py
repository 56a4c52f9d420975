"""Stage 5 (kernel engine): numba source for statements, actions and the step function.

Every path through an action body is a chain of generated functions in continuation
style: a function runs the statements of one path segment on the working words
``t0..t<W-1>`` (its arguments) and either ends the path (writes the target state into
row ``n`` of the output ``O``, its instance number into ``A[n]``, and returns ``n + 1``), or calls
the function of the next segment. ``require`` that fails returns ``n`` (no
transition); a run-time error returns ``-1 - n`` (the transitions before it stay);
``either`` calls one function per branch and ``pick`` one per value, all sharing the
function of the statements after them, so the reference semantics' order of
transitions (``verifier/semantics.py``) is kept and no code is copied.

``expand`` runs every action instance in order (parameter values in canonical order,
fault actions skipped at their cap) and marks an error transition with ``A[n] = -1 - g``
(``g``: the instance's number, ``engine.stepper.instance_bases``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

from verifier.engine.kernel.emit import PROBE, Loc, lit, mask
from verifier.engine.kernel.expr import ExprGen
from verifier.engine.kernel.layout import KernelLayout, Leaf, WideMap, WideRecord
from verifier.engine.kernel.values import (
    NONE,
    UNSET,
    Bounds,
    Unsupported,
    conjuncts,
    free_slots,
    is_composite,
    is_option,
    strip,
)
from verifier.engine.stepper import instance_bases
from verifier.lang import model as M
from verifier.lang import typesys as T

OVF = -(1 << 60)  # the output buffer is full: the driver grows it and expands again


def nondet(stmts: tuple[M.Stmt, ...]) -> bool:
    for st in stmts:
        match st:
            case M.SEither() | M.SPick():
                return True
            case M.SIf(_, then, other) if nondet(then) or nondet(other):
                return True
    return False


class StmtGen(ExprGen):
    """The functions of one model's step, constraints and monitors."""

    def __init__(self, model: M.Model, layout: KernelLayout, names: Iterator[int]) -> None:
        super().__init__(model, layout, Bounds(), names)
        self.functions: list[str] = []
        self.scope: list[int] = []     # statement-level names bound on this path
        self.action = 0
        self.words = ", ".join(f"t{i}" for i in range(layout.words))
        self.scopes: dict[str, list[int]] = {}  # per path function: the names it takes
        self.bases = instance_bases(model)
        self.probes: dict[int, str] = {}  # per action: its instance function for `enabled`

    # -- functions
    def args(self, scope: list[int] | None = None) -> str:
        extra = "".join(f", L{s}" for s in (self.scope if scope is None else scope))
        return f"O, A, rows, n, g, {self.words}{extra}"

    def function(self, stmts: tuple[M.Stmt, ...], k: str | None, extra: tuple[int, ...] = ()) -> str:
        """A new function running ``stmts`` then continuing with ``k`` (None: the end of
        the path); its name."""
        name = f"_f{next(self.names)}"
        saved = (self.out, self.ind, self.scope, self.fail)
        self.scope = self.scope + list(extra)
        self.scopes[name] = self.scope
        self.out, self.ind, self.fail = [], "    ", "return -1 - n"
        header = f"def {name}({self.args()}):"
        try:
            self.block(stmts, k)
            self.functions.append("\n".join(["@njit(cache=True)", header, *self.out]))
        finally:
            self.out, self.ind, self.scope, self.fail = saved
        return name

    def continuation(self, rest: tuple[M.Stmt, ...], k: str | None) -> str | None:
        return self.function(rest, k) if rest else k

    def finish(self, k: str | None) -> None:
        if k is not None:
            self.emit(f"return {k}({self.args(self.scopes[k])})")
            return
        self.emit("if n >= rows:")
        self.emit(f"    return {OVF}")
        for c in self.model.counters:
            if self.action in c.actions:
                w, sh, _ = self.layout.places[c.var]
                self.emit(f"t{w} += {lit(1 << sh)}")
        words = self.layout.words
        for i in range(words):
            self.emit(f"O[n * {words} + {i}] = t{i}" if words > 1 else f"O[n] = t{i}")
        self.emit("A[n] = g")
        self.emit("return n + 1")

    # -- blocks
    def block(self, stmts: tuple[M.Stmt, ...], k: str | None, finish: bool = True) -> None:
        for idx, st in enumerate(stmts):
            rest = stmts[idx + 1:]
            match st:
                case M.SAssign():
                    self.assign(st)
                case M.SRequire(cond):
                    c = self.cond(cond)
                    if c == "True":
                        continue
                    self.emit(f"if not {c}:")
                    self.emit("    return n")
                case M.SIf(cond, then, other):
                    c = self.cond(cond)
                    if not finish or not (nondet(then) or nondet(other)):
                        self.emit(f"if {c}:")
                        with self.indent():
                            self.block(then, k, finish=False)
                            self.emit("pass")
                        if other:
                            self.emit("else:")
                            with self.indent():
                                self.block(other, k, finish=False)
                                self.emit("pass")
                        continue
                    r = self.continuation(rest, k)
                    self.emit(f"if {c}:")
                    with self.indent():
                        self.block(then, r)
                    self.emit("else:")
                    with self.indent():
                        self.block(other, r)
                    return
                case M.SEither(branches):
                    if not finish:
                        raise Unsupported("nondeterminism inside a deterministic block")
                    r = self.continuation(rest, k)
                    for br in branches:
                        f = self.function(br, r)
                        self.emit(f"n = {f}({self.args()})")
                        self.emit("if n < 0:")
                        self.emit("    return n")
                    self.emit("return n")
                    return
                case M.SPick(slot, dom, body):
                    if not finish:
                        raise Unsupported("nondeterminism inside a deterministic block")
                    r = self.continuation(rest, k)
                    self.bounds.bind_domain(slot, dom)
                    f = self.function(body, r, (slot,))
                    call = f"n = {f}({self.args()}, L{slot})"
                    with self.loop(slot, dom):
                        self.emit(call)
                        self.emit("if n < 0:")
                        self.emit("    return n")
                    self.emit("return n")
                    return
        if finish:
            self.finish(k)

    # -- assignments
    def target(self, st: M.SAssign) -> Loc:
        w, sh, b = self.layout.places[st.var]
        loc = Loc(w, None, sh, b)
        for acc in st.path:
            match acc:
                case M.AKey(key, _):
                    mty = loc.block.ty
                    if not isinstance(mty, T.MapTy):
                        raise Unsupported("assignment into an optional map")
                    loc = self.entry(loc, self.key_index(mty.dom, key))
                case M.AIndex(idx, _):
                    loc = self.seq_elem(loc, idx)
                case M.AField(pos):
                    loc = self.field_of(loc, pos)
        return loc

    def assign(self, st: M.SAssign) -> None:
        writes = self.assignment(st)
        for loc, bits in writes:
            self.store(loc, bits)

    def assignment(self, st: M.SAssign) -> list[tuple[Loc, str]]:
        """(place, bits) of each leaf the assignment writes, all computed before any is
        written (the value is evaluated in the state before the assignment)."""
        value = st.value
        loc = self.pin(self.target(st))
        if isinstance(loc.block, Leaf):
            leaf = loc.block.ty
            bits = self.value(value, leaf) if is_composite(leaf) else self.part(value, leaf)
            return [(loc, self.let(bits))]
        # a wide target: copy a wide place, or build a map or record entry by entry
        src = self.locate(value) if isinstance(value, (M.EVar, M.EApply, M.EField)) else None
        if src is not None:
            if src.block != loc.block:
                raise Unsupported("assignment between wide values of different layouts")
            return [(d, self.let(s)) for d, s in zip(self.leaf_places(loc), self.leaves(src))]
        return self.wide_build(loc, value)

    def pin(self, loc: Loc) -> Loc:
        """``loc`` with its computed word and shift kept in names, so that writing other
        fields first cannot change them."""
        word = loc.word if isinstance(loc.word, int) or loc.word is None else self.let(loc.word)
        shift = loc.shift if isinstance(loc.shift, int) else self.let(loc.shift)
        return Loc(word, loc.base, shift, loc.block, loc.span)

    def leaf_places(self, loc: Loc) -> list[Loc]:
        b = loc.block
        if isinstance(b, Leaf):
            return [loc]
        out: list[Loc] = []
        if isinstance(b, WideMap):
            for i in range(b.n):
                out += self.leaf_places(self.entry(loc, i))
        else:
            assert isinstance(b, WideRecord)
            for i in range(len(b.fields)):
                out += self.leaf_places(self.field_of(loc, i))
        return out

    def wide_build(self, loc: Loc, value: M.Expr) -> list[tuple[Loc, str]]:
        b = loc.block
        match value, b:
            case M.EMapComp(slot, body), WideMap(ty):
                out: list[tuple[Loc, str]] = []
                for i, k in enumerate(T.value_list(ty.dom)):
                    self.emit(f"L{slot} = {self.const_crep(ty.dom, k)}")
                    if isinstance(ty.dom, T.RangeTy):
                        self.bounds.slots[slot] = (k, k)
                    sub = self.entry(loc, i)
                    if isinstance(sub.block, Leaf):
                        bits = self.tmp()
                        part = self.value(body, sub.block.ty) if is_composite(sub.block.ty) \
                            else self.part(body, sub.block.ty)
                        self.emit(f"{bits} = {part}")
                        out.append((sub, bits))
                    else:
                        out += self.wide_build(sub, body)
                self.bounds.slots.pop(slot, None)
                return out
            case M.ETuple(items), WideRecord():
                out = []
                for i, it in enumerate(items):
                    sub = self.field_of(loc, i)
                    if isinstance(sub.block, Leaf):
                        part = self.value(it, sub.block.ty) if is_composite(sub.block.ty) \
                            else self.part(it, sub.block.ty)
                        out.append((sub, self.let(part)))
                    else:
                        out += self.wide_build(sub, it)
                return out
            case M.EIte(), _:
                raise Unsupported("a conditional wide value")
            case M.EConst(v, _), _:
                vals = _flatten(b, v)
                return list(zip(self.leaf_places(loc), (lit(x) for x in vals)))
        raise Unsupported("a wide value computed in an expression")

    def store(self, loc: Loc, bits: str) -> None:
        b = loc.block
        assert isinstance(b, Leaf) and loc.word is not None
        m = mask(b.width)
        if b.width == 0:
            return
        if isinstance(loc.shift, int):
            keep = lit(~(m << loc.shift))
            new = f"({bits} << {loc.shift})" if loc.shift else bits
            update = "t{w} = (t{w} & " + keep + ") | " + new
        else:
            sh = loc.shift
            update = "t{w} = (t{w} & ~(" + lit(m) + f" << {sh})) | ({bits} << {sh})"
        if isinstance(loc.word, int):
            self.emit(update.replace("{w}", str(loc.word)))
            return
        lo, hi = loc.span
        for w in range(lo, hi + 1):
            self.emit(f"{'if' if w == lo else 'elif'} {loc.word} == {w}:")
            self.emit("    " + update.replace("{w}", str(w)))

    # -- the step function
    def instance(self, a: M.Action, body: tuple[M.Stmt, ...], name: str | None = None) -> str:
        """The function of one action instance (its parameters as arguments) running
        ``body`` (the action's, less the guards ``expand`` tests)."""
        self.action = a.index
        for p in a.params:
            self.bounds.bind_domain(p.slot, M.ETypeSet(p.ty, T.SetTy(p.ty)))
        name = name or f"_a{a.index}"
        saved = (self.out, self.ind, self.scope, self.fail, self.memo)
        self.scope = [p.slot for p in a.params]
        self.out, self.ind, self.fail, self.memo = [], "    ", "return -1 - n", None
        params = "".join(f", L{p.slot}" for p in a.params)
        try:
            for i in range(self.layout.words):
                self.emit(f"t{i} = S[{i}]")
            self.block(body, None)
            self.functions.append("\n".join(["@njit(cache=True)", f"def {name}(S, O, A, rows, n, g{params}):",
                                             *self.out]))
        finally:
            self.out, self.ind, self.scope, self.fail, self.memo = saved
        return name

    def enabled(self, e: M.EEnabled) -> str:
        """``enabled(A(args))``: the instance, run on a copy of the state with room for one
        transition, has one that is not a run-time error (it returns 1, or fills its room,
        or fails after one); its arguments must lie in the parameters' types, and a fault
        cap reached disables it (``semantics._enabled``)."""
        a = self.model.actions[e.action]
        args = []
        for p, arg in zip(e.params, e.args, strict=True):
            c = self.let(self.gen(arg))
            if is_option(arg.ty):
                self.failing(f"{c} == {NONE}")
            ok = self.contains(p.ty, c, self.bounds.elem_lay(arg))
            if ok != "True":
                self.failing(f"not {ok}")
            args.append(c)
        probe = self.probes.get(a.index)
        if probe is None:
            probe = self.probes[a.index] = self.instance(a, a.body, f"_e{a.index}")
        words = self.layout.words
        state, row, act = self.tmp_ptr(words), self.tmp_ptr(words), self.tmp_ptr(1)
        for i in range(words):
            self.emit(f"{state}[{i}] = t{i}")
        caps = []
        for var, cap in e.caps:
            w, sh, b = self.layout.places[var]
            assert isinstance(b, Leaf)
            caps.append(f"((t{w} >> {sh}) & {lit(mask(b.width))}) < {cap}")
        r = self.tmp()
        extra = "".join(f", {c}" for c in args)
        call = f"{probe}({state}, {row}, {act}, 1, 0, 0{extra})"
        if caps:
            self.emit(f"{r} = {call} if {' and '.join(caps)} else 0")
        else:
            self.emit(f"{r} = {call}")
        return f"({r} != 0 and {r} != -1)"

    def tmp_ptr(self, words: int) -> str:
        """A fresh name for ``words`` int64s of scratch memory (on the stack)."""
        name = f"_p{next(self.names)}"
        self.emit(f"{name} = _rt.scratch({words})")
        return name

    def expand(self) -> None:
        self.out, self.ind, self.fail = [], "    ", "return 0"
        for i in range(self.layout.words):
            self.emit(f"t{i} = S[{i}]")
        self.emit("n = 0")
        self.memo = {}  # expand only reads the state it expands
        for a in self.model.actions:
            with ExitStack() as stack:
                caps = []
                for c in self.model.counters:
                    if a.index in c.actions:
                        w, sh, b = self.layout.places[c.var]
                        assert isinstance(b, Leaf)
                        caps.append(f"((t{w} >> {sh}) & {lit(mask(b.width))}) < {c.cap}")
                if caps:
                    self.emit(f"if {' and '.join(caps)}:")
                    stack.enter_context(self.indent())
                cands = self.guard_conjuncts(a)
                hoisted = self.hoist(cands, -1, stack)
                for j, p in enumerate(a.params):
                    bound = self.bind(cands, j, a, stack)
                    if bound is None:
                        stack.enter_context(self.loop(p.slot, M.ETypeSet(p.ty, T.SetTy(p.ty))))
                    else:
                        hoisted.add(bound)
                        cands = [c for c in cands if c[0] != bound]
                    hoisted |= self.hoist(cands, j, stack)
                memo, self.memo = self.memo, None
                name = self.instance(a, _without(a.body, hoisted))
                self.memo = memo
                args = "".join(f", L{p.slot}" for p in a.params)
                self.emit(f"g = {self.instance_number(a)}")
                self.emit(f"m = {name}(S, O, A, rows, n, g{args})")
                self.emit("if m >= 0:")
                self.emit("    n = m")
                self.emit(f"elif m == {OVF}:")
                self.emit(f"    return {OVF}")
                self.emit("else:")
                self.emit("    n = -1 - m")
                self.emit("    if n >= rows:")
                self.emit(f"        return {OVF}")
                self.emit("    A[n] = -1 - g")
                self.emit("    n += 1")
        self.emit("return n")
        assert self.memo is not None
        inits = [f"    {name} = {UNSET}" for name in self.memo.values()]
        self.memo = None
        self.functions.append("\n".join(["@njit(cache=True)", "def expand(S, O, rows, A):",
                                         *inits, *self.out]))

    def instance_number(self, a: M.Action) -> str:
        """Code of the instance's number: the action's first (``instance_bases``) plus the
        position of the parameters' values in ``semantics.param_valuations`` order (the
        first parameter varying slowest)."""
        terms = [str(self.bases[a.index])]
        radix = 1
        for p in reversed(a.params):
            if radix:
                terms.append(f"{self.index_of(p.ty, f'L{p.slot}')} * {radix}" if radix > 1
                             else self.index_of(p.ty, f"L{p.slot}"))
            radix *= T.size(p.ty)
        return " + ".join(terms)

    def guard_conjuncts(self, a: M.Action) -> list[tuple[tuple[int, int], M.Expr, int]]:
        """The conjuncts of the requires that open an action's body, each with the last
        parameter it depends on (-1: none): ((statement, conjunct), condition, level) for
        those that depend on nothing else but the state."""
        pos = {p.slot: i for i, p in enumerate(a.params)}
        out = []
        for k, st in enumerate(a.body):
            if not isinstance(st, M.SRequire):
                break
            for c, conj in enumerate(conjuncts(st.cond)):
                fv = free_slots(conj)
                if fv <= pos.keys():
                    out.append(((k, c), conj, max((pos[s] for s in fv), default=-1)))
        return out

    def bind(self, cands: list[tuple[tuple[int, int], M.Expr, int]], j: int, a: M.Action,
             stack: ExitStack) -> tuple[int, int] | None:
        """A guard conjunct ``e == p`` (or ``p == e``) fixes parameter p (the j-th, an enum
        or a range) to the value of an ``e`` that reads only the state and the parameters
        before it: then p is that value (when it lies in p's type) instead of a loop over
        every value, of which the others would give no transition. Returns the conjunct
        used, or None. Only an ``e`` that cannot fail is used."""
        p = a.params[j]
        if not isinstance(p.ty, (T.EnumTy, T.RangeTy)):
            return None
        earlier = {q.slot for q in a.params[:j]}
        for key, conj, lvl in cands:
            if lvl != j or not (isinstance(conj, M.EBinary) and conj.op == "=="):
                continue
            for this, other in ((conj.left, conj.right), (conj.right, conj.left)):
                if not (isinstance(this, M.ELocal) and this.slot == p.slot and free_slots(other) <= earlier):
                    continue
                if isinstance(strip(other.ty), T.BoolTy):
                    continue
                saved = self.fail
                self.fail = PROBE
                try:
                    with self.capture() as lines:
                        code = self.gen(other)
                finally:
                    self.fail = saved
                if any(PROBE in ln for ln in lines):
                    continue
                self.out += lines
                v = self.let(code)
                lo, hi = (0, len(p.ty.members) - 1) if isinstance(p.ty, T.EnumTy) else (p.ty.lo, p.ty.hi)
                self.emit(f"if {lo} <= {v} <= {hi}:")  # NONE lies below every value
                stack.enter_context(self.indent())
                self.emit(f"L{p.slot} = {v}")
                self.bounds.bind_domain(p.slot, M.ETypeSet(p.ty, T.SetTy(p.ty)))
                return key
        return None

    def hoist(self, cands: list[tuple[tuple[int, int], M.Expr, int]], level: int,
              stack: ExitStack) -> set[tuple[int, int]]:
        """Test the guard conjuncts of ``level`` in the parameter loops, around the
        instances they guard: an instance whose conjunct is false has no transition, so
        it need not run. Only conjuncts that cannot fail are moved (one that can would
        give each instance an error transition)."""
        done = set()
        for key, conj, lvl in cands:
            if lvl != level:
                continue
            saved = self.fail
            self.fail = PROBE
            try:
                with self.capture() as lines:
                    code = self.cond(conj)
            finally:
                self.fail = saved
            if any(PROBE in ln for ln in lines):
                continue
            self.out += lines
            self.emit(f"if {code}:")
            stack.enter_context(self.indent())
            done.add(key)
        return done

    # -- conditions on one state
    def predicate(self, name: str, cond: M.Expr, params: tuple[M.Param, ...] = ()) -> str:
        """A function of the state words (and parameter values): 1 true, 0 false,
        -1 a run-time error."""
        self.out, self.ind, self.fail = [], "    ", "return -1"
        for p in params:
            self.bounds.bind_domain(p.slot, M.ETypeSet(p.ty, T.SetTy(p.ty)))
        self.memo = {}  # one state, never changed
        try:
            c = self.cond(cond)
            inits = [f"    {n} = {UNSET}" for n in self.memo.values()]
        finally:
            self.memo = None
        self.emit(f"return 1 if {c} else 0")
        extra = "".join(f", L{p.slot}" for p in params)
        self.functions.append("\n".join(["@njit(cache=True)", f"def {name}({self.words}{extra}):",
                                         *inits, *self.out]))
        return name

    def conditions(self, conds: tuple[tuple[M.Expr, tuple[M.Param, ...]], ...]) -> tuple[int, ...]:
        """Entry points ``lv<k>(S, P)``: condition k in the state at S, its parameters'
        values at P (1 true, 0 false, -1 a run-time error), for the liveness check; the
        ks done (a condition without a kernel translation is left to the reference
        semantics)."""
        done = []
        for k, (cond, params) in enumerate(conds):
            try:
                pred = self.predicate(f"_l{k}", cond, params)
            except Unsupported:
                continue
            done.append(k)
            lines = [f"    t{i} = S[{i}]" for i in range(self.layout.words)]
            lines += [f"    L{p.slot} = P[{j}]" for j, p in enumerate(params)]
            extra = "".join(f", L{p.slot}" for p in params)
            lines.append(f"    return {pred}({self.words}{extra})")
            self.functions.append("\n".join(["@njit(cache=True)", f"def lv{k}(S, P):", *lines]))
        return tuple(done)

    def monitors(self, monitors: tuple[M.Property, ...]) -> None:
        """The monitor scan: ``fired[j] = 1`` for each active monitor ``j`` that fires."""
        preds = [self.predicate(f"_m{j}", p.cond) for j, p in enumerate(monitors)]
        self.out, self.ind, self.fail = [], "    ", "return 0"
        for i in range(self.layout.words):
            self.emit(f"t{i} = S[{i}]")
        self.emit("c = 0")
        for j, (p, pred) in enumerate(zip(monitors, preds)):
            self.emit(f"if act[{j}] != 0:")
            self.emit(f"    r = {pred}({self.words})")
            fires = "r == 1" if p.kind == "reachable" else "r != 1"
            self.emit(f"    if {fires}:")
            self.emit(f"        fired[{j}] = 1")
            self.emit("        c += 1")
        self.emit("return c")
        self.functions.append("\n".join(["@njit(cache=True)", "def mon(S, act, fired):",
                                         *self.out]))

    def constraints(self) -> None:
        preds = [self.predicate(f"_c{j}", c.cond) for j, c in enumerate(self.model.constraints)]
        self.out, self.ind, self.fail = [], "    ", "return 0"
        for i in range(self.layout.words):
            self.emit(f"t{i} = S[{i}]")
        for pred in preds:
            self.emit(f"if {pred}({self.words}) != 1:")
            self.emit("    return 0")
        self.emit("return 1")
        self.functions.append("\n".join(["@njit(cache=True)", "def cons(S):", *self.out]))


def _without(body: tuple[M.Stmt, ...], removed: set[tuple[int, int]]) -> tuple[M.Stmt, ...]:
    """``body`` with the conjuncts ``removed`` ((statement, conjunct) of its opening
    requires) left out, the others in their order."""
    if not removed:
        return body
    out: list[M.Stmt] = []
    for k, st in enumerate(body):
        if isinstance(st, M.SRequire) and any(r[0] == k for r in removed):
            keep = [c for i, c in enumerate(conjuncts(st.cond)) if (k, i) not in removed]
            if keep:
                cond = keep[0]
                for c in keep[1:]:
                    cond = M.EBinary("and", cond, c, T.BOOL, c.span)
                out.append(M.SRequire(cond, st.span))
            continue
        out.append(st)
    return tuple(out)


def _flatten(b: object, v: object) -> list[int]:
    match b:
        case Leaf(ty):
            return [T.encode(ty, v)]
        case WideMap(_, entry, n):
            assert isinstance(v, tuple)
            return [x for i in range(n) for x in _flatten(entry, v[i])]
        case WideRecord(_, fields):
            assert isinstance(v, tuple)
            return [x for (_, _, fb), fv in zip(fields, v) for x in _flatten(fb, fv)]
    raise AssertionError(b)
