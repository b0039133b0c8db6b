"""Checks for the graded notebooks: compare a result with a reference and say, in words, what is wrong.

    from dlkit import checks
    out = checks.call(standardize, X_train, X_test)        # a stub, a crash or a changed input -> a message
    checks.close("X_test_s", out[1], expected)              # shape, sign, transpose, factor, shift, which entries

A failing check raises :class:`CheckFailure` (an ``AssertionError``) whose message names the array, says what is
wrong (shape, sign, transpose, a constant factor or offset, a shift by one, which rows, columns or inputs) and
ends with the test's hint. A wrong shape is said in the inputs' own dimensions when the value came from the last
``checks.call`` ("db has N = 3 entries, one per example: sum over the batch axis 0, not axis 1"): its docstring's
shapes (``dz (N, H) -> ... db (H,)``) name them. In IPython (the notebook, nbgrader's kernel, so its feedback too)
a failure shows itself: the message first and whole, then one line of the student's code (the line that made
the value, else the test line that ran the check), and no frame from inside dlkit; a crash in the student's own
function shows the student's frames.

The checks hold their own references: every numpy routine they use is bound when this module is imported,
``reference`` keeps dlkit's implementations as they were at import, and the module refuses attribute assignment.
A student cell that reassigns ``numpy.allclose``, ``numpy.testing.assert_allclose`` or ``dlkit.losses.mse``
changes nothing here.

``checks.check_my_work()``, the last cell of every assignment, shows a "Check my work" button: it runs the saved
notebook's tests in a fresh kernel and lists which parts pass (:mod:`dlkit.my_work`, re-exported here).
"""
from __future__ import annotations

import inspect
import os
import sys
import types
import warnings

import numpy as np

from . import activations as _activations
from . import data as _data
from . import gradcheck as _gradcheck
from . import layers as _layers
from . import losses as _losses
from . import optimizers as _optimizers
# the "Check my work" button, and nbgrader's grading-mode variable (named once, there)
from .my_work import GRADING_ENV, CheckMyWork, check_my_work, watch_cells
# a wrong shape in the inputs' dimensions; what a failure shows in IPython; the student's line that made a value
from .my_work.dimensions import dims as _dims_of, last_call as _last_call, origin as _origin
from .my_work.dimensions import shape_advice as _shape_advice
from .my_work.failures import failure_lines, made_by

__all__ = ["CheckFailure", "close", "equal", "true", "shape", "call", "autograd", "reference", "grading",
           "GRADING_ENV", "check_my_work", "CheckMyWork"]

# ---- numpy, bound now: later reassignments of numpy's attributes cannot reach these -------------------------
_asarray, _array, _abs, _max, _isfinite = np.asarray, np.array, np.abs, np.max, np.isfinite
_argmax, _unravel, _flatnonzero, _count = np.argmax, np.unravel_index, np.flatnonzero, np.count_nonzero
_any, _all, _unique, _dot, _errstate = np.any, np.all, np.unique, np.vdot, np.errstate
_array_equal, _number, _bool, _prod = np.array_equal, np.number, np.bool_, np.prod
_F64, _NDARRAY = np.float64, np.ndarray
_where, _mean, _isnan = np.where, np.mean, np.isnan
_np_warnings = warnings.catch_warnings


class CheckFailure(AssertionError):
    """A graded check failed; the message says what is wrong and where to look.

    IPython shows it through ``_render_traceback_``: the message whole, then one line of the student's code (the
    line that made the checked value, else the test line that ran the check), or, when the student's function
    crashed (the cause), the student's own frames; never a frame from inside dlkit.
    """

    made_by = None      # (file, line) of the student's line that made the checked value, when it is known

    def _render_traceback_(self):
        try:
            return failure_lines(self)
        except Exception:                          # a rendering problem must never hide the message
            return [str(self)]



def grading():
    """The grading mode: "autograde" or "validate" while nbgrader runs the notebook, else "" (falsy).

    Notebooks use it to shrink demonstrations (fewer epochs, smaller data) while they are graded.
    """
    return os.environ.get(GRADING_ENV, "")


# ---------------------------------------------------------------- the reference implementations

class _Snapshot(types.SimpleNamespace):
    """A namespace that cannot be changed after it is built: ``reference.losses.mse``,
    ``reference.activations.relu``, ``reference.layers.dense_forward``, ``reference.data.one_hot``, ..."""

    def __setattr__(self, name, value):
        raise AttributeError(f"checks.reference is read-only (tried to set {name!r})")

    def __delattr__(self, name):
        raise AttributeError(f"checks.reference is read-only (tried to delete {name!r})")


def _public(module):
    """The public functions and classes a module defines (a package: in its own modules), as they are now."""
    def defined_here(v):
        home = getattr(v, "__module__", "")
        return home == module.__name__ or home.startswith(module.__name__ + ".")

    return {k: v for k, v in vars(module).items()
            if not k.startswith("_") and (inspect.isfunction(v) or inspect.isclass(v)) and defined_here(v)}


def _snapshot(module):
    ns = _Snapshot()
    for k, v in _public(module).items():
        object.__setattr__(ns, k, v)
    return ns


reference = _Snapshot()
for _module in (_activations, _data, _gradcheck, _layers, _losses, _optimizers):
    object.__setattr__(reference, _module.__name__.rsplit(".", 1)[1], _snapshot(_module))


# ---------------------------------------------------------------- comparing arrays

def _fmt(x):
    """A number short enough for a message."""
    x = float(x)
    if x != x or x in (float("inf"), float("-inf")):
        return str(x)
    return f"{x:.4g}"


def _index(idx):
    return "[" + ", ".join(str(int(i)) for i in idx) + "]" if len(idx) else "(the value)"


def _as_numbers(name, actual, where):
    """actual as a float64 array, or a failure that says why it is not one."""
    if actual is None:
        raise CheckFailure(f"{name} is None{where}: the function computes something but does not `return` it "
                           "(or returns nothing on this path)")
    if isinstance(actual, tuple) and len(actual) and not isinstance(actual[0], (int, float, _number)):
        raise CheckFailure(f"{name} is a tuple of {len(actual)} items{where}, expected one array: return the "
                           "array itself (or unpack the tuple your function returns)")
    if "torch" in type(actual).__module__:
        raise CheckFailure(f"{name} is a torch tensor{where}: return a numpy array (tensor.detach().numpy())")
    try:
        arr = _asarray(actual)
    except Exception:                                                    # ragged lists and such
        raise CheckFailure(f"{name} should be a numpy array of numbers{where}, got {type(actual).__name__}") \
            from None
    if arr.dtype == object or not (issubclass(arr.dtype.type, (_number, _bool))):
        raise CheckFailure(f"{name} should be a numpy array of numbers{where}, got {type(actual).__name__} with "
                           f"dtype {arr.dtype}")
    return arr.astype(_F64)


def _near(a, b, rtol, atol):
    """Elementwise |a - b| <= atol + rtol * |b|, with NaN never near and equal infinities near."""
    with _errstate(invalid="ignore", over="ignore"):
        ok = _abs(a - b) <= atol + rtol * _abs(b)
    return ok | ((a == b) & ~_isnan(a))


def _all_near(a, b, rtol, atol):
    return a.shape == b.shape and bool(_all(_near(a, b, rtol, atol)))


def _shifted(e, axis, step):
    """e moved by one position along axis (step=+1: towards higher indices) with the overlap only: (a-part, e-part)
    slices for comparison."""
    n = e.shape[axis]
    if n < 3:
        return None
    lo = [slice(None)] * e.ndim
    hi = [slice(None)] * e.ndim
    lo[axis], hi[axis] = slice(0, n - 1), slice(1, n)
    return (tuple(hi), tuple(lo)) if step > 0 else (tuple(lo), tuple(hi))


def _diagnose(a, e, ok, rtol, atol, inputs, input_name):
    """Phrases describing how a differs from e (same shape, some entries not ok)."""
    scale = float(_max(_abs(e), initial=0.0))
    tol = atol + rtol * scale
    nontrivial = scale > 10 * tol
    every = "every entry is" if a.size > 1 else "it is"
    bad = ~ok
    if nontrivial and _all_near(a, -e, rtol, atol):
        return [f"it has the opposite sign: {every} -1 × the reference (a flipped sign, or a - b where b - a "
                "belongs)"]
    if a.ndim == 2 and a.shape[0] == a.shape[1] and nontrivial and _all_near(a, e.T, rtol, atol):
        return ["it equals the reference transposed (the shapes agree only because the matrix is square)"]
    ee = float(_dot(e, e))
    if nontrivial and ee > 0 and bool(_all(_isfinite(a))):
        k = float(_dot(a, e)) / ee
        r = k if abs(k) >= 1 else 1 / k if k else 0.0
        whole = abs(r - round(r)) < 1e-6 * abs(r)
        # any two numbers differ by some factor: for a single number only a whole-number ratio says something
        if abs(k - 1) > 1e-3 and abs(k) > 1e-12 and (a.size > 1 or whole) and _all_near(a, k * e, 1e-6, atol):
            phrase = f"{every} {_fmt(k)} × the reference: a constant factor is missing or extra"
            if whole:
                phrase += (" (a sum where a mean belongs, a lost 1/N, or a dropped constant such as the 2 of "
                           "d(x²)/dx?)")
            if k < 0:
                phrase += "; the sign is flipped too"
            return [phrase]
    if bool(_all(_isfinite(a))) and a.size > 1:
        d = float(_mean(a - e))
        if abs(d) > tol and _all_near(a, e + d, rtol, atol):
            return [f"every entry is off by the same constant {_fmt(d)}"]
    phrases = []
    if inputs is not None:
        values = _unique(inputs[bad])
        if len(values) <= 3:
            listed = ", ".join(_fmt(v) for v in values)
            phrases.append(f"they differ only where {input_name} = {listed}")
    if nontrivial and not phrases and int(_count(bad)) > 1:
        shifted = _shift_phrase(a, e, rtol, atol)
        if shifted:
            return [shifted]
    if a.ndim == 2 and a.shape[1] > 1:
        cols = _flatnonzero(_any(bad, axis=0))
        if 0 < len(cols) < a.shape[1]:
            listed = ", ".join(map(str, cols[:8])) + (", ..." if len(cols) > 8 else "")
            phrases.append(f"only column{'s' if len(cols) > 1 else ''} {listed} (of {a.shape[1]}) "
                           f"differ{'' if len(cols) > 1 else 's'}")
    if a.ndim == 2 and a.shape[0] > 1 and len(phrases) < 2 and not any("column" in p for p in phrases):
        rows = _flatnonzero(_any(bad, axis=1))
        if 0 < len(rows) < a.shape[0]:
            listed = ", ".join(map(str, rows[:8])) + (", ..." if len(rows) > 8 else "")
            phrases.append(f"only row{'s' if len(rows) > 1 else ''} {listed} (of {a.shape[0]}) "
                           f"differ{'' if len(rows) > 1 else 's'}")
    if nontrivial and _all_near(a[bad], -e[bad], rtol, atol) and bool(_any(_abs(e[bad]) > tol)):
        phrases.append("where they differ, yours has the opposite sign")
    return phrases


def _shift_phrase(a, e, rtol, atol):
    """The phrase for a that is e moved one position along some axis (same shape), or None."""
    for axis in range(a.ndim):
        for step in (1, -1):
            cut = _shifted(e, axis, step)
            if cut is None:
                continue
            a_part, e_part = cut
            if _all_near(a[a_part], e[e_part], rtol, atol) and not _all_near(a[a_part], e[a_part], rtol, atol):
                way = "forward" if step > 0 else "back"
                return (f"it is the reference moved one position {way} along axis {axis}: an off-by-one "
                        "in an index, a slice or a direction")
    return None


def _mark(failure, actual):
    """Give a failure about actual the line of the student's function that made it, when that is known."""
    origin = _origin(actual)
    if origin is not None and (origin == () or (len(origin) == 1 and isinstance(origin[0], int))):
        failure.made_by = made_by(_last_call["fn"], origin[0] if origin else None)


def close(name, actual, expected, *, rtol=1e-6, atol=1e-9, hint="", where="", mistakes=None, inputs=None,
          input_name="z"):
    """Fail unless ``actual`` has ``expected``'s shape and |actual - expected| <= atol + rtol |expected| everywhere.

    name: what the student calls the value ("dW1", "loss"); where: the inputs in words (" for logits of ±1000");
    hint: where to look, appended to a value mismatch; mistakes: {message: wrong_value} — typical wrong answers,
    whose message is the diagnosis when ``actual`` matches one; inputs: an array of the inputs, shaped like
    ``expected`` (elementwise functions), so the message can say "only where z = 0".
    """
    try:
        _compare(name, actual, expected, rtol, atol, hint, where, mistakes, inputs, input_name)
    except CheckFailure as failure:
        _mark(failure, actual)
        raise


def _compare(name, actual, expected, rtol, atol, hint, where, mistakes, inputs, input_name):
    where = f" {where}" if where and not where.startswith(" ") else where
    a = _as_numbers(name, actual, where)
    e = _asarray(expected, dtype=_F64)
    if a.shape != e.shape:
        if a.size == 1 and e.shape == ():
            a = a.reshape(())
        else:
            advice = _shape_advice(name, a.shape, e.shape, _dims_of(name, e.shape, where, actual))
            raise CheckFailure(f"{name} has shape {a.shape} but should have shape {e.shape}{where}"
                               + (f": {advice}" if advice else "") + (f". Hint: {hint}" if hint else ""))
    broken = ~_isfinite(a) & _isfinite(e)
    if bool(_any(broken)):
        first = tuple(_unravel(int(_argmax(broken.reshape(-1))), a.shape)) if a.ndim else ()
        at = f" at {_index(first)}" if a.ndim else ""
        raise CheckFailure(f"{name} contains {_count(broken)} NaN or infinite value(s){where}{at}, where the "
                           f"reference is {_fmt(e[first])}: a division by zero (0/0) or an overflow (exp of a "
                           "large number) — use a numerically stable form" + (f". Hint: {hint}" if hint else ""))
    ok = _near(a, e, rtol, atol)
    if bool(_all(ok)):
        return
    for message, wrong in (mistakes or {}).items():
        w = _asarray(wrong, dtype=_F64)
        if _all_near(a, w, rtol, atol):
            raise CheckFailure(f"{name} is wrong{where}: {message}")
    bad = ~ok
    err = _where(bad, _abs(a - e), 0.0)
    worst = tuple(_unravel(int(_argmax(err.reshape(-1))), a.shape)) if a.ndim else ()
    found = _diagnose(a.reshape(-1) if a.ndim == 0 else a, e.reshape(-1) if e.ndim == 0 else e,
                      ok.reshape(-1) if ok.ndim == 0 else ok, rtol, atol,
                      None if inputs is None else _asarray(inputs, dtype=_F64).reshape(a.shape or (1,)),
                      input_name)
    if a.ndim == 0:
        head = f"{name} is {_fmt(a)} but should be {_fmt(e)}{where}"
    else:
        at_input = ""
        if inputs is not None:
            at_input = f", {input_name} = {_fmt(_asarray(inputs, dtype=_F64).reshape(a.shape)[worst])}"
        head = (f"{name} has the right shape {a.shape} but differs from the reference in {_count(bad)} of {a.size} "
                f"entries{where}; largest error {_fmt(err[worst])} at {_index(worst)} (yours {_fmt(a[worst])}, "
                f"expected {_fmt(e[worst])}{at_input})")
    body = head + (": " + "; ".join(found) if found else "")
    raise CheckFailure(body + (f". Hint: {hint}" if hint else ""))


def equal(name, actual, expected, *, hint="", where="", mistakes=None):
    """Exact equality (labels, counts, indices, one-hot rows), with the messages of :func:`close`."""
    close(name, actual, expected, rtol=0.0, atol=0.0, hint=hint, where=where, mistakes=mistakes)


def shape(name, actual, expected_shape, *, hint="", where=""):
    """Fail unless ``actual`` is an array of numbers shaped ``expected_shape``."""
    expected_shape = tuple(int(n) for n in expected_shape)
    try:
        a = _as_numbers(name, actual, f" {where}" if where else "")
        if a.shape != expected_shape:
            advice = _shape_advice(name, a.shape, expected_shape, _dims_of(name, expected_shape, where, actual))
            raise CheckFailure(f"{name} has shape {a.shape} but should have shape {expected_shape}"
                               + (f" {where}" if where else "") + (f": {advice}" if advice else "")
                               + (f". Hint: {hint}" if hint else ""))
    except CheckFailure as failure:
        _mark(failure, actual)
        raise


def true(condition, message):
    """Fail with ``message`` (which should say what is wrong and what to do) unless ``condition`` holds."""
    if not bool(condition):
        raise CheckFailure(message)


# ---------------------------------------------------------------- calling the student's function

def _describe(value):
    if isinstance(value, _NDARRAY):
        return f"array {value.shape}"
    return repr(value) if len(repr(value)) < 30 else type(value).__name__


def _advice(err):
    """A pointer for the exceptions beginners meet most, or ''."""
    text = str(err)
    if isinstance(err, IndexError):
        return " — an index past the end of an axis: look for an off-by-one (indices run from 0 to n - 1)"
    if isinstance(err, ValueError) and ("broadcast" in text or "matmul" in text or "shapes" in text):
        return " — the shapes do not fit together: write the shape of every array in that line next to it"
    if isinstance(err, KeyError):
        return " — that key is not in the dictionary: print its keys() and count the entries"
    if isinstance(err, NameError):
        return " — run the cells above this one first (Kernel → Restart & Run All)"
    return ""


def call(fn, *args, strict=False, **kwargs):
    """``fn(*args, **kwargs)``, turning what goes wrong into a message: the unimplemented stub, an exception
    (kept as the cause, so its traceback still shows), a numpy array argument changed in place, and with
    ``strict=True`` a floating-point overflow or invalid operation (which numpy otherwise only warns about)."""
    fname = getattr(fn, "__name__", "the function")
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
        names = list(bound.arguments)
        values = list(bound.arguments.values())
    except (TypeError, ValueError) as err:
        raise CheckFailure(f"{fname} cannot be called as the test needs ({err}): keep the signature the "
                           "assignment gives") from None
    _last_call.clear()
    copies = [_array(v, copy=True) if isinstance(v, _NDARRAY) else None for v in values]
    described = ", ".join(f"{n}={_describe(v)}" for n, v in zip(names, values, strict=True))
    try:
        if strict:
            with _errstate(over="raise", invalid="raise", divide="raise"), _np_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                result = fn(*args, **kwargs)
        else:
            result = fn(*args, **kwargs)
    except NotImplementedError:
        raise CheckFailure(f"{fname} is not implemented yet: replace `raise NotImplementedError()` in its cell "
                           "with your code, run that cell, then run this test again") from None
    except CheckFailure:
        raise
    except (FloatingPointError, RuntimeWarning) as err:
        raise CheckFailure(f"{fname}({described}) hit a floating-point problem: {err}. For these inputs the "
                           "formula as written overflows or divides by zero; rewrite it in a numerically stable "
                           "form") from None
    except Exception as err:
        raise CheckFailure(f"{fname}({described}) raised {type(err).__name__}: {err}{_advice(err)}") from err
    for n, v, c in zip(names, values, copies, strict=True):
        if c is not None and not (v.shape == c.shape and _array_equal(v, c, equal_nan=True)):
            raise CheckFailure(f"{fname} changed its argument {n} in place: the caller's array is now different. "
                               f"Compute on a new array (x = x - m, or x.copy()), never x -= m or x[...] = on "
                               "an input")
    _last_call.update(fn=fn, arguments=dict(zip(names, values, strict=True)), result=result)
    return result


def autograd(fn, *arrays):
    """PyTorch's answer: ``fn`` written with torch ops, on tensors made from ``arrays`` (floats as float64 with
    gradients, integer labels as int64 without).

    Returns (value, grads): the value as numpy, and the gradient of ``value.sum()`` with respect to each float
    array (for an elementwise fn its derivative at every entry, for a scalar loss its gradient); None for labels.
    """
    import torch

    tensors = []
    for x in arrays:
        x = _asarray(x)
        if x.dtype.kind in "iub":
            tensors.append(torch.tensor(x.astype("int64")))
        else:
            tensors.append(torch.tensor(x.astype(_F64), requires_grad=True))
    value = fn(*tensors)
    value.sum().backward()
    grads = [None if t.grad is None else t.grad.numpy().copy() for t in tensors]
    return value.detach().numpy().copy(), grads


# ---------------------------------------------------------------- read-only module

class _ReadOnlyModule(types.ModuleType):
    """A module whose attributes cannot be reassigned: ``checks.close = lambda *a, **k: None`` fails."""

    def __setattr__(self, name, value):
        raise AttributeError(f"dlkit.checks is read-only: the graded tests rely on it (tried to set {name!r})")

    def __delattr__(self, name):
        raise AttributeError(f"dlkit.checks is read-only (tried to delete {name!r})")


watch_cells()                   # in a kernel: its cells' times and sources, for Check my work's estimate and note
sys.modules[__name__].__class__ = _ReadOnlyModule
