"""Which implementation runs the kernels: ``numpy`` (the readable reference), ``cpu`` (Numba) or ``cuda``.

One dispatch for every kernel: :func:`kernels` returns the module of the active backend, and every backend
module has the same functions with the same signatures (see :mod:`dlkit.kernels`).
"""
from __future__ import annotations

import importlib

from .validation import check_choice

BACKENDS = ("numpy", "cpu", "cuda")
_MODULES = {"numpy": "dlkit.kernels.numpy_ref", "cpu": "dlkit.kernels.cpu", "cuda": "dlkit.kernels.cuda"}
_active = "cpu"


def set_backend(name: str) -> None:
    """Choose the backend for everything that follows: "numpy", "cpu" (default) or "cuda"."""
    global _active
    name = check_choice("backend", name, BACKENDS)
    if name == "cuda":
        cuda_status(raise_if_missing=True)
    _active = name


def get_backend() -> str:
    """The active backend's name."""
    return _active


def kernels(name: str | None = None):
    """The kernel module of the active backend (or of ``name``)."""
    name = _active if name is None else check_choice("backend", name, BACKENDS)
    if name == "cuda":
        cuda_status(raise_if_missing=True)
    return importlib.import_module(_MODULES[name])


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
