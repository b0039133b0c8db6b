"""What a CUDA kernel compiles to — readable without a GPU.

A kernel's speed is decided by what the compiler made of it, and three things that are invisible in the Python
are plain in the machine code:

* **float64 sneaking in.** In Numba a bare ``0.0`` or ``1.0`` is a float64, so ``acc = 0.0; acc += a * b`` on
  float32 arrays converts every product to double precision and back. GPUs do float64 at 1/2 (data-centre) to
  1/64 (gaming cards) of the float32 rate.
* **registers spilled to local memory** (slow, off-chip) when a thread keeps too much state.
* **the instruction mix of the innermost loop**: how many of its instructions are the multiply-adds you want
  (``FFMA``) rather than index arithmetic and shared-memory loads.

:func:`inspect_kernel` compiles a ``@cuda.jit`` kernel for given argument types to PTX (Numba + NVIDIA's
libNVVM), assembles it with ``ptxas`` for a chosen GPU architecture and disassembles the result with
``nvdisasm`` — all of it on the CPU, with or without a GPU, in a fresh process (the CUDA simulator, which the
notebooks use without a GPU, has no compiler). Tools that are missing are named in the report's ``missing``.
"""
from __future__ import annotations

import collections
import dataclasses
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap

DEFAULT_CC = (9, 0)   # H100; the compiler needs a target architecture even where no GPU is present


@dataclasses.dataclass
class KernelReport:
    """The compiled kernel, summarised. Counts are None where the tool that measures them was missing."""
    name: str
    cc: tuple
    f64_instructions: int             # double-precision arithmetic and conversions in the PTX
    registers: int | None = None      # per thread (ptxas)
    spill_bytes: int | None = None    # spill stores + loads (ptxas); 0 means everything fits in registers
    stack_bytes: int | None = None    # local memory per thread (ptxas)
    shared_bytes: int | None = None   # static shared memory per block (ptxas)
    loop_instructions: int | None = None   # the innermost loop with the most multiply-adds (nvdisasm) ...
    loop_fma: int | None = None            # ... its FFMA / DFMA instructions ...
    loop_shared_loads: int | None = None   # ... and its shared-memory loads
    loops: list | None = None              # every innermost loop that computes: {SASS opcode: count}
    missing: list = dataclasses.field(default_factory=list)

    @property
    def fma_share(self):
        """Fraction of the inner loop's instructions that are multiply-adds (None if not measured)."""
        return self.loop_fma / self.loop_instructions if self.loop_instructions else None

    def __str__(self):
        lines = [f"{self.name} compiled for sm_{self.cc[0]}{self.cc[1]}:",
                 f"  float64 instructions : {self.f64_instructions}"
                 + ("   <- a float literal or float64 value in float32 code?" if self.f64_instructions else "")]
        if self.registers is not None:
            lines.append(f"  registers per thread : {self.registers}   spilled: {self.spill_bytes} bytes"
                         f"   shared memory: {self.shared_bytes} bytes per block")
        if self.loop_instructions:
            lines.append(f"  inner loop           : {self.loop_instructions} instructions, {self.loop_fma} "
                         f"multiply-adds ({100 * self.fma_share:.0f}%), {self.loop_shared_loads} shared loads")
        if self.missing:
            lines.append("  not measured (missing): " + ", ".join(self.missing))
        return "\n".join(lines)


def inspect_kernel(kernel, *example_args, signature=None, cc=None, timeout=300):
    """Compile ``kernel`` for the types of ``example_args`` (arrays — host or device — and Python numbers) or
    for ``signature`` (Numba's notation, e.g. ``"float32[:, :], float32[:, :], float32[:, :]"``) and return a
    :class:`KernelReport`. ``cc``: the GPU architecture, e.g. (8, 6); default this machine's GPU, else (9, 0).

    The kernel is rebuilt in a fresh process: a kernel made by one of dlkit's kernel factories from its recipe,
    one defined in a module by importing it, one defined in a notebook from its source (with the notebook's
    simple constants — ints, floats, strings, booleans — the Numba types and the device functions it uses)."""
    return inspect_kernels([(kernel, _signature(example_args, signature))], cc=cc, timeout=timeout)[0]


def inspect_kernels(kernels, cc=None, timeout=600):
    """Several reports from one compiler process (each compile then costs far less than starting a new
    process: docs/performance.md): ``kernels`` is a list of (kernel, signature) pairs, the signature a string or
    a tuple of example arguments."""
    jobs = [{"kernel": _recipe(kernel), "cc": list(cc) if cc else None,
             "signature": signature if isinstance(signature, str) else _signature(tuple(signature), None)}
            for kernel, signature in kernels]
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    try:
        run = subprocess.run([sys.executable, "-m", "dlkit.compiled"], input=json.dumps(jobs), capture_output=True,
                             text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"compiling took more than {timeout} s and was stopped") from None
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise RuntimeError(f"compiling {', '.join(job['kernel']['name'] for job in jobs)} failed: {last}"
                           + _HINT * ("nvrtc" in last.lower() or "nvvm" in last.lower()))
    reports = json.loads(run.stdout.strip().splitlines()[-1])
    return [KernelReport(**dict(fields, cc=tuple(fields["cc"]))) for fields in reports]


_HINT = (" — Numba needs NVIDIA's compiler libraries (libNVVM, NVRTC) to compile for a GPU, even without one: "
         "pip install 'numba-cuda[cu13]', or the CUDA toolkit")


def _signature(example_args, signature):
    if signature is not None:
        return signature
    if not example_args:
        raise ValueError("inspect_kernel needs the kernel's argument types: pass example arguments "
                         "(e.g. inspect_kernel(k, A, B, C)) or signature='float32[:, :], ...'")
    return ", ".join(_numba_type(a) for a in example_args)


# ---- the parent side: how to rebuild the kernel elsewhere ----------------------------------------------

def _numba_type(value):
    """Numba's name for the type of one kernel argument."""
    import numpy as np

    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, np.generic):
        return np.dtype(type(value)).name
    if hasattr(value, "dtype") and hasattr(value, "ndim"):                # a host or device array
        dims = [":"] * value.ndim
        if value.ndim and _c_contiguous(value):
            dims[-1] = "::1"                                               # what a launch with it compiles for
        return f"{np.dtype(value.dtype).name}[{', '.join(dims)}]"
    raise TypeError(f"cannot tell the Numba type of a {type(value).__name__}: pass signature= instead")


def _c_contiguous(array):
    flags = getattr(array, "flags", None)
    if flags is None:
        return False
    return bool(flags["C_CONTIGUOUS"] if isinstance(flags, dict) else flags.c_contiguous)


def _recipe(kernel):
    """A JSON description from which the child process can rebuild ``kernel``."""
    func = getattr(kernel, "py_func", None) or getattr(kernel, "fn", None)
    if func is None:
        raise TypeError(f"expected a @cuda.jit kernel, got a {type(kernel).__name__}")
    recipe = getattr(kernel, "recipe", None)            # set by dlkit's kernel factories
    if recipe is not None:
        return {"name": f"{recipe[1]}{tuple(recipe[2])}", "factory": recipe}
    if func.__module__ not in ("__main__", None) and "<locals>" not in func.__qualname__:
        return {"name": func.__name__, "module": func.__module__, "attr": func.__qualname__}
    constants, helpers = _notebook_parts(func, set())
    return {"name": func.__name__, "source": textwrap.dedent(inspect.getsource(func)), "constants": constants,
            "helpers": helpers}


def _notebook_parts(func, seen):
    """What a notebook kernel needs besides its own source: the simple global values it uses ({name: value},
    or "numba:<type>" for a Numba type) and the sources of the device functions it calls, callees first."""
    from numba.core import types

    constants, helpers = {}, []
    for name in func.__code__.co_names:
        value = func.__globals__.get(name)
        inner = getattr(value, "py_func", None) or (getattr(value, "fn", None)
                                                    if type(value).__name__ == "FakeCUDAKernel" else None)
        if isinstance(value, (bool, int, float, str)):
            constants[name] = value
        elif isinstance(value, types.Type):
            constants[name] = "numba:" + str(value)
        elif inner is not None and name not in seen:
            seen.add(name)
            more, deeper = _notebook_parts(inner, seen)
            constants.update(more)
            helpers += deeper + [textwrap.dedent(inspect.getsource(inner))]
    return constants, helpers


# ---- the child side: compile, assemble, disassemble ----------------------------------------------------

def _rebuild(spec):
    """The kernel's Python function, from a recipe made by :func:`_recipe`."""
    import importlib
    import math

    import numpy as np
    import numba
    from numba import cuda

    if "factory" in spec:
        module, factory, args = spec["factory"]
        return getattr(importlib.import_module(module), factory)(*args).py_func
    if "module" in spec:
        return getattr(importlib.import_module(spec["module"]), spec["attr"]).py_func
    namespace = {"cuda": cuda, "math": math, "np": np, "numba": numba}
    for name, value in spec["constants"].items():
        is_type = isinstance(value, str) and value.startswith("numba:")
        namespace[name] = getattr(numba, value[6:]) if is_type else value
    for source in spec["helpers"] + [spec["source"]]:
        exec(compile(source, f"<kernel {spec['name']}>", "exec"), namespace)
    return namespace[spec["name"]].py_func


def _compile(job):
    """Runs in the child process: the report's fields as a dict."""
    import numba
    from numba import cuda
    import numba.cuda.dispatcher as dispatcher

    cc = tuple(job["cc"]) if job["cc"] else (_gpu_cc() or DEFAULT_CC)
    # Device functions called by a kernel ask the current GPU for its architecture; without one, answer cc.
    dispatcher.get_current_device = lambda: type("Target", (), {"compute_capability": cc})()
    func = _rebuild(job["kernel"])
    signature = eval(f"({job['signature']},)", {name: getattr(numba, name) for name in dir(numba)
                                              if isinstance(getattr(numba, name), numba.core.types.Type)})
    ptx, _ = cuda.compile_ptx(func, signature, cc=cc)
    report = {"name": job["kernel"]["name"], "cc": list(cc), "f64_instructions": f64_instructions(ptx),
              "missing": []}
    with tempfile.TemporaryDirectory() as tmp:
        ptx_path, cubin = os.path.join(tmp, "kernel.ptx"), os.path.join(tmp, "kernel.cubin")
        with open(ptx_path, "w") as f:
            f.write(ptx)
        ptxas, nvdisasm = find_tool("ptxas"), find_tool("nvdisasm")
        if ptxas is None:
            report["missing"].append("ptxas (CUDA toolkit or pip install nvidia-cuda-nvcc)")
            return report
        run = subprocess.run([ptxas, "-v", f"--gpu-name=sm_{cc[0]}{cc[1]}", ptx_path, "-o", cubin],
                             capture_output=True, text=True, check=True)
        report.update(ptxas_usage(run.stderr))
        if nvdisasm is None:
            report["missing"].append("nvdisasm (pip install nvidia-cuda-nvdisasm)")
            return report
        sass = subprocess.run([nvdisasm, cubin], capture_output=True, text=True, check=True).stdout
        report.update(inner_loop(sass))
        report["loops"] = [dict(ops) for ops in innermost_loops(sass) if FLOATING & set(ops)]
    return report


def _gpu_cc():
    """This machine's GPU architecture, or None without one."""
    try:
        from numba import cuda

        return cuda.get_current_device().compute_capability if cuda.is_available() else None
    except Exception:       # no driver at all
        return None


def find_tool(name):
    """Path of a CUDA command-line tool: on PATH, under $CUDA_HOME/bin, or from NVIDIA's pip wheels."""
    candidates = [shutil.which(name), os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin", name)]
    site = sysconfig.get_paths()["purelib"]
    candidates += [os.path.join(site, "nvidia", sub, "bin", name) for sub in ("cu13", "cu12", "cuda_nvcc")]
    return next((c for c in candidates if c and os.path.isfile(c) and os.access(c, os.X_OK)), None)


# ---- reading the tools' output (pure functions, tested on their own) -----------------------------------

_F64 = re.compile(r"^\s*(?:@%p\d+\s+)?(?:add|sub|mul|fma|div|rcp|sqrt|neg|abs|min|max|setp|cvt|mov|ld|st)"
                  r"[.\w]*\.f64\b", re.M)


def f64_instructions(ptx):
    """PTX instructions that compute on or convert to/from float64 (declarations not counted)."""
    return len(_F64.findall(ptx))


def ptxas_usage(text):
    """Registers, spills, stack and shared memory from ``ptxas -v`` output."""
    def number(pattern):
        match = re.search(pattern, text)
        return int(match.group(1)) if match else 0

    return {"registers": number(r"Used (\d+) registers"), "stack_bytes": number(r"(\d+) bytes stack frame"),
            "spill_bytes": number(r"(\d+) bytes spill stores") + number(r"(\d+) bytes spill loads"),
            "shared_bytes": number(r"(\d+) bytes smem")}


FLOATING = {"FFMA", "FADD", "FMUL", "DFMA", "DADD", "DMUL", "MUFU"}    # SASS floating-point arithmetic
_SASS = re.compile(r"^\s+/\*[0-9a-f]+\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9_]*)")


def innermost_loops(sass):
    """Every innermost loop of the SASS (a backward branch with no loop inside it), as {opcode: count}."""
    lines = sass.splitlines()
    labels = {m.group(1): i for i, line in enumerate(lines) if (m := re.match(r"^\s*(\.L\w+):", line))}
    loops = [(labels[t.group(1)], i) for i, line in enumerate(lines)
             if (t := re.search(r"BRA\s+`?\(?(\.L\w+)", line)) and labels.get(t.group(1), i) < i]
    found = []
    for start, end in loops:
        if not any(start <= a and b <= end and (a, b) != (start, end) for a, b in loops):
            found.append(collections.Counter(m.group(1) for m in map(_SASS.match, lines[start:end + 1]) if m))
    return found


def inner_loop(sass):
    """The innermost loop with the most multiply-adds: its instruction count, FFMA/DFMA count and
    shared-memory loads (``loop_*`` fields; zeros if there is none)."""
    best = {"loop_instructions": 0, "loop_fma": 0, "loop_shared_loads": 0}
    for ops in innermost_loops(sass):
        fma = ops["FFMA"] + ops["DFMA"]
        if fma > best["loop_fma"]:
            best = {"loop_instructions": sum(ops.values()), "loop_fma": fma, "loop_shared_loads": ops["LDS"]}
    return best


if __name__ == "__main__":
    print(json.dumps([_compile(job) for job in json.loads(sys.stdin.read())]))
