"""The cpu backend's elementwise work: the textbook's scalar maths compiled with ``numba.njit``, and the loops that
run it over a layer's block (activations) or the flat parameter vector (the optimizer's update).

A branch on ``kind`` inside a hot loop costs time on every element; calling a loop with a constant kind lets the
compiler fold the branch away (docs/performance.md has the figures), so each loop has one specialised copy per
activation or optimizer, chosen once per call.

**float32 arrays, float32 arithmetic.** In Numba a bare ``0.5`` is a float64, so the scalar code as written turns
every float32 element into a float64 and back. The loops are therefore compiled twice, with the scalar code
(:func:`dlkit.kernels.compile.compile_family`): as written, and for float32 with every float literal and
constant in float32 (as the cuda backend does). ``activate_all``, ``activate_grad_all`` and ``update_all``
choose the copy for the dtype of their arrays when the calling kernel compiles, so a float32 network computes
its activations and its optimizer's update in float32: twice the SIMD lanes, and no conversions
(docs/performance.md). The update's hyperparameters and bias corrections then come in float32 too
(:func:`real_hyper`).
"""
from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from ...packing import (ACT_ELU, ACT_GELU, ACT_LEAKY_RELU, ACT_LINEAR, ACT_RELU, ACT_SIGMOID, ACT_TANH, OPT_ADAGRAD,
                        OPT_ADAM, OPT_ADAMAX, OPT_ADAMW, OPT_MOMENTUM, OPT_NESTEROV, OPT_RMSPROP, OPT_SGD)
from ..compile import SCALAR_CODE, compile_family
from .cached import OPTIONS, kernel

_SCALAR = compile_family(SCALAR_CODE, kernel(inline="always"))
_activate, _activate_grad = _SCALAR["activate"], _SCALAR["activate_grad"]
_update = _SCALAR["update_flat"]


@kernel(inline="always")
def _activate_loop(z, h, kind):
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            h[i, j] = _activate(z[i, j], kind)


@kernel(inline="always")
def _activate_grad_loop(dh, z, h, kind):
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            dh[i, j] *= _activate_grad(z[i, j], h[i, j], kind)


@kernel
def _activate_all(z, h, kind):
    """h = f(z) elementwise, (n, H)."""
    if kind == ACT_LINEAR:
        _activate_loop(z, h, ACT_LINEAR)
    elif kind == ACT_SIGMOID:
        _activate_loop(z, h, ACT_SIGMOID)
    elif kind == ACT_TANH:
        _activate_loop(z, h, ACT_TANH)
    elif kind == ACT_RELU:
        _activate_loop(z, h, ACT_RELU)
    elif kind == ACT_LEAKY_RELU:
        _activate_loop(z, h, ACT_LEAKY_RELU)
    elif kind == ACT_ELU:
        _activate_loop(z, h, ACT_ELU)
    else:
        _activate_loop(z, h, ACT_GELU)


@kernel
def _activate_grad_all(dh, z, h, kind):
    """dh *= f'(z) elementwise, given h = f(z), (n, H)."""
    if kind == ACT_LINEAR:
        return
    elif kind == ACT_SIGMOID:
        _activate_grad_loop(dh, z, h, ACT_SIGMOID)
    elif kind == ACT_TANH:
        _activate_grad_loop(dh, z, h, ACT_TANH)
    elif kind == ACT_RELU:
        _activate_grad_loop(dh, z, h, ACT_RELU)
    elif kind == ACT_LEAKY_RELU:
        _activate_grad_loop(dh, z, h, ACT_LEAKY_RELU)
    elif kind == ACT_ELU:
        _activate_grad_loop(dh, z, h, ACT_ELU)
    else:
        _activate_grad_loop(dh, z, h, ACT_GELU)


@kernel(inline="always")
def _update_loop(theta, grad, m, v, kind, hyper, t, corr1, corr2):
    for i in range(theta.shape[0]):
        _update(theta, grad, m, v, i, kind, hyper, t, corr1, corr2)


@kernel
def _update_all(theta, grad, m, v, kind, hyper, t, corr1, corr2):
    """One optimizer step over a stretch of the flat parameter vector (every entry of it moves). Frozen entries
    are left out by the caller, which passes only the trainable stretches: a per-entry "is it frozen?" test
    inside this loop kept the compiler from vectorising it (10-100x slower, docs/performance.md)."""
    if kind == OPT_SGD:
        _update_loop(theta, grad, m, v, OPT_SGD, hyper, t, corr1, corr2)
    elif kind == OPT_MOMENTUM:
        _update_loop(theta, grad, m, v, OPT_MOMENTUM, hyper, t, corr1, corr2)
    elif kind == OPT_NESTEROV:
        _update_loop(theta, grad, m, v, OPT_NESTEROV, hyper, t, corr1, corr2)
    elif kind == OPT_ADAGRAD:
        _update_loop(theta, grad, m, v, OPT_ADAGRAD, hyper, t, corr1, corr2)
    elif kind == OPT_RMSPROP:
        _update_loop(theta, grad, m, v, OPT_RMSPROP, hyper, t, corr1, corr2)
    elif kind == OPT_ADAM:
        _update_loop(theta, grad, m, v, OPT_ADAM, hyper, t, corr1, corr2)
    elif kind == OPT_ADAMW:
        _update_loop(theta, grad, m, v, OPT_ADAMW, hyper, t, corr1, corr2)
    else:
        _update_loop(theta, grad, m, v, OPT_ADAMAX, hyper, t, corr1, corr2)


# ---- the same loops for float32: compiled from their source with the scalar code in float32 ----------------------

_LOOPS = (_activate_loop, _activate_grad_loop, _activate_all, _activate_grad_all, _update_loop, _update_all)


def _njit_float32(fn):
    """A float32 copy; the three entry points get their own on-disk cache entries (their names already carry
    the sources' digest, :mod:`.cached`), the scalar code and the inner loops are inlined."""
    if fn.__name__ in ("_activate_all", "_activate_grad_all", "_update_all"):
        fn.__qualname__ = f"{fn.__qualname__}_float32"
        return njit(**OPTIONS)(fn)
    return njit(inline="always", error_model="numpy")(fn)


_FLOAT32 = compile_family([getattr(f, "py_func", f) for f in SCALAR_CODE + _LOOPS], _njit_float32, real=np.float32)


def _for_real(as_written, float32):
    """A function for compiled code: ``float32`` where its first argument is a float32 array, ``as_written``
    otherwise (chosen when the caller compiles, so nothing is decided per call)."""
    def choose(*args):
        raise TypeError("called from compiled code only")

    @overload(choose, jit_options={"error_model": "numpy"})
    def _choose(first, *rest):
        chosen = float32 if isinstance(first, types.Array) and first.dtype == types.float32 else as_written
        return lambda first, *rest: chosen(first, *rest)

    choose.__name__, choose.__doc__ = as_written.__name__.lstrip("_"), as_written.py_func.__doc__
    return choose


activate_all = _for_real(_activate_all, _FLOAT32["_activate_all"])
activate_grad_all = _for_real(_activate_grad_all, _FLOAT32["_activate_grad_all"])
update_all = _for_real(_update_all, _FLOAT32["_update_all"])


@kernel
def real_hyper(hyper, theta):
    """The hyperparameters (H,) in theta's dtype: what ``update_all`` is handed with theta's stretches."""
    return hyper.astype(theta.dtype)
