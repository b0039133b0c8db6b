"""The benchmark's results as a text table (printed) and as Markdown tables (for an issue note or a report)."""
from __future__ import annotations


def step_columns(results):
    """The µs-per-step columns present in any row, in a fixed order (dlkit's backends, then torch)."""
    present = {k for row in results["cases"].values() for k in row if k.endswith("_us")}
    return sorted(present, key=lambda c: (not c.startswith("dlkit"), c))


def _cell(row, column, width):
    value = row.get(column)
    return f"{'—':>{width}}" if value is None else f"{value:>{width}.1f}"


def _threads(row):
    """Which torch thread count won, and how many BLAS threads dlkit gave the net's largest product."""
    torch = f"torch {row['torch_threads']}t" if row.get("torch_threads") else ""
    mine = f"dlkit {row['dlkit_blas_threads']}t" if row.get("dlkit_blas_threads") else ""
    return ", ".join(part for part in (torch, mine) if part)


def _cpu_time_ratio(row):
    """torch's CPU time per step on one thread over dlkit cpu's, as text ("—" where unmeasured)."""
    ratio = row.get("speedup_cpu_time_1t")
    return "—" if ratio is None else f"{ratio:.2f}x"


def _load(row):
    """The row's load as text: load average before-after, and the cores other processes kept busy."""
    load, busy = row.get("load"), row.get("other_cores_busy")
    text = "-".join(f"{x:.1f}" for x in load if x is not None) if load else ""
    return text + (f" ({busy:.1f} busy)" if busy is not None else "")


def table(results):
    cols = step_columns(results)
    lines = [f"{'case':<30}" + "".join(f"{c[:-3]:>14}" for c in cols)
             + f"{'cpu vs torch':>14}{'target':>8}  {'CPU-time 1t':>11}  {'threads (won / used)':<22}  load"]
    for name, row in results["cases"].items():
        mark = "ok" if row["meets_target"] else "MISS"
        lines.append(f"{name:<30}" + "".join(_cell(row, c, 14) for c in cols)
                     + f"{row['speedup_cpu_vs_torch']:>13.2f}x{row['target_speedup']:>6.1f}x {mark:<4}  "
                     + f"{_cpu_time_ratio(row):>11}  {_threads(row):<22}  {_load(row)}")
    lines.append("(µs per training step, lower is better, each side's best of interleaved rounds; torch at its "
                 "best of 1 and 2 threads, same optimizer; CPU-time 1t: torch's CPU time per step on one thread "
                 "over dlkit's, the fairer single-core figure on a loaded machine; load: load average before-after "
                 "the row, and the cores other processes kept busy)")
    lines += _gpu_lines(results)
    lines += _compiled_lines(results)
    if results["machine"]["cuda"] != "gpu":
        lines.append("no CUDA GPU here: the GPU figures are unmeasured")
    lines.append(f"import dlkit: {results['import_s']:.2f} s; first fit in a new process (warm cache): "
                 f"{results['first_fit_warm_cache_s']:.2f} s")
    first_gpu = results.get("first_gpu_fit")
    if first_gpu:
        lines.append("first GPU fit in a new process: " + (
            f"cold (empty kernel cache) {first_gpu['cold_s']:.2f} s, warm {first_gpu['warm_s']:.2f} s "
            f"({first_gpu['note']})" if first_gpu.get("cold_s") is not None else first_gpu["note"]))
    return "\n".join(lines)


def _gpu_lines(results):
    lines = []
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
    return lines


def _compiled_lines(results):
    lines = []
    for name, r in results.get("compiled_sm90", {}).items():
        if name == "unavailable":
            lines.append(f"compiled kernels: not inspected ({r})")
            continue
        loop = (f"inner loop {r['loop_fma']} FFMA / {r['loop_instructions']} instructions, "
                f"{r['loop_shared_loads']} LDS" if r["loop_instructions"] else "inner loop not inspected")
        lines.append(f"sm_90 {name:<28}: {r['registers']} registers, {r['spill_bytes']} B spilled, "
                     f"{r['f64_instructions']} float64 instructions; {loop}")
    return lines


def markdown(results):
    """The results as Markdown tables: steps, GPU products, transfers, compiles."""
    m = results["machine"]
    out = [f"Machine: {m.get('processor', '?')}, {m.get('cpus', '?')} CPUs, CUDA: {m['cuda']}"
           + (f", GPU: {m['gpu']}" if m.get("gpu") else "") + (f", load {m['load']}" if m.get("load") else ""), ""]
    cols = step_columns(results)
    if cols:
        out += ["| case (µs per step) | " + " | ".join(c[:-3] for c in cols)
                + " | cpu vs torch | target | CPU-time 1t | threads (won / used) | load |",
                "|---" * (len(cols) + 6) + "|"]
        for name, row in results["cases"].items():
            out.append(f"| {name} | " + " | ".join(_cell(row, c, 0).strip() for c in cols)
                       + f" | {row['speedup_cpu_vs_torch']:.2f}x | {row['target_speedup']:.1f}x | "
                       + f"{_cpu_time_ratio(row)} | {_threads(row)} | {_load(row)} |")
        out.append("")
    out += _gpu_markdown(results)
    if m["cuda"] != "gpu":
        out.append("No CUDA GPU here: the GPU figures are unmeasured.")
    return "\n".join(out)


def _gpu_markdown(results):
    out = []
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
    first_gpu = results.get("first_gpu_fit")
    if first_gpu and first_gpu.get("cold_s") is not None:
        out += [f"First GPU fit in a new process: cold {first_gpu['cold_s']:.2f} s, warm {first_gpu['warm_s']:.2f} s "
                f"({first_gpu['note']})", ""]
    compiled = {k: v for k, v in results.get("compiled_sm90", {}).items() if k != "unavailable"}
    if compiled:
        out += ["| kernel (sm_90) | registers | spilled B | float64 instr. | inner loop: FFMA / instr. | LDS |",
                "|---|---|---|---|---|---|"]
        for name, r in compiled.items():
            out.append(f"| {name} | {r['registers']} | {r['spill_bytes']} | {r['f64_instructions']} | "
                       f"{r['loop_fma']} / {r['loop_instructions']} | {r['loop_shared_loads']} |")
        out.append("")
    return out
