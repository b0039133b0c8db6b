"""Device-side building blocks of the ``cuda`` backend: the textbook's scalar maths compiled as device functions,
per real type; kernels compiled per real type; a block-wide sum, launch sizes, and the context that keeps Numba
quiet about dlkit's deliberately small grids.

**One source, two real types.** The kernels of :mod:`.fused` and :mod:`.layered` and the scalar maths they call
are written once. Each module's code is compiled as one family per real type (:func:`family`, with
:func:`dlkit.kernels.compile.compile_family`): for float64 as written, for float32 with every float literal,
float constant and conversion in float32, so a float32 network computes in float32 end to end (in Numba a bare
``0.5`` is a float64: tests/kernels/test_compiled.py holds the float32 kernels to no float64 instruction at
all). A kernel is a :class:`RealKernel`: ``kernel[blocks, threads](*args)`` launches the copy for the real type
of its first floating-point array argument, with float scalar arguments converted to that type.

**On disk.** Compiled kernels are cached (Numba's ``cache=True``, next to the source in ``__pycache__``), so a
new process loads them instead of compiling again. Each entry is named after a digest of its family's source:
Numba's cache watches only the kernel's own file, and the scalar maths lives in the textbook's.

Every kernel of the backend uses grid-stride loops, so its result never depends on the launch size (the
simulator runs them with tiny grids).
"""
from __future__ import annotations

import contextlib
import functools
import importlib
import os
import warnings

import numpy as np
from numba import cuda

from ..compile import SCALAR_CODE, compile_family, family_digest

SIMULATOR = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
if SIMULATOR:   # the simulator runs device code as Python on numpy scalars, where the hash's wrap-around warns
    warnings.filterwarnings("ignore", "overflow encountered", RuntimeWarning, r"dlkit\.rng")
THREADS = 32 if SIMULATOR else 256     # threads per block for 1-D kernels
MAX_BLOCKS = 2 if SIMULATOR else 1024  # grid-stride loops cover whatever the grid does not
REAL_TYPES = {"float32": np.float32, "float64": np.float64}


def device_function(fn):
    """Marks device code: compiled with its module's family, once per real type (see :func:`family`); the
    function itself stays plain Python."""
    return fn


class RealKernel:
    """A kernel compiled once per real type; ``kernel[blocks, threads](*args)`` launches the copy for the dtype
    of the first floating-point array among ``args``, with Python and numpy float arguments in that dtype."""

    def __init__(self, fn):
        self.py_func, self.__name__, self.__doc__ = fn, fn.__name__, fn.__doc__
        self.__module__, self.__qualname__ = fn.__module__, fn.__qualname__

    def for_real(self, dtype):
        """The compiled kernel for the real type ``dtype`` ("float32", np.float64, ...)."""
        return family(self.__module__, np.dtype(dtype).name)[self.__name__]

    def __getitem__(self, launch_config):
        return functools.partial(self._launch, launch_config)

    def _launch(self, launch_config, *args):
        real = next(a.dtype for a in args if getattr(a, "ndim", 0) and a.dtype.kind == "f")
        args = [real.type(a) if isinstance(a, (float, np.floating)) else a for a in args]
        self.for_real(real)[launch_config](*args)


def real_kernel(fn):
    """``fn`` as a :class:`RealKernel`."""
    return RealKernel(fn)


@functools.lru_cache(maxsize=None)
def family(module, dtype):
    """{name: compiled} for the code a module lists in ``DEVICE_CODE`` (its device functions and kernels),
    with the scalar maths and the block-wide sum, compiled for the real type named ``dtype``."""
    code = importlib.import_module(module).DEVICE_CODE
    functions = [getattr(f, "py_func", f) for f in code] + list(SCALAR_CODE) + [block_sum]
    kernels = {f.__name__ for f in code if isinstance(f, RealKernel)}
    tag = f"{dtype}_{family_digest(functions)}"

    def compile_one(fn):
        if fn.__name__ not in kernels:
            return cuda.jit(device=True)(fn)
        fn.__qualname__ = f"{fn.__qualname__}_{tag}"          # its own on-disk cache entry
        kernel = cuda.jit(cache=not SIMULATOR)(fn)
        kernel.recipe = (__name__, "family_kernel", (module, fn.__name__, dtype))    # for dlkit.compiled
        return kernel

    return compile_family(functions, compile_one, real=REAL_TYPES[dtype])


def family_kernel(module, name, dtype):
    """One compiled kernel of :func:`family` (how :mod:`dlkit.compiled` rebuilds it in another process)."""
    return family(module, dtype)[name]


# the scalar maths, written once in the textbook (activations, losses, optimizers, rng, layers), as device code as
# written (float64): the names fused and layered call it by; each family replaces them with its own copies
_DEV = compile_family(SCALAR_CODE, cuda.jit(device=True))
activate, activate_grad = _DEV["activate"], _DEV["activate_grad"]
row_loss, row_class, is_classification = _DEV["row_loss"], _DEV["row_class"], _DEV["is_classification"]
update_flat, bias_corrections, clip_factor = _DEV["update_flat"], _DEV["bias_corrections"], _DEV["clip_factor"]
hashed_uniform = _DEV["hashed_uniform"]
batchnorm_column_forward, batchnorm_column_backward = (_DEV["batchnorm_column_forward"],
                                                       _DEV["batchnorm_column_backward"])


@device_function
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
