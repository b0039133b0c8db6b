"""GradientFlowLab: how signals and gradients travel through a deep network — at initialization and while it
trains — with a one-line diagnosis.

    from dlkit.widgets import GradientFlowLab
    GradientFlowLab(depth=20, activation="sigmoid")      # Glorot & Bengio 2010: vanishing gradients

Reproduces the classic results on the digits: sigmoid with naive init vanishes, tanh with Xavier and ReLU with He
keep every layer's scale (He et al. 2015: depth 30 ReLU trains with He, stalls with Xavier), batch norm rescues
bad inits (Ioffe & Szegedy 2015).
"""
from __future__ import annotations

import html
import math

import ipywidgets as W

import dlkit as dk

from .. import diagnosis, plots
from . import base, datasets
from .controls import (ACTIVATIONS, INITS, checkbox, choice, column, initializer, int_slider, log_slider,
                       options_slider, speed_toggle)

WIDTHS = (16, 32, 64, 128)
BATCH_SIZES = (16, 32, 64, 128, 256)
CLIPS = (0.0, 0.5, 1.0, 5.0)
N_TRAIN, N_PROBE = 1000, 256
DIGIT_PIXELS, DIGIT_CLASSES = 64, 10
RECORDS_PER_EPOCH = 8


class GradientFlowLab(base.Lab):
    """Per-layer activation and gradient histograms, std per layer, saturation and dead units, the
    update:data ratio and the gradient reaching each layer over training, and a diagnosis line; live while it
    trains."""

    figsize = (11.0, 6.2)
    dpi = 85
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
        self.add_stop_button()
        self.add_button("reset", "Reset", self.reset, "undo", "", "back to the untrained network")
        self.observe(self._on_network, "depth", "width", "activation", "init", "weight_scale", "batch_norm", "seed")
        self.diagnosis = W.HTML()
        self.diagnosis.add_class("dlkit-diagnosis")
        b = self.buttons
        self.layout(
            W.HBox([column("network", c["depth"], c["width"], c["activation"], c["init"], c["weight_scale"],
                           c["batch_norm"]),
                    column("training", c["optimizer"], c["lr"], c["batch_size"], c["epochs"], c["clip_norm"],
                           c["seed"])]),
            W.HBox([b["train"], b["stop"], b["reset"], c["speed"]]),
            self.diagnosis)
        # digits, standardised with the whole training set's statistics, then its first N_TRAIN examples
        d = datasets.split(*dk.data.digits(), seed=0, standardise=True)
        self.X, self.y, self.X_val, self.y_val = d["X"][:N_TRAIN], d["y"][:N_TRAIN], d["X_val"], d["y_val"]
        self.hist = dk.History()
        self.snap = None
        self._set_busy(False)
        self.reset()

    def build(self):
        """A fresh MLP for the current controls (digits: 64 inputs, 10 classes)."""
        c = self.controls
        sizes = [DIGIT_PIXELS] + [c["width"].value] * c["depth"].value + [DIGIT_CLASSES]
        return dk.MLP(sizes, activation=c["activation"].value, init=initializer(c["init"].value),
                      weight_scale=c["weight_scale"].value, batch_norm=c["batch_norm"].value, seed=c["seed"].value)

    def _on_network(self, change):
        if self.running:
            self.say("network changed: it applies to the next run (or press Reset)")
        else:
            self.reset()

    def reset(self):
        """Stop, then show the untrained network's statistics."""
        if self.running:
            self.stop()
            self.wait()
        self.model = self.build()
        self.hist = dk.History()
        self.measure()
        self.say("untrained network: move a control to compare inits, or press Train")
        self.redraw()

    def measure(self):
        """Snapshot the current model on the probe batch (for the histograms and the profile) and update the
        diagnosis line: from the latest record of the training run while there is one (the gradient that
        reached each layer in the last step, and its update), else from the snapshot."""
        c = self.controls
        self.snap = diagnosis.snapshot(self.model, self.X[:N_PROBE], self.y[:N_PROBE])
        record = self.hist.layer_stats[-1] if self.hist.layer_stats else self.snap["record"]
        line = diagnosis.diagnose(record, c["activation"].value, c["batch_norm"].value, c["init"].value)
        healthy = line.startswith("healthy")
        color = plots.GREEN if healthy else plots.ALERT
        self.diagnosis.value = (f"<b style='color:{color}'>diagnosis:</b> <span>{html.escape(line)}</span>")
        return line

    def train(self, wait=True):
        """Train from the initial weights for ``epochs`` epochs, recording statistics ~8 times per epoch."""
        return self.launch(self._train, wait)

    def _train(self):
        c = self.controls
        self.model = self.build()
        self.hist = dk.History()
        epochs, batch = c["epochs"].value, c["batch_size"].value
        every = max(1, dk.data.num_batches(len(self.X), batch) // RECORDS_PER_EPOCH)

        def frame(epoch, model, hist):
            self.hist = hist
            self.measure()
            last = hist.train_loss[-1] if hist.train_loss else math.nan
            self.say(f"epoch {hist.epochs}/{epochs} · iteration {hist.iterations[-1] if hist.iterations else 0} · "
                     f"train loss {last:.4g}" + (f" · DIVERGED at iteration {hist.diverged_at[1]}: lower the "
                                                 "learning rate or clip" if hist.diverged else ""),
                     error=hist.diverged)
            self.redraw()

        self.hist = dk.fit(self.model, self.X, self.y, loss="cross_entropy", optimizer=c["optimizer"].value,
                           lr=c["lr"].value, epochs=epochs, batch_size=batch, val=(self.X_val, self.y_val),
                           seed=c["seed"].value, clip_norm=c["clip_norm"].value,
                           # batch norm: activations as training sees them (batch statistics), as the snapshot
                           stats=dk.LayerStats(every=every, training=c["batch_norm"].value),
                           callbacks=self.callbacks(frame, epochs, c["speed"].value), verbose=False)

    def draw(self, fig):
        snap, rec = self.snap, self.snap["record"]
        act = self.controls["activation"].value
        (a_h, a_g, a_std), (a_pct, a_upd, a_sig) = self.subplots(fig, 2, 3)
        plots.layer_histograms(a_h, snap["h"][:-1], f"activation {act}(z)")
        plots.title(a_h, "activations per layer")
        plots.layer_histograms(a_g, snap["dW"], "weight gradient dW", symmetric=True)
        plots.title(a_g, "weight gradients per layer")
        plots.layer_profile(a_std, rec)
        plots.title(a_std, "std per layer")
        plots.layer_percentages(a_pct, rec)
        plots.title(a_pct, f"saturated and dead {act} units")
        plots.layer_series(a_upd, self.hist.layer_stats, "update_ratio", "update std / weight std (log)",
                           guide=1e-3, guide_label="≈1e-3: healthy")
        plots.title(a_upd, "update:data ratio per layer")
        # the backward signal alone: it shows vanishing while dW (signal x activation) can look even
        bias = "dβ" if self.controls["batch_norm"].value else "db"
        plots.layer_series(a_sig, self.hist.layer_stats, "signal_std", f"std of dL/{bias} (log scale)")
        plots.title(a_sig, "gradient reaching each layer")
