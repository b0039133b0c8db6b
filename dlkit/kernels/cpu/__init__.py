"""The ``cpu`` backend: Numba ``@njit`` kernels with the numpy reference's names and signatures.

A whole epoch of mini-batch steps runs inside one compiled call (``train_steps``), so Python's per-call cost is
paid once per epoch, not once per step. One file per part:

* :mod:`.elementwise` the textbook's scalar maths (``activations.activate``, ``losses.row_loss``,
  ``optimizers.update_flat``, ``rng.hashed_uniform``, ...) compiled, and the loops over it;
* :mod:`.products`    the matrix products: BLAS with one thread for the course's small layers, two for wide ones
  while the other core is free (through MKL, :mod:`.mkl`, where PyTorch's wheel brings it);
* :mod:`.steps`       layers forward and backward, clip and update, the fused epoch;
* :mod:`.cached`      the on-disk cache, each entry named after a digest of every source the kernels compile
  (Numba's own cache watches only a kernel's file: an edited activation kept its old machine code).

This module is the contract's entry points (see :mod:`dlkit.kernels`): each hands the compiled code the BLAS
library's thread switch (:func:`dlkit.kernels.host.call_with_blas_switch`).
"""
from __future__ import annotations

import sys

from ...packing import BATCH
from ..host import HostRun, call_with_blas_switch, other_work
from . import steps
from .mkl import NO_GEMM, fast_gemm
from .products import needs_two_threads
from .elementwise import _SCALAR, _activate, _activate_grad  # noqa: F401  (the compiled scalar code, for tests)


def forward(layout, theta, buffers, hyper, X):
    """Evaluation-mode forward pass: X (N, D0) -> outputs (N, C)."""
    return _call(steps.forward, layout, len(X), theta, buffers, hyper, X)


def forward_backward(layout, theta, grad, buffers, hyper, iconf, X, T):
    """Training-mode forward and backward on one batch; fills grad (P,), returns the batch-mean data loss."""
    return _call(steps.forward_backward, layout, len(X), theta, grad, buffers, hyper, iconf, X, T)


def train_steps(layout, theta, grad, state, buffers, hyper, iconf, X, T, order, record):
    """The fused mini-batch loop over ``order``; returns the number of steps taken."""
    return _call(steps.train_steps, layout, iconf[BATCH], theta, grad, state, buffers, hyper, iconf, X, T, order,
                 record)


def _call(kernel, layout, rows, *args):
    """``kernel(layout, *args, blas)`` with the thread cap and, for a net with wide products, the faster BLAS."""
    if not needs_two_threads(layout, rows):
        return call_with_blas_switch(kernel, layout, *args, most_threads=1, fast=NO_GEMM)
    return call_with_blas_switch(kernel, layout, *args, most_threads=other_work().blas_threads(), fast=fast_gemm())


def blas_threads_for(layout, rows):
    """The most BLAS threads a step of ``rows`` examples may use (each product then takes what its size calls
    for, :func:`.products.blas_threads`): two for a net with a wide product while the other core is free, one
    otherwise."""
    return other_work().blas_threads() if needs_two_threads(layout, rows) else 1


def Run(model, X, T, state, hyper, iconf):
    """A training run in host memory; says so if the first call has to compile (see :mod:`dlkit.kernels.host`)."""
    return HostRun(sys.modules[__name__], model, X, T, state, hyper, iconf, compile_notice=True)
