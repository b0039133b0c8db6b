"""A training run whose arrays stay in host memory (the ``numpy`` and ``cpu`` backends), and the host-side
helpers every backend shares (the BLAS library's thread switch, one BLAS thread, the compile notice).

``fit`` talks to a run object, so a backend that keeps parameters elsewhere (the GPU) can supply its own with the
same methods (``RUN_METHODS`` in :mod:`dlkit.kernels`): ``train_steps(order, record)``, ``sync_model()`` (bring
parameters home), ``load_model()`` (send them back after callbacks changed them), ``theta_host()``,
``grad_host()``, ``state_host()`` and the counters ``iconf``.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import os
import threading
import time
from typing import NamedTuple


class HostRun:
    def __init__(self, kernels, model, X, T, state, hyper, iconf, compile_notice=False):
        self.k, self.model, self.X, self.T = kernels, model, X, T
        self.state, self.hyper, self.iconf = state, hyper, iconf
        self.grad = model.theta * 0
        # say so while the first call for these array types compiles (later calls and runs do not)
        self.compile_key = (kernels.__name__, model.theta.dtype.str, X.dtype.str, T.dtype.str) if compile_notice \
            else None

    def train_steps(self, order, record):
        """Run the steps over ``order``; returns how many finished (fewer at a non-finite loss)."""
        m = self.model

        def call():
            return int(self.k.train_steps(m.layout, m.theta, self.grad, self.state, m.buffers, self.hyper,
                                          self.iconf, self.X, self.T, order, record))

        if self.compile_key is None or self.compile_key in _COMPILED:
            return call()
        steps = with_compile_notice(call)
        _COMPILED.add(self.compile_key)
        return steps

    def sync_model(self):
        pass

    def load_model(self):
        pass

    def theta_host(self):
        return self.model.theta

    def grad_host(self):
        return self.grad

    def state_host(self):
        return self.state.copy()


_COMPILED = set()     # (kernels module, dtypes) whose first call in this process has returned
_BLAS = []


def single_threaded_blas():
    """A context in which BLAS uses one thread (the labs' own numpy work, and the cpu kernels where the BLAS
    thread switch cannot be found). Small products gain nothing from a second BLAS thread, and when the other
    core is busy (a widget drawing, another process) OpenBLAS's spinning threads make each small product many
    times slower (docs/performance.md)."""
    if not _BLAS:
        import scipy.linalg.cython_blas  # noqa: F401  (load the BLAS numba's np.dot calls, so it is seen)
        from threadpoolctl import ThreadpoolController

        _BLAS.append(ThreadpoolController())
    return _BLAS[0].limit(limits=1, user_api="blas")


class BlasSwitch(NamedTuple):
    """An OpenBLAS library's own thread-count functions, as ctypes functions compiled code can call."""
    set: object            # set(n): use n threads from the next call on (~2 ns)
    get: object            # get() -> n


def blas_thread_switch():
    """The :class:`BlasSwitch` of the BLAS that Numba's ``np.dot`` calls (SciPy's, through
    ``scipy.linalg.cython_blas``), or None where that is not an OpenBLAS found here (another BLAS, or no
    ``dladdr``). Looked up once per process."""
    if not _SWITCH:
        _SWITCH.append(_find_switch())
    return _SWITCH[0]


_SWITCH = []
_AFFIXES = tuple(itertools.product(("", "scipy_"), ("", "64_", "_64")))     # how OpenBLAS builds name symbols


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p), ("dli_sname", ctypes.c_char_p),
                ("dli_saddr", ctypes.c_void_p)]


def _find_switch():
    """The library holding the sgemm Numba calls (dladdr on its address), and its thread-count symbols."""
    try:
        from numba.extending import get_cython_function_address

        address = get_cython_function_address("scipy.linalg.cython_blas", "sgemm")
        dladdr = _dladdr()
        info = _DlInfo()
        if dladdr is None or not dladdr(ctypes.c_void_p(address), ctypes.byref(info)) or not info.dli_fname:
            return None
        library = ctypes.CDLL(info.dli_fname.decode())
    except (ImportError, OSError, ValueError):
        return None
    for prefix, suffix in _AFFIXES:
        setter = getattr(library, f"{prefix}openblas_set_num_threads{suffix}", None)
        getter = getattr(library, f"{prefix}openblas_get_num_threads{suffix}", None)
        if setter is not None and getter is not None:
            setter.argtypes, setter.restype = [ctypes.c_int], None
            getter.argtypes, getter.restype = [], ctypes.c_int
            return BlasSwitch(setter, getter)
    return None


def _dladdr():
    """libc's dladdr (in libdl before glibc 2.34), or None (Windows)."""
    for name in (None, ctypes.util.find_library("dl")):
        try:
            return getattr(ctypes.CDLL(name), "dladdr")
        except (OSError, AttributeError, TypeError):
            continue
    return None


_NO_SWITCH = ctypes.CFUNCTYPE(None, ctypes.c_int)(lambda threads: None)   # the same type, doing nothing


def call_with_blas_switch(kernel, *args, most_threads=1, fast=None):
    """``kernel(*args, (set_threads, most_threads, fast))``: a compiled kernel that sets the BLAS thread count
    before each of its products (dlkit.kernels.cpu.products), never above ``most_threads``; the library's own
    setting is put back afterwards. ``fast`` is the faster BLAS for the products that get two threads (its
    per-thread count is cleared afterwards) or a stand-in. Where the switch cannot be found, the kernel gets one
    that does nothing and runs with one BLAS thread, as before."""
    switch = blas_thread_switch()
    try:
        if switch is None:
            with single_threaded_blas():
                return kernel(*args, (_NO_SWITCH, 1, fast))
        before = switch.get()
        try:
            return kernel(*args, (switch.set, most_threads, fast))
        finally:
            switch.set(before)
    finally:
        if fast is not None and fast.on:
            fast.set_threads(0)                   # 0: this thread follows the library's own setting again


SPARE_CORE_WINDOW_S = 0.25     # how long a look at the other processes' CPU use lasts before it is taken again
FREE_CORES_FOR_TWO = 1.5       # two BLAS threads only while this many cores are free of other processes' work


class OtherWork:
    """How many cores other processes keep busy: the machine's busy CPU time (/proc/stat) minus this process's
    own (os.times), over the last SPARE_CORE_WINDOW_S or more; before the first window, the 1-minute load
    average. Where neither can be read (not Linux), nobody else is assumed busy."""

    def __init__(self):
        self.cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        self.sample = sample_cpu_time()
        try:
            self.busy = max(0.0, os.getloadavg()[0] - 1.0)       # the load average counts this process too
        except (OSError, AttributeError):
            self.busy = 0.0

    def cores_busy(self):
        now = sample_cpu_time()
        if now is not None and self.sample is not None and now[0] - self.sample[0] >= SPARE_CORE_WINDOW_S:
            self.busy, self.sample = cores_busy_between(self.sample, now), now
        return self.busy

    def blas_threads(self):
        """Two where two cores are free enough (see FREE_CORES_FOR_TWO), else one."""
        return 2 if self.cores - self.cores_busy() >= FREE_CORES_FOR_TWO else 1



def sample_cpu_time():
    """(wall s, the machine's busy CPU s, this process's CPU s), or None without /proc/stat."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(t) for t in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    busy = sum(ticks) - ticks[_IDLE] - ticks[_IOWAIT]
    mine = os.times()
    return time.perf_counter(), busy / _TICKS_PER_S, mine.user + mine.system


def cores_busy_between(before, after):
    """How many cores other processes kept busy, on average, between two :func:`sample_cpu_time` samples."""
    wall, machine, ours = (a - b for a, b in zip(after, before))
    return max(0.0, (machine - ours) / wall) if wall > 0 else 0.0


_IDLE, _IOWAIT = 3, 4                    # columns of /proc/stat's cpu line
_TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
OTHER_WORK = []


def other_work():
    """The process's one :class:`OtherWork` (made at first use)."""
    if not OTHER_WORK:
        OTHER_WORK.append(OtherWork())
    return OTHER_WORK[0]


NOTICE_AFTER_S = 1.0   # a call that takes longer than this is compiling: say so
CPU_NOTICE = "compiling dlkit's kernels (first use only; cached on disk for next time)..."
GPU_NOTICE = "compiling dlkit's CUDA kernels for this GPU (first use in this session: several seconds)..."


def with_compile_notice(call, message=CPU_NOTICE):
    """Run ``call()``; if it takes over NOTICE_AFTER_S (a cold JIT compile), say so while the student waits."""
    timer = threading.Timer(NOTICE_AFTER_S, lambda: print(message, flush=True))
    timer.start()
    try:
        return call()
    finally:
        timer.cancel()
