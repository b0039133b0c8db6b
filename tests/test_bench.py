"""The benchmark's report: every section prints, including the GPU ones this machine may never run."""
from dlkit import bench


def test_table_prints_every_gpu_section_and_the_targets():
    row = {"dlkit_cpu_us": 10.0, "dlkit_cuda_us": 20.0, "torch_cpu_us": 800.0, "torch_cuda_us": 90.0,
           "speedup_cpu_vs_torch": 80.0, "target_speedup": 20.0, "meets_target": True,
           "speedup_cuda_vs_torch_cuda": 4.5}
    results = {"machine": {"cuda": "gpu"}, "cases": {"a_spirals_tanh": row},
               "gpu_matmul": {4096: {"naive_gflops": 500.0, "tiled_gflops": 3000.0, "blocked_gflops": 15000.0,
                                     "cublas_gflops": 45000.0, "blocked_vs_cublas": 1 / 3}},
               "gpu_transfers": {"transfer": {1000: {"h2d_s": 1e-5, "d2h_s": 2e-5}},
                                 "gpu_wins_from_batch": 256},
               "compiled_sm90": {"naive": {"registers": 38, "spill_bytes": 0, "f64_instructions": 0,
                                           "loop_instructions": 137, "loop_fma": 4, "loop_shared_loads": 0}},
               "import_s": 0.2, "first_fit_warm_cache_s": 0.7}
    text = bench.table(results)
    assert "blocked  15000.0" in text and "33% of cuBLAS" in text and "target >= 30%" in text
    assert "1,000 floats" in text and "from batch 256" in text
    assert "sm_90 naive" in text and "4 FFMA / 137 instructions" in text
    assert "unmeasured" not in text


def test_table_says_plainly_what_was_not_measured():
    results = {"machine": {"cuda": "simulator"}, "cases": {},
               "compiled_sm90": {"unavailable": "no libNVVM"}, "import_s": 0.2, "first_fit_warm_cache_s": 0.7}
    text = bench.table(results)
    assert "GPU figures are unmeasured" in text and "not inspected (no libNVVM)" in text


def test_table_without_cublas_says_so():
    results = {"machine": {"cuda": "gpu"}, "cases": {},
               "gpu_matmul": {256: {"naive_gflops": 1.0, "tiled_gflops": 2.0, "blocked_gflops": 3.0,
                                    "blocked_vs_cublas": None}},
               "import_s": 0.2, "first_fit_warm_cache_s": 0.7}
    assert "cuBLAS unmeasured: this torch has no CUDA" in bench.table(results)


def test_markdown_tables_for_a_closing_note():
    results = {"machine": {"cuda": "gpu", "gpu": "NVIDIA H100", "cpus": 16, "processor": "x86_64"},
               "cases": {"a": {"dlkit_cuda_us": 20.0, "torch_cuda_us": 90.0, "speedup_cpu_vs_torch": 2.0,
                               "target_speedup": 1.0}},
               "gpu_matmul": {4096: {"naive_gflops": 500.0, "tiled_gflops": 3000.0, "blocked_gflops": 15000.0,
                                     "cublas_gflops": 45000.0, "blocked_vs_cublas": 1 / 3}},
               "gpu_transfers": {"transfer": {1000: {"h2d_s": 1e-5, "d2h_s": 2e-5}}, "gpu_wins_from_batch": 256},
               "compiled_sm90": {"naive": {"registers": 38, "spill_bytes": 0, "f64_instructions": 0,
                                           "loop_instructions": 137, "loop_fma": 4, "loop_shared_loads": 0}}}
    text = bench.markdown(results)
    assert "GPU: NVIDIA H100" in text
    assert "| a | 20.0 | 90.0 | 2.0x | 1.0x |" in text
    assert "| 4096 | 500 | 3000 | 15000 | 45000 | 33% |" in text
    assert "| 1,000 | 10.0 | 20.0 |" in text and "from batch 256" in text
    assert "| naive | 38 | 0 | 0 | 4 / 137 | 0 |" in text
    assert "unmeasured" not in text
