"""The benchmark's report: every section prints, including the GPU ones this machine may never run; its rows,
their interleaved timing (with stand-in timers) and parsing (no timings asserted)."""
import pytest

from dlkit import bench
from dlkit.bench import cases


def test_table_prints_every_gpu_section_and_the_targets():
    row = {"dlkit_cpu_us": 10.0, "dlkit_cuda_us": 20.0, "torch_cpu_us": 800.0, "torch_cuda_us": 90.0,
           "torch_cpu_1t_us": 800.0, "torch_cpu_2t_us": 950.0, "torch_threads": 1, "dlkit_blas_threads": 1,
           "speedup_cpu_vs_torch": 80.0, "target_speedup": 20.0, "meets_target": True,
           "speedup_cuda_vs_torch_cuda": 4.5, "speedup_cpu_time_1t": 61.0, "load": [2.4, 3.1],
           "other_cores_busy": 1.2}
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
    assert "torch 1t, dlkit 1t" in text and "80.00x  20.0x ok" in text and "2.4-3.1 (1.2 busy)" in text
    assert "61.00x" in text
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
    assert "| a | 20.0 | 90.0 | 2.00x | 1.0x | — | torch 2t |  |" in text
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


@pytest.fixture(autouse=True)
def no_settling(monkeypatch):
    """The stand-in timers leave no helper threads spinning: no pause between chunks."""
    monkeypatch.setattr(cases, "SETTLE_S", 0.0)


class FakeTimer:
    """A stand-in for dlkit_chunk / torch_chunk: ``us`` µs per step in each round in turn, and a log of calls."""

    def __init__(self, name, log, us, steps_per_epoch=10, threads=None):
        self.name, self.log, self.us, self.steps, self.threads, self.calls = name, log, list(us), steps_per_epoch, \
            threads, 0

    def __call__(self, epochs):
        self.log.append((self.name, epochs))
        us = self.us[min(self.calls, len(self.us) - 1)]
        self.calls += 1
        steps = epochs * self.steps
        return {"wall": us * 1e-6 * steps, "cpu": 2 * us * 1e-6 * steps, "steps": steps, "threads": self.threads}


def test_interleaved_takes_turns_rotating_the_order_and_keeps_each_sides_best_round():
    log = []
    # the first call of each sizes its chunks; then rounds 1..3
    chunks = {"a": FakeTimer("a", log, [100, 30, 20, 40], threads=2), "b": FakeTimer("b", log, [50, 50, 10, 60])}
    best = cases.interleaved(chunks, budget=0.06, rounds=3)
    assert best["a"] == pytest.approx({"us": 20, "cpu_us": 40, "threads": 2}) and best["b"]["us"] == pytest.approx(10)
    rounds = [name for name, _ in log[2:]]
    assert rounds == ["a", "b", "b", "a", "a", "b"]                     # each round in turn, rotated
    # one chunk ~ 0.06 / (3 rounds * 2 sides) = 10 ms: 'a' took 1 ms an epoch (10 steps of 100 µs), 'b' 0.5 ms
    assert dict(log[2:4]) == {"a": 10, "b": 20}


def test_a_slow_epoch_is_still_one_chunk_and_a_fast_one_is_capped():
    assert cases._epochs_for(FakeTimer("slow", [], [1e6]), 0.01) == 1
    assert cases._epochs_for(FakeTimer("fast", [], [1e-3]), 10.0) == cases.MAX_CHUNK_EPOCHS


def test_a_row_times_dlkit_and_torch_with_each_thread_count_in_the_same_rounds(monkeypatch):
    log = []
    monkeypatch.setattr(cases, "dlkit_chunk", lambda case, b: FakeTimer(f"dlkit_{b}", log, [10], threads=1))
    monkeypatch.setattr(cases, "torch_chunk",
                        lambda case, threads: FakeTimer(f"torch{threads}", log, {1: [300], 2: [200]}[threads]))
    row = cases.time_row(cases.cases()["a_spirals_tanh_sgd"], 0.01, ["cpu", "numpy"], rounds=2)
    assert row["torch_cpu_us"] == 200 and row["torch_threads"] == 2 and row["torch_cpu_1t_us"] == pytest.approx(300)
    assert row["dlkit_cpu_us"] == pytest.approx(10) and row["dlkit_numpy_us"] == pytest.approx(10)
    assert row["dlkit_blas_threads"] == 1
    assert row["cpu_time"]["torch_cpu_1t"] == pytest.approx(600) and row["speedup_cpu_time_1t"] == pytest.approx(30)
    assert {name for name, _ in log} == {"dlkit_cpu", "dlkit_numpy", "torch1", "torch2"}


def test_the_labs_switch_runs_the_labs_bench(monkeypatch):
    from dlkit.bench import labs

    seen = []
    monkeypatch.setattr(labs, "main", lambda argv: seen.append(argv))
    bench.main(["--labs", "--only", "playground"])
    assert seen == [["--labs", "--only", "playground"]]
