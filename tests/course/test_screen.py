"""dlkit.course.screen: the tampering detector (the class in test_autograde.py screens every kind)."""
from dlkit.course.cells import nbgrader_meta
from dlkit.course.screen import tampering
from tests.course.submissions import exercise, solution


def test_tampering_detector_leaves_honest_code_alone():
    for nb in (solution(), exercise()):
        for cell in nb.cells:
            if cell.cell_type == "code" and not nbgrader_meta(cell).get("locked"):
                assert tampering(cell.source) == [], cell.source
    assert tampering("import numpy as np\nfrom dlkit import checks\nx = np.zeros(3)\nx[0] = 1") == []
    assert tampering("np.random.seed = None")
    assert tampering("exec('np.allclose = None')")
    assert tampering("globals()['checks'] = None")
    assert tampering("import numpy\nnumpy.testing.assert_allclose = print")
    assert tampering("from numpy import testing as np")
    assert tampering("def f():\n    global np\n    np = None")

