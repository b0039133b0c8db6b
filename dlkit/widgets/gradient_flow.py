"""GradientFlowLab: how signals and gradients travel through a deep network — at initialization and while it
trains — with a one-line diagnosis.

    from dlkit.widgets import GradientFlowLab
    GradientFlowLab(depth=20, activation="sigmoid")      # Glorot & Bengio 2010: vanishing gradients

Reproduces the classic results on the digits: sigmoid with naive init vanishes, tanh with Xavier and ReLU with He
keep every layer's scale (He et al. 2015: depth 30 ReLU trains with He, stalls with Xavier), batch norm rescues
bad inits (Ioffe & Szegedy 2015).

Live frames come from inside the epoch: the statistics are recorded RECORDS_PER_EPOCH times an epoch, and each
record can be a frame (at most one per FRAME_INTERVAL), so a 50-layer network is watched at display rate
although one of its epochs, statistics included, takes longer than a frame. The learning rate and the clipping
norm apply from the next epoch of a running run (marked on the curves); the network's controls, the optimizer,
the batch size and the epochs apply to the next run.
"""
from __future__ import annotations

import html
import math
import time

import ipywidgets as W
import numpy as np

import dlkit as dk

from .. import diagnosis
from ..backend import single_threaded_blas
from ..callbacks import Callback
from ..packing import WEIGHT, param_name
from ..plots.palette import ALERT, GREEN
from . import base, datasets
from .controls import (ACTIVATIONS, INITS, checkbox, choice, column, initializer, int_slider, log_slider,
                       options_slider, row, speed_toggle)
from .gradient_flow_view import GradientFlowView
from .live_runs import WATCH_RATE, change_label

WIDTHS = (16, 32, 64, 128)
BATCH_SIZES = (16, 32, 64, 128, 256)
CLIPS = (0.0, 0.5, 1.0, 5.0)
N_TRAIN, N_PROBE = 1000, 256
DIGIT_PIXELS, DIGIT_CLASSES = 64, 10
RECORDS_PER_EPOCH = 8
NETWORK_CONTROLS = ("depth", "width", "activation", "init", "weight_scale", "batch_norm", "seed")
LIVE_CONTROLS = ("lr", "clip_norm")                  # a running fit takes these up at its next epoch (dk.Adjust)
NEXT_RUN_CONTROLS = ("optimizer", "batch_size", "epochs")          # speed applies at once (the next epoch's pace)
# At "watch" speed the training thread waits this long after each frame while the page draws it: a deep network
# trains slower than WATCH_RATE, flat out, and on a 2-core machine it would take the core the browser draws with
# (depth 50 in Chromium: 10-11 frames per second without the wait, 16-17 with it)
PAGE_TIME = base.FRAME_INTERVAL


class _LiveStats(dk.LayerStats):
    """LayerStats that hands each record, with the model, the layers' outputs on the probe batch and the step's
    gradient (P,), to ``on_record`` as soon as it is taken (inside the epoch): the lab's chance to draw a frame
    (from the same forward pass as the record)."""

    def __init__(self, on_record, **stats):
        super().__init__(**stats)
        self.on_record = on_record

    def record(self, model, X_probe, grad, before, iteration, training=None):
        training = self.training if training is None else bool(training)
        outputs = model.layer_outputs(X_probe, training=training)
        rec = super().record(model, X_probe, grad, before, iteration, training, outputs)
        self.on_record(rec, model, outputs, grad)
        return rec


class _Watch(Callback):
    """The lab's fit callback: hands the lab the run's History, reports each epoch, paces a watched run at
    WATCH_RATE epochs a second while its speed control says "watch", and stops when Stop is pressed."""

    def __init__(self, lab):
        self.lab, self.paced_from, self.epochs_then = lab, time.perf_counter(), 0

    def on_train_begin(self, model, hist):
        self.lab.hist = hist

    def on_epoch_end(self, epoch, model, hist):
        lab = self.lab
        lab.report(hist)
        if lab.watching and lab.controls["speed"].value == "watch":
            lab.pause(self.paced_from + (hist.epochs - self.epochs_then) / WATCH_RATE - time.perf_counter())
        else:                                      # "fast": the pace starts again from here if switched back
            self.paced_from, self.epochs_then = time.perf_counter(), hist.epochs
        return lab.stopping


class GradientFlowLab(base.Lab):
    """Per-layer activation and gradient histograms, std per layer, saturated or dead units, the update:data
    ratio and the gradient reaching each layer over training, and a diagnosis line; live while it trains."""

    name = "gradient-flow"

    def __init__(self, depth=10, width=64, activation="tanh", init="auto", weight_scale=1.0, batch_norm=False,
                 optimizer="sgd", lr=0.05, epochs=10, seed=0, speed="watch"):
        super().__init__()
        c = self.controls
        c["depth"] = int_slider("hidden layers", depth, 1, 50)
        c["width"] = options_slider("width", WIDTHS, width)
        c["activation"] = choice("activation", ACTIVATIONS[:-1], activation)
        c["init"] = choice("init", INITS, init)
        c["weight_scale"] = log_slider("weight scale", weight_scale, 0.1, 10.0, step=0.05)
        c["batch_norm"] = checkbox("batch norm", batch_norm)
        c["optimizer"] = choice("optimizer", ("sgd", "momentum", "adam"), optimizer)
        c["lr"] = log_slider("learning rate", lr, 1e-4, 1.0)
        c["batch_size"] = options_slider("batch size", BATCH_SIZES, 64)
        c["epochs"] = int_slider("epochs", epochs, 1, 50)
        c["clip_norm"] = options_slider("clip grad norm", CLIPS, 0.0)
        c["seed"] = int_slider("seed", seed, 0, 99)
        c["speed"] = speed_toggle(speed)
        self.add_button("train", "Train", lambda: self.train(wait=False), "play", "success",
                        "train from the initial weights")
        self.add_stop_button("stop after this epoch")
        self.add_button("reset", "Reset", self.reset, "undo", "", "back to the untrained network")
        self.observe(self._on_network, *NETWORK_CONTROLS)
        self.observe(self._on_live, *LIVE_CONTROLS)
        self.observe(self._on_next_run, *NEXT_RUN_CONTROLS)
        self.diagnosis = W.HTML()
        self.diagnosis.add_class("dlkit-diagnosis")
        self.view = GradientFlowView()
        b = self.buttons
        self.layout(
            row(column("network", c["depth"], c["width"], c["activation"], c["init"], c["weight_scale"],
                       c["batch_norm"]),
                column("training", c["optimizer"], c["lr"], c["batch_size"], c["epochs"], c["clip_norm"],
                       c["seed"])),
            row(b["train"], b["stop"], b["reset"], c["speed"]),
            self.diagnosis, view=self.view.widget)
        # digits, standardised with the whole training set's statistics, then its first N_TRAIN examples
        d = datasets.split(*dk.data.digits(), seed=0, standardise=True)
        self.X, self.y, self.X_val, self.y_val = d["X"][:N_TRAIN], d["y"][:N_TRAIN], d["X_val"], d["y_val"]
        self.hist = dk.History()
        self.snap = None
        self.adjust = dk.Adjust()
        self._pending = None                 # a record taken inside the epoch, not yet in hist.layer_stats
        self._next_frame = -math.inf
        self._set_busy(False)
        self.reset()

    def build(self):
        """A fresh MLP for the current controls (digits: 64 inputs, 10 classes)."""
        c = self.controls
        sizes = [DIGIT_PIXELS] + [c["width"].value] * c["depth"].value + [DIGIT_CLASSES]
        return dk.MLP(sizes, activation=c["activation"].value, init=initializer(c["init"].value),
                      weight_scale=c["weight_scale"].value, batch_norm=c["batch_norm"].value, seed=c["seed"].value)

    # ---- controls ----------------------------------------------------------------------------------------
    def _on_network(self, change):
        if self.running:
            self.say("network changed: it applies to the next run (or press Reset)")
        else:
            self.reset()

    def _on_live(self, change):
        """lr or clip_norm moved: a running run takes it up at its next epoch."""
        name = change["owner"].description
        if self.running:
            self.adjust.set(**{key: self.controls[key].value for key in LIVE_CONTROLS})
            self.say(f"{name} → {change['new']:g}: applies from the next epoch")
        else:
            self.say(f"{name} → {change['new']:g}: applies when you press Train")

    def _on_next_run(self, change):
        when = "applies to the next run" if self.running else "applies when you press Train"
        self.say(f"{change['owner'].description} → {change['new']}: {when}")

    # ---- measuring -------------------------------------------------------------------------------------
    def reset(self):
        """Stop, then show the untrained network's statistics."""
        if self.running:
            self.stop()
            self.wait()
        with single_threaded_blas():                 # small products: a second BLAS thread only spins (base.py)
            self.model = self.build()
            self.hist = dk.History()
            self._pending = None
            self.measure()
            self.say("untrained network: move a control to compare inits, or press Train")
            self.redraw()

    def measure(self):
        """Snapshot the current model on the probe batch (for the histograms and the profile) and update the
        diagnosis line: from the latest record of the training run while there is one (the gradient that
        reached each layer in the last step, and its update), else from the snapshot."""
        with np.errstate(all="ignore"):                     # a run that blew up: its inf/NaN are shown, not warned
            self.snap = diagnosis.snapshot(self.model, self.X[:N_PROBE], self.y[:N_PROBE])
        records = self.records()
        return self._diagnose(records[-1] if records else self.snap["record"])

    def _diagnose(self, record):
        c = self.controls
        line = diagnosis.diagnose(record, c["activation"].value, c["batch_norm"].value, c["init"].value)
        color = GREEN if line.startswith("healthy") else ALERT
        value = f"<b style='color:{color}'>diagnosis:</b> <span>{html.escape(line)}</span>"
        if self.diagnosis.value != value:
            self.diagnosis.value = value
        return line

    def records(self):
        """The run's LayerStats records so far (one taken inside the running epoch included)."""
        records = self.hist.layer_stats
        pending = self._pending
        if pending is not None and not (records and records[-1] is pending):
            return [*records, pending]
        return records

    # ---- training ----------------------------------------------------------------------------------------
    def train(self, wait=True):
        """Train from the initial weights for ``epochs`` epochs, recording statistics ~8 times per epoch."""
        return self.launch(self._train, wait)

    def _train(self):
        c = self.controls
        self.model = self.build()
        self.hist, self._pending, self._next_frame = dk.History(), None, -math.inf
        self.adjust = dk.Adjust()
        epochs, batch = c["epochs"].value, c["batch_size"].value
        every = max(1, dk.data.num_batches(len(self.X), batch) // RECORDS_PER_EPOCH)
        # batch norm: activations as training sees them (batch statistics), as the snapshot measures them
        stats = _LiveStats(self._on_record, every=every, training=c["batch_norm"].value)
        watch = _Watch(self)
        with np.errstate(all="ignore"):           # a run that blows up is shown and reported, not warned about
            self.hist = dk.fit(self.model, self.X, self.y, loss="cross_entropy", optimizer=c["optimizer"].value,
                               lr=c["lr"].value, epochs=epochs, batch_size=batch, val=(self.X_val, self.y_val),
                               seed=c["seed"].value, clip_norm=c["clip_norm"].value, stats=stats,
                               callbacks=[watch, self.adjust], verbose=False)
        self._pending = None
        self.measure()
        self.report(self.hist)
        self.redraw()

    def _on_record(self, record, model, outputs, grad):
        """A record was just taken inside the epoch: draw it as a frame, unless the last one was too recent.
        Frames keep at most half of the time (the next waits as long as this one took, FRAME_INTERVAL at
        least), so a deep network still trains while it is watched; at "watch" speed the run then waits
        PAGE_TIME for the page to draw."""
        self._pending = record
        began = time.perf_counter()
        if began < self._next_frame or not self.page.ready():
            return
        views = model.views(grad.copy())                     # the step's gradient: the buffer is reused
        self.snap = {"h": [o["h"] for o in outputs],
                     "dW": [views[param_name(WEIGHT, k)] for k in range(1, model.n_layers + 1)], "record": record}
        self._diagnose(record)
        self.redraw()
        took = time.perf_counter() - began
        self._next_frame = time.perf_counter() + max(base.FRAME_INTERVAL - took, took)
        if self.watching and self.controls["speed"].value == "watch":
            self.pause(PAGE_TIME)                          # the page draws this frame meanwhile

    def report(self, hist):
        """The status line: epoch, iteration, train loss, and where the run blew up if it did."""
        epochs = self.controls["epochs"].value
        last = hist.train_loss[-1] if hist.train_loss else math.nan
        text = (f"epoch {hist.epochs}/{epochs} · iteration {hist.iterations[-1] if hist.iterations else 0} · "
                f"train loss {last:.4g}")
        if hist.diverged:
            text += (f" · DIVERGED in epoch {hist.diverged_at[0] + 1}, iteration {hist.diverged_at[1]} "
                     f"({hist.divergence}): lower the learning rate or clip the gradient norm")
        elif hist.stopped_early:
            text += " · stopped"
        self.say(text, error=hist.diverged)

    # ---- drawing -------------------------------------------------------------------------------------------
    def draw(self):
        h = self.hist
        per_epoch = h.iterations_per_epoch or 1
        changes = [(c["epoch"] * per_epoch, change_label(c)) for c in h.changes]
        blowup = h.diverged_at[1] if h.diverged else None
        self.view.show(self.snap, self.records(), self.controls["activation"].value,
                       self.controls["batch_norm"].value, changes, blowup)
