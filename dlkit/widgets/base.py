"""What every lab shares: controls -> one picture -> a status line, and a trainer in a background thread.

Three layers: the engine computes (``dlkit.fit``, ``dlkit.surfaces``, ``dlkit.diagnosis``), ``dlkit.plots`` draws
on an ``ax``, and a lab only wires controls to them.

Live updates: a click starts training in a background thread, so the kernel stays free to receive the Stop
click, and a :class:`dlkit.training.LiveHook` renders the picture (an ``ipywidgets.Image`` holding a PNG) a few
times a second. The click is answered at once with the last picture faded; the first real frame is drawn as
soon as the first epoch ends (before a "watch" run's pacing wait): 0.1-0.2 s after the click on an idle 2-core
machine. A frame redraws on the previous frame's axes and reuses its solved layout and its rasterised text
(:func:`dlkit.plots.new_figure`), which together more than halve its cost.
Every lab also has a synchronous method (``train(wait=True)`` or ``run()``) for scripts, tests and notebook
cells, which must finish before the next cell runs; notebook cells never leave a thread running.
"""
from __future__ import annotations

import html
import threading
import time
import warnings
from contextlib import contextmanager

import ipywidgets as W
import numpy as np

import dlkit as dk

from .. import plots
from ..kernels.host import single_threaded_blas
from ..training import DivergenceWarning, LiveHook

FRAME_INTERVAL = 0.2          # seconds between live frames at least; more when frames are slow to draw
WATCH_SECONDS = 4.0           # "watch" speed stretches a button's run to about this long, so it can be followed
SPEEDS = {"watch": WATCH_SECONDS, "fast": 0.0}

# Divergence is part of what the labs teach: they show it as a marked point and a message, so fit's warning
# (attributed by fit to its caller, a module of this package) would only repeat it as stray stderr output.
warnings.filterwarnings("ignore", category=DivergenceWarning, module=r"dlkit\.widgets\.")

DATASETS = ("spirals", "moons", "circles", "xor", "blobs", "digits")
DEFAULT_NOISE = {"spirals": 0.1, "moons": 0.15, "circles": 0.05, "xor": 0.1, "blobs": 0.5, "digits": 0.0}
INITS = ("auto", "xavier_uniform", "xavier_normal", "he_normal", "he_uniform", "lecun_normal", "normal(0.01)",
         "zeros")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "elu", "gelu", "linear")
PENALTIES = (0.0, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)


def load_dataset(name, n_samples=600, noise=0.1, seed=0):
    """X (N, D) float64 and labels y (N,) for a dataset name; digits pixels are scaled to [0, 1]."""
    if name == "digits":
        X, y = dk.data.digits()
        return X / dk.data.PIXEL_MAX, y
    make = {"spirals": dk.data.spirals, "moons": dk.data.moons, "circles": dk.data.circles, "xor": dk.data.xor,
            "blobs": dk.data.blobs}[name]
    return make(n_samples=n_samples, noise=noise, seed=seed)


def initializer(name):
    """An init name from the INITS menu -> what MLP(init=...) takes."""
    return dk.init.normal(std=0.01) if name == "normal(0.01)" else name


def probabilities(model, X):
    """Class probabilities (N, C) of a classifier: softmax of its logits, or sigmoid of a single logit."""
    out = model.forward(X).astype(np.float64)
    if out.shape[1] == 1:
        p = dk.activations.sigmoid(out[:, 0])
        return np.column_stack([1 - p, p])
    with np.errstate(invalid="ignore", over="ignore"):
        return dk.losses.softmax(out)


def powers_of_two(n, include_n=True):
    """1, 2, 4, ... up to n, and n itself (full-batch) when it is not a power of two."""
    sizes = [2 ** k for k in range(int(np.log2(max(n, 1))) + 1)]
    if include_n and sizes[-1] != n:
        sizes.append(int(n))
    return sizes


# ---------------------------------------------------------------- controls (every one offers valid values only)

_STYLE = {"description_width": "130px"}
_WIDTH = "320px"


def _kw(description, **extra):
    return dict(description=description, style=_STYLE, layout=W.Layout(width=_WIDTH), **extra)


def int_slider(description, value, low, high, step=1):
    return W.IntSlider(value=value, min=low, max=high, step=step, continuous_update=False, **_kw(description))


def float_slider(description, value, low, high, step):
    return W.FloatSlider(value=value, min=low, max=high, step=step, continuous_update=False,
                         readout_format=".2f", **_kw(description))


def log_slider(description, value, low, high, step=0.25):
    """A slider over powers of ten (lr 1e-4 ... 10)."""
    return W.FloatLogSlider(value=value, base=10, min=np.log10(low), max=np.log10(high), step=step,
                            continuous_update=False, readout_format=".2g", **_kw(description))


def options_slider(description, options, value):
    """A slider over a fixed list of values (batch sizes, penalties, widths)."""
    options = list(options)
    if value not in options:
        value = min(options, key=lambda o: abs(o - value))
    return W.SelectionSlider(options=options, value=value, continuous_update=False, **_kw(description))


def choice(description, options, value=None):
    """A menu of names, or of (label, value) pairs; the first is chosen unless ``value`` says otherwise."""
    options = list(options)
    if value is None:
        value = options[0][1] if isinstance(options[0], tuple) else options[0]
    return W.Dropdown(options=options, value=value, **_kw(description))


def checkbox(description, value=False):
    return W.Checkbox(value=value, indent=False, description=description, layout=W.Layout(width=_WIDTH))


def speed_toggle(value="watch"):
    if value not in SPEEDS:
        raise ValueError(f"speed must be one of {', '.join(map(repr, SPEEDS))}, got {value!r}")
    return W.ToggleButtons(options=list(SPEEDS), value=value, style={"button_width": "60px"},
                           tooltips=[f"stretch a run to about {WATCH_SECONDS:g} s so you can follow it",
                                     "as fast as the machine trains"])


def button(description, icon="", style="", tooltip=""):
    return W.Button(description=description, icon=icon, button_style=style, tooltip=tooltip,
                    layout=W.Layout(width="auto"))


def column(title, *children):
    return W.VBox([W.HTML(f"<b>{html.escape(title)}</b>"), *children], layout=W.Layout(margin="0 12px 0 0"))


# ---------------------------------------------------------------- the lab

class Lab:
    """Base of the labs. Subclasses fill ``controls`` and ``buttons``, build ``ui`` with :meth:`layout` and
    implement ``draw(fig)``; training jobs go through :meth:`launch`."""

    figsize = (10.0, 4.0)
    dpi = 90
    name = "lab"
    busy_text = "training…"

    def __init__(self):
        self.controls: dict[str, W.ValueWidget] = {}
        self.buttons: dict[str, W.Button] = {}
        self.figure = plots.new_figure(*self.figsize, dpi=self.dpi)
        width = int(self.figsize[0] * self.dpi)
        self.image = W.Image(format="png", width=width, layout=W.Layout(max_width="100%", height="auto"))
        self.image.add_class("dlkit-picture")
        self.status = W.HTML()
        self.status.add_class("dlkit-status")
        self.frames = 0                      # pictures rendered so far (tests and the browser check it grows)
        self.error = None                    # the exception a background job ended with, if any
        self.ui = None
        self._draw_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self._background = False             # the running job was started by a button
        self._muted = False
        self._grid = None                    # (grid key, axes) of the last frame
        self._layouts = {}                   # (grid key, layout signature) -> solved axes positions
        self.draw_seconds = 0.0              # how long the last frame took to draw
        single_threaded_blas()               # finds the BLAS libraries now (~50 ms once), not on the first click

    # ---- showing -------------------------------------------------------------------------------------
    def layout(self, *rows):
        """The lab's widget: rows of controls, then the status line and the picture."""
        self.ui = W.VBox([*rows, self.status, self.image], layout=W.Layout(width="100%"))
        self.ui.add_class("dlkit-lab")
        self.ui.add_class(f"dlkit-{self.name}")
        return self.ui

    def _repr_mimebundle_(self, **kwargs):
        return self.ui._repr_mimebundle_(**kwargs)

    def draw(self, fig):
        raise NotImplementedError

    def subplots(self, fig, nrows=1, ncols=1, **kwargs):
        """``fig.subplots`` for ``draw``: the previous frame's axes, wiped, when it had the same grid (a live
        frame then costs about half as much); axes added on top of the grid (colorbars, twins) are removed."""
        key = (nrows, ncols, repr(sorted(kwargs.items())))
        if self._grid is not None and self._grid[0] == key:
            axes = self._grid[1]
            grid = list(np.ravel(axes))
            for ax in fig.axes:
                if not any(ax is g for g in grid):
                    ax.remove()
            for ax in grid:
                plots.wipe(ax)
            return axes
        fig.clear()
        axes = fig.subplots(nrows, ncols, **kwargs)
        self._grid = (key, axes)
        return axes

    def redraw(self):
        """Draw the current state on the figure and show it (thread-safe)."""
        with self._draw_lock:
            started = time.perf_counter()
            self.draw(self.figure)
            key = (self._grid and self._grid[0], plots.layout_signature(self.figure))
            self._layouts[key] = plots.freeze_layout(self.figure, self._layouts.get(key))
            self.image.value = plots.to_png(self.figure)
            self.frames += 1
            self.draw_seconds = time.perf_counter() - started

    @contextmanager
    def muted(self):
        """Control changes the lab makes itself (fixing options) inside this block trigger no redraw: the
        handlers check ``self._muted``."""
        self._muted, saved = True, self._muted
        try:
            yield
        finally:
            self._muted = saved

    def say(self, text, error=False):
        """Set the status line (plain text, escaped; errors in vermillion)."""
        color = plots.ALERT if error else "inherit"
        self.status.value = f"<span style='color:{color}'>{html.escape(text)}</span>"

    # ---- running jobs --------------------------------------------------------------------------------
    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def launch(self, job, wait):
        """Run ``job()`` now (wait=True) or in a background thread (wait=False, what buttons do); one job at a
        time. Returns False if a job is already running."""
        if self.running:
            self.say("already running — press Stop first")
            return False
        self._stop.clear()
        self.error = None
        self._background = not wait
        self._set_busy(True)
        if wait:
            self._run(job)
        else:
            if self.image.value:
                # answer the click at once (~10 ms) with the last picture faded; the first real frame follows the
                # first epoch (made first: a job thread holding the GIL in compiled code would delay it)
                self.image.value = plots.busy_png(self.image.value, self.busy_text)
            self._thread = threading.Thread(target=self._run, args=(job,), daemon=True, name=f"dlkit-{self.name}")
            self._thread.start()
        return True

    def _run(self, job):
        try:
            # the labs' matrices are small: a second BLAS thread would only spin against the drawing (the
            # statistics and first frame of GradientFlowLab took 3x longer on a busy 2-core machine)
            with single_threaded_blas():
                job()
        except Exception as exc:  # noqa: BLE001 — shown in the lab: a background thread has no traceback cell
            self.error = exc
            self.say(f"{type(exc).__name__}: {exc}", error=True)
        finally:
            self._set_busy(False)

    def stop(self):
        """Ask the running job to stop after the current epoch (or step)."""
        self._stop.set()

    def wait(self, timeout=60.0):
        """Block until the background job has finished; True if it did within ``timeout`` seconds."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    @property
    def stopping(self):
        return self._stop.is_set()

    def _set_busy(self, busy):
        for name, b in self.buttons.items():
            b.disabled = (name != "stop") == busy

    def callbacks(self, on_frame, epochs=1, speed="fast"):
        """fit callbacks: draw live frames with ``on_frame(epoch, model, hist)`` (None: no live frames), stop on
        request, and pace the run for watching. Pacing applies to background runs only (the buttons'): a script,
        a test or a notebook cell wants the result. A frame is drawn before the pacing wait of its epoch, so the
        first one follows the first epoch at once and its drawing time is taken out of the wait."""
        seconds = SPEEDS[speed] if self._background else 0.0
        start = time.perf_counter()

        def stop_requested(epoch, model, hist):
            if seconds:
                # "watch": epoch e should end no earlier than (e + 1) / epochs of the run's duration
                self._stop.wait(max(0.0, start + seconds * (epoch + 1) / epochs - time.perf_counter()))
            return self._stop.is_set()

        hook = LiveHook(None, min_interval=FRAME_INTERVAL)
        # LiveHook counts from the start of a frame. Between the end of one frame and the next, a paced run
        # trains for at least as long as a frame takes to draw (it catches up with its schedule there), a fast
        # run for twice as long: drawing never takes more than half (a third) of the time.
        share = 1.0 if seconds else 2.0

        def frame(epoch, model, hist):
            began = time.perf_counter()
            on_frame(epoch, model, hist)
            took = time.perf_counter() - began
            hook.min_interval = took + share * max(FRAME_INTERVAL, took)

        hook.fn = frame
        return [stop_requested] if on_frame is None else [hook, stop_requested]
