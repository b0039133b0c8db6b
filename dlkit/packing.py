"""How a network, its hyper-parameters, its counters and its kinds are packed for the kernels.

All parameters live in one flat vector ``theta (P,)`` (gradients in ``grad (P,)``, optimizer state in
``state (2, P)``, batch-norm running statistics in ``buffers``). ``layout (L, N_COLUMNS)`` is an int64 table,
one row per dense layer, saying where each layer's pieces start; ``model.params["W1"]`` is a reshaped view of
``theta``. A flat vector makes one compiled kernel serve every depth, and lets an optimizer update or a gradient
clip be one loop.

Strings do not travel into compiled code, so activations, losses and optimizers travel as integer kinds. Every
number here is a module constant: Numba compiles a module's globals as constants, so naming them costs nothing.
"""
from __future__ import annotations

import re

import numpy as np

# ---- kinds: the integer id of each name is its position -------------------------------------------------
ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu")
ACT_LINEAR, ACT_SIGMOID, ACT_TANH, ACT_RELU, ACT_LEAKY_RELU, ACT_ELU, ACT_GELU = range(len(ACTIVATIONS))

LOSSES = ("mse", "mae", "huber", "binary_cross_entropy", "cross_entropy", "hinge")
LOSS_MSE, LOSS_MAE, LOSS_HUBER, LOSS_BINARY_CROSS_ENTROPY, LOSS_CROSS_ENTROPY, LOSS_HINGE = range(len(LOSSES))
FIRST_CLASSIFICATION_LOSS = LOSS_BINARY_CROSS_ENTROPY   # it and the losses after it take class labels

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "adamax")
(OPT_SGD, OPT_MOMENTUM, OPT_NESTEROV, OPT_ADAGRAD, OPT_RMSPROP, OPT_ADAM, OPT_ADAMW,
 OPT_ADAMAX) = range(len(OPTIMIZERS))

# ---- layout: one row per dense layer k = 1..L: z = h @ W + b [-> batch norm] -> activation [-> dropout] ----
D_IN, D_OUT, W_OFF, B_OFF, G_OFF, BETA_OFF, ACT, RM_OFF, DROP = range(9)
N_COLUMNS = 9
ABSENT = -1            # G_OFF, BETA_OFF and RM_OFF of a layer without batch norm

# ---- hyper (float64): the optimizer's slots first, then the run's ------------------------------------------
LR, MOMENTUM, BETA1, BETA2, EPS, WEIGHT_DECAY = range(6)      # RMSprop's alpha sits in BETA2
N_OPTIMIZER_SLOTS = 6
CLIP, L1, L2, DROPOUT, BN_MOMENTUM, BN_EPS = range(N_OPTIMIZER_SLOTS, N_OPTIMIZER_SLOTS + 6)
N_HYPER = N_OPTIMIZER_SLOTS + 6

# ---- iconf (int64): the loss and optimizer kinds, batch size, seed, step counter, whether BN stats update, --
# and whether the caller reads the last step's gradient after train_steps (fit's per-layer observer does; where
# nobody does, the cpu backend may move a wide layer's weights inside its gradient product, never storing it)
LOSS, OPT, BATCH, SEED, STEP, UPDATE_STATS, KEEP_GRAD = range(7)
N_ICONF = 7

# ---- optimizer state (rows of P entries): two vectors (m, v), and a third marking trainable entries --------
STATE_M, STATE_V = 0, 1
N_MOMENTS = 2          # rows every optimizer has
TRAINABLE = 2          # the row present only when some parameters are frozen: 1 may move, 0 stays

# ---- record (steps, N_RECORD) float64: what each training step reports ---------------------------------
RECORD_LOSS, RECORD_ACCURACY = 0, 1
N_RECORD = 2

# ---- parameter names: "W3" is layer 3's weight matrix ------------------------------------------------------
WEIGHT, BIAS, GAMMA, BETA = "W", "b", "gamma", "beta"
RUNNING_MEAN, RUNNING_VAR = "mean", "var"
_NAME = re.compile(r"([A-Za-z]+)(\d+)")


def param_name(piece: str, k: int) -> str:
    """The name of layer k's piece ("W", "b", "gamma", "beta", "mean", "var"): ("W", 3) -> "W3"."""
    return f"{piece}{k}"


def split_name(name: str) -> tuple[str, int]:
    """A parameter name back into its piece and layer number: "gamma3" -> ("gamma", 3)."""
    match = _NAME.fullmatch(name)
    if match is None:
        raise ValueError(f"{name!r} is not a parameter name such as 'W1', 'b2' or 'gamma3'")
    return match.group(1), int(match.group(2))


def empty_hyper():
    """A zeroed hyper-parameter vector (N_HYPER,) float64."""
    return np.zeros(N_HYPER, dtype=np.float64)


def empty_iconf():
    """A zeroed counter vector (N_ICONF,) int64."""
    return np.zeros(N_ICONF, dtype=np.int64)
