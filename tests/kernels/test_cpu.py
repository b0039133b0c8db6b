"""The cpu backend's thread choice: one BLAS thread for the course's small products, two for a wide one while the
other core is free, one while other processes keep it busy (OtherWork mocked: no timing here)."""
import ctypes

import numpy as np
import pytest

import dlkit as dk
from dlkit.kernels import cpu, host
from dlkit.kernels.cpu import mkl, products

WIDE = [64, 1024, 1024, 10]          # 64 x 1024 x 1024 multiply-adds at batch 64: far above the threshold
SMALL = [2, 16, 16, 2]


class Busy:
    """A stand-in for the process's OtherWork: ``cores`` cores, ``busy`` of them kept busy by others."""

    def __init__(self, busy, cores=2):
        self.cores, self.busy = cores, busy

    def cores_busy(self):
        return self.busy

    blas_threads = host.OtherWork.blas_threads


@pytest.fixture
def other_work(monkeypatch):
    """Set how busy the other cores look: other_work(busy)."""
    def set_busy(busy, cores=2):
        monkeypatch.setattr(cpu, "other_work", lambda: Busy(busy, cores))
    return set_busy


def test_each_product_gets_the_threads_its_size_calls_for():
    assert products.blas_threads(products.TWO_THREADS_FROM - 1) == 1
    assert products.blas_threads(products.TWO_THREADS_FROM) == 2
    assert not products.needs_two_threads(dk.MLP(SMALL).layout, 32)
    assert products.needs_two_threads(dk.MLP(WIDE).layout, 64)


def test_a_wide_net_gets_two_threads_while_the_other_core_is_free(other_work):
    other_work(0.1)
    assert cpu.blas_threads_for(dk.MLP(WIDE).layout, 64) == 2
    assert cpu.blas_threads_for(dk.MLP(SMALL).layout, 32) == 1          # small nets never ask


def test_a_wide_net_gets_one_thread_while_other_processes_keep_the_other_core_busy(other_work):
    other_work(0.9)
    assert cpu.blas_threads_for(dk.MLP(WIDE).layout, 64) == 1
    other_work(0.9, cores=4)                                           # a bigger machine still has room
    assert cpu.blas_threads_for(dk.MLP(WIDE).layout, 64) == 2


def test_other_work_is_the_machines_busy_time_less_this_processs(monkeypatch):
    samples = iter([(0.0, 100.0, 10.0), (0.1, 100.1, 10.1), (1.0, 101.5, 10.5)])   # (wall, machine, ours)
    monkeypatch.setattr(host, "sample_cpu_time", lambda: next(samples))
    monkeypatch.setattr(host.os, "getloadavg", lambda: (2.5, 0, 0))
    work = host.OtherWork()
    assert work.cores_busy() == pytest.approx(1.5)           # within the first window: load average less us
    assert work.cores_busy() == pytest.approx(1.0)           # 1.5 s busy, 0.5 of them ours, in 1 s
    assert host.cores_busy_between((0.0, 5.0, 1.0), (2.0, 7.0, 2.0)) == pytest.approx(0.5)


def _recording_switch():
    """A BLAS thread switch that records each setting (the type the compiled products call)."""
    seen = []
    return seen, ctypes.CFUNCTYPE(None, ctypes.c_int)(seen.append)


def test_the_compiled_product_sets_its_thread_count_before_it_multiplies():
    seen, switch = _recording_switch()
    rng = np.random.default_rng(0)
    small, wide = rng.normal(size=(32, 16)), rng.normal(size=(128, 128))
    out_small, out_wide = np.empty((32, 16)), np.empty((128, 128))
    products.matmul(small, small.T @ small, out_small, (switch, 2, mkl.NO_GEMM))
    products.matmul(wide, wide, out_wide, (switch, 2, mkl.NO_GEMM))                  # 128^3 = 2^21 multiply-adds
    products.matmul(wide, wide, out_wide, (switch, 1, mkl.NO_GEMM))                  # capped where the other core is busy
    assert seen == [1, 2, 1]
    np.testing.assert_allclose(out_wide, wide @ wide)


def test_the_librarys_own_setting_is_put_back_after_a_kernel(monkeypatch):
    seen, setter = _recording_switch()
    monkeypatch.setattr(host, "blas_thread_switch", lambda: host.BlasSwitch(setter, lambda: 7))
    given = []
    assert host.call_with_blas_switch(lambda *args: given.append(args[-1]) or "done", 1, most_threads=2,
                                      fast=mkl.NO_GEMM) == "done"
    assert given == [(setter, 2, mkl.NO_GEMM)] and seen == [7]


def _recording_fast_gemm():
    """MKL's gemm with a thread setter that records each setting (skips without PyTorch's MKL)."""
    real = mkl.fast_gemm()
    if not real.on:
        pytest.skip("no MKL in this environment's PyTorch: the products use np.dot")
    seen = []
    setter = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)(lambda n: seen.append(n) or 0)
    return seen, real._replace(set_threads=setter)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_product_that_gets_two_threads_goes_to_mkl_in_every_layout(dtype):
    seen, fast = _recording_fast_gemm()
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(128, 160)).astype(dtype), rng.normal(size=(160, 128)).astype(dtype)  # 2.6M MACs
    tol = 1e-4 if dtype == np.float32 else 1e-12
    for a in (A, np.asfortranarray(A)):
        for b in (B, np.asfortranarray(B)):
            out = np.full((128, 128), np.nan, dtype)
            products.matmul(a, b, out, (_recording_switch()[1], 2, fast))
            np.testing.assert_allclose(out, A.astype(np.float64) @ B, rtol=tol, atol=tol)
    assert seen == [2] * 4
    strided = np.hstack([B, B])[:, ::4]                                  # (160, 64), every 4th column
    tall = np.vstack([A, A])                                             # (256, 160): 2.6M MACs again
    out = np.empty((256, 64), dtype)                                     # not row- or column-major: np.dot
    products.matmul(tall, strided, out, (_recording_switch()[1], 2, fast))
    np.testing.assert_allclose(out, tall.astype(np.float64) @ strided, rtol=tol, atol=tol)
    assert seen == [2] * 4


def test_mkls_thread_count_for_this_thread_is_cleared_after_a_kernel():
    seen, fast = _recording_fast_gemm()
    host.call_with_blas_switch(lambda *args: None, most_threads=2, fast=fast)
    assert seen == [0]


@pytest.mark.parametrize("optimizer, lr", [("adam", 1e-3), ("sgd", 0.05)])       # SGD: W moves in its product
@pytest.mark.parametrize("dtype, tol", [("float32", 1e-5), ("float64", 1e-12)])
def test_a_wide_net_trained_through_mkl_matches_the_numpy_reference(dtype, tol, optimizer, lr):
    sizes = [64, 256, 256, 10]                                           # 64 x 256 x 256 = 4.2M MACs at batch 64
    assert products.needs_two_threads(dk.MLP(sizes).layout, 64)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 64)), rng.integers(0, 10, 200)         # the last batch is smaller: 8 rows
    trained = {}
    for backend in ("numpy", "cpu"):
        with dk.using_backend(backend):
            model = dk.MLP(sizes, activation="relu", seed=0, dtype=dtype)
            dk.fit(model, X, y, epochs=2, batch_size=64, optimizer=optimizer, lr=lr, verbose=False)
            trained[backend] = model.theta.astype(np.float64)
    scale = np.abs(trained["numpy"]).max()
    assert np.abs(trained["cpu"] - trained["numpy"]).max() <= tol * scale


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_long_stretch_updated_in_two_halves_matches_one_pass(optimizer):
    from dlkit import optimizers
    from dlkit.kernels.cpu import steps
    from dlkit.kernels.cpu.elementwise import real_hyper

    P = steps.PARALLEL_UPDATE_FROM + 3                                   # odd: the halves differ by one
    rng = np.random.default_rng(0)
    grad = rng.normal(size=P).astype(np.float32)
    from dlkit import packing

    hyper = dk.MLP([2, 2], seed=0).hyper()
    hyper[:packing.N_OPTIMIZER_SLOTS] = optimizers.get(optimizer, lr=0.01).vector()
    results = []
    for threads in (1, 2):
        theta, state = np.ones(P, np.float32), np.zeros((2, P), np.float32)
        stretches = steps.trainable_stretches(state)
        for t in (1, 2):
            steps.clip_and_update(theta, grad.copy(), state, hyper, optimizers.ID[optimizer], t, stretches,
                                  real_hyper(hyper, theta), threads)
        results.append((theta, state))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert not np.array_equal(results[0][0], np.ones(P, np.float32))     # it did move


def _moves(sizes=(64, 256, 256, 10), optimizer="sgd", keep_grad=0, fast=None, frozen=False, **hyper):
    """Which layers of a net at batch 64 would take their SGD step inside the weight-gradient product."""
    from dlkit import optimizers, packing
    from dlkit.kernels.cpu import steps

    model = dk.MLP(list(sizes), seed=0)
    h = model.hyper()
    h[:packing.N_OPTIMIZER_SLOTS] = optimizers.get(optimizer, lr=0.1).vector()
    for name, value in hyper.items():
        h[getattr(packing, name)] = value
    iconf = packing.empty_iconf()
    iconf[packing.OPT], iconf[packing.KEEP_GRAD] = optimizers.ID[optimizer], keep_grad
    state = np.zeros((3 if frozen else 2, model.n_params), model.dtype)
    if frozen:
        state[2, 10:] = 1
    return list(steps.moved_in_product(model.layout, 64, iconf, h, steps.trainable_stretches(state),
                                       model.n_params, fast or mkl.fast_gemm()))


def test_only_a_wide_plain_sgd_layer_moves_inside_its_product_and_only_where_nobody_needs_its_gradient():
    if not mkl.fast_gemm().on:
        pytest.skip("no MKL in this environment's PyTorch: every product uses np.dot")
    assert _moves() == [False, True, False]                   # 64 x 64 x 256 and 64 x 256 x 10 stay small
    assert not any(_moves(sizes=(2, 16, 16, 2)))               # the course's nets: exactly as before
    assert not any(_moves(optimizer="adam")) and not any(_moves(optimizer="momentum"))
    assert not any(_moves(keep_grad=1))                        # fit's per-layer observer reads dW afterwards
    assert not any(_moves(CLIP=1.0)) and not any(_moves(L2=1e-4)) and not any(_moves(L1=1e-4))
    assert not any(_moves(frozen=True))
    assert not any(_moves(fast=mkl.NO_GEMM))                   # without MKL: np.dot, dW stored, as before


def test_a_wide_sgd_run_watched_by_layer_stats_records_the_gradients_the_reference_does():
    sizes = [64, 256, 256, 10]
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(128, 64)), rng.integers(0, 10, 128)
    norms = {}
    for backend in ("numpy", "cpu"):
        with dk.using_backend(backend):
            model = dk.MLP(sizes, activation="relu", seed=0)
            hist = dk.fit(model, X, y, epochs=2, batch_size=64, optimizer="sgd", lr=0.05, stats=True,
                          verbose=False)
            norms[backend] = np.array([rec["grad_norm"] for rec in hist.layer_stats])
    assert norms["cpu"].shape == norms["numpy"].shape and norms["cpu"].size
    np.testing.assert_allclose(norms["cpu"], norms["numpy"], rtol=1e-4)
