"""A training run whose arrays stay in host memory (the ``numpy`` and ``cpu`` backends).

``fit`` talks to a run object, so a backend that keeps parameters elsewhere (the GPU) can supply its own with the
same methods: ``train_steps(order, record)``, ``sync_model()`` (bring parameters home), ``load_model()``
(send them back after callbacks changed them), ``theta_host()``, ``grad_host()`` and the counters ``iconf``.
"""
from __future__ import annotations

import threading


class HostRun:
    def __init__(self, kernels, model, X, T, state, hyper, iconf, compile_notice=False):
        self.k, self.model, self.X, self.T = kernels, model, X, T
        self.state, self.hyper, self.iconf = state, hyper, iconf
        self.grad = model.theta * 0
        self.compile_notice = compile_notice

    def train_steps(self, order, record):
        """Run the steps over ``order``; returns how many finished (fewer at a non-finite loss)."""
        m = self.model
        call = lambda: int(self.k.train_steps(m.layout, m.theta, self.grad, self.state, m.buffers, self.hyper,  # noqa: E731
                                              self.iconf, self.X, self.T, order, record))
        if not self.compile_notice:
            return call()
        self.compile_notice = False
        return with_compile_notice(call)

    def sync_model(self):
        pass

    def load_model(self):
        pass

    def theta_host(self):
        return self.model.theta

    def grad_host(self):
        return self.grad


def with_compile_notice(call):
    """Run ``call()``; if it takes over a second (a cold JIT compile), say so while the student waits."""
    timer = threading.Timer(1.0, lambda: print(
        "compiling dlkit's kernels (first use only; cached on disk for next time)...", flush=True))
    timer.start()
    try:
        return call()
    finally:
        timer.cancel()
