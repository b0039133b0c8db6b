"""Which implementation runs the kernels: ``numpy`` (the readable reference), ``cpu`` (Numba) or ``cuda``.

One dispatch for every kernel: :func:`kernels` returns the module of the active backend, and every backend
module has the same functions with the same signatures (the contract in :mod:`dlkit.kernels`).

    with dk.using_backend("numpy"):      # for a block of code; the previous backend comes back afterwards
        model.fit(...)

This is also the engine's door to what the labs need from the kernels' host side: ``single_threaded_blas()``,
so nothing above the engine reaches into :mod:`dlkit.kernels`.
"""
from __future__ import annotations

import contextlib
import importlib

from .kernels import BACKEND_MODULES
from .kernels.host import single_threaded_blas
from .validation import check_choice

__all__ = ["BACKENDS", "set_backend", "get_backend", "using_backend", "kernels", "cuda_status",
           "single_threaded_blas"]

BACKENDS = ("numpy", "cpu", "cuda")
_active = "cpu"


def set_backend(name: str) -> None:
    """Choose the backend for everything that follows: "numpy", "cpu" (default) or "cuda". Module 09."""
    global _active
    name = check_choice("backend", name, BACKENDS)
    if name == "cuda":
        cuda_status(raise_if_missing=True)
    _active = name


def get_backend() -> str:
    """The active backend's name."""
    return _active


@contextlib.contextmanager
def using_backend(name: str):
    """``with using_backend("numpy"):`` runs its block on that backend, then restores the one before (also
    when the block raises)."""
    global _active
    previous = _active
    set_backend(name)
    try:
        yield _active
    finally:
        _active = previous


def kernels(name: str | None = None):
    """The kernel module of the active backend (or of ``name``)."""
    name = _active if name is None else check_choice("backend", name, BACKENDS)
    if name == "cuda":
        cuda_status(raise_if_missing=True)
    return importlib.import_module(BACKEND_MODULES[name])


def cuda_status(raise_if_missing: bool = False) -> str:
    """"gpu", "simulator" or "missing" — and, if asked, one clear error line when CUDA cannot run at all."""
    import os

    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        return "simulator"
    try:
        from numba import cuda

        found = cuda.is_available()
    except Exception:  # a missing driver or toolkit must never break dlkit itself
        found = False
    if found:
        return "gpu"
    if raise_if_missing:
        raise RuntimeError('no CUDA GPU was found: use dk.set_backend("cpu"), or set NUMBA_ENABLE_CUDASIM=1 '
                           "before importing dlkit to run the CUDA kernels in Numba's simulator (slowly)")
    return "missing"
