"""dlkit.plots.batch_size: losses against examples seen, costs and results per batch size."""
import dlkit as dk
from dlkit import plots

from .drawing import labelled


def test_batch_size_plots(fig, data):
    X, _, y, _ = data
    runs = {}
    for b in (1, 16, len(X)):
        model = dk.MLP([2, 8, 2], seed=0)
        runs[b] = dk.fit(model, X, y, optimizer="sgd", lr=0.05, epochs=2, batch_size=b, verbose=False)
    axes = fig.subplots(1, 3)
    plots.step_losses(axes[0], runs, highlight=16, n_examples=len(X))
    every = next(line for line in axes[0].get_lines() if "every step" in line.get_label())
    assert every.get_xdata()[-1] == 2 * len(X)                    # examples seen, the short last batch counted
    sizes = list(runs)
    plots.batch_costs(axes[1], sizes, [runs[b].iterations_per_epoch for b in sizes], [1e-3, 5e-4, 2e-4])
    plots.batch_results(axes[2], sizes, [0.8, 0.85, 0.7], "accuracy", highlight=16)
    for ax in axes:
        labelled(ax)
    assert [t.get_text() for t in axes[2].get_xticklabels()] == [str(b) for b in sizes]
