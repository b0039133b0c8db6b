"""The cpu backend's elementwise work: the textbook's scalar maths compiled with ``numba.njit``, and the loops that
run it over a layer's block (activations) or the flat parameter vector (the optimizer's update).

A branch on ``kind`` inside a hot loop costs time on every element; calling a loop with a constant kind lets the
compiler fold the branch away (docs/performance.md has the figures), so each loop has one specialised copy per
activation or optimizer, chosen once per call.
"""
from __future__ import annotations

from numba import njit

from ...packing import (ACT_ELU, ACT_GELU, ACT_LEAKY_RELU, ACT_LINEAR, ACT_RELU, ACT_SIGMOID, ACT_TANH, OPT_ADAGRAD,
                        OPT_ADAM, OPT_ADAMAX, OPT_ADAMW, OPT_MOMENTUM, OPT_NESTEROV, OPT_RMSPROP, OPT_SGD)
from ..compile import SCALAR_CODE, compile_family

_SCALAR = compile_family(SCALAR_CODE, njit(cache=True, inline="always", error_model="numpy"))
_activate, _activate_grad = _SCALAR["activate"], _SCALAR["activate_grad"]
_update = _SCALAR["update_flat"]


@njit(cache=True, inline="always", error_model="numpy")
def _activate_loop(z, h, kind):
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            h[i, j] = _activate(z[i, j], kind)


@njit(cache=True, inline="always", error_model="numpy")
def _activate_grad_loop(dh, z, h, kind):
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            dh[i, j] *= _activate_grad(z[i, j], h[i, j], kind)


@njit(cache=True, error_model="numpy")
def activate_all(z, h, kind):
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


@njit(cache=True, error_model="numpy")
def activate_grad_all(dh, z, h, kind):
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


@njit(cache=True, inline="always", error_model="numpy")
def _update_loop(theta, grad, m, v, kind, hyper, t, corr1, corr2):
    for i in range(theta.shape[0]):
        _update(theta, grad, m, v, i, kind, hyper, t, corr1, corr2)


@njit(cache=True, error_model="numpy")
def update_all(theta, grad, m, v, kind, hyper, t, corr1, corr2):
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
