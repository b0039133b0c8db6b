"""dlkit.compiled: what the CUDA kernels compile to, checked without a GPU.

The parsers are tested on fixed text everywhere. Where Numba can compile for a GPU (libNVVM + NVRTC; ptxas and
nvdisasm for the register and inner-loop figures), the matrix-product kernels are compiled for an H100 (sm_90)
and held to what makes them fast: no float64 arithmetic in float32 code, nothing spilled to local memory, and
for the register-blocked kernel an inner loop that is mostly multiply-adds."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from dlkit import compiled

PTX = """
\t.reg .f64 \t%fd<5>;
\tmov.f64 \t%fd1, 0d0000000000000000;
\tcvt.f64.f32 \t%fd2, %f3;
\tadd.f64 \t%fd1, %fd1, %fd2;
\tfma.rn.f32 \t%f4, %f1, %f2, %f4;
\tcvt.rn.f32.f64 \t%f5, %fd1;
"""

PTXAS = """ptxas info    : Compiling entry function 'kernel' for 'sm_90'
ptxas info    : Function properties for kernel
    8 bytes stack frame, 4 bytes spill stores, 12 bytes spill loads
ptxas info    : Used 168 registers, used 1 barriers, 8448 bytes smem, 400 bytes cmem[0]
"""

SASS = """
.L_x_1:
        /*0100*/                   IMAD R1, R2, R3, RZ ;
.L_x_2:
        /*0110*/                   LDS R4, [R5] ;
        /*0120*/                   FFMA R6, R4, R4, R6 ;
        /*0130*/                   FFMA R7, R4, R4, R7 ;
        /*0140*/                   IADD3 R5, R5, 0x4, RZ ;
        /*0150*/               @P0 BRA `(.L_x_2) ;
        /*0160*/                   FFMA R8, R4, R4, R8 ;
        /*0170*/                   FFMA R9, R4, R4, R9 ;
        /*0180*/                   FFMA R9, R4, R4, R9 ;
        /*0190*/               @P1 BRA `(.L_x_1) ;
"""


def test_float64_instructions_are_counted_but_not_declarations():
    assert compiled.f64_instructions(PTX) == 4


def test_ptxas_usage_is_read():
    assert compiled.ptxas_usage(PTXAS) == {"registers": 168, "stack_bytes": 8, "spill_bytes": 16,
                                           "shared_bytes": 8448}


def test_the_innermost_loop_is_chosen_not_the_loop_around_it():
    # the outer loop holds more FFMAs (5) but contains the inner one; the inner loop is what runs K times
    assert compiled.inner_loop(SASS) == {"loop_instructions": 5, "loop_fma": 2, "loop_shared_loads": 1}


def test_report_reads_well_and_flags_float64():
    report = compiled.KernelReport("k", (9, 0), 3, registers=40, spill_bytes=0, stack_bytes=0, shared_bytes=0,
                                   loop_instructions=10, loop_fma=7, loop_shared_loads=2)
    text = str(report)
    assert "sm_90" in text and "float64 instructions : 3" in text and "70%" in text and "float literal" in text
    assert report.fma_share == pytest.approx(0.7)


def test_argument_types_and_a_clear_error_without_them():
    A = np.zeros((2, 3), np.float32)
    assert compiled._signature((A, A[:, ::2], 1.5, 2, True), None) == \
        "float32[:, ::1], float32[:, :], float64, int64, boolean"        # contiguous: what a launch compiles
    with pytest.raises(ValueError, match="argument types"):
        compiled.inspect_kernel(object())
    with pytest.raises(TypeError, match="cuda.jit kernel"):
        compiled._recipe(len)


# ---- real compiles -------------------------------------------------------------------------------------

MAT = "float32[:, ::1], float32[:, ::1], float32[:, ::1]"          # C-contiguous, as training launches them


@pytest.fixture(scope="module")
def matmul_reports():
    """One compiler process for every matrix-product kernel of the cuda backend (skip if it cannot compile)."""
    from dlkit.kernels import cuda as K

    kernels = [("naive", K.matmul_naive)]
    for ta, tb in ((False, False), (True, False), (False, True)):
        kernels.append((f"tiled {ta} {tb}", K.tiled_matmul_kernel("<f4", ta, tb, 16)))
        for blocking in ((128, 128, 8, 8, 8), (64, 64, 16, 4, 4)):
            kernels.append((f"blocked {blocking} {ta} {tb}", K.blocked_matmul_kernel("<f4", ta, tb, *blocking)))
    try:
        reports = compiled.inspect_kernels([(k, MAT) for _, k in kernels])
    except RuntimeError as err:
        pytest.skip(f"cannot compile CUDA kernels here: {err}")
    if reports[0].registers is None:
        pytest.skip("ptxas not found: " + ", ".join(reports[0].missing))
    return {name: report for (name, _), report in zip(kernels, reports)}


def test_matrix_products_stay_in_float32_and_in_registers(matmul_reports):
    for name, report in matmul_reports.items():
        assert report.f64_instructions == 0, f"{name}: float64 arithmetic in a float32 product\n{report}"
        assert report.spill_bytes == 0 and report.stack_bytes == 0, f"{name}: spills to local memory\n{report}"


def test_register_blocking_makes_the_inner_loop_mostly_multiply_adds(matmul_reports):
    big = [r for name, r in matmul_reports.items() if name.startswith("blocked (128")]
    if big[0].loop_instructions is None:
        pytest.skip("nvdisasm not found")
    for report in big:
        # 8 x 8 outputs per thread: 64 multiply-adds per 16 shared loads, little else (the SASS counts 91)
        assert report.loop_fma >= 64 and report.loop_fma >= 4 * report.loop_shared_loads, str(report)
        assert report.fma_share >= 0.6, str(report)
        assert report.registers <= 255, str(report)
    plain = matmul_reports["tiled False False"]
    assert plain.fma_share < 0.5 * big[0].fma_share, "the lesson: blocking multiplies the useful share"


def test_a_float_literal_accumulator_is_float64_and_a_typed_zero_is_not(tmp_path):
    """The folklore 'a literal takes the array's precision' is false in Numba: run as a student would, with the
    kernels defined in a script (the notebook route: rebuilt from their source)."""
    script = tmp_path / "student.py"
    script.write_text(textwrap.dedent('''
        import json, sys
        import numpy as np
        import dlkit as dk
        cuda = dk.gpu.cuda_api()
        WIDTH = 4

        @cuda.jit
        def row_sum_literal(X, out):
            for i in range(cuda.grid(1), X.shape[0], cuda.gridsize(1)):
                s = 0.0
                for j in range(WIDTH):
                    s += X[i, j]
                out[i] = s

        @cuda.jit(device=True)
        def typed_zero(X):
            return X.dtype.type(0)

        @cuda.jit
        def row_sum_typed(X, out):                  # calls a device function of the notebook's own
            for i in range(cuda.grid(1), X.shape[0], cuda.gridsize(1)):
                s = typed_zero(X)
                for j in range(WIDTH):
                    s += X[i, j]
                out[i] = s

        X = np.ones((3, WIDTH), np.float32)
        try:
            reports = dk.compiled.inspect_kernels([(k, "float32[:, :], float32[:]")
                                                   for k in (row_sum_literal, row_sum_typed)])
        except RuntimeError as err:
            print(json.dumps({"skip": str(err)}))
            sys.exit()
        print(json.dumps({"literal": reports[0].f64_instructions, "typed": reports[1].f64_instructions}))
    '''))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=True)
    import json

    result = json.loads(out.stdout.strip().splitlines()[-1])
    if "skip" in result:
        pytest.skip(result["skip"])
    assert result["literal"] > 0 and result["typed"] == 0, result


FUSED_SIGNATURE = ("int64[:, ::1], int64[:, ::1], int64[::1], int64[::1], {t}[::1], {t}[::1], {t}[::1], {t}[::1], "
                   "{t}[::1], {t}[::1], {t}[::1], {t}[:, ::1], {t}[:, ::1], int64[::1], {t}[:, ::1], {t}[::1]")
M, V = "{t}[:, ::1]", "{t}[::1]"
# every training kernel of the cuda backend, with the argument types training launches it with
LAYERED_SIGNATURES = {
    "gather_rows": f"{M}, {M}, int64[::1], int64, int64, {M}, {M}",
    "bias_activation": f"{M}, {V}, {M}, int64, boolean",
    "activation": f"{M}, {M}, int64",
    "dropout": f"{M}, {M}, {{t}}, int64, int64, int64",
    "activation_backward": f"{M}, {M}, {M}, {M}, int64, boolean",
    "column_sums": f"{M}, {V}",
    "batchnorm_forward": f"{M}, {M}, {V}, {V}, {V}, {V}, {V}, boolean, boolean, {{t}}, {{t}}",
    "batchnorm_backward": f"{M}, {M}, {V}, {V}, {V}, {V}",
    "row_losses": f"{M}, {M}, int64, {M}, int64, {V}",
    "penalty_gradient": f"{M}, {M}, {{t}}, {{t}}",
    "sum_of_squares": f"{V}, {V}",
    "mask_gradient": f"{V}, {V}",
    "clip_and_update": f"{V}, {V}, {V}, {V}, int64, {V}, int64, {{t}}, {{t}}, {V}, {M}, int64, {V}, boolean",
}


@pytest.fixture(scope="module")
def training_reports():
    """{(kernel name, real type): report} for every training kernel in float32 and float64, one compiler process."""
    from dlkit.kernels.cuda import fused as F, layered as L

    jobs = [("train_epoch", F.train_epoch, FUSED_SIGNATURE)]
    jobs += [(name, getattr(L, name), signature) for name, signature in LAYERED_SIGNATURES.items()]
    assert {name for name, *_ in jobs[1:]} == {k.__name__ for k in L.DEVICE_CODE}, "a layered kernel is untested"
    keys = [(name, t) for t in ("float32", "float64") for name, _, _ in jobs]
    kernels = [(kernel.for_real(t), signature.format(t=t)) for t in ("float32", "float64") for _, kernel, signature in jobs]
    try:
        reports = compiled.inspect_kernels(kernels)
    except RuntimeError as err:
        pytest.skip(f"cannot compile CUDA kernels here: {err}")
    return dict(zip(keys, reports))


def test_float32_training_kernels_compute_in_float32_only(training_reports):
    """The textbook's scalar maths is compiled once per real type (dlkit.kernels.compile): in float32 mode not
    one float64 instruction is left in any training kernel (there were 1,431 in the fused epoch kernel, from the
    float literals of the shared scalar code, and 17-263 in each layered kernel)."""
    for (name, t), report in training_reports.items():
        if t == "float32":
            assert report.f64_instructions == 0, f"{name} float32: float64 arithmetic\n{report}"
        if report.spill_bytes is not None:
            assert report.spill_bytes == 0, f"{name} {t}: spills to local memory\n{report}"


def test_the_fused_epoch_kernels_dense_loops_are_lean(training_reports):
    """The one-block epoch kernel (small nets) multiplies with plain loops over global memory. Keeping R = 4 sums
    a thread in registers and walking unsigned offsets makes the product loops a few instructions per
    multiply-add (they were 35-40 with recomputed, signed, wrapped-around indices and one sum a thread), in
    float32."""
    report = training_reports[("train_epoch", "float32")]
    if report.loops is None:
        pytest.skip("ptxas or nvdisasm not found: " + ", ".join(report.missing))
    floating = [(ops, set(ops) & compiled.FLOATING) for ops in report.loops]
    # forward, dW, dX: R x 4 (unrolled) multiply-adds a pass; db: sums over global memory (the batch-norm
    # columns' loops, float32 now as well, walk strided slices and are not held to these figures)
    products = [ops for ops, kinds in floating if kinds == {"FFMA"} and ops["FFMA"] >= 16]
    sums = [ops for ops, kinds in floating if kinds == {"FADD"} and ops.get("LDG")]
    assert len(products) >= 3 and sums, report.loops
    for ops in products:
        assert sum(ops.values()) <= 6 * ops["FFMA"], ops
    for ops in sums:
        assert sum(ops.values()) <= 14 * ops["FADD"], ops


def test_every_training_kernel_is_cached_on_disk():
    """A new process loads the compiled kernels instead of compiling them again (Numba's cache=True; measuring
    the cold and warm first fit needs a GPU: python -m dlkit.bench). Checked with the real numba.cuda, no GPU
    needed: every kernel's dispatcher has its on-disk cache, named per real type and family source."""
    code = textwrap.dedent('''
        import os; os.environ.pop("NUMBA_ENABLE_CUDASIM", None)
        from dlkit.kernels.cuda import fused, layered, products
        kernels = [k.for_real(t) for t in ("float32", "float64") for k in (fused.train_epoch, *layered.DEVICE_CODE)]
        kernels += [products.matmul_naive, products.tiled_matmul_kernel("<f4"), products.blocked_matmul_kernel("<f4")]
        print(sorted({type(k._cache).__name__ for k in kernels}))
        print(len({k.py_func.__qualname__ for k in kernels[:28]}))
    ''')
    env = {k: v for k, v in __import__("os").environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    if out.returncode != 0:
        pytest.skip(f"numba.cuda unavailable here: {out.stderr.strip().splitlines()[-1:]}")
    caches, names = out.stdout.split("\n")[:2]
    assert caches == "['CUDACache']" and names == "28", out.stdout
