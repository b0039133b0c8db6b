"""Benchmark: microseconds per training step of ``dk.fit`` on each backend and of a PyTorch eager loop, in one run.

    python -m dlkit.bench [--quick] [--out bench-results/bench.json] [--markdown PATH]

Rows (:mod:`.cases`): the course's three nets with Adam and with SGD, and the wide [64, w, w, 10] nets of the
capstone (w = 256 ... 2048, batch 64 and 256). PyTorch runs the same net with the same optimizer at its best:
timed with 1 and with 2 threads, alternately, in the same run, the faster counting (the table says which won,
and how many BLAS threads dlkit's cpu backend gave the net's largest product). Also: ``import dlkit`` time, the
first ``fit`` of a new process with a warm JIT cache, and the cold and warm first GPU ``fit``; with a CUDA GPU,
the cuda backend and torch on the GPU for the course's nets, naive / tiled / cuBLAS matrix products at
256..4096 (GFLOP/s), transfer costs and where the GPU starts to win (:mod:`.gpu`). Prints a table and writes
JSON (:mod:`.report`).
"""
from __future__ import annotations

import argparse
import json
import os
import platform

import numpy as np

from dlkit.backend import cuda_status
from dlkit.gpu import torch_has_cuda

from . import cases as C
from . import gpu as G
from .report import markdown, table

__all__ = ["run", "table", "markdown", "main"]


def _case_row(case, budget, backends):
    """One row: dlkit on each backend (numpy and cuda for the course's nets only), torch at its best."""
    course = case["data"] != "random"
    row = {"optimizer": case["optimizer"], "dlkit_blas_threads": C.dlkit_blas_threads(case)}
    for backend in backends:
        if backend == "cpu" or course:
            row[f"dlkit_{backend}_us"] = C.time_dlkit(case, backend, budget if backend != "numpy" else budget / 2)
    row.update(C.time_torch_at_its_best(case, budget))
    if course and torch_has_cuda():
        row["torch_cuda_us"] = C.time_torch(case, budget, device="cuda")
        row["speedup_cuda_vs_torch_cuda"] = row["torch_cuda_us"] / row["dlkit_cuda_us"]
    row["speedup_cpu_vs_torch"] = row["torch_cpu_us"] / row["dlkit_cpu_us"]
    row["target_speedup"] = case["target_speedup"]
    row["meets_target"] = row["speedup_cpu_vs_torch"] >= case["target_speedup"]
    return row


def run(quick=False):
    budget = 0.3 if quick else 1.5
    gpu = cuda_status() == "gpu"
    backends = ["cpu", "numpy"] + (["cuda"] if gpu else [])
    results = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "processor": platform.processor() or platform.machine(), "cuda": cuda_status(),
                           "gpu": G.gpu_name(), "load": _load()},
               "cases": {name: _case_row(case, budget, backends) for name, case in C.cases(quick).items()}}
    if gpu:
        results["gpu_matmul"] = G.gpu_matmul(quick=quick)
        results["gpu_transfers"] = G.gpu_transfers()
    results["compiled_sm90"] = G.compiled_kernels()
    results["import_s"] = C.time_import()
    results["first_fit_warm_cache_s"] = C.time_first_fit()
    results["first_gpu_fit"] = G.first_gpu_fit()
    results["machine"]["load_after"] = _load()
    return results


def _load():
    """The 1-minute load average (other processes compete for the cores), or None where it cannot be read."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short timing budget, fewer rows (a smoke run)")
    parser.add_argument("--out", default="bench-results/bench.json", help="where to write the JSON")
    parser.add_argument("--markdown", metavar="PATH", help="also write the results as Markdown tables")
    args = parser.parse_args(argv)
    results = run(quick=args.quick)
    print(table(results))
    if args.markdown:
        os.makedirs(os.path.dirname(args.markdown) or ".", exist_ok=True)
        with open(args.markdown, "w") as f:
            f.write(markdown(results) + "\n")
        print(f"wrote {args.markdown}")
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2, default=lambda o: o.item() if isinstance(o, np.generic) else str(o))
    print(f"wrote {args.out}")
