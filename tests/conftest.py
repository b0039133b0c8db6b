"""Shared fixtures: every backend that can run here.

Without a GPU, the CUDA kernels run in Numba's simulator (set before numba.cuda is first imported); the
simulator is slow, so only tests/test_cuda.py uses it, at small sizes. With a GPU, "cuda" joins every
backend-parametrised test.
"""
import glob
import os

if not glob.glob("/dev/nvidia[0-9]*"):
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dlkit as dk  # noqa: E402
from dlkit.backend import cuda_status  # noqa: E402

HOST_BACKENDS = ["numpy", "cpu"]
BACKENDS = HOST_BACKENDS + (["cuda"] if cuda_status() == "gpu" else [])


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Run the test once per backend, restoring the default afterwards."""
    previous = dk.get_backend()
    dk.set_backend(request.param)
    yield request.param
    dk.set_backend(previous)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def pytest_collection_modifyitems(config, items):
    """Tests marked gpu run only where a real CUDA GPU is present."""
    if cuda_status() != "gpu":
        skip = pytest.mark.skip(reason="needs a real CUDA GPU (none found; the simulator covers correctness)")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)
