"""Benchmark: microseconds per training step of ``dk.fit`` on each backend and of a PyTorch eager loop, in one run.

    python -m dlkit.bench [--quick] [--out bench-results/bench.json] [--markdown PATH]
    python -m dlkit.bench --labs ...        (the live labs' frames instead: :mod:`.labs`)

Rows (:mod:`.cases`): the course's three nets with Adam and with SGD, and the wide [64, w, w, 10] nets of the
capstone (w = 256 ... 2048, batch 64 and 256). PyTorch runs the same net with the same optimizer at its best:
timed with 1 and with 2 threads, the faster counting (the table says which won, and how many BLAS threads
dlkit's cpu backend allowed the net). Within a row every side is timed in turn, round after round, and each
side's best round counts, so all of them meet the same moments of the machine's other work. Each row records
the load while it ran (the load average before and after, and how many cores other processes kept busy) and
each side's CPU time per step: on a loaded machine, torch's CPU time on one thread over dlkit's is the fairer
single-core comparison (on an idle one it is about the wall-clock ratio of two single-threaded runs).

Also: ``import dlkit`` time, the first ``fit`` of a new process with a warm JIT cache, and the cold and warm first
GPU ``fit``; with a CUDA GPU, the cuda backend and torch on the GPU for the course's nets, naive / tiled / cuBLAS
matrix products at 256..4096 (GFLOP/s), transfer costs and where the GPU starts to win (:mod:`.gpu`). Prints a
table and writes JSON (:mod:`.report`).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys

import numpy as np

from dlkit.backend import cuda_status
from dlkit.gpu import torch_has_cuda
from dlkit.kernels.host import cores_busy_between, sample_cpu_time

from . import cases as C
from . import gpu as G
from .report import markdown, table

__all__ = ["run", "table", "markdown", "main"]

BUDGET_S = 1.0          # seconds of timing per side of a row (more where one round of epochs takes longer)
QUICK_BUDGET_S = 0.25


def _case_row(case, budget, backends):
    """One row: dlkit on each backend (numpy and cuda for the course's nets only) and torch with 1 and 2 threads,
    timed in turn (:func:`.cases.time_row`); the load while it ran."""
    course = case["data"] != "random"
    before, load_before = sample_cpu_time(), _load()
    row = {"optimizer": case["optimizer"]}
    row.update(C.time_row(case, budget, [b for b in backends if b == "cpu" or course]))
    if course and torch_has_cuda():
        row["torch_cuda_us"] = C.time_torch(case, budget, device="cuda")
        row["speedup_cuda_vs_torch_cuda"] = row["torch_cuda_us"] / row["dlkit_cuda_us"]
    row["speedup_cpu_vs_torch"] = row["torch_cpu_us"] / row["dlkit_cpu_us"]
    row["target_speedup"] = case["target_speedup"]
    row["meets_target"] = row["speedup_cpu_vs_torch"] >= case["target_speedup"]
    after = sample_cpu_time()
    row["load"] = [load_before, _load()]
    row["other_cores_busy"] = None if before is None or after is None else cores_busy_between(before, after)
    return row


def run(quick=False):
    budget = QUICK_BUDGET_S if quick else BUDGET_S
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
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--labs" in argv:                      # the live labs' bench (dlkit.bench.labs) has its own options
        from .labs import main as labs_main

        return labs_main(argv)
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
