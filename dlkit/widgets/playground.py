"""Playground: a whole training run under your hands — data, network, optimizer — watched live.

    from dlkit.widgets import Playground
    Playground()                      # or Playground(data=(X, y)) with your own 2-D (or any-D) data

Train runs ``epochs`` epochs from the seeded initial weights (same settings, same curves, every time); Step runs
one more epoch, exactly as Train would have; Stop ends a run after the current epoch. Twin mode trains a run B
that differs from run A in one control and overlays their curves.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, fields, replace

import ipywidgets as W
import numpy as np

import dlkit as dk

from .. import optimizers, planes, plots
from ..torch_mirror import to_torch_code
from . import base, datasets
from .math_view import math_html
from .controls import (ACTIVATIONS, INITS, PENALTIES, checkbox, choice, column, float_slider, initializer,
                       int_slider, log_slider, options_slider, powers_of_two, speed_toggle)
from .datasets import DATASETS, DEFAULT_NOISE

CUSTOM = "your data"
WIDTHS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 128)
LRS = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
LOSSES = {"cross_entropy": "cross-entropy (softmax)", "binary_cross_entropy": "binary CE (sigmoid)"}
PANELS = [("weight-gradient norms", "gradients"), ("hidden units: first layer", "first"),
          ("hidden units: last layer", "last")]
# a change of one of these controls makes a new run A: the untrained network is shown again
RUN_CONTROLS = ("n_samples", "noise", "val_share", "seed", "hidden_layers", "width", "activation", "init",
                "batch_norm", "dropout", "loss", "optimizer", "lr", "batch_size", "l1", "l2")
UNIT_RESOLUTION = 32       # grid points per side of the hidden-units panel
BOUNDARY_RESOLUTION = 90   # ... of the decision-boundary panel
MAX_CACHED_DATA = 4        # twin runs may differ in their data (the seed): a few data sets are kept


@dataclass(frozen=True)
class Settings:
    """Everything that defines one run; run B is ``replace(A, field=value)``."""

    dataset: str = "spirals"
    n_samples: int = 600
    noise: float = 0.1
    val_share: float = 0.2
    seed: int = 0
    hidden_layers: int = 2
    width: int = 16
    activation: str = "relu"
    init: str = "auto"
    batch_norm: bool = False
    dropout: float = 0.0
    loss: str = "cross_entropy"
    optimizer: str = "adam"
    lr: float = 0.01
    batch_size: int = 32
    epochs: int = 200
    l1: float = 0.0
    l2: float = 0.0


# run B can differ in one of these; the values it may take (batch sizes are filled in from the data)
TWIN_CHOICES = {"lr": LRS, "optimizer": optimizers.NAMES, "batch_size": (), "activation": ACTIVATIONS,
                "init": INITS, "hidden_layers": tuple(range(7)), "width": WIDTHS,
                "l2": PENALTIES, "l1": PENALTIES, "dropout": (0.0, 0.1, 0.2, 0.3, 0.5),
                "batch_norm": (False, True), "seed": tuple(range(10))}


def parse_csv(content):
    """CSV bytes, one example per row, the label last (a header row is allowed) -> X (N, D), y (N,) int with
    labels renumbered 0..C-1."""
    text = bytes(content).decode("utf-8-sig")
    rows = np.genfromtxt(io.StringIO(text), delimiter=",", dtype=np.float64)
    rows = np.atleast_2d(rows)
    if rows.size and np.isnan(rows[0]).all():
        rows = rows[1:]                                   # a header row
    if rows.ndim != 2 or rows.shape[1] < 2 or len(rows) < 10:
        raise ValueError("the CSV needs at least 10 rows of: feature, [feature, ...], label")
    if not np.all(np.isfinite(rows)):
        raise ValueError("the CSV has empty or non-numeric cells")
    _, y = np.unique(rows[:, -1], return_inverse=True)
    return rows[:, :-1], y.astype(np.int64)


@dataclass
class Run:
    """One trained (or training) run: its settings, data, model and History."""

    label: str
    settings: Settings
    data: dict
    model: dk.MLP
    hist: dk.History
    epochs: int = 0               # the epochs this run was asked for


class Playground(base.Lab):
    """Train a classifier on 2-D (or digits, or your own) data and watch loss, accuracy, the decision boundary
    and per-layer gradient norms change live."""

    figsize = (11.0, 6.4)
    dpi = 85
    name = "playground"

    def __init__(self, data=None, speed="watch", **settings):
        super().__init__()
        self.custom = None
        datasets = list(DATASETS)
        if data is not None:
            X, y = data
            self.custom = (np.asarray(X, dtype=np.float64), np.unique(np.asarray(y), return_inverse=True)[1])
            datasets.append(CUSTOM)
            settings.setdefault("dataset", CUSTOM)
        s = Settings(**settings)
        self._add_controls(s, datasets, speed)
        self._add_buttons()
        self.code = W.Textarea(layout=W.Layout(width="100%", height="260px"))
        self.math = W.HTMLMath()
        self._wire()
        self._arrange()
        self.runs: dict[str, Run] = {}
        self._data_cache = {}
        self._on_dataset(None)
        self._set_busy(False)

    def _add_controls(self, s, datasets, speed):
        """The data, network, training and twin-run controls, set to settings s."""
        c = self.controls
        c["dataset"] = choice("dataset", datasets, s.dataset)
        c["n_samples"] = int_slider("points", s.n_samples, 100, 2000, 100)
        c["noise"] = float_slider("noise", s.noise, 0.0, 1.0, 0.05)
        c["val_share"] = float_slider("validation share", s.val_share, 0.1, 0.5, 0.05)
        c["seed"] = int_slider("seed", s.seed, 0, 99)
        self.upload = W.FileUpload(accept=".csv", multiple=False, description="CSV…",
                                   tooltip="rows of features with the class label last", layout=W.Layout(width="120px"))
        c["hidden_layers"] = int_slider("hidden layers", s.hidden_layers, 0, 6)
        c["width"] = options_slider("width", WIDTHS, s.width)
        c["activation"] = choice("activation", ACTIVATIONS, s.activation)
        c["init"] = choice("init", INITS, s.init)
        c["batch_norm"] = checkbox("batch norm", s.batch_norm)
        c["dropout"] = float_slider("dropout", s.dropout, 0.0, 0.8, 0.05)
        c["loss"] = choice("loss", [(v, k) for k, v in LOSSES.items()], s.loss)
        c["panel"] = choice("last panel", PANELS)
        c["optimizer"] = choice("optimizer", optimizers.NAMES, s.optimizer)
        c["lr"] = log_slider("learning rate", s.lr, 1e-4, 10.0)
        c["batch_size"] = options_slider("batch size", [s.batch_size], s.batch_size)
        c["epochs"] = int_slider("epochs", s.epochs, 1, 1000)
        c["l1"] = options_slider("L1", PENALTIES, s.l1)
        c["l2"] = options_slider("L2", PENALTIES, s.l2)
        c["speed"] = speed_toggle(speed)
        c["twin"] = checkbox("twin run B, differing in", False)
        c["twin_field"] = W.Dropdown(options=list(TWIN_CHOICES), value="lr", layout=W.Layout(width="130px"))
        c["twin_value"] = W.Dropdown(options=[], layout=W.Layout(width="150px"), description="B:",
                                     style={"description_width": "20px"})

    def _add_buttons(self):
        self.add_button("train", "Train", lambda: self.train(wait=False), "play", "success",
                        "train from the seeded initial weights")
        self.add_button("step", "Step", lambda: self.step(wait=False), "step-forward", "", "one more epoch")
        self.add_stop_button("stop after this epoch")
        self.add_button("reset", "Reset", self.reset, "undo", "", "forget the runs; show the untrained network")
        self.add_button("export", "PyTorch code", self.export, "code", "info",
                        "the same model and training step in PyTorch")

    def _wire(self):
        """Controls -> handlers: new data or settings show the untrained network; the panel menu redraws."""
        c = self.controls
        self.upload.observe(self._on_upload, names="value")
        c["dataset"].observe(self._on_dataset, names="value")
        c["twin_field"].observe(lambda _: self._refresh_twin_values(), names="value")
        c["panel"].observe(self.redraw_when_idle, names="value")          # live frames show it
        self.observe(self._on_change, *RUN_CONTROLS)

    def _arrange(self):
        c, b = self.controls, self.buttons
        extras = W.Accordion(children=[self.math, self.code], titles=("the math", "PyTorch code"))
        extras.selected_index = None
        self.layout(
            W.HBox([column("data", c["dataset"], c["n_samples"], c["noise"], c["val_share"], c["seed"],
                           self.upload),
                    column("network", c["hidden_layers"], c["width"], c["activation"], c["init"],
                           c["batch_norm"], c["dropout"], c["loss"], c["panel"]),
                    column("training", c["optimizer"], c["lr"], c["batch_size"], c["epochs"], c["l1"], c["l2"])]),
            W.HBox([b["train"], b["step"], b["stop"], b["reset"], b["export"], c["speed"]]),
            W.HBox([c["twin"], c["twin_field"], c["twin_value"]]),
            extras)

    # ---- settings and data -----------------------------------------------------------------------------
    def settings(self):
        """Run A's settings, read from the controls."""
        return Settings(**{f.name: self.controls[f.name].value for f in fields(Settings)})

    def twin_settings(self):
        """Run B's settings (None when twin mode is off)."""
        if not self.controls["twin"].value or self.controls["twin_value"].value is None:
            return None
        return replace(self.settings(), **{self.controls["twin_field"].value: self.controls["twin_value"].value})

    def data(self, s):
        """{X, y, X_val, y_val, n_classes} for settings s (cached); digits and your own data are standardised
        with the training set's statistics."""
        key = (s.dataset, s.n_samples, s.noise, s.val_share, s.seed)
        if key not in self._data_cache:
            if len(self._data_cache) > MAX_CACHED_DATA:
                self._data_cache.clear()
            if s.dataset == CUSTOM:
                X, y = self.custom
                self._data_cache[key] = datasets.split(X, y, s.val_share, s.seed, standardise=True)
            else:
                self._data_cache[key] = datasets.prepare(s.dataset, s.n_samples, s.noise, s.seed, s.val_share)
        return self._data_cache[key]

    def model(self, s, data):
        """A fresh MLP for settings s (weights drawn from s.seed)."""
        out = 1 if s.loss == "binary_cross_entropy" else data["n_classes"]
        sizes = [data["X"].shape[1]] + [s.width] * s.hidden_layers + [out]
        return dk.MLP(sizes, activation=s.activation, init=initializer(s.init), seed=s.seed,
                      batch_norm=s.batch_norm and s.hidden_layers > 0, dropout=s.dropout)

    # ---- reacting to controls --------------------------------------------------------------------------
    def _on_dataset(self, change):
        if self._muted:
            return
        c = self.controls
        name = c["dataset"].value
        synthetic = name not in ("digits", CUSTOM)
        c["n_samples"].disabled = not synthetic
        c["noise"].disabled = not synthetic
        if synthetic and change is not None:
            with self.muted():
                c["noise"].value = DEFAULT_NOISE[name]
        self._on_change(None)

    def _on_change(self, change):
        """Keep every control's options valid for the data, then show the untrained network."""
        if self._muted:
            return
        s = self.settings()
        data = self.data(s)
        n_train = len(data["X"])
        sizes = powers_of_two(n_train)
        c = self.controls
        with self.muted():
            if list(c["batch_size"].options) != sizes:
                old = c["batch_size"].value
                c["batch_size"].options = sizes
                c["batch_size"].value = min(sizes, key=lambda b: abs(b - old))
            losses = [(v, k) for k, v in LOSSES.items() if k == "cross_entropy" or data["n_classes"] == 2]
            if [v for _, v in losses] != [v for _, v in c["loss"].options]:
                c["loss"].options = losses
                c["loss"].value = "cross_entropy"
        self._refresh_twin_values()
        self.math.value = math_html(self.settings(), data)
        if self.running:
            self.say("settings changed: they apply to the next run")
            return
        self.runs.clear()
        self.preview = Run("A", self.settings(), data, self.model(self.settings(), data), dk.History())
        self.say("untrained network shown — press Train")
        self.redraw()

    def _refresh_twin_values(self):
        c = self.controls
        field = c["twin_field"].value
        options = TWIN_CHOICES[field] or tuple(c["batch_size"].options)
        a_value = c[field].value
        keep = c["twin_value"].value
        c["twin_value"].options = [(_fmt(v), v) for v in options]
        others = [v for v in options if v != a_value]
        c["twin_value"].value = keep if keep in options and keep != a_value else (others[0] if others else None)

    def _on_upload(self, change):
        files = change["new"]
        if not files:
            return
        try:
            self.custom = parse_csv(files[0]["content"])
        except (ValueError, UnicodeDecodeError) as exc:
            self.say(f"could not read {files[0]['name']}: {exc}", error=True)
            return
        options = list(self.controls["dataset"].options)
        if CUSTOM not in options:
            self.controls["dataset"].options = options + [CUSTOM]
        self._data_cache.clear()
        if self.controls["dataset"].value == CUSTOM:
            self._on_dataset(None)
        else:
            self.controls["dataset"].value = CUSTOM

    # ---- training ----------------------------------------------------------------------------------------
    def train(self, wait=True):
        """Train run A (and B in twin mode) for ``epochs`` epochs from the initial weights."""
        return self.launch(lambda: self._train(step=False), wait)

    def step(self, wait=True):
        """One more epoch: the runs go on from where they stopped (``fit(resume=...)``), so a Step is exactly
        the epoch a longer Train would have run (optimizer state and shuffling included); a run whose settings
        changed since starts again with its first epoch."""
        return self.launch(lambda: self._train(step=True), wait)

    def _train(self, step):
        plan = [("A", self.settings())]
        if self.twin_settings() is not None:
            plan.append(("B", self.twin_settings()))
        previous = dict(self.runs)
        if not step:
            self.runs.clear()
        for label, s in plan:
            if self.stopping:
                break
            old = previous.get(label)
            if step and old is not None and old.settings == s and old.hist.checkpoint is not None:
                run, resume, epochs = old, old.hist, 1                   # one more epoch of the same run
                run.epochs = run.hist.epochs + 1
            else:
                data = self.data(s)
                run = Run(label, s, data, self.model(s, data), dk.History(), 1 if step else s.epochs)
                resume, epochs = None, run.epochs
            self.runs[label] = run

            def frame(epoch, model, hist, run=run):
                run.hist = hist
                self._report(run)
                self.redraw()

            # a Step's one epoch gets its picture below, after every run has taken it
            callbacks = self.callbacks(None if step else frame, epochs,
                                       "fast" if step else self.controls["speed"].value)
            d = run.data
            run.hist = dk.fit(run.model, d["X"], d["y"], loss=s.loss, optimizer=s.optimizer, lr=s.lr,
                              epochs=epochs, batch_size=s.batch_size, val=(d["X_val"], d["y_val"]), seed=s.seed,
                              l1=s.l1, l2=s.l2, stats=True, callbacks=callbacks, verbose=False, resume=resume)
        for run in self.runs.values():
            self._report(run)
        self.redraw()

    def _report(self, run):
        h, s, n = run.hist, run.settings, len(run.data["X"])
        ipe = h.iterations_per_epoch or dk.data.num_batches(n, s.batch_size)
        text = (f"run {run.label}: epoch {h.epochs}/{run.epochs} · iteration {h.iterations[-1] if h.iterations else 0}"
                f" · {ipe} iterations per epoch = ⌈{n} examples / batch {s.batch_size}⌉"
                f" · {h.time[-1] if h.time else 0:.2f} s")
        if h.val_acc:
            text += f" · val accuracy {100 * h.val_acc[-1]:.1f}%"
        if h.diverged:
            text += (f" · DIVERGED in epoch {h.diverged_at[0] + 1} (loss NaN/inf): lower the learning rate "
                     f"(now {s.lr:g})")
        elif h.stopped_early:
            text += " · stopped"
        self.say(text, error=h.diverged)

    def reset(self):
        """Forget the runs and show the untrained network."""
        self.stop()
        self.wait()
        self._on_change(None)

    def export(self):
        """Fill the PyTorch panel with code that builds run A's network and its training step."""
        run = self.runs.get("A") or self.preview
        s = run.settings
        code = to_torch_code(run.model, loss=s.loss, optimizer=s.optimizer, lr=s.lr)
        self.code.value = (f"# dlkit run A: {s.hidden_layers} hidden layers of {s.width} {s.activation} units, "
                           f"init {s.init}, trained with {s.optimizer} lr={s.lr:.3g}, batch {s.batch_size}\n"
                           "# the trained weights: lab.runs['A'].model.to_torch()\n\n" + code)
        return self.code.value

    # ---- drawing -------------------------------------------------------------------------------------------
    def draw(self, fig):
        runs = dict(self.runs) or {"A": self.preview}
        twin = len(runs) > 1
        grid = self.subplots(fig, 2, 3 if twin else 2).ravel()
        loss_ax, acc_ax = grid[0], grid[1]
        for label, run in runs.items():
            style = "-" if label == "A" else "--"
            name = label if twin else None
            plots.curves(loss_ax, run.hist, "loss", label=name, linestyle=style, log=True)
            plots.curves(acc_ax, run.hist, "acc", label=name, linestyle=style)
        plots.title(loss_ax, runs["A"].settings.loss.replace("_", " "))
        plots.title(acc_ax, "accuracy")
        panels = [("A", grid[3 if twin else 2])] + ([("B", grid[4])] if twin else [])
        for label, ax in panels:
            self._draw_data_panel(ax, runs[label], f"run {label}: " if twin else "")
        lasts = [("A", grid[2] if twin else grid[3])] + ([("B", grid[5])] if twin else [])
        for label, ax in lasts:
            self._draw_last_panel(ax, runs[label], "run " + label + ": " if twin else "")

    def _draw_last_panel(self, ax, run, prefix):
        """The panel the "last panel" menu picks: weight-gradient norms per layer over training, or what the
        units of the first or last hidden layer compute over the input plane (2-D data)."""
        panel = self.controls["panel"].value
        if panel == "gradients":
            plots.layer_series(ax, run.hist.layer_stats, "grad_norm", "‖dW‖ per layer (log scale)")
            plots.title(ax, prefix + "weight-gradient norms")
            return
        d, hidden = run.data, run.model.n_layers - 1
        if d["X"].shape[1] != 2 or hidden == 0:
            ax.set_axis_off()
            plots.message(ax, "hidden units are drawn for 2-D data with at least one hidden layer")
            return
        layer = 1 if panel == "first" else hidden
        _, H = planes.unit_grid(run.model, np.vstack([d["X"], d["X_val"]]), layer, resolution=UNIT_RESOLUTION)
        plots.hidden_units(ax, H, layer)
        if prefix:                                          # twin runs: narrower panels, shorter titles
            plots.title(ax, f"{prefix}layer {layer} units over the plane")

    def _draw_data_panel(self, ax, run, prefix):
        d = run.data
        if d["X"].shape[1] == 2:
            extent, P = planes.boundary_grid(run.model.predict_proba, np.vstack([d["X"], d["X_val"]]),
                                             resolution=BOUNDARY_RESOLUTION)
            units = " (standardised)" if run.settings.dataset == CUSTOM else ""
            plots.decision_boundary(ax, d["X"], d["y"], extent, P, d["X_val"], d["y_val"],
                                    xlabel="x₁" + units, ylabel="x₂" + units)
            plots.title(ax, prefix + "decision boundary" + ("" if prefix else " (colour = predicted class)"))
        else:
            cm = dk.metrics.confusion_matrix(d["y_val"], run.model.predict(d["X_val"]), n_classes=d["n_classes"])
            plots.confusion_matrix(ax, cm, heading=prefix + "validation confusion matrix")


def _fmt(v):
    return f"{v:g}" if isinstance(v, float) else str(v)
