"""Compile the engine's plain-Python scalar functions for a backend.

The scalar maths (``activations.activate``, ``losses.row_loss``, ``optimizers.update_flat``, ...) is written once
as ordinary Python so it reads like the textbook and runs anywhere. Compiled code may only call compiled
functions, so ``compile_family`` compiles a group of functions that call one another with one decorator
(``numba.njit`` for the cpu backend, ``numba.cuda.jit(device=True)`` for cuda), each seeing the others'
compiled versions under their usual names.
"""
from __future__ import annotations

import types


def compile_family(functions, decorator):
    """{name: compiled function} for ``functions`` (which may call each other by their global names)."""
    namespace = {}
    compiled = {}
    for f in functions:
        namespace.update(f.__globals__)
    for f in functions:
        clone = types.FunctionType(f.__code__, namespace, f.__name__, f.__defaults__, f.__closure__)
        clone.__module__, clone.__qualname__ = f.__module__, f.__qualname__
        compiled[f.__name__] = decorator(clone)
    namespace.update(compiled)          # compilation is lazy: calls resolve to these when first compiled
    return compiled
