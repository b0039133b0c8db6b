"""The ``cuda`` backend: Numba CUDA kernels launched from the host, with the numpy reference's names and signatures.

Every kernel uses grid-stride loops, so its result never depends on the launch size (the simulator runs them
with tiny grids). The scalar maths is the same code the other backends use (``activations.activate``,
``losses.row_loss``, ``optimizers.update_flat``, ``rng.hashed_uniform``), compiled as device functions.

Small networks train with one block per epoch (:mod:`dlkit.kernels.cuda_fused`); larger ones with the kernels
below, one launch per phase. During ``fit`` (:class:`CudaRun`) parameters, optimizer state, running statistics and the training data stay on
the device; per step only kernel launches cross the bus. The per-step loss and accuracy are accumulated on the
device and read back once every ``CHECK_EVERY`` steps (and at the end of each epoch), which is also when a
non-finite loss is noticed; updates are skipped on the device as soon as a step's loss is not finite.
"""
from __future__ import annotations

import contextlib
import functools
import math
import os
import warnings

import numpy as np
from numba import cuda, from_dtype, uint64

from .. import activations, layers, losses, optimizers, rng
from .compile import compile_family
from .layout import (ACT, B_OFF, BATCH, BETA_OFF, BN_EPS, BN_MOMENTUM, CLIP, D_IN, D_OUT, DROP, DROPOUT,
                     G_OFF, L1, L2, LOSS, OPT, RM_OFF, SEED, STEP, UPDATE_STATS, W_OFF)

SIMULATOR = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
if SIMULATOR:   # the simulator runs device code as Python on numpy scalars, where the hash's wrap-around warns
    warnings.filterwarnings("ignore", "overflow encountered", RuntimeWarning, r"dlkit\.rng")
TILE = 4 if SIMULATOR else 16          # tile side of the shared-memory matrix product
THREADS = 32 if SIMULATOR else 256     # threads per block for 1-D kernels
MAX_BLOCKS = 2 if SIMULATOR else 1024  # grid-stride loops cover whatever the grid does not
CHECK_EVERY = 64                       # steps between reading the losses back to the host
FUSED = None                           # None: one block per epoch for small nets (cuda_fused); True/False: force

_DEV = compile_family(
    [activations.activate, activations.activate_grad, activations.tanh_arith, activations.sigmoid_arith,
     activations.expm1_positive, losses.row_loss, optimizers.update_flat, rng.hashed_uniform,
     layers.batchnorm_column_forward, layers.batchnorm_column_backward],
    cuda.jit(device=True))
_activate, _activate_grad = _DEV["activate"], _DEV["activate_grad"]
_row_loss, _update, _uniform = _DEV["row_loss"], _DEV["update_flat"], _DEV["hashed_uniform"]
_bn_column_forward, _bn_column_backward = _DEV["batchnorm_column_forward"], _DEV["batchnorm_column_backward"]


@contextlib.contextmanager
def quiet_small_grids():
    """dlkit launches small grids on purpose (one block per epoch for small nets, a block per few hundred
    elements): within its own entry points Numba's "grid size N will likely result in GPU under-utilization"
    warning says nothing the user can act on. A student's own kernels still get it."""
    if SIMULATOR:
        yield
        return
    config = numba_config()
    before = config.CUDA_LOW_OCCUPANCY_WARNINGS
    config.CUDA_LOW_OCCUPANCY_WARNINGS = 0
    try:
        yield
    finally:
        config.CUDA_LOW_OCCUPANCY_WARNINGS = before


def numba_config():
    """The configuration module the CUDA dispatcher reads (numba-cuda's own since 0.2x, numba's before)."""
    try:
        from numba.cuda.core import config
    except ImportError:
        from numba.core import config
    return config


def _quiet(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with quiet_small_grids():
            return fn(*args, **kwargs)
    return wrapper


def blocks_for(n):
    """Blocks for n work items (capped: the kernels' grid-stride loops do the rest)."""
    return max(1, min((n + THREADS - 1) // THREADS, MAX_BLOCKS))


# ---- matrix products -------------------------------------------------------------------------------------
# Three kernels, from the one a student writes first to the one training uses:
#   matmul_naive        one output per thread, straight from global memory;
#   tiled_matmul_kernel one output per thread, t x t tiles staged in shared memory (module 09's lesson);
#   blocked_matmul_kernel  shared-memory tiles *and* a tm x tn block of outputs per thread kept in registers:
#                       each value read from shared memory feeds tm or tn multiply-adds instead of one.
# Accumulators start from ``C.dtype.type(0)``: a bare ``0.0`` is a float64 in Numba, and would make every
# multiply-add of a float32 product run (and be converted) in double precision. tests/test_cuda.py compiles the
# kernels to PTX and checks for that, and for registers spilled to local memory.

@cuda.jit
def matmul_naive(A, B, C):
    """C (M, N) = A (M, K) @ B (K, N), one output element per thread, straight from global memory."""
    for idx in range(cuda.grid(1), C.shape[0] * C.shape[1], cuda.gridsize(1)):
        i, j = idx // C.shape[1], idx % C.shape[1]
        acc = C.dtype.type(0)
        for k in range(A.shape[1]):
            acc += A[i, k] * B[k, j]
        C[i, j] = acc


@functools.lru_cache(maxsize=None)
def tiled_matmul_kernel(dtype, trans_a=False, trans_b=False, tile=TILE):
    """C = op(A) @ op(B) (op = transpose where the flag is set, fixed at compile time), launched with
    (tile, tile) threads per block: tiles of op(A) and op(B) are staged in shared memory so each global value
    is read once per tile instead of once per product. Grid-stride over output tiles."""
    element = from_dtype(np.dtype(dtype))

    @cuda.jit
    def kernel(A, B, C):
        sA = cuda.shared.array((tile, tile), element)
        sB = cuda.shared.array((tile, tile), element)
        zero = C.dtype.type(0)
        M, N = C.shape
        K = A.shape[0] if trans_a else A.shape[1]
        tx, ty = cuda.threadIdx.x, cuda.threadIdx.y
        tiles_n = (N + tile - 1) // tile
        for t in range(cuda.blockIdx.x, ((M + tile - 1) // tile) * tiles_n, cuda.gridDim.x):
            i, j = (t // tiles_n) * tile + ty, (t % tiles_n) * tile + tx
            acc = zero
            for k0 in range(0, K, tile):
                ka, kb = k0 + tx, k0 + ty                     # this thread loads sA[ty, tx] and sB[ty, tx]
                sA[ty, tx] = zero
                if i < M and ka < K:
                    sA[ty, tx] = A[ka, i] if trans_a else A[i, ka]
                sB[ty, tx] = zero
                if kb < K and j < N:
                    sB[ty, tx] = B[j, kb] if trans_b else B[kb, j]
                cuda.syncthreads()
                for k in range(tile):
                    acc += sA[ty, k] * sB[k, tx]
                cuda.syncthreads()
            if i < M and j < N:
                C[i, j] = acc

    kernel.recipe = (__name__, "tiled_matmul_kernel", (dtype, trans_a, trans_b, tile))   # for dlkit.compiled
    return kernel


@functools.lru_cache(maxsize=None)
def blocked_matmul_kernel(dtype, trans_a=False, trans_b=False, bm=128, bn=128, bk=8, tm=8, tn=8):
    """C = op(A) @ op(B) with register blocking, launched with (bm // tm) * (bn // tn) threads per block.

    A block computes a bm x bn tile of C; per step of bk along K it stages op(A)[bm, bk] and op(B)[bk, bn] in
    shared memory (k-major, rows padded by 4 so the stores hit 32 different banks). Each thread accumulates a
    tm x tn block of outputs in registers, rows ``ty + r * (bm // tm)`` and columns ``tx + c * (bn // tn)``
    (interleaved, so a warp reads consecutive shared-memory words and writes C coalesced): per k it loads tm + tn
    values and does tm * tn multiply-adds. Shared-memory offsets are unsigned so Numba adds no negative-index
    wrap-around to the inner loop. Grid-stride over output tiles."""
    element = from_dtype(np.dtype(dtype))
    cols = bn // tn                                       # threads along a row of the tile
    rows = bm // tm
    threads = rows * cols
    pad_m, pad_n = bm + 4, bn + 4
    size_a, size_b = bk * pad_m, bk * pad_n

    @cuda.jit
    def kernel(A, B, C):
        sA = cuda.shared.array(size_a, element)           # sA[kk * pad_m + m] = op(A)[i0 + m, k0 + kk]
        sB = cuda.shared.array(size_b, element)           # sB[kk * pad_n + n] = op(B)[k0 + kk, j0 + n]
        a = cuda.local.array(tm, element)                 # registers: a column of op(A), a row of op(B) ...
        b = cuda.local.array(tn, element)
        acc = cuda.local.array((tm, tn), element)         # ... and this thread's tm x tn outputs
        zero = C.dtype.type(0)
        M, N = C.shape
        K = A.shape[0] if trans_a else A.shape[1]
        tid = cuda.threadIdx.x
        ty, tx = tid // cols, tid % cols
        tiles_n = (N + bn - 1) // bn
        for t in range(cuda.blockIdx.x, ((M + bm - 1) // bm) * tiles_n, cuda.gridDim.x):
            i0, j0 = (t // tiles_n) * bm, (t % tiles_n) * bn
            for r in range(tm):
                for c in range(tn):
                    acc[r, c] = zero
            for k0 in range(0, K, bk):
                _stage(A, sA, trans_a, i0, k0, M, K, bm, bk, pad_m, tid, threads, zero)
                _stage(B, sB, not trans_b, j0, k0, N, K, bn, bk, pad_n, tid, threads, zero)
                cuda.syncthreads()
                oa, ob = uint64(ty), uint64(tx)
                for kk in range(bk):
                    for r in range(tm):
                        a[r] = sA[oa + uint64(r * rows)]
                    for c in range(tn):
                        b[c] = sB[ob + uint64(c * cols)]
                    for r in range(tm):
                        for c in range(tn):
                            acc[r, c] += a[r] * b[c]
                    oa += uint64(pad_m)
                    ob += uint64(pad_n)
                cuda.syncthreads()
            for r in range(tm):
                for c in range(tn):
                    i, j = i0 + ty + r * rows, j0 + tx + c * cols
                    if i < M and j < N:
                        C[i, j] = acc[r, c]

    kernel.recipe = (__name__, "blocked_matmul_kernel", (dtype, trans_a, trans_b, bm, bn, bk, tm, tn))
    return kernel


@cuda.jit(device=True)
def _stage(X, s, k_major, p0, k0, P, K, bp, bk, pad, tid, threads, zero):
    """Copy the (bp, bk) tile of a (P, K) operand starting at (p0, k0) into shared ``s[kk * pad + p]``, zeros
    outside. ``k_major``: X is stored (K, P) (read along p, coalesced); otherwise (P, K) (read along k)."""
    for e in range(tid, bp * bk, threads):
        if k_major:
            kk, p = e // bp, e % bp
            s[kk * pad + p] = X[k0 + kk, p0 + p] if k0 + kk < K and p0 + p < P else zero
        else:
            p, kk = e // bk, e % bk
            s[kk * pad + p] = X[p0 + p, k0 + kk] if k0 + kk < K and p0 + p < P else zero


BLOCKED = ((8, 8, 4, 2, 2),) if SIMULATOR else ((128, 128, 8, 8, 8), (64, 64, 16, 4, 4))   # (bm, bn, bk, tm, tn)


def matmul(A, B, C, trans_a=False, trans_b=False):
    """C (M, N) = op(A) @ op(B) on device arrays. The largest register-blocked configuration that still gives
    every multiprocessor a tile; products too small for any run on the plain 16 x 16 tiled kernel."""
    M, N = C.shape
    for bm, bn, bk, tm, tn in BLOCKED:
        tiles = ((M + bm - 1) // bm) * ((N + bn - 1) // bn)
        if tiles >= _multiprocessors():
            kernel = blocked_matmul_kernel(C.dtype.str, trans_a, trans_b, bm, bn, bk, tm, tn)
            kernel[min(tiles, MAX_BLOCKS), (bm // tm) * (bn // tn)](A, B, C)
            return
    tiles = ((M + TILE - 1) // TILE) * ((N + TILE - 1) // TILE)
    tiled_matmul_kernel(C.dtype.str, trans_a, trans_b)[min(tiles, MAX_BLOCKS), (TILE, TILE)](A, B, C)


@functools.lru_cache(maxsize=None)
def _multiprocessors():
    """Streaming multiprocessors on this GPU (1 in the simulator)."""
    return 1 if SIMULATOR else cuda.get_current_device().MULTIPROCESSOR_COUNT


# ---- elementwise and per-column kernels -----------------------------------------------------------------

@cuda.jit
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


@cuda.jit
def bias_activation(Z, b, H, kind, activate):
    """Z += b (fused); H = f(Z) when ``activate`` (batch-norm layers activate after normalising)."""
    n, h = Z.shape
    for idx in range(cuda.grid(1), n * h, cuda.gridsize(1)):
        i, j = idx // h, idx % h
        z = Z[i, j] + b[j]
        Z[i, j] = z
        if activate:
            H[i, j] = _activate(z, kind)


@cuda.jit
def activation(Z, H, kind):
    n, h = Z.shape
    for idx in range(cuda.grid(1), n * h, cuda.gridsize(1)):
        H[idx // h, idx % h] = _activate(Z[idx // h, idx % h], kind)


@cuda.jit
def dropout(H, M, p, seed, step, layer):
    """Inverted dropout in place, with the same counter-based uniforms as every other backend."""
    n, h = H.shape
    scale = 1.0 / (1.0 - p)
    for idx in range(cuda.grid(1), n * h, cuda.gridsize(1)):
        i, j = idx // h, idx % h
        keep = _uniform(seed, step, layer, idx) >= p
        M[i, j] = scale if keep else 0.0
        H[i, j] *= M[i, j]


@cuda.jit
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


@cuda.jit
def column_sums(dZ, db):
    """db[j] = sum_i dZ[i, j] (the bias gradient), one thread per column."""
    for j in range(cuda.grid(1), dZ.shape[1], cuda.gridsize(1)):
        s = 0.0
        for i in range(dZ.shape[0]):
            s += dZ[i, j]
        db[j] = s


@cuda.jit
def batchnorm_forward(Z, Zhat, inv_std, gamma, beta, rmean, rvar, training, update, momentum, eps):
    """Per column: batch (or running) mean and variance, normalise, scale and shift Z in place."""
    for j in range(cuda.grid(1), Z.shape[1], cuda.gridsize(1)):
        _bn_column_forward(Z, Zhat, inv_std, gamma, beta, rmean, rvar, j, training, update, momentum, eps)


@cuda.jit
def batchnorm_backward(dZ, Zhat, inv_std, gamma, dgamma, dbeta):
    for j in range(cuda.grid(1), dZ.shape[1], cuda.gridsize(1)):
        _bn_column_backward(dZ, Zhat, inv_std, gamma, dgamma, dbeta, j)


@cuda.jit
def row_losses(out, T, kind, dout, n, result):
    """Per example (one thread per row): its loss and d loss/d out, scaled by 1/n; the batch-mean loss and the
    accuracy are accumulated into result[0] and result[1] with atomics."""
    c = out.shape[1]
    for i in range(cuda.grid(1), n, cuda.gridsize(1)):
        loss = _row_loss(out[i], T[i], kind, dout[i])
        for j in range(c):
            dout[i, j] /= n
        cuda.atomic.add(result, 0, loss / n)
        if kind >= 3:
            pred = 0
            if c == 1:
                pred = 1 if out[i, 0] > 0 else 0
            else:
                for j in range(1, c):
                    if out[i, j] > out[i, pred]:
                        pred = j
            if pred == int(T[i, 0]):
                cuda.atomic.add(result, 1, 1.0 / n)


@cuda.jit
def penalty_gradient(W, gW, l1, l2):
    """gW += l1 sign(W) + l2 W (weights only)."""
    n, h = W.shape
    for idx in range(cuda.grid(1), n * h, cuda.gridsize(1)):
        w = W[idx // h, idx % h]
        sign = 1.0 if w > 0 else (-1.0 if w < 0 else 0.0)
        gW[idx // h, idx % h] += l1 * sign + l2 * w


@cuda.jit(device=True)
def block_sum(partial, value):
    """Sum ``value`` over the block's threads with a shared-memory tree; every thread gets the total.
    Every thread of the block must call it (it synchronises)."""
    tid = cuda.threadIdx.x
    partial[tid] = value
    cuda.syncthreads()
    stride = cuda.blockDim.x // 2
    while stride > 0:
        if tid < stride:
            partial[tid] += partial[tid + stride]
        cuda.syncthreads()
        stride //= 2
    total = partial[0]
    cuda.syncthreads()
    return total


@cuda.jit
def sum_of_squares(g, total):
    """total[0] += sum g^2: a tree reduction per block, then one atomic add per block."""
    partial = cuda.shared.array(THREADS, np.float64)
    s = 0.0
    for i in range(cuda.grid(1), g.shape[0], cuda.gridsize(1)):
        s += g[i] * g[i]
    s = block_sum(partial, s)
    if cuda.threadIdx.x == 0:
        cuda.atomic.add(total, 0, s)


@cuda.jit
def mask_gradient(grad, trainable):
    """Zero the gradients of frozen entries (trainable == 0), so they neither count in the norm nor move."""
    for i in range(cuda.grid(1), grad.shape[0], cuda.gridsize(1)):
        grad[i] *= trainable[i]


@cuda.jit
def clip_and_update(theta, grad, m, v, kind, hyper, t, corr1, corr2, norm2, record, s, trainable, frozen):
    """Clip by the global norm (computed on the device) and apply one optimizer step, element-wise; skipped
    entirely when step s's loss was not finite, so the weights stay at their last finite values, and for
    frozen entries."""
    loss = record[s, 0]
    if not (loss == loss and abs(loss) < math.inf):
        return
    factor = 1.0
    if hyper[CLIP] > 0:
        norm = math.sqrt(norm2[0])
        if norm > hyper[CLIP]:
            factor = hyper[CLIP] / (norm + 1e-6)
    for i in range(cuda.grid(1), theta.shape[0], cuda.gridsize(1)):
        if frozen and trainable[i] == 0:
            continue
        grad[i] *= factor
        _update(theta, grad, m, v, i, kind, hyper, t, corr1, corr2)


# ---- the network on the device ---------------------------------------------------------------------------

def _launch(kernel, n, *args):
    kernel[blocks_for(n), THREADS](*args)


class _Workspace:
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
        self.result = cuda.device_array((1, 2), np.float64)


def _views(layout, k, flat):
    """Layer k's W (D, H), b (H,) and, with batch norm, gamma and beta (H,) as views of a flat device vector."""
    d, h = int(layout[k, D_IN]), int(layout[k, D_OUT])
    w0, b0 = int(layout[k, W_OFF]), int(layout[k, B_OFF])
    W, b = flat[w0:w0 + d * h].reshape(d, h), flat[b0:b0 + h]
    if layout[k, G_OFF] < 0:
        return W, b, None, None
    g0, be0 = int(layout[k, G_OFF]), int(layout[k, BETA_OFF])
    return W, b, flat[g0:g0 + h], flat[be0:be0 + h]


def _running(layout, k, buffers):
    r, h = int(layout[k, RM_OFF]), int(layout[k, D_OUT])
    return buffers[r:r + h], buffers[r + h:r + 2 * h]


def _layer_forward(layout, k, theta, buffers, hyper, ws, n, training, update_stats, seed, step):
    """Layer k on the first n rows: dense -> [batch norm] -> activation -> [dropout]."""
    W, b, gamma, beta = _views(layout, k, theta)
    h_in, z, h_out = ws.H[k][:n], ws.Z[k][:n], ws.H[k + 1][:n]
    kind, bn = int(layout[k, ACT]), layout[k, G_OFF] >= 0
    matmul(h_in, W, z)                                                    # (n, D) @ (D, H)
    _launch(bias_activation, z.size, z, b, h_out, kind, not bn)
    if bn:
        rmean, rvar = _running(layout, k, buffers)
        _launch(batchnorm_forward, z.shape[1], z, ws.Zhat[k][:n], ws.inv_std[k], gamma, beta, rmean, rvar,
                training, update_stats, hyper[BN_MOMENTUM], hyper[BN_EPS])
        _launch(activation, z.size, z, h_out, kind)
    if training and layout[k, DROP] and hyper[DROPOUT] > 0:
        _launch(dropout, z.size, h_out, ws.M[k][:n], hyper[DROPOUT], seed, step, k + 1)


def _forward_backward(layout, theta, grad, buffers, hyper_h, ws, n, loss_kind, seed, step, update_stats, result):
    """Forward and backward on the first n rows of ws.H[0] / ws.T; loss and accuracy added into result[0]."""
    L = layout.shape[0]
    for k in range(L):
        _layer_forward(layout, k, theta, buffers, hyper_h, ws, n, True, update_stats, seed, step)
    out, dh = ws.H[L][:n], ws.dH[L][:n]
    _launch(row_losses, n, out, ws.T[:n], loss_kind, dh, n, result)
    for k in range(L - 1, -1, -1):
        W, _, gamma, _ = _views(layout, k, theta)
        gW, gb, ggamma, gbeta = _views(layout, k, grad)
        dropped = bool(layout[k, DROP]) and hyper_h[DROPOUT] > 0
        _launch(activation_backward, dh.size, dh, ws.Z[k][:n], ws.H[k + 1][:n], ws.M[k][:n], int(layout[k, ACT]),
                dropped)
        if layout[k, G_OFF] >= 0:
            _launch(batchnorm_backward, dh.shape[1], dh, ws.Zhat[k][:n], ws.inv_std[k], gamma, ggamma, gbeta)
        matmul(ws.H[k][:n], dh, gW, trans_a=True)                          # (D, n) @ (n, H) -> dW
        if hyper_h[L1] != 0 or hyper_h[L2] != 0:
            _launch(penalty_gradient, W.size, W, gW, hyper_h[L1], hyper_h[L2])
        _launch(column_sums, dh.shape[1], dh, gb)
        if k > 0:
            matmul(dh, W, ws.dH[k][:n], trans_b=True)                      # (n, H) @ (H, D) -> dx
            dh = ws.dH[k][:n]


def _to_device(a):
    return cuda.to_device(np.ascontiguousarray(a)) if isinstance(a, np.ndarray) else a


@_quiet
def forward(layout, theta, buffers, hyper, X):
    """Evaluation-mode forward pass: X (N, D0) -> outputs (N, C), returned as a host array."""
    n = X.shape[0]
    ws = _Workspace(layout, n, theta.dtype)
    ws.H[0] = _to_device(X)
    theta_d, buffers_d = _to_device(theta), _to_device(buffers)
    for k in range(layout.shape[0]):
        _layer_forward(layout, k, theta_d, buffers_d, hyper, ws, n, False, False, 0, 0)
    return ws.H[layout.shape[0]].copy_to_host()


@_quiet
def forward_backward(layout, theta, grad, buffers, hyper, iconf, X, T):
    """Training-mode forward and backward on one batch; fills the host grad (P,), returns the batch-mean loss."""
    n = X.shape[0]
    ws = _Workspace(layout, n, theta.dtype)
    ws.H[0], ws.T = _to_device(X), _to_device(T)
    grad_d, buffers_d = cuda.device_array_like(grad), _to_device(buffers.copy())
    result = cuda.to_device(np.zeros((1, 2)))
    _forward_backward(layout, _to_device(theta), grad_d, buffers_d, hyper, ws, n,
                      int(iconf[LOSS]), int(iconf[SEED]), int(iconf[STEP]), bool(iconf[UPDATE_STATS]), result[0])
    grad[:] = grad_d.copy_to_host()
    if iconf[UPDATE_STATS]:
        buffers[:] = buffers_d.copy_to_host()
    return float(result.copy_to_host()[0, 0])


def train_steps(layout, theta, grad, state, buffers, hyper, iconf, X, T, order, record):
    """The mini-batch loop on host arrays (copies in and out); ``fit`` uses :class:`CudaRun`, which keeps them
    on the device."""
    from types import SimpleNamespace

    model = SimpleNamespace(layout=layout, theta=theta, buffers=buffers)
    run = CudaRun(model, X, T, state, hyper, iconf)
    steps = run.train_steps(order, record)
    run.sync_model()
    grad[:], state[:] = run.grad_host(), run.state.copy_to_host()
    return steps


_COMPILED = []        # non-empty once a CudaRun has trained in this process (its kernels are compiled)


class CudaRun:
    """A training run whose parameters, optimizer state, statistics and data live on the GPU."""

    def __init__(self, model, X, T, state, hyper, iconf):
        self.model, self.hyper, self.iconf = model, hyper, iconf
        self.X, self.T = cuda.to_device(X), cuda.to_device(T)
        self.hyper_d = cuda.to_device(hyper)
        self.state = cuda.to_device(state)
        self.ws = _Workspace(model.layout, int(iconf[BATCH]), model.theta.dtype)
        self.ws.T = cuda.device_array((int(iconf[BATCH]), T.shape[1]), T.dtype)
        self.norm2 = cuda.device_array(1, np.float64)
        self.fused = FUSED if FUSED is not None else _fused().fits(model.layout, int(iconf[BATCH]))
        self.fused_ws = None
        self.load_model()

    def load_model(self):
        """Send the host model's parameters and running statistics to the device."""
        self.theta = cuda.to_device(self.model.theta)
        self.buffers = cuda.to_device(self.model.buffers)
        self.grad = cuda.device_array_like(self.theta)

    def sync_model(self):
        """Bring the parameters and running statistics home into the host model."""
        self.theta.copy_to_host(self.model.theta)
        self.buffers.copy_to_host(self.model.buffers)

    def theta_host(self):
        return self.theta.copy_to_host()

    def grad_host(self):
        return self.grad.copy_to_host()

    def state_host(self):
        return self.state.copy_to_host()

    def train_steps(self, order, record):
        """Steps over ``order`` (host int array); record (steps, 2) filled on the device, read back every
        CHECK_EVERY steps. Returns the number of steps with a finite loss before the first non-finite one.
        The first call of a process compiles the kernels, with a notice if that takes over a second."""
        if _COMPILED or SIMULATOR:                      # the simulator compiles nothing: it is slow throughout
            return self._train_steps(order, record)
        _COMPILED.append(True)
        from .host import GPU_NOTICE, with_compile_notice

        return with_compile_notice(lambda: self._train_steps(order, record), GPU_NOTICE)

    @_quiet
    def _train_steps(self, order, record):
        if self.fused:
            return _fused().run_epoch(self, order, record)
        iconf = self.iconf
        batch, total = int(iconf[BATCH]), len(order)
        steps = (total + batch - 1) // batch
        order_d = cuda.to_device(np.ascontiguousarray(order, dtype=np.int64))
        record_d = cuda.to_device(np.zeros((steps, 2)))
        for first in range(0, steps, CHECK_EVERY):
            last = min(first + CHECK_EVERY, steps)
            for s in range(first, last):
                self._step(order_d, s, batch, total, record_d)
            chunk = record_d[first:last].copy_to_host()
            record[first:last] = chunk
            bad = np.flatnonzero(~np.isfinite(chunk[:, 0]))
            if bad.size:
                iconf[STEP] -= (last - first) - bad[0]          # the skipped updates did not count
                return first + int(bad[0])
        return steps

    def _step(self, order_d, s, batch, total, record_d):
        m, iconf, hyper, ws = self.model, self.iconf, self.hyper, self.ws
        start = s * batch
        n = min(batch, total - start)
        _launch(gather_rows, n * (ws.H[0].shape[1] + ws.T.shape[1]), self.X, self.T, order_d, start, n,
                ws.H[0], ws.T)
        _forward_backward(m.layout, self.theta, self.grad, self.buffers, hyper, ws, n,
                          int(iconf[LOSS]), int(iconf[SEED]), int(iconf[STEP]), bool(iconf[UPDATE_STATS]),
                          record_d[s])
        frozen = self.state.shape[0] > 2
        if frozen:
            _launch(mask_gradient, self.grad.size, self.grad, self.state[2])
        if hyper[CLIP] > 0:
            self.norm2[:1] = np.zeros(1)
            sum_of_squares[blocks_for(self.grad.size), THREADS](self.grad, self.norm2)
        iconf[STEP] += 1
        t = int(iconf[STEP])
        corr1, corr2 = optimizers.bias_corrections(hyper, t)
        _launch(clip_and_update, self.theta.size, self.theta, self.grad, self.state[0], self.state[1],
                int(iconf[OPT]), self.hyper_d, t, corr1, corr2, self.norm2, record_d, s,
                self.state[self.state.shape[0] - 1], frozen)


def _fused():
    from . import cuda_fused

    return cuda_fused


def Run(model, X, T, state, hyper, iconf):
    """A training run on the device (see :mod:`dlkit.kernels.host` for the contract)."""
    return CudaRun(model, X, T, state, hyper, iconf)
