"""The multilayer perceptron: hidden ``h = act(h @ W + b)`` (optionally batch-normalised and dropped out), last
layer linear.

All parameters live in one flat vector ``model.theta``; ``model.params`` maps "W1", "b1", ... to reshaped views
of it, so changing ``model.params["W1"][0, 0]`` changes the model. The model computes; it knows nothing of
training loops, plots or widgets.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from . import activations, initializers, layers, losses
from . import packing as pk
from .backend import get_backend, kernels
from .packing import BETA, BIAS, GAMMA, RUNNING_MEAN, RUNNING_VAR, WEIGHT, param_name
from .validation import check_array, check_choice, check_labels, check_number, check_probability, check_seed

DTYPES = ("float32", "float64")


class MLP:
    """A fully connected network ``sizes = [D0, H1, ..., C]``.

    activation: a name, or one name per hidden layer; init: an initializer (name or ``dk.init.*``), or "auto"
    (He for ReLU-family layers, Xavier for the rest); weight_scale multiplies the initial weights;
    batch_norm / dropout apply to hidden layers.
    """

    def __init__(self, sizes, activation="relu", init="auto", seed=0, dtype="float32", batch_norm=False,
                 dropout=0.0, weight_scale=1.0):
        self.sizes = _check_sizes(sizes)
        n_hidden = len(self.sizes) - 2
        acts = [activation] * n_hidden if isinstance(activation, str) else list(activation)
        if len(acts) != n_hidden:
            raise ValueError(f"activation: got {len(acts)} names for {n_hidden} hidden layers")
        self.activations = [check_choice("activation", a, activations.NAMES) for a in acts]
        self.init = init if init == "auto" else initializers.get(init)
        self.dtype = np.dtype(check_choice("dtype", str(np.dtype(dtype)) if not isinstance(dtype, str)
                                           else dtype, DTYPES))
        self.batch_norm = bool(batch_norm)
        self.dropout = check_probability("dropout", dropout)
        self.weight_scale = check_number("weight_scale", weight_scale, nonnegative=True)
        self.seed = check_seed("seed", seed)
        self.layout, n_params, n_buffers = self._build_layout()
        self.theta = np.zeros(n_params, dtype=self.dtype)
        self.buffers = np.zeros(n_buffers, dtype=self.dtype)
        self.params = self.views(self.theta)
        self.reset(self.seed)

    # ---- structure -------------------------------------------------------------------------------------
    def _build_layout(self):
        """One layout row per layer; parameters packed W1, b1, [gamma1, beta1], W2, ..."""
        rows, offset, buf = [], 0, 0
        n_layers = len(self.sizes) - 1
        for k in range(n_layers):
            d, h = self.sizes[k], self.sizes[k + 1]
            hidden = k < n_layers - 1
            row = np.full(pk.N_COLUMNS, pk.ABSENT, dtype=np.int64)
            row[pk.D_IN], row[pk.D_OUT], row[pk.W_OFF], row[pk.B_OFF] = d, h, offset, offset + d * h
            offset += d * h + h
            if hidden and self.batch_norm:
                row[pk.G_OFF], row[pk.BETA_OFF], row[pk.RM_OFF] = offset, offset + h, buf
                offset, buf = offset + 2 * h, buf + 2 * h
            row[pk.ACT] = activations.ID[self.activations[k]] if hidden else pk.ACT_LINEAR
            row[pk.DROP] = int(hidden and self.dropout > 0)
            rows.append(row)
        return np.array(rows), offset, buf

    def views(self, flat):
        """Name -> reshaped view of a flat vector laid out like theta (used for params and grads)."""
        views = OrderedDict()
        for k, row in enumerate(self.layout, start=1):
            d, h = int(row[pk.D_IN]), int(row[pk.D_OUT])
            views[param_name(WEIGHT, k)] = flat[row[pk.W_OFF]:row[pk.W_OFF] + d * h].reshape(d, h)
            views[param_name(BIAS, k)] = flat[row[pk.B_OFF]:row[pk.B_OFF] + h]
            if row[pk.G_OFF] != pk.ABSENT:
                views[param_name(GAMMA, k)] = flat[row[pk.G_OFF]:row[pk.G_OFF] + h]
                views[param_name(BETA, k)] = flat[row[pk.BETA_OFF]:row[pk.BETA_OFF] + h]
        return views

    def running_stats(self):
        """Batch-norm running statistics: {"mean1": (H1,), "var1": (H1,), ...} (views)."""
        stats = OrderedDict()
        for k, row in enumerate(self.layout, start=1):
            if row[pk.RM_OFF] != pk.ABSENT:
                r, h = int(row[pk.RM_OFF]), int(row[pk.D_OUT])
                stats[param_name(RUNNING_MEAN, k)] = self.buffers[r:r + h]
                stats[param_name(RUNNING_VAR, k)] = self.buffers[r + h:r + 2 * h]
        return stats

    @property
    def n_layers(self):
        return len(self.layout)

    @property
    def n_params(self):
        return self.theta.size

    def layer_init(self, k):
        """The initializer layer k (1-based) uses."""
        if self.init != "auto":
            return self.init
        act = self.activations[k - 1] if k <= len(self.activations) else "linear"
        return initializers.he_normal() if act in activations.RELU_FAMILY else initializers.xavier_uniform()

    def reset(self, seed=None):
        """Draw fresh weights (biases 0, gamma 1, beta 0, running mean 0 and var 1) from ``seed``."""
        self.seed = self.seed if seed is None else check_seed("seed", seed)
        rng = np.random.default_rng(self.seed)
        self.theta[:] = 0
        for k in range(1, self.n_layers + 1):
            d, h = self.sizes[k - 1], self.sizes[k]
            self.params[param_name(WEIGHT, k)][:] = self.weight_scale * self.layer_init(k)(d, h, rng)
            if param_name(GAMMA, k) in self.params:
                self.params[param_name(GAMMA, k)][:] = 1
        for name, view in self.running_stats().items():
            view[:] = 1 if pk.split_name(name)[0] == RUNNING_VAR else 0
        return self

    def set_dropout(self, p):
        """Change the dropout rate of the hidden layers (0 switches dropout off): a running ``fit`` picks it up
        at its next epoch when an :class:`dlkit.callbacks.Adjust` asks for it."""
        self.dropout = check_probability("dropout", p)
        hidden = np.arange(self.n_layers) < self.n_layers - 1
        self.layout[:, pk.DROP] = (hidden & (self.dropout > 0)).astype(np.int64)
        return self

    def hyper(self, l1=0.0, l2=0.0):
        """The packed hyper-parameter vector for forward passes (dropout, batch-norm constants, penalties)."""
        hyper = pk.empty_hyper()
        hyper[pk.DROPOUT], hyper[pk.BN_MOMENTUM], hyper[pk.BN_EPS] = self.dropout, layers.BN_MOMENTUM, layers.BN_EPS
        hyper[pk.L1], hyper[pk.L2] = l1, l2
        return hyper

    # ---- computing -------------------------------------------------------------------------------------
    def forward(self, X):
        """Outputs / logits in evaluation mode: X (N, D0) -> (N, C)."""
        X = self.check_X(X)
        return kernels().forward(self.layout, self.theta, self.buffers, self.hyper(), X)

    def predict(self, X):
        """Class predictions (N,) int: argmax of the logits, or logit > 0 for a single output."""
        return losses.predict_classes(self.forward(X))

    def predict_proba(self, X):
        """Class probabilities (N, C) float64: softmax of the logits, or [1 - p, p] with p the sigmoid of a
        single logit (see :func:`dlkit.losses.probabilities`)."""
        return losses.probabilities(self.forward(X))

    def loss_and_grads(self, X, y, loss="cross_entropy", l1=0.0, l2=0.0):
        """Batch-mean loss (+ L1/L2 penalty) in training mode and its gradients (same keys/shapes as params)."""
        X, T, loss_id = self.check_batch(X, y, loss)
        l1, l2 = check_number("l1", l1, nonnegative=True), check_number("l2", l2, nonnegative=True)
        iconf = pk.empty_iconf()
        iconf[pk.LOSS], iconf[pk.SEED] = loss_id, self.seed
        grad = np.zeros_like(self.theta)
        value = kernels().forward_backward(self.layout, self.theta, grad, self.buffers.copy(),
                                           self.hyper(l1, l2), iconf, X, T)
        value += self.penalty(l1, l2)
        return float(value), OrderedDict((k, v.copy()) for k, v in self.views(grad).items())

    def penalty(self, l1=0.0, l2=0.0):
        """l1 * sum|W| + l2 / 2 * sum W^2 over the weight matrices (not biases): L2 here is PyTorch's
        weight_decay, whose gradient is l2 * W."""
        weights = [v for k, v in self.params.items() if pk.split_name(k)[0] == WEIGHT]
        return float(sum(l1 * np.abs(W).sum() + 0.5 * l2 * (W.astype(np.float64) ** 2).sum() for W in weights))

    def layer_outputs(self, X, training=False):
        """Per-layer pre-activations and activations for diagnostics, computed by the numpy reference:
        a list of dicts {"z": (N, H_k), "h": (N, H_k)}, one per layer."""
        from .kernels import numpy_ref

        X = self.check_X(X)
        result, h = [], X
        iconf = pk.empty_iconf()
        iconf[pk.SEED] = self.seed
        for k, row in enumerate(self.layout, start=1):
            h, cache = numpy_ref.layer_forward(row, k, self.theta, self.buffers, self.hyper(), iconf, h, training)
            z, _ = cache.activation                        # the activation's cache: (z, its name)
            result.append({"z": z, "h": h})
        return result

    # ---- checking inputs -------------------------------------------------------------------------------
    def check_X(self, X, name="X"):
        X = check_array(name, X, ndim=2, dtype=None)
        if X.shape[1] != self.sizes[0]:
            raise ValueError(f"{name} has {X.shape[1]} features per row but the model's input layer expects "
                             f"{self.sizes[0]} (sizes={self.sizes})")
        return np.ascontiguousarray(X, dtype=self.dtype)

    def check_batch(self, X, y, loss, names=("X", "y")):
        """Validate X, y and the loss together; returns X (N, D0), the packed targets T (N, Ct), the loss id."""
        loss = check_choice("loss", loss, losses.NAMES)
        X = self.check_X(X, names[0])
        c = self.sizes[-1]
        if loss in losses.CLASSIFICATION:
            if loss == "binary_cross_entropy" and c != 1:
                raise ValueError(f"binary_cross_entropy takes one logit per example, but the model has {c} "
                                 "outputs: end the network with 1 unit, or use loss='cross_entropy'")
            n_classes = 2 if c == 1 else c
            T = check_labels(names[1], y, n_classes, X.shape[0]).astype(self.dtype)[:, None]
        else:
            T = check_array(names[1], y, ndim=(1, 2), dtype=np.float64)
            if T.shape[0] != X.shape[0]:
                raise ValueError(f"{names[1]} has {T.shape[0]} rows but {names[0]} has {X.shape[0]}; they must match")
            T = T.reshape(len(T), -1)
            if T.shape[1] != c:
                raise ValueError(f"{names[1]} has {T.shape[1]} target(s) per row but the model has {c} outputs")
        return X, np.ascontiguousarray(T, dtype=self.dtype), losses.ID[loss]

    # ---- copies and mirrors ----------------------------------------------------------------------------
    def get_state(self):
        """A copy of everything learned: (theta, buffers)."""
        return self.theta.copy(), self.buffers.copy()

    def set_state(self, state):
        theta, buffers = state
        self.theta[:], self.buffers[:] = theta, buffers

    def to_torch(self, device="cpu"):
        """An equivalent ``torch.nn.Sequential`` with identical weights (Linear stores W transposed)."""
        from .torch_mirror import to_torch

        return to_torch(self, device)

    def __repr__(self):
        extras = "".join([", batch_norm=True" if self.batch_norm else "",
                          f", dropout={self.dropout:g}" if self.dropout else ""])
        acts = self.activations[0] if len(set(self.activations)) == 1 else self.activations
        return (f"MLP({self.sizes}, activation={acts!r}, dtype={self.dtype.name!r}{extras}) "
                f"— {self.n_params} parameters, backend {get_backend()!r}")


def _check_sizes(sizes):
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a list of layer widths such as [2, 16, 16, 2], got {sizes!r}")
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output width, got {list(sizes)}")
    return [check_number(f"sizes[{i}]", s, positive=True, integer=True) for i, s in enumerate(sizes)]
