"""The notebooks as files: committed without bulky outputs, and shaped by the course rules (COURSE.md).

Running them is nbval's job (`make test` runs `pytest --nbval-lax` over notebooks/ and solutions/); this file only
reads them, so it is fast.
"""
import re

import nbformat
import pytest

from dlkit import course

ROOT = course.ROOT
COMMITTED = [p for folder in ("notebooks", "solutions", "exercises") for p in course.notebooks(ROOT / folder)]
LECTURES = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def _read(path):
    return nbformat.read(str(path), as_version=4)


def _text(nb, kind):
    return "\n".join(c.source for c in nb.cells if c.cell_type == kind)


@pytest.mark.parametrize("path", COMMITTED, ids=[str(p.relative_to(ROOT)) for p in COMMITTED])
def test_committed_without_bulky_outputs(path):
    problems = course.stripped_problems(_read(path))
    assert not problems, (f"{path.relative_to(ROOT)}: {problems[:3]} — run `make notebooks` (lecture notebooks) or "
                          "`python -m dlkit.course strip PATH`")


@pytest.mark.parametrize("path", LECTURES, ids=[p.name for p in LECTURES])
def test_lecture_follows_the_course_rules(path):
    nb = _read(path)
    prose, code = _text(nb, "markdown"), _text(nb, "code")
    assert re.search(r"learning goals", prose, re.I), "open with the learning goals"
    assert re.search(r"checkpoint", prose, re.I), "end with a checkpoint (a short self-test)"
    number = int(path.name[:2])
    following = sorted((ROOT / "notebooks").glob(f"{number + 1:02d}-*.ipynb"))
    if following:
        assert following[0].name in prose, f"link to the next module, {following[0].name}"
    assert "import dlkit" in code, "notebooks work through dlkit"
    assert not re.search(r"^\s*(import numba|from numba)", code, re.M), "notebooks never import numba directly"
    assert re.search(r"ipywidgets|dlkit\.widgets|interact\(", code), "at least one live widget experiment"


@pytest.mark.parametrize("path", LECTURES, ids=[p.name for p in LECTURES])
def test_checked_outputs_are_stored(path):
    """nbval compares the cells marked # NBVAL_CHECK_OUTPUT with their stored output: that output must exist."""
    nb = _read(path)
    for i, cell in enumerate(nb.cells):
        if course.checks_output(cell):
            assert cell.outputs and cell.execution_count, \
                f"cell {i} is marked {course.CHECK_OUTPUT} but stores no output: run `make notebooks`"


def test_strip_keeps_checked_text_and_drops_the_rest():
    nb = nbformat.v4.new_notebook()
    checked = nbformat.v4.new_code_cell(f"{course.CHECK_OUTPUT}\nprint(1); print(2)", execution_count=7)
    checked.outputs = [nbformat.v4.new_output("stream", text="1\n"), nbformat.v4.new_output("stream", text="2\n"),
                       nbformat.v4.new_output("display_data", data={"image/png": "AAAA"})]
    plain = nbformat.v4.new_code_cell("plt.plot([1])", execution_count=8)
    plain.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "AAAA", "text/plain": "<Figure>"})]
    plain.metadata["execution"] = {"iopub.status.busy": "2024-01-01"}
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), plain, checked]
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    assert course.stripped_problems(nb)
    course.strip(nb)
    assert course.stripped_problems(nb) == []
    assert plain.outputs == [] and plain.execution_count is None and "execution" not in plain.metadata
    assert [o["text"] for o in checked.outputs] == ["1\n2\n"] and checked.execution_count == 2
    assert nb.metadata == {"language_info": {"name": "python"}}
