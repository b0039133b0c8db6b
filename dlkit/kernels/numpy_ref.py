"""The ``numpy`` backend: the readable reference every other backend is tested against.

It composes the layer functions of :mod:`dlkit.layers`, :mod:`dlkit.losses` and :mod:`dlkit.optimizers`
exactly as a student would write them. See :mod:`dlkit.kernels` for the contract.
"""
from __future__ import annotations

import sys
from collections import namedtuple

import numpy as np

from .. import activations, layers, losses, optimizers
from ..packing import (ABSENT, ACT, B_OFF, BATCH, BETA1, BETA2, BETA_OFF, BN_EPS, BN_MOMENTUM, CLIP, D_IN, D_OUT,
                       DROP, DROPOUT, EPS, G_OFF, L1, L2, LOSS, LR, MOMENTUM, N_MOMENTS, OPT, RECORD_ACCURACY,
                       RECORD_LOSS, RM_OFF, SEED, STEP, TRAINABLE, UPDATE_STATS, W_OFF, WEIGHT_DECAY)
from .host import HostRun

# what one layer's forward pass keeps for its backward pass (None where the layer has no such piece)
LayerCache = namedtuple("LayerCache", "dense batchnorm activation dropout_mask")


def layer_views(row, theta, buffers):
    """The pieces of one layer as views: W (D, H), b (H,), and gamma, beta, running mean, var (H,) or None."""
    d, h = int(row[D_IN]), int(row[D_OUT])
    W = theta[row[W_OFF]:row[W_OFF] + d * h].reshape(d, h)
    b = theta[row[B_OFF]:row[B_OFF] + h]
    if row[G_OFF] == ABSENT:
        return W, b, None
    bn = (theta[row[G_OFF]:row[G_OFF] + h], theta[row[BETA_OFF]:row[BETA_OFF] + h],
          buffers[row[RM_OFF]:row[RM_OFF] + h], buffers[row[RM_OFF] + h:row[RM_OFF] + 2 * h])
    return W, b, bn


def layer_forward(row, k, theta, buffers, hyper, iconf, h, training):
    """One layer: h (N, D) -> (N, H) with its caches, in the order dense -> batch norm -> activation -> dropout."""
    W, b, bn = layer_views(row, theta, buffers)
    z, dense_cache = layers.dense_forward(h, W, b)
    bn_cache = None
    if bn is not None:
        gamma, beta, running_mean, running_var = bn
        if training and not iconf[UPDATE_STATS]:
            running_mean, running_var = running_mean.copy(), running_var.copy()
        z, bn_cache = layers.batchnorm_forward(z, gamma, beta, running_mean, running_var, training,
                                               hyper[BN_MOMENTUM], hyper[BN_EPS])
    h, act_cache = layers.activation_forward(z, activations.NAMES[row[ACT]])
    mask = None
    if training and row[DROP]:
        h, mask = layers.dropout_forward(h, hyper[DROPOUT], iconf[SEED], iconf[STEP], k)
    return h, LayerCache(dense_cache, bn_cache, act_cache, mask)


def _layer_backward(dh, cache):
    """dh (N, H) -> dx (N, D), dW, db, dgamma, dbeta (the last two None without batch norm)."""
    dense_cache, bn_cache, act_cache, mask = cache                  # a LayerCache
    if mask is not None:
        dh = layers.dropout_backward(dh, mask)
    dz = layers.activation_backward(dh, act_cache)
    dgamma = dbeta = None
    if bn_cache is not None:
        dz, dgamma, dbeta = layers.batchnorm_backward(dz, bn_cache)
    dx, dW, db = layers.dense_backward(dz, dense_cache)
    return dx, dW, db, dgamma, dbeta


def forward(layout, theta, buffers, hyper, X):
    """Evaluation-mode forward pass: X (N, D0) -> outputs (N, C)."""
    h = X
    for k, row in enumerate(layout, start=1):
        h, _ = layer_forward(row, k, theta, buffers, hyper, None, h, training=False)
    return h


def targets(loss_id, T):
    """Loss targets from the packed target array T (N, Ct): class labels (N,) int or the float targets."""
    if losses.is_classification(loss_id):
        return T[:, 0].astype(np.int64)
    return T


def forward_backward(layout, theta, grad, buffers, hyper, iconf, X, T):
    """Training-mode forward and backward on one batch X (N, D0), T (N, Ct); fills grad (P,), returns the loss."""
    return _forward_backward(layout, theta, grad, buffers, hyper, iconf, X, T)[0]


def batch_accuracy(loss_id, out, T):
    """Fraction of correct predictions in a batch: out (N, C), T (N, Ct); 0 for regression losses."""
    if not losses.is_classification(loss_id):
        return 0.0
    return float(np.mean(losses.predict_classes(out) == T[:, 0]))


def _forward_backward(layout, theta, grad, buffers, hyper, iconf, X, T):
    """forward_backward that also returns the outputs (N, C)."""
    # forward
    caches, h = [], X
    for k, row in enumerate(layout, start=1):
        h, cache = layer_forward(row, k, theta, buffers, hyper, iconf, h, training=True)
        caches.append(cache)
    # loss
    h_out = h
    loss, dh = losses.loss_and_grad(losses.NAMES[iconf[LOSS]], h, targets(iconf[LOSS], T))
    # backward, last layer first; the penalties' gradients join the weights' gradients
    for row, cache in zip(layout[::-1], caches[::-1]):
        dh, dW, db, dgamma, dbeta = _layer_backward(dh, cache)
        W, _, _ = layer_views(row, theta, buffers)
        gW, gb, gbn = layer_views(row, grad, buffers)
        gW[:] = dW + hyper[L1] * np.sign(W) + hyper[L2] * W
        gb[:] = db
        if gbn is not None:
            gbn[0][:], gbn[1][:] = dgamma, dbeta
    return loss, h_out


def train_steps(layout, theta, grad, state, buffers, hyper, iconf, X, T, order, record):
    """Mini-batch loop over ``order``: forward, loss, backward, clip, update; record[s] = (loss, accuracy)."""
    batch_size = int(iconf[BATCH])
    opt = optimizers.CLASSES[optimizers.NAMES[iconf[OPT]]]()
    opt.hyper.update(_hyper_dict(opt, hyper))
    steps = 0
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        loss, out = _forward_backward(layout, theta, grad, buffers, hyper, iconf, X[idx], T[idx])
        record[steps, RECORD_LOSS] = loss
        record[steps, RECORD_ACCURACY] = batch_accuracy(iconf[LOSS], out, T[idx])
        if not np.isfinite(loss):
            return steps
        frozen = state[TRAINABLE] == 0 if len(state) > N_MOMENTS else np.zeros(len(theta), dtype=bool)
        grad[frozen] = 0                                 # frozen weights: no gradient, no update
        kept = theta[frozen].copy(), state[:N_MOMENTS, frozen].copy()
        optimizers.clip_by_norm(grad, hyper[CLIP])
        iconf[STEP] += 1
        opt.update(theta, grad, state[:N_MOMENTS], int(iconf[STEP]))
        theta[frozen], state[:N_MOMENTS, frozen] = kept
        steps += 1
    return steps


def _hyper_dict(opt, hyper):
    """Read an optimizer's named hyper-parameters back from the packed vector."""
    slots = {"lr": LR, "momentum": MOMENTUM, "beta1": BETA1, "beta2": BETA2, "alpha": BETA2, "eps": EPS,
             "weight_decay": WEIGHT_DECAY}
    return {name: float(hyper[slots[name]]) for name in opt.hyper}


def Run(model, X, T, state, hyper, iconf):
    """A training run in host memory (see :mod:`dlkit.kernels.host`)."""
    return HostRun(sys.modules[__name__], model, X, T, state, hyper, iconf)
