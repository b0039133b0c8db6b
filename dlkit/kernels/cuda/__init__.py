"""The ``cuda`` backend: Numba CUDA kernels launched from the host, with the numpy reference's names and signatures
(the contract in :mod:`dlkit.kernels`).

The scalar maths is the same code the other backends use (``activations.activate``, ``losses.row_loss``,
``optimizers.update_flat``, ``rng.hashed_uniform``, ...), compiled as device functions. One file per part:

* :mod:`.device`   the compiled scalar maths, a block-wide sum, launch sizes, quiet launches;
* :mod:`.products` the matrix products (naive, tiled, register-blocked) and ``matmul`` choosing among them;
* :mod:`.layered`  one kernel launch per phase of a step: the path of larger networks;
* :mod:`.fused`    one thread block per epoch: the path of small networks.

This module is the host side every path shares: the contract's entry points and :class:`CudaRun`, a training
run whose parameters, optimizer state, statistics and data live on the device.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from numba import cuda

from ...packing import BATCH, LOSS, N_RECORD, RECORD_LOSS, SEED, STEP, UPDATE_STATS
from ..host import GPU_NOTICE, with_compile_notice
from . import fused, layered
from .device import (MAX_BLOCKS, SIMULATOR, THREADS, RealKernel, block_sum, blocks_for, family, numba_config,
                     quiet, quiet_small_grids, to_device)
from .layered import (CHECK_EVERY, Workspace, activation, activation_backward, batchnorm_backward,
                      batchnorm_forward, bias_activation, clip_and_update, column_sums, dropout, gather_rows,
                      mask_gradient, penalty_gradient, row_losses, sum_of_squares)
from .products import BLOCKED, TILE, blocked_matmul_kernel, matmul, matmul_naive, tiled_matmul_kernel

__all__ = ["SIMULATOR", "TILE", "THREADS", "MAX_BLOCKS", "CHECK_EVERY", "FUSED", "BLOCKED", "RealKernel", "family",
           "quiet_small_grids",
           "numba_config", "blocks_for", "block_sum", "matmul_naive", "tiled_matmul_kernel",
           "blocked_matmul_kernel", "matmul", "gather_rows", "bias_activation", "activation", "dropout",
           "activation_backward", "column_sums", "batchnorm_forward", "batchnorm_backward", "row_losses",
           "penalty_gradient", "sum_of_squares", "mask_gradient", "clip_and_update", "forward",
           "forward_backward", "train_steps", "CudaRun", "Run"]

FUSED = None          # None: one block per epoch for small nets (.fused); True/False: force one path
_COMPILED = []        # non-empty once a CudaRun has trained in this process (its kernels are compiled)


@quiet
def forward(layout, theta, buffers, hyper, X):
    """Evaluation-mode forward pass: X (N, D0) -> outputs (N, C), returned as a host array."""
    n = X.shape[0]
    ws = Workspace(layout, n, theta.dtype)
    ws.H[0] = to_device(X)
    theta_d, buffers_d = to_device(theta), to_device(buffers)
    for k in range(layout.shape[0]):
        layered.layer_forward(layout, k, theta_d, buffers_d, hyper, ws, n, False, False, 0, 0)
    return ws.H[layout.shape[0]].copy_to_host()


@quiet
def forward_backward(layout, theta, grad, buffers, hyper, iconf, X, T):
    """Training-mode forward and backward on one batch; fills the host grad (P,), returns the batch-mean loss."""
    n = X.shape[0]
    ws = Workspace(layout, n, theta.dtype)
    ws.H[0], ws.T = to_device(X), to_device(T)
    grad_d, buffers_d = cuda.device_array_like(grad), to_device(buffers.copy())
    result = cuda.to_device(np.zeros((1, N_RECORD), theta.dtype))
    layered.forward_backward(layout, to_device(theta), grad_d, buffers_d, hyper, ws, n, int(iconf[LOSS]),
                             int(iconf[SEED]), int(iconf[STEP]), bool(iconf[UPDATE_STATS]), result[0])
    grad[:] = grad_d.copy_to_host()
    if iconf[UPDATE_STATS]:
        buffers[:] = buffers_d.copy_to_host()
    return float(result.copy_to_host()[0, RECORD_LOSS])


def train_steps(layout, theta, grad, state, buffers, hyper, iconf, X, T, order, record):
    """The mini-batch loop on host arrays (copies in and out); ``fit`` uses :class:`CudaRun`, which keeps them
    on the device."""
    model = SimpleNamespace(layout=layout, theta=theta, buffers=buffers)
    run = CudaRun(model, X, T, state, hyper, iconf)
    steps = run.train_steps(order, record)
    run.sync_model()
    grad[:], state[:] = run.grad_host(), run.state.copy_to_host()
    return steps


class CudaRun:
    """A training run whose parameters, optimizer state, statistics and data live on the GPU."""

    def __init__(self, model, X, T, state, hyper, iconf):
        self.model, self.hyper, self.iconf = model, hyper, iconf
        self.X, self.T = cuda.to_device(X), cuda.to_device(T)
        self.hyper_d = cuda.to_device(hyper.astype(model.theta.dtype))     # the kernels compute in theta's type
        self.state = cuda.to_device(state)
        self.ws = Workspace(model.layout, int(iconf[BATCH]), model.theta.dtype)
        self.ws.T = cuda.device_array((int(iconf[BATCH]), T.shape[1]), T.dtype)
        self.norm2 = cuda.device_array(1, model.theta.dtype)
        self.fused = FUSED if FUSED is not None else fused.fits(model.layout, int(iconf[BATCH]))
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
        """Steps over ``order`` (host int array); record (steps, N_RECORD). Returns the number of steps with a
        finite loss before the first non-finite one. The first call of a process compiles the kernels, with a
        notice if that takes over a second."""
        if _COMPILED or SIMULATOR:                      # the simulator compiles nothing: it is slow throughout
            return self._train_steps(order, record)
        _COMPILED.append(True)
        return with_compile_notice(lambda: self._train_steps(order, record), GPU_NOTICE)

    @quiet
    def _train_steps(self, order, record):
        return (fused if self.fused else layered).run_epoch(self, order, record)


def Run(model, X, T, state, hyper, iconf):
    """A training run on the device (see :mod:`dlkit.kernels.host` for the contract)."""
    return CudaRun(model, X, T, state, hyper, iconf)
