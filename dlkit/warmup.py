"""Compile (or load from the on-disk cache) every cpu kernel once, with a visible progress message; on a machine
with a CUDA GPU, the cuda backend's kernels too (they are cached on disk as well).

    python -m dlkit.warmup        # `make lab` runs this, so a notebook's first training run is instant

A job's "[1/4] compiling…" line appears when Numba starts compiling in it (its ``numba:compile`` event); a job
that only loads its kernels from the cache compiles nothing, so when everything is cached the warm-up says
"kernels already compiled" and nothing else.
"""
from __future__ import annotations

import threading
import time

import numpy as np
from numba.core import event


class CompileNotice(event.Listener):
    """Prints the running job's line at its first real compile (a load from the disk cache is no compile)."""

    def __init__(self):
        self.line, self.compiled = None, 0

    def on_start(self, _event):
        self.compiled += 1
        if self.line:
            print(self.line, flush=True)
            self.line = None

    def on_end(self, _event):
        pass


def warm_up(verbose=True):
    """Run a tiny fit for each dtype and loss family on the cpu backend; returns the seconds it took."""
    import dlkit as dk
    from dlkit.kernels.cpu.cached import prune_stale

    start = time.perf_counter()
    prune_stale()                                  # the machine code of earlier sources is never loaded again
    previous = dk.get_backend()
    dk.set_backend("cpu")
    X, y = dk.data.xor(n_samples=16, seed=0)
    jobs = [(dtype, loss) for dtype in ("float32", "float64") for loss in ("cross_entropy", "mse")]
    notice = CompileNotice()
    with event.install_listener("numba:compile", notice):
        for i, (dtype, loss) in enumerate(jobs, start=1):
            notice.line = f"[{i}/{len(jobs)}] compiling dlkit's cpu kernels ({dtype}, {loss})..." if verbose else None
            model = dk.MLP([2, 4, 2], seed=0, dtype=dtype, batch_norm=True, dropout=0.1)
            target = y if loss == "cross_entropy" else np.eye(2)[y]
            dk.fit(model, X, target, loss=loss, epochs=1, batch_size=8, stats=True, verbose=False)
            model.forward(X)
            model.loss_and_grads(X, target, loss=loss)
        if dk.backend.cuda_status() == "gpu":
            _warm_up_gpu(dk, X, y, notice if verbose else None)
    dk.set_backend(previous)
    seconds = time.perf_counter() - start
    if verbose and not notice.compiled:
        print(f"dlkit kernels already compiled (loaded from the disk cache in {seconds:.1f} s)", flush=True)
    elif verbose:
        print(f"dlkit kernels ready ({seconds:.1f} s; cached on disk for next time)", flush=True)
    return seconds


def _warm_up_gpu(dk, X, y, notice):
    """Both cuda paths (one block per epoch, one launch per phase) for each real type; ``notice`` (a
    CompileNotice, None: quiet) says a type's line once it has run NOTICE_AFTER_S (numba-cuda's kernels announce
    no compile event: a load from the cache is quicker than that)."""
    from dlkit.kernels import cuda
    from dlkit.kernels.host import NOTICE_AFTER_S

    dk.set_backend("cuda")
    try:
        for dtype in ("float32", "float64"):
            timer = threading.Timer(NOTICE_AFTER_S, notice.on_start, args=(None,)) if notice else None
            if timer:
                notice.line = f"compiling dlkit's CUDA kernels ({dtype})..."
                timer.start()
            try:
                for fused in (True, False):
                    cuda.FUSED = fused
                    model = dk.MLP([2, 4, 2], seed=0, dtype=dtype, batch_norm=True, dropout=0.1)
                    dk.fit(model, X, y, epochs=1, batch_size=8, clip_norm=1.0, verbose=False)
            finally:
                if timer:
                    timer.cancel()
    finally:
        cuda.FUSED = None


if __name__ == "__main__":
    warm_up()
