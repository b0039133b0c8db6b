"""Training: ``fit`` runs mini-batch gradient descent and returns a :class:`History`.

Read ``fit`` top to bottom: check inputs -> for each epoch: shuffle (seeded, identical on every backend) ->
the backend's fused steps (forward, loss, backward, clip, update) -> evaluate train and val -> record ->
callbacks. Per-layer statistics are gathered by an observer (:class:`LayerStats`), not by the model.
"""
from __future__ import annotations

import math
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import losses, optimizers
from .backend import get_backend, kernels
from .data import num_batches, shuffled_indices
from .kernels import layout as lay
from .validation import check_number, check_seed


class DivergenceWarning(RuntimeWarning):
    """The loss became NaN or infinite and training stopped."""


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
    diverged_at: tuple | None = None                    # (epoch, iteration) of the first non-finite loss
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
        if monitor not in ("val_loss", "train_loss", "val_acc", "train_acc"):
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


class LayerStats:
    """Observer recording per-layer statistics every ``every`` steps (default: once per epoch).

    Each record is a dict: ``iteration`` (int), and per layer k = 1..L a list of L floats:

    - ``act_mean``, ``act_std``: of the layer's output h_k on a fixed probe batch (the first ``probe_size``
      training examples), in evaluation mode unless ``training`` (batch norm then uses the probe batch's
      statistics, dropout drops);
    - ``saturated``: % of h_k's entries in the flat zone (|f'| < 5 % of its peak; 0 for ReLU and linear);
    - ``dead``: % of units never active on the probe batch (ReLU-like layers; 0 for the others);
    - ``grad_norm``, ``grad_std``: norm and std of the weight gradient dW_k (D_k, H_k);
    - ``signal_std``: std of the gradient that reaches layer k, db_k = the batch mean of dL/dz_k (H_k,); with
      batch norm that of d beta_k, since the bias before a batch norm gets no gradient at all. dW_k = h_(k-1)^T
      dz_k multiplies the forward signal by this backward one, so when both shrink layer by layer dW can stay
      even while the backward signal, the thing that vanishes, does not: ``signal_std`` shows it alone;
    - ``update_ratio``: std of the last update of W_k / std of W_k.

    The gradients are the last step's before the record (its mini-batch, its weights).
    """

    KEYS = ("act_mean", "act_std", "saturated", "dead", "grad_norm", "grad_std", "signal_std", "update_ratio")

    def __init__(self, every=None, probe_size=256, training=False):
        self.every = None if every is None else check_number("every", every, positive=True, integer=True)
        self.probe_size = check_number("probe_size", probe_size, positive=True, integer=True)
        self.training = bool(training)

    def cut_points(self, steps_per_epoch):
        """The steps (1-based, within an epoch) after which to record."""
        if self.every is None:
            return [steps_per_epoch]
        return list(range(self.every, steps_per_epoch + 1, self.every))

    def record(self, model, X_probe, grad, before, iteration, training=None):
        """One record (see the class) of ``model`` on X_probe (N, D_0), from the flat gradient ``grad`` (P,) of
        the last step and the flat parameters ``before`` (P,) it started from. ``training`` overrides the
        observer's mode for the activation statistics."""
        from .activations import saturation_mask

        training = self.training if training is None else bool(training)
        outputs = model.layer_outputs(X_probe, training=training)
        grads, old = model._views(grad), model._views(before)
        rec = {"iteration": iteration, **{key: [] for key in self.KEYS}}
        for k, out in enumerate(outputs, start=1):
            act = model.activations[k - 1] if k <= len(model.activations) else "linear"
            h, z = out["h"].astype(np.float64), out["z"]
            W, dW = model.params[f"W{k}"].astype(np.float64), grads[f"W{k}"].astype(np.float64)
            signal = grads.get(f"beta{k}", grads[f"b{k}"]).astype(np.float64)        # (H_k,)
            rec["act_mean"].append(float(h.mean()))
            rec["act_std"].append(float(h.std()))
            rec["saturated"].append(float(100 * saturation_mask(act, z).mean()) if act not in
                                    ("relu", "linear") else 0.0)
            never_active = np.all(z <= 0, axis=0) if act in ("relu", "leaky_relu", "elu", "gelu") else None
            rec["dead"].append(float(100 * never_active.mean()) if never_active is not None else 0.0)
            rec["grad_norm"].append(float(np.linalg.norm(dW)))
            rec["grad_std"].append(float(dW.std()))
            rec["signal_std"].append(float(signal.std()))
            update = W - old[f"W{k}"]
            rec["update_ratio"].append(float(update.std() / (W.std() + 1e-12)))
        return rec


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
    # ---- check everything before any kernel runs
    X, T, loss_id = model.check_batch(X, y, loss)
    if val is not None:
        if not (isinstance(val, (tuple, list)) and len(val) == 2):
            raise TypeError("val must be a pair (X_val, y_val)")
        X_val, T_val, _ = model.check_batch(val[0], val[1], loss, names=("X_val", "y_val"))
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
        state[:2] = _checkpoint(resume, model, opt.name)["state"]

    # ---- pack the run for the kernels: hyper-parameters, counters, optimizer state
    K = kernels()
    hyper = model.hyper(l1, l2)
    hyper[:6] = opt.vector()
    hyper[lay.CLIP] = clip_norm
    iconf = lay.empty_iconf()
    iconf[lay.LOSS], iconf[lay.OPT], iconf[lay.BATCH] = loss_id, optimizers.ID[opt.name], batch_size
    iconf[lay.SEED], iconf[lay.UPDATE_STATS] = seed, 1
    steps_per_epoch = num_batches(len(X), batch_size)
    if resume is None:
        hist, first, elapsed = History(iterations_per_epoch=steps_per_epoch, batch_size=batch_size,
                                       backend=get_backend()), 0, 0.0
    else:
        hist, first, elapsed = resume, resume.epochs, (resume.time[-1] if resume.time else 0.0)
        iconf[lay.STEP], hist.stopped_early = resume.checkpoint["step"], False
    dev = K.Run(model, X, T, state, hyper, iconf)
    probe = X[:observer.probe_size] if observer else None

    for cb in callbacks:
        cb.on_train_begin(model, hist)
    start = time.perf_counter() - elapsed
    progress = _Progress(verbose, first + epochs)
    for epoch in range(first, first + epochs):
        # ---- the epoch's steps: forward, loss, backward, clip, update (fused in the backend)
        order = shuffled_indices(len(X), seed, epoch)
        record = np.zeros((steps_per_epoch, 2))                       # (loss, accuracy) per step
        done = _run_epoch(dev, order, record, steps_per_epoch, observer, model, probe, hist, batch_size)
        hist.step_loss_chunks.append(record[:done, 0])
        if done < steps_per_epoch:
            _diverged(hist, epoch, int(iconf[lay.STEP]) + 1, record[done, 0], opt.lr)
            break
        # ---- evaluate and record
        dev.sync_model()
        train = _evaluate(model, X, T, loss_id) if eval_train else _epoch_means(record, len(X), batch_size,
                                                                                 loss_id)
        hist.train_loss.append(train[0])
        if train[1] is not None:
            hist.train_acc.append(train[1])
        if val is not None:
            v = _evaluate(model, X_val, T_val, loss_id)
            hist.val_loss.append(v[0])
            if v[1] is not None:
                hist.val_acc.append(v[1])
        hist.iterations.append(int(dev.iconf[lay.STEP]))
        hist.time.append(time.perf_counter() - start)
        if not np.isfinite(train[0]) or (val is not None and not np.isfinite(hist.val_loss[-1])):
            _diverged(hist, epoch, int(dev.iconf[lay.STEP]), train[0], opt.lr)
            break
        progress.update(epoch, hist)
        # ---- callbacks (early stopping, live plots, a widget's Stop button)
        stop = [cb.on_epoch_end(epoch, model, hist) for cb in callbacks]
        if callbacks:
            dev.load_model()                                           # a callback may have changed the model
        if any(stop):
            hist.stopped_early = True
            break
    dev.sync_model()
    hist.checkpoint = None if hist.diverged else {"state": dev.state_host()[:2], "step": int(dev.iconf[lay.STEP]),
                                                  "optimizer": opt.name, "n_params": model.n_params}
    for cb in callbacks:
        cb.on_train_end(model, hist)
    progress.close(hist)
    return hist


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
        return np.zeros((2, model.n_params), model.dtype)
    state = np.zeros((3, model.n_params), model.dtype)
    trainable = model._views(state[2])
    state[2] = 1
    for item in freeze:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool) and 1 <= item <= model.n_layers:
            names = [name for name in trainable if name.lstrip("Wbgamet") == str(item)]   # W3, b3, gamma3, beta3
        elif isinstance(item, str) and item in trainable:
            names = [item]
        else:
            raise ValueError(f"freeze: {item!r} is neither a layer number 1..{model.n_layers} nor a parameter "
                             f"name ({', '.join(trainable)})")
        for name in names:
            trainable[name][...] = 0
    return state


def _run_epoch(dev, order, record, steps_per_epoch, observer, model, probe, hist, batch_size):
    """Run one epoch's steps, pausing where the observer records; returns the number of steps done."""
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
        hist.layer_stats.append(observer.record(model, probe, dev.grad_host(), before,
                                                int(dev.iconf[lay.STEP])))
    if done < steps_per_epoch:
        segment = order[done * batch_size:]
        done += dev.train_steps(segment, record[done:])
    return done


def _epoch_means(record, n, batch_size, loss_id):
    """Example-weighted means of the epoch's mini-batch losses and accuracies (the last batch may be smaller)."""
    sizes = np.full(len(record), batch_size, dtype=np.float64)
    sizes[-1] = n - batch_size * (len(record) - 1)
    loss, acc = (sizes @ record) / n
    return float(loss), (float(acc) if losses.NAMES[loss_id] in losses.CLASSIFICATION else None)


def _evaluate(model, X, T, loss_id):
    """(data loss, accuracy or None) of the model in evaluation mode on a whole set."""
    out = model.forward(X)
    name = losses.NAMES[loss_id]
    if not np.all(np.isfinite(out)):
        return math.inf, None
    y = T[:, 0].astype(np.int64) if name in losses.CLASSIFICATION else T
    loss, _ = losses.loss_and_grad(name, out.astype(np.float64), y)
    if name not in losses.CLASSIFICATION:
        return loss, None
    return loss, float(np.mean(losses.predict_classes(out) == y))


def _diverged(hist, epoch, iteration, value, lr):
    hist.diverged, hist.diverged_at = True, (epoch, iteration)
    warnings.warn(f"training diverged at epoch {epoch}, iteration {iteration}: the loss became {value}. "
                  f"Try a smaller learning rate (lr={lr:g} now), gradient clipping (clip_norm=1.0), "
                  "or standardised inputs.", DivergenceWarning, stacklevel=3)


class _Progress:
    """Prints a progress line at most once a second when verbose, or automatically for runs longer than 3 s."""

    def __init__(self, verbose, epochs):
        self.verbose, self.epochs = verbose, epochs
        self.start = self.last = time.perf_counter()
        self.printed = False

    def update(self, epoch, hist):
        now = time.perf_counter()
        auto = self.verbose is not False and now - self.start > 3.0
        if (self.verbose is True or auto) and now - self.last >= 1.0:
            self.last, self.printed = now, True
            val = f"  val_loss {hist.val_loss[-1]:.4f}" if hist.val_loss else ""
            print(f"\repoch {epoch + 1}/{self.epochs}  train_loss {hist.train_loss[-1]:.4f}{val}  "
                  f"({now - self.start:.1f} s)", end="", file=sys.stdout, flush=True)

    def close(self, hist):
        if self.printed:
            print(f"\ndone: {hist.epochs} epochs, {hist.iterations[-1] if hist.iterations else 0} iterations "
                  f"in {time.perf_counter() - self.start:.1f} s", flush=True)
