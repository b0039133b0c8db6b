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

from .packing import (ACT_ELU, ACT_GELU, ACT_LEAKY_RELU, ACT_RELU, ACT_SIGMOID, ACT_TANH, ACTIVATIONS)
from .validation import check_choice

NAMES = ACTIVATIONS                                  # the kernels get the integer ids (dlkit.packing)
ID = {name: i for i, name in enumerate(NAMES)}
RELU_FAMILY = ("relu", "leaky_relu", "elu", "gelu")   # He init suits them; their units can die (z <= 0)
LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0
_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def linear(z):
    """The identity, z -> z (any shape). Module 02."""
    return z


def linear_grad(z):
    """d linear / dz: ones like z. Module 02."""
    return np.ones_like(z)


def sigmoid(z):
    """1 / (1 + e^-z), elementwise. Module 02."""
    # Two branches so exp never overflows: for z < 0 use e^z / (1 + e^z).
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(z):
    """sigmoid'(z) = s (1 - s) with s = sigmoid(z). Module 02."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """tanh(z), elementwise. Module 02."""
    return np.tanh(z)


def tanh_grad(z):
    """tanh'(z) = 1 - tanh(z)^2. Module 02."""
    return 1.0 - np.tanh(z) ** 2


def relu(z):
    """max(z, 0), elementwise. Module 02."""
    return np.maximum(z, 0.0)


def relu_grad(z):
    """1 where z > 0, else 0. Module 02."""
    # The derivative at exactly 0 is taken as 0, as PyTorch does.
    return (z > 0).astype(z.dtype)


def leaky_relu(z):
    """z where z > 0, else LEAKY_SLOPE * z. Module 02."""
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def leaky_relu_grad(z):
    """1 where z > 0, else LEAKY_SLOPE. Module 02."""
    return np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype)


def elu(z):
    """z where z > 0, else ELU_ALPHA (e^z - 1). Module 02."""
    return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


def elu_grad(z):
    """1 where z > 0, else ELU_ALPHA e^z. Module 02."""
    return np.where(z > 0, 1.0, ELU_ALPHA * np.exp(np.minimum(z, 0.0))).astype(z.dtype)


def gelu(z):
    """Exact GELU, z * Phi(z) with the Gaussian CDF written with erf (PyTorch's default). Module 02."""
    return 0.5 * z * (1.0 + erf(z / _SQRT2))


def gelu_grad(z):
    """GELU'(z) = Phi(z) + z phi(z). Module 02."""
    return 0.5 * (1.0 + erf(z / _SQRT2)) + z * _INV_SQRT_2PI * np.exp(-0.5 * z * z)


FORWARD = {"linear": linear, "sigmoid": sigmoid, "tanh": tanh, "relu": relu,
           "leaky_relu": leaky_relu, "elu": elu, "gelu": gelu}
DERIVATIVE = {"linear": linear_grad, "sigmoid": sigmoid_grad, "tanh": tanh_grad, "relu": relu_grad,
              "leaky_relu": leaky_relu_grad, "elu": elu_grad, "gelu": gelu_grad}


def get(name: str):
    """Return ``(f, f_grad)`` for an activation name such as ``"tanh"``. Module 02."""
    name = check_choice("activation", name, NAMES)
    return FORWARD[name], DERIVATIVE[name]


SATURATED_FRACTION = 0.05           # |f'(z)| below this share of its peak counts as the flat zone
PEAK_DERIVATIVE = {"sigmoid": 0.25}   # max |f'|; 1 for the others


def saturation_mask(name: str, z):
    """Boolean mask of units in the flat, learning-starved zone of an activation (|f'(z)| < 0.05 of its peak).

    Dead ReLUs (z <= 0) count as saturated for relu; linear never saturates.
    Module 02.
    """
    name = check_choice("activation", name, NAMES)
    if name == "linear":
        return np.zeros(np.shape(z), dtype=bool)
    if name in SATURATION_EDGE:             # f' falls with |z|: the flat zone is |z| beyond one edge
        return np.abs(np.asarray(z, dtype=np.float64)) > SATURATION_EDGE[name]
    peak = PEAK_DERIVATIVE.get(name, 1.0)
    return np.abs(DERIVATIVE[name](np.asarray(z, dtype=np.float64))) < SATURATED_FRACTION * peak


def _saturation_edges(fraction):
    """The |z| beyond which tanh' = 1 - tanh^2 and sigmoid' = s (1 - s) fall under ``fraction`` of their peaks
    (both even and falling in |z|): tanh(z)^2 = 1 - fraction, and s = (1 - sqrt(1 - fraction)) / 2 at -z."""
    s = (1.0 - math.sqrt(1.0 - fraction)) / 2.0
    return {"tanh": math.atanh(math.sqrt(1.0 - fraction)), "sigmoid": math.log((1.0 - s) / s)}


SATURATION_EDGE = _saturation_edges(SATURATED_FRACTION)     # a comparison per unit instead of a tanh (live labs)


# ---- scalar forms, compiled by the cpu (njit) and cuda (device function) backends --------------------------
# tanh and sigmoid are written with plain arithmetic (no call into the maths library), so the compiler can run
# them on 8 or 16 numbers at once (SIMD); they agree with numpy's to about one unit in the last place.

_LN2_HI, _LN2_LO = 0.6931471803691238, 1.9082149292705877e-10   # ln 2 split so k * ln2 is exact (Cody-Waite)
_INV_LN2 = 1.4426950408889634
_SIGMOID_CAP = 700.0        # sigmoid_arith's largest |z|: sigmoid(-700) = 1e-304, near float64's smallest number
_EXP_TERMS = 13             # e^r - 1 to r^13: the next term, r^14 / 14!, is below 2^-53 of it at |r| = ln2 / 2
_EXP_BITS = 10              # 2^k for k < 2^10: e^709 is 2^1023 at most
_EXP_TAYLOR = tuple(1.0 / math.factorial(n) for n in range(1, _EXP_TERMS + 1))    # 1/1!, 1/2!, ... 1/13!
_EXP_POWERS = tuple(2.0 ** (2 ** b) for b in range(_EXP_BITS))                   # 2, 4, 16, 256, ... 2^512
# compiled for float32 (dlkit.kernels.compile): e^700 overflows there (sigmoid(-87) = 1.6e-38 is float32's smallest),
# ln 2's high part has 9 bits, so k * _LN2_HI stays exact in float32's 24, r^8 / 8! is below 2^-24 of e^r - 1, and
# k <= 126 has 7 bits: about 30 fewer operations per tanh or sigmoid, on 8 or 16 lanes at once
FLOAT32_CONSTANTS = {"_SIGMOID_CAP": 87.0, "_LN2_HI": 0.693359375, "_LN2_LO": -2.1219444005469058e-4,
                     "_EXP_TERMS": 7, "_EXP_BITS": 7}


def expm1_positive(y):
    """e^y - 1 for 0 <= y <= 709, accurate to ~1 ulp: e^y = 2^k e^r with |r| <= ln2 / 2, e^r - 1 by its Taylor
    series to r^_EXP_TERMS (Horner's rule), and 2^k built from k's _EXP_BITS bits by multiplying the powers
    2^(2^b) of the bits that are set (no branch: the compiler turns each choice into a select). Both loops have
    a constant length, so the compiler unrolls them; float32 needs fewer terms and bits (FLOAT32_CONSTANTS). A
    power too large for float32 is only chosen when 2^k itself overflows. Module 09."""
    k_int = np.int32(y * _INV_LN2 + 0.5)                # int32: eight lanes where int64 would allow four
    k = float(k_int)
    r = (y - k * _LN2_HI) - k * _LN2_LO
    p = _EXP_TAYLOR[_EXP_TERMS - 1]
    for n in range(_EXP_TERMS - 2, -1, -1):             # 1/1! + r (1/2! + r (1/3! + ...))
        p = _EXP_TAYLOR[n] + r * p
    two_k = 1.0
    for b in range(_EXP_BITS):
        two_k *= _EXP_POWERS[b] if (k_int >> b) & 1 else 1.0
    return two_k * (r * p) + (two_k - 1.0)


def tanh_arith(z):
    """tanh(z) = (e^2|z| - 1) / (e^2|z| + 1) with the sign of z; |z| > 19.1 gives +-1 exactly in float64. Module 09."""
    a = abs(z)
    em = expm1_positive(2.0 * (a if a < 19.1 else 19.1))
    t = em / (em + 2.0)
    return t if z >= 0.0 else -t


def sigmoid_arith(z):
    """1 / (1 + e^-z), via e^-|z| so nothing overflows; |z| is capped at _SIGMOID_CAP. Module 09."""
    a = abs(z)
    e = 1.0 / (expm1_positive(a if a < _SIGMOID_CAP else _SIGMOID_CAP) + 1.0)
    return 1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)


def activate(z, kind):
    """Scalar activation ``kind`` (an id from ``ID``) at ``z``. Module 09."""
    if kind == ACT_SIGMOID:
        return sigmoid_arith(z)
    if kind == ACT_TANH:
        return tanh_arith(z)
    if kind == ACT_RELU:
        return z if z > 0.0 else 0.0 * z
    if kind == ACT_LEAKY_RELU:
        return z if z > 0.0 else LEAKY_SLOPE * z
    if kind == ACT_ELU:
        return z if z > 0.0 else ELU_ALPHA * math.expm1(z)
    if kind == ACT_GELU:
        return 0.5 * z * (1.0 + math.erf(z / _SQRT2))
    return z                                                # ACT_LINEAR


def activate_grad(z, h, kind):
    """Scalar derivative f'(z), given the forward value ``h = f(z)``. Module 09."""
    if kind == ACT_SIGMOID:
        return h * (1.0 - h)
    if kind == ACT_TANH:
        return 1.0 - h * h
    if kind == ACT_RELU:
        return 1.0 if z > 0.0 else 0.0
    if kind == ACT_LEAKY_RELU:
        return 1.0 if z > 0.0 else LEAKY_SLOPE
    if kind == ACT_ELU:
        return 1.0 if z > 0.0 else h + ELU_ALPHA
    if kind == ACT_GELU:
        return 0.5 * (1.0 + math.erf(z / _SQRT2)) + z * _INV_SQRT_2PI * math.exp(-0.5 * z * z)
    return 1.0                                              # ACT_LINEAR
