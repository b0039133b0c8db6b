"""Training: ``fit`` runs mini-batch gradient descent and returns a :class:`History`.

Read ``fit`` top to bottom: check and pack the inputs -> for each epoch: shuffle (seeded, identical on every
backend) -> the backend's fused steps (forward, loss, backward, clip, update) -> evaluate train and val -> record
-> callbacks. Per-layer statistics are gathered by an observer (:class:`LayerStats`), not by the model.
"""
from __future__ import annotations

import math
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import losses, optimizers
from . import packing as pk
from .backend import get_backend, kernels
from .callbacks import Adjust, Callback, EarlyStopping, FunctionCallback, LiveHook
from .data import num_batches
from .data.batches import epoch_order
from .layer_stats import LayerStats
from .validation import check_number, check_seed

__all__ = ["fit", "History", "DivergenceWarning", "Adjust", "Callback", "FunctionCallback", "EarlyStopping", "LiveHook",
           "LayerStats"]

PROGRESS_AFTER_S = 3.0      # verbose="auto" prints progress for runs longer than this ...
PROGRESS_EVERY_S = 1.0      # ... at most once per this many seconds
# a loss that grows this many times above where it started (and above ln C, chance for C classes) has diverged,
# even while it stays finite (lr=1e6 keeps a cross-entropy near 1e6 for ever)
EXPLOSION_FACTOR = 100.0
NON_FINITE, EXPLODED = "the loss became NaN or infinite", "the loss exploded"


class DivergenceWarning(RuntimeWarning):
    """The loss became NaN or infinite, or exploded far above where it started, and training stopped."""


@dataclass
class History:
    """What a training run produced. Per-epoch lists have one entry per completed epoch."""

    train_loss: list = field(default_factory=list)      # mean mini-batch loss of the epoch (or eval pass, see fit)
    val_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)       # classification losses only
    val_acc: list = field(default_factory=list)
    iterations: list = field(default_factory=list)      # optimizer steps taken by the end of each epoch
    time: list = field(default_factory=list)            # wall seconds since the start, at each epoch's end
    step_loss_chunks: list = field(default_factory=list)
    layer_stats: list = field(default_factory=list)     # dicts from LayerStats, in the order recorded
    diverged: bool = False
    diverged_at: tuple | None = None                    # (epoch, iteration) where the loss blew up
    divergence: str = ""                                # why: NON_FINITE or EXPLODED
    initial_loss: float | None = None                   # the first mini-batch loss, before any update
    changes: list = field(default_factory=list)         # settings changed mid-run: {"epoch", "name", "old", "new"}
    stopped_early: bool = False
    best_epoch: int | None = None                       # set by EarlyStopping
    iterations_per_epoch: int = 0
    batch_size: int = 0
    backend: str = ""
    # what ``fit(..., resume=hist)`` needs to go on exactly where this run stopped (set by fit)
    checkpoint: dict | None = field(default=None, repr=False, compare=False)

    @property
    def epochs(self):
        return len(self.train_loss)

    @property
    def step_loss(self):
        """Mini-batch loss of every optimizer step (training mode), as one array (iterations,)."""
        if not self.step_loss_chunks:
            return np.zeros(0)
        return np.concatenate(self.step_loss_chunks)

    @property
    def metrics(self):
        return {"train_loss": self.train_loss, "val_loss": self.val_loss, "train_acc": self.train_acc,
                "val_acc": self.val_acc}

    def __repr__(self):
        last = f", train_loss={self.train_loss[-1]:.4g}" if self.train_loss else ""
        val = f", val_loss={self.val_loss[-1]:.4g}" if self.val_loss else ""
        return (f"History(epochs={self.epochs}, iterations={self.iterations[-1] if self.iterations else 0}"
                f"{last}{val}, diverged={self.diverged})")


def fit(model, X, y, loss="cross_entropy", optimizer="sgd", lr=0.1, epochs=100, batch_size=32, val=None,
        seed=0, callbacks=(), l1=0.0, l2=0.0, clip_norm=0.0, stats=None, eval_train=False, freeze=(),
        verbose="auto", resume=None, **optimizer_options):
    """Train ``model`` in place with mini-batch gradient descent; returns a :class:`History`.

    X (N, D0); y (N,) int labels for classification losses, floats (N,) or (N, C) for regression.
    batch_size=1 is SGD, batch_size=N full-batch GD; one epoch is ceil(N / batch_size) iterations.
    val=(X_val, y_val) evaluates each epoch. l1/l2 penalise the weights, clip_norm clips the global gradient
    norm (0 = off). stats=True (or a :class:`LayerStats`) records per-layer statistics. ``optimizer_options``
    go to the optimizer (momentum=0.9, beta1=..., ...).

    ``hist.train_loss``/``train_acc`` are the epoch's mean mini-batch loss and accuracy, measured while the
    weights moved (what Keras and most frameworks report; free). ``eval_train=True`` instead evaluates the whole
    training set at each epoch's end in evaluation mode, exactly as ``val`` is (fairer with dropout or batch
    norm, and costs one forward pass over the training set per epoch).

    ``freeze`` lists layers (1-based numbers) or parameter names ("W1", "b1", ...) that stay fixed: transfer
    learning fine-tunes the rest.

    ``resume=hist`` goes on from where the run that returned ``hist`` stopped, for ``epochs`` more epochs: same
    optimizer state (momentum, Adam's moments and step count), epoch numbering, shuffles and dropout masks, and
    the new epochs are appended to ``hist`` (which is returned). With the same settings, ``fit(epochs=10)`` then
    ``fit(epochs=5, resume=hist)`` ends with exactly the weights of ``fit(epochs=15)``. Other settings (lr, L2,
    callbacks) may change between the parts; the optimizer may not.
    """
    # ---- check everything before any kernel runs; pack the run for the kernels
    plan = _plan(model, X, y, loss, optimizer, lr, epochs, batch_size, val, seed, callbacks, l1, l2, clip_norm,
                 stats, eval_train, freeze, resume, optimizer_options)
    backend = kernels()                     # a missing GPU is reported here, before anything has changed
    hist, first, elapsed = _history(plan, resume)
    if resume is not None:                  # settings that differ from the part before are changes, as Adjust's
        _record_changes(hist, first, resume.checkpoint.get("settings", {}), _settings(plan.hyper))
    dev = backend.Run(model, plan.X, plan.T, plan.state, plan.hyper, plan.iconf)

    for cb in plan.callbacks:
        cb.on_train_begin(model, hist)
    start = time.perf_counter() - elapsed
    progress = _Progress(verbose, first + plan.epochs)
    ceiling = math.inf
    for epoch in range(first, first + plan.epochs):
        # ---- the epoch's steps: forward, loss, backward, clip, update (fused in the backend)
        order = epoch_order(len(plan.X), plan.seed, epoch)
        record = np.zeros((plan.steps_per_epoch, pk.N_RECORD))            # (loss, accuracy) per step
        done = _run_epoch(dev, order, record, plan, model, hist)
        hist.step_loss_chunks.append(record[:done, pk.RECORD_LOSS])
        if hist.initial_loss is None and done:
            hist.initial_loss = float(record[0, pk.RECORD_LOSS])
        if ceiling == math.inf and hist.initial_loss is not None:
            ceiling = EXPLOSION_FACTOR * _loss_scale(plan, model, hist.initial_loss)
        if done < plan.steps_per_epoch:
            _diverged(hist, epoch, int(plan.iconf[pk.STEP]) + 1, record[done, pk.RECORD_LOSS], plan.opt.lr)
            break
        # ---- evaluate and record
        dev.sync_model()
        train_loss = _record_epoch(plan, model, record, hist, int(dev.iconf[pk.STEP]), start)
        if not np.isfinite(train_loss) or (plan.val is not None and not np.isfinite(hist.val_loss[-1])):
            _diverged(hist, epoch, int(dev.iconf[pk.STEP]), train_loss, plan.opt.lr)
            break
        if train_loss > ceiling:
            steps_before = int(dev.iconf[pk.STEP]) - done
            first = int(np.argmax(record[:done, pk.RECORD_LOSS] > ceiling)) + 1
            _diverged(hist, epoch, steps_before + first, train_loss, plan.opt.lr, ceiling / EXPLOSION_FACTOR)
            break
        progress.update(epoch, hist)
        # ---- callbacks (early stopping, live plots, a widget's Stop button, settings changed mid-run)
        stop = [cb.on_epoch_end(epoch, model, hist) for cb in plan.callbacks]
        if plan.callbacks:
            dev.load_model()                                               # a callback may have changed the model
            dev = _apply_changes(plan, model, dev, hist, epoch + 1) or dev
        if any(stop):
            hist.stopped_early = True
            break

    # ---- bring the weights home; keep what resume= needs
    dev.sync_model()
    hist.checkpoint = None if hist.diverged else {"state": dev.state_host()[:pk.N_MOMENTS],
                                                  "step": int(dev.iconf[pk.STEP]), "optimizer": plan.opt.name,
                                                  "n_params": model.n_params, "settings": _settings(plan.hyper)}
    for cb in plan.callbacks:
        cb.on_train_end(model, hist)
    progress.close(hist)
    return hist


@dataclass
class _Plan:
    """What ``fit`` checked, packed the way the kernels read it: the data as X (N, D0) and targets T (N, Ct),
    the optimizer, the counts, and the kernels' vectors (``state``, ``hyper``, ``iconf``, see dlkit.packing)."""

    X: np.ndarray
    T: np.ndarray
    loss_id: int
    val: tuple | None                  # (X_val, T_val) or None
    opt: optimizers.Optimizer
    epochs: int
    batch_size: int
    seed: int
    observer: LayerStats | None
    callbacks: list
    eval_train: bool
    state: np.ndarray
    hyper: np.ndarray
    iconf: np.ndarray
    steps_per_epoch: int

    @property
    def probe(self):
        """The observer's fixed probe batch: the first probe_size training rows (None without an observer)."""
        return self.X[:self.observer.probe_size] if self.observer else None


def _plan(model, X, y, loss, optimizer, lr, epochs, batch_size, val, seed, callbacks, l1, l2, clip_norm, stats,
          eval_train, freeze, resume, optimizer_options):
    """Check every argument of ``fit`` (a clear error before any kernel runs) and pack them: a :class:`_Plan`."""
    X, T, loss_id = model.check_batch(X, y, loss)
    if val is not None:
        if not (isinstance(val, (tuple, list)) and len(val) == 2):
            raise TypeError("val must be a pair (X_val, y_val)")
        X_val, T_val, _ = model.check_batch(val[0], val[1], loss, names=("X_val", "y_val"))
        val = (X_val, T_val)
    opt = optimizers.get(optimizer, lr=check_number("lr", lr, positive=True), **optimizer_options)
    epochs = check_number("epochs", epochs, positive=True, integer=True)
    batch_size = check_number("batch_size", batch_size, positive=True, integer=True)
    if batch_size > len(X):
        raise ValueError(f"batch_size must be between 1 and the number of training examples ({len(X)}), "
                         f"got {batch_size}")
    seed = check_seed("seed", seed)
    l1, l2 = check_number("l1", l1, nonnegative=True), check_number("l2", l2, nonnegative=True)
    clip_norm = check_number("clip_norm", clip_norm, nonnegative=True)
    observer = LayerStats() if stats is True else (stats or None)
    callbacks = [cb if isinstance(cb, Callback) else FunctionCallback(cb) for cb in callbacks]
    state = _optimizer_state(model, freeze)
    if resume is not None:
        state[:pk.N_MOMENTS] = _checkpoint(resume, model, opt.name)["state"]
    hyper = model.hyper(l1, l2)
    hyper[:pk.N_OPTIMIZER_SLOTS] = opt.vector()
    hyper[pk.CLIP] = clip_norm
    iconf = pk.empty_iconf()
    iconf[pk.LOSS], iconf[pk.OPT], iconf[pk.BATCH] = loss_id, optimizers.ID[opt.name], batch_size
    iconf[pk.SEED], iconf[pk.UPDATE_STATS], iconf[pk.KEEP_GRAD] = seed, 1, int(observer is not None)
    if resume is not None:
        iconf[pk.STEP] = resume.checkpoint["step"]
    return _Plan(X, T, loss_id, val, opt, epochs, batch_size, seed, observer, callbacks, bool(eval_train), state,
                 hyper, iconf, num_batches(len(X), batch_size))


def _history(plan, resume):
    """The History to fill, the first epoch's number and the seconds already trained: a new run's, or
    ``resume``'s to go on with."""
    if resume is None:
        return History(iterations_per_epoch=plan.steps_per_epoch, batch_size=plan.batch_size,
                       backend=get_backend()), 0, 0.0
    resume.stopped_early = False
    return resume, resume.epochs, (resume.time[-1] if resume.time else 0.0)


def _record_epoch(plan, model, record, hist, iteration, start):
    """Append the epoch's train and val loss (and accuracy), its iteration count and time to ``hist``; returns
    the train loss. ``eval_train`` evaluates the training set anew; otherwise the mini-batch means count."""
    train = (_evaluate(model, plan.X, plan.T, plan.loss_id) if plan.eval_train else
             _epoch_means(record, len(plan.X), plan.batch_size, plan.loss_id))
    hist.train_loss.append(train[0])
    if train[1] is not None:
        hist.train_acc.append(train[1])
    if plan.val is not None:
        v = _evaluate(model, *plan.val, plan.loss_id)
        hist.val_loss.append(v[0])
        if v[1] is not None:
            hist.val_acc.append(v[1])
    hist.iterations.append(iteration)
    hist.time.append(time.perf_counter() - start)
    return train[0]


def _checkpoint(hist, model, optimizer):
    """The checkpoint of a History that ``fit(..., resume=hist)`` can go on from, or a clear error."""
    if not isinstance(hist, History):
        raise TypeError(f"resume must be the History a previous fit returned, got {type(hist).__name__}")
    c = hist.checkpoint
    if c is None:
        why = "it diverged" if hist.diverged else "it has no checkpoint (it did not come from fit)"
        raise ValueError(f"cannot resume this run: {why}; start a new one without resume=")
    if c["n_params"] != model.n_params:
        raise ValueError(f"resume: the run trained a model with {c['n_params']} parameters, this one has "
                         f"{model.n_params}; resume with the same model")
    if c["optimizer"] != optimizer:
        raise ValueError(f"resume: the run used optimizer {c['optimizer']!r}; resume with the same optimizer "
                         f"(got {optimizer!r}) or start a new run")
    return c


def _optimizer_state(model, freeze):
    """Zeros (2, P) for the optimizer; with frozen parameters a third row marks what may move (1) or not (0)."""
    if isinstance(freeze, (str, int)):
        freeze = [freeze]
    if not freeze:
        return np.zeros((pk.N_MOMENTS, model.n_params), model.dtype)
    state = np.zeros((pk.N_MOMENTS + 1, model.n_params), model.dtype)
    trainable = model.views(state[pk.TRAINABLE])
    state[pk.TRAINABLE] = 1
    for item in freeze:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool) and 1 <= item <= model.n_layers:
            names = [name for name in trainable if pk.split_name(name)[1] == item]   # W3, b3, gamma3, beta3
        elif isinstance(item, str) and item in trainable:
            names = [item]
        else:
            raise ValueError(f"freeze: {item!r} is neither a layer number 1..{model.n_layers} nor a parameter "
                             f"name ({', '.join(trainable)})")
        for name in names:
            trainable[name][...] = 0
    return state


def _run_epoch(dev, order, record, plan, model, hist):
    """Run one epoch's steps, pausing where the observer records; returns the number of steps done."""
    observer, batch_size, steps_per_epoch = plan.observer, plan.batch_size, plan.steps_per_epoch
    if observer is None:
        return dev.train_steps(order, record)
    done = 0
    for cut in observer.cut_points(steps_per_epoch):
        # all but the last step before the cut in one call, then the last one alone to see its update
        for stop in (cut - 1, cut):
            if stop > done:
                segment = order[done * batch_size:stop * batch_size]
                before = dev.theta_host().copy()
                n = dev.train_steps(segment, record[done:stop])
                done += n
                if done < stop:
                    return done
        dev.sync_model()
        hist.layer_stats.append(observer.record(model, plan.probe, dev.grad_host(), before,
                                                int(dev.iconf[pk.STEP])))
    if done < steps_per_epoch:
        segment = order[done * batch_size:]
        done += dev.train_steps(segment, record[done:])
    return done


def _epoch_means(record, n, batch_size, loss_id):
    """Example-weighted means of the epoch's mini-batch losses and accuracies (the last batch may be smaller)."""
    sizes = np.full(len(record), batch_size, dtype=np.float64)
    sizes[-1] = n - batch_size * (len(record) - 1)
    loss, acc = (sizes @ record) / n
    return float(loss), (float(acc) if losses.is_classification(loss_id) else None)


def _evaluate(model, X, T, loss_id):
    """(data loss, accuracy or None) of the model in evaluation mode on a whole set."""
    out = model.forward(X)
    name, classify = losses.NAMES[loss_id], losses.is_classification(loss_id)
    if not np.all(np.isfinite(out)):
        return math.inf, None
    y = T[:, 0].astype(np.int64) if classify else T
    loss, _ = losses.loss_and_grad(name, out.astype(np.float64), y)
    if not classify:
        return loss, None
    return loss, float(np.mean(losses.predict_classes(out) == y))


def _loss_scale(plan, model, initial_loss):
    """Where a run's loss starts: the larger of its first mini-batch loss and the loss of knowing nothing (ln C
    for C classes; the targets' variance, the loss of predicting their mean, for regression)."""
    if losses.is_classification(plan.loss_id):
        return max(initial_loss, math.log(max(2, model.sizes[-1])))
    return max(initial_loss, float(np.mean(np.var(plan.T.astype(np.float64), axis=0))))


def _diverged(hist, epoch, iteration, value, lr, scale=None):
    """Mark ``hist`` as diverged at (epoch, iteration) and warn with what to try; ``scale`` is where the loss
    started when it exploded while staying finite."""
    hist.diverged, hist.diverged_at = True, (epoch, iteration)
    hist.divergence = NON_FINITE if scale is None else EXPLODED
    what = (f"the loss became {value}" if scale is None else
            f"the loss grew to {value:.3g}, over {EXPLOSION_FACTOR:g} × where it started ({scale:.3g})")
    warnings.warn(f"training diverged at epoch {epoch}, iteration {iteration}: {what}. "
                  f"Try a smaller learning rate (lr={lr:g} now), gradient clipping (clip_norm=1.0), "
                  "or standardised inputs.", DivergenceWarning, stacklevel=3)


SETTING_SLOTS = {"lr": pk.LR, "l1": pk.L1, "l2": pk.L2, "clip_norm": pk.CLIP, "dropout": pk.DROPOUT}


def _settings(hyper):
    """The settings a run may change between epochs, as they are in the packed ``hyper``."""
    return {name: float(hyper[slot]) for name, slot in SETTING_SLOTS.items()}


def _record_changes(hist, epoch, old, new):
    """Append to ``hist.changes`` each setting whose value differs between ``old`` and ``new`` (from ``epoch``)."""
    for name, value in new.items():
        if name in old and old[name] != value:
            hist.changes.append({"epoch": epoch, "name": name, "old": old[name], "new": float(value)})


def _apply_changes(plan, model, dev, hist, epoch):
    """Apply the settings that callbacks (:class:`dlkit.callbacks.Adjust`) asked for from ``epoch`` on: a new
    run object carrying the optimizer state on (None when nothing changed). Each change goes into
    ``hist.changes``."""
    changes = {}
    for cb in plan.callbacks:
        changes.update(getattr(cb, "take_changes", dict)())
    changes = {k: v for k, v in changes.items() if v != plan.hyper[SETTING_SLOTS[k]]}
    if not changes:
        return None
    _record_changes(hist, epoch, _settings(plan.hyper), changes)
    for name, value in changes.items():
        plan.hyper[SETTING_SLOTS[name]] = value
    if "lr" in changes:
        plan.opt.hyper["lr"] = changes["lr"]
    if "dropout" in changes:
        model.set_dropout(changes["dropout"])
    return kernels().Run(model, plan.X, plan.T, dev.state_host(), plan.hyper, plan.iconf)


class _Progress:
    """Prints a progress line at most once a second when verbose, or automatically for runs longer than 3 s."""

    def __init__(self, verbose, epochs):
        self.verbose, self.epochs = verbose, epochs
        self.start = self.last = time.perf_counter()
        self.printed = False

    def update(self, epoch, hist):
        now = time.perf_counter()
        auto = self.verbose is not False and now - self.start > PROGRESS_AFTER_S
        if (self.verbose is True or auto) and now - self.last >= PROGRESS_EVERY_S:
            self.last, self.printed = now, True
            val = f"  val_loss {hist.val_loss[-1]:.4f}" if hist.val_loss else ""
            print(f"\repoch {epoch + 1}/{self.epochs}  train_loss {hist.train_loss[-1]:.4f}{val}  "
                  f"({now - self.start:.1f} s)", end="", file=sys.stdout, flush=True)

    def close(self, hist):
        if self.printed:
            print(f"\ndone: {hist.epochs} epochs, {hist.iterations[-1] if hist.iterations else 0} iterations "
                  f"in {time.perf_counter() - self.start:.1f} s", flush=True)
