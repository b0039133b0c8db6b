"""Module 09's chart: when does the GPU win? Milliseconds per training step against hidden width."""
from __future__ import annotations

from matplotlib.ticker import NullLocator

from .axes import legend, title
from .palette import BLUE, GREEN, GREY, ORANGE, SMALL, VERMILLION

MS_PER_S = 1e3
BACKEND_STYLE = {"numpy": (GREY, "s", "dlkit numpy"), "cpu": (BLUE, "o", "dlkit cpu (Numba)"),
                 "cuda": (GREEN, "D", "dlkit cuda (Numba CUDA)"), "torch": (ORANGE, "^", "PyTorch CPU"),
                 "torch_cuda": (VERMILLION, "v", "PyTorch CUDA")}
SWEEP_PAIR = ("cuda", "cpu")     # the (fast, slow) pair whose crossover a step_sweep carries


def step_times(ax, sweep, fast="cuda", slow="cpu", wins=None):
    """Milliseconds per training step against hidden width (log-log), one line per backend of a
    ``dlkit.gpu.step_sweep``; the width ``wins`` from which ``fast`` beats ``slow`` (``dlkit.gpu.crossover``) is
    marked, and backends that could not run here are named instead of drawn. By default ``wins`` is the
    sweep's own ``"crossover"`` entry, when it is about cuda against cpu."""
    if wins is None and (fast, slow) == SWEEP_PAIR:
        wins = sweep.get("crossover")
    widths, missing = sweep["width"], []
    for name, (color, marker, label) in BACKEND_STYLE.items():
        seconds = sweep.get(name)
        if seconds is None:
            continue
        if None in seconds:
            missing.append(label)
            continue
        ax.plot(widths, [MS_PER_S * s for s in seconds], color=color, marker=marker, label=label)
    ax.set(xscale="log", yscale="log", xlabel="hidden width (units per layer)", ylabel="ms per training step")
    ax.set_xticks(widths, [str(w) for w in widths])
    ax.xaxis.set_minor_locator(NullLocator())
    if wins is not None:
        ax.axvline(wins, color=GREY, linestyle="--", linewidth=1)
        ax.annotate(f"{fast} wins from width {wins}", (wins, 0.97), xycoords=("data", "axes fraction"),
                    xytext=(4, 0), textcoords="offset points", va="top", fontsize=SMALL)
    if missing:
        ax.text(0.99, 0.02, "not measured here: " + ", ".join(missing), transform=ax.transAxes, ha="right",
                va="bottom", fontsize=SMALL, color=GREY)
    title(ax, f"one training step, batch {sweep.get('batch_size', '?')}")
    legend(ax, loc="upper left")
    return ax
