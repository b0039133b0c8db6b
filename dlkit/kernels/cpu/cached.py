"""The cpu backend's on-disk kernel cache, named after the code the kernels are compiled from.

Numba's cache (``cache=True``) keeps a kernel's machine code in ``__pycache__`` and reuses it for as long as the
kernel's *own file* is unchanged. But a cpu kernel carries compiled copies of everything it calls: the textbook's
scalar maths (``activations``, ``losses``, ``optimizers``, ``rng``, ``layers``), the packing constants, the
elementwise loops and the products. Edit one of those (a fix, a new activation, the next version of dlkit) and
Numba went on loading the old machine code: with tanh's formula changed in ``activations.py``, ``fit`` gave
exactly the old losses. So every cpu kernel is compiled with :func:`kernel`, which names its cache entry after a
digest of all those sources (:data:`SOURCES`): a change anywhere in them compiles afresh (once), an unchanged
tree loads from the cache as before. The entries of earlier sources are never loaded again; :func:`prune_stale`
(run by ``make warm``) removes them, ~10 MB per version.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from numba import njit

DLKIT = Path(__file__).resolve().parents[2]          # the package folder
SOURCES = ("activations.py", "losses.py", "optimizers.py", "rng.py", "layers.py", "packing.py", "data/batches.py",
           "kernels/compile.py", "kernels/cpu")      # files, or folders of .py files, relative to DLKIT
DIGEST_CHARS = 10
OPTIONS = {"cache": True, "error_model": "numpy"}
CACHE_FILE = re.compile(r"\.nb[ic]$")                # Numba's index and data files


def sources_digest(root=DLKIT, sources=SOURCES):
    """A short digest of the sources' bytes (each folder's .py files in name order)."""
    digest = hashlib.sha256()
    for name in sources:
        path = Path(root) / name
        for file in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:DIGEST_CHARS]


TAG = sources_digest()


def kernel(fn=None, **options):
    """``numba.njit(cache=True, error_model="numpy", **options)``, its cache entry named after :data:`TAG`
    (Numba names the entry after the function's qualified name). ``@kernel`` or ``@kernel(parallel=True)``."""
    def compile_one(f):
        f.__qualname__ = f"{f.__qualname__}_{TAG}"
        return njit(**{**OPTIONS, **options})(f)

    return compile_one if fn is None else compile_one(fn)


def prune_stale(folder=Path(__file__).parent / "__pycache__", tag=None):
    """Remove the cpu kernels' cache files in ``folder`` that belong to other sources (a name without this
    tree's digest); returns how many. Best effort: a folder that cannot be written (a shared install) is left."""
    tag = tag or TAG
    removed = 0
    for file in Path(folder).glob("*.nb?"):
        if CACHE_FILE.search(file.name) and tag not in file.name:
            try:
                file.unlink()
                removed += 1
            except OSError:
                pass
    return removed
