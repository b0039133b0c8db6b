"""The ``cuda`` backend's layered path: one kernel launch per phase of a step (gather, dense, bias and
activation, batch norm, dropout, loss, backward, clip, update), each kernel a grid-stride loop over its elements.
Larger networks train this way: there the register-blocked matrix product keeps the whole GPU busy.

Parameters, optimizer state, statistics and data stay on the device during ``fit``; per step only kernel
launches cross the bus. The per-step loss and accuracy are accumulated on the device and read back once every
``CHECK_EVERY`` steps (and at the end of each epoch), which is also when a non-finite loss is noticed; updates
are skipped on the device as soon as a step's loss is not finite.
"""
from __future__ import annotations

import math

import numpy as np
from numba import cuda

from ... import optimizers
from ...data.batches import batches_in
from ...packing import (ABSENT, ACT, B_OFF, BATCH, BETA_OFF, BN_EPS, BN_MOMENTUM, CLIP, D_IN, D_OUT, DROP,
                        DROPOUT, G_OFF, L1, L2, LOSS, N_MOMENTS, N_RECORD, OPT, RECORD_ACCURACY, RECORD_LOSS,
                        RM_OFF, SEED, STATE_M, STATE_V, STEP, UPDATE_STATS, W_OFF)
from .device import THREADS, block_sum, blocks_for, device_function, launch, real_kernel
from .device import activate as _activate, activate_grad as _activate_grad, row_loss as _row_loss
from .device import row_class as _row_class, is_classification as _is_classification
from .device import update_flat as _update, clip_factor as _clip_factor, hashed_uniform as _uniform
from .device import batchnorm_column_forward as _bn_column_forward
from .device import batchnorm_column_backward as _bn_column_backward
from .products import matmul

CHECK_EVERY = 64                       # steps between reading the losses back to the host


# ---- elementwise and per-column kernels -----------------------------------------------------------------

@real_kernel
def gather_rows(X, T, order, start, n, H0, Tb):
    """H0[i] = X[order[start + i]], Tb[i] = T[order[start + i]] for i < n."""
    d, c = X.shape[1], T.shape[1]
    for idx in range(cuda.grid(1), n * (d + c), cuda.gridsize(1)):
        i, j = idx // (d + c), idx % (d + c)
        row = order[start + i]
        if j < d:
            H0[i, j] = X[row, j]
        else:
            Tb[i, j - d] = T[row, j - d]


@real_kernel
def bias_activation(Z, b, H, kind, activate):
    """Z += b (fused); H = f(Z) when ``activate`` (batch-norm layers activate after normalising)."""
    n, h = Z.shape
    for idx in range(cuda.grid(1), n * h, cuda.gridsize(1)):
        i, j = idx // h, idx % h
        z = Z[i, j] + b[j]
        Z[i, j] = z
        if activate:
            H[i, j] = _activate(z, kind)


@real_kernel
def activation(Z, H, kind):
    n, h = Z.shape
    for idx in range(cuda.grid(1), n * h, cuda.gridsize(1)):
        H[idx // h, idx % h] = _activate(Z[idx // h, idx % h], kind)


@real_kernel
def dropout(H, M, p, seed, step, layer):
    """Inverted dropout in place, with the same counter-based uniforms as every other backend."""
    n, h = H.shape
    scale = 1.0 / (1.0 - p)
    for idx in range(cuda.grid(1), n * h, cuda.gridsize(1)):
        i, j = idx // h, idx % h
        keep = _uniform(seed, step, layer, idx) >= p
        M[i, j] = scale if keep else 0.0
        H[i, j] *= M[i, j]


@real_kernel
def activation_backward(dH, Z, H, M, kind, dropped):
    """dH <- dH * mask * f'(Z): back through dropout (if any) and the activation, fused."""
    n, h = dH.shape
    for idx in range(cuda.grid(1), n * h, cuda.gridsize(1)):
        i, j = idx // h, idx % h
        z = Z[i, j]
        d = dH[i, j]
        if dropped:
            d *= M[i, j]
            hz = _activate(z, kind)
        else:
            hz = H[i, j]
        dH[i, j] = d * _activate_grad(z, hz, kind)


@real_kernel
def column_sums(dZ, db):
    """db[j] = sum_i dZ[i, j] (the bias gradient), one thread per column."""
    for j in range(cuda.grid(1), dZ.shape[1], cuda.gridsize(1)):
        s = 0.0
        for i in range(dZ.shape[0]):
            s += dZ[i, j]
        db[j] = s


@real_kernel
def batchnorm_forward(Z, Zhat, inv_std, gamma, beta, rmean, rvar, training, update, momentum, eps):
    """Per column: batch (or running) mean and variance, normalise, scale and shift Z in place."""
    for j in range(cuda.grid(1), Z.shape[1], cuda.gridsize(1)):
        _bn_column_forward(Z[:, j], Zhat[:, j], inv_std, gamma, beta, rmean, rvar, j, training, update, momentum,
                           eps)


@real_kernel
def batchnorm_backward(dZ, Zhat, inv_std, gamma, dgamma, dbeta):
    for j in range(cuda.grid(1), dZ.shape[1], cuda.gridsize(1)):
        _bn_column_backward(dZ[:, j], Zhat[:, j], inv_std, gamma, dgamma, dbeta, j)


@real_kernel
def row_losses(out, T, kind, dout, n, result):
    """Per example (one thread per row): its loss and d loss/d out, scaled by 1/n; the batch-mean loss and the
    accuracy are accumulated into the record row ``result`` (RECORD_LOSS, RECORD_ACCURACY) with atomics."""
    c = out.shape[1]
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        loss = _row_loss(out[i], T[i], kind, dout[i])
        for j in range(c):
            dout[i, j] /= float(n)
        cuda.atomic.add(result, RECORD_LOSS, loss / float(n))
        if _is_classification(kind) and _row_class(out[i]) == int(T[i, 0]):
            cuda.atomic.add(result, RECORD_ACCURACY, 1.0 / float(n))


@real_kernel
def penalty_gradient(W, gW, l1, l2):
    """gW += l1 sign(W) + l2 W (weights only)."""
    n, h = W.shape
    for idx in range(cuda.grid(1), n * h, cuda.gridsize(1)):
        w = W[idx // h, idx % h]
        sign = 1.0 if w > 0.0 else (-1.0 if w < 0.0 else 0.0)
        gW[idx // h, idx % h] += l1 * sign + l2 * w


@real_kernel
def sum_of_squares(g, total):
    """total[0] += sum g^2: a tree reduction per block, then one atomic add per block."""
    partial = cuda.shared.array(THREADS, g.dtype)
    s = 0.0
    for i in range(cuda.grid(1), g.shape[0], cuda.gridsize(1)):
        s += g[i] * g[i]
    s = block_sum(partial, s)
    if cuda.threadIdx.x == 0:
        cuda.atomic.add(total, 0, s)


@real_kernel
def mask_gradient(grad, trainable):
    """Zero the gradients of frozen entries (trainable == 0), so they neither count in the norm nor move."""
    for i in range(cuda.grid(1), grad.shape[0], cuda.gridsize(1)):
        grad[i] *= trainable[i]


@real_kernel
def clip_and_update(theta, grad, m, v, kind, hyper, t, corr1, corr2, norm2, record, s, trainable, frozen):
    """Clip by the global norm (computed on the device) and apply one optimizer step, element-wise; skipped
    entirely when step s's loss was not finite, so the weights stay at their last finite values, and for
    frozen entries."""
    loss = record[s, RECORD_LOSS]
    if not math.isfinite(loss):
        return
    factor = 1.0
    if hyper[CLIP] > 0.0:
        norm = math.sqrt(norm2[0])
        if norm > hyper[CLIP]:
            factor = _clip_factor(norm, hyper[CLIP])
    for i in range(cuda.grid(1), theta.shape[0], cuda.gridsize(1)):
        if frozen and trainable[i] == 0.0:
            continue
        grad[i] *= factor
        _update(theta, grad, m, v, i, kind, hyper, t, corr1, corr2)


# ---- the network on the device, one launch per phase ------------------------------------------------

class Workspace:
    """Per-layer device buffers for up to ``rows`` examples (as in the cpu backend)."""

    def __init__(self, layout, rows, dtype):
        widths = [int(layout[0, D_IN])] + [int(w) for w in layout[:, D_OUT]]
        self.H = [cuda.device_array((rows, w), dtype) for w in widths]
        self.Z = [cuda.device_array((rows, w), dtype) for w in widths[1:]]
        self.Zhat = [cuda.device_array((rows, w), dtype) for w in widths[1:]]
        self.M = [cuda.device_array((rows, w), dtype) for w in widths[1:]]
        self.inv_std = [cuda.device_array(w, dtype) for w in widths[1:]]
        self.dH = [cuda.device_array((rows, w), dtype) for w in widths]
        self.T = None
        self.result = cuda.device_array((1, N_RECORD), dtype)


def _views(layout, k, flat):
    """Layer k's W (D, H), b (H,) and, with batch norm, gamma and beta (H,) as views of a flat device vector."""
    d, h = int(layout[k, D_IN]), int(layout[k, D_OUT])
    w0, b0 = int(layout[k, W_OFF]), int(layout[k, B_OFF])
    W, b = flat[w0:w0 + d * h].reshape(d, h), flat[b0:b0 + h]
    if layout[k, G_OFF] == ABSENT:
        return W, b, None, None
    g0, be0 = int(layout[k, G_OFF]), int(layout[k, BETA_OFF])
    return W, b, flat[g0:g0 + h], flat[be0:be0 + h]


def _running(layout, k, buffers):
    r, h = int(layout[k, RM_OFF]), int(layout[k, D_OUT])
    return buffers[r:r + h], buffers[r + h:r + 2 * h]


def layer_forward(layout, k, theta, buffers, hyper, ws, n, training, update_stats, seed, step):
    """Layer k on the first n rows: dense -> [batch norm] -> activation -> [dropout]."""
    W, b, gamma, beta = _views(layout, k, theta)
    h_in, z, h_out = ws.H[k][:n], ws.Z[k][:n], ws.H[k + 1][:n]
    kind, bn = int(layout[k, ACT]), layout[k, G_OFF] != ABSENT
    matmul(h_in, W, z)                                                    # (n, D) @ (D, H)
    launch(bias_activation, z.size, z, b, h_out, kind, not bn)
    if bn:
        rmean, rvar = _running(layout, k, buffers)
        launch(batchnorm_forward, z.shape[1], z, ws.Zhat[k][:n], ws.inv_std[k], gamma, beta, rmean, rvar,
                training, update_stats, hyper[BN_MOMENTUM], hyper[BN_EPS])
        launch(activation, z.size, z, h_out, kind)
    if training and layout[k, DROP] and hyper[DROPOUT] > 0:
        launch(dropout, z.size, h_out, ws.M[k][:n], hyper[DROPOUT], seed, step, k + 1)


def forward_backward(layout, theta, grad, buffers, hyper_h, ws, n, loss_kind, seed, step, update_stats, result):
    """Forward and backward on the first n rows of ws.H[0] / ws.T; loss and accuracy added into the record
    row ``result``."""
    L = layout.shape[0]
    for k in range(L):
        layer_forward(layout, k, theta, buffers, hyper_h, ws, n, True, update_stats, seed, step)
    out, dh = ws.H[L][:n], ws.dH[L][:n]
    launch(row_losses, n, out, ws.T[:n], loss_kind, dh, n, result)
    for k in range(L - 1, -1, -1):
        W, _, gamma, _ = _views(layout, k, theta)
        gW, gb, ggamma, gbeta = _views(layout, k, grad)
        dropped = bool(layout[k, DROP]) and hyper_h[DROPOUT] > 0
        launch(activation_backward, dh.size, dh, ws.Z[k][:n], ws.H[k + 1][:n], ws.M[k][:n], int(layout[k, ACT]),
                dropped)
        if layout[k, G_OFF] != ABSENT:
            launch(batchnorm_backward, dh.shape[1], dh, ws.Zhat[k][:n], ws.inv_std[k], gamma, ggamma, gbeta)
        matmul(ws.H[k][:n], dh, gW, trans_a=True)                          # (D, n) @ (n, H) -> dW
        if hyper_h[L1] != 0 or hyper_h[L2] != 0:
            launch(penalty_gradient, W.size, W, gW, hyper_h[L1], hyper_h[L2])
        launch(column_sums, dh.shape[1], dh, gb)
        if k > 0:
            matmul(dh, W, ws.dH[k][:n], trans_b=True)                      # (n, H) @ (H, D) -> dx
            dh = ws.dH[k][:n]


def run_epoch(run, order, record):
    """Steps over ``order`` (host int array) for a :class:`dlkit.kernels.cuda.CudaRun`; record (steps,
    N_RECORD) is filled on the device and read back every CHECK_EVERY steps. Returns the number of steps with a
    finite loss before the first non-finite one."""
    iconf = run.iconf
    batch, total = int(iconf[BATCH]), len(order)
    steps = batches_in(total, batch)
    order_d = cuda.to_device(np.ascontiguousarray(order, dtype=np.int64))
    record_d = cuda.to_device(np.zeros((steps, N_RECORD), run.theta.dtype))         # in the run's real type
    for first in range(0, steps, CHECK_EVERY):
        last = min(first + CHECK_EVERY, steps)
        for s in range(first, last):
            step(run, order_d, s, batch, total, record_d)
        chunk = record_d[first:last].copy_to_host()
        record[first:last] = chunk
        bad = np.flatnonzero(~np.isfinite(chunk[:, RECORD_LOSS]))
        if bad.size:
            iconf[STEP] -= (last - first) - bad[0]          # the skipped updates did not count
            return first + int(bad[0])
    return steps


def step(run, order_d, s, batch, total, record_d):
    """Step s of the epoch: gather its batch, forward and backward, clip, update; all launched on the device."""
    m, iconf, hyper, ws = run.model, run.iconf, run.hyper, run.ws
    start = s * batch
    n = min(batch, total - start)
    launch(gather_rows, n * (ws.H[0].shape[1] + ws.T.shape[1]), run.X, run.T, order_d, start, n, ws.H[0], ws.T)
    forward_backward(m.layout, run.theta, run.grad, run.buffers, hyper, ws, n, int(iconf[LOSS]),
                     int(iconf[SEED]), int(iconf[STEP]), bool(iconf[UPDATE_STATS]), record_d[s])
    frozen = run.state.shape[0] > N_MOMENTS
    trainable = run.state[run.state.shape[0] - 1]                      # the TRAINABLE row when frozen
    if frozen:
        launch(mask_gradient, run.grad.size, run.grad, trainable)
    if hyper[CLIP] > 0:
        run.norm2[:1] = np.zeros(1)
        sum_of_squares[blocks_for(run.grad.size), THREADS](run.grad, run.norm2)
    iconf[STEP] += 1
    t = int(iconf[STEP])
    corr1, corr2 = optimizers.bias_corrections(hyper, t)
    launch(clip_and_update, run.theta.size, run.theta, run.grad, run.state[STATE_M], run.state[STATE_V],
           int(iconf[OPT]), run.hyper_d, t, corr1, corr2, run.norm2, record_d, s, trainable, frozen)


# compiled together, once per real type (dlkit.kernels.cuda.device.family)
DEVICE_CODE = (gather_rows, bias_activation, activation, dropout, activation_backward, column_sums, batchnorm_forward,
               batchnorm_backward, row_losses, penalty_gradient, sum_of_squares, mask_gradient, clip_and_update)
