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



def test_graders_on_several_threads_parse_one_at_a_time(monkeypatch):
    """Python 3.11's ast.parse is not safe on two threads at once (CI saw "AST constructor recursion depth
    mismatch" while three students were graded together): the screen parses under one lock."""
    import threading
    import time

    from dlkit.course import screen
    inside, most = [0], [0]
    real_parse = screen.ast.parse

    def watched_parse(source, *args, **kwargs):
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        time.sleep(0.01)                            # long enough for another thread to try
        inside[0] -= 1
        return real_parse(source, *args, **kwargs)

    monkeypatch.setattr(screen.ast, "parse", watched_parse)
    found = []
    threads = [threading.Thread(target=lambda: found.append(tampering("np.random.seed = None")))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1 and len(found) == 4 and all(found)
