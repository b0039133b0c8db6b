"""One thread block runs a whole epoch of training steps: the ``cuda`` backend's path for small networks.

For a [2, 16, 16, 2] net a step is ~20 tiny kernels; launching each from Python costs far more than its
arithmetic, so there the GPU would lose to everything. Here one launch does every step of an epoch: the block's
threads share each phase (gather, dense, batch norm, activation, dropout, loss, backward, clip, update) and
meet at ``syncthreads()`` between phases. It is the cpu backend's fused loop, parallel within one block, and it
calls the same scalar maths (batch norm's columns, the losses, the class rule, the optimizers' updates and
Adam's bias corrections) as every other backend, compiled with them once per real type (``DEVICE_CODE``, see
:mod:`.device`): a float32 net computes in float32 throughout. Used when every width and the batch fit
``MAX_WIDTH``; larger nets use the layered path, where the tiled matrix product keeps the whole GPU busy.
"""
from __future__ import annotations

import math

import numpy as np
from numba import cuda, uint64 as U

from ...data.batches import batches_in
from ...packing import (ABSENT, ACT, B_OFF, BATCH, BETA_OFF, BN_EPS, BN_MOMENTUM, CLIP, D_IN, D_OUT, DROP,
                        DROPOUT, G_OFF, L1, L2, LOSS, N_MOMENTS, N_RECORD, OPT, RECORD_ACCURACY, RECORD_LOSS,
                        RM_OFF, SEED, STATE_M, STATE_V, STEP, UPDATE_STATS, W_OFF)
from .device import THREADS, block_sum, device_function, real_kernel
from .device import activate as _activate, activate_grad as _activate_grad, row_loss as _row_loss
from .device import row_class as _row_class, is_classification as _is_classification
from .device import update_flat as _update, bias_corrections as _bias_corrections, clip_factor as _clip_factor
from .device import hashed_uniform as _uniform
from .device import batchnorm_column_forward as _bn_column_forward
from .device import batchnorm_column_backward as _bn_column_backward

MAX_WIDTH = 256
R = 4                 # rows (outputs) per thread in the dense loops: each weight loaded feeds R multiply-adds
ONE = U(1)
# The dense loops keep R sums in registers and walk unsigned offsets: with signed ones Numba adds a
# negative-index wrap-around to every load, and recomputing ``base + i * d + k`` each time made the inner loops
# several times longer (docs/performance.md). A thread's last group of R rows may reach past the batch: the
# workspace has its rows padded to a multiple of R (and R spare values at the end), and those sums are dropped.
H_OFF, Z_OFF, ZHAT_OFF, M_OFF, INV_OFF = range(5)          # columns of the workspace table
N_TABLE_COLUMNS = 5
GRAD_A, GRAD_B, TARGETS = range(3)                         # the workspace's two gradient buffers, the targets
# ic: the run's integers
N_STEPS, N_BATCH, N_TOTAL, I_LOSS, I_OPT, I_SEED, I_STEP0, I_UPDATE, I_FROZEN = range(9)
N_IC = 9


def fits(layout, batch_size):
    """Whether the one-block path applies."""
    return batch_size <= MAX_WIDTH and int(layout[:, [D_IN, D_OUT]].max()) <= MAX_WIDTH


def workspace_table(layout, rows, n_targets):
    """Offsets into one flat workspace: per layer H (inputs/outputs), Z, Zhat, M (rows x width), inverse
    std (width); then two gradient buffers and the batch's targets. Returns (table (L+1, 5), grads, T, size).
    Rows are padded to a multiple of R (see the dense loops)."""
    rows = -(-rows // R) * R
    n_layers = len(layout)
    table = np.zeros((n_layers + 1, N_TABLE_COLUMNS), dtype=np.int64)
    offset = rows * int(layout[0, D_IN])                      # H_0, the gathered batch, starts at 0
    for k in range(n_layers):
        w = int(layout[k, D_OUT])
        table[k + 1, H_OFF] = offset
        table[k, Z_OFF], table[k, ZHAT_OFF], table[k, M_OFF] = offset + rows * w, offset + 2 * rows * w, \
            offset + 3 * rows * w
        table[k, INV_OFF] = offset + 4 * rows * w
        offset += 4 * rows * w + w
    widest = int(layout[:, [D_IN, D_OUT]].max())
    grads = (offset, offset + rows * widest)
    targets = offset + 2 * rows * widest
    return table, grads, targets, targets + rows * n_targets + R


@device_function
def _gather(X, T, order, start, n, ws, t_off):
    """The batch's rows of X into the workspace's H_0 (n, D0), of T into its targets (n, Ct)."""
    tid, nth = cuda.threadIdx.x, cuda.blockDim.x
    d0, c_t = X.shape[1], T.shape[1]
    for idx in range(tid, n * (d0 + c_t), nth):
        i, j = idx // (d0 + c_t), idx % (d0 + c_t)
        row = order[start + i]
        if j < d0:
            ws[i * d0 + j] = X[row, j]
        else:
            ws[t_off + i * c_t + j - d0] = T[row, j - d0]
    cuda.syncthreads()


@device_function
def _dense_forward(theta, ws, n, d, h, w0, b0, hin, z):
    """z (n, H) = h_in (n, D) @ W (D, H) + b, R rows a thread."""
    tid, nth = cuda.threadIdx.x, cuda.blockDim.x
    groups = (n + R - 1) // R
    for idx in range(tid, groups * h, nth):
        q, j = idx // h, idx % h                               # rows q*R .. q*R + R-1, column j
        acc = cuda.local.array(R, ws.dtype)
        for r in range(R):
            acc[r] = theta[b0 + j]
        pa, pw = U(hin + q * R * d), U(w0 + j)                # walk those rows of h_in and column j of W
        for _ in range(d):
            w = theta[pw]
            for r in range(R):
                acc[r] += ws[pa + U(r * d)] * w
            pa += ONE
            pw += U(h)
        for r in range(R):
            if q * R + r < n:
                ws[z + (q * R + r) * h + j] = acc[r]
    cuda.syncthreads()


@device_function
def _forward_layer(layout, k, table, theta, buffers, hyper, ws, n, seed, step, update):
    """Layer k on the batch in the workspace: dense -> [batch norm] -> activation -> [dropout]."""
    tid, nth = cuda.threadIdx.x, cuda.blockDim.x
    d, h = layout[k, D_IN], layout[k, D_OUT]
    z, out = table[k, Z_OFF], table[k + 1, H_OFF]
    _dense_forward(theta, ws, n, d, h, layout[k, W_OFF], layout[k, B_OFF], table[k, H_OFF], z)
    if layout[k, G_OFF] != ABSENT:                             # batch norm, one thread per column
        g0, be0, r0, zh = layout[k, G_OFF], layout[k, BETA_OFF], layout[k, RM_OFF], table[k, ZHAT_OFF]
        inv_std = ws[table[k, INV_OFF]:table[k, INV_OFF] + h]
        for j in range(tid, h, nth):                           # column j of an (n, H) block: a stride-H slice
            _bn_column_forward(ws[z + j:z + n * h:h], ws[zh + j:zh + n * h:h], inv_std, theta[g0:g0 + h],
                               theta[be0:be0 + h], buffers[r0:r0 + h], buffers[r0 + h:r0 + 2 * h], j, True, update,
                               hyper[BN_MOMENTUM], hyper[BN_EPS])
        cuda.syncthreads()
    drop = layout[k, DROP] != 0 and hyper[DROPOUT] > 0.0
    scale = 1.0 / (1.0 - hyper[DROPOUT]) if drop else 1.0
    for idx in range(tid, n * h, nth):                         # activation, then dropout
        a = _activate(ws[z + idx], layout[k, ACT])
        if drop:
            keep = _uniform(seed, step, k + 1, idx) >= hyper[DROPOUT]
            ws[table[k, M_OFF] + idx] = scale if keep else 0.0
            a *= ws[table[k, M_OFF] + idx]
        ws[out + idx] = a
    cuda.syncthreads()


@device_function
def _batch_loss(ws, out, dh, t_off, n, c, c_t, loss_kind, partial):
    """The batch's mean loss and accuracy (one thread per example), every thread getting both; leaves
    d loss / d out (n, C) at ``dh``."""
    tid, nth = cuda.threadIdx.x, cuda.blockDim.x
    loss, correct = 0.0, 0.0
    for i in range(tid, n, nth):
        outputs = ws[out + i * c:out + (i + 1) * c]
        target = ws[t_off + i * c_t:t_off + (i + 1) * c_t]
        loss += _row_loss(outputs, target, loss_kind, ws[dh + i * c:dh + (i + 1) * c])
        correct += 1.0 if _row_class(outputs) == int(target[0]) else 0.0
        for j in range(c):                                     # the same thread owns the row: no race
            ws[dh + i * c + j] /= float(n)
    loss = block_sum(partial, loss) / float(n)
    correct = block_sum(partial, correct) / float(n)
    return loss, correct if _is_classification(loss_kind) else 0.0


@device_function
def _backward_layer(layout, k, table, theta, grad, hyper, ws, n, dh):
    """dh: offset of d loss / d (layer k's output) (n, H); fills layer k's gradients."""
    tid, nth = cuda.threadIdx.x, cuda.blockDim.x
    d, h = layout[k, D_IN], layout[k, D_OUT]
    z, hout = table[k, Z_OFF], table[k + 1, H_OFF]
    drop = layout[k, DROP] != 0 and hyper[DROPOUT] > 0.0
    for idx in range(tid, n * h, nth):                         # back through dropout and the activation
        zz = ws[z + idx]
        g = ws[dh + idx]
        if drop:
            g *= ws[table[k, M_OFF] + idx]
            a = _activate(zz, layout[k, ACT])
        else:
            a = ws[hout + idx]
        ws[dh + idx] = g * _activate_grad(zz, a, layout[k, ACT])
    cuda.syncthreads()
    if layout[k, G_OFF] != ABSENT:                             # back through batch norm
        g0, be0, zh = layout[k, G_OFF], layout[k, BETA_OFF], table[k, ZHAT_OFF]
        inv_std = ws[table[k, INV_OFF]:table[k, INV_OFF] + h]
        for j in range(tid, h, nth):                           # column j of an (n, H) block: a stride-H slice
            _bn_column_backward(ws[dh + j:dh + n * h:h], ws[zh + j:zh + n * h:h], inv_std, theta[g0:g0 + h],
                                grad[g0:g0 + h], grad[be0:be0 + h], j)
        cuda.syncthreads()
    _dense_backward(theta, grad, hyper, ws, n, d, h, layout[k, W_OFF], layout[k, B_OFF], table[k, H_OFF], dh)


@device_function
def _dense_backward(theta, grad, hyper, ws, n, d, h, w0, b0, hin, dh):
    """dW (D, H) = h_in^T @ dz (+ the L1/L2 penalties' gradients), R rows a thread; db = column sums of dz."""
    tid, nth = cuda.threadIdx.x, cuda.blockDim.x
    for idx in range(tid, ((d + R - 1) // R) * h, nth):
        q, j = idx // h, idx % h                               # rows q*R .. q*R + R-1 of dW, column j
        acc = cuda.local.array(R, ws.dtype)
        for r in range(R):
            acc[r] = 0
        pa, pd = U(hin + q * R), U(dh + j)                    # walk those columns of h_in and column j of dz
        for _ in range(n):
            g = ws[pd]
            for r in range(R):
                acc[r] += ws[pa + U(r)] * g
            pa += U(d)
            pd += U(h)
        for r in range(R):
            if q * R + r < d:
                at = w0 + (q * R + r) * h + j
                w = theta[at]
                sign = 1.0 if w > 0.0 else (-1.0 if w < 0.0 else 0.0)
                grad[at] = acc[r] + hyper[L1] * sign + hyper[L2] * w
    for j in range(tid, h, nth):
        acc = ws.dtype.type(0)
        pd = U(dh + j)
        for _ in range(n):
            acc += ws[pd]
            pd += U(h)
        grad[b0 + j] = acc


@device_function
def _input_gradient(layout, k, theta, ws, n, dh, dprev):
    """dprev (n, D) = dz (n, H) @ W^T."""
    tid, nth = cuda.threadIdx.x, cuda.blockDim.x
    d, h, w0 = layout[k, D_IN], layout[k, D_OUT], layout[k, W_OFF]
    for idx in range(tid, ((n + R - 1) // R) * d, nth):
        q, c = idx // d, idx % d                               # rows q*R .. q*R + R-1 of dprev, column c
        acc = cuda.local.array(R, ws.dtype)
        for r in range(R):
            acc[r] = 0
        pd, pw = U(dh + q * R * h), U(w0 + c * h)             # walk those rows of dz and row c of W
        for _ in range(h):
            w = theta[pw]
            for r in range(R):
                acc[r] += ws[pd + U(r * h)] * w
            pd += ONE
            pw += ONE
        for r in range(R):
            if q * R + r < n:
                ws[dprev + (q * R + r) * d + c] = acc[r]


@device_function
def _clip_and_update(theta, grad, m, v, trainable, frozen, hyper, opt, t, partial):
    """Zero frozen entries' gradients, clip the global norm to hyper[CLIP] (if > 0), take optimizer step t."""
    tid, nth = cuda.threadIdx.x, cuda.blockDim.x
    if frozen:                                                 # frozen entries: no gradient, no update
        for i in range(tid, theta.shape[0], nth):
            grad[i] *= trainable[i]
        cuda.syncthreads()
    factor = 1.0
    if hyper[CLIP] > 0.0:
        sq = 0.0
        for i in range(tid, theta.shape[0], nth):
            sq += grad[i] * grad[i]
        norm = math.sqrt(block_sum(partial, sq))
        if norm > hyper[CLIP]:
            factor = _clip_factor(norm, hyper[CLIP])
    corr1, corr2 = _bias_corrections(hyper, float(t))          # a real power: no float64 pow for large t
    for i in range(tid, theta.shape[0], nth):
        if frozen and trainable[i] == 0.0:
            continue
        grad[i] *= factor
        _update(theta, grad, m, v, i, opt, hyper, t, corr1, corr2)
    cuda.syncthreads()


@real_kernel
def train_epoch(layout, table, grad_offsets, ic, theta, grad, m, v, trainable, buffers, hyper, X, T, order, record,
                ws):
    """All ic[N_STEPS] mini-batch steps over ``order`` in one block; record[s] = (loss, accuracy)."""
    partial = cuda.shared.array(THREADS, theta.dtype)
    n_layers = layout.shape[0]
    c, t_off = layout[n_layers - 1, D_OUT], grad_offsets[TARGETS]
    for s in range(ic[N_STEPS]):
        start = s * ic[N_BATCH]
        n = min(ic[N_BATCH], ic[N_TOTAL] - start)
        step = ic[I_STEP0] + s
        # forward
        _gather(X, T, order, start, n, ws, t_off)
        for k in range(n_layers):
            _forward_layer(layout, k, table, theta, buffers, hyper, ws, n, ic[I_SEED], step, ic[I_UPDATE] != 0)
        # loss
        dh = grad_offsets[GRAD_A]
        loss, accuracy = _batch_loss(ws, table[n_layers, H_OFF], dh, t_off, n, c, T.shape[1], ic[I_LOSS], partial)
        if cuda.threadIdx.x == 0:
            record[s, RECORD_LOSS] = loss
            record[s, RECORD_ACCURACY] = accuracy
        if not math.isfinite(loss):                           # every thread sees the same loss: stop together
            return
        # backward, the input gradient alternating between the two buffers
        for k in range(n_layers - 1, -1, -1):
            _backward_layer(layout, k, table, theta, grad, hyper, ws, n, dh)
            if k > 0:
                other = grad_offsets[GRAD_B] if dh == grad_offsets[GRAD_A] else grad_offsets[GRAD_A]
                _input_gradient(layout, k, theta, ws, n, dh, other)
                dh = other
            cuda.syncthreads()
        # clip, update
        _clip_and_update(theta, grad, m, v, trainable, ic[I_FROZEN] != 0, hyper, ic[I_OPT], step + 1, partial)


def run_epoch(run, order, record):
    """Launch one block for the steps over ``order``; returns the steps done (fewer at a non-finite loss)."""
    m, iconf = run.model, run.iconf
    batch, total = int(iconf[BATCH]), len(order)
    steps = batches_in(total, batch)
    if run.fused_ws is None:
        table, (ga, gb), t_off, size = workspace_table(m.layout, batch, run.T.shape[1])
        offsets = np.zeros(3, dtype=np.int64)
        offsets[GRAD_A], offsets[GRAD_B], offsets[TARGETS] = ga, gb, t_off
        run.fused_ws = (cuda.to_device(table), cuda.to_device(offsets), cuda.device_array(size, m.theta.dtype),
                        cuda.to_device(m.layout))
    table, grad_offsets, ws, layout = run.fused_ws
    ic = np.zeros(N_IC, dtype=np.int64)
    ic[N_STEPS], ic[N_BATCH], ic[N_TOTAL], ic[I_SEED], ic[I_STEP0] = steps, batch, total, iconf[SEED], iconf[STEP]
    ic[I_LOSS], ic[I_OPT], ic[I_UPDATE] = iconf[LOSS], iconf[OPT], iconf[UPDATE_STATS]
    ic[I_FROZEN] = run.state.shape[0] > N_MOMENTS
    record_d = cuda.to_device(np.zeros((steps, N_RECORD), m.theta.dtype))          # in the run's real type
    train_epoch[1, THREADS](layout, table, grad_offsets, cuda.to_device(ic), run.theta, run.grad,
                            run.state[STATE_M], run.state[STATE_V], run.state[run.state.shape[0] - 1], run.buffers,
                            run.hyper_d, run.X, run.T, cuda.to_device(np.ascontiguousarray(order, dtype=np.int64)),
                            record_d, ws)
    record[:steps] = record_d.copy_to_host()
    bad = np.flatnonzero(~np.isfinite(record[:steps, RECORD_LOSS]))
    done = int(bad[0]) if bad.size else steps
    iconf[STEP] += done
    return done


# compiled together, once per real type (dlkit.kernels.cuda.device.family)
DEVICE_CODE = (_gather, _dense_forward, _forward_layer, _batch_loss, _backward_layer, _dense_backward,
               _input_gradient, _clip_and_update, train_epoch)
