"""A wrong shape said in the inputs' own dimensions: which mistake made it, not a neighbour of it.

    checks.call(dense_backward, dz, cache)            # remembered: the function, its arguments, its result
    checks.close("db", got["db"], want["db"])         # (3,) for (4,): "db has N = 3 entries, one per example:
                                                      #  sum over the batch axis 0, not axis 1"

When the checked value is the last ``checks.call``'s result (or an item of it), the dimensions of that call's
arguments are the words: the function's docstring names them (``dz (N, H) -> dx (N, D), dW (D, H), db (H,)``),
an integer argument names itself (``fan_in = 3``), and the shapes a test writes in its ``where`` ("for x (3, 2)")
count too. A wrong length that is one of them is said so; one that is an input reduced over the wrong axis (or
over every axis, or none) says which axis belongs.
"""
from __future__ import annotations

import re

import numpy as np

_prod, _NDARRAY, _INTEGER, _BOOL = np.prod, np.ndarray, np.integer, np.bool_   # bound before any student cell

last_call = {}          # what checks.call ran last: fn, its arguments by name, its result (the messages' context)
BATCH = ("N", "M", "B")                     # the symbols of a batch axis
PER = {"N": "example", "M": "example", "B": "example", "D": "input feature", "H": "unit", "C": "class"}
DOC_SHAPE = re.compile(r'"?(\w+)"?:?\s*\(((?:\s*[A-Za-z]\w*\s*,)*\s*[A-Za-z]\w*\s*,?\s*)\)')    # dz (N, H)
WHERE_SHAPE = re.compile(r"(\w+)(?: of shape)?\s*\(((?:\s*\d+\s*,)*\s*\d+\s*,?\s*)\)")        # x (3, 2)
WHERE_COUNT = re.compile(r"\b([A-Za-z_]\w*) = (\d+)\b|\b(\d+) ([a-z]+s)\b")          # N = 40, 3 epochs
EXAMPLES = {"examples", "samples", "rows"}  # words a test uses for N
NOT_A_SIZE = {"seed"}                        # integer arguments that are no dimension


def _items(value):
    return enumerate(value) if isinstance(value, (tuple, list)) else \
        value.items() if isinstance(value, dict) else ()


def origin(actual):
    """Where actual sits in the last call's result: () the result itself, (i,) its i-th item, (key,) a value of
    its dict, (i, j) an item of an item; None when it is not from there."""
    if not last_call or actual is None or isinstance(actual, (bool, _BOOL)):
        return None
    result = last_call["result"]
    if actual is result:
        return ()
    for k, v in _items(result):
        if v is actual:
            return (k,)
        inner = next((j for j, w in _items(v) if w is actual), None)
        if inner is not None:
            return (k, inner)
    return None


def _call_dims(name, expected_shape):
    """The last call's dimensions: [(size, symbol or None, owner or None, axis)]."""
    fn, dims = last_call["fn"], []
    doc = {m[1]: tuple(x.strip() for x in m[2].split(",") if x.strip())
           for m in DOC_SHAPE.finditer(getattr(fn, "__doc__", None) or "")}
    for arg, value in last_call["arguments"].items():
        if isinstance(value, (int, _INTEGER)) and not isinstance(value, (bool, _BOOL)) and arg not in NOT_A_SIZE:
            dims.append((int(value), arg, None, None))            # fan_in, batch_size, n_classes
        arrays = [(arg, value)] if isinstance(value, _NDARRAY) else \
            [(f"{arg}[{i}]", v) for i, v in enumerate(value) if isinstance(v, _NDARRAY)] \
            if isinstance(value, (tuple, list)) else \
            [(str(k), v) for k, v in value.items() if isinstance(v, _NDARRAY)] if isinstance(value, dict) else []
        for owner, arr in arrays:
            syms = doc.get(owner, ())
            dims += [(n, syms[k] if len(syms) == arr.ndim else None, owner, k) for k, n in enumerate(arr.shape)]
    first = (name.split() or [name])[0]                           # "dz for tanh": dz
    syms = doc.get(first) or {k.lower(): v for k, v in doc.items()}.get(first.lower(), ())
    if len(syms) == len(expected_shape):
        dims += [(n, sym, None, None) for n, sym in zip(expected_shape, syms)]
    return dims


def dims(name, expected_shape, where, actual):
    """[(size, symbol or None, owner or None, axis)]: the dimensions a message about ``actual`` may name — the
    last call's when actual came out of it, and those ``where`` writes ("for x (3, 2), W (2, 4)")."""
    found = _call_dims(name, expected_shape) if origin(actual) is not None else []
    for m in WHERE_SHAPE.finditer(where or ""):
        found += [(int(n), None, m[1], k) for k, n in enumerate(x for x in m[2].split(",") if x.strip())]
    for m in WHERE_COUNT.finditer(where or ""):
        size, sym = (m[2], m[1]) if m[1] else (m[3], m[4])
        found.append((int(size), "N" if sym in EXAMPLES else sym, None, None))
    return found


def _symbol(size, found):
    named = {sym for n, sym, _, _ in found if n == size and sym}
    return named.pop() if len(named) == 1 else None


def _entries(size, found):
    """"N = 3 entries, one per example", or "3 entries" when no input dimension names the size."""
    sym = _symbol(size, found)
    if sym and sym.isalpha() and sym.islower() and sym.endswith("s"):         # a count in words: 3 epochs
        return f"{size} entries, one per {sym[:-1]}"
    per = PER.get(sym.rstrip("0123456789")) if sym else None
    return (f"{sym} = {size} entries" if sym else f"{size} entries") + (f", one per {per}" if per else "")


def _named(shape, found):
    """(N = 3, H = 4): a shape in the inputs' dimensions, or None when one of its lengths has no name."""
    names = [_symbol(n, found) for n in shape]
    return f"({', '.join(f'{s} = {n}' for s, n in zip(names, shape))}{',' if len(shape) == 1 else ''})" \
        if shape and all(names) else None


def _axis(k, shape, found, owner):
    sym = _symbol(shape[k], found)
    return f"the batch axis {k}" if sym in BATCH else f"axis {k} ({sym})" if sym else f"axis {k}"


def _reduction(name, a_shape, e_shape, found):
    """The phrase for an input reduced over the wrong axis (or over all of them, or none), or ''."""
    owners = {}
    for n, _, owner, k in found:
        if owner is not None:
            owners.setdefault(owner, {})[k] = n
    for owner, axes in owners.items():
        shape = tuple(axes[k] for k in sorted(axes))
        lost = [j for j in range(len(shape)) if shape == e_shape and shape[:j] + shape[j + 1:] == a_shape]
        if lost:
            return f"{name} has lost {_axis(lost[0], shape, found, owner)} of {owner} {shape}: it must be " \
                   f"shaped like {owner}"
        for k in range(len(shape)):
            if shape[:k] + shape[k + 1:] != e_shape:
                continue
            over = _axis(k, shape, found, owner)
            if a_shape == shape:
                return f"{name} still has every axis of {owner} {shape}: sum over {over}"
            if a_shape == ():
                return f"{name} is a single number: you summed over every axis of {owner}; sum over {over} only"
            for j in range(len(shape)):
                if j != k and shape[:j] + shape[j + 1:] == a_shape:
                    kept = _entries(a_shape[0], found) if len(a_shape) == 1 else f"shape {a_shape}"
                    return f"{name} has {kept}: sum over {over}, not axis {j}"
    return ""


def _one_axis(a_shape, e_shape, found):
    """The phrase for shapes that differ in one axis only: sized by another input dimension, or off by one."""
    diff = [k for k in range(len(e_shape)) if len(a_shape) == len(e_shape) and a_shape[k] != e_shape[k]]
    if len(diff) != 1:
        return ""
    k = diff[0]
    got, want = _symbol(a_shape[k], found), _symbol(e_shape[k], found)
    if abs(a_shape[k] - e_shape[k]) == 1 and not (got and want):    # no reduction explained it: one short
        return (f"axis {k} has {a_shape[k]} entries instead of {e_shape[k]}: off by one (a count of max(y) "
                "instead of max(y) + 1, or a range or slice that stops one short?)")
    if got and got != want:
        return (f"axis {k} has {_entries(a_shape[k], found)}, where it needs "
                f"{_entries(e_shape[k], found) if want else e_shape[k]}: it is sized by the wrong dimension")
    mine, theirs = _lengths(a_shape[k], found), _lengths(e_shape[k], found)
    if mine and not got:
        return (f"axis {k} has {a_shape[k]} entries, the length of {mine}, where it needs {e_shape[k]}"
                + (f" (the length of {theirs})" if theirs else ""))
    return ""


def _lengths(size, found):
    """"axis 1 of W2 and axis 0 of W3": the input axes of this length (at most two), or ''."""
    axes = [f"axis {k} of {owner}" for n, _, owner, k in found if owner is not None and n == size]
    return " and ".join(dict.fromkeys(axes[:2]))


def shape_advice(name, a_shape, e_shape, found=()):
    """Why ``name`` may be shaped a_shape where e_shape belongs, or '': in the inputs' dimensions (``found``,
    from :func:`dims`) when a wrong length is one of them."""
    if len(e_shape) == 0:
        if len(a_shape) == 1 and _symbol(a_shape[0], found):
            return (f"it should be a single number, and yours has {_entries(a_shape[0], found)}: reduce them "
                    "(a mean or a sum) to one number")
        return "it should be a single number: reduce over every entry (a mean or a sum), then return a float"
    if len(a_shape) == 2 and a_shape == e_shape[::-1]:
        return "rows and columns are swapped: a missing (or extra) transpose"
    if a_shape == e_shape + (1,) or e_shape == a_shape + (1,):
        return "(N,) and (N, 1) are different shapes: add or drop the trailing axis (x[:, None] or x[:, 0])"
    said = _reduction(name, a_shape, e_shape, found) or _one_axis(a_shape, e_shape, found)
    if said:
        return said
    ones = [k for k in range(len(a_shape)) if a_shape[k] == 1 and a_shape[:k] + a_shape[k + 1:] == e_shape]
    if ones:
        return f"it has an extra axis {ones[0]} of length 1: drop keepdims=True (or index it away)"
    if int(_prod(a_shape)) == int(_prod(e_shape)):
        return "the right number of entries in the wrong arrangement: check the reshape or the axis you use"
    if len(a_shape) == len(e_shape) - 1:
        mine, want = _named(a_shape, found), _named(e_shape, found)
        return ("an axis is missing" + (f": yours is {mine} where {want} belongs" if mine and want else "")
                + ": did you reduce over an axis that must stay (keepdims=True), or index a single row or column?")
    return ""
