"""One thread block runs a whole epoch of training steps: the ``cuda`` backend's path for small networks.

For a [2, 16, 16, 2] net a step is ~20 tiny kernels; launching each from Python costs far more than its
arithmetic, so there the GPU would lose to everything. Here one launch does every step of an epoch: the block's
threads share each phase (gather, dense, batch norm, activation, dropout, loss, backward, clip, update) and
meet at ``syncthreads()`` between phases. It is the cpu backend's fused loop, parallel within one block. Used when
every width and the batch fit ``MAX_WIDTH``; larger nets use the multi-kernel path, where the tiled matrix
product keeps the whole GPU busy.
"""
from __future__ import annotations

import math

import numpy as np
from numba import cuda, uint64 as U

from .cuda import THREADS, _activate, block_sum, _activate_grad, _row_loss, _uniform, _update
from .layout import (ACT, B_OFF, BATCH, BETA_OFF, BN_EPS, BN_MOMENTUM, CLIP, D_IN, D_OUT, DROP, DROPOUT,
                     G_OFF, L1, L2, LOSS, OPT, RM_OFF, SEED, STEP, UPDATE_STATS, W_OFF)


MAX_WIDTH = 256
R = 4                 # rows (outputs) per thread in the dense loops: each weight loaded feeds R multiply-adds
ONE = U(1)
# The dense loops keep R sums in registers and walk unsigned offsets: with signed ones Numba adds a
# negative-index wrap-around to every load, and recomputing ``base + i * d + k`` each time made the inner loops
# ~40 instructions per multiply-add (sm_90). A thread's last group of R rows may reach past the batch: the
# workspace has its rows padded to a multiple of R (and R spare values at the end), and those sums are dropped.
H_OFF, Z_OFF, ZHAT_OFF, M_OFF, INV_OFF = range(5)          # columns of the workspace table
# ic: the run's integers
N_STEPS, N_BATCH, N_TOTAL, I_LOSS, I_OPT, I_SEED, I_STEP0, I_UPDATE, I_FROZEN = range(9)


def fits(layout, batch_size):
    """Whether the one-block path applies."""
    return batch_size <= MAX_WIDTH and int(layout[:, [D_IN, D_OUT]].max()) <= MAX_WIDTH


def workspace_table(layout, rows, n_targets):
    """Offsets into one flat workspace: per layer H (inputs/outputs), Z, Zhat, M (rows x width), inverse
    std (width); then two gradient buffers and the batch's targets. Returns (table (L+1, 5), grads, T, size).
    Rows are padded to a multiple of R (see the dense loops)."""
    rows = -(-rows // R) * R
    n_layers = len(layout)
    table = np.zeros((n_layers + 1, 5), dtype=np.int64)
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


@cuda.jit(device=True)
def _forward_layer(layout, k, table, theta, buffers, hyper, ws, n, seed, step, update):
    tid, nth = cuda.threadIdx.x, cuda.blockDim.x
    d, h = layout[k, D_IN], layout[k, D_OUT]
    w0, b0 = layout[k, W_OFF], layout[k, B_OFF]
    hin, z, out = table[k, H_OFF], table[k, Z_OFF], table[k + 1, H_OFF]
    groups = (n + R - 1) // R
    for idx in range(tid, groups * h, nth):                    # z = h_in @ W + b, (n, D) @ (D, H)
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
    if layout[k, G_OFF] >= 0:                                  # batch norm, one thread per column
        g0, be0, r0 = layout[k, G_OFF], layout[k, BETA_OFF], layout[k, RM_OFF]
        for j in range(tid, h, nth):
            mean = 0.0
            for i in range(n):
                mean += ws[z + i * h + j]
            mean /= n
            var = 0.0
            for i in range(n):
                var += (ws[z + i * h + j] - mean) ** 2
            var /= n
            if update:
                buffers[r0 + j] = (1.0 - hyper[BN_MOMENTUM]) * buffers[r0 + j] + hyper[BN_MOMENTUM] * mean
                buffers[r0 + h + j] = ((1.0 - hyper[BN_MOMENTUM]) * buffers[r0 + h + j]
                                       + hyper[BN_MOMENTUM] * var * n / max(n - 1, 1))
            inv = 1.0 / math.sqrt(var + hyper[BN_EPS])
            ws[table[k, INV_OFF] + j] = inv
            for i in range(n):
                zh = (ws[z + i * h + j] - mean) * inv
                ws[table[k, ZHAT_OFF] + i * h + j] = zh
                ws[z + i * h + j] = theta[g0 + j] * zh + theta[be0 + j]
        cuda.syncthreads()
    drop = layout[k, DROP] != 0 and hyper[DROPOUT] > 0
    scale = 1.0 / (1.0 - hyper[DROPOUT]) if drop else 1.0
    for idx in range(tid, n * h, nth):                         # activation, then dropout
        a = _activate(ws[z + idx], layout[k, ACT])
        if drop:
            keep = _uniform(seed, step, k + 1, idx) >= hyper[DROPOUT]
            ws[table[k, M_OFF] + idx] = scale if keep else 0.0
            a *= ws[table[k, M_OFF] + idx]
        ws[out + idx] = a
    cuda.syncthreads()


@cuda.jit(device=True)
def _backward_layer(layout, k, table, theta, grad, hyper, ws, n, dh):
    """dh: offset of d loss / d (layer k's output) (n, H); leaves d loss / d (its input) at the other buffer."""
    tid, nth = cuda.threadIdx.x, cuda.blockDim.x
    d, h = layout[k, D_IN], layout[k, D_OUT]
    w0, b0 = layout[k, W_OFF], layout[k, B_OFF]
    z, hout, hin = table[k, Z_OFF], table[k + 1, H_OFF], table[k, H_OFF]
    drop = layout[k, DROP] != 0 and hyper[DROPOUT] > 0
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
    if layout[k, G_OFF] >= 0:                                  # back through batch norm
        g0, be0 = layout[k, G_OFF], layout[k, BETA_OFF]
        for j in range(tid, h, nth):
            sum_d, sum_dz = 0.0, 0.0
            for i in range(n):
                sum_d += ws[dh + i * h + j]
                sum_dz += ws[dh + i * h + j] * ws[table[k, ZHAT_OFF] + i * h + j]
            grad[g0 + j], grad[be0 + j] = sum_dz, sum_d
            gam, inv = theta[g0 + j], ws[table[k, INV_OFF] + j]
            for i in range(n):
                ws[dh + i * h + j] = inv / n * (n * gam * ws[dh + i * h + j] - gam * sum_d
                                                - ws[table[k, ZHAT_OFF] + i * h + j] * gam * sum_dz)
        cuda.syncthreads()
    for idx in range(tid, ((d + R - 1) // R) * h, nth):        # dW = h_in^T @ dz (+ penalties)
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
                sign = 1.0 if w > 0 else (-1.0 if w < 0 else 0.0)
                grad[at] = acc[r] + hyper[L1] * sign + hyper[L2] * w
    for j in range(tid, h, nth):                               # db = column sums of dz
        acc = ws.dtype.type(0)
        pd = U(dh + j)
        for _ in range(n):
            acc += ws[pd]
            pd += U(h)
        grad[b0 + j] = acc


@cuda.jit(device=True)
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


@cuda.jit
def train_epoch(layout, table, grad_offsets, ic, theta, grad, m, v, trainable, buffers, hyper, X, T, order, record,
                ws):
    """All ic[N_STEPS] mini-batch steps over ``order`` in one block; record[s] = (loss, accuracy)."""
    partial = cuda.shared.array(THREADS, np.float64)
    tid, nth = cuda.threadIdx.x, cuda.blockDim.x
    n_layers = layout.shape[0]
    d0, c_t = X.shape[1], T.shape[1]
    c = layout[n_layers - 1, D_OUT]
    t_off = grad_offsets[2]
    for s in range(ic[N_STEPS]):
        start = s * ic[N_BATCH]
        n = min(ic[N_BATCH], ic[N_TOTAL] - start)
        step = ic[I_STEP0] + s
        for idx in range(tid, n * (d0 + c_t), nth):          # gather the batch
            i, j = idx // (d0 + c_t), idx % (d0 + c_t)
            row = order[start + i]
            if j < d0:
                ws[i * d0 + j] = X[row, j]
            else:
                ws[t_off + i * c_t + j - d0] = T[row, j - d0]
        cuda.syncthreads()
        for k in range(n_layers):                              # forward
            _forward_layer(layout, k, table, theta, buffers, hyper, ws, n, ic[I_SEED], step, ic[I_UPDATE] != 0)
        out, dh = table[n_layers, H_OFF], grad_offsets[0]
        loss, correct = 0.0, 0.0
        for i in range(tid, n, nth):                           # loss, one thread per example
            loss += _row_loss(ws[out + i * c:out + (i + 1) * c], ws[t_off + i * c_t:t_off + (i + 1) * c_t],
                              ic[I_LOSS], ws[dh + i * c:dh + (i + 1) * c])
            pred = 0
            if c == 1:
                pred = 1 if ws[out + i * c] > 0 else 0
            else:
                for j in range(1, c):
                    if ws[out + i * c + j] > ws[out + i * c + pred]:
                        pred = j
            correct += 1.0 if pred == int(ws[t_off + i * c_t]) else 0.0
            for j in range(c):                                 # the same thread owns the row: no race
                ws[dh + i * c + j] /= n
        loss = block_sum(partial, loss) / n
        correct = block_sum(partial, correct) / n
        if tid == 0:
            record[s, 0] = loss
            record[s, 1] = correct if ic[I_LOSS] >= 3 else 0.0
        if not (loss == loss and abs(loss) < math.inf):       # every thread sees the same loss: stop together
            return
        for k in range(n_layers - 1, -1, -1):                  # backward
            _backward_layer(layout, k, table, theta, grad, hyper, ws, n, dh)
            if k > 0:
                other = grad_offsets[1] if dh == grad_offsets[0] else grad_offsets[0]
                _input_gradient(layout, k, theta, ws, n, dh, other)
                dh = other
            cuda.syncthreads()
        frozen = ic[I_FROZEN] != 0
        if frozen:                                             # frozen entries: no gradient, no update
            for i in range(tid, theta.shape[0], nth):
                grad[i] *= trainable[i]
            cuda.syncthreads()
        factor = 1.0                                           # clip the global norm, then update
        if hyper[CLIP] > 0:
            sq = 0.0
            for i in range(tid, theta.shape[0], nth):
                sq += grad[i] * grad[i]
            norm = math.sqrt(block_sum(partial, sq))
            if norm > hyper[CLIP]:
                factor = hyper[CLIP] / (norm + 1e-6)
        t = step + 1
        corr1, corr2 = 1.0 - hyper[2] ** t, 1.0 - hyper[3] ** t
        for i in range(tid, theta.shape[0], nth):
            if frozen and trainable[i] == 0:
                continue
            grad[i] *= factor
            _update(theta, grad, m, v, i, ic[I_OPT], hyper, t, corr1, corr2)
        cuda.syncthreads()


def run_epoch(run, order, record):
    """Launch one block for the steps over ``order``; returns the steps done (fewer at a non-finite loss)."""
    m, iconf = run.model, run.iconf
    batch, total = int(iconf[BATCH]), len(order)
    steps = (total + batch - 1) // batch
    if run.fused_ws is None:
        table, (ga, gb), t_off, size = workspace_table(m.layout, batch, run.T.shape[1])
        run.fused_ws = (cuda.to_device(table), cuda.to_device(np.array([ga, gb, t_off], dtype=np.int64)),
                        cuda.device_array(size, m.theta.dtype), cuda.to_device(m.layout))
    table, grad_offsets, ws, layout = run.fused_ws
    frozen = run.state.shape[0] > 2
    ic = np.array([steps, batch, total, iconf[LOSS], iconf[OPT], iconf[SEED], iconf[STEP], iconf[UPDATE_STATS],
                   frozen], dtype=np.int64)
    record_d = cuda.to_device(np.zeros((steps, 2)))
    train_epoch[1, THREADS](layout, table, grad_offsets, cuda.to_device(ic), run.theta, run.grad, run.state[0],
                            run.state[1], run.state[run.state.shape[0] - 1], run.buffers, run.hyper_d, run.X, run.T,
                            cuda.to_device(np.ascontiguousarray(order, dtype=np.int64)), record_d, ws)
    record[:steps] = record_d.copy_to_host()
    bad = np.flatnonzero(~np.isfinite(record[:steps, 0]))
    done = int(bad[0]) if bad.size else steps
    iconf[STEP] += done
    return done
