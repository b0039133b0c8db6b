"""The cuda backend against the numpy reference. Without a GPU these run in Numba's CUDA simulator (conftest
sets NUMBA_ENABLE_CUDASIM=1), so sizes stay at 32 or below and shapes are deliberately odd (not multiples of
the tile). Tests marked gpu also compare with PyTorch on the GPU and need real hardware."""
import os
import subprocess
import sys

import numpy as np
import pytest

import dlkit as dk
from dlkit import activations, layers, losses, optimizers, packing
from dlkit.backend import cuda_status

pytestmark = pytest.mark.skipif(cuda_status() == "missing", reason="no GPU and no CUDA simulator")

cuda = pytest.importorskip("numba.cuda")
from dlkit.kernels import cuda as K  # noqa: E402


@pytest.fixture
def on_cuda():
    previous = dk.get_backend()
    dk.set_backend("cuda")
    yield
    dk.set_backend(previous)


@pytest.mark.parametrize("shape", [(1, 1, 1), (5, 7, 3), (9, 17, 6), (32, 3, 32)])
@pytest.mark.parametrize("trans_a,trans_b", [(False, False), (True, False), (False, True)])
def test_matmul_any_shape_and_transpose(shape, trans_a, trans_b, rng):
    m, k, n = shape
    A = rng.normal(size=(k, m) if trans_a else (m, k))
    B = rng.normal(size=(n, k) if trans_b else (k, n))
    C = cuda.device_array((m, n))
    K.matmul(cuda.to_device(A), cuda.to_device(B), C, trans_a, trans_b)
    np.testing.assert_allclose(C.copy_to_host(), (A.T if trans_a else A) @ (B.T if trans_b else B), rtol=1e-12)


# (bm, bn, bk, tm, tn): square, tall and wide thread blocks, so a swapped row/column index cannot hide
BLOCKINGS = [(8, 8, 4, 2, 2), (8, 4, 3, 2, 1), (4, 8, 5, 1, 4)]


@pytest.mark.parametrize("blocking", BLOCKINGS)
@pytest.mark.parametrize("trans_a,trans_b", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_register_blocked_matmul(blocking, trans_a, trans_b, dtype, rng):
    """Every blocking, transpose and dtype, on shapes that are multiples of no tile; 1 or 3 blocks, so the
    grid-stride loop over output tiles is exercised."""
    bm, bn, bk, tm, tn = blocking
    for (m, k, n), blocks in (((13, 11, 9), 1), ((5, 2, 19), 3)):
        A = rng.normal(size=(k, m) if trans_a else (m, k)).astype(dtype)
        B = rng.normal(size=(n, k) if trans_b else (k, n)).astype(dtype)
        C = cuda.device_array((m, n), dtype)
        kernel = K.blocked_matmul_kernel(np.dtype(dtype).str, trans_a, trans_b, *blocking)
        kernel[blocks, (bm // tm) * (bn // tn)](cuda.to_device(A), cuda.to_device(B), C)
        expected = (A.T if trans_a else A) @ (B.T if trans_b else B)
        assert C.copy_to_host().dtype == dtype
        np.testing.assert_allclose(C.copy_to_host(), expected, rtol=1e-5 if dtype == np.float32 else 1e-12,
                                   atol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("blocking", [(128, 128, 8, 8, 8), (64, 64, 16, 4, 4)])
@pytest.mark.parametrize("trans_a,trans_b", [(False, False), (True, False), (False, True)])
def test_the_gpu_blockings_themselves(blocking, trans_a, trans_b, rng):
    """The configurations matmul() uses on a GPU (256 threads a block), on one small odd product: the simulator
    can afford a single block of them."""
    bm, bn, bk, tm, tn = blocking
    m, k, n = 9, 13, 11
    A = rng.normal(size=(k, m) if trans_a else (m, k)).astype(np.float32)
    B = rng.normal(size=(n, k) if trans_b else (k, n)).astype(np.float32)
    C = cuda.device_array((m, n), np.float32)
    K.blocked_matmul_kernel("<f4", trans_a, trans_b, *blocking)[1, (bm // tm) * (bn // tn)](
        cuda.to_device(A), cuda.to_device(B), C)
    np.testing.assert_allclose(C.copy_to_host(), (A.T if trans_a else A) @ (B.T if trans_b else B), rtol=1e-5,
                               atol=1e-5)


@pytest.mark.parametrize("trans_a,trans_b", [(False, False), (True, False), (False, True)])
def test_plain_tiled_matmul(trans_a, trans_b, rng):
    m, k, n = 9, 7, 6
    A = rng.normal(size=(k, m) if trans_a else (m, k))
    B = rng.normal(size=(n, k) if trans_b else (k, n))
    for blocks in (1, 5):
        C = cuda.device_array((m, n))
        K.tiled_matmul_kernel("<f8", trans_a, trans_b)[blocks, (K.TILE, K.TILE)](cuda.to_device(A),
                                                                                 cuda.to_device(B), C)
        np.testing.assert_allclose(C.copy_to_host(), (A.T if trans_a else A) @ (B.T if trans_b else B),
                                   rtol=1e-12)


def test_naive_matmul_and_launch_size_independence(rng):
    A, B = rng.normal(size=(7, 5)), rng.normal(size=(5, 3))
    for blocks, threads in ((1, 1), (1, 8), (3, 32)):
        C = cuda.device_array((7, 3))
        K.matmul_naive[blocks, threads](cuda.to_device(A), cuda.to_device(B), C)
        np.testing.assert_allclose(C.copy_to_host(), A @ B, rtol=1e-12)


@pytest.mark.parametrize("name", activations.NAMES)
def test_fused_bias_activation_and_its_backward(name, rng):
    Z, b, dH = rng.normal(size=(5, 7)) * 3, rng.normal(size=7), rng.normal(size=(5, 7))
    kind = activations.ID[name]
    Zd, Hd = cuda.to_device(Z), cuda.device_array((5, 7))
    K.bias_activation[1, 32](Zd, cuda.to_device(b), Hd, kind, True)
    f, f_grad = activations.get(name)
    np.testing.assert_allclose(Hd.copy_to_host(), f(Z + b), rtol=1e-12, atol=1e-14)
    dHd = cuda.to_device(dH)
    K.activation_backward[2, 16](dHd, Zd, Hd, Hd, kind, False)
    np.testing.assert_allclose(dHd.copy_to_host(), dH * f_grad(Z + b), rtol=1e-10, atol=1e-14)


def test_dropout_mask_is_the_reference_mask(rng):
    H = rng.normal(size=(6, 5))
    Hd, Md = cuda.to_device(H), cuda.device_array((6, 5))
    K.dropout[1, 32](Hd, Md, 0.4, 7, 3, 2)
    out, mask = layers.dropout_forward(H, 0.4, seed=7, step=3, layer=2)
    np.testing.assert_array_equal(Md.copy_to_host(), mask)
    np.testing.assert_allclose(Hd.copy_to_host(), out)


def test_column_sums_and_penalty(rng):
    dZ, W, gW = rng.normal(size=(9, 5)), rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    db = cuda.device_array(5)
    K.column_sums[1, 2](cuda.to_device(dZ), db)
    np.testing.assert_allclose(db.copy_to_host(), dZ.sum(axis=0), rtol=1e-12)
    gWd = cuda.to_device(gW)
    K.penalty_gradient[1, 32](cuda.to_device(W), gWd, 0.1, 0.2)
    np.testing.assert_allclose(gWd.copy_to_host(), gW + 0.1 * np.sign(W) + 0.2 * W, rtol=1e-12)


def test_batchnorm_forward_backward_match_the_layers(rng):
    Z, gamma, beta, dout = rng.normal(size=(7, 3)) * 2 + 1, rng.normal(size=3), rng.normal(size=3), rng.normal(size=(7, 3))
    rmean, rvar = np.zeros(3), np.ones(3)
    ref, cache = layers.batchnorm_forward(Z, gamma, beta, rmean, rvar, True)
    dz, dgamma, dbeta = layers.batchnorm_backward(dout, cache)
    Zd, Zhat, inv = cuda.to_device(Z), cuda.device_array((7, 3)), cuda.device_array(3)
    rm, rv = cuda.to_device(np.zeros(3)), cuda.to_device(np.ones(3))
    K.batchnorm_forward[1, 32](Zd, Zhat, inv, cuda.to_device(gamma), cuda.to_device(beta), rm, rv, True, True,
                               0.1, 1e-5)
    np.testing.assert_allclose(Zd.copy_to_host(), ref, rtol=1e-12)
    np.testing.assert_allclose(rm.copy_to_host(), rmean, rtol=1e-12)
    np.testing.assert_allclose(rv.copy_to_host(), rvar, rtol=1e-12)
    dZd, dg, dbt = cuda.to_device(dout), cuda.device_array(3), cuda.device_array(3)
    K.batchnorm_backward[1, 32](dZd, Zhat, inv, cuda.to_device(gamma), dg, dbt)
    for got, want in ((dZd, dz), (dg, dgamma), (dbt, dbeta)):
        np.testing.assert_allclose(got.copy_to_host(), want, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name,c", [("mse", 3), ("mae", 3), ("huber", 3), ("binary_cross_entropy", 1),
                                    ("cross_entropy", 4), ("hinge", 1), ("hinge", 4)])
def test_row_losses_reduce_to_the_batch_mean(name, c, rng):
    n = 6
    out = rng.normal(size=(n, c)) * 3
    y = rng.integers(0, max(c, 2), n) if name in losses.CLASSIFICATION else rng.normal(size=(n, c))
    loss, grad = losses.loss_and_grad(name, out, y)
    T = np.asarray(y, dtype=np.float64).reshape(n, -1)
    dout, result = cuda.device_array((n, c)), cuda.to_device(np.zeros(2))
    K.row_losses[1, 4](cuda.to_device(out), cuda.to_device(T), losses.ID[name], dout, n, result)
    assert result.copy_to_host()[0] == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(dout.copy_to_host(), grad, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name", optimizers.NAMES)
def test_clip_and_update_matches_the_numpy_optimizer(name, rng):
    theta, grad = rng.normal(size=11), rng.normal(size=11) * 3
    opt = optimizers.get(name, lr=0.05)
    hyper = packing.empty_hyper()
    hyper[:packing.N_OPTIMIZER_SLOTS] = opt.vector()
    hyper[packing.CLIP] = 1.0                                    # clip the global norm to 1
    th, gr, st = cuda.to_device(theta), cuda.to_device(grad), cuda.to_device(np.zeros((2, 11)))
    norm2, record = cuda.to_device(np.zeros(1)), cuda.to_device(np.zeros((1, 2)))
    for t in (1, 2):
        norm2[:1] = np.zeros(1)
        K.sum_of_squares[2, K.THREADS](gr, norm2)
        K.clip_and_update[1, 8](th, gr, st[0], st[1], optimizers.ID[name], cuda.to_device(hyper), t,
                                *optimizers.bias_corrections(hyper, t), norm2, record, 0, st[0], False)
        g = grad.copy()
        optimizers.clip_by_norm(g, 1.0)
        opt.step(theta, g)
        np.testing.assert_allclose(th.copy_to_host(), theta, rtol=1e-12, err_msg=f"step {t}")
        gr = cuda.to_device(grad)


def test_update_is_skipped_after_a_non_finite_loss(rng):
    theta = rng.normal(size=5)
    th = cuda.to_device(theta)
    record = cuda.to_device(np.array([[np.nan, 0.0]]))
    K.clip_and_update[1, 8](th, cuda.to_device(np.ones(5)), cuda.device_array(5), cuda.device_array(5), 0,
                            cuda.to_device(np.full(packing.N_HYPER, 0.1)), 1, 1.0, 1.0, cuda.to_device(np.zeros(1)),
                            record, 0, cuda.device_array(5), False)
    np.testing.assert_array_equal(th.copy_to_host(), theta)


@pytest.mark.parametrize("config", [{}, {"batch_norm": True, "dropout": 0.3}], ids=str)
def test_model_forward_and_gradients_match_the_reference(on_cuda, config, rng):
    model = dk.MLP([3, 5, 4, 3], activation="tanh", dtype="float64", seed=1, **config)
    X, y = rng.normal(size=(7, 3)), rng.integers(0, 3, 7)
    loss, grads = model.loss_and_grads(X, y, l1=0.01, l2=0.1)
    out = model.forward(X)
    dk.set_backend("numpy")
    ref_loss, ref_grads = model.loss_and_grads(X, y, l1=0.01, l2=0.1)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(out, model.forward(X), rtol=1e-10, atol=1e-12)
    for name in grads:
        np.testing.assert_allclose(grads[name], ref_grads[name], rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.fixture(params=["kernels", "fused"])
def cuda_path(request, monkeypatch):
    """Both ways of training on the device: one launch per phase, and one block per epoch."""
    monkeypatch.setattr(K, "FUSED", request.param == "fused")
    return request.param


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-10), ("float32", 2e-5)])
def test_fit_matches_the_numpy_reference(on_cuda, cuda_path, dtype, tol):
    X, y = dk.data.spirals(n_samples=21, seed=0)                 # 2 steps per epoch, the last one short
    # momentum, not Adam: Adam turns the pre-norm biases' zero gradients (rounding noise) into lr-sized steps
    kw = dict(optimizer="momentum", lr=0.05, epochs=2, batch_size=13, clip_norm=1.0, l2=1e-3, verbose=False, seed=3)
    model = dk.MLP([2, 6, 2], activation="relu", dtype=dtype, seed=0, batch_norm=True, dropout=0.2)
    hist = dk.fit(model, X, y, **kw)
    dk.set_backend("numpy")
    ref = dk.MLP([2, 6, 2], activation="relu", dtype=dtype, seed=0, batch_norm=True, dropout=0.2)
    ref_hist = dk.fit(ref, X, y, **kw)
    np.testing.assert_allclose(model.theta, ref.theta, rtol=tol, atol=tol)
    np.testing.assert_allclose(model.buffers, ref.buffers, rtol=tol, atol=tol)
    np.testing.assert_allclose(hist.step_loss, ref_hist.step_loss, rtol=tol)
    assert hist.iterations == ref_hist.iterations == [2, 4]


def test_deeper_odd_net_matches_the_numpy_reference(on_cuda, cuda_path):
    """Widths and batches that are multiples of nothing (the fused path computes 4 rows a thread and must drop
    the rows past the batch and the columns past the width), three layers so every backward product runs."""
    X, y = dk.data.spirals(n_samples=25, seed=1)                 # batches of 11, 11 and 3
    X = np.hstack([X, X[:, :1] ** 2])                            # 3 input features
    kw = dict(optimizer="sgd", lr=0.1, epochs=2, batch_size=11, l1=1e-3, verbose=False, seed=2)
    model = dk.MLP([3, 5, 7, 2], activation="tanh", dtype="float64", seed=0)
    hist = dk.fit(model, X, y, **kw)
    dk.set_backend("numpy")
    ref = dk.MLP([3, 5, 7, 2], activation="tanh", dtype="float64", seed=0)
    ref_hist = dk.fit(ref, X, y, **kw)
    np.testing.assert_allclose(model.theta, ref.theta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hist.step_loss, ref_hist.step_loss, rtol=1e-10)


def test_divergence_is_detected_on_the_device(on_cuda, cuda_path):
    X, y = dk.data.regression_1d("linear", n_samples=8, seed=0)
    model = dk.MLP([1, 4, 1], activation="relu", seed=0)
    with pytest.warns(dk.training.DivergenceWarning):
        hist = dk.fit(model, X * 1e4, y * 1e4, loss="mse", optimizer="sgd", lr=1e3, epochs=4, batch_size=4,
                      verbose=False)
    assert hist.diverged and np.all(np.isfinite(hist.step_loss))


def test_reference_report_compares_with_torch(on_cuda, rng):
    model = dk.MLP([3, 4, 2], activation="gelu", dtype="float64", seed=0)
    report = dk.reference.compare(model, rng.normal(size=(5, 3)), rng.integers(0, 2, 5))
    assert report.ok(1e-10) and [r[0] for r in report.rows][:3] == ["outputs", "loss", "W1"]
    assert "max abs" in str(report)


def test_module_09_reference_kernels_through_the_workbench(rng):
    from dlkit import gpu
    from tests.kernels import gpu_reference_kernels as ref

    x = rng.normal(size=(5, 7)).astype(np.float32)
    np.testing.assert_array_equal(gpu.launch_elementwise(ref.relu_kernel, x, threads=8), np.maximum(x, 0))
    np.testing.assert_allclose(gpu.launch_row_reduction(ref.row_max_kernel, x, threads=4), x.max(axis=1))
    np.testing.assert_allclose(gpu.launch_row_reduction(ref.row_sum_kernel, x), x.sum(axis=1), rtol=1e-6)
    A, B = rng.normal(size=(6, 9)).astype(np.float32), rng.normal(size=(9, 5)).astype(np.float32)
    np.testing.assert_allclose(gpu.launch_matmul(ref.tiled_matmul_kernel, A, B, tile=ref.TILE), A @ B,
                               rtol=1e-5, atol=1e-5)
    assert gpu.time_call(lambda: None, repeat=2) >= 0


def test_without_a_gpu_the_error_is_one_clear_line():
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    code = ("import dlkit as dk\ntry:\n    dk.set_backend('cuda')\n    print('OK')\n"
            "except RuntimeError as e:\n    print('ERR', e)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    if cuda_status() == "gpu" or out.startswith("OK"):
        pytest.skip("a GPU is present")
    assert out.count("\n") == 1 and "no CUDA GPU was found" in out and "NUMBA_ENABLE_CUDASIM=1" in out


# ---- real hardware only -------------------------------------------------------------------------------------

@pytest.mark.gpu
@pytest.mark.parametrize("act", activations.NAMES)
def test_gpu_gradients_match_torch_cuda(on_cuda, act, rng):
    model = dk.MLP([20, 64, 33, 10], activation=act, seed=0, batch_norm=True)
    X, y = rng.normal(size=(100, 20)).astype(np.float32), rng.integers(0, 10, 100)
    assert dk.reference.compare(model, X, y, device="cuda").ok(1e-4)


@pytest.mark.gpu
def test_gpu_fit_matches_the_cpu_backend(on_cuda):
    X, y = dk.data.digits()
    model = dk.MLP([64, 128, 64, 10], activation="relu", seed=0)
    hist = dk.fit(model, X / 16, y, optimizer="adam", lr=1e-3, epochs=3, batch_size=64, verbose=False)
    dk.set_backend("cpu")
    ref = dk.MLP([64, 128, 64, 10], activation="relu", seed=0)
    ref_hist = dk.fit(ref, X / 16, y, optimizer="adam", lr=1e-3, epochs=3, batch_size=64, verbose=False)
    np.testing.assert_allclose(hist.train_loss, ref_hist.train_loss, rtol=1e-4)
    np.testing.assert_allclose(model.theta, ref.theta, rtol=1e-3, atol=1e-4)


@pytest.mark.gpu
@pytest.mark.parametrize("n", [256, 1000, 1024, 2048])          # plain tiled, 64 x 64 and 128 x 128 blocking
def test_gpu_tiled_matmul_against_torch(n, rng):
    import torch

    A, B = rng.normal(size=(n, n)).astype(np.float32), rng.normal(size=(n, n)).astype(np.float32)
    C = cuda.device_array((n, n), np.float32)
    K.matmul(cuda.to_device(A), cuda.to_device(B), C)
    expected = (torch.tensor(A, device="cuda") @ torch.tensor(B, device="cuda")).cpu().numpy()
    np.testing.assert_allclose(C.copy_to_host(), expected, rtol=1e-3, atol=1e-3)


@pytest.mark.gpu
@pytest.mark.parametrize("blocking", [(128, 128, 8, 8, 8), (64, 64, 16, 4, 4)])
@pytest.mark.parametrize("trans_a,trans_b", [(False, False), (True, False), (False, True)])
def test_gpu_register_blocked_kernels_against_torch(blocking, trans_a, trans_b, rng):
    """The GPU configurations at odd sizes, every transpose training uses, each kernel launched directly (so
    both run whatever size matmul() would pick) with a grid smaller than the tile count (grid-stride)."""
    import torch

    m, k, n = 1000, 777, 1029
    A = rng.normal(size=(k, m) if trans_a else (m, k)).astype(np.float32)
    B = rng.normal(size=(n, k) if trans_b else (k, n)).astype(np.float32)
    C = cuda.device_array((m, n), np.float32)
    bm, bn, bk, tm, tn = blocking
    K.blocked_matmul_kernel("<f4", trans_a, trans_b, *blocking)[40, (bm // tm) * (bn // tn)](
        cuda.to_device(A), cuda.to_device(B), C)
    At, Bt = torch.tensor(A, device="cuda"), torch.tensor(B, device="cuda")
    expected = ((At.T if trans_a else At) @ (Bt.T if trans_b else Bt)).cpu().numpy()
    np.testing.assert_allclose(C.copy_to_host(), expected, rtol=1e-3, atol=1e-3)


@pytest.mark.gpu
@pytest.mark.parametrize("loss", losses.NAMES)
def test_gpu_every_loss_matches_torch_cuda(on_cuda, loss, rng):
    classify = loss in losses.CLASSIFICATION
    c = 1 if loss == "binary_cross_entropy" else (10 if classify else 3)
    model = dk.MLP([20, 48, c], activation="tanh", seed=0)
    X = rng.normal(size=(300, 20)).astype(np.float32)
    y = rng.integers(0, max(c, 2), 300) if classify else rng.normal(size=(300, c)).astype(np.float32)
    assert dk.reference.compare(model, X, y, loss=loss, l2=1e-3, device="cuda").ok(1e-4)


@pytest.mark.gpu
def test_gpu_module_09_reference_kernels_at_real_sizes(rng):
    from dlkit import gpu
    from tests.kernels import gpu_reference_kernels as ref

    x = rng.normal(size=(1000, 777)).astype(np.float32)
    np.testing.assert_array_equal(gpu.launch_elementwise(ref.relu_kernel, x, threads=256), np.maximum(x, 0))
    np.testing.assert_allclose(gpu.launch_row_reduction(ref.row_max_kernel, x, threads=128), x.max(axis=1))
    np.testing.assert_allclose(gpu.launch_row_reduction(ref.row_sum_kernel, x, threads=128), x.sum(axis=1),
                               rtol=1e-4, atol=1e-3)
    A, B = rng.normal(size=(300, 257)).astype(np.float32), rng.normal(size=(257, 129)).astype(np.float32)
    np.testing.assert_allclose(gpu.launch_matmul(ref.tiled_matmul_kernel, A, B, tile=ref.TILE), A @ B,
                               rtol=1e-4, atol=1e-3)


def test_frozen_layers_on_the_device(on_cuda, cuda_path):
    X, y = dk.data.spirals(n_samples=16, seed=0)
    kw = dict(optimizer="adamw", lr=0.05, epochs=1, batch_size=8, clip_norm=0.5, freeze=[1], verbose=False)
    model = dk.MLP([2, 4, 2], activation="tanh", dtype="float64", seed=0)
    W1 = model.params["W1"].copy()
    dk.fit(model, X, y, **kw)
    np.testing.assert_array_equal(model.params["W1"], W1)
    dk.set_backend("numpy")
    ref = dk.MLP([2, 4, 2], activation="tanh", dtype="float64", seed=0)
    dk.fit(ref, X, y, **kw)
    np.testing.assert_allclose(model.theta, ref.theta, rtol=1e-10)


def test_step_sweep_times_every_backend_that_can_run_and_finds_the_crossover():
    from dlkit import gpu, plots

    sweep = gpu.step_sweep([8, 32], batch_size=16, backends=("numpy", "cpu", "cuda", "torch"), repeat=1)
    assert sweep["width"] == [8, 32] and sweep["batch_size"] == 16
    for name in ("numpy", "cpu", "torch"):
        assert len(sweep[name]) == 2 and all(s > 0 for s in sweep[name])
    if cuda_status() != "gpu":
        assert sweep["cuda"] == [None, None] and sweep["torch_cuda"] == [None, None]
        assert gpu.crossover(sweep) is None                      # unmeasured, never invented
    made_up = {"width": [16, 64, 256], "cuda": [3.0, 2.0, 1.0], "cpu": [1.0, 2.5, 9.0]}
    assert gpu.crossover(made_up) == 64
    assert gpu.crossover({**made_up, "cuda": [3.0, 2.0, 10.0]}) is None   # must stay ahead once it wins
    fig = plots.new_figure(6, 3)
    ax = plots.step_times(fig.subplots(), sweep)
    assert len(ax.lines) == 3 and plots.to_png(fig)


def test_resume_on_the_device_is_the_longer_run(on_cuda, cuda_path):
    X, y = dk.data.spirals(n_samples=21, seed=0)
    kw = {"optimizer": "adam", "lr": 0.05, "batch_size": 13, "verbose": False, "seed": 3}
    whole = dk.MLP([2, 5, 2], activation="tanh", dtype="float64", dropout=0.2, seed=0)
    parts = dk.MLP([2, 5, 2], activation="tanh", dtype="float64", dropout=0.2, seed=0)
    dk.fit(whole, X, y, epochs=3, **kw)
    hist = dk.fit(parts, X, y, epochs=2, **kw)
    dk.fit(parts, X, y, epochs=1, resume=hist, **kw)
    np.testing.assert_allclose(parts.theta, whole.theta, rtol=1e-12, atol=1e-14)
    assert hist.iterations == [2, 4, 6]


def test_dlkit_silences_numbas_small_grid_warning_only_inside_its_own_launches():
    """On a GPU, Numba warns about every small grid; dlkit's one-block epochs are small on purpose. The warning
    is off inside dlkit's entry points and back on for the user's kernels (checked with the real numba.cuda)."""
    code = ("import os; os.environ.pop('NUMBA_ENABLE_CUDASIM', None)\n"
            "from dlkit.kernels import cuda as K\n"
            "config = K.numba_config()\n"
            "assert not K.SIMULATOR\n"
            "with K.quiet_small_grids():\n"
            "    inside = config.CUDA_LOW_OCCUPANCY_WARNINGS\n"
            "print(inside, config.CUDA_LOW_OCCUPANCY_WARNINGS)\n")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["0", "1"]


def test_the_first_gpu_training_says_it_is_compiling(monkeypatch, capsys):
    """On a GPU the first fit of a process JIT-compiles the kernels (seconds): the student is told, once."""
    from dlkit.kernels import host

    class SlowCompile:                       # a timer that fires at once: the call always "takes over a second"
        def __init__(self, seconds, notice):
            self.notice = notice

        def start(self):
            self.notice()

        def cancel(self):
            pass

    monkeypatch.setattr(K, "SIMULATOR", False)
    monkeypatch.setattr(K, "_COMPILED", [])
    monkeypatch.setattr(host.threading, "Timer", SlowCompile)
    monkeypatch.setattr(K.CudaRun, "_train_steps", lambda self, order, record: 3)
    run = K.CudaRun.__new__(K.CudaRun)
    assert run.train_steps(None, None) == 3 and run.train_steps(None, None) == 3
    assert capsys.readouterr().out.count("compiling dlkit's CUDA kernels for this GPU") == 1
