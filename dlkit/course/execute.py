"""The autograder's run of a notebook, surviving a kernel that dies: the tests that passed before keep their points.

nbgrader's own ``Execute`` lets nbclient's ``DeadKernelError`` end the whole autograde of the submission: no
autograded notebook, no scores, not even for the tests that had already passed. :class:`ExecuteKeepingScores`
(named in a workdir's nbgrader_config.py for ``Autograde.autograde_preprocessors``) catches it instead: the cell
the kernel died in and every code cell after it get an error output (``DeadKernelError``), so nbgrader scores
their tests 0 and the tests before keep their points; ``dlkit.course.autograde`` reads the outputs and flags the
student for review (:data:`KERNEL_DIED`).
"""
from __future__ import annotations

from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute

KERNEL_DIED = "DeadKernelError"                 # the ename of the outputs written here
DIED_HERE = "the kernel died while this cell ran"
NOT_RUN = "not run: the kernel died in an earlier cell"


def kernel_died(cell):
    """Whether this cell of an executed notebook did not finish because the kernel died: (bool, died in it)."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error" and o.get("ename") == KERNEL_DIED]
    return bool(errors), any(o.get("evalue") == DIED_HERE for o in errors)


class ExecuteKeepingScores(Execute):
    """nbgrader's Execute; a dead kernel ends the run, not the grading (see the module's docstring)."""

    def preprocess(self, nb, resources=None, km=None):
        self._died_at = None
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if getattr(self, "_died_at", None) is not None:
            return self._mark(cell, NOT_RUN), resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._died_at = index
            self.log.error("The kernel died in cell %d; the cells after it are not run", index)
            return self._mark(cell, DIED_HERE), resources

    @staticmethod
    def _mark(cell, why):
        if cell.cell_type == "code" and cell.source.strip():
            cell.outputs = list(cell.get("outputs", [])) + [
                new_output("error", ename=KERNEL_DIED, evalue=why, traceback=[f"{KERNEL_DIED}: {why}"])]
        return cell
