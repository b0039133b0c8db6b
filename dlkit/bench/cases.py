"""The benchmark's networks and how each side is timed: ``dk.fit`` on a dlkit backend, and the textbook PyTorch
eager loop at its best thread count, with the same optimizer, measured in the same run.

The course's nets: (a) spirals [2, 16, 16, 2] tanh, batch 32; (b) digits [64, 128, 64, 10] relu, batch 64;
(c) digits with ten tanh layers of 64, batch 128, each with Adam and with SGD. The wide nets a student builds
in the capstone: [64, w, w, 10] relu at w = 256, 512, 1024, 2048, batch 64 and 256, on random data.
"""
from __future__ import annotations

import subprocess
import sys
import time

import numpy as np

import dlkit as dk
from dlkit.kernels.cpu.products import blas_threads

COURSE_NETS = {
    "a_spirals_tanh": dict(sizes=[2, 16, 16, 2], activation="tanh", batch_size=32, data="spirals",
                           target_speedup=20.0),
    "b_digits_relu": dict(sizes=[64, 128, 64, 10], activation="relu", batch_size=64, data="digits",
                          target_speedup=1.5),
    "c_digits_deep_tanh": dict(sizes=[64] + [64] * 10 + [10], activation="tanh", batch_size=128, data="digits",
                               target_speedup=1.0),
}
WIDTHS = (256, 512, 1024, 2048)
WIDE_BATCHES = (64, 256)
WIDE_STEPS = 16                      # mini-batches per epoch of the wide nets' random data
TORCH_THREADS = (1, 2)               # torch is timed with each; the faster counts
OPTIMIZERS = ("adam", "sgd")
LR = 1e-3


def cases(quick=False):
    """{row name: case} for every row of the table: the course nets with each optimizer, then the wide nets
    (with --quick: the course nets with Adam, and w = 256, 1024 at batch 64 with SGD)."""
    rows = {}
    for optimizer in OPTIMIZERS[:1] if quick else OPTIMIZERS:
        for name, net in COURSE_NETS.items():
            rows[f"{name}_{optimizer}"] = dict(net, optimizer=optimizer)
    for optimizer in ("sgd",) if quick else OPTIMIZERS:
        for batch in WIDE_BATCHES[:1] if quick else WIDE_BATCHES:
            for width in (WIDTHS[0], WIDTHS[2]) if quick else WIDTHS:
                rows[f"wide_{width}_batch_{batch}_{optimizer}"] = dict(
                    sizes=[64, width, width, 10], activation="relu", batch_size=batch, data="random",
                    target_speedup=1.0, optimizer=optimizer)
    return rows


def data(case):
    """(X (N, D) float32, y (N,)) for a case."""
    if case["data"] == "spirals":
        return dk.data.spirals(n_samples=1000, noise=0.1, seed=0)
    if case["data"] == "digits":
        X, y = dk.data.digits()
        return X / 16.0, y
    rng = np.random.default_rng(0)
    n = WIDE_STEPS * case["batch_size"]
    return rng.normal(size=(n, case["sizes"][0])).astype(np.float32), rng.integers(0, case["sizes"][-1], n)


def dlkit_blas_threads(case):
    """The most BLAS threads dlkit's cpu backend gives one of this net's products (dlkit.kernels.cpu.products)."""
    sizes, batch = case["sizes"], case["batch_size"]
    return max(blas_threads(batch * d * h) for d, h in zip(sizes[:-1], sizes[1:]))


def time_dlkit(case, backend, budget):
    """µs per step of dk.fit (default recording) on ``backend``; the first, compiling run is not timed."""
    X, y = data(case)
    with dk.using_backend(backend):
        model = dk.MLP(case["sizes"], activation=case["activation"], seed=0)
        fit = lambda epochs: dk.fit(model, X, y, optimizer=case["optimizer"], lr=LR,  # noqa: E731
                                    epochs=epochs, batch_size=case["batch_size"], verbose=False)
        fit(1)
        epochs, elapsed, steps = 1, 0.0, 0
        while elapsed < budget:
            start = time.perf_counter()
            hist = fit(epochs)
            elapsed += time.perf_counter() - start
            steps += hist.iterations[-1]
            epochs = min(epochs * 2, 64)
    return 1e6 * elapsed / steps


def time_torch(case, budget, device="cpu", threads=None):
    """µs per step of the textbook eager loop: zero_grad, forward, loss, backward, step, keeping each step's loss
    (as fit records it), with the row's optimizer; ``threads``: torch's intra-op thread count for the run."""
    import torch

    X, y = data(case)
    net = dk.MLP(case["sizes"], activation=case["activation"], seed=0).to_torch(device)
    Xt, yt = torch.tensor(X, dtype=torch.float32, device=device), torch.tensor(y, device=device)
    opt = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}[case["optimizer"]](net.parameters(), lr=LR)
    loss_fn, batch = torch.nn.CrossEntropyLoss(), case["batch_size"]

    def epoch(e):
        order = torch.as_tensor(dk.data.shuffled_indices(len(X), 0, e), device=device)
        losses = []
        for start in range(0, len(X), batch):
            idx = order[start:start + batch]
            opt.zero_grad()
            loss = loss_fn(net(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            losses.append(loss.detach())
        torch.stack(losses).sum().item()
        return dk.data.num_batches(len(X), batch)

    before = torch.get_num_threads()
    torch.set_num_threads(threads or before)
    try:
        epoch(0)
        elapsed, steps, e = 0.0, 0, 1
        while elapsed < budget:
            start = time.perf_counter()
            steps += epoch(e)
            if device != "cpu":
                torch.cuda.synchronize()
            elapsed += time.perf_counter() - start
            e += 1
    finally:
        torch.set_num_threads(before)
    return 1e6 * elapsed / steps


def time_torch_at_its_best(case, budget):
    """{"torch_cpu_<n>t_us": µs per step with n threads for each n, "torch_cpu_us": the faster,
    "torch_threads": which n}, the thread counts timed alternately (twice each) in this run."""
    times = {n: [] for n in TORCH_THREADS}
    for _ in range(2):
        for n in TORCH_THREADS:
            times[n].append(time_torch(case, budget / 2, threads=n))
    best = {n: min(t) for n, t in times.items()}
    winner = min(best, key=best.get)
    return {**{f"torch_cpu_{n}t_us": best[n] for n in TORCH_THREADS}, "torch_cpu_us": best[winner],
            "torch_threads": winner}


def time_import():
    """Seconds for ``import dlkit`` in a fresh interpreter (best of 3)."""
    code = "import time; t = time.perf_counter(); import dlkit; print(time.perf_counter() - t)"
    return min(last_number(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(3))


FIRST_FIT = ("import time; t = time.perf_counter(); import dlkit as dk; X, y = dk.data.spirals(n_samples=1000);"
             "m = dk.MLP([2, 16, 16, 2], activation='tanh'); dk.fit(m, X, y, epochs=5, verbose=False);"
             "print(time.perf_counter() - t)")


def time_first_fit():
    """Seconds from a new process's ``import dlkit`` to the end of its first fit (warm JIT cache)."""
    subprocess.check_output([sys.executable, "-c", FIRST_FIT], text=True)          # make sure the cache is warm
    return min(last_number(subprocess.check_output([sys.executable, "-c", FIRST_FIT], text=True))
               for _ in range(2))


def last_number(output):
    """The number a timing child printed last (it may have printed a compile notice before it)."""
    return float(output.strip().splitlines()[-1])
