"""Committed notebooks: found, stripped of outputs (except those nbval compares), refreshed in a fresh kernel.

    python -m dlkit.course strip PATH...   # drop outputs, except those of nbval-checked cells
    python -m dlkit.course refresh PATH... # run notebooks in a fresh kernel, then strip: checked outputs current
"""
from __future__ import annotations

from pathlib import Path

CHECK_OUTPUT = "# NBVAL_CHECK_OUTPUT"
KEPT_METADATA = ("kernelspec", "language_info")
RUN_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")     # per cell, changes with every run
REFRESH_TIMEOUT = 600                                                    # seconds per cell of a refresh


def notebooks(folder):
    """Every .ipynb below folder (checkpoints excluded), sorted."""
    return sorted(p for p in Path(folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def notebooks_in(paths):
    """The notebooks the command line names: each file as given, every notebook below each folder."""
    return [p for arg in paths for p in (notebooks(arg) if Path(arg).is_dir() else [Path(arg)])]


def _read(path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def checks_output(cell):
    """Whether nbval compares this cell's output (first line ``# NBVAL_CHECK_OUTPUT``)."""
    return cell.cell_type == "code" and cell.source.lstrip().startswith(CHECK_OUTPUT)


def _kept_outputs(cell, count):
    """The outputs nbval compares: text only, one block per stream."""
    keep = []
    for out in cell.outputs if checks_output(cell) else ():
        if out.get("output_type") == "stream":
            if keep and keep[-1].get("output_type") == "stream" and keep[-1]["name"] == out["name"]:
                keep[-1]["text"] += out["text"]            # one block per stream, as nbval compares them
            else:
                keep.append(out)
        elif out.get("output_type") == "execute_result":
            out["data"] = {"text/plain": out["data"].get("text/plain", "")}
            out["metadata"], out["execution_count"] = {}, count
            keep.append(out)
    return keep


def strip(nb):
    """Outputs, counts and run-time metadata removed, in place; nbval-checked cells keep their text outputs."""
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in KEPT_METADATA}
    nb.metadata.get("language_info", {}).pop("version", None)         # changes with every Python upgrade
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for cell in nb.cells:
        for key in RUN_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            continue
        # nbval refuses a stored output without an execution count; the cell's position keeps diffs quiet
        count = code_cells.index(cell) + 1 if checks_output(cell) and cell.outputs else None
        cell.execution_count = count
        cell.outputs = _kept_outputs(cell, count)
    return nb


def strip_file(path):
    """Strip a notebook file in place; True if it changed."""
    import nbformat

    before = Path(path).read_text()
    after = nbformat.writes(strip(_read(path)), version=4) + "\n"
    if after != before:
        Path(path).write_text(after)
    return after != before


def refresh(path, timeout=REFRESH_TIMEOUT):
    """Run a notebook top to bottom in a fresh kernel, then strip it: the nbval-checked outputs are current."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = _read(path)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    path.write_text(nbformat.writes(strip(nb), version=4) + "\n")


def stripped_problems(nb):
    """What a committed notebook should not carry: [(cell index, problem)]."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("execution_count") is not None and not (checks_output(cell) and cell.outputs):
            problems.append((i, "has an execution count"))
        if cell.outputs and not checks_output(cell):
            problems.append((i, "has outputs but is not marked # NBVAL_CHECK_OUTPUT"))
        for out in cell.outputs:
            if any(not k.startswith("text/") for k in out.get("data", {})):
                problems.append((i, "keeps a rich (image or widget) output"))
        if checks_output(cell) and not cell.outputs:
            problems.append((i, "is marked # NBVAL_CHECK_OUTPUT but has no stored output to compare with"))
    return problems
