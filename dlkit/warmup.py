"""Compile (or load from the on-disk cache) every cpu kernel once, with a visible progress message; on a machine
with a CUDA GPU, the cuda backend's kernels too (they are cached on disk as well).

    python -m dlkit.warmup        # `make lab` runs this, so a notebook's first training run is instant
"""
from __future__ import annotations

import time

import numpy as np


def warm_up(verbose=True):
    """Run a tiny fit for each dtype and loss family on the cpu backend; returns the seconds it took."""
    import dlkit as dk

    start = time.perf_counter()
    previous = dk.get_backend()
    dk.set_backend("cpu")
    X, y = dk.data.xor(n_samples=16, seed=0)
    jobs = [(dtype, loss) for dtype in ("float32", "float64") for loss in ("cross_entropy", "mse")]
    for i, (dtype, loss) in enumerate(jobs, start=1):
        if verbose:
            print(f"[{i}/{len(jobs)}] compiling dlkit's cpu kernels ({dtype}, {loss})...", flush=True)
        model = dk.MLP([2, 4, 2], seed=0, dtype=dtype, batch_norm=True, dropout=0.1)
        target = y if loss == "cross_entropy" else np.eye(2)[y]
        dk.fit(model, X, target, loss=loss, epochs=1, batch_size=8, stats=True, verbose=False)
        model.forward(X)
        model.loss_and_grads(X, target, loss=loss)
    if dk.backend.cuda_status() == "gpu":
        _warm_up_gpu(dk, X, y, verbose)
    dk.set_backend(previous)
    seconds = time.perf_counter() - start
    if verbose:
        print(f"dlkit kernels ready ({seconds:.1f} s; cached on disk for next time)", flush=True)
    return seconds


def _warm_up_gpu(dk, X, y, verbose):
    """Both cuda paths (one block per epoch, one launch per phase) for each real type."""
    from dlkit.kernels import cuda

    dk.set_backend("cuda")
    try:
        for dtype in ("float32", "float64"):
            if verbose:
                print(f"compiling dlkit's CUDA kernels ({dtype})...", flush=True)
            for fused in (True, False):
                cuda.FUSED = fused
                model = dk.MLP([2, 4, 2], seed=0, dtype=dtype, batch_norm=True, dropout=0.1)
                dk.fit(model, X, y, epochs=1, batch_size=8, clip_norm=1.0, verbose=False)
    finally:
        cuda.FUSED = None


if __name__ == "__main__":
    warm_up()
