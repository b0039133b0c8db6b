"""How a network, its hyper-parameters and its counters are packed for the kernels.

All parameters live in one flat vector ``theta`` (and gradients in ``grad``, optimizer state in ``state (2, P)``,
batch-norm running statistics in ``buffers``). ``layout`` is an int64 table, one row per dense layer, saying
where each layer's pieces start; ``model.params["W1"]`` is a reshaped view of ``theta``. A flat vector makes one
compiled kernel serve every depth, and lets an optimizer update or a gradient clip be one loop.
"""
import numpy as np

from ..optimizers import LR, MOMENTUM, BETA1, BETA2, EPS, WEIGHT_DECAY  # noqa: F401  (slots 0-5)

# layout columns, one row per dense layer k = 1..L: z = h @ W + b [-> batch norm] -> activation [-> dropout]
D_IN, D_OUT, W_OFF, B_OFF, G_OFF, BETA_OFF, ACT, RM_OFF, DROP = range(9)
N_COLUMNS = 9          # G_OFF, BETA_OFF and RM_OFF are -1 when the layer has no batch norm

# hyper (float64): the optimizer's slots 0-5, then
CLIP, L1, L2, DROPOUT, BN_MOMENTUM, BN_EPS = range(6, 12)
N_HYPER = 12

# iconf (int64): names of the loss and optimizer, batch size, seed, step counter, whether BN stats update
LOSS, OPT, BATCH, SEED, STEP, UPDATE_STATS = range(6)
N_ICONF = 6


def empty_hyper():
    return np.zeros(N_HYPER, dtype=np.float64)


def empty_iconf():
    return np.zeros(N_ICONF, dtype=np.int64)
