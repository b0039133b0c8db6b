"""Module 09's workbench: run a student's CUDA kernel on test data, time things honestly, and measure where the
GPU starts to win.

GPU work is asynchronous: a launch returns before the kernel finishes, so a timer must wait for the device
(``cuda.synchronize()``) before it stops — :func:`time_call` does. Without a GPU these run in Numba's CUDA
simulator when ``NUMBA_ENABLE_CUDASIM=1`` (slowly: keep sizes at 32 or below there).
"""
from __future__ import annotations

import time

import numpy as np

from .backend import cuda_status, using_backend
from .model import MLP
from .training import fit
from .validation import check_number


def cuda_api():
    """``numba.cuda``, for writing kernels in a notebook (``cuda = dk.gpu.cuda_api()``). Without a GPU it is
    Numba's simulator, which has to be chosen before numba.cuda is first imported — this does that."""
    import glob
    import os
    import sys

    if "numba.cuda" not in sys.modules and not glob.glob("/dev/nvidia[0-9]*"):
        os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
    from numba import cuda

    return cuda


_cuda = cuda_api


def synchronize():
    """Wait for every queued GPU kernel (numba's and torch's); a no-op without a GPU."""
    if cuda_status() == "gpu":
        _cuda().synchronize()
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()


def torch_has_cuda():
    """Whether PyTorch here can run on the GPU (a GPU, and a CUDA build of torch rather than the CPU wheel)."""
    if cuda_status() != "gpu":
        return False
    import torch

    return torch.cuda.is_available()


def time_call(fn, repeat=5, warmup=1):
    """Best wall time of ``fn()`` over ``repeat`` runs, in seconds, synchronising the GPU before reading the
    clock (the first ``warmup`` calls, which may compile, are not timed)."""
    repeat = check_number("repeat", repeat, positive=True, integer=True)
    for _ in range(warmup):
        fn()
    synchronize()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        synchronize()
        best = min(best, time.perf_counter() - start)
    return best


def launch_elementwise(kernel, x, threads=128, blocks=None):
    """Run ``kernel[blocks, threads](x_device, out_device)`` on a copy of x (any shape); returns out (host)."""
    cuda = _cuda()
    x = np.ascontiguousarray(x)
    x_d, out_d = cuda.to_device(x), cuda.device_array_like(x)
    blocks = blocks or max(1, (x.size + threads - 1) // threads)
    kernel[blocks, threads](x_d, out_d)
    return out_d.copy_to_host()


def launch_row_reduction(kernel, X, threads=32, blocks=None):
    """Run ``kernel[blocks, threads](X_device, out_device)`` for X (N, D) -> out (N,) (e.g. row max or sum)."""
    cuda = _cuda()
    X = np.ascontiguousarray(X)
    X_d, out_d = cuda.to_device(X), cuda.device_array(X.shape[0], X.dtype)
    kernel[blocks or max(1, (X.shape[0] + threads - 1) // threads), threads](X_d, out_d)
    return out_d.copy_to_host()


def launch_matmul(kernel, A, B, tile=16):
    """Run a tiled product ``kernel[grid, (tile, tile)](A, B, C)`` with one block per output tile."""
    cuda = _cuda()
    A, B = np.ascontiguousarray(A), np.ascontiguousarray(B)
    C_d = cuda.device_array((A.shape[0], B.shape[1]), np.result_type(A, B))
    grid = ((B.shape[1] + tile - 1) // tile, (A.shape[0] + tile - 1) // tile)
    kernel[grid, (tile, tile)](cuda.to_device(A), cuda.to_device(B), C_d)
    return C_d.copy_to_host()


def step_timings(sizes, batch_size=64, backends=("numpy", "cpu", "cuda", "torch"), repeat=3, steps=10):
    """Seconds per training step of an MLP ``sizes`` on each backend (and PyTorch), for the "when does the GPU
    win" plot: {"numpy": s, "cpu": s, "cuda": s or None, "torch": s, "torch_cuda": s or None}. Backends that
    cannot run here (no GPU) report None. Each measurement is one ``fit`` epoch of ``steps`` mini-batches
    divided by ``steps``: fit's fixed costs (and the cuda backend's upload of the data) are shared by the steps,
    as in real training, instead of dominating a single step."""
    steps = check_number("steps", steps, positive=True, integer=True)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(batch_size * steps, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], batch_size * steps)
    result = {}
    for name in backends:
        if name == "torch":
            result["torch"] = _torch_step_time(sizes, X, y, batch_size, "cpu", repeat)
            gpu = torch_has_cuda()
            result["torch_cuda"] = _torch_step_time(sizes, X, y, batch_size, "cuda", repeat) if gpu else None
            continue
        if name == "cuda" and cuda_status() != "gpu":
            result["cuda"] = None
            continue
        with using_backend(name):
            model = MLP(sizes, activation="relu", seed=0)
            result[name] = time_call(lambda m=model: fit(m, X, y, optimizer="sgd", lr=1e-3, epochs=1,
                                                         batch_size=batch_size, verbose=False), repeat=repeat) / steps
    return result


def _torch_step_time(sizes, X, y, batch_size, device, repeat):
    """Seconds per step of the same network in PyTorch eager mode, over the same mini-batches; on the CPU at its
    best of 1 and 2 threads (TORCH_CPU_THREADS)."""
    import torch

    net = MLP(sizes, activation="relu", seed=0).to_torch(device)
    opt = torch.optim.SGD(net.parameters(), lr=1e-3)
    Xt, yt = torch.as_tensor(X, device=device), torch.as_tensor(y, device=device)
    batches = [(Xt[i:i + batch_size], yt[i:i + batch_size]) for i in range(0, len(X), batch_size)]

    def epoch():
        for Xb, yb in batches:
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(Xb), yb).backward()
            opt.step()

    if device != "cpu":
        return time_call(epoch, repeat=repeat) / len(batches)
    before, best = torch.get_num_threads(), float("inf")
    try:
        for threads in TORCH_CPU_THREADS:
            torch.set_num_threads(threads)
            best = min(best, time_call(epoch, repeat=repeat) / len(batches))
    finally:
        torch.set_num_threads(before)
    return best


TORCH_CPU_THREADS = (1, 2)     # torch on the CPU is timed with each, the faster counting (two can lose on 2 cores)


def step_sweep(widths, batch_size=64, backends=("numpy", "cpu", "cuda", "torch"), repeat=2, layers=2):
    """Seconds per training step of MLPs [64, width x layers, 10] for each width: the "when does the GPU win"
    curves. Returns {"width": [...], name: [seconds or None per width]} with the names of :func:`step_timings`
    (a backend that cannot run here has None everywhere), and "crossover": :func:`crossover` of cuda over cpu
    (what ``dlkit.plots.step_times`` marks)."""
    widths = [check_number("width", w, positive=True, integer=True) for w in widths]
    sweep = {"width": widths, "batch_size": batch_size}
    for width in widths:
        timings = step_timings([64] + [width] * layers + [10], batch_size, backends, repeat)
        for name, seconds in timings.items():
            sweep.setdefault(name, []).append(seconds)
    sweep["crossover"] = crossover(sweep)
    return sweep


def crossover(sweep, fast="cuda", slow="cpu"):
    """The first width of a :func:`step_sweep` from which ``fast`` takes less time per step than ``slow`` and
    stays ahead; None if it never does (or either was not measured)."""
    a, b = sweep.get(fast), sweep.get(slow)
    if not a or not b or None in a or None in b:
        return None
    for i, width in enumerate(sweep["width"]):
        if all(x < y for x, y in zip(a[i:], b[i:])):
            return width
    return None
