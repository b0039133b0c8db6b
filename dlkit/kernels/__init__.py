"""The three implementations of every kernel, with the same names and signatures:

* ``numpy_ref`` — readable numpy, the oracle the others are tested against;
* ``cpu``       — Numba ``@njit(cache=True)``, fused training steps;
* ``cuda``      — Numba CUDA kernels launched from the host (a package: device code, matrix products, the
  layered path of one launch per phase, the fused path of one block per epoch).

``dlkit.backend.kernels()`` returns the module for the active backend. The arrays are packed as
:mod:`dlkit.packing` describes. Each backend module provides (``CONTRACT`` below, checked by
tests/kernels/test_contract.py):

``forward(layout, theta, buffers, hyper, X) -> out (N, C)``
    evaluation-mode forward pass (batch norm with running statistics, no dropout);
``forward_backward(layout, theta, grad, buffers, hyper, iconf, X, T) -> loss``
    training-mode forward and backward on one batch: fills ``grad (P,)`` with d(loss + penalty)/d(theta),
    returns the batch-mean data loss;
``train_steps(layout, theta, grad, state, buffers, hyper, iconf, X, T, order, record) -> steps``
    the mini-batch loop over ``order`` (a permutation of row indices): forward, loss, backward, clip, update;
    writes each step's mini-batch loss and accuracy into ``record (steps, N_RECORD)`` and stops early at the
    first non-finite loss; ``grad`` then holds the last step's gradient where ``iconf[KEEP_GRAD]`` is 1 (the
    cpu backend may otherwise let a wide SGD layer's weights move inside its product, never storing dW);
``Run(model, X, T, state, hyper, iconf) -> run``
    a training run for ``fit``: ``run.train_steps(order, record) -> steps``, ``sync_model()`` (parameters
    home), ``load_model()`` (send them back after callbacks changed them), ``theta_host()``, ``grad_host()``,
    ``state_host()`` and the counters ``run.iconf`` (see :mod:`dlkit.kernels.host`).

The scalar maths inside the compiled kernels is the textbook's own (``activations.activate``,
``losses.row_loss``, ``optimizers.update_flat``, ...), compiled per backend by :mod:`dlkit.kernels.compile`.
"""

# kernel name -> its parameters, in order: the same on every backend
CONTRACT = {
    "forward": ("layout", "theta", "buffers", "hyper", "X"),
    "forward_backward": ("layout", "theta", "grad", "buffers", "hyper", "iconf", "X", "T"),
    "train_steps": ("layout", "theta", "grad", "state", "buffers", "hyper", "iconf", "X", "T", "order", "record"),
    "Run": ("model", "X", "T", "state", "hyper", "iconf"),
}
# what the run object Run(...) returns offers fit (besides its counters, ``run.iconf``)
RUN_METHODS = ("train_steps", "sync_model", "load_model", "theta_host", "grad_host", "state_host")
BACKEND_MODULES = {"numpy": "dlkit.kernels.numpy_ref", "cpu": "dlkit.kernels.cpu", "cuda": "dlkit.kernels.cuda"}
