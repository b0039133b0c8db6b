"""The benchmark's report: every section prints, including the GPU ones this machine may never run; its rows and
parsing (no timings asserted)."""
from dlkit import bench
from dlkit.bench import cases


def test_table_prints_every_gpu_section_and_the_targets():
    row = {"dlkit_cpu_us": 10.0, "dlkit_cuda_us": 20.0, "torch_cpu_us": 800.0, "torch_cuda_us": 90.0,
           "torch_cpu_1t_us": 800.0, "torch_cpu_2t_us": 950.0, "torch_threads": 1, "dlkit_blas_threads": 1,
           "speedup_cpu_vs_torch": 80.0, "target_speedup": 20.0, "meets_target": True,
           "speedup_cuda_vs_torch_cuda": 4.5}
    results = {"machine": {"cuda": "gpu"}, "cases": {"a_spirals_tanh": row},
               "gpu_matmul": {4096: {"naive_gflops": 500.0, "tiled_gflops": 3000.0, "blocked_gflops": 15000.0,
                                     "cublas_gflops": 45000.0, "blocked_vs_cublas": 1 / 3}},
               "gpu_transfers": {"transfer": {1000: {"h2d_s": 1e-5, "d2h_s": 2e-5}},
                                 "gpu_wins_from_batch": 256},
               "compiled_sm90": {"naive": {"registers": 38, "spill_bytes": 0, "f64_instructions": 0,
                                           "loop_instructions": 137, "loop_fma": 4, "loop_shared_loads": 0}},
               "import_s": 0.2, "first_fit_warm_cache_s": 0.7,
               "first_gpu_fit": {"cold_s": 12.5, "warm_s": 1.5, "note": "two nets"}}
    text = bench.table(results)
    assert "torch 1t, dlkit 1t" in text and "80.00x  20.0x ok" in text
    assert "cold (empty kernel cache) 12.50 s, warm 1.50 s" in text
    assert "blocked  15000.0" in text and "33% of cuBLAS" in text and "target >= 30%" in text
    assert "1,000 floats" in text and "from batch 256" in text
    assert "sm_90 naive" in text and "4 FFMA / 137 instructions" in text
    assert "unmeasured" not in text


def test_table_says_plainly_what_was_not_measured():
    results = {"machine": {"cuda": "simulator"}, "cases": {},
               "compiled_sm90": {"unavailable": "no libNVVM"}, "import_s": 0.2, "first_fit_warm_cache_s": 0.7,
               "first_gpu_fit": {"cold_s": None, "warm_s": None, "note": "not measured: no GPU"}}
    text = bench.table(results)
    assert "GPU figures are unmeasured" in text and "not inspected (no libNVVM)" in text
    assert "first GPU fit in a new process: not measured: no GPU" in text


def test_table_without_cublas_says_so():
    results = {"machine": {"cuda": "gpu"}, "cases": {},
               "gpu_matmul": {256: {"naive_gflops": 1.0, "tiled_gflops": 2.0, "blocked_gflops": 3.0,
                                    "blocked_vs_cublas": None}},
               "import_s": 0.2, "first_fit_warm_cache_s": 0.7}
    assert "cuBLAS unmeasured: this torch has no CUDA" in bench.table(results)


def test_markdown_tables_for_a_closing_note():
    results = {"machine": {"cuda": "gpu", "gpu": "NVIDIA H100", "cpus": 16, "processor": "x86_64"},
               "cases": {"a": {"dlkit_cuda_us": 20.0, "torch_cuda_us": 90.0, "speedup_cpu_vs_torch": 2.0,
                               "target_speedup": 1.0, "torch_threads": 2}},
               "gpu_matmul": {4096: {"naive_gflops": 500.0, "tiled_gflops": 3000.0, "blocked_gflops": 15000.0,
                                     "cublas_gflops": 45000.0, "blocked_vs_cublas": 1 / 3}},
               "gpu_transfers": {"transfer": {1000: {"h2d_s": 1e-5, "d2h_s": 2e-5}}, "gpu_wins_from_batch": 256},
               "compiled_sm90": {"naive": {"registers": 38, "spill_bytes": 0, "f64_instructions": 0,
                                           "loop_instructions": 137, "loop_fma": 4, "loop_shared_loads": 0}}}
    text = bench.markdown(results)
    assert "GPU: NVIDIA H100" in text
    assert "| a | 20.0 | 90.0 | 2.00x | 1.0x | torch 2t |" in text
    assert "| 4096 | 500 | 3000 | 15000 | 45000 | 33% |" in text
    assert "| 1,000 | 10.0 | 20.0 |" in text and "from batch 256" in text
    assert "| naive | 38 | 0 | 0 | 4 / 137 | 0 |" in text
    assert "unmeasured" not in text


def test_a_missing_column_prints_a_dash():
    results = {"machine": {"cuda": "missing"}, "import_s": 0.2, "first_fit_warm_cache_s": 0.7,
               "cases": {"wide": {"dlkit_cpu_us": 5.0, "torch_cpu_us": 6.0, "speedup_cpu_vs_torch": 1.2,
                                  "target_speedup": 1.0, "meets_target": True},
                         "course": {"dlkit_cpu_us": 5.0, "dlkit_numpy_us": 9.0, "torch_cpu_us": 6.0,
                                    "speedup_cpu_vs_torch": 1.2, "target_speedup": 1.0, "meets_target": True}}}
    line = next(line for line in bench.table(results).splitlines() if line.startswith("wide"))
    assert "—" in line and "1.20x" in line


def test_the_rows_name_their_optimizer_and_the_wide_nets_are_there():
    rows = cases.cases()
    assert {"a_spirals_tanh_adam", "a_spirals_tanh_sgd", "c_digits_deep_tanh_sgd"} <= set(rows)
    for width in cases.WIDTHS:
        for batch in cases.WIDE_BATCHES:
            case = rows[f"wide_{width}_batch_{batch}_sgd"]
            assert case["sizes"] == [64, width, width, 10] and case["batch_size"] == batch
    assert all(name.endswith(case["optimizer"]) for name, case in rows.items())
    assert set(cases.cases(quick=True)) < set(rows)
    X, y = cases.data(rows["wide_256_batch_64_adam"])
    assert X.shape == (cases.WIDE_STEPS * 64, 64) and y.max() < 10


def test_a_timing_child_that_printed_the_compile_notice_is_still_read():
    """The first fit of a process with a cold cache prints the compile notice before its timing."""
    assert cases.last_number("compiling dlkit's kernels (first use only; cached on disk)...\n0.61\n") == 0.61


def test_dlkit_gives_two_blas_threads_only_to_wide_nets():
    rows = cases.cases()
    assert cases.dlkit_blas_threads(rows["a_spirals_tanh_adam"]) == 1
    assert cases.dlkit_blas_threads(rows["b_digits_relu_adam"]) == 1
    assert cases.dlkit_blas_threads(rows["wide_1024_batch_64_sgd"]) == 2
