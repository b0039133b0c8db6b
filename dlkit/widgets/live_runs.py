"""Runs that train while they are watched: one or several networks advanced in lockstep, epoch by epoch, until
their epoch budget or Stop, with live frames at display rate and settings moved mid-run applied at the next epoch.

Each step of the loop continues every run with ``dk.fit(..., resume=hist)`` (exactly the epochs a longer fit would
have run: optimizer state, shuffles and dropout masks included) with the settings the controls hold then; a
setting that changed is recorded in ``hist.changes`` by the engine and marked on the curves. A watched run takes
WATCH_RATE epochs a second (so the curves and the boundary can be followed, like TensorFlow Playground); "fast"
takes as many as the machine trains, grouping epochs so that each group lasts about one frame.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import dlkit as dk

from .base import FRAME_INTERVAL
from .controls import UNTIL_STOP

WATCH_RATE = 25.0            # epochs per second of a watched run at "watch" speed
MOST_EPOCHS = 20_000         # a run "until Stop" ends here anyway (its History stays small)
SCRIPT_EPOCHS = 200          # ... and a script's run "until Stop" (nobody is there to press Stop) runs this many
MAX_GROUP = 512              # epochs per step of a fast run at most


@dataclass
class LiveRun:
    """One network under training: its label ("A", "B"), settings, data {X, y, X_val, y_val}, model and History.

    ``fit_settings()`` returns the keyword arguments of ``dk.fit`` as the controls hold them now (lr, optimizer,
    batch_size, l1, l2, loss, seed, ...), and ``dropout()`` the dropout rate: both are read before every step.
    """

    label: str
    settings: object
    data: dict
    model: dk.MLP
    fit_settings: object
    dropout: object = None
    budget: int = SCRIPT_EPOCHS
    hist: dk.History = field(default_factory=dk.History)
    stats: object = None
    adjust: dk.Adjust = field(default_factory=dk.Adjust)      # settings moved while a step of epochs runs

    @property
    def epochs(self):
        return self.hist.epochs

    @property
    def done(self):
        return self.hist.diverged or self.hist.epochs >= (self.budget or MOST_EPOCHS)

    def follow_controls(self):
        """Hand the settings that may change mid-run (lr, L1, L2, dropout) to the running step: they apply from
        its next epoch."""
        now = self.fit_settings()
        changes = {k: now[k] for k in dk.Adjust.SETTINGS if k in now}
        if self.dropout is not None:
            changes["dropout"] = self.dropout()
        self.adjust.set(**changes)

    def advance(self, epochs, stop):
        """Train up to ``epochs`` more epochs (fewer at the budget), stopping after the epoch in which the
        callback ``stop`` says so."""
        epochs = min(epochs, (self.budget or MOST_EPOCHS) - self.hist.epochs)
        if epochs <= 0:
            return
        if self.dropout is not None and self.dropout() != self.model.dropout:
            self.model.set_dropout(self.dropout())
        d = self.data
        resume = self.hist if self.hist.epochs else None
        self.hist = dk.fit(self.model, d["X"], d["y"], epochs=epochs, val=(d["X_val"], d["y_val"]),
                           callbacks=[stop, self.adjust], verbose=False, resume=resume, stats=self.stats,
                           **self.fit_settings())


def change_label(change, prefix=""):
    """The text of a setting change on the curves: "lr 0.01→0.0178" (three significant digits)."""
    return f"{prefix}{change['name']} {change['old']:.3g}→{change['new']:.3g}"


def budget_for(lab, epochs):
    """The epoch budget of a run: ``epochs``, or UNTIL_STOP (watched runs only; a script's runs SCRIPT_EPOCHS)."""
    if epochs == UNTIL_STOP and not lab.watching:
        return SCRIPT_EPOCHS
    return epochs


def train_together(lab, runs, speed="watch", on_step=None):
    """Advance ``runs`` in lockstep until each is done or Stop is pressed, drawing a frame at most every
    FRAME_INTERVAL once the page has shown the last (and one at the end). ``speed`` "watch" paces a watched run
    at WATCH_RATE epochs a second; ``on_step()`` runs before every frame (status lines: they travel with it)."""
    paced = speed == "watch" and lab.watching
    group, last_frame = 1, -math.inf
    while not lab.stopping:
        active = [run for run in runs if not run.done]
        if not active:
            break
        began = time.perf_counter()
        for run in active:
            run.advance(group, lab.stop_requested)
        took = time.perf_counter() - began
        if lab.frame_due(last_frame):
            last_frame = time.perf_counter()
            if on_step is not None:
                on_step()
            lab.redraw()
        if paced:
            lab.pause(group / WATCH_RATE - (time.perf_counter() - began))
        else:
            group = max(1, min(MAX_GROUP, 2 * group, int(group * FRAME_INTERVAL / max(took, 1e-6))))
    if lab.stopping:
        for run in runs:
            # Stop pressed between two steps: fit saw no stop request, but the run ended before its budget
            run.hist.stopped_early = run.hist.stopped_early or not run.done
    if on_step is not None:
        on_step()
    lab.redraw()
