"""What every lab shares: controls -> one picture -> a status line, and a trainer in a background thread.

Three layers: the engine and the instruments compute (``dlkit.fit``, ``dlkit.surfaces``, ``dlkit.planes``,
``dlkit.diagnosis``), ``dlkit.plots`` draws on an ``ax``, and a lab only wires controls to them. The controls are
made in :mod:`dlkit.widgets.controls`, the data in :mod:`dlkit.widgets.datasets`.

Live updates: a click starts training in a background thread, so the kernel stays free to receive the Stop
click, and a :class:`dlkit.training.LiveHook` renders the picture (an ``ipywidgets.Image`` holding a PNG) a few
times a second. The click is answered at once with the last picture faded; the first real frame is drawn as
soon as the first epoch ends (before a "watch" run's pacing wait). A frame redraws on the previous frame's axes
and reuses its solved layout and its rasterised text (:mod:`dlkit.plots.frames`), which together more than
halve its cost (docs/performance.md).
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

from .. import plots
from ..backend import single_threaded_blas
from ..training import DivergenceWarning, LiveHook
from .controls import SPEEDS, button

FRAME_INTERVAL = 0.2          # seconds between live frames at least; more when frames are slow to draw

# Divergence is part of what the labs teach: they show it as a marked point and a message, so fit's warning
# (attributed by fit to its caller, a module of this package) would only repeat it as stray stderr output.
warnings.filterwarnings("ignore", category=DivergenceWarning, module=r"dlkit\.widgets\.")


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
        single_threaded_blas()               # finds the BLAS libraries now (once per process), not on a click

    # ---- showing -------------------------------------------------------------------------------------
    def layout(self, *rows):
        """The lab's widget: rows of controls, then the status line and the picture."""
        self.ui = W.VBox([*rows, self.status, self.image], layout=W.Layout(width="100%"))
        self.ui.add_class("dlkit-lab")
        self.ui.add_class(f"dlkit-{self.name}")
        return self.ui

    def _repr_mimebundle_(self, **kwargs):
        return self.ui._repr_mimebundle_(**kwargs)

    # ---- wiring ----------------------------------------------------------------------------------------
    def add_button(self, key, description, action, icon="", style="", tooltip=""):
        """A button under ``buttons[key]`` that calls ``action()`` when clicked (Stop stays enabled only while
        a job runs: see :meth:`launch`)."""
        self.buttons[key] = button(description, icon, style, tooltip)
        self.buttons[key].on_click(lambda _: action())
        return self.buttons[key]

    def add_stop_button(self, tooltip=""):
        """The Stop button: asks the running job to stop (:meth:`stop`)."""
        return self.add_button("stop", "Stop", self.stop, "stop", "danger", tooltip)

    def observe(self, handler, *keys):
        """Call ``handler(change)`` whenever one of the controls ``keys`` changes value."""
        for key in keys:
            self.controls[key].observe(handler, names="value")

    def redraw_when_idle(self, _change=None):
        """A display-only control changed: redraw now, unless a job runs (its next live frame shows it)."""
        if not self.running:
            self.redraw()

    def draw(self, fig):
        raise NotImplementedError

    def subplots(self, fig, nrows=1, ncols=1, **kwargs):
        """``fig.subplots`` for ``draw``: the previous frame's axes, wiped, when it had the same grid (a live
        frame then costs much less); axes added on top of the grid (colorbars, twins) are removed."""
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
                # answer the click at once with the last picture faded; the first real frame follows the first
                # epoch (made first: a job thread holding the GIL in compiled code would delay it)
                self.image.value = plots.busy_png(self.image.value, self.busy_text)
            self._thread = threading.Thread(target=self._run, args=(job,), daemon=True, name=f"dlkit-{self.name}")
            self._thread.start()
        return True

    def _run(self, job):
        try:
            # the labs' matrices are small: a second BLAS thread would only spin against the drawing (and slow
            # GradientFlowLab's statistics and first frame down several times on a busy 2-core machine)
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
