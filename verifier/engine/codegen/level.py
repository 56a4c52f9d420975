"""Stage 5 (compiled stepper): the generated level function and the ``Stepper`` around it.

``generate`` writes the source of ``expand_level``, which walks a batch of packed states
and, per state, checks the constraints, then runs every action's code (``stmt.py``),
sharing the pre-state's field reads among all actions. ``CompiledStepper`` compiles it
(and, on demand, one monitor scan per set of monitors) and implements the ``Stepper``
protocol of ``verifier/engine/stepper.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verifier.engine.codegen.expr import ExprGen
from verifier.engine.codegen.runtime import RuntimeFault, Unsupported
from verifier.engine.codegen.source import ident
from verifier.engine.codegen.stmt import StmtGen
from verifier.engine.stepper import Layout, reference_truth
from verifier.lang import model as M
from verifier.lang import semantics as sem


def generate(model: M.Model, labels: bool = False) -> tuple[str, dict[str, Any]]:
    """The generated source of ``expand_level`` and its namespace (for tests and ``--dump``);
    with ``labels`` it takes one more list, ``labs``, which gets the action instance of
    each transition (see ``StmtGen``)."""
    g = StmtGen(model, labels)
    acts = model.actions
    lines = [f"def expand_level(frontier, out, ends, errs, skipped, en, tk{', labs' if labels else ''}):",
             "    app = out.append", "    mark = ends.append"]
    if labels:
        lines.append("    lab = labs.append")
    for a in acts:
        lines.append(f"    x{a.index} = p{a.index} = e{a.index} = 0")
    g.cse = {}
    body: list[str] = []
    cons = model.constraints
    if cons:
        lines.append("    for i, s in enumerate(frontier):")
        g.cur = "s"
        conj = " and ".join(f"({g.condition(c.cond)})" for c in cons)
        g.cur = "t"
        body.append(f"        if not ({conj}):")
        body.append("            skipped.append(i)")
        body.append("            mark(len(out))")
        body.append("            continue")
    else:
        lines.append("    for s in frontier:")
    for a in acts:
        body += g.action(a, "        ")
    lines += [f"        {name} = {code}" for name, code in g.cse.items()]
    lines += body
    lines.append("        mark(len(out))")
    for a in acts:
        lines.append(f"    en[{a.index}] += e{a.index}")
        lines.append(f"    tk[{a.index}] += x{a.index}")
    lines.append("")
    return "\n".join(lines) + "\n", g.ns


def compile_source(source: str, ns: dict[str, Any], name: str) -> dict[str, Any]:
    """Execute generated ``source`` in ``ns`` (which it fills) and return ``ns``."""
    try:
        code = compile(source, f"<compiled {ident(name)}>", "exec")
    except (SyntaxError, RecursionError, MemoryError) as e:
        raise Unsupported(f"generated code does not compile: {e}") from None
    exec(code, ns)  # generated from the checked IR only; see verifier/engine/codegen/
    return ns


class CompiledStepper:
    """A ``Stepper`` running generated code; see ``verifier/engine/stepper.py``."""

    packed = True

    def __init__(self, model: M.Model, monitors: tuple[M.Property, ...]) -> None:
        source, ns = generate(model)
        self.source = source
        self._ns = ns
        self._expand = compile_source(source, ns, model.name)["expand_level"]
        self._labelled: Callable[..., None] | None = None
        self.model = model
        self.monitors = monitors
        self.layout = Layout(model)
        self.has_constraints = bool(model.constraints)
        self.enabled = [0] * len(model.actions)
        self.taken = [0] * len(model.actions)
        self._scans: dict[tuple[int, ...], Callable[[list[Any]], list[int]]] = {}
        # per monitor: a function of a packed state; generated code where the code
        # generator covers the condition, else the reference semantics (``_slow``)
        self._mons: dict[int, Callable[[Any], Any]] = {}
        self._slow: set[int] = set()
        for i, p in enumerate(monitors):
            try:
                g = StmtGen(model)
                code = self._monitor_code(g, i)
                self._mons[i] = compile_source(f"def mon(t):\n    return {code}\n", g.ns,
                                               model.name)["mon"]
            except Unsupported:
                self._slow.add(i)
                self._mons[i] = self._reference_monitor(p)

    def expand_labelled(self, state: Any) -> list[tuple[int, Any]]:
        """(instance, target or ``ERROR``) of every transition from ``state`` in order,
        instances numbered over all actions (``StmtGen``); the coverage counters count."""
        if self._labelled is None:
            source, ns = generate(self.model, labels=True)
            self._labelled = compile_source(source, ns, self.model.name)["expand_level"]
        out: list[Any] = []
        labs: list[int] = []
        self._labelled([state], out, [], [], [], self.enabled, self.taken, labs)
        return list(zip(labs, out))

    def _reference_monitor(self, p: M.Property) -> Callable[[Any], bool]:
        def fires(t: Any) -> bool:
            return sem.fires(p, self.layout.unpack(t))
        return fires

    def initial(self) -> list[Any]:
        return [self.layout.pack(s) for s in sem.initial_states(self.model)]

    def expand_level(self, states: list[Any], out: list[Any], ends: list[int],
                     errs: list[tuple[int, int, str]], skipped: list[int]) -> None:
        self._expand(states, out, ends, errs, skipped, self.enabled, self.taken)

    def _monitor_code(self, gen: ExprGen, i: int) -> str:
        p = self.monitors[i]
        code = gen.condition(p.cond)
        return f"({code})" if p.kind == "reachable" else f"(not ({code}))"

    def scan(self, states: list[Any], monitors: list[int]) -> list[tuple[int, list[int]]]:
        fast = tuple(i for i in monitors if i not in self._slow)
        fn = self._scans.get(fast)
        if fn is None:
            gen = StmtGen(self.model)
            body = " or ".join(self._monitor_code(gen, i) for i in fast) or "False"
            src = f"def scan(frontier):\n    return [i for i, t in enumerate(frontier) if {body}]\n"
            fn = self._scans[fast] = compile_source(src, gen.ns, self.model.name)["scan"]
        hits = fn(states)
        slow = [i for i in monitors if i in self._slow]
        if slow:
            hits = sorted(set(hits) | {k for k, t in enumerate(states)
                                       if any(self._mons[i](t) for i in slow)})
        return [(k, [i for i in monitors if self._mons[i](states[k])]) for k in hits]

    def decode(self, s: Any) -> sem.State:
        return self.layout.unpack(s)

    def truth(self, cond: M.Expr, binding: tuple[tuple[M.Param, Any], ...],
              states: list[Any]) -> list[bool]:
        """Generated code for ``cond`` with the parameters' values substituted as
        constants; the reference semantics where the code generator does not cover
        ``cond``, or to raise the ``EvalError`` (with its message) of a run-time error."""
        try:
            gen = StmtGen(self.model)
            for p, v in binding:
                gen.subst[p.slot] = repr(gen.crep_value(p.ty, v))
            code = gen.expr(cond)
            fn = compile_source(f"def truth(frontier):\n    return [bool({code}) for t in frontier]\n",
                                gen.ns, self.model.name)["truth"]
            return fn(states)  # type: ignore[no-any-return]
        except (Unsupported, RuntimeFault):
            return reference_truth(cond, binding, map(self.layout.unpack, states))


def compile_stepper(model: M.Model, monitors: tuple[M.Property, ...]) -> CompiledStepper:
    return CompiledStepper(model, monitors)
