"""dlkit.warmup (`make warm`): a job says "[i/n] compiling…" only when Numba compiles in it; with every kernel
cached the warm-up says "kernels already compiled" and nothing else."""
import numba
import pytest
from numba.core import event

from dlkit import warmup


def test_the_compile_notice_speaks_at_a_jobs_first_compile_only(capsys):
    notice = warmup.CompileNotice()
    notice.line = "[1/2] compiling the test's kernel..."

    @numba.njit
    def add_one(x):
        return x + 1

    with event.install_listener("numba:compile", notice):
        add_one(1)                                   # a compile: the line, once
        add_one(2)                                   # compiled already: nothing
        add_one(1.5)                                 # a second compile in the same job: no second line
    assert capsys.readouterr().out == "[1/2] compiling the test's kernel...\n"
    assert notice.compiled == 2


@pytest.mark.slow
def test_a_warm_up_with_everything_cached_says_so(capsys):
    warmup.warm_up()                                 # compiles what is not cached yet (minutes on a cold cache)
    capsys.readouterr()
    warmup.warm_up()
    out = capsys.readouterr().out
    assert out.startswith("dlkit kernels already compiled (loaded from the disk cache in ") and "[1/" not in out
    assert len(out.splitlines()) == 1
