"""Stage 5 (kernel engine): the signatures of a model's generated functions and of the driver.

The driver (``verifier/engine/kernel/driver.py``) is compiled once for these types and
calls each model's functions through first-class function types, so a new model
compiles only its own code, and the driver comes from numba's cache.
"""

from __future__ import annotations

import warnings

import numba.experimental.function_type  # noqa: F401  (registers typeof for native functions)
from numba import types
from numba.core.errors import NumbaExperimentalFeatureWarning

# numba marks first-class function types experimental; the kernel's use of them is tested
warnings.filterwarnings("ignore", category=NumbaExperimentalFeatureWarning)

PTR = types.CPointer(types.int64)

# A model's functions take pointers (C calling convention), so that code compiled by
# LLVM directly (``lower.py``) and by numba can both be called:
# expand(S, O, rows, A) -> n: the transitions of the state at S (its words) into the
# first n rows of O (rows of W words, ``rows`` of them), their actions into A;
SIG_EXPAND = types.int64(PTR, PTR, types.int64, PTR)
# mon(S, active, fired) -> how many active monitors fire in the state (fired[j] set);
SIG_MON = types.int64(PTR, PTR, PTR)
# cons(S) -> 1 when every constraint holds in the state (else it is not expanded);
SIG_CONS = types.int64(PTR)
# lv<k>(S, P) -> condition k in the state, its parameters' values at P: 1, 0, or -1 for
# a run-time error.
SIG_PRED = types.int64(PTR, PTR)

FNS = types.Tuple((types.FunctionType(SIG_EXPAND), types.FunctionType(SIG_MON),
                   types.FunctionType(SIG_CONS)))
