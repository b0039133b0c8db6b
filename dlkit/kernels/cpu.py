"""The ``cpu`` backend: Numba ``@njit`` kernels with the numpy reference's names and signatures.

A whole epoch of mini-batch steps runs inside one compiled call (``train_steps``), so Python's per-call cost is
paid once per epoch, not once per step. Matrix products go to BLAS through ``np.dot``; everything elementwise
(bias, batch norm, activation, dropout, loss, clipping, optimizer) is fused into plain loops. The scalar maths
is the same code the numpy reference documents: ``activations.activate``, ``losses.row_loss``,
``optimizers.update_flat`` and ``rng.hashed_uniform``, compiled here.
"""
from __future__ import annotations

import math
import sys

import numpy as np
from numba import njit

from ..packing import (ABSENT, ACT, ACT_ELU, ACT_GELU, ACT_LEAKY_RELU, ACT_LINEAR, ACT_RELU, ACT_SIGMOID,
                       ACT_TANH, B_OFF, BATCH, BETA_OFF, BN_EPS, BN_MOMENTUM, CLIP, D_IN, D_OUT, DROP, DROPOUT,
                       G_OFF, L1, L2, LOSS, N_ICONF, N_MOMENTS, OPT, OPT_ADAGRAD, OPT_ADAM, OPT_ADAMAX, OPT_ADAMW,
                       OPT_MOMENTUM, OPT_NESTEROV, OPT_RMSPROP, OPT_SGD, RECORD_ACCURACY, RECORD_LOSS, RM_OFF, SEED,
                       STATE_M, STATE_V, STEP, UPDATE_STATS, W_OFF)
from .compile import SCALAR_CODE, compile_family
from .host import HostRun

_SCALAR = compile_family(SCALAR_CODE, njit(cache=True, inline="always", error_model="numpy"))
_activate, _activate_grad = _SCALAR["activate"], _SCALAR["activate_grad"]
_row_loss, _row_class, _is_classification = _SCALAR["row_loss"], _SCALAR["row_class"], _SCALAR["is_classification"]
_update, _bias_corrections, _clip_factor = _SCALAR["update_flat"], _SCALAR["bias_corrections"], _SCALAR["clip_factor"]
_uniform, _batches_in = _SCALAR["hashed_uniform"], _SCALAR["batches_in"]
_bn_column_forward, _bn_column_backward = _SCALAR["batchnorm_column_forward"], _SCALAR["batchnorm_column_backward"]


# ---- elementwise loops, one specialised copy per activation / optimizer ----------------------------------
# A branch on `kind` inside a hot loop costs time on every element; calling these with a constant kind lets
# the compiler fold the branch away (docs/performance.md has the figures).

@njit(cache=True, inline="always", error_model="numpy")
def _activate_loop(z, h, kind):
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            h[i, j] = _activate(z[i, j], kind)


@njit(cache=True, inline="always", error_model="numpy")
def _activate_grad_loop(dh, z, h, kind):
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            dh[i, j] *= _activate_grad(z[i, j], h[i, j], kind)


@njit(cache=True, error_model="numpy")
def _activate_all(z, h, kind):
    """h = f(z) elementwise, (n, H)."""
    if kind == ACT_LINEAR:
        _activate_loop(z, h, ACT_LINEAR)
    elif kind == ACT_SIGMOID:
        _activate_loop(z, h, ACT_SIGMOID)
    elif kind == ACT_TANH:
        _activate_loop(z, h, ACT_TANH)
    elif kind == ACT_RELU:
        _activate_loop(z, h, ACT_RELU)
    elif kind == ACT_LEAKY_RELU:
        _activate_loop(z, h, ACT_LEAKY_RELU)
    elif kind == ACT_ELU:
        _activate_loop(z, h, ACT_ELU)
    else:
        _activate_loop(z, h, ACT_GELU)


@njit(cache=True, error_model="numpy")
def _activate_grad_all(dh, z, h, kind):
    """dh *= f'(z) elementwise, given h = f(z), (n, H)."""
    if kind == ACT_LINEAR:
        return
    elif kind == ACT_SIGMOID:
        _activate_grad_loop(dh, z, h, ACT_SIGMOID)
    elif kind == ACT_TANH:
        _activate_grad_loop(dh, z, h, ACT_TANH)
    elif kind == ACT_RELU:
        _activate_grad_loop(dh, z, h, ACT_RELU)
    elif kind == ACT_LEAKY_RELU:
        _activate_grad_loop(dh, z, h, ACT_LEAKY_RELU)
    elif kind == ACT_ELU:
        _activate_grad_loop(dh, z, h, ACT_ELU)
    else:
        _activate_grad_loop(dh, z, h, ACT_GELU)


@njit(cache=True, inline="always", error_model="numpy")
def _update_loop(theta, grad, m, v, kind, hyper, t, corr1, corr2, trainable, frozen):
    for i in range(theta.shape[0]):
        if not frozen or trainable[i] != 0:
            _update(theta, grad, m, v, i, kind, hyper, t, corr1, corr2)


@njit(cache=True, error_model="numpy")
def _update_all(theta, grad, m, v, kind, hyper, t, corr1, corr2, trainable, frozen):
    """One optimizer step over the flat parameter vector (entries with trainable == 0 stay put if frozen)."""
    if kind == OPT_SGD:
        _update_loop(theta, grad, m, v, OPT_SGD, hyper, t, corr1, corr2, trainable, frozen)
    elif kind == OPT_MOMENTUM:
        _update_loop(theta, grad, m, v, OPT_MOMENTUM, hyper, t, corr1, corr2, trainable, frozen)
    elif kind == OPT_NESTEROV:
        _update_loop(theta, grad, m, v, OPT_NESTEROV, hyper, t, corr1, corr2, trainable, frozen)
    elif kind == OPT_ADAGRAD:
        _update_loop(theta, grad, m, v, OPT_ADAGRAD, hyper, t, corr1, corr2, trainable, frozen)
    elif kind == OPT_RMSPROP:
        _update_loop(theta, grad, m, v, OPT_RMSPROP, hyper, t, corr1, corr2, trainable, frozen)
    elif kind == OPT_ADAM:
        _update_loop(theta, grad, m, v, OPT_ADAM, hyper, t, corr1, corr2, trainable, frozen)
    elif kind == OPT_ADAMW:
        _update_loop(theta, grad, m, v, OPT_ADAMW, hyper, t, corr1, corr2, trainable, frozen)
    else:
        _update_loop(theta, grad, m, v, OPT_ADAMAX, hyper, t, corr1, corr2, trainable, frozen)


# ---- layers -----------------------------------------------------------------------------------------------

@njit(cache=True, error_model="numpy")
def _weights(layout, k, theta):
    """Views of layer k's W (D, H) and b (H,) inside the flat theta."""
    d, h = layout[k, D_IN], layout[k, D_OUT]
    w0, b0 = layout[k, W_OFF], layout[k, B_OFF]
    return theta[w0:w0 + d * h].reshape(d, h), theta[b0:b0 + h]


@njit(cache=True, error_model="numpy")
def _workspace(layout, rows, dtype_of):
    """Per-layer buffers for up to ``rows`` examples: inputs/outputs H, pre-activations Z, normalised Zhat,
    dropout masks M, inverse stds, and two flat gradient buffers."""
    n_layers = layout.shape[0]
    widest = max(layout[:, D_OUT].max(), layout[:, D_IN].max())
    H = [np.empty((rows, layout[0, D_IN]), dtype_of.dtype)]
    for k in range(n_layers):
        H.append(np.empty((rows, layout[k, D_OUT]), dtype_of.dtype))
    Z = [np.empty((rows, layout[k, D_OUT]), dtype_of.dtype) for k in range(n_layers)]
    Zhat = [np.empty((rows if layout[k, G_OFF] != ABSENT else 0, layout[k, D_OUT]), dtype_of.dtype)
            for k in range(n_layers)]
    M = [np.empty((rows if layout[k, DROP] else 0, layout[k, D_OUT]), dtype_of.dtype) for k in range(n_layers)]
    inv_std = [np.empty(layout[k, D_OUT], dtype_of.dtype) for k in range(n_layers)]
    return H, Z, Zhat, M, inv_std, np.empty(rows * widest, dtype_of.dtype), np.empty(rows * widest, dtype_of.dtype)


@njit(cache=True, error_model="numpy")
def _batchnorm_forward(z, zhat, inv_std, gamma, beta, rmean, rvar, training, update, momentum, eps):
    """In place: z (n, H) -> gamma * z_hat + beta, with batch statistics in training, running ones otherwise."""
    for j in range(z.shape[1]):
        _bn_column_forward(z[:, j], zhat[:, j], inv_std, gamma, beta, rmean, rvar, j, training, update, momentum,
                           eps)


@njit(cache=True, error_model="numpy")
def _batchnorm_backward(dz, zhat, inv_std, gamma, dgamma, dbeta):
    """In place: dz (n, H) w.r.t. the batch-norm output -> w.r.t. its input; fills dgamma, dbeta (H,)."""
    for j in range(dz.shape[1]):
        _bn_column_backward(dz[:, j], zhat[:, j], inv_std, gamma, dgamma, dbeta, j)


@njit(cache=True, error_model="numpy")
def _layer_forward(layout, k, theta, buffers, hyper, iconf, h_in, z, zhat, inv_std, mask, h_out, training):
    """Layer k: h_in (n, D) -> h_out (n, H): dense -> [batch norm] -> activation -> [dropout]."""
    n = h_in.shape[0]
    W, b = _weights(layout, k, theta)
    np.dot(h_in, W, z)                                               # (n, D) @ (D, H) -> (n, H)
    for i in range(n):
        for j in range(z.shape[1]):
            z[i, j] += b[j]
    width = layout[k, D_OUT]
    if layout[k, G_OFF] != ABSENT:
        g0, be0, r0 = layout[k, G_OFF], layout[k, BETA_OFF], layout[k, RM_OFF]
        _batchnorm_forward(z, zhat, inv_std, theta[g0:g0 + width], theta[be0:be0 + width],
                           buffers[r0:r0 + width], buffers[r0 + width:r0 + 2 * width], training,
                           iconf[UPDATE_STATS] != 0, hyper[BN_MOMENTUM], hyper[BN_EPS])
    _activate_all(z, h_out, layout[k, ACT])
    if training and layout[k, DROP] != 0 and hyper[DROPOUT] > 0:
        p = hyper[DROPOUT]
        scale = 1.0 / (1.0 - p)
        for i in range(n):
            for j in range(width):
                keep = _uniform(iconf[SEED], iconf[STEP], k + 1, i * width + j) >= p
                mask[i, j] = scale if keep else 0.0
                h_out[i, j] *= mask[i, j]


@njit(cache=True, error_model="numpy")
def _forward_backward(layout, theta, grad, buffers, hyper, iconf, T, n, H, Z, Zhat, M, inv_std, buf_a, buf_b):
    """Training-mode forward + backward on the first n rows of H[0]; returns the batch-mean data loss."""
    n_layers = layout.shape[0]
    # forward
    for k in range(n_layers):
        _layer_forward(layout, k, theta, buffers, hyper, iconf, H[k][:n], Z[k][:n], Zhat[k][:n], inv_std[k],
                       M[k][:n], H[k + 1][:n], True)
    # loss: d(loss)/d(out) goes into buf_a as (n, C)
    out = H[n_layers][:n]
    c = out.shape[1]
    dh = buf_a[:n * c].reshape(n, c)
    loss = 0.0
    for i in range(n):
        loss += _row_loss(out[i], T[i], iconf[LOSS], dh[i])
    for i in range(n):
        for j in range(c):
            dh[i, j] /= n
    # backward, last layer first; the input gradient alternates between the two flat buffers
    bufs = (buf_a, buf_b)
    for k in range(n_layers - 1, -1, -1):
        width, kind = layout[k, D_OUT], layout[k, ACT]
        h = H[k + 1][:n]
        if layout[k, DROP] != 0 and hyper[DROPOUT] > 0:             # back through dropout; recompute the
            for i in range(n):                                      # activation it scaled, in the free buffer
                for j in range(width):
                    dh[i, j] *= M[k][i, j]
            h = bufs[(n_layers - k) % 2][:n * width].reshape(n, width)
            _activate_all(Z[k][:n], h, kind)
        _activate_grad_all(dh, Z[k][:n], h, kind)                   # back through the activation
        gW, gb = _weights(layout, k, grad)
        W, _ = _weights(layout, k, theta)
        if layout[k, G_OFF] != ABSENT:
            g0, be0 = layout[k, G_OFF], layout[k, BETA_OFF]
            _batchnorm_backward(dh, Zhat[k][:n], inv_std[k], theta[g0:g0 + width], grad[g0:g0 + width],
                                grad[be0:be0 + width])
        np.dot(H[k][:n].T, dh, gW)                                  # (D, n) @ (n, H) -> dW (D, H)
        if hyper[L1] != 0 or hyper[L2] != 0:
            for i in range(W.shape[0]):
                for j in range(W.shape[1]):
                    w = W[i, j]
                    sign = 1.0 if w > 0 else (-1.0 if w < 0 else 0.0)
                    gW[i, j] += hyper[L1] * sign + hyper[L2] * w
        for j in range(width):
            s = 0.0
            for i in range(n):
                s += dh[i, j]
            gb[j] = s
        if k > 0:
            d_in = layout[k, D_IN]
            dprev = bufs[(n_layers - k) % 2][:n * d_in].reshape(n, d_in)
            np.dot(dh, W.T, dprev)                                  # (n, H) @ (H, D) -> dx (n, D)
            dh = dprev
    return loss / n


@njit(cache=True, error_model="numpy")
def _batch_accuracy(loss_kind, out, T):
    """Fraction of correct predictions: out (n, C), T (>= n, Ct); 0 for regression losses."""
    if not _is_classification(loss_kind):
        return 0.0
    n = out.shape[0]
    correct = 0
    for i in range(n):
        correct += _row_class(out[i]) == int(T[i, 0])
    return correct / n


@njit(cache=True, error_model="numpy")
def _clip_and_update(theta, grad, state, hyper, opt, t):
    """Clip the gradient's global L2 norm to hyper[CLIP] (if > 0), then apply one optimizer step.
    state (2, P) holds the optimizer's two vectors; a third row, if present, marks trainable (1) and frozen (0)
    entries: frozen gradients are zeroed (so they do not count in the norm) and frozen weights never move."""
    frozen = state.shape[0] > N_MOMENTS
    trainable = state[state.shape[0] - 1]                           # the TRAINABLE row when frozen
    if frozen:
        for i in range(grad.shape[0]):
            grad[i] *= trainable[i]
    if hyper[CLIP] > 0:
        total = 0.0
        for i in range(grad.shape[0]):
            total += grad[i] * grad[i]
        norm = math.sqrt(total)
        if norm > hyper[CLIP]:
            factor = _clip_factor(norm, hyper[CLIP])
            for i in range(grad.shape[0]):
                grad[i] *= factor
    corr1, corr2 = _bias_corrections(hyper, t)
    _update_all(theta, grad, state[STATE_M], state[STATE_V], opt, hyper, t, corr1, corr2, trainable, frozen)


@njit(cache=True, error_model="numpy")
def forward(layout, theta, buffers, hyper, X):
    """Evaluation-mode forward pass: X (N, D0) -> outputs (N, C)."""
    n = X.shape[0]
    no_counters = np.zeros(N_ICONF, np.int64)                       # eval mode: no dropout, no stat updates
    h = X
    for k in range(layout.shape[0]):
        z = np.empty((n, layout[k, D_OUT]), theta.dtype)
        out = np.empty_like(z)
        _layer_forward(layout, k, theta, buffers, hyper, no_counters, h, z, z[:0], np.empty(z.shape[1], z.dtype),
                       z[:0], out, False)
        h = out
    return h


@njit(cache=True, error_model="numpy")
def forward_backward(layout, theta, grad, buffers, hyper, iconf, X, T):
    """Training-mode forward and backward on one batch; fills grad (P,), returns the batch-mean data loss."""
    n = X.shape[0]
    H, Z, Zhat, M, inv_std, buf_a, buf_b = _workspace(layout, n, theta)
    H[0][:] = X
    return _forward_backward(layout, theta, grad, buffers, hyper, iconf, T, n, H, Z, Zhat, M, inv_std,
                             buf_a, buf_b)


@njit(cache=True, error_model="numpy")
def train_steps(layout, theta, grad, state, buffers, hyper, iconf, X, T, order, record):
    """The fused mini-batch loop over ``order``; returns the number of steps taken."""
    batch = iconf[BATCH]
    H, Z, Zhat, M, inv_std, buf_a, buf_b = _workspace(layout, batch, theta)
    Tb = np.empty((batch, T.shape[1]), T.dtype)
    total = order.shape[0]
    steps = _batches_in(total, batch)
    for s in range(steps):
        start = s * batch
        n = min(batch, total - start)
        for i in range(n):                                           # gather the batch's rows
            H[0][i, :] = X[order[start + i]]
            Tb[i, :] = T[order[start + i]]
        loss = _forward_backward(layout, theta, grad, buffers, hyper, iconf, Tb, n, H, Z, Zhat, M, inv_std,
                                 buf_a, buf_b)
        record[s, RECORD_LOSS] = loss
        record[s, RECORD_ACCURACY] = _batch_accuracy(iconf[LOSS], H[layout.shape[0]][:n], Tb)
        if not math.isfinite(loss):
            return s
        iconf[STEP] += 1
        _clip_and_update(theta, grad, state, hyper, iconf[OPT], iconf[STEP])
    return steps


def Run(model, X, T, state, hyper, iconf):
    """A training run in host memory; says so if the first call has to compile (see :mod:`dlkit.kernels.host`)."""
    return HostRun(sys.modules[__name__], model, X, T, state, hyper, iconf, compile_notice=True,
                   one_blas_thread=True)
