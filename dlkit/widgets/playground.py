"""Playground: a whole training run under your hands — data, network, optimizer — watched live.

    from dlkit.widgets import Playground
    Playground()                      # or Playground(data=(X, y)) with your own 2-D (or any-D) data

Train trains from the seeded initial weights until Stop (or for an epoch budget); the learning rate, L1, L2 and
dropout can be moved while it trains and apply from the next epoch (marked on the curves); any other change starts
the run again. Step runs one more epoch, exactly as Train would have; Reset forgets the runs. Twin mode trains a
run B that differs from run A in one control, side by side with it.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, fields, replace

import ipywidgets as W
import numpy as np

import dlkit as dk

from .. import optimizers
from ..torch_mirror import to_torch_code
from . import base, datasets
from .controls import (ACTIVATIONS, INITS, PENALTIES, UNTIL_STOP, checkbox, choice, column, epoch_budget,
                       float_slider, initializer, int_slider, log_slider, options_slider, powers_of_two, row,
                       speed_toggle)
from .datasets import DATASETS, DEFAULT_NOISE
from .live_runs import LiveRun, budget_for, train_together
from .math_view import math_html
from .playground_view import FIRST, GRADIENTS, LAST, PlaygroundView

CUSTOM = "your data"
WIDTHS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 128)
LRS = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
LOSSES = {"cross_entropy": "cross-entropy (softmax)", "binary_cross_entropy": "binary CE (sigmoid)"}
PANELS = [("hidden units: first layer", FIRST), ("hidden units: last layer", LAST),
          ("weight-gradient norms", GRADIENTS)]
# settings a running run takes up at its next epoch (marked on the curves)
LIVE_CONTROLS = ("lr", "l1", "l2", "dropout")
# a change of one of these makes a new run: the untrained network is shown again (a running run starts again)
RUN_CONTROLS = ("n_samples", "noise", "val_share", "seed", "hidden_layers", "width", "activation", "init",
                "batch_norm", "loss", "optimizer", "batch_size")
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
    epochs: int = UNTIL_STOP             # the epoch budget (UNTIL_STOP: train until Stop)
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


class Playground(base.Lab):
    """Train a classifier on 2-D (or digits, or your own) data and watch loss, accuracy, the decision boundary
    and what the hidden units compute change live, epoch by epoch."""

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
        self.view = PlaygroundView()
        self._wire()
        self._arrange()
        self.runs: dict[str, LiveRun] = {}
        self._data_cache = {}
        self._restart = False
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
        c["epochs"] = epoch_budget(s.epochs)
        c["l1"] = options_slider("L1", PENALTIES, s.l1)
        c["l2"] = options_slider("L2", PENALTIES, s.l2)
        c["speed"] = speed_toggle(speed)
        c["twin"] = checkbox("twin run B, differing in", False)
        c["twin_field"] = W.Dropdown(options=list(TWIN_CHOICES), value="lr", layout=W.Layout(width="130px"))
        c["twin_value"] = W.Dropdown(options=[], layout=W.Layout(width="150px"), description="B:",
                                     style={"description_width": "20px"})

    def _add_buttons(self):
        self.add_button("train", "Train", lambda: self.train(wait=False), "play", "success",
                        "train from the seeded initial weights until Stop (or the epoch budget)")
        self.add_button("step", "Step", lambda: self.step(wait=False), "step-forward", "", "one more epoch")
        self.add_stop_button("stop after this epoch")
        self.add_button("reset", "Reset", self.reset, "undo", "", "forget the runs; show the untrained network")
        self.add_button("export", "PyTorch code", self.export, "code", "info",
                        "the same model and training step in PyTorch")

    def _wire(self):
        """Controls -> handlers: live settings reach a running run; new data or settings show the untrained
        network (restarting a running run); the panel menu redraws."""
        c = self.controls
        self.upload.observe(self._on_upload, names="value")
        c["dataset"].observe(self._on_dataset, names="value")
        c["twin_field"].observe(lambda _: self._refresh_twin_values(), names="value")
        c["panel"].observe(self.redraw_when_idle, names="value")          # live frames show it
        self.observe(self._on_live_change, *LIVE_CONTROLS)
        self.observe(self._on_change, *RUN_CONTROLS)

    def _arrange(self):
        c, b = self.controls, self.buttons
        extras = W.Accordion(children=[self.math, self.code], titles=("the math", "PyTorch code"))
        extras.selected_index = None
        self.layout(
            row(column("data", c["dataset"], c["n_samples"], c["noise"], c["val_share"], c["seed"], self.upload),
                column("network", c["hidden_layers"], c["width"], c["activation"], c["init"],
                       c["batch_norm"], c["dropout"], c["loss"], c["panel"]),
                column("training", c["optimizer"], c["lr"], c["batch_size"], c["epochs"], c["l1"], c["l2"])),
            row(b["train"], b["step"], b["stop"], b["reset"], b["export"], c["speed"]),
            row(c["twin"], c["twin_field"], c["twin_value"]),
            extras, view=self.view.widget)

    # ---- settings and data -----------------------------------------------------------------------------
    def settings(self):
        """Run A's settings, read from the controls."""
        return Settings(**{f.name: self.controls[f.name].value for f in fields(Settings)})

    def twin_settings(self):
        """Run B's settings (None when twin mode is off)."""
        if not self.controls["twin"].value or self.controls["twin_value"].value is None:
            return None
        return replace(self.settings(), **{self.controls["twin_field"].value: self.controls["twin_value"].value})

    def run_settings(self, label):
        """The settings of run ``label`` ("A", "B") as the controls hold them now."""
        return self.settings() if label == "A" else self.twin_settings() or self.settings()

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

    def new_run(self, label, budget):
        """A fresh run for the controls' settings of ``label``, to train for ``budget`` epochs."""
        s = self.run_settings(label)
        data = self.data(s)

        def fit_settings():
            now = self.run_settings(label)
            return {"loss": s.loss, "optimizer": s.optimizer, "batch_size": s.batch_size, "seed": s.seed,
                    "lr": now.lr, "l1": now.l1, "l2": now.l2}

        return LiveRun(label, s, data, self.model(s, data), fit_settings,
                       dropout=lambda: self.run_settings(label).dropout, budget=budget, stats=True)

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

    def _on_live_change(self, change):
        """lr, L1, L2 or dropout moved: a running run takes it up at its next epoch."""
        if self._muted:
            return
        self._refresh_twin_values()
        self.math.value = math_html(self.settings(), self.data(self.settings()))
        if self.running:
            for run in self.runs.values():
                run.follow_controls()
            self.say(f"{change['owner'].description} → {change['new']:g}: applies from the next epoch")
        else:
            self._on_change(change)

    def _on_change(self, change):
        """Keep every control's options valid for the data, then show the untrained network (a running run
        starts again with the new settings)."""
        if self._muted:
            return
        s = self.settings()
        data = self.data(s)
        self._fit_options(data)
        self._refresh_twin_values()
        self.math.value = math_html(self.settings(), data)
        if self.running:
            self._restart = True
            self.stop()
            self.say("settings changed: training starts again with them")
            return
        self.runs.clear()
        self.preview = self.new_run("A", 0)
        self.say("untrained network shown — press Train")
        self.redraw()

    def _fit_options(self, data):
        """Batch sizes that fit the training set, and the losses its classes allow."""
        c = self.controls
        sizes = powers_of_two(len(data["X"]))
        with self.muted():
            if list(c["batch_size"].options) != sizes:
                old = c["batch_size"].value
                c["batch_size"].options = sizes
                c["batch_size"].value = min(sizes, key=lambda b: abs(b - old))
            losses = [(v, k) for k, v in LOSSES.items() if k == "cross_entropy" or data["n_classes"] == 2]
            if [v for _, v in losses] != [v for _, v in c["loss"].options]:
                c["loss"].options = losses
                c["loss"].value = "cross_entropy"

    def _refresh_twin_values(self):
        c = self.controls
        field = c["twin_field"].value
        options = TWIN_CHOICES[field] or tuple(c["batch_size"].options)
        a_value = c[field].value
        keep = c["twin_value"].value
        with self.muted():
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
        """Train run A (and B in twin mode) from the initial weights: until Stop when a button started it and
        the budget is "until Stop", else for the epoch budget (a script's "until Stop" is 200 epochs)."""
        return self.launch(lambda: self._train(step=False), wait)

    def step(self, wait=True):
        """One more epoch: the runs go on from where they stopped (``fit(resume=...)``), so a Step is exactly
        the epoch a longer Train would have run (optimizer state and shuffling included); a run whose settings
        changed since starts again with its first epoch."""
        return self.launch(lambda: self._train(step=True), wait)

    def _train(self, step):
        while True:
            self._restart = False
            runs = self._plan(step)
            train_together(self, list(runs.values()), "fast" if step else self.controls["speed"].value,
                           on_step=self._report)
            if not self._restart:
                break
            self._stop.clear()                       # settings changed mid-run: start again with them
            step = False

    def _plan(self, step):
        """The runs of a Train (fresh ones) or a Step (the same runs one epoch further, fresh where the
        settings changed)."""
        labels = ["A"] + (["B"] if self.twin_settings() is not None else [])
        previous, runs = dict(self.runs), {}
        for label in labels:
            old = previous.get(label)
            same = old is not None and _structure(old.settings) == _structure(self.run_settings(label))
            if step and same and not old.hist.diverged:
                old.budget = old.epochs + 1
                runs[label] = old
            else:
                budget = 1 if step else budget_for(self, self.controls["epochs"].value)
                runs[label] = self.new_run(label, budget)
        self.runs = runs                    # at once: a redraw on the kernel's thread never sees a half-made plan
        return runs

    def _report(self):
        self.say("\n".join(self._run_text(run, len(self.runs) > 1) for run in self.runs.values()),
                 error=any(run.hist.diverged for run in self.runs.values()))

    def _run_text(self, run, twin):
        h, s, n = run.hist, run.settings, len(run.data["X"])
        ipe = h.iterations_per_epoch or dk.data.num_batches(n, s.batch_size)
        budget = f"/{run.budget}" if run.budget else ""
        text = (f"{'run ' + run.label + ': ' if twin else ''}epoch {h.epochs}{budget} · iteration "
                f"{h.iterations[-1] if h.iterations else 0} · {ipe} iterations per epoch = ⌈{n} examples / batch "
                f"{s.batch_size}⌉ · {h.time[-1] if h.time else 0:.2f} s")
        if h.val_acc:
            text += f" · val accuracy {100 * h.val_acc[-1]:.1f}%"
        if h.diverged:
            lr = run.fit_settings()["lr"]
            text += (f" · DIVERGED in epoch {h.diverged_at[0] + 1} ({h.divergence}): lower the learning rate "
                     f"(now {lr:g}) and press Train")
        elif h.stopped_early:
            text += " · stopped"
        return text

    def reset(self):
        """Forget the runs and show the untrained network."""
        self.stop()
        self.wait()
        self._on_change(None)

    def export(self):
        """Fill the PyTorch panel with code that builds run A's network and its training step."""
        run = self.runs.get("A") or self.preview
        s = self.settings()
        code = to_torch_code(run.model, loss=s.loss, optimizer=s.optimizer, lr=s.lr)
        self.code.value = (f"# dlkit run A: {s.hidden_layers} hidden layers of {s.width} {s.activation} units, "
                           f"init {s.init}, trained with {s.optimizer} lr={s.lr:.3g}, batch {s.batch_size}\n"
                           "# the trained weights: lab.runs['A'].model.to_torch()\n\n" + code)
        return self.code.value

    # ---- drawing -------------------------------------------------------------------------------------------
    def draw(self):
        self.view.show(dict(self.runs) or {"A": self.preview}, self.controls["panel"].value)


def _structure(s):
    """The settings a run cannot change once it trains (everything but lr, L1, L2, dropout and the budget)."""
    return replace(s, lr=0.0, l1=0.0, l2=0.0, dropout=0.0, epochs=UNTIL_STOP)


def _fmt(v):
    return f"{v:g}" if isinstance(v, float) else str(v)
