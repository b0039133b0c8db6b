"""What the BatchSizeLab shows, live in the browser: the mini-batch loss at every step of each batch size's run
(against examples seen, optimizer steps or seconds), and per batch size the noise of that loss, the cost of an
epoch (iterations and wall time) and the validation accuracy the budget bought."""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .. import live
from ..live.sweep import Sweep
from ..plots.palette import GREEN, PURPLE, cycle

EXAMPLES, STEPS, SECONDS = "examples seen", "optimizer steps", "seconds"
X_AXES = (EXAMPLES, STEPS, SECONDS)
TREND_POINTS = 50          # a run drawn as its trend is a moving average over about 1/50 of its steps
TOP_PERCENTILE = 99        # the every-step run's y range ends at this percentile: a few spikes do not flatten it
HEADROOM = 1.1             # the y axis ends this much above the highest line
MS_PER_S = 1e3


class BatchSizeView:
    """The live charts of a BatchSizeLab; :meth:`show` hands them the runs {batch size: History} and the summary
    rows {batch size: {"noise", "iterations_per_epoch", "seconds_per_epoch", "val_acc", ...}}."""

    def __init__(self):
        self.steps = live.Curves("mini-batch loss at every step", "mini-batch loss", xlabel=EXAMPLES,
                                 y_range=(0.0, 1.0))
        self.noise = Sweep("noise of the loss", "std around trend / mean (log)", log=True, color=PURPLE)
        self.cost = Sweep("cost of an epoch", "iterations per epoch ⌈N/B⌉", log=True,
                          right="wall time per epoch (ms)")
        self.acc = Sweep("accuracy for the budget", "validation accuracy", percent=True, color=GREEN)
        self.widget = W.VBox([live.row(self.steps, self.noise), live.row(self.cost, self.acc)],
                             layout=W.Layout(width="100%"))
        self.widget.add_class("dlkit-live")

    def show(self, runs, rows, sizes, highlight, x_axis, n_examples, stale=""):
        """Draw runs {B: History} and rows {B: summary}; ``sizes`` (K,) all swept batch sizes (for the colours),
        ``highlight`` the batch size drawn at every step, ``x_axis`` one of X_AXES, ``n_examples`` the training-set
        size; ``stale`` a title suffix when the controls no longer match the sweep shown."""
        colors = dict(zip(sizes, cycle(len(sizes))))
        series, blowups, top = [], [], 0.0
        for b, h in runs.items():
            s = h.step_loss                                                     # (steps,)
            x = step_x(h, x_axis, n_examples, len(s))
            s = s[:x.size]
            every = b == highlight or highlight not in runs
            if every:
                series.append(live.Series(f"B={b} (every step)", x, s, colors[b]))
                drawn = s[np.isfinite(s)]
                top = max(top, float(np.percentile(drawn, TOP_PERCENTILE)) if drawn.size else 0.0)
            else:
                xt, drawn = moving_average(x, s)
                series.append(live.Series(f"B={b} (avg)", xt, drawn, colors[b]))
                top = max(top, float(np.max(drawn)) if drawn.size else 0.0)
            if h.diverged and drawn.size:
                blowups.append((float(x[np.isfinite(s)][-1]), float(drawn[-1])))     # where its line ends
        series.sort(key=lambda one: "every step" not in one.label)          # the noisy band first, under the trends
        self.steps.show(series, blowups=blowups)
        self._band_below(series)
        self.steps.fit_y(0.0, HEADROOM * top if top > 0 else 1.0)
        self.steps.x_axis.label = x_axis
        self.steps.title = "mini-batch loss at every step" + stale
        self._sweeps(rows, highlight, stale)

    def _band_below(self, series):
        """The every-step line under the averages (it is drawn first, whenever it was made)."""
        band = self.steps.lines.get(series[0].label) if series and "every step" in series[0].label else None
        marks = self.steps.figure.marks
        if band is not None and marks[0] is not band:
            self.steps.figure.marks = [band, *[m for m in marks if m is not band]]

    def _sweeps(self, rows, highlight, stale):
        done = list(rows)
        get = {key: [rows[b][key] for b in done] for key in ("noise", "iterations_per_epoch", "seconds_per_epoch",
                                                            "val_acc")}
        self.noise.show(done, get["noise"], highlight=highlight, label="loss noise")
        self.cost.show(done, get["iterations_per_epoch"], MS_PER_S * np.asarray(get["seconds_per_epoch"], float),
                       highlight=highlight, label="iterations per epoch")
        self.acc.show(done, get["val_acc"], highlight=highlight, label="validation accuracy at the end")
        self.acc.title = "accuracy for the budget" + stale


def step_x(h, x_axis, n_examples, steps=None):
    """Where each optimizer step of History h lies on ``x_axis``: examples seen after it (the smaller last batch
    of an epoch counted exactly), its number, or the wall time (epochs' times spread evenly over their steps);
    steps of complete epochs only for seconds. ``steps``: len(h.step_loss) if known. Returns (steps,)."""
    t = np.arange(h.step_loss.size if steps is None else steps)
    ipe = max(h.iterations_per_epoch, 1)
    if x_axis == STEPS:
        return (t + 1).astype(np.float64)
    if x_axis == EXAMPLES:
        return ((t // ipe) * n_examples + np.minimum((t % ipe + 1) * h.batch_size, n_examples)).astype(np.float64)
    if x_axis != SECONDS:
        raise ValueError(f"x_axis must be one of {', '.join(map(repr, X_AXES))}, got {x_axis!r}")
    ends = np.asarray(h.time, np.float64)                                       # (epochs,)
    t = t[:ends.size * ipe]
    starts = np.concatenate([[0.0], ends[:-1]])
    e = t // ipe
    return starts[e] + (t % ipe + 1) / ipe * (ends[e] - starts[e])


def moving_average(x, s):
    """The trend of losses s (T,) at x (T,): a moving average over about T / TREND_POINTS steps, placed at the
    window's last x. Returns (x', trend), both (T - w + 1,); non-finite losses left out."""
    keep = np.isfinite(s)
    x, s = x[keep], s[keep]
    w = max(1, s.size // TREND_POINTS)
    if s.size < w or not s.size:
        return x[:0], s[:0]
    c = np.concatenate([[0.0], np.cumsum(s)])
    return x[w - 1:], (c[w:] - c[:-w]) / w
