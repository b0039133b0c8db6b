"""Optimizers, in increasing complexity, each checked step for step against ``torch.optim``.

The contract: an optimizer owns its hyper-parameters, its step counter ``t`` and its state (two arrays shaped
like the parameters); ``step(theta, grad)`` updates ``theta`` in place. Subclasses implement only ``update``.
All parameters of a model live in one flat vector, so one update covers every layer.

``update_flat`` is the same arithmetic one element at a time; the ``cpu`` and ``cuda`` backends compile it into
their fused training steps.
"""
from __future__ import annotations

import math

import numpy as np

from .packing import (BETA1, BETA2, EPS, LR, MOMENTUM, N_MOMENTS, N_OPTIMIZER_SLOTS, OPT_ADAGRAD, OPT_ADAMAX,
                      OPT_ADAMW, OPT_MOMENTUM, OPT_NESTEROV, OPT_RMSPROP, OPT_SGD, OPTIMIZERS, WEIGHT_DECAY)
from .validation import check_choice, check_number

NAMES = OPTIMIZERS                                   # the kernels get the integer ids (dlkit.packing)
ID = {name: i for i, name in enumerate(NAMES)}
CLIP_EPS = 1e-6        # clipping divides by norm + CLIP_EPS, as PyTorch's clip_grad_norm_ does


class Optimizer:
    """Base: holds lr and the other hyper-parameters; ``step`` counts steps and calls ``update``. Module 05."""

    name = "sgd"
    defaults = {"lr": 0.01}

    def __init__(self, lr=None, **hyper):
        unknown = set(hyper) - set(self.defaults)
        if unknown:
            raise TypeError(f"{self.name} has no hyper-parameter {sorted(unknown)[0]!r}; "
                            f"it takes {', '.join(self.defaults)}")
        values = {**self.defaults, **hyper, **({"lr": lr} if lr is not None else {})}
        self.hyper = {k: _check_hyper(k, v) for k, v in values.items()}
        self.t = 0
        self.state = None

    @property
    def lr(self):
        return self.hyper["lr"]

    def vector(self) -> np.ndarray:
        """The hyper-parameters packed as the kernels read them: float64 (N_OPTIMIZER_SLOTS,)."""
        h = self.hyper
        packed = np.zeros(N_OPTIMIZER_SLOTS, dtype=np.float64)
        packed[LR], packed[MOMENTUM], packed[BETA1] = h["lr"], h.get("momentum", 0.0), h.get("beta1", 0.0)
        packed[BETA2] = h.get("beta2", h.get("alpha", 0.0))     # RMSprop's alpha plays Adam's beta2 role
        packed[EPS], packed[WEIGHT_DECAY] = h.get("eps", 0.0), h.get("weight_decay", 0.0)
        return packed

    def init_state(self, theta):
        """State: two arrays like theta (P,) -> (2, P), zeros."""
        self.state = np.zeros((N_MOMENTS,) + theta.shape, dtype=theta.dtype)
        self.t = 0
        return self.state

    def step(self, theta, grad):
        """One update of theta (P,) in place from grad (P,)."""
        if self.state is None or self.state.shape[1:] != theta.shape:
            self.init_state(theta)
        self.t += 1
        self.update(theta, grad, self.state, self.t)

    def update(self, theta, grad, state, t):
        theta -= self.lr * grad

    def __repr__(self):
        args = ", ".join(f"{k}={v:g}" for k, v in self.hyper.items())
        return f"{type(self).__name__}({args})"


def _check_hyper(name, value):
    if name in ("beta1", "beta2", "alpha"):
        value = check_number(name, value, nonnegative=True)
        if value >= 1:
            raise ValueError(f"{name} must be in [0, 1), got {value!r}")
        return value
    return check_number(name, value, positive=name == "lr", nonnegative=True)


class SGD(Optimizer):
    """theta <- theta - lr * g. Module 05."""


class Momentum(Optimizer):
    """Heavy ball (PyTorch's SGD with momentum): v <- mu v + g; theta <- theta - lr v. Module 05."""

    name, defaults = "momentum", {"lr": 0.01, "momentum": 0.9}

    def update(self, theta, grad, state, t):
        v = state[0]
        v[:] = grad if t == 1 else self.hyper["momentum"] * v + grad
        theta -= self.lr * v


class Nesterov(Optimizer):
    """Nesterov momentum (PyTorch form): v <- mu v + g; theta <- theta - lr (g + mu v). Module 05."""

    name, defaults = "nesterov", {"lr": 0.01, "momentum": 0.9}

    def update(self, theta, grad, state, t):
        mu, v = self.hyper["momentum"], state[0]
        v[:] = grad if t == 1 else mu * v + grad
        theta -= self.lr * (grad + mu * v)


class Adagrad(Optimizer):
    """Per-weight step sizes shrinking with the sum of squared gradients: s <- s + g^2. Module 05."""

    name, defaults = "adagrad", {"lr": 0.01, "eps": 1e-10}

    def update(self, theta, grad, state, t):
        s = state[0]
        s += grad * grad
        theta -= self.lr * grad / (np.sqrt(s) + self.hyper["eps"])


class RMSprop(Optimizer):
    """Adagrad with a forgetting average: s <- alpha s + (1 - alpha) g^2. Module 05."""

    name, defaults = "rmsprop", {"lr": 0.01, "alpha": 0.99, "eps": 1e-8}

    def update(self, theta, grad, state, t):
        alpha, s = self.hyper["alpha"], state[0]
        s[:] = alpha * s + (1 - alpha) * grad * grad
        theta -= self.lr * grad / (np.sqrt(s) + self.hyper["eps"])


class Adam(Optimizer):
    """Momentum + RMSprop with bias correction (Kingma & Ba 2015). Module 05."""

    name, defaults = "adam", {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}

    def update(self, theta, grad, state, t):
        b1, b2, eps = self.hyper["beta1"], self.hyper["beta2"], self.hyper["eps"]
        m, v = state
        m[:] = b1 * m + (1 - b1) * grad
        v[:] = b2 * v + (1 - b2) * grad * grad
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        theta -= self.lr * m_hat / (np.sqrt(v_hat) + eps)


class AdamW(Adam):
    """Adam with decoupled weight decay: theta <- theta (1 - lr wd) before the Adam step (Loshchilov & Hutter).
    Module 05."""

    name, defaults = "adamw", {**Adam.defaults, "weight_decay": 0.01}

    def update(self, theta, grad, state, t):
        theta *= 1 - self.lr * self.hyper["weight_decay"]
        super().update(theta, grad, state, t)


class Adamax(Optimizer):
    """Adam with the infinity norm: u <- max(beta2 u, |g| + eps). Module 05."""

    name, defaults = "adamax", {"lr": 0.002, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}

    def update(self, theta, grad, state, t):
        b1, b2, eps = self.hyper["beta1"], self.hyper["beta2"], self.hyper["eps"]
        m, u = state
        m[:] = b1 * m + (1 - b1) * grad
        u[:] = np.maximum(b2 * u, np.abs(grad) + eps)
        theta -= self.lr / (1 - b1 ** t) * m / u


CLASSES = {cls.name: cls for cls in (SGD, Momentum, Nesterov, Adagrad, RMSprop, Adam, AdamW, Adamax)}


def get(spec, lr=None, **hyper) -> Optimizer:
    """An optimizer from a name (``"adam"``) or an instance (returned as is). Module 05."""
    if isinstance(spec, Optimizer):
        return spec
    return CLASSES[check_choice("optimizer", spec, NAMES)](lr=lr, **hyper)


def clip_by_norm(grad, max_norm):
    """Scale grad (P,) in place so its L2 norm is at most max_norm (PyTorch's clip_grad_norm_); returns the
    norm before clipping. Module 06."""
    norm = float(np.sqrt(np.sum(grad.astype(np.float64) ** 2)))
    if max_norm > 0 and norm > max_norm:
        grad *= clip_factor(norm, max_norm)
    return norm


# ---- the same updates one element at a time, compiled by the cpu and cuda backends -----------------------

def clip_factor(norm, max_norm):
    """What a gradient of L2 norm ``norm`` > ``max_norm`` is multiplied by to be clipped to ``max_norm``. Module 06."""
    return max_norm / (norm + CLIP_EPS)


def bias_corrections(hyper, t):
    """Adam's bias corrections (1 - beta1^t, 1 - beta2^t), computed once per step, not once per weight. Module 09."""
    return 1.0 - hyper[BETA1] ** t, 1.0 - hyper[BETA2] ** t


def update_flat(theta, grad, m, v, i, kind, hyper, t, corr1, corr2):
    """Update element i of theta; m and v are the two state vectors; t counts steps from 1; corr1, corr2 come
    from ``bias_corrections``. Module 09."""
    g = grad[i]
    lr = hyper[LR]
    if kind == OPT_SGD:
        theta[i] -= lr * g
    elif kind == OPT_MOMENTUM or kind == OPT_NESTEROV:
        mu = hyper[MOMENTUM]
        m[i] = g if t == 1 else mu * m[i] + g
        theta[i] -= lr * (g + mu * m[i] if kind == OPT_NESTEROV else m[i])
    elif kind == OPT_ADAGRAD:
        m[i] += g * g
        theta[i] -= lr * g / (math.sqrt(m[i]) + hyper[EPS])
    elif kind == OPT_RMSPROP:
        alpha = hyper[BETA2]
        m[i] = alpha * m[i] + (1.0 - alpha) * g * g
        theta[i] -= lr * g / (math.sqrt(m[i]) + hyper[EPS])
    else:                                               # the Adam family: first moment, then its second
        b1, b2 = hyper[BETA1], hyper[BETA2]
        m[i] = b1 * m[i] + (1.0 - b1) * g
        if kind == OPT_ADAMAX:
            v[i] = max(b2 * v[i], abs(g) + hyper[EPS])
            theta[i] -= lr / corr1 * m[i] / v[i]
        else:
            if kind == OPT_ADAMW:
                theta[i] *= 1.0 - lr * hyper[WEIGHT_DECAY]
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            theta[i] -= lr * (m[i] / corr1) / (math.sqrt(v[i] / corr2) + hyper[EPS])
