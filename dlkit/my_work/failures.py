"""What a failing check shows in IPython (the notebook, and nbgrader's kernel, whose outputs are the feedback):
the check's message first and whole, then at most one line of the student's code, and no frame from inside dlkit.

    raise CheckFailure("db has shape (3,) but ...")     # CheckFailure._render_traceback_ -> failure_lines(failure)

The one line is the line of the student's function that made the checked value when its source says so
(:func:`made_by`: its one ``return``, or the one assignment to the name it returns), else the test line that ran
the check. A failure caused by a crash inside the student's own function shows the student's traceback of that
crash instead (IPython's own rendering), with dlkit's frames left out.
"""
from __future__ import annotations

import ast
import inspect
import linecache
import os
import sys
import textwrap
import traceback
import types

_DLKIT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))    # a frame from a file under here is the grader's
LOCATION = "\x1b[32m{}\x1b[0m"                          # green, as IPython writes a frame's place


def _inside(folder, filename):
    return bool(folder) and os.path.abspath(filename).startswith(folder + os.sep)


def _frames(tb):
    """[(frame, lasti, lineno)] of a traceback, outermost first."""
    out = []
    while tb is not None:
        out.append((tb.tb_frame, tb.tb_lasti, tb.tb_lineno))
        tb = tb.tb_next
    return out


def _place(shell, filename, lineno):
    """"Cell In[4], line 19" for a notebook cell (IPython's name for it), else "file.py, line 19"."""
    named = getattr(getattr(shell, "compile", None), "format_code_name", lambda name: None)(filename)
    return f"{' '.join(named) if named else os.path.basename(filename)}, line {lineno}"


def _code_line(shell, filename, lineno, what=""):
    text = linecache.getline(filename, lineno).strip()
    return f"{LOCATION.format(_place(shell, filename, lineno) + what)}:  {text}" if text else ""


def _their_traceback(shell, err):
    """The student's traceback of err, dlkit's frames left out (in IPython's own rendering when it runs)."""
    tb = None
    for frame, lasti, lineno in reversed([f for f in _frames(err.__traceback__)
                                          if not _inside(_DLKIT, f[0].f_code.co_filename)]):
        tb = types.TracebackType(tb, frame, lasti, lineno)
    if shell is None or not hasattr(shell, "InteractiveTB"):
        return "".join(traceback.format_exception(type(err), err, tb)).rstrip().splitlines()
    return shell.InteractiveTB.structured_traceback(type(err), err, tb, tb_offset=0)


def failure_lines(failure):
    """What IPython shows for a failed check (``CheckFailure._render_traceback_``): its message whole, then the
    student's line that made the checked value (``failure.made_by``), else the test line that ran the check (the
    outermost line of a notebook cell, else the line that called dlkit); when the student's function crashed (the
    failure's cause), the student's traceback of it. No dlkit frame."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    lines, cause = [str(failure)], failure.__cause__
    if cause is not None and not isinstance(cause, type(failure)):
        return lines + [""] + _their_traceback(shell, cause)
    if getattr(failure, "made_by", None):
        return lines + [_code_line(shell, *failure.made_by, " (the line that made it)")]
    frames = [(f.f_code.co_filename, lineno) for f, _, lineno in _frames(failure.__traceback__)]
    cells = [f for f in frames if _is_cell(shell, f[0])]
    callers = [f for f in frames if not _inside(_DLKIT, f[0])]
    where = cells[0] if cells else callers[-1] if callers else None
    return lines + [line for line in [_code_line(shell, *where) if where else ""] if line]


def _is_cell(shell, filename):
    return getattr(getattr(shell, "compile", None), "format_code_name", lambda name: None)(filename) is not None


def _own_nodes(func):
    """The nodes of a function's body, without those of the functions and classes defined inside it."""
    todo, out = list(func.body), []
    while todo:
        node = todo.pop()
        out.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))
    return out


def _assigns(node, name):
    targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
    return isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For)) and any(
        isinstance(t, ast.Name) and t.id == name for target in targets if target for t in ast.walk(target))


def made_by(fn, item=None):
    """(file, line) of the line of the student's function fn that made its result (item: the index of the value
    in a returned tuple), when the source says so unambiguously: the one ``return``, or the one assignment to
    the name it returns. None for dlkit's own functions and when it cannot tell."""
    code = getattr(fn, "__code__", None)
    if code is None or _inside(_DLKIT, code.co_filename):
        return None
    try:
        lines, start = inspect.getsourcelines(fn)
        func = ast.parse(textwrap.dedent("".join(lines))).body[0]
    except (OSError, TypeError, SyntaxError, IndexError):
        return None
    nodes = _own_nodes(func)
    returns = [n for n in nodes if isinstance(n, ast.Return) and n.value is not None]
    if len(returns) != 1:
        return None
    node, value = returns[0], returns[0].value
    if item is not None:
        if not isinstance(value, (ast.Tuple, ast.List)) or item >= len(value.elts):
            return None
        value = value.elts[item]
    if isinstance(value, ast.Name):
        assigned = [n for n in nodes if _assigns(n, value.id)]
        if len(assigned) > 1:
            return None
        node = assigned[0] if assigned else node
    return code.co_filename, start + node.lineno - 1
