"""Callbacks: hooks into ``fit`` for early stopping, live plots and a widget's Stop button.

A callback's ``on_train_begin(model, hist)`` runs before the first epoch, ``on_epoch_end(epoch, model, hist)``
after each (return True to stop training), ``on_train_end(model, hist)`` after the last. A callback with a
``take_changes()`` method (:class:`Adjust`) hands ``fit`` new settings for the next epoch of a running run. Module 07 introduces
early stopping.
"""
from __future__ import annotations

import math
import threading
import time

from .validation import check_number, check_probability

MONITORS = ("val_loss", "train_loss", "val_acc", "train_acc")


class Callback:
    """Hooks into ``fit``. Return True from ``on_epoch_end`` to stop training."""

    def on_train_begin(self, model, hist):
        pass

    def on_epoch_end(self, epoch, model, hist):
        return False

    def on_train_end(self, model, hist):
        pass


class FunctionCallback(Callback):
    """Wrap a plain function ``f(epoch, model, hist) -> stop?``."""

    def __init__(self, fn):
        self.fn = fn

    def on_epoch_end(self, epoch, model, hist):
        return bool(self.fn(epoch, model, hist))


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs; restore the best weights."""

    def __init__(self, monitor="val_loss", patience=10, min_delta=0.0, restore_best=True):
        if monitor not in MONITORS:
            raise ValueError(f"monitor must be one of 'val_loss', 'train_loss', 'val_acc', 'train_acc'; "
                             f"got {monitor!r}")
        self.monitor, self.restore_best = monitor, restore_best
        self.patience = check_number("patience", patience, positive=True, integer=True)
        self.min_delta = check_number("min_delta", min_delta, nonnegative=True)
        self.sign = -1.0 if monitor.endswith("acc") else 1.0        # accuracies improve upwards

    def on_train_begin(self, model, hist):
        self.best, self.best_epoch, self.best_state, self.wait = math.inf, None, None, 0

    def on_epoch_end(self, epoch, model, hist):
        values = getattr(hist, self.monitor)
        if not values:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, which this run does not record "
                             "(pass val=(X_val, y_val) to fit, or monitor 'train_loss')")
        value = self.sign * values[-1]
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_state = model.get_state()
        else:
            self.wait += 1
        hist.best_epoch = self.best_epoch
        return self.wait >= self.patience

    def on_train_end(self, model, hist):
        if self.restore_best and self.best_state is not None:
            model.set_state(self.best_state)


class LiveHook(Callback):
    """Call ``fn(epoch, model, hist)`` at most every ``min_interval`` seconds (and after the last epoch):
    the hook a live plot uses so drawing never slows training down."""

    def __init__(self, fn, min_interval=0.2):
        self.fn = fn
        self.min_interval = check_number("min_interval", min_interval, nonnegative=True)
        self.last = -math.inf

    def on_epoch_end(self, epoch, model, hist):
        now = time.perf_counter()
        if now - self.last >= self.min_interval:
            self.last = now
            return bool(self.fn(epoch, model, hist))
        return False

    def on_train_end(self, model, hist):
        self.fn(hist.epochs - 1, model, hist)


class Adjust(Callback):
    """Settings a running ``fit`` takes up at its next epoch, without a restart: what a lab's learning-rate,
    penalty or dropout slider does while a run trains.

        adjust = dk.Adjust()
        # in another thread, or in a callback:  adjust.set(lr=0.03, l2=1e-4)
        dk.fit(model, X, y, epochs=500, callbacks=[adjust])      # hist.changes says when each change applied

    ``set`` may be called from any thread; a later value of the same setting replaces one not yet applied.
    """

    SETTINGS = ("lr", "l1", "l2", "dropout", "clip_norm")

    def __init__(self):
        self._pending = {}
        self._lock = threading.Lock()

    def set(self, **changes):
        """Ask for new values (lr > 0; l1, l2, clip_norm >= 0; 0 <= dropout < 1) from the next epoch on."""
        for name, value in changes.items():
            if name not in self.SETTINGS:
                raise ValueError(f"Adjust can change {', '.join(self.SETTINGS)} while training runs; got {name!r}")
            if name == "dropout":
                changes[name] = check_probability(name, value)
            else:
                changes[name] = check_number(name, value, positive=name == "lr", nonnegative=name != "lr")
        with self._lock:
            self._pending.update(changes)

    def take_changes(self):
        """The changes asked for since the last call ({} if none); ``fit`` calls it after every epoch."""
        with self._lock:
            pending, self._pending = self._pending, {}
        return pending

