"""Synthetic data sets: 2-D classification point clouds and 1-D regression curves.

Every generator is deterministic per ``seed`` and returns ``X (N, D) float64`` with labels ``y (N,) int64``
(or float targets for regression). Classes are balanced: their sizes differ by at most one.
"""
from __future__ import annotations

import numpy as np

from ..validation import check_choice, check_number, check_seed

REGRESSION_KINDS = ("linear", "sine", "cubic", "step")


# ---------------------------------------------------------------- synthetic 2-D classification sets

def _check_generator(n_samples, noise, seed, n_classes=2):
    """Shared checks of the generators; returns (n_samples, noise, seed, n_classes) as Python numbers."""
    n_classes = check_number("n_classes", n_classes, integer=True, low=2)
    n_samples = check_number("n_samples", n_samples, integer=True, low=n_classes)
    noise = check_number("noise", noise, nonnegative=True)
    return n_samples, noise, check_seed("seed", seed), n_classes


def _class_sizes(n_samples, n_classes):
    """Balanced class sizes (C,) summing to n_samples; the first n % C classes get one extra example."""
    sizes = np.full(n_classes, n_samples // n_classes, dtype=np.int64)
    sizes[: n_samples % n_classes] += 1
    return sizes


def _finish(parts, rng, noise):
    """Stack per-class point sets, add Gaussian noise, shuffle rows -> X (N, 2) float64, y (N,) int64."""
    X = np.concatenate(parts)                                                 # (N, 2)
    y = np.concatenate([np.full(len(p), k, dtype=np.int64) for k, p in enumerate(parts)])
    X = X + noise * rng.standard_normal(X.shape)
    # shuffled so that any slice (a first batch, a plot of 100 points) holds every class
    order = rng.permutation(len(X))
    return X[order], y[order]


def spirals(n_samples=1000, noise=0.1, seed=0, n_classes=2):
    """Interleaved spiral arms, one per class, radius 0..1: X (N, 2) float64, y (N,) int64. Module 00."""
    n_samples, noise, seed, n_classes = _check_generator(n_samples, noise, seed, n_classes)
    rng = np.random.default_rng(seed)
    parts = []
    for k, n in enumerate(_class_sizes(n_samples, n_classes)):
        r = np.linspace(0.05, 1.0, n)                                         # (n,)
        angle = 3 * np.pi * r + 2 * np.pi * k / n_classes                     # 1.5 turns; arms evenly offset
        parts.append(np.column_stack([r * np.cos(angle), r * np.sin(angle)]))
    return _finish(parts, rng, noise)


def moons(n_samples=1000, noise=0.1, seed=0):
    """Two interleaving half circles: X (N, 2) float64, y (N,) int64. Module 01."""
    n_samples, noise, seed, _ = _check_generator(n_samples, noise, seed)
    rng = np.random.default_rng(seed)
    n0, n1 = _class_sizes(n_samples, 2)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])                         # (n0, 2)
    lower = np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])               # (n1, 2)
    return _finish([upper, lower], rng, noise)


def circles(n_samples=1000, noise=0.05, seed=0, factor=0.5):
    """A ring of radius 1 (class 0) around a ring of radius ``factor`` (class 1): X (N, 2), y (N,). Module 01."""
    n_samples, noise, seed, _ = _check_generator(n_samples, noise, seed)
    factor = check_number("factor", factor, positive=True)
    if factor >= 1:
        raise ValueError(f"factor must be in (0, 1) (inner radius / outer radius), got {factor!r}")
    rng = np.random.default_rng(seed)
    n0, n1 = _class_sizes(n_samples, 2)
    # endpoint=False: 0 and 2*pi are the same point, it would appear twice
    t0, t1 = np.linspace(0, 2 * np.pi, n0, endpoint=False), np.linspace(0, 2 * np.pi, n1, endpoint=False)
    outer = np.column_stack([np.cos(t0), np.sin(t0)])
    inner = factor * np.column_stack([np.cos(t1), np.sin(t1)])
    return _finish([outer, inner], rng, noise)


def xor(n_samples=1000, noise=0.1, seed=0):
    """Four quadrant clusters; y = 1 where x1 * x2 > 0 (before noise): X (N, 2) float64, y (N,) int64. Module 01."""
    n_samples, noise, seed, _ = _check_generator(n_samples, noise, seed)
    rng = np.random.default_rng(seed)
    parts = []
    for k, n in enumerate(_class_sizes(n_samples, 2)):
        # class 1 lives in quadrants (+,+) and (-,-), class 0 in (+,-) and (-,+)
        s1 = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)                       # (n,) sign of x1
        s2 = s1 if k == 1 else -s1
        mag = rng.uniform(0.1, 1.0, size=(n, 2))                              # stay off the axes
        parts.append(mag * np.column_stack([s1, s2]))
    return _finish(parts, rng, noise)


def blobs(n_samples=1000, noise=0.5, seed=0, n_classes=3):
    """Gaussian blobs with std ``noise`` around centres on a circle of radius 2: X (N, 2), y (N,). Module 04."""
    n_samples, noise, seed, n_classes = _check_generator(n_samples, noise, seed, n_classes)
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    centres = 2.0 * np.column_stack([np.cos(angles), np.sin(angles)])        # (C, 2)
    parts = [np.repeat(centres[k : k + 1], n, axis=0) for k, n in enumerate(_class_sizes(n_samples, n_classes))]
    return _finish(parts, rng, noise)


# ---------------------------------------------------------------- 1-D regression

_TARGETS = {
    "linear": lambda x: 2.0 * x + 0.5,
    "sine": lambda x: np.sin(np.pi * x),
    "cubic": lambda x: x ** 3 - 0.5 * x,
    "step": lambda x: (x > 0).astype(np.float64),
}


def regression_1d(kind="sine", n_samples=200, noise=0.1, seed=0, outliers=0, outlier_scale=5.0):
    """x uniform in [-1, 1] (sorted, for line plots), y = f(x) + noise: X (N, 1) float64, y (N,) float64.

    ``outliers`` points get ``outlier_scale`` added to y — enough to show how far one outlier drags an MSE fit.
    Module 03.
    """
    kind = check_choice("kind", kind, REGRESSION_KINDS)
    n_samples = check_number("n_samples", n_samples, integer=True, low=2)
    noise = check_number("noise", noise, nonnegative=True)
    seed = check_seed("seed", seed)
    outliers = check_number("outliers", outliers, integer=True, nonnegative=True, high=n_samples)
    outlier_scale = check_number("outlier_scale", outlier_scale)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1.0, 1.0, n_samples))                           # (N,)
    y = _TARGETS[kind](x) + noise * rng.standard_normal(n_samples)
    y[rng.choice(n_samples, size=outliers, replace=False)] += outlier_scale
    return x[:, None], y
