"""dlkit.kernels.compile: the textbook's scalar code compiled as one family."""
import types

import pytest
from numba import njit

from dlkit.kernels.compile import SCALAR_CODE, compile_family


def test_the_family_compiles_every_scalar_function_once():
    family = compile_family(SCALAR_CODE, lambda f: f)
    assert set(family) == {f.__name__ for f in SCALAR_CODE}
    assert family["row_class"](__import__("numpy").array([0.1, 0.7, 0.2])) == 1


def _function(name, code, constants):
    namespace = dict(constants)
    exec(code, namespace)
    return types.FunctionType(namespace[name].__code__, namespace, name)


def test_a_global_two_modules_define_differently_is_refused():
    a = _function("a", "def a(x):\n    return x + SCALE\n", {"SCALE": 1.0})
    b = _function("b", "def b(x):\n    return a(x) * SCALE\n", {"SCALE": 2.0})
    with pytest.raises(ValueError, match="SCALE"):
        compile_family([a, b], njit)
    c = _function("c", "def c(x):\n    return a(x) + SCALE\n", {"SCALE": 1.0})
    assert compile_family([a, c], njit)["c"](1.0) == 3.0
