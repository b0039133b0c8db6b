"""Charts of a sweep over batch sizes: mini-batch losses against examples seen, the cost of an epoch, and one
number per batch size."""
from __future__ import annotations

import numpy as np

from .axes import legend, log_axis
from .palette import BLACK, BLUE, GREEN, SMALL, VERMILLION, cycle

MS_PER_S = 1e3
TREND_POINTS = 50          # a run drawn as its trend is a moving average over about 1/50 of its steps
TOP_PERCENTILE = 99        # the every-step run's y range ends at this percentile: a few spikes do not flatten it
HEADROOM = 1.1             # the y axis ends this much above the highest line


def step_losses(ax, runs, highlight=None, n_examples=None):
    """Mini-batch losses of several runs {batch size: History} against examples seen. The ``highlight`` run is
    drawn at every step (the band's width is its noise), the others as moving averages (their trend). With
    ``n_examples`` (the training-set size) the smaller last batch of each epoch is counted exactly."""
    colors = dict(zip(runs, cycle(len(runs))))
    top = 0.0
    for label, hist in runs.items():
        s = hist.step_loss
        if s.size == 0:
            continue
        xs = _examples_seen(hist, n_examples)
        ok = np.isfinite(s)
        xs, s = xs[ok], s[ok]
        if label == highlight or highlight is None:
            ax.plot(xs, s, color=colors[label], lw=0.7, alpha=0.9, zorder=3, label=f"{label} (every step)")
            top = max(top, float(np.percentile(s, TOP_PERCENTILE)) if s.size else 0.0)
        else:
            w = max(1, s.size // TREND_POINTS)
            trend = np.convolve(s, np.ones(w) / w, mode="valid")
            ax.plot(xs[w - 1:], trend, color=colors[label], lw=1.3, zorder=2, label=f"{label} (average)")
            top = max(top, float(trend.max()) if trend.size else 0.0)
    ax.set_xlabel("examples seen")
    ax.set_ylabel("mini-batch loss")
    if top > 0:
        ax.set_ylim(0, HEADROOM * top)
    legend(ax, title="batch size", title_fontsize=SMALL, ncols=2)
    return ax


def _examples_seen(hist, n_examples):
    """Examples seen after each step (steps,) of a History; exact for the short last batch given n_examples."""
    t = np.arange(hist.step_loss.size)
    if n_examples:
        ipe = hist.iterations_per_epoch
        return (t // ipe) * n_examples + np.minimum((t % ipe + 1) * hist.batch_size, n_examples)
    return (t + 1) * hist.batch_size


def batch_costs(ax, sizes, iterations_per_epoch, seconds_per_epoch):
    """Iterations per epoch (left axis) and wall time per epoch (right axis) against batch size, log-log."""
    sizes = np.asarray(sizes, dtype=np.float64)
    ax.plot(sizes, iterations_per_epoch, marker="o", color=BLUE, lw=1.6, label="iterations per epoch ⌈N/B⌉")
    _size_axis(ax, sizes)
    log_axis(ax)
    ax.set_ylabel("iterations per epoch", color=BLUE)
    right = ax.twinx()
    right.plot(sizes, np.asarray(seconds_per_epoch) * MS_PER_S, marker="s", color=VERMILLION, lw=1.6, ls="--",
               label="wall time per epoch")
    log_axis(right)
    right.set_ylabel("wall time per epoch (ms)", color=VERMILLION)
    lines = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(lines, [h.get_label() for h in lines], fontsize=SMALL, loc="upper right")
    return ax


def _size_axis(ax, sizes):
    """A log2 batch-size axis ticked at the sizes themselves."""
    log_axis(ax, "x", base=2)
    ax.set_xticks(sizes, [str(int(b)) for b in sizes])
    ax.set_xlabel("batch size B (log scale)")


def batch_results(ax, sizes, values, ylabel, highlight=None, color=GREEN, log=False, label=None):
    """One number per batch size (final accuracy, loss noise, ...), the highlighted size circled."""
    sizes = np.asarray(sizes, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    ax.plot(sizes, values, marker="o", color=color, lw=1.6, label=label)
    if highlight is not None and highlight in list(sizes):
        i = list(sizes).index(highlight)
        ax.plot([sizes[i]], [values[i]], marker="o", ms=13, mfc="none", mec=BLACK, mew=1.5, ls="none",
                label=f"batch size {int(highlight)}")
    _size_axis(ax, sizes)
    if log and np.all(values[np.isfinite(values)] > 0):
        log_axis(ax)
    ax.set_ylabel(ylabel)
    legend(ax)
    return ax
