"""The faster BLAS for a wide network's products: Intel MKL as the PyTorch wheel ships it.

The course's environment has PyTorch (the cross-checks, the PyTorch export), and its CPU wheel carries MKL inside
``libtorch_cpu``, with the standard BLAS entry points ``sgemm_`` / ``dgemm_`` and MKL's per-thread thread count
``MKL_Set_Num_Threads_Local``. On the 2-core course machine MKL multiplies a wide step's skinny products faster
than the OpenBLAS that SciPy (and so Numba's ``np.dot``) brings: [64, 2048, 2048, 10] at batch 64, the three
64 x 2048 x 2048 products with two threads took 6.8 ms through MKL against 8.5 ms through OpenBLAS
(docs/performance.md). The compiled products (:mod:`.products`) call it for the products that get two threads;
the small ones stay with ``np.dot``, which costs less to call.

Nothing here is required: without PyTorch, or with a build that lacks these symbols, :func:`fast_gemm` returns
:data:`NO_GEMM` and every product goes through ``np.dot`` as before. PyTorch is imported only when a wide
network trains (importing it takes a second or two).
"""
from __future__ import annotations

import ctypes
import importlib.util
from pathlib import Path
from typing import NamedTuple

_ADDRESS = ctypes.c_size_t                   # every Fortran BLAS argument is a pointer, passed as an address
GEMM_ARGS = 13                               # transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc


class FastGemm(NamedTuple):
    """What the compiled products need of the faster BLAS: set_threads(n) for the calling thread (0 clears it),
    sgemm and dgemm (the Fortran interface), and on (1 where found, 0 for the stand-ins)."""
    set_threads: object
    sgemm: object
    dgemm: object
    on: int


_GEMM_TYPE = ctypes.CFUNCTYPE(None, *[_ADDRESS] * GEMM_ARGS)
_THREADS_TYPE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)
NO_GEMM = FastGemm(_THREADS_TYPE(lambda threads: 0), _GEMM_TYPE(lambda *args: None),
                   _GEMM_TYPE(lambda *args: None), 0)          # the same types, never called (on = 0)
_FOUND = []


def fast_gemm():
    """The MKL in PyTorch's wheel as a :class:`FastGemm`, or NO_GEMM; looked up once per process."""
    if not _FOUND:
        _FOUND.append(_find() or NO_GEMM)
    return _FOUND[0]


def _find():
    if importlib.util.find_spec("torch") is None:
        return None
    try:
        import torch

        if not torch.backends.mkl.is_available():
            return None
        library = ctypes.CDLL(str(Path(torch.__file__).parent / "lib" / "libtorch_cpu.so"))
        sgemm, dgemm = library.sgemm_, library.dgemm_
        set_threads = library.MKL_Set_Num_Threads_Local
    except (ImportError, OSError, AttributeError):
        return None
    for gemm in (sgemm, dgemm):
        gemm.argtypes, gemm.restype = [_ADDRESS] * GEMM_ARGS, None
    set_threads.argtypes, set_threads.restype = [ctypes.c_int], ctypes.c_int
    return FastGemm(set_threads, sgemm, dgemm, 1)
