"""The feedback page a student gets: nbgrader's feedback template, with a score that is under review said so.

nbgrader's page says "Score: 0.0 / 11" for a submission whose automatic score is withheld for review (possible
tampering) and for the tests the autograder could not run (a kernel that died): a student reads it as a zero.
:class:`MarkUnderReview` (after nbgrader's ``GetGrades``) marks every grade cell that still waits for the
instructor (``needs_manual_grade`` and no manual score); the page's template (``dlkit_feedback``, extending
nbgrader's ``feedback``) then says the score is under review, and shows each reviewed cell as "under review"
instead of its points. Once every flagged cell has a manual score in the formgrader, the page shows the score.
The page loads no script (no MathJax from a CDN: the math is MathML, :mod:`dlkit.course.mathml`).

The template is written into the workdir (``feedback_template/``) by ``prepare`` and before each ``feedback``
(a wheel of dlkit carries only its Python files), beside a copy of the installed nbgrader's feedback template,
which it extends (the two are both ``index.html.j2`` in their own folders: one would hide the other).
"""
from __future__ import annotations

import json
from pathlib import Path

try:
    from nbgrader.preprocessors import NbGraderPreprocessor as _Base
except Exception:                                  # nbgrader missing: only the preprocessor is unavailable
    _Base = object

TEMPLATE_NAME = "dlkit_feedback"
TEMPLATE_FOLDER = "feedback_template"              # in the workdir
UNDER_REVIEW = "under_review"                      # the key MarkUnderReview sets in cell and resources metadata
NBGRADER_COPY = "nbgrader_feedback.html.j2"       # the installed nbgrader's feedback template, copied beside ours
CONF = {"base_template": "classic", "mimetypes": {"text/html": True}}

TEMPLATE = r"""{%- extends 'nbgrader_feedback.html.j2' -%}
{#- dlkit: nbgrader's feedback page, no script in the head, a score under review said so -#}

{%- block header -%}
<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8" />
<title>{{ resources.nbgrader.notebook }}</title>
{{ resources.include_css('bootstrap.min.css') }}
{% for css in resources.inlining.css -%}
<style type="text/css">
{{ css }}
</style>
{% endfor %}
<style>
body { font-size: 14px; padding-top: 1em; }
div#notebook-container { width: 100%; }
div.prompt { min-width: 21ex; }
div.nbgrader_cell { width: 100%; }
div.nbgrader_cell .panel-heading { padding: 0.4em 0.6em; height: 37px; }
div.nbgrader_cell .panel-body { padding: 0.4em; }
div.nbgrader_cell .input_area { background: white; border: none; }
span.nbgrader-label { line-height: 25px; }
.under-review { color: #8a6d3b; }
math[display="block"] { margin: 0.6em 0; }
div.output_subarea pre { white-space: pre-wrap; overflow-wrap: anywhere; }  /* a check's message read whole */
</style>
</head>
{%- endblock header -%}

{%- macro review_heading(cell, what) -%}
<a name="{{ cell.metadata.nbgrader.grade_id }}"></a>
<div class="panel-heading">
  <span class="nbgrader-label">{{ what }}</span>
  <span class="pull-right under-review">under review <a href="#top">(Top)</a></span>
</div>
{%- endmacro -%}

{% block body %}
<body>
<a name="top"></a>
<div class="container">
  <div class="panel panel-default">
    <div class="panel-heading">
    {%- set review = resources.nbgrader.get('under_review') -%}
    {%- if review and review.withheld %}
      <h4>{{ resources.nbgrader.notebook }} (Score: under review)</h4>
      <p class="under-review">Your score is under review: your instructor is checking this notebook by hand.
      Your score will appear here when the review is done.</p>
    {%- elif review %}
      <h4>{{ resources.nbgrader.notebook }} (Score so far: {{ resources.nbgrader.score | float | round(2) }} /
      {{ resources.nbgrader.max_score | float | round(2) }}, {{ review.points | float | round(2) }} under review)</h4>
      <p class="under-review">{{ review.cells }} part(s) of your notebook could not be graded automatically and
      are under review: your instructor grades them by hand. The points shown are those graded so far.</p>
    {%- else %}
      <h4>{{ resources.nbgrader.notebook }} (Score: {{ resources.nbgrader.score | float | round(2) }} /
      {{ resources.nbgrader.max_score | float | round(2) }})</h4>
    {%- endif %}
      <ol>
      {%- for cell in nb.cells if cell.metadata.nbgrader and cell.metadata.nbgrader.grade %}
        <li><a href="#{{ cell.metadata.nbgrader.grade_id }}">{{ cell.metadata.nbgrader.grade_id }}</a>
        {%- if cell.metadata.nbgrader.under_review %} (under review, {{ cell.metadata.nbgrader.points | float
        | round(2) }} points)
        {%- else %} (Score: {{ cell.metadata.nbgrader.score | float | round(2) }} /
        {{ cell.metadata.nbgrader.points | float | round(2) }}){%- endif %}</li>
      {%- endfor %}
      </ol>
    </div>
    <div class="panel-body">
      <div id="notebook" class="border-box-sizing">
        <div class="container" id="notebook-container">
          {{ self.body_loop() }}
        </div>
      </div>
    </div>
  </div>
</div>
</body>
{%- endblock body %}

{% block input %}
{%- if cell.metadata.nbgrader and cell.metadata.nbgrader.under_review -%}
<div class="panel panel-warning nbgrader_cell">
  {{ review_heading(cell, "Student's answer" if cell.metadata.nbgrader.solution else "Grade cell: "
                          ~ cell.metadata.nbgrader.grade_id) }}
  <div class="panel-body"><div class="input_area">{{ cell.source | highlight_code(metadata=cell.metadata) }}</div></div>
</div>
{%- else -%}
{{ super() }}
{%- endif -%}
{% endblock input %}

{% block markdowncell scoped %}
{%- if cell.metadata.nbgrader and cell.metadata.nbgrader.under_review -%}
<div class="cell border-box-sizing text_cell rendered">
<div class="panel panel-warning nbgrader_cell">
  {{ review_heading(cell, "Written response") }}
  <div class="panel-body"><div class="text_cell_render border-box-sizing rendered_html">
    {{ cell.source | markdown2html | strip_files_prefix }}
  </div></div>
</div>
</div>
{%- else -%}
{{ super() }}
{%- endif -%}
{% endblock markdowncell %}
"""


def _nbgrader_template():
    import nbgrader

    return Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates" / "feedback" / \
        "index.html.j2"


def template_dirs(workdir):
    """The template base folders of a workdir's feedback: its own, which holds dlkit_feedback/."""
    return [str(Path(workdir) / TEMPLATE_FOLDER)]


def write_template(workdir):
    """workdir/feedback_template/dlkit_feedback/: the page's template, its conf.json and nbgrader's template."""
    folder = Path(workdir) / TEMPLATE_FOLDER / TEMPLATE_NAME
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html.j2").write_text(TEMPLATE)
    (folder / "conf.json").write_text(json.dumps(CONF, indent=1))
    (folder / NBGRADER_COPY).write_text(_nbgrader_template().read_text())
    return folder


def _waits_for_review(grade):
    return bool(grade.needs_manual_grade) and grade.manual_score is None


class MarkUnderReview(_Base):
    """Feedback preprocessor (after GetGrades): each grade cell still waiting for the instructor gets
    ``metadata.nbgrader.under_review``; ``resources['nbgrader']['under_review']`` says how many cells and points,
    and whether the whole automatic score is withheld (every cell waits). Nothing when nothing waits."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook

        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            waiting = {g.name: g.max_score for g in notebook.grades if _waits_for_review(g)}
            graded = len(notebook.grades)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and meta.get("grade_id") in waiting:
                meta[UNDER_REVIEW] = True
        if waiting:
            info[UNDER_REVIEW] = {"cells": len(waiting), "points": float(sum(waiting.values())),
                                  "withheld": len(waiting) == graded}
        return nb, resources
