"""Charts of the optimizer race on a 2-D surface: contours, trajectories, the loss gap and step lengths per
step, and the heavy-ball momentum map of a quadratic. The surface's values and the momentum theory come
computed from ``dlkit.surfaces`` (``contour_grid``, ``momentum_grid``)."""
from __future__ import annotations

import numpy as np
from matplotlib.colors import LogNorm

from .axes import legend, log_axis
from .palette import ALERT, BLACK, GREY, OPTIMIZER_COLORS, SKY, VERMILLION, YELLOW

CONTOUR_LEVELS = 16
LOWEST_LEVEL = (1, 1e-4)   # the lowest contour: this percentile of f - f*, but not below this value
MARK_HEIGHT = 0.93         # where an ✕ (divergence) sits on the loss axis, as a fraction of its height
GAP_FLOOR = 1e-12          # f - f* below this is drawn at it (log scale: 0 cannot be shown)
MOST_STEPS = 1e4           # the momentum map's colour scale: 1 to this many steps


def surface_contours(ax, surface, grid):
    """Log-spaced contours of f - f* over a :class:`dlkit.surfaces.Surface`'s window, its minima starred and
    its start marked. ``grid`` = (gx (R,), gy (R,), gap (R, R)) from ``dlkit.surfaces.contour_grid``."""
    gx, gy, gap = grid
    low_percentile, low_value = LOWEST_LEVEL
    levels = np.geomspace(max(np.percentile(gap, low_percentile), low_value), gap.max() + GAP_FLOOR,
                          CONTOUR_LEVELS)
    ax.contourf(gx, gy, gap, levels=levels, cmap="cividis", alpha=0.35, norm=_lognorm(levels))
    ax.contour(gx, gy, gap, levels=levels, colors=GREY, linewidths=0.5, norm=_lognorm(levels))
    for i, (mx, my) in enumerate(surface.minima):
        ax.plot(mx, my, marker="*", ms=14 if i == 0 else 10, color=BLACK, mfc=YELLOW, ls="none",
                label="global minimum" if i == 0 else ("other minima" if i == 1 else None))
    ax.plot(*surface.start, marker="o", ms=7, color=BLACK, ls="none", label="start")
    x0, x1, y0, y1 = surface.extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("θ₁")
    ax.set_ylabel("θ₂")
    return ax


def _lognorm(levels):
    return LogNorm(levels[0], levels[-1])


def _finished(path, upto):
    """Whether the first ``upto`` steps (None: all) reach the end of a path."""
    return upto is None or upto >= len(path.points) - 1


def optimizer_paths(ax, paths, upto=None):
    """Trajectories {name: surfaces.Path} (the first ``upto`` steps), each in its optimizer's colour (the
    legend is race_losses'); a diverged path ends in an ✕."""
    for name, path in paths.items():
        pts = path.points if upto is None else path.points[:upto + 1]
        color = OPTIMIZER_COLORS.get(name, BLACK)
        diverged = path.diverged_at is not None and _finished(path, upto)
        ax.plot(pts[:, 0], pts[:, 1], color=color, lw=1.5, marker="o", ms=1.8, alpha=0.9)
        if diverged:
            ax.plot(*pts[-1], marker="X", ms=11, color=ALERT, ls="none", clip_on=True)
        else:
            ax.plot(*pts[-1], marker="o", ms=5, color=color, mec=BLACK, ls="none")
    legend(ax, loc="lower left")
    return ax


def race_losses(ax, paths, f_min, upto=None, floor=GAP_FLOOR):
    """f(θ) - f* per step for each path (log scale, cut at ``floor``): who gets close first. The legend names
    the optimizers' colours for the race's other panels too."""
    top = floor
    for name, path in paths.items():
        gap = path.losses - f_min
        if upto is not None:
            gap = gap[:upto + 1]
        steps = np.arange(gap.size)
        ok = gap > 0
        diverged = path.diverged_at is not None and _finished(path, upto)
        label = name + (f" — diverged at step {path.diverged_at}" if diverged else "")
        ax.plot(steps[ok], np.maximum(gap[ok], floor), color=OPTIMIZER_COLORS.get(name, BLACK), lw=1.5,
                label=label)
        if diverged:
            ax.plot([path.diverged_at], [MARK_HEIGHT], marker="X", ms=10, color=ALERT, ls="none",
                    transform=ax.get_xaxis_transform())
        if ok.any():
            top = max(top, float(gap[ok].max()))
    log_axis(ax)
    ax.set_ylim(floor / 2, top * 2)
    ax.set_xlabel("step")
    ax.set_ylabel("f(θ) − f(θ*) (log scale)")
    legend(ax, ncols=2)
    return ax


def step_sizes(ax, paths, upto=None):
    """Length of each step |Δθ| per optimizer (log scale): adaptive methods take steps of about lr."""
    for name, path in paths.items():
        pts = path.points if upto is None else path.points[:upto + 1]
        d = np.linalg.norm(np.diff(pts, axis=0), axis=1)
        ok = d > 0
        ax.plot(np.arange(1, d.size + 1)[ok], d[ok], color=OPTIMIZER_COLORS.get(name, BLACK), lw=1.2, label=name)
    log_axis(ax)
    ax.set_xlabel("step")
    ax.set_ylabel("step length |Δθ| (log scale)")
    legend(ax, ncols=2)
    return ax


def momentum_map(ax, grid):
    """Heavy-ball speed over (lr α, momentum β) on a quadratic, from a :class:`dlkit.surfaces.MomentumGrid`:
    colour = steps to shrink the error 1000× (bright = few), hatched = no convergence; the stability edge
    α = 2(1 + β)/λ_max, the optimum (α*, β*), the best plain gradient descent and ``grid.yours`` marked."""
    alphas, betas = grid.alphas, grid.betas
    mesh = ax.pcolormesh(alphas, betas, np.clip(grid.steps, 1, MOST_STEPS), cmap="viridis_r",
                         norm=LogNorm(1, MOST_STEPS), shading="auto")
    ax.contourf(alphas, betas, grid.rate, levels=[1.0, np.inf], colors="none", hatches=["///"])
    ax.fill_between([], [], color="white", hatch="///", edgecolor=GREY, label="no convergence")
    ax.figure.colorbar(mesh, ax=ax, label="steps to shrink the error 1000×", shrink=0.9)
    ax.plot(grid.edge, betas, color=BLACK, lw=1.2, label="stability edge α = 2(1+β)/λ_max")
    lr, beta, steps = grid.best
    ax.plot([lr], [beta], marker="*", ms=14, color=YELLOW, mec=BLACK, ls="none",
            label=f"optimal α*={lr:.3g}, β*={beta:.3g}: {steps} steps")
    lr, steps = grid.best_gd
    ax.plot([lr], [0], marker="D", ms=7, color=SKY, mec=BLACK, ls="none", clip_on=False,
            label=f"best plain GD α={lr:.3g}: {steps} steps")
    if grid.yours is not None:
        lr, beta, steps = grid.yours
        ax.plot([min(lr, alphas[-1])], [beta], marker="o", ms=8, color=VERMILLION, mec=BLACK, ls="none",
                label="yours: " + (f"{steps} steps" if np.isfinite(steps) else "diverges"))
    ax.set_xlim(0, alphas[-1])
    ax.set_ylim(0, betas[-1])
    ax.set_xlabel("learning rate α")
    ax.set_ylabel("momentum β")
    legend(ax, loc="upper right")
    return ax
