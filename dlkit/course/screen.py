"""Screening a submission before nbgrader sees it: a notebook at all, locked cells kept, no tampering.

Tampering is found in the syntax tree of every cell the student controls: writes to numpy / dlkit / checks /
builtins (assignment, ``del``, ``setattr``, rebinding by import), writes to ``sys.modules`` or ``__dict__``, and
code hidden from inspection (``exec``, ``eval``, ``ctypes``, ``importlib``, ``unittest.mock``, ...).
"""
from __future__ import annotations

import ast
import json
import threading
from pathlib import Path

from .cells import cells_by_id, nbgrader_meta

# names the checks rely on: a student cell must not rebind them or write to their attributes
PROTECTED = {"np", "numpy", "dk", "dlkit", "checks", "torch", "builtins", "__builtins__", "nbgrader"}
CANONICAL_IMPORTS = {"np": "numpy", "numpy": "numpy", "dk": "dlkit", "dlkit": "dlkit", "torch": "torch",
                     "checks": "dlkit.checks", "builtins": "builtins"}
DYNAMIC = {"exec", "eval", "compile", "__import__", "setattr", "delattr"}
DYNAMIC_MODULES = {"ctypes", "gc", "importlib", "unittest.mock", "mock", "inspect"}
NATIVE_PACKAGE = "ctypes"                       # any module of it reaches past Python
MOCK_IMPORTS = ("unittest.mock", "unittest.mock.patch")
NAMESPACE_CALLS = ("globals", "vars", "locals")
MAX_LISTED = 6                                  # tampering findings named in the reason
MAX_ERROR_CHARS = 120
# CPython 3.11 keeps ast.parse's recursion count in one place for all threads (python/cpython#106905): two
# graders parsing at once can raise "SystemError: AST constructor recursion depth mismatch"; one parse at a time
PARSING = threading.Lock()


# ---------------------------------------------------------------- the syntax tree

def _root_name(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _code_for_ast(source):
    # IPython magics and shell escapes are not Python; blank them so the rest can still be checked
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _target_findings(t, verb):
    """What writing to target t (by assignment, del, a loop, with ... as) does to a protected name."""
    if isinstance(t, (ast.Tuple, ast.List)):
        return [found for e in t.elts for found in _target_findings(e, verb)]
    if isinstance(t, ast.Starred):
        return _target_findings(t.value, verb)
    dotted = _dotted(t.value) if isinstance(t, ast.Subscript) else None
    if isinstance(t, ast.Name) and t.id in PROTECTED:
        return [f"{verb} the name {t.id!r}"]
    if isinstance(t, (ast.Attribute, ast.Subscript)) and _root_name(t) in PROTECTED:
        return [f"{verb} {ast.unparse(t)}"]
    if dotted in ("sys.modules", "__builtins__") or (isinstance(t, ast.Attribute) and t.attr == "__dict__") \
            or (isinstance(t, ast.Subscript) and isinstance(t.value, ast.Call)
                and _dotted(t.value.func) in NAMESPACE_CALLS):
        return [f"{verb} {ast.unparse(t)}"]
    return []


def _binding_findings(node):
    """Tampering by a statement that binds or deletes names: assignments, del, loops, with, definitions."""
    if isinstance(node, ast.Assign):
        targets, verb = node.targets, "assigns"
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.NamedExpr)):
        targets, verb = [node.target], "assigns"
    elif isinstance(node, ast.Delete):
        targets, verb = node.targets, "deletes"
    elif isinstance(node, (ast.For, ast.comprehension)):
        targets, verb = [node.target], "loops over"
    elif isinstance(node, ast.With):
        targets, verb = [item.optional_vars for item in node.items if item.optional_vars is not None], "binds"
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [f"defines {node.name!r}"] if node.name in PROTECTED else []
    else:
        return []
    return [found for t in targets for found in _target_findings(t, verb)]


def _reaches_inside(module):
    """Whether importing module gives a way round the syntax tree (native code, the interpreter's insides)."""
    return module in DYNAMIC_MODULES or module.split(".")[0] == NATIVE_PACKAGE


def _import_findings(node):
    """Tampering by an import: a protected name bound to something else, or a module that reaches inside."""
    found = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            bound = alias.asname or alias.name.split(".")[0]
            if bound in PROTECTED and CANONICAL_IMPORTS.get(bound) != (alias.name if alias.asname else bound):
                found.append(f"imports {alias.name} as {bound!r}")
            if _reaches_inside(alias.name):
                found.append(f"imports {alias.name}")
    elif isinstance(node, ast.ImportFrom):
        for alias in node.names:
            bound = alias.asname or alias.name
            full = f"{node.module}.{alias.name}"
            if bound in PROTECTED and CANONICAL_IMPORTS.get(bound) != full:
                found.append(f"imports {full} as {bound!r}")
            if _reaches_inside(node.module or "") or full in MOCK_IMPORTS:
                found.append(f"imports from {node.module}")
    return found


def _call_findings(node):
    """Tampering by a call: exec and friends, setattr on a protected object, patching, sys.modules writes."""
    if not isinstance(node, ast.Call):
        return []
    name = _dotted(node.func) or ""
    short = name.rsplit(".", 1)[-1]
    if name in DYNAMIC:
        if name in ("setattr", "delattr") and node.args and _root_name(node.args[0]) not in PROTECTED | {"sys"} \
                and not isinstance(node.args[0], ast.Call):
            return []                                     # setattr on the student's own objects
        return [f"calls {name}()"]
    if short in ("patch", "monkeypatch") or name.endswith("sys.modules.update") or \
            name.endswith("sys.modules.__setitem__") or name in ("vars", "globals") and node.args \
            and _root_name(node.args[0]) in PROTECTED:
        return [f"calls {name}()"]
    return []


def tampering(source):
    """What in this cell's code writes to numpy / dlkit / checks / builtins or hides code from inspection."""
    try:
        with PARSING:
            tree = ast.parse(_code_for_ast(source))
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        found += _binding_findings(node) + _import_findings(node) + _call_findings(node)
    return sorted(set(found))


# ---------------------------------------------------------------- one submission

def _notebook_file(folder, expected_name, result):
    """The submitted notebook: the expected name, else the only notebook there (noted); None when unclear."""
    path = folder / expected_name
    if path.exists():
        return path
    candidates = list(folder.glob("*.ipynb"))
    if len(candidates) == 1:
        result.notes.append(f"notebook renamed to {candidates[0].name!r}; graded as {expected_name!r}")
        return candidates[0]
    if not candidates:
        result.manual(f"no notebook submitted (expected {expected_name})")
    else:
        result.manual(f"{len(candidates)} notebooks and none named {expected_name}: "
                      + ", ".join(sorted(p.name for p in candidates)))
    return None


def _read_notebook(path, result):
    """The submitted notebook, or None (with the reason) when the file is empty, not JSON or not a notebook."""
    import nbformat

    raw = path.read_bytes()
    if not raw.strip():
        result.manual("the notebook file is empty")
        return None
    try:
        json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        result.manual(f"the notebook is not valid JSON ({type(exc).__name__})")
        return None
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as exc:                            # nbformat raises many kinds
        result.manual(f"the file is JSON but not a notebook ({type(exc).__name__}: {str(exc)[:MAX_ERROR_CHARS]})")
        return None
    if not any(c.cell_type == "code" for c in nb.cells):
        result.manual("the notebook has no code cells")
        return None
    return nb


def _note_changed_locked_cells(release_nb, nb, result):
    """Locked and test cells deleted or edited (nbgrader restores their source from the gradebook): noted."""
    mine = cells_by_id(nb)
    for gid, cell in cells_by_id(release_nb).items():
        meta = nbgrader_meta(cell)
        if not (meta.get("locked") or meta.get("grade")) or meta.get("solution"):
            continue
        if gid not in mine:
            result.notes.append(f"cell {gid!r} was deleted" + (" (its points are lost)" if meta.get("grade") else ""))
        elif mine[gid].source.strip() != cell.source.strip():
            result.notes.append(f"cell {gid!r} was edited; nbgrader restored the original before grading")


def screen(folder, release_nb, expected_name, result):
    """Check one collected submission folder before nbgrader sees it; returns the notebook path to grade (the
    expected name, mapped from a renamed notebook) or None when it cannot be graded automatically."""
    path = _notebook_file(Path(folder), expected_name, result)
    nb = _read_notebook(path, result) if path is not None else None
    if nb is None:
        return None
    _note_changed_locked_cells(release_nb, nb, result)
    # code that runs as the student wrote it: every cell that is not a locked cell nbgrader restores
    locked = {gid for gid, c in cells_by_id(release_nb).items() if nbgrader_meta(c).get("locked")
              and not nbgrader_meta(c).get("solution")}
    suspicious = []
    for cell in nb.cells:
        if cell.cell_type != "code" or nbgrader_meta(cell).get("grade_id") in locked:
            continue
        suspicious += tampering(cell.source)
    if suspicious:
        result.manual("possible tampering: " + "; ".join(sorted(set(suspicious))[:MAX_LISTED]))
    return path
