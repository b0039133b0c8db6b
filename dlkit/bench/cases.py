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
from dlkit.kernels.cpu import blas_threads_for
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
WIDE_STEPS = 4                       # mini-batches per epoch of the wide nets' random data
TORCH_THREADS = (1, 2)               # torch is timed with each; the faster counts
ROUNDS = 4                           # each side is timed this often per row, in turn; the best round counts
MAX_CHUNK_EPOCHS = 64                # epochs in one timed chunk at most
SETTLE_S = 0.2                       # pause before each chunk: OpenBLAS's idle threads spin ~0.1 s before sleeping
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
    """The most BLAS threads dlkit's cpu backend gives one of this net's products with both cores free
    (dlkit.kernels.cpu.products); how many it gave in a run is the row's ``dlkit_blas_threads``."""
    sizes, batch = case["sizes"], case["batch_size"]
    return max(blas_threads(batch * d * h) for d, h in zip(sizes[:-1], sizes[1:]))


def dlkit_chunk(case, backend):
    """A timer for ``dk.fit`` on ``backend`` (default recording), compiled and warmed up: ``chunk(epochs)`` fits
    that many more epochs and returns {"wall": s, "cpu": the calling thread's CPU s, "steps": n, "threads": the
    BLAS threads the cpu backend allowed the net at the start}."""
    X, y = data(case)
    with dk.using_backend(backend):
        model = dk.MLP(case["sizes"], activation=case["activation"], seed=0)

    def chunk(epochs):
        threads = blas_threads_for(model.layout, case["batch_size"]) if backend == "cpu" else None
        with dk.using_backend(backend):
            wall, cpu = time.perf_counter(), time.thread_time()
            hist = dk.fit(model, X, y, optimizer=case["optimizer"], lr=LR, epochs=epochs,
                          batch_size=case["batch_size"], verbose=False)
            wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        return {"wall": wall, "cpu": cpu, "steps": hist.iterations[-1], "threads": threads}

    chunk(1)                                                   # the first, compiling fit is not timed
    return chunk


def torch_chunk(case, device="cpu", threads=None):
    """A timer for the textbook eager loop (zero_grad, forward, loss, backward, step, keeping each step's loss
    as fit records it) with the row's optimizer, warmed up: ``chunk(epochs)`` runs that many more epochs with
    ``threads`` intra-op threads (torch's own count where None) and returns {"wall", "cpu", "steps"}."""
    import torch

    X, y = data(case)
    net = dk.MLP(case["sizes"], activation=case["activation"], seed=0).to_torch(device)
    Xt, yt = torch.tensor(X, dtype=torch.float32, device=device), torch.tensor(y, device=device)
    opt = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}[case["optimizer"]](net.parameters(), lr=LR)
    loss_fn, batch, seen = torch.nn.CrossEntropyLoss(), case["batch_size"], [0]

    def epoch():
        order = torch.as_tensor(dk.data.shuffled_indices(len(X), 0, seen[0]), device=device)
        seen[0] += 1
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

    def chunk(epochs):
        before = torch.get_num_threads()
        torch.set_num_threads(threads or before)
        try:
            wall, cpu = time.perf_counter(), time.thread_time()
            steps = sum(epoch() for _ in range(epochs))
            if device != "cpu":
                torch.cuda.synchronize()
            return {"wall": time.perf_counter() - wall, "cpu": time.thread_time() - cpu, "steps": steps}
        finally:
            torch.set_num_threads(before)

    chunk(1)
    return chunk


def interleaved(chunks, budget, rounds=ROUNDS):
    """Time several timers (:func:`dlkit_chunk`, :func:`torch_chunk`) in turn, round after round, the order
    rotated each round, so that each meets the same moments of the machine's other work; each chunk is sized to
    about budget / (rounds * len(chunks)) seconds (one epoch at least). Between chunks the timer waits SETTLE_S,
    so that the helper threads one side leaves spinning (OpenBLAS's, OpenMP's) are asleep before the next starts.
    Returns {name: {"us": the best round's µs per step, "cpu_us": the calling thread's CPU µs per step in that
    round, "threads": what it reported}}."""
    share = budget / (rounds * len(chunks))
    epochs = {name: _epochs_for(chunk, share) for name, chunk in chunks.items()}
    best, names = {}, list(chunks)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            time.sleep(SETTLE_S)
            got = chunks[name](epochs[name])
            us = 1e6 * got["wall"] / got["steps"]
            if name not in best or us < best[name]["us"]:
                best[name] = {"us": us, "cpu_us": 1e6 * got["cpu"] / got["steps"], "threads": got.get("threads")}
    return best


def _epochs_for(chunk, seconds):
    """Epochs for one chunk of about ``seconds`` (from one timed epoch), 1 to MAX_CHUNK_EPOCHS."""
    one = chunk(1)["wall"]
    return int(min(MAX_CHUNK_EPOCHS, max(1, round(seconds / max(one, 1e-9)))))


def time_dlkit(case, backend, budget):
    """µs per step of dk.fit on ``backend``, the best of ROUNDS chunks."""
    return interleaved({backend: dlkit_chunk(case, backend)}, budget)[backend]["us"]


def time_torch(case, budget, device="cpu", threads=None):
    """µs per step of the eager loop on ``device`` with ``threads`` threads, the best of ROUNDS chunks."""
    return interleaved({"torch": torch_chunk(case, device, threads)}, budget)["torch"]["us"]


def time_row(case, budget, backends, rounds=ROUNDS):
    """One row's timings, interleaved: dlkit on each of ``backends`` and torch with each of TORCH_THREADS.
    Returns {"dlkit_<backend>_us", "torch_cpu_<n>t_us", "torch_cpu_us" (the faster), "torch_threads" (which n),
    "dlkit_blas_threads" (what the cpu backend allowed in its best round), "cpu_time": {each: CPU µs per
    step}, "speedup_cpu_time_1t": torch's CPU time per step on one thread over dlkit cpu's, where dlkit's best
    round ran on one thread}."""
    chunks = {f"dlkit_{b}": dlkit_chunk(case, b) for b in backends}
    chunks.update({f"torch_cpu_{n}t": torch_chunk(case, threads=n) for n in TORCH_THREADS})
    best = interleaved(chunks, budget * len(chunks), rounds)
    row = {f"{name}_us": b["us"] for name, b in best.items()}
    winner = min(TORCH_THREADS, key=lambda n: best[f"torch_cpu_{n}t"]["us"])
    row.update(torch_cpu_us=best[f"torch_cpu_{winner}t"]["us"], torch_threads=winner,
               cpu_time={name: b["cpu_us"] for name, b in best.items()})
    if "dlkit_cpu" in best:
        row["dlkit_blas_threads"] = best["dlkit_cpu"]["threads"]
        if best["dlkit_cpu"]["threads"] == 1:          # the thread's CPU time is the whole step's on one thread
            row["speedup_cpu_time_1t"] = best["torch_cpu_1t"]["cpu_us"] / best["dlkit_cpu"]["cpu_us"]
    return row


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
