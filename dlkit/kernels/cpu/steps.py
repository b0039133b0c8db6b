"""The cpu backend's compiled training step: layers forward and backward, the loss, clipping and the update, and the
fused mini-batch loop that runs a whole epoch in one call (so Python's per-call cost is paid once per epoch).

Matrix products go to BLAS (:mod:`.products`, with the thread count each product's size calls for); everything
elementwise (bias, batch norm, activation, dropout, loss, clipping, optimizer) is plain loops over the textbook's
scalar code (:mod:`.elementwise`). Every function that multiplies takes ``blas``, the BLAS library's thread
switch (see :mod:`.products`).
"""
from __future__ import annotations

import math

import numpy as np
from numba import prange

from ...packing import (ABSENT, ACT, B_OFF, BATCH, BETA_OFF, BN_EPS, BN_MOMENTUM, CLIP, D_IN, D_OUT, DROP, DROPOUT,
                        G_OFF, KEEP_GRAD, L1, L2, LOSS, LR, N_ICONF, N_MOMENTS, OPT, OPT_SGD, RECORD_ACCURACY,
                        RECORD_LOSS, RM_OFF, SEED, STATE_M, STATE_V, STEP, UPDATE_STATS, W_OFF)
from .cached import kernel
from .elementwise import _SCALAR, activate_all, activate_grad_all, real_hyper, update_all
from .products import TWO_THREADS_FROM, matmul, matmul_add

PARALLEL_UPDATE_FROM = 1 << 20   # parameters in one stretch from which two threads update it (a step's update of
HALVES = 2                       # [64, 2048, 2048, 10]'s 4.3M: 1.2 ms on one core, 0.6 on two; docs/performance.md)

_row_loss, _row_class, _is_classification = _SCALAR["row_loss"], _SCALAR["row_class"], _SCALAR["is_classification"]
_bias_corrections, _clip_factor = _SCALAR["bias_corrections"], _SCALAR["clip_factor"]
_uniform, _batches_in = _SCALAR["hashed_uniform"], _SCALAR["batches_in"]
_bn_column_forward, _bn_column_backward = _SCALAR["batchnorm_column_forward"], _SCALAR["batchnorm_column_backward"]


# ---- layers -----------------------------------------------------------------------------------------------

@kernel
def _weights(layout, k, theta):
    """Views of layer k's W (D, H) and b (H,) inside the flat theta."""
    d, h = layout[k, D_IN], layout[k, D_OUT]
    w0, b0 = layout[k, W_OFF], layout[k, B_OFF]
    return theta[w0:w0 + d * h].reshape(d, h), theta[b0:b0 + h]


@kernel
def workspace(layout, rows, dtype_of):
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


@kernel
def _batchnorm_forward(z, zhat, inv_std, gamma, beta, rmean, rvar, training, update, momentum, eps):
    """In place: z (n, H) -> gamma * z_hat + beta, with batch statistics in training, running ones otherwise."""
    for j in range(z.shape[1]):
        _bn_column_forward(z[:, j], zhat[:, j], inv_std, gamma, beta, rmean, rvar, j, training, update, momentum,
                           eps)


@kernel
def _batchnorm_backward(dz, zhat, inv_std, gamma, dgamma, dbeta):
    """In place: dz (n, H) w.r.t. the batch-norm output -> w.r.t. its input; fills dgamma, dbeta (H,)."""
    for j in range(dz.shape[1]):
        _bn_column_backward(dz[:, j], zhat[:, j], inv_std, gamma, dgamma, dbeta, j)


@kernel
def layer_forward(layout, k, theta, buffers, hyper, iconf, h_in, z, zhat, inv_std, mask, h_out, training, blas):
    """Layer k: h_in (n, D) -> h_out (n, H): dense -> [batch norm] -> activation -> [dropout]."""
    n = h_in.shape[0]
    W, b = _weights(layout, k, theta)
    matmul(h_in, W, z, blas)                                         # (n, D) @ (D, H) -> (n, H)
    for i in range(n):
        for j in range(z.shape[1]):
            z[i, j] += b[j]
    width = layout[k, D_OUT]
    if layout[k, G_OFF] != ABSENT:
        g0, be0, r0 = layout[k, G_OFF], layout[k, BETA_OFF], layout[k, RM_OFF]
        _batchnorm_forward(z, zhat, inv_std, theta[g0:g0 + width], theta[be0:be0 + width],
                           buffers[r0:r0 + width], buffers[r0 + width:r0 + 2 * width], training,
                           iconf[UPDATE_STATS] != 0, hyper[BN_MOMENTUM], hyper[BN_EPS])
    activate_all(z, h_out, layout[k, ACT])
    if training and layout[k, DROP] != 0 and hyper[DROPOUT] > 0:
        p = hyper[DROPOUT]
        scale = 1.0 / (1.0 - p)
        for i in range(n):
            for j in range(width):
                keep = _uniform(iconf[SEED], iconf[STEP], k + 1, i * width + j) >= p
                mask[i, j] = scale if keep else 0.0
                h_out[i, j] *= mask[i, j]


@kernel
def _dense_backward(layout, k, theta, grad, hyper, h_in, dh, dprev, blas, moves, lr):
    """Layer k's dense part: fills dW (+ the L1/L2 penalties' gradients) and db from dz = dh (n, H) and its
    input h_in (n, D); dprev (n, D) <- dz @ W^T unless it has no columns (the first layer needs none). Where
    ``moves`` (plain SGD, see :func:`moved_in_product`), W takes its step W -= lr * h_in^T dz inside that one
    product instead, and dW is never stored: a wide layer's gradient written, then read again by the update,
    is three passes over millions of numbers the product does not need."""
    gW, gb = _weights(layout, k, grad)
    W, _ = _weights(layout, k, theta)
    if dprev.shape[1] > 0:                                          # with W as it was before this step
        matmul(dh, W.T, dprev, blas)                                 # (n, H) @ (H, D) -> dx (n, D)
    for j in range(dh.shape[1]):
        s = 0.0
        for i in range(dh.shape[0]):
            s += dh[i, j]
        gb[j] = s
    if moves:
        matmul_add(h_in.T, dh, W, -lr, blas)                         # W += -lr (D, n) @ (n, H)
        return
    matmul(h_in.T, dh, gW, blas)                                     # (D, n) @ (n, H) -> dW (D, H)
    if hyper[L1] != 0 or hyper[L2] != 0:
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                w = W[i, j]
                sign = 1.0 if w > 0 else (-1.0 if w < 0 else 0.0)
                gW[i, j] += hyper[L1] * sign + hyper[L2] * w


@kernel
def _layer_backward(layout, k, theta, grad, hyper, Z, Zhat, M, inv_std, h_in, h_out, free, dh, dprev, blas, moves,
                    lr):
    """Layer k backward: dh (n, H) w.r.t. its output -> layer k's gradients and dprev (n, D) w.r.t. its input.
    ``free`` is a spare flat buffer (the dropout layers' activation is recomputed there); ``moves``, ``lr``: see
    :func:`_dense_backward`."""
    n, width, kind = dh.shape[0], layout[k, D_OUT], layout[k, ACT]
    h = h_out
    if layout[k, DROP] != 0 and hyper[DROPOUT] > 0:                 # back through dropout; recompute the
        for i in range(n):                                          # activation it scaled, in the free buffer
            for j in range(width):
                dh[i, j] *= M[i, j]
        h = free[:n * width].reshape(n, width)
        activate_all(Z, h, kind)
    activate_grad_all(dh, Z, h, kind)                               # back through the activation
    if layout[k, G_OFF] != ABSENT:
        g0, be0 = layout[k, G_OFF], layout[k, BETA_OFF]
        _batchnorm_backward(dh, Zhat, inv_std, theta[g0:g0 + width], grad[g0:g0 + width], grad[be0:be0 + width])
    _dense_backward(layout, k, theta, grad, hyper, h_in, dh, dprev, blas, moves, lr)


@kernel
def forward_loss(layout, theta, buffers, hyper, iconf, T, n, H, Z, Zhat, M, inv_std, buf_a, blas):
    """Training-mode forward pass on the first n rows of H[0]; returns the batch-mean data loss and leaves
    d(loss)/d(out) (n, C) in buf_a."""
    n_layers = layout.shape[0]
    for k in range(n_layers):
        layer_forward(layout, k, theta, buffers, hyper, iconf, H[k][:n], Z[k][:n], Zhat[k][:n], inv_std[k],
                      M[k][:n], H[k + 1][:n], True, blas)
    out = H[n_layers][:n]
    c = out.shape[1]
    dh = buf_a[:n * c].reshape(n, c)
    loss = 0.0
    for i in range(n):
        loss += _row_loss(out[i], T[i], iconf[LOSS], dh[i])
    for i in range(n):
        for j in range(c):
            dh[i, j] /= n
    return loss / n


@kernel
def backward(layout, theta, grad, hyper, n, H, Z, Zhat, M, inv_std, buf_a, buf_b, blas, moves, lr):
    """Backward from d(loss)/d(out) in buf_a (n, C), last layer first, after :func:`forward_loss`: fills grad,
    except the weights of the layers ``moves`` (L,) marks, which take their SGD step of ``lr`` in the product
    (:func:`_dense_backward`). The input gradient alternates between the two flat buffers."""
    n_layers = layout.shape[0]
    c = layout[n_layers - 1, D_OUT]
    dh = buf_a[:n * c].reshape(n, c)
    bufs = (buf_a, buf_b)
    for k in range(n_layers - 1, -1, -1):
        other = bufs[(n_layers - k) % 2]
        d_in = layout[k, D_IN] if k > 0 else 0
        dprev = other[:n * d_in].reshape(n, d_in)
        _layer_backward(layout, k, theta, grad, hyper, Z[k][:n], Zhat[k][:n], M[k][:n], inv_std[k], H[k][:n],
                        H[k + 1][:n], other, dh, dprev, blas, moves[k], lr)
        dh = dprev


@kernel
def forward_backward_rows(layout, theta, grad, buffers, hyper, iconf, T, n, H, Z, Zhat, M, inv_std, buf_a, buf_b,
                          blas):
    """Training-mode forward + backward on the first n rows of H[0]: fills grad (P,), returns the batch-mean
    data loss."""
    loss = forward_loss(layout, theta, buffers, hyper, iconf, T, n, H, Z, Zhat, M, inv_std, buf_a, blas)
    backward(layout, theta, grad, hyper, n, H, Z, Zhat, M, inv_std, buf_a, buf_b, blas,
             np.zeros(layout.shape[0], np.bool_), theta.dtype.type(0))
    return loss


@kernel
def _batch_accuracy(loss_kind, out, T):
    """Fraction of correct predictions: out (n, C), T (>= n, Ct); 0 for regression losses."""
    if not _is_classification(loss_kind):
        return 0.0
    n = out.shape[0]
    correct = 0
    for i in range(n):
        correct += _row_class(out[i]) == int(T[i, 0])
    return correct / n


# ---- clip and update ---------------------------------------------------------------------------------------

@kernel
def trainable_stretches(state):
    """(S, 2) int64 [start, stop) of the runs of entries that may move: the whole vector, or, when state (3, P)
    has a TRAINABLE row, the runs where it is 1 (a frozen layer or parameter is one contiguous run)."""
    P = state.shape[1]
    if state.shape[0] <= N_MOMENTS:
        whole = np.empty((1, 2), np.int64)
        whole[0, 0], whole[0, 1] = 0, P
        return whole
    trainable = state[state.shape[0] - 1]
    runs = np.empty((P // 2 + 1, 2), np.int64)
    count, i = 0, 0
    while i < P:
        if trainable[i] != 0:
            start = i
            while i < P and trainable[i] != 0:
                i += 1
            runs[count, 0], runs[count, 1] = start, i
            count += 1
        else:
            i += 1
    return runs[:count]


@kernel
def clip_and_update(theta, grad, state, hyper, opt, t, stretches, rhyper, threads=1):
    """Clip the gradient's global L2 norm to hyper[CLIP] (if > 0), then apply one optimizer step to the
    trainable ``stretches`` (from :func:`trainable_stretches`). Frozen entries' gradients are zeroed (so they do
    not count in the norm) and their weights and optimizer state never move. ``rhyper`` is hyper in theta's
    dtype (:func:`.elementwise.real_hyper`): the update computes in theta's real type. With ``threads`` = 2 a
    stretch of PARALLEL_UPDATE_FROM entries or more is updated in two halves at once."""
    if stretches.shape[0] != 1 or stretches[0, 1] - stretches[0, 0] != grad.shape[0]:
        kept = 0
        for s in range(stretches.shape[0]):                         # zero the gaps between the stretches
            grad[kept:stretches[s, 0]] = 0
            kept = stretches[s, 1]
        grad[kept:] = 0
    if hyper[CLIP] > 0:
        total = 0.0
        for i in range(grad.shape[0]):
            total += grad[i] * grad[i]
        norm = math.sqrt(total)
        if norm > hyper[CLIP]:
            factor = _clip_factor(norm, hyper[CLIP])
            for i in range(grad.shape[0]):
                grad[i] *= factor
    update_stretches(theta, grad, state, hyper, opt, t, stretches, rhyper, threads)


@kernel
def update_stretches(theta, grad, state, hyper, opt, t, stretches, rhyper, threads=1):
    """One optimizer step of the ``stretches`` (S, 2) of theta, nothing else touched: the end of
    :func:`clip_and_update`, and the whole update of a step whose weights moved in their products."""
    corr1, corr2 = _bias_corrections(hyper, t)                     # in float64, then rounded once
    real = theta.dtype.type
    m, v = state[STATE_M], state[STATE_V]
    for s in range(stretches.shape[0]):
        a, b = stretches[s, 0], stretches[s, 1]
        if threads > 1 and b - a >= PARALLEL_UPDATE_FROM:
            _update_in_halves(theta[a:b], grad[a:b], m[a:b], v[a:b], opt, rhyper, t, real(corr1), real(corr2))
        else:
            update_all(theta[a:b], grad[a:b], m[a:b], v[a:b], opt, rhyper, t, real(corr1), real(corr2))


@kernel(parallel=True)
def _update_in_halves(theta, grad, m, v, opt, rhyper, t, corr1, corr2):
    """update_all over the two halves of a long stretch (P,), one thread each: every entry's update depends on
    that entry alone, so the halves give exactly what one pass gives."""
    n = theta.shape[0]
    for half in prange(HALVES):
        lo, hi = n * half // HALVES, n * (half + 1) // HALVES
        update_all(theta[lo:hi], grad[lo:hi], m[lo:hi], v[lo:hi], opt, rhyper, t, corr1, corr2)


# ---- the contract's kernels, given the BLAS thread switch ------------------------------------------------------

@kernel
def forward(layout, theta, buffers, hyper, X, blas):
    """Evaluation-mode forward pass: X (N, D0) -> outputs (N, C)."""
    n = X.shape[0]
    no_counters = np.zeros(N_ICONF, np.int64)                       # eval mode: no dropout, no stat updates
    h = X
    for k in range(layout.shape[0]):
        z = np.empty((n, layout[k, D_OUT]), theta.dtype)
        out = np.empty_like(z)
        layer_forward(layout, k, theta, buffers, hyper, no_counters, h, z, z[:0], np.empty(z.shape[1], z.dtype),
                      z[:0], out, False, blas)
        h = out
    return h


@kernel
def forward_backward(layout, theta, grad, buffers, hyper, iconf, X, T, blas):
    """Training-mode forward and backward on one batch; fills grad (P,), returns the batch-mean data loss."""
    n = X.shape[0]
    H, Z, Zhat, M, inv_std, buf_a, buf_b = workspace(layout, n, theta)
    H[0][:] = X
    return forward_backward_rows(layout, theta, grad, buffers, hyper, iconf, T, n, H, Z, Zhat, M, inv_std,
                                 buf_a, buf_b, blas)


@kernel
def moved_in_product(layout, batch, iconf, hyper, stretches, P, fast):
    """(L,) bool: the layers whose weights take their step inside the weight-gradient product
    (:func:`_dense_backward`). Plain SGD only (W -= lr dW is then a product's own "C += alpha A B"), with
    nothing that needs dW itself: no clipping (its norm), no L1/L2, nothing frozen, nobody reading the gradient
    afterwards (iconf[KEEP_GRAD]); and only for a product that goes to the faster BLAS (:mod:`.mkl`), so the
    course's small nets compute exactly as before."""
    moves = np.zeros(layout.shape[0], np.bool_)
    plain = (iconf[OPT] == OPT_SGD and iconf[KEEP_GRAD] == 0 and hyper[CLIP] <= 0 and hyper[L1] == 0
             and hyper[L2] == 0 and stretches.shape[0] == 1 and stretches[0, 1] - stretches[0, 0] == P)
    if plain and fast.on != 0:
        for k in range(layout.shape[0]):
            moves[k] = batch * layout[k, D_IN] * layout[k, D_OUT] >= TWO_THREADS_FROM
    return moves


@kernel
def stretches_left(layout, P, moves):
    """(S, 2) [start, stop) of what the update after backward still moves: all P parameters less the weight
    matrices that moved in their products (layers' weights lie in layer order)."""
    runs = np.empty((layout.shape[0] + 1, 2), np.int64)
    count, start = 0, 0
    for k in range(layout.shape[0]):
        if moves[k]:
            w0 = layout[k, W_OFF]
            if w0 > start:
                runs[count, 0], runs[count, 1] = start, w0
                count += 1
            start = w0 + layout[k, D_IN] * layout[k, D_OUT]
    if P > start:
        runs[count, 0], runs[count, 1] = start, P
        count += 1
    return runs[:count]


@kernel
def train_steps(layout, theta, grad, state, buffers, hyper, iconf, X, T, order, record, blas):
    """The fused mini-batch loop over ``order``; returns the number of steps taken. A step: forward and loss;
    stop at a non-finite loss (nothing moves); backward; clip and update (the layers of
    :func:`moved_in_product` have taken their step in backward already)."""
    batch = iconf[BATCH]
    H, Z, Zhat, M, inv_std, buf_a, buf_b = workspace(layout, batch, theta)
    Tb = np.empty((batch, T.shape[1]), T.dtype)
    stretches = trainable_stretches(state)
    rhyper = real_hyper(hyper, theta)
    moves = moved_in_product(layout, batch, iconf, hyper, stretches, theta.shape[0], blas[2])
    rest, moved = stretches_left(layout, theta.shape[0], moves), moves.any()
    total = order.shape[0]
    steps = _batches_in(total, batch)
    for s in range(steps):
        start = s * batch
        n = min(batch, total - start)
        for i in range(n):                                           # gather the batch's rows
            H[0][i, :] = X[order[start + i]]
            Tb[i, :] = T[order[start + i]]
        loss = forward_loss(layout, theta, buffers, hyper, iconf, Tb, n, H, Z, Zhat, M, inv_std, buf_a, blas)
        record[s, RECORD_LOSS] = loss
        record[s, RECORD_ACCURACY] = _batch_accuracy(iconf[LOSS], H[layout.shape[0]][:n], Tb)
        if not math.isfinite(loss):
            return s
        iconf[STEP] += 1
        backward(layout, theta, grad, hyper, n, H, Z, Zhat, M, inv_std, buf_a, buf_b, blas, moves, rhyper[LR])
        if moved:
            update_stretches(theta, grad, state, hyper, iconf[OPT], iconf[STEP], rest, rhyper, blas[1])
        else:
            clip_and_update(theta, grad, state, hyper, iconf[OPT], iconf[STEP], stretches, rhyper, blas[1])
    return steps
