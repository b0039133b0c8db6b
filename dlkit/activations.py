"""Activation functions and their derivatives, side by side.

Each activation has two forms that compute the same thing:

* a vectorised numpy pair ``f(z)`` / ``f_grad(z)`` — the readable reference (``numpy`` backend, notebooks);
* one scalar function ``activate(z, kind)`` / ``activate_grad(z, h, kind)`` that the ``cpu`` backend compiles
  with ``numba.njit`` and the ``cuda`` backend with ``cuda.jit(device=True)``; ``h = f(z)`` is passed in so
  sigmoid/tanh/elu reuse the forward value instead of recomputing it.

Shapes: every function is elementwise, ``z`` of any shape -> the same shape.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import erf

from .validation import check_choice

# Integer ids: the kernels branch on these (strings do not travel into compiled code).
NAMES = ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu")
ID = {name: i for i, name in enumerate(NAMES)}
LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0
_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def linear(z):
    return z


def linear_grad(z):
    return np.ones_like(z)


def sigmoid(z):
    # Two branches so exp never overflows: for z < 0 use e^z / (1 + e^z).
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    return np.tanh(z)


def tanh_grad(z):
    return 1.0 - np.tanh(z) ** 2


def relu(z):
    return np.maximum(z, 0.0)


def relu_grad(z):
    # The derivative at exactly 0 is taken as 0, as PyTorch does.
    return (z > 0).astype(z.dtype)


def leaky_relu(z):
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def leaky_relu_grad(z):
    return np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype)


def elu(z):
    return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


def elu_grad(z):
    return np.where(z > 0, 1.0, ELU_ALPHA * np.exp(np.minimum(z, 0.0))).astype(z.dtype)


def gelu(z):
    """Exact GELU, z * Phi(z) with the Gaussian CDF written with erf (PyTorch's default)."""
    return 0.5 * z * (1.0 + erf(z / _SQRT2))


def gelu_grad(z):
    return 0.5 * (1.0 + erf(z / _SQRT2)) + z * _INV_SQRT_2PI * np.exp(-0.5 * z * z)


FORWARD = {"linear": linear, "sigmoid": sigmoid, "tanh": tanh, "relu": relu,
           "leaky_relu": leaky_relu, "elu": elu, "gelu": gelu}
DERIVATIVE = {"linear": linear_grad, "sigmoid": sigmoid_grad, "tanh": tanh_grad, "relu": relu_grad,
              "leaky_relu": leaky_relu_grad, "elu": elu_grad, "gelu": gelu_grad}


def get(name: str):
    """Return ``(f, f_grad)`` for an activation name such as ``"tanh"``."""
    name = check_choice("activation", name, NAMES)
    return FORWARD[name], DERIVATIVE[name]


def saturation_mask(name: str, z):
    """Boolean mask of units in the flat, learning-starved zone of an activation (|f'(z)| < 0.05 of its peak).

    Dead ReLUs (z <= 0) count as saturated for relu; linear never saturates.
    """
    name = check_choice("activation", name, NAMES)
    if name == "linear":
        return np.zeros(np.shape(z), dtype=bool)
    peak = {"sigmoid": 0.25, "gelu": 1.0}.get(name, 1.0)
    return np.abs(DERIVATIVE[name](np.asarray(z, dtype=np.float64))) < 0.05 * peak


# ---- scalar forms, compiled by the cpu (njit) and cuda (device function) backends --------------------------

def activate(z, kind):
    """Scalar activation ``kind`` (an id from ``ID``) at ``z``."""
    if kind == 1:
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)
    if kind == 2:
        return math.tanh(z)
    if kind == 3:
        return z if z > 0 else 0.0 * z
    if kind == 4:
        return z if z > 0 else LEAKY_SLOPE * z
    if kind == 5:
        return z if z > 0 else ELU_ALPHA * math.expm1(z)
    if kind == 6:
        return 0.5 * z * (1.0 + math.erf(z / _SQRT2))
    return z


def activate_grad(z, h, kind):
    """Scalar derivative f'(z), given the forward value ``h = f(z)``."""
    if kind == 1:
        return h * (1.0 - h)
    if kind == 2:
        return 1.0 - h * h
    if kind == 3:
        return 1.0 if z > 0 else 0.0
    if kind == 4:
        return 1.0 if z > 0 else LEAKY_SLOPE
    if kind == 5:
        return 1.0 if z > 0 else h + ELU_ALPHA
    if kind == 6:
        return 0.5 * (1.0 + math.erf(z / _SQRT2)) + z * _INV_SQRT_2PI * math.exp(-0.5 * z * z)
    return 1.0
