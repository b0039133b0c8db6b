"""dlkit.kernels.compile: the textbook's scalar code compiled as one family, as written or for a real type."""
import types

import numpy as np
import pytest
from numba import njit

from dlkit import activations, layers, losses, optimizers, rng
from dlkit.kernels.compile import SCALAR_CODE, compile_family


def test_the_family_compiles_every_scalar_function_once():
    family = compile_family(SCALAR_CODE, lambda f: f)
    assert set(family) == {f.__name__ for f in SCALAR_CODE}
    assert family["row_class"](np.array([0.1, 0.7, 0.2])) == 1


def _function(name, code, constants):
    namespace = dict(constants)
    exec(code, namespace)
    return types.FunctionType(namespace[name].__code__, namespace, name)


def test_each_function_keeps_its_own_modules_meaning_of_a_name():
    """BN_MOMENTUM is a default value in layers and a slot number in packing: one shared namespace would give one
    of them the other's value."""
    a = _function("a", "def a(x):\n    return x + SCALE\n", {"SCALE": 1.0})
    b = _function("b", "def b(x):\n    return a(x) * SCALE\n", {"SCALE": 2.0})
    family = compile_family([a, b], njit)
    assert family["a"](1.0) == 2.0 and family["b"](1.0) == 4.0


def test_an_alias_of_a_member_calls_the_compiled_member():
    a = _function("a", "def a(x):\n    return x + 1.0\n", {})
    b = _function("b", "def b(x):\n    return helper(x) * 2.0\n", {"helper": njit(a)})    # imported "as helper"
    assert compile_family([a, b], njit)["b"](1.0) == 4.0


def test_float32_family_computes_in_float32_and_float64_is_the_code_as_written():
    as_written = compile_family(SCALAR_CODE, lambda f: f)
    float32 = compile_family(SCALAR_CODE, lambda f: f, real=np.float32)
    z = np.float32(0.7)
    for kind in range(len(activations.NAMES)):
        assert type(float32["activate"](z, kind)) is np.float32, activations.NAMES[kind]
        assert float32["activate"](z, kind) == pytest.approx(as_written["activate"](0.7, kind), rel=1e-6)
        assert type(float32["activate_grad"](z, z, kind)) is np.float32, activations.NAMES[kind]
    assert type(float32["hashed_uniform"](1, 2, 3, 4)) is np.float32
    assert float32["hashed_uniform"](1, 2, 3, 4) == pytest.approx(rng.uniform(1, 2, 3, 4), rel=1e-7)
    assert as_written["activate"] is not float32["activate"]


def test_float32_constants_are_folded_then_rounded_once_and_named_values_replaced():
    float32 = compile_family(SCALAR_CODE, lambda f: f, real=np.float32)
    for y in (0.0, 1e-3, 0.5, 3.0, 38.2, 87.0):                 # the whole range float32 asks of it
        got = float32["expm1_positive"](np.float32(y))
        assert type(got) is np.float32 and np.isfinite(got)
        assert got == pytest.approx(np.expm1(float(np.float32(y))), rel=3e-7, abs=1e-9), y
    assert float32["sigmoid_arith"](np.float32(-500.0)) == pytest.approx(np.exp(-87.0), rel=1e-5)  # the float32 cap
    assert activations.FLOAT32_CONSTANTS["_SIGMOID_CAP"] == 87.0


SERIES_COEFFS = (1.0, 0.5, 0.25)                      # for the next test: a tuple of constants,
SERIES_TERMS = 3                                      # a count of them,
FLOAT32_CONSTANTS = {"SERIES_TERMS": 2}               # and the count float32 needs


def _series(r):
    p = 0.0
    for n in range(SERIES_TERMS - 1, -1, -1):
        p = SERIES_COEFFS[n] + r * p
    return p


def test_tuples_of_constants_become_real_and_a_named_count_stays_an_integer():
    """expm1_positive's series coefficients are a tuple, and how many of them float32 needs is a count."""
    as_written = compile_family([_series], njit)
    assert as_written["_series"](2.0) == 1.0 + 2.0 * (0.5 + 2.0 * 0.25)
    plain32 = compile_family([_series], lambda f: f, real=np.float32)       # run as Python: see the types
    got = plain32["_series"](np.float32(2.0))                               # two terms, all of them float32
    assert type(got) is np.float32 and got == 2.0
    assert compile_family([_series], njit, real=np.float32)["_series"](np.float32(2.0)) == 2.0
    assert activations.FLOAT32_CONSTANTS["_EXP_TERMS"] < activations._EXP_TERMS


def test_float32_losses_optimizers_and_batch_norm_stay_in_float32():
    float32 = compile_family(SCALAR_CODE, lambda f: f, real=np.float32)
    out, dout = np.array([0.3, -1.2, 2.0], np.float32), np.zeros(3, np.float32)
    for kind in range(len(losses.NAMES)):
        target = np.array([1.0, 0.5, -0.5], np.float32)
        assert type(float32["row_loss"](out, target, kind, dout)) is np.float32, losses.NAMES[kind]
    hyper = np.full(12, 0.5, np.float32)
    c1, c2 = float32["bias_corrections"](hyper, np.float32(3.0))
    assert type(c1) is np.float32 and c1 == pytest.approx(1 - 0.5 ** 3)
    z = np.array([1.0, 2.0, 4.0], np.float32)
    zhat, inv = np.zeros(3, np.float32), np.zeros(1, np.float32)
    one, zero = np.ones(1, np.float32), np.zeros(1, np.float32)
    float32["batchnorm_column_forward"](z, zhat, inv, one, zero, zero.copy(), one.copy(), 0, True, True,
                                        np.float32(0.1), np.float32(1e-5))
    np.testing.assert_allclose(z, (np.array([1, 2, 4]) - 7 / 3) / np.sqrt(np.var([1, 2, 4]) + 1e-5), rtol=1e-6)
    assert {type(layers.BN_MOMENTUM), type(optimizers.CLIP_EPS)} == {float}         # the textbook's values stay


def test_a_closure_cannot_be_compiled_for_a_real_type():
    scale = 2.0

    def closure(x):
        return x * scale

    with pytest.raises(ValueError, match="closure"):
        compile_family([closure], lambda f: f, real=np.float32)
