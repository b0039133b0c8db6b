"""The three implementations of every kernel, with the same names and signatures:

* ``numpy_ref`` — readable numpy, the oracle the others are tested against;
* ``cpu``       — Numba ``@njit(cache=True)``, fused training steps;
* ``cuda``      — Numba CUDA kernels launched from the host.

``dlkit.backend.kernels()`` returns the module for the active backend. Each module provides:

``forward(layout, theta, buffers, hyper, X) -> out (N, C)``
    evaluation-mode forward pass (batch norm with running statistics, no dropout);
``forward_backward(layout, theta, grad, buffers, hyper, iconf, X, T) -> loss``
    training-mode forward and backward on one batch: fills ``grad (P,)`` with d(loss + penalty)/d(theta),
    returns the batch-mean data loss;
``train_steps(layout, theta, grad, state, buffers, hyper, iconf, X, T, order, record) -> steps``
    the mini-batch loop over ``order`` (a permutation of row indices): forward, loss, backward, clip, update;
    writes each step's mini-batch loss and accuracy into ``record (steps, 2)`` and stops early at the first
    non-finite loss.
"""
