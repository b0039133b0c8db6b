"""A training run whose arrays stay in host memory (the ``numpy`` and ``cpu`` backends), and the host-side
helpers every backend shares (one BLAS thread, the compile notice).

``fit`` talks to a run object, so a backend that keeps parameters elsewhere (the GPU) can supply its own with the
same methods (``RUN_METHODS`` in :mod:`dlkit.kernels`): ``train_steps(order, record)``, ``sync_model()`` (bring
parameters home), ``load_model()`` (send them back after callbacks changed them), ``theta_host()``,
``grad_host()``, ``state_host()`` and the counters ``iconf``.
"""
from __future__ import annotations

import contextlib
import threading


class HostRun:
    def __init__(self, kernels, model, X, T, state, hyper, iconf, compile_notice=False, one_blas_thread=False):
        self.k, self.model, self.X, self.T = kernels, model, X, T
        self.state, self.hyper, self.iconf = state, hyper, iconf
        self.grad = model.theta * 0
        self.compile_notice, self.one_blas_thread = compile_notice, one_blas_thread

    def train_steps(self, order, record):
        """Run the steps over ``order``; returns how many finished (fewer at a non-finite loss)."""
        m = self.model

        def call():
            with single_threaded_blas() if self.one_blas_thread else contextlib.nullcontext():
                return int(self.k.train_steps(m.layout, m.theta, self.grad, self.state, m.buffers, self.hyper,
                                              self.iconf, self.X, self.T, order, record))

        if self.compile_notice:
            self.compile_notice = False
            return with_compile_notice(call)
        return call()

    def sync_model(self):
        pass

    def load_model(self):
        pass

    def theta_host(self):
        return self.model.theta

    def grad_host(self):
        return self.grad

    def state_host(self):
        return self.state.copy()


_BLAS = []


def single_threaded_blas():
    """A context in which BLAS uses one thread. The compiled kernels' matrix products are small (<= a few
    hundred wide): a second BLAS thread gains little there, and when the other core is busy (a widget drawing,
    another process) OpenBLAS's spinning threads make each product many times slower (docs/performance.md)."""
    if not _BLAS:
        import scipy.linalg.cython_blas  # noqa: F401  (load the BLAS numba's np.dot calls, so it is seen)
        from threadpoolctl import ThreadpoolController

        _BLAS.append(ThreadpoolController())
    return _BLAS[0].limit(limits=1, user_api="blas")


NOTICE_AFTER_S = 1.0   # a call that takes longer than this is compiling: say so
CPU_NOTICE = "compiling dlkit's kernels (first use only; cached on disk for next time)..."
GPU_NOTICE = "compiling dlkit's CUDA kernels for this GPU (first use in this session: several seconds)..."


def with_compile_notice(call, message=CPU_NOTICE):
    """Run ``call()``; if it takes over NOTICE_AFTER_S (a cold JIT compile), say so while the student waits."""
    timer = threading.Timer(NOTICE_AFTER_S, lambda: print(message, flush=True))
    timer.start()
    try:
        return call()
    finally:
        timer.cancel()
