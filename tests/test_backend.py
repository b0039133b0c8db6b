"""dlkit.backend: one dispatch, the using_backend context, and the host helpers the labs get from it."""
import pytest

import dlkit as dk
from dlkit import backend


def test_using_backend_restores_the_previous_one_even_after_an_error():
    previous = dk.get_backend()
    with dk.using_backend("numpy") as name:
        assert name == "numpy" == dk.get_backend()
    assert dk.get_backend() == previous
    with pytest.raises(RuntimeError, match="inside"):
        with dk.using_backend("numpy"):
            raise RuntimeError("inside")
    assert dk.get_backend() == previous
    with pytest.raises(ValueError, match="unknown backend"):
        with dk.using_backend("tpu"):
            pass
    assert dk.get_backend() == previous


def test_the_labs_get_one_blas_thread_from_the_engine():
    with backend.single_threaded_blas():
        model = dk.MLP([2, 4, 2], seed=0)
        X, y = dk.data.xor(n_samples=16, seed=0)
        assert dk.fit(model, X, y, epochs=1, batch_size=8, verbose=False).epochs == 1


def test_kernels_follow_the_backend():
    with dk.using_backend("numpy"):
        assert backend.kernels().__name__ == "dlkit.kernels.numpy_ref"
    assert backend.kernels("cpu").__name__ == "dlkit.kernels.cpu"
