"""What every lab shares: controls -> live charts -> a status line, and a trainer in a background thread.

Three layers: the engine and the instruments compute (``dlkit.fit``, ``dlkit.planes``, ``dlkit.surfaces``,
``dlkit.diagnosis``), ``dlkit.live`` draws in the browser what it is handed, and a lab only wires controls to them.
The controls are made in :mod:`dlkit.widgets.controls`, the data in :mod:`dlkit.widgets.datasets`, runs that
train while they are watched in :mod:`dlkit.widgets.live_runs`.

Live updates: a click starts a job in a background thread, so the kernel stays free for the Stop click and for
controls moved while it trains. A frame sends only data (new points, a small raster, per-layer numbers) to the
browser's charts, at most once per FRAME_INTERVAL, and only once the page has shown the frame before
(:class:`PageEcho`): a page slower than the training gets fewer frames, never a queue of old ones. Every lab
also has a synchronous method (``train(wait=True)`` or ``run()``) for scripts, tests and notebook cells, which
finishes before the next cell runs.
"""
from __future__ import annotations

import html
import re
import threading
import time
import warnings
from contextlib import contextmanager

import ipywidgets as W
import numpy as np
import traitlets

from ..backend import get_backend, single_threaded_blas
from ..model import MLP
from ..plots.palette import ALERT
from ..training import DivergenceWarning, fit
from .controls import button

FRAME_INTERVAL = 1 / 30       # seconds between live frames at least: the browser redraws at display rate
PAGE_WAIT = 0.5               # seconds a frame waits at most for the page to show the one before (a closed tab)
# frames the kernel may send beyond the one the page last showed: with 1, the kernel computes the next frame while
# the page draws this one (Chromium, all seven labs on the page: Playground 7.5-7.6 -> 8.4-9.9 fps against 0)
FRAMES_AHEAD = 1
TAGS = re.compile(r"<[^>]+>")

# Divergence is part of what the labs teach: they show it as a marked point and a message, so fit's warning
# (attributed by fit to its caller, a module of this package) would only repeat it as stray stderr output.
warnings.filterwarnings("ignore", category=DivergenceWarning, module=r"dlkit\.widgets\.")


_PRELOADED = set()


class FrameNumber(W.IntText):
    """A frame's number as a widget that is never displayed; the page's copy is not echoed back to it."""

    value = traitlets.CInt(0).tag(sync=True, echo_update=False)


class PageEcho:
    """Which frame the page has shown: the kernel numbers each frame after its last message (:meth:`sent`), and
    the page copies the number back (``jsdlink``, a link inside the page that saves its target to the kernel)
    when it has handled that message, so after every message of the frame before it.

    Measured in headless Chromium on the 2-core box: the Playground's kernel sent 25 frames a second, the page
    drew 7, and went on drawing old epochs for 1.5 s (99 epochs) after Stop. With :meth:`ready` gating each
    frame, a slow page gets fewer, current frames. Without a page (a script, nbval, the bench) nothing ever comes
    back and frames are never held; a page that stops answering (a closed tab) holds a frame PAGE_WAIT at most.
    """

    def __init__(self):
        self.sent_number, self.shown_number = FrameNumber(), FrameNumber()
        self.link = W.jsdlink((self.sent_number, "value"), (self.shown_number, "value"))
        self._sent_at = -float("inf")

    def sent(self, frame):
        """The frame numbered ``frame`` has been sent (call after its last message)."""
        self._sent_at = time.perf_counter()
        self.sent_number.value = frame

    @property
    def answering(self):
        """Whether a page has ever shown a frame (else nobody is watching: frames are never held)."""
        return self.shown_number.value > 0

    def ready(self):
        """True when the next frame may go: the page has shown the last one but FRAMES_AHEAD, or never
        answered, or took longer than PAGE_WAIT."""
        return (not self.answering or self.shown_number.value >= self.sent_number.value - FRAMES_AHEAD
                or time.perf_counter() - self._sent_at >= PAGE_WAIT)


def preload_training(dtype="float32"):
    """Load the cpu backend's compiled training step for ``dtype`` now, once per process: from the disk cache
    it takes ~40 ms (35 of the 45 ms from a kernel's first Train to its first frame, measured headless), so a
    lab built in a cell pays it there instead of after the click. One step of a 2 -> 2 net: the step is
    compiled per array type, not per net."""
    key = np.dtype(dtype).str
    if get_backend() != "cpu" or key in _PRELOADED:
        return
    _PRELOADED.add(key)
    fit(MLP([2, 2], dtype=dtype, seed=0), np.zeros((2, 2), dtype), np.array([0, 1]), epochs=1, batch_size=2,
        verbose=False)


class Lab:
    """Base of the labs. Subclasses fill ``controls`` and ``buttons``, build ``ui`` with :meth:`layout` around
    their live charts and implement ``draw()`` (hand the charts the current state); jobs go through
    :meth:`launch`."""

    name = "lab"
    busy_text = "training…"

    def __init__(self):
        self.controls: dict[str, W.ValueWidget] = {}
        self.buttons: dict[str, W.Button] = {}
        self.status = W.HTML()
        self.status.add_class("dlkit-status")
        self.frames = 0                      # frames sent so far (tests and the browser check it grows)
        self.draw_seconds = 0.0              # the kernel's time for the last frame
        self.error = None                    # the exception a background job ended with, if any
        self.ui = None
        self._draw_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self._background = False             # the running job was started by a button
        self._muted = False
        self.page = PageEcho()
        single_threaded_blas()               # finds the BLAS libraries now (once per process), not on a click
        preload_training()                   # and loads the compiled training step now, not on the first Train

    # ---- showing -------------------------------------------------------------------------------------
    def layout(self, *rows, view):
        """The lab's widget: rows of controls, the status line, then ``view`` (the live charts)."""
        self.ui = W.VBox([*rows, self.status, view], layout=W.Layout(width="100%"))
        self.ui.add_class("dlkit-lab")
        self.ui.add_class(f"dlkit-{self.name}")
        return self.ui

    def _repr_mimebundle_(self, **kwargs):
        return self.ui._repr_mimebundle_(**kwargs)

    def draw(self):
        raise NotImplementedError

    def redraw(self):
        """Hand the charts the current state (thread-safe): one frame."""
        with self._draw_lock:
            started = time.perf_counter()
            self.draw()
            self.frames += 1
            self.draw_seconds = time.perf_counter() - started
            # only a background job's frames are numbered: an idle redraw is never held, and while a cell's
            # synchronous job runs the kernel's thread cannot hear the page's answer
            if self.running:
                self.page.sent(self.frames)

    def frame_due(self, last_frame):
        """Whether a running job should draw a frame now: FRAME_INTERVAL after the last one (``last_frame``, a
        perf_counter time) and once the page has shown it."""
        return time.perf_counter() - last_frame >= FRAME_INTERVAL and self.page.ready()

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
        """A display-only control changed: redraw now, unless a job runs (its next frame, within
        FRAME_INTERVAL, shows it)."""
        if not self.running:
            self.redraw()

    @contextmanager
    def muted(self):
        """Control changes the lab makes itself (fixing options) inside this block trigger no handler: the
        handlers check ``self._muted``."""
        self._muted, saved = True, self._muted
        try:
            yield
        finally:
            self._muted = saved

    def say(self, text, error=False):
        """Set the status line (plain text, escaped, a line per "\\n"; errors in vermillion)."""
        color = ALERT if error else "inherit"
        value = f"<span style='color:{color}'>{html.escape(text).replace(chr(10), '<br>')}</span>"
        if self.status.value != value:
            self.status.value = value

    @property
    def status_text(self):
        """The status line as plain text (what ``print`` should show)."""
        return html.unescape(TAGS.sub("", self.status.value.replace("<br>", "\n")))

    # ---- running jobs --------------------------------------------------------------------------------
    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    @property
    def watching(self):
        """Whether the running job was started by a button (so a person watches it: it may be paced and may
        run until Stop) rather than by a script or a notebook cell (which wants the result)."""
        return self._background

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
            self.say(self.busy_text)
            self._thread = threading.Thread(target=self._run, args=(job,), daemon=True, name=f"dlkit-{self.name}")
            self._thread.start()
        return True

    def _run(self, job):
        try:
            # the labs' matrices are small: a second BLAS thread would only spin against the kernel's other work
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

    def stop_requested(self, epoch=None, model=None, hist=None):
        """A fit callback: True (stop after this epoch) once Stop was pressed."""
        return self._stop.is_set()

    def pause(self, seconds):
        """Wait up to ``seconds`` (pacing a watched run); returns early when Stop is pressed."""
        if seconds > 0:
            self._stop.wait(seconds)

    def _set_busy(self, busy):
        for name, b in self.buttons.items():
            b.disabled = (name != "stop") == busy
