"""Shared fixtures: every backend that can run here, and float64 precision for gradient checks."""
import numpy as np
import pytest

import dlkit as dk
from dlkit.backend import cuda_status

HOST_BACKENDS = ["numpy", "cpu"]
BACKENDS = HOST_BACKENDS + (["cuda"] if cuda_status() != "missing" else [])


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
