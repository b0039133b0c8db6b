"""Every backend offers the kernels of the contract written once in ``dlkit.kernels``: the same names, the same
parameters in the same order, and a run object with the methods ``fit`` calls. The cuda backend is checked in
Numba's simulator where there is no GPU (tests/conftest.py switches it on)."""
import inspect

import numpy as np
import pytest

import dlkit as dk
from dlkit import kernels
from dlkit.backend import BACKENDS, cuda_status

AVAILABLE = [name for name in BACKENDS if name != "cuda" or cuda_status() != "missing"]


def _parameters(function):
    """Parameter names of a plain, njit-compiled or wrapped function."""
    return tuple(inspect.signature(getattr(function, "py_func", function)).parameters)


@pytest.mark.parametrize("backend", AVAILABLE)
def test_every_backend_offers_the_contract(backend):
    module = dk.backend.kernels(backend)
    assert module.__name__ == kernels.BACKEND_MODULES[backend]
    for name, parameters in kernels.CONTRACT.items():
        assert hasattr(module, name), f"{module.__name__} has no {name}"
        assert _parameters(getattr(module, name)) == parameters, f"{module.__name__}.{name}"


@pytest.mark.parametrize("backend", AVAILABLE)
def test_every_backend_runs_fit_through_the_same_run_methods(backend):
    model = dk.MLP([2, 3, 2], seed=0)
    X, T = np.zeros((4, 2), model.dtype), np.zeros((4, 1), model.dtype)
    iconf = dk.packing.empty_iconf()
    iconf[dk.packing.BATCH] = 2
    run = dk.backend.kernels(backend).Run(model, X, T, np.zeros((2, model.n_params), model.dtype),
                                          model.hyper(), iconf)
    for method in kernels.RUN_METHODS:
        assert callable(getattr(run, method)), f"{backend} run has no {method}()"
    assert run.iconf is iconf


def test_the_contract_names_the_three_backends():
    assert set(kernels.BACKEND_MODULES) == set(BACKENDS)
