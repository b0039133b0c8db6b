"""Matrix products on the device, from the kernel a student writes first to the one training uses:

* ``matmul_naive``          one output per thread, straight from global memory;
* ``tiled_matmul_kernel``   one output per thread, t x t tiles staged in shared memory (module 09's lesson);
* ``blocked_matmul_kernel`` shared-memory tiles *and* a tm x tn block of outputs per thread kept in registers:
  each value read from shared memory feeds tm or tn multiply-adds instead of one.

``matmul`` picks one for a product's size. Accumulators start from ``C.dtype.type(0)``: a bare ``0.0`` is a
float64 in Numba, and would make every multiply-add of a float32 product run (and be converted) in double
precision. tests/kernels/test_compiled.py compiles the kernels to PTX and checks for that, and for registers
spilled to local memory. Compiled kernels are cached on disk (one entry per configuration and argument types).
"""
from __future__ import annotations

import functools

import numpy as np
from numba import cuda, from_dtype, uint64

from .device import MAX_BLOCKS, SIMULATOR

TILE = 4 if SIMULATOR else 16          # tile side of the shared-memory matrix product
BANK_PAD = 4                           # extra words per shared-memory row, so a warp's stores hit 32 banks


@cuda.jit(cache=not SIMULATOR)
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

    @cuda.jit(cache=not SIMULATOR)                         # on disk: one entry per configuration (its closure)
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
    shared memory (k-major, rows padded by BANK_PAD so the stores hit 32 different banks). Each thread accumulates a
    tm x tn block of outputs in registers, rows ``ty + r * (bm // tm)`` and columns ``tx + c * (bn // tn)``
    (interleaved, so a warp reads consecutive shared-memory words and writes C coalesced): per k it loads tm + tn
    values and does tm * tn multiply-adds. Shared-memory offsets are unsigned so Numba adds no negative-index
    wrap-around to the inner loop. Grid-stride over output tiles."""
    element = from_dtype(np.dtype(dtype))
    cols = bn // tn                                       # threads along a row of the tile
    rows = bm // tm
    threads = rows * cols
    pad_m, pad_n = bm + BANK_PAD, bn + BANK_PAD
    size_a, size_b = bk * pad_m, bk * pad_n

    @cuda.jit(cache=not SIMULATOR)                         # on disk: one entry per configuration (its closure)
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
