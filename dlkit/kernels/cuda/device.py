"""Device-side building blocks of the ``cuda`` backend: the textbook's scalar maths compiled as device functions,
a block-wide sum, launch sizes, and the context that keeps Numba quiet about dlkit's deliberately small grids.

Every kernel of the backend uses grid-stride loops, so its result never depends on the launch size (the
simulator runs them with tiny grids).
"""
from __future__ import annotations

import contextlib
import functools
import os
import warnings

import numpy as np
from numba import cuda

from ..compile import SCALAR_CODE, compile_family

SIMULATOR = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
if SIMULATOR:   # the simulator runs device code as Python on numpy scalars, where the hash's wrap-around warns
    warnings.filterwarnings("ignore", "overflow encountered", RuntimeWarning, r"dlkit\.rng")
THREADS = 32 if SIMULATOR else 256     # threads per block for 1-D kernels
MAX_BLOCKS = 2 if SIMULATOR else 1024  # grid-stride loops cover whatever the grid does not

# the scalar maths, written once in the textbook (activations, losses, optimizers, rng, layers), as device code
_DEV = compile_family(SCALAR_CODE, cuda.jit(device=True))
activate, activate_grad = _DEV["activate"], _DEV["activate_grad"]
row_loss, row_class, is_classification = _DEV["row_loss"], _DEV["row_class"], _DEV["is_classification"]
update_flat, bias_corrections, clip_factor = _DEV["update_flat"], _DEV["bias_corrections"], _DEV["clip_factor"]
hashed_uniform = _DEV["hashed_uniform"]
batchnorm_column_forward, batchnorm_column_backward = (_DEV["batchnorm_column_forward"],
                                                       _DEV["batchnorm_column_backward"])


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


def blocks_for(n):
    """Blocks for n work items (capped: the kernels' grid-stride loops do the rest)."""
    return max(1, min((n + THREADS - 1) // THREADS, MAX_BLOCKS))


def launch(kernel, n, *args):
    """Run a 1-D kernel over n work items."""
    kernel[blocks_for(n), THREADS](*args)


def to_device(a):
    """A host array copied to the device (C-contiguous); a device array as it is."""
    return cuda.to_device(np.ascontiguousarray(a)) if isinstance(a, np.ndarray) else a


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


def quiet(fn):
    """``fn`` run inside :func:`quiet_small_grids`."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with quiet_small_grids():
            return fn(*args, **kwargs)
    return wrapper
