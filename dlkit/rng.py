"""Counter-based random numbers: the same uniforms on every backend, without shared generator state.

``uniform(seed, step, layer, index)`` hashes its four integers with the SplitMix64 finaliser. A numpy array of
indices gives an array of uniforms; the scalar form compiles unchanged with ``numba.njit`` and
``cuda.jit(device=True)``, so a dropout mask drawn on the GPU equals the one drawn by the numpy reference.
"""
from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_STEP = np.uint64(0xD1B54A32D192ED03)
_LAYER = np.uint64(0xABC98388FB8FAC03)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0     # 2**-53: the top 53 bits become a double in [0, 1)


def uniform(seed, step, layer, index):
    """Uniform in [0, 1) for (seed, step, layer, index) with numpy; ``index`` may be a uint64 array (N,) -> (N,).
    Module 07."""
    with np.errstate(over="ignore"):        # the hash wraps around 2**64 on purpose
        return hashed_uniform(seed, step, layer, index)


def hashed_uniform(seed, step, layer, index):
    """The scalar hash itself (compiled by the cpu and cuda backends; numpy callers use ``uniform``). Module 09."""
    x = (np.uint64(seed) * _GOLDEN + np.uint64(step) * _STEP + np.uint64(layer) * _LAYER
         + np.uint64(index))
    x = (x ^ (x >> _S30)) * _MIX1
    x = (x ^ (x >> _S27)) * _MIX2
    x = x ^ (x >> _S31)
    return np.float64(x >> _S11) * _TO_UNIT      # (np.float64: a scalar or an array; float32 when compiled so)
