"""Two-dimensional loss surfaces for the optimizer race, and the theory of gradient descent with momentum on a
quadratic (Goh 2017, "Why Momentum Really Works").

A :class:`Surface` has ``value(P) -> f`` and ``grad(P) -> df/dP`` on points ``P (..., 2)``, a plotting window, a
start point and its minima. :func:`race` runs dlkit's own optimizers (``dlkit.optimizers`` — the same update code
``fit`` uses) on a surface, one 2-vector ``theta`` each. Pure compute: no plotting here.

Momentum theory, for ``f(w) = 1/2 sum_i lambda_i w_i^2`` and the heavy ball ``v <- beta v + g; w <- w - alpha v``
(PyTorch's SGD with momentum, ``dlkit.optimizers.Momentum``): each eigen-direction evolves by the 2x2 matrix
``[[beta, lambda], [-alpha beta, 1 - alpha lambda]]``, whose eigenvalues solve ``mu^2 - (1 + beta - alpha lambda)
mu + beta = 0``. The error shrinks by ``rate = max |mu|`` per step; it converges iff ``0 < alpha lambda <
2 (1 + beta)`` for every lambda.

What the race's charts show comes computed from here: :func:`contour_grid` (a surface's values over its
window) and :func:`momentum_grid` (the theory over a grid of learning rates and momenta).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import optimizers
from .validation import check_choice, check_number

NAMES = ("quadratic", "rosenbrock", "ravine", "saddle", "narrow_minima")
RACERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamax")
ADAPTIVE = ("adagrad", "rmsprop", "adam", "adamax")
CONTOUR_RESOLUTION = 160   # points per side of a surface's contour grid
TOLERANCE = 1e-3           # "converged": the error shrunk by this factor (the momentum map's colour)
MAP_LR_SPAN = 4.2          # the momentum map's learning rates reach MAP_LR_SPAN / lambda_max (GD is stable to 2)
MAP_MAX_BETA = 0.99


@dataclass(frozen=True)
class Surface:
    """A 2-D loss: ``value(P (..., 2)) -> (...)``, ``grad(P (..., 2)) -> (..., 2)``."""

    name: str
    value: object
    grad: object
    extent: tuple                 # (x_min, x_max, y_min, y_max) of the plotting window
    start: tuple                  # where every racer starts
    minima: tuple                 # ((x, y), ...) the minima to mark; the first is the global one
    f_min: float                  # the global minimum value (the race plots f - f_min)
    lr: float = 0.1               # a learning rate that works for plain gradient steps here
    adaptive_lr: float = 0.05     # ... and for the adaptive methods, whose steps are about lr long
    eigenvalues: tuple = ()       # quadratic only: the Hessian's eigenvalues
    note: str = field(default="", compare=False)


def quadratic(condition=10.0, angle=0.0):
    """f = 1/2 P H P^T with Hessian eigenvalues 1/kappa and 1 (condition number kappa): f = (x^2 / kappa + y^2) / 2
    for angle 0. Turning its axes by ``angle`` degrees takes away the free help per-coordinate step sizes
    (Adagrad, RMSprop, Adam) get from axis-aligned valleys."""
    kappa = check_number("condition", condition, low=1.0)
    lam = np.array([1.0 / kappa, 1.0])
    a = math.radians(check_number("angle", angle))
    R = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])      # columns: eigenvectors
    H = R @ np.diag(lam) @ R.T                                                    # (2, 2)

    def value(P):
        P = np.asarray(P, dtype=np.float64)
        return 0.5 * np.einsum("...i,ij,...j->...", P, H, P)

    def grad(P):
        return np.asarray(P, dtype=np.float64) @ H

    return Surface("quadratic", value, grad, (-2.4, 2.4, -1.6, 1.6), (-2.0, 1.0), ((0.0, 0.0),), 0.0,
                   0.5, 0.05, tuple(lam), f"eigenvalues 1/{kappa:g} and 1: condition number {kappa:g}")


def rosenbrock(a=1.0, b=100.0):
    """Rosenbrock's banana: f = (a - x)^2 + b (y - x^2)^2, minimum 0 at (a, a^2) at the end of a curved valley."""

    def value(P):
        P = np.asarray(P, dtype=np.float64)
        x, y = P[..., 0], P[..., 1]
        return (a - x) ** 2 + b * (y - x * x) ** 2

    def grad(P):
        P = np.asarray(P, dtype=np.float64)
        x, y = P[..., 0], P[..., 1]
        return np.stack([-2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)], axis=-1)

    return Surface("rosenbrock", value, grad, (-2.0, 2.0, -1.0, 3.0), (-1.5, 2.5), ((a, a * a),), 0.0,
                   1.5e-3, 0.05, note="a curved valley: steep walls, a nearly flat floor")


def ravine(slope=0.05, wall=4.0, wiggle=0.6):
    """A winding ravine: f = slope x^2 + wall (y - wiggle sin 1.5x)^2, minimum 0 at the origin."""

    def value(P):
        P = np.asarray(P, dtype=np.float64)
        x, y = P[..., 0], P[..., 1]
        return slope * x * x + wall * (y - wiggle * np.sin(1.5 * x)) ** 2

    def grad(P):
        P = np.asarray(P, dtype=np.float64)
        x, y = P[..., 0], P[..., 1]
        r = y - wiggle * np.sin(1.5 * x)
        return np.stack([2 * slope * x - 2 * wall * r * wiggle * 1.5 * np.cos(1.5 * x), 2 * wall * r], axis=-1)

    return Surface("ravine", value, grad, (-4.0, 4.0, -2.0, 2.0), (-3.5, -1.5), ((0.0, 0.0),), 0.0,
                   0.1, 0.05, note="a narrow winding valley with a gentle slope along its floor")


def saddle():
    """A saddle at the origin between two minima: f = x^2 / 2 - y^2 / 2 + y^4 / 4, minima -1/4 at (0, +-1)."""

    def value(P):
        P = np.asarray(P, dtype=np.float64)
        x, y = P[..., 0], P[..., 1]
        return 0.5 * x * x - 0.5 * y * y + 0.25 * y ** 4

    def grad(P):
        P = np.asarray(P, dtype=np.float64)
        x, y = P[..., 0], P[..., 1]
        return np.stack([x, -y + y ** 3], axis=-1)

    return Surface("saddle", value, grad, (-2.0, 2.0, -1.6, 1.6), (-1.8, 1e-3), ((0.0, 1.0), (0.0, -1.0)), -0.25,
                   0.1, 0.05, note="starts almost exactly on the ridge: the gradient across it is about 1e-3")


_WELLS = ((-1.2, 0.8, 0.9, 0.12), (0.9, 0.9, 0.7, 0.10), (1.1, -1.0, 0.8, 0.08), (-0.3, -0.6, 0.5, 0.45))


def narrow_minima(wells=_WELLS):
    """A shallow bowl with narrow Gaussian wells (x, y, depth, width): f = 0.05 |P|^2 - sum depth e^(-d^2/2w^2).

    The deepest well is the global minimum, near the start; momentum tends to roll past it into the wide,
    shallow well.
    """
    W = np.array(wells, dtype=np.float64)                                   # (K, 4)

    def value(P):
        P = np.asarray(P, dtype=np.float64)
        d2 = ((P[..., None, :] - W[:, :2]) ** 2).sum(-1)                    # (..., K)
        return 0.05 * (P ** 2).sum(-1) - (W[:, 2] * np.exp(-d2 / (2 * W[:, 3] ** 2))).sum(-1)

    def grad(P):
        P = np.asarray(P, dtype=np.float64)
        diff = P[..., None, :] - W[:, :2]                                   # (..., K, 2)
        g = W[:, 2] * np.exp(-(diff ** 2).sum(-1) / (2 * W[:, 3] ** 2)) / W[:, 3] ** 2   # (..., K)
        return 0.1 * P + (g[..., None] * diff).sum(-2)

    # the bowl and the other wells shift each minimum a little off its well's centre: find it on a fine grid
    found = []
    for cx, cy, _, _ in W:
        for half in (0.1, 0.002, 4e-5):                  # three zooms, each 100x finer: ~1e-7 in the end
            offsets = np.linspace(-half, half, 201)
            G = np.stack(np.meshgrid(cx + offsets, cy + offsets), axis=-1)                # (201, 201, 2)
            f = value(G)
            i = np.unravel_index(f.argmin(), f.shape)
            cx, cy = G[i]
        found.append((float(cx), float(cy), float(f[i])))
    found.sort(key=lambda m: m[2])
    minima = tuple((x, y) for x, y, _ in found)
    return Surface("narrow_minima", value, grad, (-2.0, 2.0, -2.0, 2.0), (-1.9, 1.2), minima,
                   found[0][2], 0.1, 0.05, note="several narrow wells in a shallow bowl")


def get(name, condition=10.0):
    """A surface by name; ``condition`` applies to the quadratic."""
    name = check_choice("surface", name, NAMES)
    if name == "quadratic":
        return quadratic(condition)
    return {"rosenbrock": rosenbrock, "ravine": ravine, "saddle": saddle, "narrow_minima": narrow_minima}[name]()


def contour_grid(surface, resolution=CONTOUR_RESOLUTION):
    """The surface's gap to its minimum over its window, for contours: gx (R,), gy (R,) and
    f - f_min (R, R) >= 0, row i at gy[i]."""
    x0, x1, y0, y1 = surface.extent
    gx, gy = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    P = np.stack(np.meshgrid(gx, gy), axis=-1)                               # (R, R, 2)
    return gx, gy, surface.value(P) - surface.f_min


# ---------------------------------------------------------------- the race

@dataclass
class Path:
    """One optimizer's trajectory: points (T+1, 2), losses (T+1,), and the step where it diverged (or None)."""

    name: str
    points: np.ndarray
    losses: np.ndarray
    diverged_at: int | None = None


def run(surface, optimizer, lr, steps=200, start=None, escape=1e3, **hyper):
    """Run one of ``dlkit.optimizers`` for ``steps`` steps from ``start``; stops early if it diverges
    (a non-finite value, or a point farther than ``escape`` window-widths from the window)."""
    opt = optimizers.get(optimizer, lr=lr, **hyper)
    steps = check_number("steps", steps, integer=True, nonnegative=True)
    theta = np.array(surface.start if start is None else start, dtype=np.float64)     # (2,)
    x0, x1, y0, y1 = surface.extent
    limit = escape * max(x1 - x0, y1 - y0)
    points, losses = [theta.copy()], [float(surface.value(theta))]
    diverged = None
    for t in range(1, steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            opt.step(theta, surface.grad(theta))
            f = float(surface.value(theta))
        if not (np.all(np.isfinite(theta)) and math.isfinite(f)) or np.abs(theta).max() > limit:
            diverged = t
            break
        points.append(theta.copy())
        losses.append(f)
    return Path(opt.name, np.array(points), np.array(losses), diverged)


def race_hyper(name, momentum=0.9, beta1=0.9, beta2=0.999):
    """The hyper-parameters the race's sliders set for optimizer ``name`` (RMSprop's alpha is the beta2 slider)."""
    if name in ("momentum", "nesterov"):
        return {"momentum": momentum}
    if name in ("adam", "adamax"):
        return {"beta1": beta1, "beta2": beta2}
    if name == "rmsprop":
        return {"alpha": beta2}
    return {}


def race(surface, names=RACERS, lr=0.1, adaptive_lr=0.05, steps=200, momentum=0.9, beta1=0.9, beta2=0.999):
    """Every optimizer in ``names`` from the same start: {name: Path}. Adaptive methods take ``adaptive_lr``
    (their steps are about lr long whatever the gradient's size; plain gradient steps scale with it)."""
    return {name: run(surface, name, adaptive_lr if name in ADAPTIVE else lr, steps,
                      **race_hyper(name, momentum, beta1, beta2))
            for name in names}


# ---------------------------------------------------------------- momentum theory on a quadratic

def momentum_rate(alpha, beta, eigenvalues):
    """Per-step contraction of the heavy ball on a quadratic: max over eigenvalues of the spectral radius.

    alpha, beta: arrays of any (broadcastable) shape -> rate of that shape; >= 1 means no convergence.
    beta = 0 is plain gradient descent, rate max |1 - alpha lambda|.
    """
    alpha, beta = np.asarray(alpha, dtype=np.float64), np.asarray(beta, dtype=np.float64)
    rate = np.zeros(np.broadcast_shapes(alpha.shape, beta.shape))
    for lam in eigenvalues:
        trace = 1.0 + beta - alpha * lam
        disc = trace * trace - 4.0 * beta
        root = np.sqrt(np.abs(disc))
        real_roots = np.maximum(np.abs(trace + root), np.abs(trace - root)) / 2.0
        complex_roots = np.sqrt(np.maximum(beta, 0.0))       # |mu|^2 = det = beta
        rate = np.maximum(rate, np.where(disc >= 0, real_roots, complex_roots))
    return rate


def momentum_theory(eigenvalues):
    """Step sizes and momentum for a quadratic with these Hessian eigenvalues -> dict of floats:

    gd_max_lr = 2 / lambda_max (gradient descent is stable below it), gd_lr = 2 / (lambda_min + lambda_max) and
    gd_rate = (kappa - 1) / (kappa + 1) (the best plain step), momentum_lr = (2 / (sqrt lambda_min + sqrt
    lambda_max))^2 and momentum_beta = ((sqrt kappa - 1) / (sqrt kappa + 1))^2 with rate sqrt(momentum_beta)
    (the best heavy ball), and max_lr(beta) = 2 (1 + beta) / lambda_max as a function.
    """
    lam_min, lam_max = float(min(eigenvalues)), float(max(eigenvalues))
    kappa = lam_max / lam_min
    sk = math.sqrt(kappa)
    beta = ((sk - 1) / (sk + 1)) ** 2
    return {
        "lambda_min": lam_min, "lambda_max": lam_max, "condition": kappa,
        "gd_max_lr": 2.0 / lam_max, "gd_lr": 2.0 / (lam_min + lam_max), "gd_rate": (kappa - 1) / (kappa + 1),
        "momentum_lr": (2.0 / (math.sqrt(lam_min) + math.sqrt(lam_max))) ** 2, "momentum_beta": beta,
        "momentum_rate": math.sqrt(beta),
        "max_lr": lambda b: 2.0 * (1.0 + np.asarray(b)) / lam_max,
    }


def steps_to(rate, tolerance=TOLERANCE):
    """Steps for the error to shrink by ``tolerance`` at a per-step ``rate`` (inf if it does not converge)."""
    rate = float(rate)
    if rate >= 1:
        return math.inf
    if rate <= 0:
        return 1
    return math.ceil(math.log(tolerance) / math.log(rate))


@dataclass(frozen=True)
class MomentumGrid:
    """The heavy ball's speed on a quadratic over learning rates alphas (A,) and momenta betas (B,): rate (B, A)
    per-step contraction (>= 1: no convergence), steps (B, A) to shrink the error by TOLERANCE (NaN where it does
    not converge; not rounded), edge (B,) the stability edge 2 (1 + beta) / lambda_max; best = (alpha*, beta*,
    steps) the optimal pair, best_gd = (alpha, steps) the best plain gradient descent, yours = (alpha, beta,
    steps; inf if it diverges) or None."""

    alphas: np.ndarray
    betas: np.ndarray
    rate: np.ndarray
    steps: np.ndarray
    edge: np.ndarray
    best: tuple
    best_gd: tuple
    yours: tuple | None = None


def momentum_grid(eigenvalues, lr=None, beta=None, resolution=CONTOUR_RESOLUTION):
    """:class:`MomentumGrid` of a quadratic with these Hessian eigenvalues, ``resolution`` points per side, with
    ``yours`` at (lr, beta) when both are given: what ``dlkit.plots.momentum_map`` draws."""
    theory = momentum_theory(eigenvalues)
    a_max = MAP_LR_SPAN / theory["lambda_max"]
    alphas = np.linspace(a_max / resolution, a_max, resolution)
    betas = np.linspace(0.0, MAP_MAX_BETA, resolution)
    A, B = np.meshgrid(alphas, betas)                                        # (B, A) each
    rate = momentum_rate(A, B, eigenvalues)
    with np.errstate(divide="ignore"):           # the clip keeps log(rate) finite and negative
        steps = np.where(rate < 1, np.log(TOLERANCE) / np.log(np.clip(rate, 1e-300, 1 - 1e-16)), np.nan)
    yours = None
    if lr is not None and beta is not None:
        yours = (lr, beta, steps_to(momentum_rate(lr, beta, eigenvalues)))
    return MomentumGrid(alphas, betas, rate, steps, theory["max_lr"](betas),
                        (theory["momentum_lr"], theory["momentum_beta"], steps_to(theory["momentum_rate"])),
                        (theory["gd_lr"], steps_to(theory["gd_rate"])), yours)
