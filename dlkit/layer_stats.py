"""The observer ``fit(stats=True)`` uses: per-layer activation and gradient statistics, recorded while training.

It lives beside the engine because ``fit`` creates one; :mod:`dlkit.diagnosis` (an instrument) reads its records
and turns them into advice.
"""
from __future__ import annotations

import numpy as np

from .activations import RELU_FAMILY, saturation_mask
from .packing import BETA, BIAS, WEIGHT, param_name
from .validation import check_number

UPDATE_RATIO_FLOOR = 1e-12     # keeps the update:data ratio of an all-zero weight matrix finite


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

    def record(self, model, X_probe, grad, before, iteration, training=None, outputs=None):
        """One record (see the class) of ``model`` on X_probe (N, D_0), from the flat gradient ``grad`` (P,) of
        the last step and the flat parameters ``before`` (P,) it started from. ``training`` overrides the
        observer's mode for the activation statistics; ``outputs`` are ``model.layer_outputs(X_probe,
        training)`` where the caller has them already (a live lab draws its frame from the same pass)."""
        training = self.training if training is None else bool(training)
        if outputs is None:
            outputs = model.layer_outputs(X_probe, training=training)
        grads, old = model.views(grad), model.views(before)
        rec = {"iteration": iteration, **{key: [] for key in self.KEYS}}
        for k, out in enumerate(outputs, start=1):
            act = model.activations[k - 1] if k <= len(model.activations) else "linear"
            h, z = out["h"].astype(np.float64), out["z"]
            w_name = param_name(WEIGHT, k)
            W, dW = model.params[w_name].astype(np.float64), grads[w_name].astype(np.float64)
            signal = grads.get(param_name(BETA, k), grads[param_name(BIAS, k)]).astype(np.float64)   # (H_k,)
            rec["act_mean"].append(float(h.mean()))
            rec["act_std"].append(float(h.std()))
            rec["saturated"].append(float(100 * saturation_mask(act, z).mean()) if act not in
                                    ("relu", "linear") else 0.0)
            never_active = np.all(z <= 0, axis=0) if act in RELU_FAMILY else None
            rec["dead"].append(float(100 * never_active.mean()) if never_active is not None else 0.0)
            rec["grad_norm"].append(float(np.linalg.norm(dW)))
            rec["grad_std"].append(float(dW.std()))
            rec["signal_std"].append(float(signal.std()))
            update = W - old[w_name]
            rec["update_ratio"].append(float(update.std() / (W.std() + UPDATE_RATIO_FLOOR)))
        return rec
