"""Math in the feedback pages as MathML, rendered when the page is written: no MathJax, no network, no script.

nbconvert's pages load MathJax from a CDN, so a student offline (or in JupyterLab's HTML viewer, which runs no
script) sees raw ``$$...$$``. :class:`RenderMath` (a feedback preprocessor, named in a workdir's
nbgrader_config.py) turns the TeX of every markdown cell into MathML (``latex2mathml``), which browsers draw
natively (Chromium 109+, Firefox, Safari). TeX it cannot convert stays as it was, in a ``<code>``.
"""
from __future__ import annotations

import html
import re

try:
    from nbgrader.preprocessors import NbGraderPreprocessor as _Base
except Exception:                                  # nbgrader missing: only the preprocessor is unavailable
    _Base = object

# display math first ($$...$$, \[...\]), then inline ($...$, \(...\)); a \$ is a dollar sign, not math
MATH = re.compile(r"(?<!\\)\$\$(?P<d1>.+?)(?<!\\)\$\$|\\\[(?P<d2>.+?)\\\]"
                  r"|(?<![\\$])\$(?P<i1>[^$\n]+?)(?<!\\)\$(?!\$)|\\\((?P<i2>.+?)\\\)", re.S)
CODE_SPANS = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)      # math inside code is code
# latex2mathml spells \operatorname{name} as italic letters: upright letters are what TeX draws
OPERATOR_NAME = re.compile(r"\\operatorname\*?\{")


def tex_to_mathml(tex, display):
    """One TeX formula as a one-line MathML element; None when latex2mathml cannot convert it."""
    from latex2mathml.converter import convert

    try:
        tex = OPERATOR_NAME.sub(r"\\mathrm{", tex.strip())
        return convert(tex, display="block" if display else "inline").replace("\n", "")
    except Exception:                              # latex2mathml raises many kinds on TeX it does not know
        return None


def render_math(markdown):
    """markdown with every formula outside code spans replaced by MathML: (text, formulas converted, failed)."""
    counts = {"converted": 0, "failed": 0}

    def one(match):
        display = match.group("d1") is not None or match.group("d2") is not None
        tex = next(g for g in match.group("d1", "d2", "i1", "i2") if g is not None)
        mathml = tex_to_mathml(tex, display)
        counts["converted" if mathml else "failed"] += 1
        return mathml or f"<code>{html.escape(match.group(0))}</code>"

    parts = CODE_SPANS.split(markdown)
    text = "".join(part if i % 2 else MATH.sub(one, part) for i, part in enumerate(parts))
    return text, counts["converted"], counts["failed"]


class RenderMath(_Base):
    """Feedback preprocessor: the TeX of markdown cells as MathML (see the module's docstring)."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            cell.source, converted, failed = render_math(cell.source)
            if failed:
                self.log.warning("cell %d: %d formula(s) kept as TeX (latex2mathml could not convert them)",
                                 index, failed)
        return cell, resources
