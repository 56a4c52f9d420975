"""Stage 5 (compiled stepper): static facts about statement blocks of the IR.

The statement generator (``verifier/engine/codegen/stmt.py``) asks these before choosing the
shape of the code for a block: whether it branches (``either``, ``pick``), writes the
state, or holds a ``require`` that needs a jump target.
"""

from __future__ import annotations

from verifier.lang import model as M


def nondet(stmts: tuple[M.Stmt, ...]) -> bool:
    """Whether a block branches (``either`` or ``pick``), directly or inside an ``if``."""
    for s in stmts:
        match s:
            case M.SEither() | M.SPick():
                return True
            case M.SIf(_, a, b):
                if nondet(a) or nondet(b):
                    return True
    return False


def assigns(stmts: tuple[M.Stmt, ...]) -> bool:
    """Whether a block writes the state anywhere."""
    for s in stmts:
        match s:
            case M.SAssign():
                return True
            case M.SIf(_, a, b):
                if assigns(a) or assigns(b):
                    return True
            case M.SEither(branches):
                if any(assigns(b) for b in branches):
                    return True
            case M.SPick(_, _, body):
                if assigns(body):
                    return True
    return False


def requires(stmts: tuple[M.Stmt, ...]) -> bool:
    """Whether a block contains a require anywhere."""
    for s in stmts:
        match s:
            case M.SRequire(c) if not (isinstance(c, M.EConst) and c.value is True):
                return True
            case M.SIf(_, a, b):
                if requires(a) or requires(b):
                    return True
            case M.SEither(branches):
                if any(requires(b) for b in branches):
                    return True
            case M.SPick(_, _, body):
                if requires(body):
                    return True
    return False


def requires_in_ifs(stmts: tuple[M.Stmt, ...]) -> bool:
    """Whether a require sits inside a deterministic ``if`` (it then needs a jump target)."""
    for s in stmts:
        match s:
            case M.SIf(_, a, b):
                if not (nondet(a) or nondet(b)) and (requires(a) or requires(b)):
                    return True
                if requires_in_ifs(a) or requires_in_ifs(b):
                    return True
            case M.SEither(branches):
                if any(requires_in_ifs(b) for b in branches):
                    return True
            case M.SPick(_, _, body):
                if requires_in_ifs(body):
                    return True
    return False
