"""Charts of a training run's History over epochs: train and validation curves, divergence, early stopping,
and the generalization gap."""
from __future__ import annotations

import math

import numpy as np

from .axes import finite, legend, log_axis, message
from .palette import ALERT, BLACK, GREY, PURPLE, SMALL, TRAIN, VAL

PERCENT = 100.0
ACCURACY_LIMITS = (-2, 102)       # an accuracy axis in %, a little room around 0 and 100
MARK_HEIGHT = 0.93                # where an ✕ (divergence) sits, as a fraction of the axis height
_METRIC = {"loss": ("train_loss", "val_loss", "loss"), "acc": ("train_acc", "val_acc", "accuracy (%)")}


def curves(ax, hist, metric="loss", label=None, linestyle="-", log=None, x="epoch", ylabel=None,
           train_name="train"):
    """Train and validation ``metric`` ("loss" or "acc") of a History per epoch (or per iteration with
    x="iteration"); a diverged run gets its point marked. ``label`` names the run when several share an axis."""
    train_key, val_key, default_label = _METRIC[metric]
    scale = PERCENT if metric == "acc" else 1.0
    suffix = f" ({label})" if label else ""
    xs = _epoch_x(hist, x)
    for key, color, name in ((train_key, TRAIN, train_name), (val_key, VAL, "validation")):
        values = np.asarray(getattr(hist, key), dtype=np.float64) * scale
        n = min(len(values), len(xs))
        ok = np.isfinite(values[:n])
        if ok.any():
            ax.plot(xs[:n][ok], values[:n][ok], color=color, linestyle=linestyle, lw=1.6, label=name + suffix)
    ax.set_xlabel("iteration (optimizer steps)" if x == "iteration" else "epoch")
    ax.set_ylabel(ylabel or (default_label + (" (log scale)" if log else "")))
    if metric == "acc":
        ax.set_ylim(*ACCURACY_LIMITS)
    elif log or (log is None and _positive(hist)):
        log_axis(ax)
    if hist.diverged:
        mark_divergence(ax, hist, x=x, label=label)
    if not hist.train_loss and not hist.diverged:
        message(ax, "no epochs yet — press Train")
    legend(ax)
    return ax


def _positive(hist):
    values = finite(hist.train_loss + hist.val_loss)
    return values.size > 0 and values.min() > 0


def _epoch_x(hist, x):
    if x == "iteration":
        return np.asarray(hist.iterations, dtype=np.float64)
    return np.arange(1, hist.epochs + 1, dtype=np.float64)


def mark_divergence(ax, hist, x="epoch", label=None):
    """An ✕ at the top of the axis where the loss became NaN/inf, and a note saying when."""
    epoch, iteration = hist.diverged_at or (hist.epochs, 0)
    at = iteration if x == "iteration" else epoch + 1
    text = f"diverged in epoch {epoch + 1} (iteration {iteration})" + (f" ({label})" if label else "")
    ax.plot([at], [MARK_HEIGHT], transform=ax.get_xaxis_transform(), marker="X", ms=11, color=ALERT, ls="none",
            label=text, clip_on=False)
    if not hist.train_loss:
        ax.set_xlim(0, at + 1)
        message(ax, "the loss became NaN/inf before the first epoch ended:\nlower the learning rate",
                color=ALERT)
    return ax


def early_stopping(ax, hist, patience=None, metric="val_loss", restored=False):
    """On a loss axis: the best epoch starred (EarlyStopping's, else the lowest ``metric``), the patience
    window after it shaded while it counts, and whether the best weights were ``restored``."""
    values = np.asarray(getattr(hist, metric), dtype=np.float64)
    best = hist.best_epoch
    if best is None:
        if not np.isfinite(values).any():
            return ax
        best = int(np.nanargmin(np.where(np.isfinite(values), values, np.nan)))
    x_best = best + 1
    if patience:
        end = min(hist.epochs, x_best + patience)
        ax.axvspan(x_best, max(end, x_best + 0.3), color=GREY, alpha=0.2,
                   label=f"patience window: {end - x_best} of {patience} epochs")
    ax.axvline(x_best, color=BLACK, ls=":", lw=1)
    if best < len(values) and math.isfinite(values[best]):
        if restored:
            what = f"best epoch {x_best}: its weights restored"
        else:
            what = f"best epoch so far: {x_best}" if patience else f"lowest {metric.replace('_', ' ')}: epoch {x_best}"
        ax.plot([x_best], [values[best]], marker="*", ms=13, color=BLACK, ls="none", label=what)
    legend(ax)
    return ax


def chance_level(ax, n_classes):
    """On an accuracy axis (%): the accuracy of guessing among ``n_classes`` classes, dotted."""
    ax.axhline(PERCENT / n_classes, color=GREY, ls=":", label="chance")
    return ax


def generalization_gap(ax, hist):
    """Validation loss minus training loss per epoch: how much worse the model does on data it has not seen."""
    gap = np.asarray(hist.val_loss) - np.asarray(hist.train_loss)
    ax.plot(np.arange(1, gap.size + 1), gap, color=PURPLE, label="val loss − train loss")
    ax.axhline(0, color=BLACK, lw=0.5)
    ax.set_xlabel("epoch")
    ax.set_ylabel("generalization gap (loss)")
    if gap.size:
        ax.legend(fontsize=SMALL)
    return ax
