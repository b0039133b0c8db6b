"""The benchmark's GPU sections: the matrix products against cuBLAS, transfers, where the GPU starts to win, the
cold and warm first GPU ``fit`` of a new process, and (no GPU needed) what the kernels compile to for sm_90.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import numpy as np

from dlkit.backend import cuda_status
from dlkit.gpu import torch_has_cuda

from .cases import last_number


def gpu_matmul(sizes=(256, 512, 1024, 2048, 4096), quick=False):
    """GFLOP/s for n x n float32 products: the naive kernel, the plain 16 x 16 tiled kernel, the backend's
    product (``matmul``: tiled + register-blocked) and torch (cuBLAS, float32 with TF32 off)."""
    import torch
    from numba import cuda

    from dlkit.gpu import time_call
    from dlkit.kernels import cuda as K

    torch.backends.cuda.matmul.allow_tf32 = False          # the fair comparison: float32 arithmetic on both sides
    rows = {}
    for n in sizes[:3] if quick else sizes:
        A = cuda.to_device(np.random.default_rng(0).normal(size=(n, n)).astype(np.float32))
        C = cuda.device_array((n, n), np.float32)
        flops = 2.0 * n ** 3
        tiles = ((n + K.TILE - 1) // K.TILE) ** 2
        plain = K.tiled_matmul_kernel("<f4")
        seconds = {
            "naive": time_call(lambda: K.matmul_naive[K.blocks_for(n * n), K.THREADS](A, A, C), repeat=3),
            "tiled": time_call(lambda: plain[min(tiles, K.MAX_BLOCKS), (K.TILE, K.TILE)](A, A, C), repeat=3),
            "blocked": time_call(lambda: K.matmul(A, A, C), repeat=3)}
        if torch_has_cuda():
            At = torch.as_tensor(A.copy_to_host(), device="cuda")
            seconds["cublas"] = time_call(lambda: At @ At, repeat=3)
        rows[n] = {f"{name}_gflops": flops / s / 1e9 for name, s in seconds.items()}
        rows[n]["blocked_vs_cublas"] = seconds["cublas"] / seconds["blocked"] if "cublas" in seconds else None
    return rows


def compiled_kernels():
    """What the product kernels and the float32 training kernels compile to for an H100 (sm_90): needs the CUDA
    compiler, not a GPU."""
    from dlkit import compiled
    from dlkit.kernels import cuda as K
    from dlkit.kernels.cuda import fused

    mat = "float32[:, ::1], float32[:, ::1], float32[:, ::1]"      # C-contiguous, as launched
    epoch = ("int64[:, ::1], int64[:, ::1], int64[::1], int64[::1]" + ", float32[::1]" * 7
             + ", float32[:, ::1], float32[:, ::1], int64[::1], float32[:, ::1], float32[::1]")
    kernels = {"naive": (K.matmul_naive, mat), "tiled 16x16": (K.tiled_matmul_kernel("<f4", False, False, 16), mat),
               "blocked 64x64, 4x4/thread": (K.blocked_matmul_kernel("<f4", False, False, 64, 64, 16, 4, 4), mat),
               "blocked 128x128, 8x8/thread": (K.blocked_matmul_kernel("<f4", False, False, 128, 128, 8, 8, 8), mat),
               "fused epoch (float32)": (fused.train_epoch.for_real("float32"), epoch)}
    try:
        reports = compiled.inspect_kernels(list(kernels.values()), cc=(9, 0))
    except RuntimeError as err:
        return {"unavailable": str(err)}
    return {name: {key: getattr(r, key) for key in ("registers", "spill_bytes", "f64_instructions",
                                                    "loop_instructions", "loop_fma", "loop_shared_loads")}
            for name, r in zip(kernels, reports)}


GPU_FIT = ("import time; import dlkit as dk; dk.set_backend('cuda'); X, y = dk.data.digits(); t = time.perf_counter();"
           "m = dk.MLP([64, 128, 64, 10], activation='relu'); dk.fit(m, X / 16, y, epochs=1, verbose=False);"
           "f = dk.MLP([64, 512, 512, 10], activation='relu'); dk.fit(f, X / 16, y, epochs=1, verbose=False);"
           "print(time.perf_counter() - t)")


def first_gpu_fit():
    """Seconds of a new process's first GPU fits (a fused-path net and a layered-path net), with an empty kernel
    cache (cold: everything compiles) and again with the cache that run left (warm: loaded from disk)."""
    if cuda_status() != "gpu":
        return {"cold_s": None, "warm_s": None, "note": "not measured: no GPU"}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        cold = last_number(subprocess.check_output([sys.executable, "-c", GPU_FIT], text=True, env=env))
        warm = min(last_number(subprocess.check_output([sys.executable, "-c", GPU_FIT], text=True, env=env))
                   for _ in range(2))
    return {"cold_s": cold, "warm_s": warm, "note": "fused [64, 128, 64, 10] and layered [64, 512, 512, 10], "
                                                     "one epoch of digits each"}


def gpu_name():
    """The GPU's name, or None without one."""
    if cuda_status() != "gpu":
        return None
    from numba import cuda

    name = cuda.get_current_device().name
    return name.decode() if isinstance(name, bytes) else name


def gpu_transfers(sizes=(1_000, 100_000, 10_000_000)):
    """Host->device and device->host seconds for float32 arrays of each size, and the step size (batch rows of
    the digits net) from which the GPU beats the CPU backend."""
    from numba import cuda

    from dlkit.gpu import step_timings, time_call

    out = {"transfer": {}}
    for n in sizes:
        a = np.zeros(n, np.float32)
        d = cuda.to_device(a)
        out["transfer"][n] = {"h2d_s": time_call(lambda: cuda.to_device(a), repeat=3),
                              "d2h_s": time_call(lambda: d.copy_to_host(), repeat=3)}
    crossover = None
    for batch in (64, 256, 1024, 4096):
        t = step_timings([64, 512, 512, 10], batch_size=batch, backends=("cpu", "cuda"))
        out.setdefault("steps", {})[batch] = t
        if crossover is None and t["cuda"] is not None and t["cuda"] < t["cpu"]:
            crossover = batch
    out["gpu_wins_from_batch"] = crossover
    return out
