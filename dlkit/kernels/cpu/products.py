"""The cpu backend's matrix products: BLAS (through ``np.dot``) with the thread count each product's size calls for.

The course's networks are small: a product of a [2, 16, 16, 2] step is a few thousand multiply-adds, over in well
under a microsecond, and a second BLAS thread would only add the cost of waking it (and, when the other core is
busy, of waiting for it: docs/performance.md saw 10-100x). A student's widened network ([64, 1024, 1024, 10])
multiplies 64 x 1024 by 1024 x 1024, milliseconds of work that two cores do in about half the time. So the thread
count is chosen per product, inside the compiled step, from its number of multiply-adds: one thread below
``TWO_THREADS_FROM``, two from there on. The threshold is where two threads became faster in measurements on the
2-core course machine, both idle and with another process busy on one core (docs/performance.md).

Two threads only help while the other core is free: with other processes busy on the 2-core machine (load 6-8),
two threads made a wide step ~10x slower than one. So the host also looks at how busy the other cores are
(:class:`dlkit.kernels.host.OtherWork`) and caps the count at one when they are taken.

``blas`` is (set_threads, most_threads, fast): the BLAS library's own "set the number of threads" function (a ctypes
function pointer, found by :func:`dlkit.kernels.host.blas_thread_switch`; setting it costs ~2 ns, so it is set
before every product and the host puts the library's setting back after the kernel returns), the cap, and the
faster BLAS for the products that get two threads (:class:`.mkl.FastGemm`: MKL from the PyTorch wheel, or a
stand-in that is never called).
"""
from __future__ import annotations

import numpy as np

from ...packing import D_IN, D_OUT
from .cached import kernel

TWO_THREADS_FROM = 1 << 21      # multiply-adds in one product from which two BLAS threads are faster
ONE_THREAD, TWO_THREADS = 1, 2
NO_TRANSPOSE, TRANSPOSE = ord("N"), ord("T")


@kernel
def blas_threads(multiply_adds):
    """The BLAS thread count for a product of ``multiply_adds`` multiply-adds."""
    return TWO_THREADS if multiply_adds >= TWO_THREADS_FROM else ONE_THREAD


def needs_two_threads(layout, rows):
    """Whether a net's products (``rows`` examples, layout (L, N_COLUMNS)) include one for two threads (host
    side: only then is it worth looking at the other cores)."""
    return int((layout[:, D_IN] * layout[:, D_OUT]).max()) * int(rows) >= TWO_THREADS_FROM


@kernel
def matmul(A, B, out, blas):
    """out (M, N) = A (M, K) @ B (K, N) (either may be a transposed view), with blas_threads(M K N) threads, at
    most blas[1]; a product that gets two threads goes to the faster BLAS (blas[2], :mod:`.mkl`) where there is
    one."""
    set_threads, most, fast = blas
    multiply_adds = A.shape[0] * A.shape[1] * B.shape[1]
    threads = min(blas_threads(multiply_adds), most)
    if fast.on and multiply_adds >= TWO_THREADS_FROM and _fortran_ready(A, B, out):
        _fast_gemm(A, B, out, threads, fast, 1, 0)
    else:
        set_threads(threads)
        np.dot(A, B, out)


@kernel
def matmul_add(A, B, out, alpha, blas):
    """out (M, N) += alpha * A (M, K) @ B (K, N) in one gemm of the faster BLAS (beta = 1: out is read, scaled by
    nothing, and added to; no product is stored anywhere else), with the threads :func:`matmul` would give it.
    Only where the faster BLAS is there and the operands are row- or column-major (``steps.moved_in_product``)."""
    set_threads, most, fast = blas
    threads = min(blas_threads(A.shape[0] * A.shape[1] * B.shape[1]), most)
    _fast_gemm(A, B, out, threads, fast, alpha, 1)


@kernel(inline="always")
def _fortran_ready(A, B, out):
    """Whether a Fortran gemm can take the operands as they lie: A and B row- or column-major, out row-major."""
    return (out.flags.c_contiguous and (A.flags.c_contiguous or A.flags.f_contiguous)
            and (B.flags.c_contiguous or B.flags.f_contiguous))


@kernel
def _fast_gemm(A, B, out, threads, fast, alpha, beta):
    """out = alpha * A @ B + beta * out through the Fortran interface (column-major), with ``threads`` threads
    for this thread only.

    Row-major out (M, N) is column-major out^T (N, M) = B^T A^T: a row-major operand is its own transpose in
    column-major terms ("N"), a column-major one (a transposed view) needs "T"."""
    M, K = A.shape
    N = B.shape[1]
    codes = np.empty(2, np.uint8)                                      # transa, transb as Fortran characters
    sizes = np.empty(6, np.int32)                                      # m, n, k, lda, ldb, ldc
    codes[0], sizes[3] = (NO_TRANSPOSE, N) if B.flags.c_contiguous else (TRANSPOSE, K)
    codes[1], sizes[4] = (NO_TRANSPOSE, K) if A.flags.c_contiguous else (TRANSPOSE, M)
    sizes[0], sizes[1], sizes[2], sizes[5] = N, M, K, N
    scalars = np.empty(2, out.dtype)                                   # alpha, beta in out's real type
    scalars[0], scalars[1] = alpha, beta
    c, s, x = codes.ctypes.data, sizes.ctypes.data, scalars.ctypes.data
    i, f = sizes.itemsize, scalars.itemsize
    fast.set_threads(threads)
    if out.itemsize == 4:
        fast.sgemm(c, c + 1, s, s + i, s + 2 * i, x, B.ctypes.data, s + 3 * i, A.ctypes.data, s + 4 * i, x + f,
                   out.ctypes.data, s + 5 * i)
    else:
        fast.dgemm(c, c + 1, s, s + i, s + 2 * i, x, B.ctypes.data, s + 3 * i, A.ctypes.data, s + 4 * i, x + f,
                   out.ctypes.data, s + 5 * i)
    return codes[0] + sizes[0] + scalars[0]          # the argument arrays stay alive until the call has returned
