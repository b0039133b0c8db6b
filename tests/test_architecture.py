"""The house rules of ``dlkit/`` (docs/architecture.md), read from the source with ``ast`` so they keep holding.

Four wings and their rooms: the textbook (floor 1), kernels, the engine, instruments; then the plots, the live
charts, the widgets, the student's side (``checks``) and the instructor's side (``course/``). Each may import only the rooms
below it in ``MAY_IMPORT``; no import circles; no file over 500 lines; no function over 60 lines (docstring not
counted) unless its docstring says why it must be one function.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dlkit"
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 60
ONE_FUNCTION = "must be one function"          # the docstring phrase that exempts a long compiled kernel

TEXTBOOK = {"validation", "rng", "packing", "activations", "layers", "losses", "optimizers", "initializers",
            "data", "metrics", "gradcheck"}
ENGINE = {"model", "training", "backend", "torch_mirror", "callbacks", "layer_stats"}
INSTRUMENTS = {"diagnosis", "planes", "surfaces", "gpu", "reference", "compiled", "warmup"}
STUDENT = {"checks", "my_work"}

# room -> the rooms it may import from (its own included)
MAY_IMPORT = {
    "textbook": {"textbook"},
    "kernels": {"textbook", "kernels"},
    "engine": {"textbook", "kernels", "engine"},
    "instruments": {"textbook", "kernels", "engine", "instruments", "front"},
    "plots": {"textbook", "plots"},
    "live": {"textbook", "plots", "live"},
    "widgets": {"textbook", "engine", "instruments", "plots", "live", "widgets", "front"},
    "student": {"textbook", "student"},
    "course": {"textbook", "plots", "student", "course"},
    "front": {"textbook", "engine", "instruments"},
    # the benchmark measures every floor, the labs included; nothing in the package imports it
    "bench": {"textbook", "kernels", "engine", "instruments", "plots", "live", "widgets", "front", "bench"},
}
# what the textbook may import besides itself: numpy and the standard library (scipy's erf, sklearn's digits)
TEXTBOOK_THIRD_PARTY = {"numpy", "scipy", "sklearn"}


def room(module: str) -> str:
    """The room of a dotted module name under dlkit ("dlkit.kernels.cpu" -> "kernels")."""
    parts = module.split(".")[1:]
    if not parts:
        return "front"
    head = parts[0]
    for name, members in (("textbook", TEXTBOOK), ("engine", ENGINE), ("instruments", INSTRUMENTS),
                          ("student", STUDENT)):
        if head in members:
            return name
    if head in ("kernels", "plots", "live", "widgets", "course", "bench"):
        return head
    raise AssertionError(f"{module} belongs to no room: add it to a wing in tests/test_architecture.py and "
                         "docs/architecture.md")


def modules():
    """{dotted name: path} of every module in the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str, path: Path, known: set[str]):
    """[(imported dotted name, line)] for every import in the file, top level or inside functions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, path, node)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((sub if sub in known else target, node.lineno))
    return found


def internal_edges():
    """{module: {imported dlkit module: first line}}, only edges inside dlkit."""
    mods = modules()
    edges = {}
    for module, path in mods.items():
        out = edges.setdefault(module, {})
        for name, line in imports(module, path, set(mods)):
            if name == "dlkit" or name.startswith("dlkit."):
                while name not in mods:                     # a function or class imported from a module
                    name = name.rsplit(".", 1)[0]
                if name != module:
                    out.setdefault(name, line)
    return edges


def test_every_module_has_a_room():
    for module in modules():
        room(module)


def test_imports_follow_the_wings():
    bad = []
    for module, targets in internal_edges().items():
        allowed = MAY_IMPORT[room(module)]
        for target, line in targets.items():
            if room(target) not in allowed:
                bad.append(f"{module} (line {line}) imports {target}: {room(module)} may import only "
                           f"{', '.join(sorted(allowed))}")
    assert not bad, "forbidden imports:\n" + "\n".join(bad)


def test_textbook_imports_only_numpy_and_the_standard_library():
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    bad = []
    mods = modules()
    for module, path in mods.items():
        if room(module) != "textbook":
            continue
        for name, line in imports(module, path, set(mods)):
            top = name.split(".")[0]
            if top != "dlkit" and top not in stdlib and top not in TEXTBOOK_THIRD_PARTY:
                bad.append(f"{module} (line {line}) imports {name}")
    assert not bad, "the textbook imports only numpy and itself:\n" + "\n".join(bad)


def _cycle(edges):
    """One import circle as a list of modules, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in edges.get(node, {}):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_circles():
    circle = _cycle(internal_edges())
    assert circle is None, "import circle: " + " -> ".join(circle)


def test_circle_finder_finds_circles():
    assert _cycle({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b": 1}, "b": {}, "c": {"a": 1}}) is None


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_file_size(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_FILE_LINES, f"{path.relative_to(PACKAGE.parent)} has {lines} lines (at most " \
                                    f"{MAX_FILE_LINES}): it is a room that wants splitting"


def function_lengths(path: Path):
    """[(qualified name, lines without the docstring, docstring)] of every function in a file."""
    tree = ast.parse(path.read_text())
    found = []

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(child) or ""
                length = child.end_lineno - child.lineno + 1
                first = child.body[0]
                if doc and isinstance(first, ast.Expr):
                    length -= first.end_lineno - first.lineno + 1
                found.append((prefix + child.name, length, doc))
                walk(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef):
                walk(child, prefix + child.name + ".")
    walk(tree, "")
    return found


def test_function_size():
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for name, length, doc in function_lengths(path):
            if length > MAX_FUNCTION_LINES and ONE_FUNCTION not in " ".join(doc.split()):
                long.append(f"{path.relative_to(PACKAGE.parent)}: {name} has {length} lines")
    assert not long, (f"functions over {MAX_FUNCTION_LINES} lines (a compiled kernel that cannot be split says "
                      f"why in its docstring, with the words '{ONE_FUNCTION}'):\n" + "\n".join(long))
