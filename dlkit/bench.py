"""Benchmark: microseconds per training step of ``dk.fit`` on each backend and of a PyTorch eager loop, in one run.

    python -m dlkit.bench [--quick] [--out bench-results/bench.json]

Three nets: (a) spirals [2,16,16,2] tanh, batch 32; (b) digits [64,128,64,10] relu, batch 64; (c) digits with ten
tanh layers of 64, batch 128. All use Adam and cross-entropy. Also: ``import dlkit`` time and the first ``fit`` of
a new process with a warm JIT cache; with a CUDA GPU, the cuda backend and torch on the GPU for the same nets,
naive / tiled / cuBLAS matrix products at 256..4096 (GFLOP/s), transfer costs and where the GPU starts to win.
Prints a table and writes JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

import dlkit as dk
from dlkit.gpu import torch_has_cuda
from dlkit.backend import cuda_status

CASES = {
    "a_spirals_tanh": dict(sizes=[2, 16, 16, 2], activation="tanh", batch_size=32, data="spirals",
                           target_speedup=20.0),
    "b_digits_relu": dict(sizes=[64, 128, 64, 10], activation="relu", batch_size=64, data="digits",
                          target_speedup=1.5),
    "c_digits_deep_tanh": dict(sizes=[64] + [64] * 10 + [10], activation="tanh", batch_size=128, data="digits",
                               target_speedup=1.0),
}


def _data(name):
    if name == "spirals":
        return dk.data.spirals(n_samples=1000, noise=0.1, seed=0)
    X, y = dk.data.digits()
    return X / 16.0, y


def time_dlkit(case, backend, budget):
    """µs per step of dk.fit (default recording) on ``backend``; the first, compiling run is not timed."""
    dk.set_backend(backend)
    X, y = _data(case["data"])
    model = dk.MLP(case["sizes"], activation=case["activation"], seed=0)
    fit = lambda epochs: dk.fit(model, X, y, optimizer="adam", lr=1e-3, epochs=epochs,  # noqa: E731
                                batch_size=case["batch_size"], verbose=False)
    fit(1)
    epochs, elapsed, steps = 1, 0.0, 0
    while elapsed < budget:
        start = time.perf_counter()
        hist = fit(epochs)
        elapsed += time.perf_counter() - start
        steps += hist.iterations[-1]
        epochs = min(epochs * 2, 64)
    return 1e6 * elapsed / steps


def time_torch(case, budget, device="cpu"):
    """µs per step of the textbook eager loop: zero_grad, forward, loss, backward, step (plus a per-epoch
    evaluation pass, as fit records one)."""
    import torch

    X, y = _data(case["data"])
    model = dk.MLP(case["sizes"], activation=case["activation"], seed=0)
    net = model.to_torch(device)
    Xt = torch.tensor(X, dtype=torch.float32, device=device)
    yt = torch.tensor(y, device=device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    batch = case["batch_size"]

    def epoch(e):
        order = torch.as_tensor(dk.data.shuffled_indices(len(X), 0, e), device=device)
        for start in range(0, len(X), batch):
            idx = order[start:start + batch]
            opt.zero_grad()
            loss_fn(net(Xt[idx]), yt[idx]).backward()
            opt.step()
        with torch.no_grad():
            loss_fn(net(Xt), yt).item()
        return dk.data.num_batches(len(X), batch)

    epoch(0)
    elapsed, steps, e = 0.0, 0, 1
    while elapsed < budget:
        start = time.perf_counter()
        steps += epoch(e)
        if device != "cpu":
            torch.cuda.synchronize()
        elapsed += time.perf_counter() - start
        e += 1
    return 1e6 * elapsed / steps


def time_import():
    """Seconds for ``import dlkit`` in a fresh interpreter (best of 3)."""
    code = "import time; t = time.perf_counter(); import dlkit; print(time.perf_counter() - t)"
    return min(float(subprocess.check_output([sys.executable, "-c", code])) for _ in range(3))


def time_first_fit():
    """Seconds from a new process's ``import dlkit`` to the end of its first fit (warm JIT cache)."""
    code = ("import time; t = time.perf_counter(); import dlkit as dk; X, y = dk.data.spirals(n_samples=1000);"
            "m = dk.MLP([2, 16, 16, 2], activation='tanh'); dk.fit(m, X, y, epochs=5, verbose=False);"
            "print(time.perf_counter() - t)")
    subprocess.check_output([sys.executable, "-c", code])          # make sure the cache is warm
    return min(float(subprocess.check_output([sys.executable, "-c", code])) for _ in range(2))


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
    """What the product kernels compile to for an H100 (sm_90): needs the CUDA compiler, not a GPU."""
    from dlkit import compiled
    from dlkit.kernels import cuda as K

    kernels = {"naive": K.matmul_naive, "tiled 16x16": K.tiled_matmul_kernel("<f4", False, False, 16),
               "blocked 64x64, 4x4/thread": K.blocked_matmul_kernel("<f4", False, False, 64, 64, 16, 4, 4),
               "blocked 128x128, 8x8/thread": K.blocked_matmul_kernel("<f4", False, False, 128, 128, 8, 8, 8)}
    signature = "float32[:, ::1], float32[:, ::1], float32[:, ::1]"      # C-contiguous, as launched
    try:
        reports = compiled.inspect_kernels([(k, signature) for k in kernels.values()], cc=(9, 0))
    except RuntimeError as err:
        return {"unavailable": str(err)}
    return {name: {key: getattr(r, key) for key in ("registers", "spill_bytes", "f64_instructions",
                                                    "loop_instructions", "loop_fma", "loop_shared_loads")}
            for name, r in zip(kernels, reports)}


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


def _gpu_name():
    if cuda_status() != "gpu":
        return None
    from numba import cuda

    name = cuda.get_current_device().name
    return name.decode() if isinstance(name, bytes) else name


def run(quick=False):
    budget = 0.3 if quick else 1.5
    backends = ["numpy", "cpu"] + (["cuda"] if cuda_status() == "gpu" else [])
    results = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "processor": platform.processor() or platform.machine(), "cuda": cuda_status(),
                           "gpu": _gpu_name()},
               "cases": {}}
    for name, case in CASES.items():
        row = {f"dlkit_{b}_us": time_dlkit(case, b, budget if b != "numpy" else budget / 2) for b in backends}
        row["torch_cpu_us"] = time_torch(case, budget)
        if torch_has_cuda():
            row["torch_cuda_us"] = time_torch(case, budget, device="cuda")
        row["speedup_cpu_vs_torch"] = row["torch_cpu_us"] / row["dlkit_cpu_us"]
        row["target_speedup"] = case["target_speedup"]
        row["meets_target"] = row["speedup_cpu_vs_torch"] >= case["target_speedup"]
        results["cases"][name] = row
    dk.set_backend("cpu")
    if cuda_status() == "gpu":
        results["gpu_matmul"] = gpu_matmul(quick=quick)
        results["gpu_transfers"] = gpu_transfers()
        for row in results["cases"].values():
            if "torch_cuda_us" in row:
                row["speedup_cuda_vs_torch_cuda"] = row["torch_cuda_us"] / row["dlkit_cuda_us"]
    results["compiled_sm90"] = compiled_kernels()
    results["import_s"] = time_import()
    results["first_fit_warm_cache_s"] = time_first_fit()
    return results


def table(results):
    cols = sorted({k for row in results["cases"].values() for k in row if k.endswith("_us")})
    lines = [f"{'case':<22}" + "".join(f"{c[:-3]:>14}" for c in cols) + f"{'cpu vs torch':>14}{'target':>8}"]
    for name, row in results["cases"].items():
        mark = "ok" if row["meets_target"] else "MISS"
        lines.append(f"{name:<22}" + "".join(f"{row[c]:>14.1f}" for c in cols)
                     + f"{row['speedup_cpu_vs_torch']:>13.1f}x{row['target_speedup']:>6.1f}x {mark}")
    lines.append("(µs per training step, lower is better)")
    for n, row in results.get("gpu_matmul", {}).items():
        versus = (f"cuBLAS {row['cublas_gflops']:8.1f} GFLOP/s  (blocked = {100 * row['blocked_vs_cublas']:.0f}% "
                  "of cuBLAS; target >= 30% at 4096)" if row.get("blocked_vs_cublas") else
                  "GFLOP/s  (cuBLAS unmeasured: this torch has no CUDA)")
        lines.append(f"matmul {n:>5}: naive {row['naive_gflops']:8.1f}  tiled {row['tiled_gflops']:8.1f}  "
                     f"blocked {row['blocked_gflops']:8.1f}  {versus}")
    if "gpu_transfers" in results:
        for n, t in results["gpu_transfers"]["transfer"].items():
            lines.append(f"transfer {n:>10,} floats: host->device {1e6 * t['h2d_s']:9.1f} µs  "
                         f"device->host {1e6 * t['d2h_s']:9.1f} µs  ({4 * n / t['h2d_s'] / 1e9:.1f} GB/s up)")
        lines.append(f"GPU beats the cpu backend from batch {results['gpu_transfers']['gpu_wins_from_batch']}")
    for name, r in results.get("compiled_sm90", {}).items():
        if name == "unavailable":
            lines.append(f"compiled kernels: not inspected ({r})")
            continue
        loop = (f"inner loop {r['loop_fma']} FFMA / {r['loop_instructions']} instructions, "
                f"{r['loop_shared_loads']} LDS" if r["loop_instructions"] else "inner loop not inspected")
        lines.append(f"sm_90 {name:<28}: {r['registers']} registers, {r['spill_bytes']} B spilled, "
                     f"{r['f64_instructions']} float64 instructions; {loop}")
    if results["machine"]["cuda"] != "gpu":
        lines.append("no CUDA GPU here: the GPU figures are unmeasured")
    lines.append(f"import dlkit: {results['import_s']:.2f} s; first fit in a new process (warm cache): "
                 f"{results['first_fit_warm_cache_s']:.2f} s")
    return "\n".join(lines)


def markdown(results):
    """The results as Markdown tables (for an issue note or a report): steps, GPU products, transfers, compiles."""
    m = results["machine"]
    out = [f"Machine: {m.get('processor', '?')}, {m.get('cpus', '?')} CPUs, CUDA: {m['cuda']}"
           + (f", GPU: {m['gpu']}" if m.get("gpu") else ""), ""]
    cols = sorted({k for row in results["cases"].values() for k in row if k.endswith("_us")})
    if cols:
        out += ["| case (µs per step) | " + " | ".join(c[:-3] for c in cols) + " | cpu vs torch | target |",
                "|---" * (len(cols) + 3) + "|"]
        for name, row in results["cases"].items():
            out.append(f"| {name} | " + " | ".join(f"{row[c]:.1f}" for c in cols)
                       + f" | {row['speedup_cpu_vs_torch']:.1f}x | {row['target_speedup']:.1f}x |")
        out.append("")
    if results.get("gpu_matmul"):
        out += ["| n | naive | tiled 16x16 | register-blocked | cuBLAS (fp32) | blocked / cuBLAS |",
                "|---|---|---|---|---|---|"]
        for n, r in results["gpu_matmul"].items():
            ratio = f"{100 * r['blocked_vs_cublas']:.0f}%" if r.get("blocked_vs_cublas") else "—"
            cublas = f"{r['cublas_gflops']:.0f}" if "cublas_gflops" in r else "—"
            out.append(f"| {n} | {r['naive_gflops']:.0f} | {r['tiled_gflops']:.0f} | {r['blocked_gflops']:.0f} | "
                       f"{cublas} | {ratio} |")
        out += ["(GFLOP/s)", ""]
    if results.get("gpu_transfers"):
        out += ["| floats | host→device µs | device→host µs |", "|---|---|---|"]
        for n, t in results["gpu_transfers"]["transfer"].items():
            out.append(f"| {n:,} | {1e6 * t['h2d_s']:.1f} | {1e6 * t['d2h_s']:.1f} |")
        out += ["", f"GPU beats the cpu backend from batch {results['gpu_transfers']['gpu_wins_from_batch']}", ""]
    compiled = {k: v for k, v in results.get("compiled_sm90", {}).items() if k != "unavailable"}
    if compiled:
        out += ["| kernel (sm_90) | registers | spilled B | float64 instr. | inner loop: FFMA / instr. | LDS |",
                "|---|---|---|---|---|---|"]
        for name, r in compiled.items():
            out.append(f"| {name} | {r['registers']} | {r['spill_bytes']} | {r['f64_instructions']} | "
                       f"{r['loop_fma']} / {r['loop_instructions']} | {r['loop_shared_loads']} |")
        out.append("")
    if m["cuda"] != "gpu":
        out.append("No CUDA GPU here: the GPU figures are unmeasured.")
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short timing budget (a smoke run)")
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


if __name__ == "__main__":
    main()
