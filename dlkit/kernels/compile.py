"""Compile the textbook's plain-Python scalar functions for a backend.

The scalar maths (``activations.activate``, ``losses.row_loss``, ``optimizers.update_flat``, ...) is written once
as ordinary Python so it reads like the textbook and runs anywhere. Compiled code may only call compiled
functions, so ``compile_family`` compiles a group of functions that call one another with one decorator
(``numba.njit`` for the cpu backend, ``numba.cuda.jit(device=True)`` for cuda), each seeing the others'
compiled versions under their usual names. ``SCALAR_CODE`` is that group, listed once for every backend.
"""
from __future__ import annotations

import types

from .. import activations, layers, losses, optimizers, rng
from ..data.batches import batches_in

SCALAR_CODE = (
    activations.activate, activations.activate_grad, activations.tanh_arith, activations.sigmoid_arith,
    activations.expm1_positive, losses.row_loss, losses.row_class, losses.is_classification,
    optimizers.update_flat, optimizers.bias_corrections, optimizers.clip_factor, rng.hashed_uniform,
    layers.batchnorm_column_forward, layers.batchnorm_column_backward, batches_in,
)


def compile_family(functions, decorator):
    """{name: compiled function} for ``functions`` (which may call each other by their global names)."""
    namespace = {}
    for f in functions:
        namespace.update(f.__globals__)
    _check_no_name_clash(functions, namespace)
    compiled = {}
    for f in functions:
        clone = types.FunctionType(f.__code__, namespace, f.__name__, f.__defaults__, f.__closure__)
        clone.__module__, clone.__qualname__ = f.__module__, f.__qualname__
        compiled[f.__name__] = decorator(clone)
    namespace.update(compiled)          # compilation is lazy: calls resolve to these when first compiled
    return compiled


def _check_no_name_clash(functions, namespace):
    """The family shares one namespace: a global name two modules give different values would silently
    change one function's meaning (a slot number for a default value, say). Refuse it."""
    family = {f.__name__ for f in functions}
    for f in functions:
        for name in f.__code__.co_names:
            own, shared = f.__globals__.get(name), namespace.get(name)
            same = own is shared or (isinstance(own, (int, float)) and own == shared)
            if name in f.__globals__ and name not in family and not same:
                raise ValueError(f"compile_family: {f.__module__}.{f.__name__} uses the global {name!r}, which "
                                 "another module of the family defines differently; rename one of them")
