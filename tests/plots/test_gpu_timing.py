"""dlkit.plots.gpu_timing: ms per step per backend, the crossover the sweep carries, unmeasured backends named
(tests/test_cuda.py draws a real gpu.step_sweep)."""
from dlkit import plots

SWEEP = {"width": [16, 64, 256], "batch_size": 64, "cpu": [1e-3, 2.5e-3, 9e-3], "cuda": [3e-3, 2e-3, 1e-3],
         "torch_cuda": [None, None, None], "crossover": 64}


def test_step_times_mark_the_sweeps_crossover_and_name_what_was_not_measured(fig):
    ax = plots.step_times(fig.subplots(), SWEEP)
    assert len(ax.lines) == 2 + 1                                       # cpu, cuda and the crossover line
    assert any(t.get_text() == "cuda wins from width 64" for t in ax.texts)
    assert any("not measured here: PyTorch CUDA" in t.get_text() for t in ax.texts)
    assert ax.get_ylabel() == "ms per training step" and plots.to_png(fig)


def test_step_times_mark_a_crossover_they_are_given_for_other_backends(fig):
    ax = plots.step_times(fig.subplots(), {**SWEEP, "crossover": None}, fast="cpu", slow="cuda", wins=16)
    assert any(t.get_text() == "cpu wins from width 16" for t in ax.texts)
    ax = plots.step_times(fig.subplots(), SWEEP, fast="cpu", slow="numpy")      # the sweep's is cuda's
    assert not any("wins" in t.get_text() for t in ax.texts)
