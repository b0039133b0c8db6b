"""No false alarm: the rule that a finite loss far above where it started has diverged (``fit``'s
EXPLOSION_FACTOR) must not stop any run in the course's notebooks that the old rule (NaN or infinity only) let
finish. Every lecture and assignment runs in a real kernel with a spy on ``fit``'s divergence verdicts.
"""
import json

import nbformat
import pytest
from nbclient import NotebookClient

from dlkit import course

ROOT = course.ROOT
NOTEBOOKS = [p for folder in ("notebooks", "solutions") for p in course.notebooks(ROOT / folder)]
SPY = """
import copy as _copy, json as _json, math as _math
import dlkit as _dk, dlkit.training as _training
_false_alarms, _exploded = [], []
_fit = _training.fit

def _spy(model, *args, **kwargs):
    before = _copy.deepcopy(model)
    hist = _fit(model, *args, **kwargs)
    if hist.divergence == _training.EXPLODED:
        _exploded.append(hist.diverged_at)
        factor, _training.EXPLOSION_FACTOR = _training.EXPLOSION_FACTOR, _math.inf
        try:                                  # the same run under the old rule: NaN or infinity only
            kwargs = dict(kwargs, callbacks=(), resume=None, verbose=False)
            old = _fit(before, *args, **kwargs)
        finally:
            _training.EXPLOSION_FACTOR = factor
        if not old.diverged:
            _false_alarms.append({"lr": kwargs.get("lr"), "at": hist.diverged_at, "loss": hist.train_loss[-1],
                                  "old rule final loss": old.train_loss[-1]})
    return hist

_training.fit = _dk.fit = _spy
"""
REPORT = "print('DIVERGENCES', _json.dumps(_false_alarms))"


def false_alarms(path):
    """The runs of the notebook (its own cells unchanged) that the new rule stopped as exploded and the old rule
    let finish."""
    nb = nbformat.read(str(path), as_version=4)
    nb.cells = [nbformat.v4.new_code_cell(SPY), *nb.cells, nbformat.v4.new_code_cell(REPORT)]
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   allow_errors=True).execute()
    for output in nb.cells[-1].outputs:
        if output.get("name") == "stdout" and "DIVERGENCES" in output["text"]:
            return json.loads(output["text"].split("DIVERGENCES", 1)[1])
    raise AssertionError(f"{path.name} did not run to its end")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_no_run_in_the_course_is_stopped_as_exploded_unless_it_diverges(path):
    alarms = false_alarms(path)
    assert not alarms, (f"{path.relative_to(ROOT)}: runs stopped as exploded that used to finish: {alarms} "
                        "(raise EXPLOSION_FACTOR)")
