"""Compile the textbook's plain-Python scalar functions for a backend, and for a real type.

The scalar maths (``activations.activate``, ``losses.row_loss``, ``optimizers.update_flat``, ...) is written once
as ordinary Python so it reads like the textbook and runs anywhere. Compiled code may only call compiled
functions, so ``compile_family`` compiles a group of functions that call one another with one decorator
(``numba.njit`` for the cpu backend, ``numba.cuda.jit`` for cuda), each seeing the others' compiled versions
under their usual names (and under any alias a module imported them as). ``SCALAR_CODE`` is that group, listed
once for every backend.

**The real type.** In Numba a float literal is a float64, so ``0.5 * z`` on a float32 ``z`` computes in double
precision — on a GPU at 1/2 to 1/64 of the float32 rate. ``compile_family(..., real=np.float32)`` compiles the
same source for float32: every float literal (and every constant expression such as ``1 / 6``), every float
constant (or tuple of them) of the functions' modules, and ``float(...)`` (or ``np.float64(...)``, which numpy
arrays accept too) become float32, so float32 arrays in means float32 arithmetic throughout. The source follows
two habits for this: an integer that meets a real number is written ``float(n)`` (in float64 that is exactly
what Numba did anyway), and a literal compared with a real is written as a float (``z > 0.0``). A constant whose
value must differ in float32 (a cap that float32's smaller range cannot hold) is named, and its module lists the float32
value in ``FLOAT32_CONSTANTS``. Without ``real`` (the cpu backend) the code compiles exactly as written.
"""
from __future__ import annotations

import ast
import hashlib
import inspect
import textwrap
import types

import numpy as np

from .. import activations, layers, losses, optimizers, rng
from ..data.batches import batches_in

SCALAR_CODE = (
    activations.activate, activations.activate_grad, activations.tanh_arith, activations.sigmoid_arith,
    activations.expm1_positive, losses.row_loss, losses.row_class, losses.is_classification,
    optimizers.update_flat, optimizers.bias_corrections, optimizers.clip_factor, rng.hashed_uniform,
    layers.batchnorm_column_forward, layers.batchnorm_column_backward, batches_in,
)
REAL_OVERRIDES = {np.float32: "FLOAT32_CONSTANTS"}   # real type -> the module attribute naming its values


def compile_family(functions, decorator, real=None):
    """{name: compiled function} for ``functions`` (plain functions, or compiled ones whose Python function is
    recompiled), which may call each other by their global names or by any alias their modules imported them as.
    ``decorator(function)`` compiles one; ``real`` (a numpy float type) compiles the family for that real type
    (see the module docstring). Each function keeps its own module's globals (a copy): two modules may give one
    name different meanings (``BN_MOMENTUM`` is a default in ``layers`` and a slot number in ``packing``)."""
    originals = [getattr(f, "py_func", f) for f in functions]
    spaces = {}                                           # one namespace per module: a copy of its globals
    for f in originals:
        spaces.setdefault(id(f.__globals__), dict(f.__globals__))
    rewrite = real is not None and real is not np.float64
    if rewrite:
        for f in originals:
            _real_constants(spaces[id(f.__globals__)], f.__globals__, real)
    clones = [(_rewritten if rewrite else _clone)(f, spaces[id(f.__globals__)], real) for f in originals]
    compiled = {f.__name__: decorator(clone) for f, clone in zip(originals, clones)}
    member = {f.__code__: compiled[f.__name__] for f in originals}
    for space in spaces.values():                        # calls resolve to the compiled members, under any name
        for name, value in list(space.items()):
            code = getattr(getattr(value, "py_func", value), "__code__", None)
            if code in member:
                space[name] = member[code]
        for name, fn in compiled.items():                # and by a member's own name where a module lacks it
            space.setdefault(name, fn)
    return compiled


def family_digest(functions):
    """A short digest of the family's source (to name an on-disk cache entry after: Numba's cache only watches
    the file of the kernel itself, not the files of the functions it calls)."""
    text = "".join(inspect.getsource(f) for f in functions)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _clone(f, namespace, real=None):
    clone = types.FunctionType(f.__code__, namespace, f.__name__, f.__defaults__, f.__closure__)
    clone.__module__, clone.__qualname__ = f.__module__, f.__qualname__
    return clone


def _real_constants(namespace, module_globals, real):
    """A module's float constants (and tuples of them) as ``real``, with the values the module names for some of
    them in that type (a float as ``real``, an int, such as a count of series terms, as it is)."""
    for name, value in list(namespace.items()):
        if _is_real(value) or (isinstance(value, tuple) and value and all(map(_is_real, value))):
            namespace[name] = _as_real(value, real)
    for name, value in module_globals.get(REAL_OVERRIDES.get(real, ""), {}).items():
        namespace[name] = value if isinstance(value, int) else _as_real(value, real)
    namespace["_real_type"] = real


def _is_real(value):
    return isinstance(value, (float, np.floating)) and not isinstance(value, bool)


def _as_real(value, real):
    """A float, or a tuple of floats, in the real type (a value beyond its range becomes inf: 2.0 ** 512 in
    float32 is only ever chosen where the result overflows anyway)."""
    with np.errstate(over="ignore"):
        return tuple(real(v) for v in value) if isinstance(value, tuple) else real(value)


def _rewritten(f, namespace, real):
    """f recompiled from its source with its float literals and conversions in the real type."""
    if f.__closure__:
        raise ValueError(f"compile_family: {f.__qualname__} is a closure; a real-type family needs plain functions")
    tree = ast.parse(textwrap.dedent(inspect.getsource(f)))
    tree.body[0].decorator_list = []
    tree = ast.fix_missing_locations(_RealLiterals(namespace, real, f.__name__).visit(tree))
    ast.increment_lineno(tree, f.__code__.co_firstlineno - 1)
    scope = {}
    exec(compile(tree, f.__code__.co_filename, "exec"), namespace, scope)
    clone = types.FunctionType(scope[f.__name__].__code__, namespace, f.__name__, f.__defaults__)
    clone.__module__, clone.__qualname__ = f.__module__, f.__qualname__
    return clone


class _RealLiterals(ast.NodeTransformer):
    """Float literals and constant expressions -> named ``real`` constants; ``float(x)`` and ``np.float64(x)``
    (the conversion a numpy array also accepts) -> ``real(x)``."""

    def __init__(self, namespace, real, owner):
        self.namespace, self.real, self.owner, self.count = namespace, real, owner, 0

    def visit_BinOp(self, node):
        return self._folded(node)

    def visit_UnaryOp(self, node):
        return self._folded(node)

    def visit_Constant(self, node):
        if type(node.value) is not float:
            return node
        name = f"_real_{self.owner}_{self.count}"
        self.count += 1
        with np.errstate(over="ignore"):        # 2.0 ** 128 is inf in float32, and only ever chosen as such
            self.namespace[name] = self.real(node.value)
        return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node)

    def visit_Call(self, node):
        node = self.generic_visit(node)
        func = node.func
        as_written = (isinstance(func, ast.Name) and func.id == "float") or (
            isinstance(func, ast.Attribute) and func.attr == "float64" and isinstance(func.value, ast.Name)
            and func.value.id in ("np", "numpy"))
        if as_written:
            node.func = ast.copy_location(ast.Name(id="_real_type", ctx=ast.Load()), func)
        return node

    def _folded(self, node):
        """An expression of number literals only (``1 / 6``, ``2.0 ** 64 - 1``) computed in Python's float64
        and rounded once to the real type; any other expression has its parts visited."""
        if not _numbers_only(node):
            return self.generic_visit(node)
        value = eval(compile(ast.fix_missing_locations(ast.Expression(node)), "<constant>", "eval"))
        return self.visit_Constant(ast.copy_location(ast.Constant(value), node))


def _numbers_only(node):
    """Whether an expression is made of int and float literals and arithmetic alone."""
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float)
    if isinstance(node, ast.BinOp):
        return _numbers_only(node.left) and _numbers_only(node.right)
    if isinstance(node, ast.UnaryOp):
        return _numbers_only(node.operand)
    return False
