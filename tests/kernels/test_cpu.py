"""The cpu backend's thread choice: one BLAS thread for the course's small products, two for a wide one while the
other core is free, one while other processes keep it busy (OtherWork mocked: no timing here)."""
import ctypes

import numpy as np
import pytest

import dlkit as dk
from dlkit.kernels import cpu, host
from dlkit.kernels.cpu import products

WIDE = [64, 1024, 1024, 10]          # 64 x 1024 x 1024 multiply-adds at batch 64: far above the threshold
SMALL = [2, 16, 16, 2]


class Busy:
    """A stand-in for the process's OtherWork: ``cores`` cores, ``busy`` of them kept busy by others."""

    def __init__(self, busy, cores=2):
        self.cores, self.busy = cores, busy

    def cores_busy(self):
        return self.busy

    blas_threads = host.OtherWork.blas_threads


@pytest.fixture
def other_work(monkeypatch):
    """Set how busy the other cores look: other_work(busy)."""
    def set_busy(busy, cores=2):
        monkeypatch.setattr(cpu, "other_work", lambda: Busy(busy, cores))
    return set_busy


def test_each_product_gets_the_threads_its_size_calls_for():
    assert products.blas_threads(products.TWO_THREADS_FROM - 1) == 1
    assert products.blas_threads(products.TWO_THREADS_FROM) == 2
    assert not products.needs_two_threads(dk.MLP(SMALL).layout, 32)
    assert products.needs_two_threads(dk.MLP(WIDE).layout, 64)


def test_a_wide_net_gets_two_threads_while_the_other_core_is_free(other_work):
    other_work(0.1)
    assert cpu.blas_threads_for(dk.MLP(WIDE).layout, 64) == 2
    assert cpu.blas_threads_for(dk.MLP(SMALL).layout, 32) == 1          # small nets never ask


def test_a_wide_net_gets_one_thread_while_other_processes_keep_the_other_core_busy(other_work):
    other_work(0.9)
    assert cpu.blas_threads_for(dk.MLP(WIDE).layout, 64) == 1
    other_work(0.9, cores=4)                                           # a bigger machine still has room
    assert cpu.blas_threads_for(dk.MLP(WIDE).layout, 64) == 2


def test_other_work_is_the_machines_busy_time_less_this_processs(monkeypatch):
    samples = iter([(0.0, 100.0, 10.0), (0.1, 100.1, 10.1), (1.0, 101.5, 10.5)])   # (wall, machine, ours)
    monkeypatch.setattr(host, "sample_cpu_time", lambda: next(samples))
    monkeypatch.setattr(host.os, "getloadavg", lambda: (2.5, 0, 0))
    work = host.OtherWork()
    assert work.cores_busy() == pytest.approx(1.5)           # within the first window: load average less us
    assert work.cores_busy() == pytest.approx(1.0)           # 1.5 s busy, 0.5 of them ours, in 1 s
    assert host.cores_busy_between((0.0, 5.0, 1.0), (2.0, 7.0, 2.0)) == pytest.approx(0.5)


def _recording_switch():
    """A BLAS thread switch that records each setting (the type the compiled products call)."""
    seen = []
    return seen, ctypes.CFUNCTYPE(None, ctypes.c_int)(seen.append)


def test_the_compiled_product_sets_its_thread_count_before_it_multiplies():
    seen, switch = _recording_switch()
    rng = np.random.default_rng(0)
    small, wide = rng.normal(size=(32, 16)), rng.normal(size=(128, 128))
    out_small, out_wide = np.empty((32, 16)), np.empty((128, 128))
    products.matmul(small, small.T @ small, out_small, (switch, 2))
    products.matmul(wide, wide, out_wide, (switch, 2))                  # 128^3 = 2^21 multiply-adds
    products.matmul(wide, wide, out_wide, (switch, 1))                  # capped where the other core is busy
    assert seen == [1, 2, 1]
    np.testing.assert_allclose(out_wide, wide @ wide)


def test_the_librarys_own_setting_is_put_back_after_a_kernel(monkeypatch):
    seen, setter = _recording_switch()
    monkeypatch.setattr(host, "blas_thread_switch", lambda: host.BlasSwitch(setter, lambda: 7))
    given = []
    assert host.call_with_blas_switch(lambda *args: given.append(args[-1]) or "done", 1, most_threads=2) == "done"
    assert given == [(setter, 2)] and seen == [7]
