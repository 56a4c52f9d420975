"""Stage 5 (kernel engine): the generated kernel source lowered to machine code by LLVM.

The kernel generator (``stmt.py``, ``expr.py``) writes a model's functions as Python
source in a small numeric subset: int64 names, ``if``/``for ... in range``/``break``/
``return``, arithmetic, bit operations, comparisons, conditional expressions, calls of
the other generated functions and of a few named helpers, and loads and stores through
the state, output and flag pointers. numba compiles that source too, but its front end
takes 10 s and more for a shipped model; this module gives the same code to LLVM
directly through llvmlite (numba's own LLVM binding), which takes a fraction of a
second: each function becomes an LLVM function over i64 values (booleans are 0/1),
with Python's semantics where LLVM's differ (floor division and modulo, shifts of 64 or
more, ``and``/``or`` returning an operand). The machine code is cached on disk by the
digest of the source.

Only this subset is accepted; anything else raises ``Unsupported``, so a generator bug
shows as a refused kernel, never as different code.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

import llvmlite.ir as ir

from verifier.engine.kernel.values import Unsupported

I64 = ir.IntType(64)
I1 = ir.IntType(1)
PTR = I64.as_pointer()
POINTERS = frozenset({"S", "O", "A", "act", "fired", "P"})  # parameters that are i64 pointers
# (and the locals named _p<n>: scratch memory from ``_rt.scratch``)
ENTRIES = frozenset({"expand", "mon", "cons", "canon"})  # and lv0, lv1, ...: the condition functions


class _Fn:
    """The lowering of one function."""

    def __init__(self, lower: Lower, node: ast.FunctionDef) -> None:
        self.lower = lower
        self.node = node
        self.fn = lower.functions[node.name]
        self.vars: dict[str, ir.AllocaInstr] = {}
        self.loops: list[ir.Block] = []
        entry = self.fn.append_basic_block("entry")
        self.b = ir.IRBuilder(entry)
        for arg, a in zip(self.fn.args, node.args.args):
            arg.name = a.arg
        names = {a.arg for a in node.args.args} | _assigned(node)
        for name in sorted(names):
            if name in POINTERS or name.startswith("_p"):
                continue
            self.vars[name] = self.b.alloca(I64, name=name)
        for arg, a in zip(self.fn.args, node.args.args):
            if a.arg not in POINTERS:
                self.b.store(arg, self.vars[a.arg])
        self.ptrs = {a.arg: arg for arg, a in zip(self.fn.args, node.args.args) if a.arg in POINTERS}

    def run(self) -> None:
        self.body(self.node.body)
        if not self.b.block.is_terminated:
            self.b.ret(ir.Constant(I64, 0))

    # -- statements
    def body(self, stmts: list[ast.stmt]) -> None:
        for st in stmts:
            if self.b.block.is_terminated:
                return  # code after return/break is dead
            self.stmt(st)

    def stmt(self, st: ast.stmt) -> None:
        b = self.b
        match st:
            case ast.Assign(targets=[target], value=value):
                self.store(target, self.expr(value))
            case ast.AugAssign(target=ast.Name(id=name), op=op, value=value):
                cur = b.load(self.var(name))
                b.store(self.binop(op, cur, self.expr(value)), self.var(name))
            case ast.If(test=test, body=then, orelse=other):
                cond = self.truth(self.expr(test))
                then_b = b.append_basic_block("then")
                else_b = b.append_basic_block("else")
                end_b = b.append_basic_block("endif")
                b.cbranch(cond, then_b, else_b)
                b.position_at_end(then_b)
                self.body(then)
                if not b.block.is_terminated:
                    b.branch(end_b)
                b.position_at_end(else_b)
                self.body(other)
                if not b.block.is_terminated:
                    b.branch(end_b)
                b.position_at_end(end_b)
            case ast.For(target=ast.Name(id=name), iter=ast.Call(func=ast.Name(id="range"), args=args),
                         body=loop_body, orelse=[]):
                if len(args) == 1:
                    start, stop = ir.Constant(I64, 0), self.expr(args[0])
                elif len(args) == 2:
                    start, stop = self.expr(args[0]), self.expr(args[1])
                else:
                    raise Unsupported("range with a step in kernel code")
                counter = self.hidden()
                b.store(start, counter)
                cond_b = b.append_basic_block("for.cond")
                body_b = b.append_basic_block("for.body")
                end_b = b.append_basic_block("for.end")
                b.branch(cond_b)
                b.position_at_end(cond_b)
                k = b.load(counter)
                b.cbranch(b.icmp_signed("<", k, stop), body_b, end_b)
                b.position_at_end(body_b)
                b.store(k, self.var(name))
                self.loops.append(end_b)
                self.body(loop_body)
                self.loops.pop()
                if not b.block.is_terminated:
                    b.store(b.add(b.load(counter), ir.Constant(I64, 1)), counter)
                    b.branch(cond_b)
                b.position_at_end(end_b)
            case ast.Break():
                b.branch(self.loops[-1])
            case ast.Return(value=value) if value is not None:
                b.ret(self.expr(value))
            case ast.Pass():
                pass
            case _:
                raise Unsupported(f"kernel code statement {type(st).__name__}")

    def hidden(self) -> ir.AllocaInstr:
        with self.b.goto_entry_block():
            return self.b.alloca(I64, name="k")

    def var(self, name: str) -> ir.AllocaInstr:
        try:
            return self.vars[name]
        except KeyError:
            raise Unsupported(f"kernel code reads {name} before any assignment") from None

    def store(self, target: ast.expr, value: ir.Value) -> None:
        match target:
            case ast.Name(id=name) if name.startswith("_p"):
                self.ptrs[name] = value  # scratch memory: ``_rt.scratch`` made it in the entry block
            case ast.Name(id=name):
                self.b.store(value, self.var(name))
            case ast.Subscript(value=ast.Name(id=ptr), slice=index) if ptr in self.ptrs:
                self.b.store(value, self.b.gep(self.ptrs[ptr], [self.expr(index)]))
            case ast.Subscript(value=ast.Name(id=ptr)) if ptr.startswith("_p"):
                raise Unsupported("kernel code writes scratch memory before making it")
            case _:
                raise Unsupported("kernel code assignment target")

    # -- expressions (every value is an i64; a boolean is 0 or 1)
    def truth(self, v: ir.Value) -> ir.Value:
        return self.b.icmp_signed("!=", v, ir.Constant(I64, 0))

    def bool64(self, c: ir.Value) -> ir.Value:
        return self.b.zext(c, I64)

    def expr(self, e: ast.expr) -> ir.Value:
        b = self.b
        match e:
            case ast.Constant(value=bool() as v):
                return ir.Constant(I64, int(v))
            case ast.Constant(value=int() as v):
                return ir.Constant(I64, v)
            case ast.Name(id=name) if name in self.ptrs:
                return self.ptrs[name]
            case ast.Name(id=name):
                return b.load(self.var(name))
            case ast.BinOp(left=left, op=op, right=right):
                return self.binop(op, self.expr(left), self.expr(right))
            case ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=int() as v)):
                return ir.Constant(I64, -v)
            case ast.UnaryOp(op=ast.USub(), operand=a):
                return b.neg(self.expr(a))
            case ast.UnaryOp(op=ast.Invert(), operand=a):
                return b.not_(self.expr(a))
            case ast.UnaryOp(op=ast.Not(), operand=a):
                return self.bool64(b.icmp_signed("==", self.expr(a), ir.Constant(I64, 0)))
            case ast.BoolOp(op=bop, values=values):
                out = self.expr(values[0])
                for item in values[1:]:
                    nxt = self.expr(item)
                    # Python: `a and b` is b when a is true, else a (`or` the converse)
                    out = b.select(self.truth(out), nxt, out) if isinstance(bop, ast.And) else \
                        b.select(self.truth(out), out, nxt)
                return out
            case ast.Compare(left=left, ops=ops, comparators=comps):
                lhs = self.expr(left)
                result: ir.Value | None = None
                for cop, c in zip(ops, comps):
                    rhs = self.expr(c)
                    one = b.icmp_signed(_CMP[type(cop)], lhs, rhs)
                    result = one if result is None else b.select(result, one, ir.Constant(I1, 0))
                    lhs = rhs
                assert result is not None
                return self.bool64(result)
            case ast.IfExp(test=test, body=then, orelse=other):
                return b.select(self.truth(self.expr(test)), self.expr(then), self.expr(other))
            case ast.Call(func=func, args=args, keywords=[]):
                return self.call(func, [self.expr(a) for a in args])
            case ast.Subscript(value=ast.Name(id=ptr), slice=index) if ptr in self.ptrs:
                return b.load(b.gep(self.ptrs[ptr], [self.expr(index)]))
            case ast.Subscript(value=ast.Tuple(elts=items), slice=index):
                k = self.expr(index)
                vals = [self.expr(x) for x in items]
                out = vals[-1]
                for pos in range(len(vals) - 2, -1, -1):
                    out = b.select(b.icmp_signed("==", k, ir.Constant(I64, pos)), vals[pos], out)
                return out
        raise Unsupported(f"kernel code expression {ast.dump(e)[:60]}")

    def binop(self, op: ast.operator, x: ir.Value, y: ir.Value) -> ir.Value:
        b = self.b
        match op:
            case ast.Add():
                return b.add(x, y)
            case ast.Sub():
                return b.sub(x, y)
            case ast.Mult():
                return b.mul(x, y)
            case ast.BitAnd():
                return b.and_(x, y)
            case ast.BitOr():
                return b.or_(x, y)
            case ast.BitXor():
                return b.xor(x, y)
            case ast.LShift():
                return b.shl(x, b.and_(y, ir.Constant(I64, 63)))
            case ast.RShift():
                return b.ashr(x, b.and_(y, ir.Constant(I64, 63)))
            case ast.FloorDiv() | ast.Mod():
                zero, one = ir.Constant(I64, 0), ir.Constant(I64, 1)
                d = b.select(b.icmp_signed("==", y, zero), one, y)  # never 0: the generator checks
                q = b.sdiv(x, d)
                r = b.srem(x, d)
                # Python rounds towards minus infinity: adjust when the signs differ
                adjust = b.and_(b.icmp_signed("!=", r, zero),
                                b.icmp_signed("!=", b.icmp_signed("<", r, zero), b.icmp_signed("<", d, zero)))
                if isinstance(op, ast.FloorDiv):
                    return b.select(adjust, b.sub(q, one), q)
                return b.select(adjust, b.add(r, d), r)
        raise Unsupported(f"kernel code operator {type(op).__name__}")

    def call(self, func: ast.expr, args: list[ir.Value]) -> ir.Value:
        b = self.b
        match func:
            case ast.Name(id="abs"):
                (x,) = args
                return b.select(b.icmp_signed("<", x, ir.Constant(I64, 0)), b.neg(x), x)
            case ast.Name(id="min" | "max" as name):
                x, y = args
                return b.select(b.icmp_signed("<" if name == "min" else ">", x, y), x, y)
            case ast.Name(id=name) if name in self.lower.functions:
                return b.call(self.lower.functions[name], args)
            case ast.Attribute(value=ast.Name(id="_rt"), attr=attr):
                fn = _HELPERS.get(attr)
                if fn is not None:
                    return fn(self, args)
        raise Unsupported(f"kernel code call {ast.dump(func)[:60]}")


def _popcount(f: _Fn, args: list[ir.Value]) -> ir.Value:
    return f.b.call(f.lower.intrinsic("llvm.ctpop"), args)


def _lowbit(f: _Fn, args: list[ir.Value]) -> ir.Value:
    return f.b.call(f.lower.intrinsic("llvm.cttz"), [args[0], ir.Constant(I1, 0)])


def _highbit(f: _Fn, args: list[ir.Value]) -> ir.Value:
    lz = f.b.call(f.lower.intrinsic("llvm.ctlz"), [args[0], ir.Constant(I1, 0)])
    return f.b.sub(ir.Constant(I64, 63), lz)


def _scratch(f: _Fn, args: list[ir.Value]) -> ir.Value:
    """``_rt.scratch(k)``: k int64s on the stack, made in the entry block (so it dominates
    every use, whatever the control flow)."""
    (k,) = args
    if not isinstance(k, ir.Constant):
        raise Unsupported("scratch memory of a size known only at run time")
    with f.b.goto_entry_block():
        mem = f.b.alloca(ir.ArrayType(I64, int(k.constant)))
    return f.b.gep(mem, [ir.Constant(I64, 0), ir.Constant(I64, 0)])


def _span(f: _Fn, args: list[ir.Value]) -> ir.Value:
    b = f.b
    lo, hi = args
    one = ir.Constant(I64, 1)
    width = b.add(b.sub(hi, lo), one)
    bits = b.shl(b.sub(b.shl(one, b.and_(width, ir.Constant(I64, 63))), one), b.and_(lo, ir.Constant(I64, 63)))
    return b.select(b.icmp_signed(">", lo, hi), ir.Constant(I64, 0), bits)


_HELPERS: dict[str, Callable[[_Fn, list[ir.Value]], ir.Value]] = {
    "popcount": _popcount, "lowbit": _lowbit, "highbit": _highbit, "span": _span, "scratch": _scratch,
}

_CMP: dict[type, str] = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
                         ast.GtE: ">="}


def _assigned(node: ast.FunctionDef) -> set[str]:
    """The names the function assigns (only statements assign in the accepted subset, so
    only statement lists are walked, not the expressions in them)."""
    out: set[str] = set()
    todo: list[ast.stmt] = list(node.body)
    while todo:
        n = todo.pop()
        if isinstance(n, ast.Assign):
            out |= {t.id for t in n.targets if isinstance(t, ast.Name)}
        elif isinstance(n, ast.AugAssign):
            if isinstance(n.target, ast.Name):
                out.add(n.target.id)
        elif isinstance(n, ast.For):
            if isinstance(n.target, ast.Name):
                out.add(n.target.id)
            todo += n.body + n.orelse
        elif isinstance(n, (ast.If, ast.While)):
            todo += n.body + n.orelse
        elif isinstance(n, (ast.With, ast.Try)):
            raise Unsupported(f"kernel code statement {type(n).__name__}")
    return out


class Lower:
    """The LLVM module of a kernel source."""

    def __init__(self, source: str, name: str) -> None:
        tree = ast.parse(source)
        self.module = ir.Module(name=name)
        self.functions: dict[str, ir.Function] = {}
        self._intrinsics: dict[str, ir.Function] = {}
        defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        for d in defs:
            params = [PTR if a.arg in POINTERS else I64 for a in d.args.args]
            fn = ir.Function(self.module, ir.FunctionType(I64, params), name=d.name)
            if d.name not in ENTRIES and not d.name.startswith("lv"):
                fn.linkage = "internal"  # only the entry points are called from outside
            self.functions[d.name] = fn
        for d in defs:
            _Fn(self, d).run()

    def intrinsic(self, name: str) -> ir.Function:
        fn = self._intrinsics.get(name)
        if fn is None:
            # cttz and ctlz take a second operand: whether zero is undefined
            args = [I64] if name == "llvm.ctpop" else [I64, I1]
            fn = self._intrinsics[name] = self.module.declare_intrinsic(
                name, [I64], ir.FunctionType(I64, args))
        return fn

    def ir_text(self) -> str:
        return str(self.module)
