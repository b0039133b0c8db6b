"""dlkit.course.mathml: the feedback pages' TeX as MathML (no MathJax, no network); the page in Chromium is in
test_review.py."""
import nbformat
import pytest

from dlkit.course import ROOT
from dlkit.course.mathml import render_math


def test_display_and_inline_math_become_mathml_and_code_stays_code():
    text, converted, failed = render_math(r"Loss $L = -\frac{1}{N}\sum_i y_i$ and $$\sigma(z) = \frac{1}{1+e^{-z}}$$"
                                          r" but `$x$` and \$5 stay; \(a\) and \[b\] too")
    assert (converted, failed) == (4, 0)
    assert text.count('display="inline"') == 2 and text.count('display="block"') == 2
    assert "`$x$`" in text and r"\$5" in text and "$" not in text.replace("`$x$`", "").replace(r"\$5", "")


def test_tex_it_cannot_convert_stays_readable():
    text, converted, failed = render_math(r"broken $\frac{1}{$ formula")
    assert failed == 1 and "<code>" in text and r"\frac{1}{" in text


@pytest.mark.parametrize("notebook", sorted((ROOT / "exercises").glob("*/*.ipynb")), ids=lambda p: p.parent.name)
def test_every_formula_of_every_assignment_converts(notebook):
    nb = nbformat.read(str(notebook), as_version=4)
    counts = [render_math(c.source)[1:] for c in nb.cells if c.cell_type == "markdown"]
    assert sum(c for c, _ in counts) > 0 and sum(f for _, f in counts) == 0


def test_operator_names_are_upright():
    text, converted, _ = render_math(r"$\operatorname{leaky\_relu}(z)$")
    assert converted == 1 and 'mathvariant="normal">l<' in text
