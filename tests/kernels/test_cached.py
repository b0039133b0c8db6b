"""dlkit.kernels.cpu.cached: a cpu kernel's on-disk cache entry is named after every source it is compiled from."""
import inspect
import shutil
from pathlib import Path

from numba.core.registry import CPUDispatcher

from dlkit.kernels.compile import SCALAR_CODE
from dlkit.kernels.cpu import cached, elementwise, products, steps


def _digested_files(root=cached.DLKIT):
    files = set()
    for name in cached.SOURCES:
        path = Path(root) / name
        files.update(path.glob("*.py") if path.is_dir() else [path])
    return {f.resolve() for f in files}


def test_every_module_the_cpu_kernels_compile_code_from_is_in_the_digest():
    used = {Path(inspect.getsourcefile(getattr(f, "py_func", f))).resolve() for f in SCALAR_CODE}
    used |= {Path(inspect.getsourcefile(m)).resolve() for m in (steps, products, elementwise, cached)}
    used.add((cached.DLKIT / "packing.py").resolve())                 # the layout's and the slots' numbers
    assert used <= _digested_files()


def test_a_change_to_any_source_gives_another_tag(tmp_path):
    for name in cached.SOURCES:
        source = cached.DLKIT / name
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    assert cached.sources_digest(tmp_path) == cached.TAG
    activations = tmp_path / "activations.py"
    activations.write_text(activations.read_text().replace("t = em / (em + 2.0)", "t = 0.5 * em / (em + 2.0)"))
    assert cached.sources_digest(tmp_path) != cached.TAG


def test_every_cached_cpu_kernel_is_named_after_the_tag():
    kernels = [value for module in (steps, products, elementwise) for value in vars(module).values()
               if isinstance(value, CPUDispatcher) and type(value._cache).__name__ != "NullCache"]
    assert len(kernels) >= 20
    for k in kernels:
        assert cached.TAG in k.py_func.__qualname__, k.py_func.__qualname__


def test_pruning_removes_only_cache_files_of_other_sources(tmp_path):
    keep = [f"steps.train_steps_{cached.TAG}-279.py311.nbi", f"steps.train_steps_{cached.TAG}-279.py311.1.nbc",
            "steps.cpython-311.pyc", "notes.txt"]
    stale = ["steps.train_steps_0123456789-279.py311.nbi", "steps.train_steps_0123456789-279.py311.1.nbc",
             "steps.workspace-41.py311.nbi"]                           # before the digest: no tag at all
    for name in keep + stale:
        (tmp_path / name).write_bytes(b"x")
    assert cached.prune_stale(tmp_path) == len(stale)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)
