"""Reading a network's health from its per-layer statistics: pure functions, no plotting.

``snapshot(model, X, y)`` measures one forward/backward pass layer by layer (the same statistics
:class:`dlkit.LayerStats` records during training, plus the raw values for histograms); ``diagnose(record, ...)``
turns one such record into one line a student can act on, e.g.
"layer 1 gets 1e-06 of the last layer's gradient: vanishing — try ReLU with He init, or batch norm".
"""
from __future__ import annotations

import math

import numpy as np

from . import activations, initializers
from .layer_stats import LayerStats
from .packing import BIAS, WEIGHT, param_name

__all__ = ["LayerStats", "snapshot", "gradient_ratio", "activation_ratio", "diagnose", "layer_response",
           "loss_noise"]

# A healthy network keeps gradient and activation sizes within this factor across its layers...
GRADIENT_SPREAD = 100.0
# ...has few units in the flat zone or dead...
SATURATED_PERCENT, DEAD_PERCENT = 30.0, 50.0
# ...and says so when fewer, but still some, are: a bar this tall (of 100 %) shows on the lab's chart
NOTED_PERCENT = 1.0
# ...and takes updates of about 1e-3 of the weights per step (Karpathy's rule of thumb); these bound "about".
UPDATE_RATIO_LOW, UPDATE_RATIO_HIGH = 1e-5, 1e-1


def snapshot(model, X, y, loss="cross_entropy"):
    """One pass of ``model`` over the batch X (N, D), y: per layer k the pre-activations ``z[k]`` (N, H_k),
    activations ``h[k]`` (N, H_k), weight gradients ``dW[k]`` (D_k, H_k), bias gradients ``db[k]`` (H_k,) and
    the :class:`dlkit.LayerStats` ``record`` of this batch (its keys are listed there; ``update_ratio`` is 0:
    nothing was updated; ``signal_std`` is the gradient that reaches each layer, see why there).

    With batch norm the activations are measured with the batch's statistics, as training sees them: before
    training the running statistics are (0, 1), and an evaluation-mode pass would show the network without its
    normalisation.
    """
    _, grads = model.loss_and_grads(X, y, loss=loss)
    flat = np.concatenate([g.ravel() for g in grads.values()])       # params' order is theta's layout
    training = model.batch_norm
    record = LayerStats().record(model, X, flat, model.theta.copy(), iteration=0, training=training)
    outputs = model.layer_outputs(X, training=training)
    layers = range(1, model.n_layers + 1)
    return {"z": [o["z"] for o in outputs], "h": [o["h"] for o in outputs],
            "dW": [grads[param_name(WEIGHT, k)] for k in layers], "db": [grads[param_name(BIAS, k)] for k in layers],
            "record": record}


def gradient_ratio(record):
    """How much gradient layer 1 gets relative to the last layer: signal_std[0] / signal_std[-1] of a
    :class:`dlkit.LayerStats` record (recorded while training, or by :func:`snapshot`); a record without
    ``signal_std`` (an older one) falls back to the weight gradients' grad_std[0] / grad_std[-1]."""
    g = record.get("signal_std") or record["grad_std"]
    if len(g) < 2 or not g[-1] > 0:
        return math.nan
    return g[0] / g[-1]


def activation_ratio(record):
    """Spread of the forward signal: act_std of the last hidden layer / act_std of layer 1 (nan without two
    hidden layers)."""
    a = record["act_std"][:-1]                    # hidden layers; the last entry is the output layer
    if len(a) < 2 or not a[0] > 0:
        return math.nan
    return a[-1] / a[0]


def diagnose(record, activation="relu", batch_norm=False, init="auto"):
    """One line: the worst problem a LayerStats record (or a :func:`snapshot` record) shows, and what to try.
    ``activation`` and ``init`` name the hidden layers' choices and only word the advice."""
    if not all(np.all(np.isfinite(record[key])) for key in ("act_std", "grad_std")):
        return ("gradients overflow (inf/NaN): exploding — lower the learning rate, clip the gradient norm "
                "(clip_norm=1), or add batch norm")
    grad, act = gradient_ratio(record), activation_ratio(record)
    hidden = len(record["act_std"]) - 1
    saturating = activation in ("sigmoid", "tanh")
    good_init = "Xavier init" if saturating else "He init"
    if grad < 1 / GRADIENT_SPREAD:
        if act < 1 / GRADIENT_SPREAD:
            fix = f"the initial weights are too small (activations shrink too): {good_init}, weight scale 1"
        elif saturating and not batch_norm:
            fix = "try ReLU with He init, or batch norm"
        else:
            fix = f"{good_init}, or batch norm"
        return f"layer 1 gets {grad:.0e} of the last layer's gradient: vanishing — {fix}"
    if grad > GRADIENT_SPREAD or act > GRADIENT_SPREAD:
        what = (f"layer 1 gets {grad:.0e} times the last layer's gradient" if grad > GRADIENT_SPREAD else
                f"activations grow {act:.0e} times from layer 1 to layer {hidden}")
        fix = "gradient clipping (clip_norm=1)" if batch_norm else f"{good_init} with weight scale 1, gradient " \
                                                                   "clipping, or batch norm"
        return f"{what}: exploding — {fix}"
    if act < 1 / GRADIENT_SPREAD:
        return (f"activations shrink to {act:.0e} of layer 1's by layer {hidden}: the signal fades — "
                f"{good_init}, weight scale 1, or batch norm")
    sat = np.asarray(record["saturated"][:hidden])
    if saturating and sat.size and sat.max() > SATURATED_PERCENT:
        k = int(sat.argmax())
        return (f"layer {k + 1}: {sat[k]:.0f}% of its {activation} units are saturated (f' near 0) — "
                "smaller initial weights (Xavier, weight scale 1), standardised inputs, or batch norm")
    dead = np.asarray(record["dead"][:hidden])
    if dead.size and dead.max() > DEAD_PERCENT:
        k = int(dead.argmax())
        return (f"layer {k + 1}: {dead[k]:.0f}% of its ReLUs are dead (never active) — a smaller learning "
                "rate, He init, or leaky ReLU")
    upd = np.asarray(record.get("update_ratio", []), dtype=np.float64)
    upd = upd[upd > 0]
    if upd.size:
        typical = float(np.exp(np.mean(np.log(upd))))
        if typical < UPDATE_RATIO_LOW:
            return f"updates are {typical:.0e} of the weights per step: the learning rate is too small"
        if typical > UPDATE_RATIO_HIGH:
            return (f"updates are {typical:.0e} of the weights per step: the learning rate is too large "
                    "(aim for about 1e-3)")
    return (f"healthy: gradient layer 1 / last layer = {grad:.2g}, activations last / first hidden layer = "
            f"{act:.2g}, {_units_note(sat if saturating else np.zeros(0), dead)}")


def _units_note(saturated, dead):
    """What the saturated (H,) and dead (H,) percentages per hidden layer show, below the alarm thresholds:
    nothing worth a word under NOTED_PERCENT, else the worst layer and how many layers have some."""
    notes = []
    for what, values, limit in (("saturated", saturated, SATURATED_PERCENT), ("dead", dead, DEAD_PERCENT)):
        values = np.asarray(values, dtype=np.float64)
        some = np.flatnonzero(values >= NOTED_PERCENT)
        if some.size:
            k = int(values.argmax())
            notes.append(f"{what} units in {some.size} of {values.size} layers, at most {values[k]:.0f}% (layer "
                         f"{k + 1}; below {limit:.0f}%: most units still learn)")
    return "; ".join(notes) if notes else "no layer saturated or dead"


def layer_response(activation="tanh", fan_in=100, width=256, init="xavier_normal", weight_scale=1.0,
                   n_samples=512, seed=0):
    """What one layer does to a batch of standard-normal inputs X (N, fan_in): z = X W (N, width) with W drawn by
    ``init`` times ``weight_scale``; returns z, h = f(z), dh = f'(z) and summary numbers."""
    rng = np.random.default_rng(seed)
    f, f_grad = activations.get(activation)
    X = rng.standard_normal((n_samples, fan_in))
    W = weight_scale * initializers.get(init)(fan_in, width, rng)
    z = X @ W                                                                  # (N, width)
    h, dh = f(z), f_grad(z)
    return {"z": z, "h": h, "dh": dh, "z_std": float(z.std()), "h_mean": float(h.mean()),
            "h_std": float(h.std()),
            "saturated": float(100 * activations.saturation_mask(activation, z).mean()),
            "dead": float(100 * np.all(dh == 0, axis=0).mean()),
            "mean_grad": float(np.abs(dh).mean())}


def loss_noise(step_loss, window=None):
    """How noisy a run's mini-batch losses are: the std of step_loss (T,) around its moving average (a
    window of T/10 steps by default), relative to the mean loss. 0 for fewer than 3 steps."""
    s = np.asarray(step_loss, dtype=np.float64)
    s = s[np.isfinite(s)]
    if s.size < 3:
        return 0.0
    window = max(2, s.size // 10) if window is None else int(window)
    running = np.concatenate([[0.0], np.cumsum(s)])                      # (T + 1,) running sums
    trend = (running[window:] - running[:-window]) / window               # (T - w + 1,) centred averages
    start = (window - 1) // 2
    resid = s[start:start + trend.size] - trend
    return float(resid.std() / (np.abs(s).mean() + 1e-12))
