"""Data for the course: synthetic sets, the digits images, scaling, one-hot, splits, augmentation, mini-batches.

Every generator is deterministic per ``seed`` and returns ``X (N, D) float64`` with labels ``y (N,) int64``
(or float targets for regression). Classes are balanced: their sizes differ by at most one.

Scalers are fit on the training set only and then applied to every other split: scaling with statistics that
include the test set leaks information about it into training.

The mini-batch contract, shared by every backend so batches are identical on numpy, Numba CPU and CUDA:
epoch ``e`` visits the rows in the order ``shuffled_indices(N, seed, e)``, in ``num_batches(N, batch_size)``
batches, the last one smaller when ``N % batch_size != 0``.
"""
from __future__ import annotations

import math

import numpy as np

from .validation import check_array, check_choice, check_labels, check_number, check_seed

__all__ = [
    "spirals", "moons", "circles", "xor", "blobs", "regression_1d", "REGRESSION_KINDS", "digits",
    "Standardizer", "MinMaxScaler", "standardize", "min_max_scale", "one_hot",
    "train_test_split", "train_val_test_split",
    "shift", "rotate", "flip", "gaussian_noise", "augment", "PIXEL_MAX",
    "shuffled_indices", "num_batches", "minibatches",
]

REGRESSION_KINDS = ("linear", "sine", "cubic", "step")
PIXEL_MAX = 16.0        # digits pixels are ink counts 0..16, not 0..255


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
    """Interleaved spiral arms, one per class, radius 0..1: X (N, 2) float64, y (N,) int64."""
    n_samples, noise, seed, n_classes = _check_generator(n_samples, noise, seed, n_classes)
    rng = np.random.default_rng(seed)
    parts = []
    for k, n in enumerate(_class_sizes(n_samples, n_classes)):
        r = np.linspace(0.05, 1.0, n)                                         # (n,)
        angle = 3 * np.pi * r + 2 * np.pi * k / n_classes                     # 1.5 turns; arms evenly offset
        parts.append(np.column_stack([r * np.cos(angle), r * np.sin(angle)]))
    return _finish(parts, rng, noise)


def moons(n_samples=1000, noise=0.1, seed=0):
    """Two interleaving half circles: X (N, 2) float64, y (N,) int64."""
    n_samples, noise, seed, _ = _check_generator(n_samples, noise, seed)
    rng = np.random.default_rng(seed)
    n0, n1 = _class_sizes(n_samples, 2)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])                         # (n0, 2)
    lower = np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])               # (n1, 2)
    return _finish([upper, lower], rng, noise)


def circles(n_samples=1000, noise=0.05, seed=0, factor=0.5):
    """A ring of radius 1 (class 0) around a ring of radius ``factor`` (class 1): X (N, 2), y (N,)."""
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
    """Four quadrant clusters; y = 1 where x1 * x2 > 0 (before noise): X (N, 2) float64, y (N,) int64."""
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
    """Gaussian blobs with std ``noise`` around centres on a circle of radius 2: X (N, 2), y (N,)."""
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


# ---------------------------------------------------------------- digits

_DIGITS = None


def digits():
    """The 8x8 handwritten digits shipped with scikit-learn: X (1797, 64) float64 in 0..16, y (1797,) int64."""
    global _DIGITS
    if _DIGITS is None:
        from sklearn.datasets import load_digits   # lazy: scikit-learn is slow to import and needed only here
        bunch = load_digits()
        _DIGITS = bunch.data.astype(np.float64), bunch.target.astype(np.int64)
    # copies: a caller scaling X in place must not change the next caller's data
    return _DIGITS[0].copy(), _DIGITS[1].copy()


# ---------------------------------------------------------------- scaling

class _Scaler:
    """Shared fit/transform plumbing: subclasses set ``_fit_stats`` returning (shift (D,), scale (D,))."""

    def __init__(self):
        self._shift = self._scale = None

    def fit(self, X):
        """Learn per-feature statistics from the training set X (N, D); returns self."""
        X = check_array("X", X, ndim=2, dtype=np.float64)
        shift, scale = self._fit_stats(X)
        # a constant column has no spread to divide by; dividing by 1 maps it to 0 instead of NaN
        scale = np.where(scale > 0, scale, 1.0)
        self._shift, self._scale = shift, scale
        return self

    def transform(self, X):
        """Scale X (M, D) with the training statistics -> (M, D) float64."""
        X = self._check_fitted_input(X)
        return (X - self._shift) / self._scale

    def fit_transform(self, X):
        """fit(X) then transform(X): X (N, D) -> (N, D) float64."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X):
        """Undo transform: scaled (M, D) -> original units (M, D) float64."""
        X = self._check_fitted_input(X)
        return X * self._scale + self._shift

    def _check_fitted_input(self, X):
        if self._shift is None:
            raise RuntimeError(f"this {type(self).__name__} is not fitted yet; call fit(X_train) first")
        X = check_array("X", X, ndim=2, dtype=np.float64)
        if X.shape[1] != len(self._shift):
            raise ValueError(f"X has {X.shape[1]} features but the scaler was fit on {len(self._shift)}")
        return X


class Standardizer(_Scaler):
    """Zero mean, unit standard deviation per feature (train statistics): attributes mean_ (D,), std_ (D,)."""

    def _fit_stats(self, X):
        return X.mean(axis=0), X.std(axis=0)

    @property
    def mean_(self):
        return self._shift

    @property
    def std_(self):
        return self._scale


class MinMaxScaler(_Scaler):
    """Maps each training feature onto [0, 1]: attributes min_ (D,), max_ (D,)."""

    def _fit_stats(self, X):
        self.max_ = X.max(axis=0)
        return X.min(axis=0), self.max_ - X.min(axis=0)

    @property
    def min_(self):
        return self._shift


def _scale_all(scaler, X_train, others):
    """Fit on X_train, transform it and every other array; one array back alone, several as a tuple."""
    out = (scaler.fit_transform(X_train),) + tuple(scaler.transform(X) for X in others)
    return out[0] if len(out) == 1 else out


def standardize(X_train, *others):
    """Standardise X_train (N, D) and each of ``others`` (M, D) with the training mean and std.

    ``X_train_s, X_test_s = standardize(X_train, X_test)``; a single argument gives a single array back.
    """
    return _scale_all(Standardizer(), X_train, others)


def min_max_scale(X_train, *others):
    """Min-max scale X_train (N, D) and each of ``others`` (M, D) with the training min and max."""
    return _scale_all(MinMaxScaler(), X_train, others)


# ---------------------------------------------------------------- labels

def one_hot(y, n_classes=None):
    """Integer labels y (N,) -> one-hot rows (N, C) float64; C = max(y) + 1 unless given."""
    if n_classes is not None:
        n_classes = check_number("n_classes", n_classes, integer=True, positive=True)
    y = check_labels("y", y, n_classes=n_classes)
    C = int(y.max()) + 1 if n_classes is None else n_classes
    Y = np.zeros((len(y), C))                                                 # (N, C)
    Y[np.arange(len(y)), y] = 1.0
    return Y


# ---------------------------------------------------------------- splits

def _check_fraction(name, value):
    value = check_number(name, value, positive=True)
    if value >= 1:
        raise ValueError(f"{name} must be a fraction in (0, 1), got {value!r}")
    return value


def _check_xy(X, y, stratify):
    """X (N, ...) any rank, y (N,) labels when stratifying, else any (N, ...) targets."""
    X = check_array("X", X)
    if X.ndim == 0:
        raise ValueError(f"X must have one row per example, got a scalar {X!r}")
    if not isinstance(stratify, (bool, np.bool_)):
        raise TypeError(f"stratify must be True or False, got {stratify!r}")
    if not stratify:
        y = check_array("y", y)
        if y.ndim == 0 or len(y) != len(X):
            raise ValueError(f"y has {len(y) if y.ndim else 0} rows but X has {len(X)}; they must match")
        return X, y
    try:
        return X, check_labels("y", y, n_rows=len(X))
    except TypeError as err:
        raise TypeError(f"{err}; stratify=True needs class labels, pass stratify=False for regression "
                        "targets") from None


def _apportion(counts, frac, total, capacity):
    """Split ``total`` items over classes proportionally to counts (largest remainder), each <= capacity."""
    quota = counts * frac                                                     # (C,) exact shares
    take = np.minimum(np.floor(quota).astype(np.int64), capacity)
    # hand out what rounding down left over, largest fractional part first (stable: lower class wins ties)
    ranked = np.argsort(-(quota - take), kind="stable")
    while take.sum() < total and np.any(take < capacity):
        for k in ranked:
            if take.sum() < total and take[k] < capacity[k]:
                take[k] += 1
    return take


def _split_indices(y, fractions, stratify, seed):
    """Row indices of each split: fractions (f_1, ..., f_k) for the held-out splits; the rest is train."""
    n = len(y)
    totals = [int(round(n * f)) for f in fractions]
    if min(totals) < 1 or n - sum(totals) < 1:
        raise ValueError(f"with {n} examples the sizes {fractions} leave an empty split; "
                         "use more data or larger/smaller fractions")
    rng = np.random.default_rng(seed)
    if not stratify:
        order = rng.permutation(n)
        edges = np.cumsum([0] + totals)
        held = [order[a:b] for a, b in zip(edges[:-1], edges[1:])]
        return [order[edges[-1]:]] + held
    classes, counts = np.unique(y, return_counts=True)
    capacity = counts.copy()
    takes = []
    for f, total in zip(fractions, totals):
        takes.append(_apportion(counts, f, total, capacity))
        capacity = capacity - takes[-1]
    splits = [[] for _ in range(len(fractions) + 1)]
    for c, cls in enumerate(classes):
        members = rng.permutation(np.flatnonzero(y == cls))
        edges = np.cumsum([0] + [t[c] for t in takes])
        for s, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
            splits[s + 1].append(members[a:b])
        splits[0].append(members[edges[-1]:])
    # mix the classes inside each split so its first rows are not all class 0
    return [rng.permutation(np.concatenate(parts)) for parts in splits]


def train_test_split(X, y, test_size=0.2, stratify=True, seed=0):
    """Random split X (N, ...), y (N,) -> X_train, X_test, y_train, y_test; stratified keeps class shares."""
    X, y = _check_xy(X, y, stratify)
    test_size = _check_fraction("test_size", test_size)
    seed = check_seed("seed", seed)
    train, test = _split_indices(y, (test_size,), stratify, seed)
    return X[train], X[test], y[train], y[test]


def train_val_test_split(X, y, val_size=0.15, test_size=0.15, stratify=True, seed=0):
    """Three-way split -> (X_train, y_train), (X_val, y_val), (X_test, y_test); val_size + test_size < 1."""
    X, y = _check_xy(X, y, stratify)
    val_size = _check_fraction("val_size", val_size)
    test_size = _check_fraction("test_size", test_size)
    if val_size + test_size >= 1:
        raise ValueError(f"val_size + test_size must be < 1 to leave a training set, got "
                         f"{val_size} + {test_size} = {val_size + test_size}")
    seed = check_seed("seed", seed)
    train, val, test = _split_indices(y, (val_size, test_size), stratify, seed)
    return (X[train], y[train]), (X[val], y[val]), (X[test], y[test])


# ---------------------------------------------------------------- digits augmentation

def _as_images(images):
    """(N, H*W) or (N, H, W) -> float64 copy (N, H, W) and the input shape to return to."""
    arr = check_array("images", images, ndim=(2, 3), dtype=np.float64)
    if arr.ndim == 3:
        return arr.copy(), arr.shape
    side = math.isqrt(arr.shape[1])
    if side * side != arr.shape[1]:
        raise ValueError(f"images must be (N, H*W) square images or (N, H, W), got shape {arr.shape} "
                         f"({arr.shape[1]} is not a square number); for one image pass image[None]")
    return arr.reshape(len(arr), side, side).copy(), arr.shape


def _warp(imgs, degrees, dx, dy):
    """Rotate each image by degrees[i] (counter-clockwise, about the centre), then shift by (dx[i], dy[i]).

    imgs (N, H, W), degrees/dx/dy (N,) -> (N, H, W). Each output pixel samples the input at the inverse-mapped
    point with bilinear interpolation; points outside the image read as 0 (blank paper).
    """
    N, H, W = imgs.shape
    cy, cx = (H - 1) / 2, (W - 1) / 2
    theta = np.deg2rad(degrees)[:, None, None]                                # (N, 1, 1)
    cos, sin = np.cos(theta), np.sin(theta)
    rows, cols = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")       # (H, W)
    # output pixel -> undo the shift -> centred coordinates with y pointing up
    u = cols[None] - dx[:, None, None] - cx                                   # (N, H, W)
    v = cy - (rows[None] - dy[:, None, None])
    # undo the rotation: rotate by -theta
    src_c = cos * u + sin * v + cx
    src_r = cy - (-sin * u + cos * v)
    return _bilinear(imgs, src_r, src_c)


def _bilinear(imgs, r, c):
    """Sample imgs (N, H, W) at float coordinates r, c (N, H, W); zero outside the image."""
    N, H, W = imgs.shape
    r, c = _snap(r), _snap(c)
    r0, c0 = np.floor(r).astype(np.int64), np.floor(c).astype(np.int64)
    fr, fc = r - r0, c - c0
    n = np.arange(N)[:, None, None]
    out = np.zeros_like(r)
    for dr, wr in ((0, 1 - fr), (1, fr)):
        for dc, wc in ((0, 1 - fc), (1, fc)):
            rr, cc = r0 + dr, c0 + dc
            inside = (rr >= 0) & (rr < H) & (cc >= 0) & (cc < W)
            val = imgs[n, np.clip(rr, 0, H - 1), np.clip(cc, 0, W - 1)]
            out += np.where(inside, wr * wc * val, 0.0)
    return out


def _snap(t):
    """Round coordinates within 1e-9 of an integer: cos(90 deg) is 6e-17, not 0, and would blur a pixel."""
    return np.where(np.abs(t - np.round(t)) < 1e-9, np.round(t), t)


def shift(images, dx=1, dy=0):
    """Move every image dx pixels right and dy pixels down, filling with 0: same shape as images, float64."""
    imgs, shape = _as_images(images)
    dx = check_number("dx", dx, integer=True)
    dy = check_number("dy", dy, integer=True)
    N = len(imgs)
    return _warp(imgs, np.zeros(N), np.full(N, dx), np.full(N, dy)).reshape(shape)


def rotate(images, degrees=15):
    """Rotate every image counter-clockwise about its centre (bilinear, 0 outside): same shape, float64."""
    imgs, shape = _as_images(images)
    degrees = check_number("degrees", degrees)
    N = len(imgs)
    return _warp(imgs, np.full(N, degrees), np.zeros(N), np.zeros(N)).reshape(shape)


def flip(images, horizontal=True):
    """Mirror every image left-right (horizontal=True) or top-bottom: same shape, float64."""
    imgs, shape = _as_images(images)
    if not isinstance(horizontal, (bool, np.bool_)):
        raise TypeError(f"horizontal must be True or False, got {horizontal!r}")
    return (imgs[:, :, ::-1] if horizontal else imgs[:, ::-1, :]).reshape(shape)


def gaussian_noise(images, std=1.0, seed=0):
    """Add N(0, std^2) noise per pixel, clipped to the pixel range [0, 16]: same shape, float64."""
    imgs, shape = _as_images(images)
    std = check_number("std", std, nonnegative=True)
    rng = np.random.default_rng(check_seed("seed", seed))
    return np.clip(imgs + std * rng.standard_normal(imgs.shape), 0.0, PIXEL_MAX).reshape(shape)


def augment(images, seed=0, max_shift=1, max_degrees=15, noise_std=0.5, flip=False):
    """A random shift, rotation and pixel noise per image (and a coin-flip mirror if ``flip``): same shape.

    Shifts are integers in [-max_shift, max_shift], angles uniform in [-max_degrees, max_degrees].
    Mirroring is off by default: a mirrored 2 or 7 is not a digit any more.
    """
    imgs, shape = _as_images(images)
    rng = np.random.default_rng(check_seed("seed", seed))
    max_shift = check_number("max_shift", max_shift, integer=True, nonnegative=True)
    max_degrees = check_number("max_degrees", max_degrees, nonnegative=True)
    noise_std = check_number("noise_std", noise_std, nonnegative=True)
    if not isinstance(flip, (bool, np.bool_)):
        raise TypeError(f"flip must be True or False, got {flip!r}")
    N = len(imgs)
    dx, dy = rng.integers(-max_shift, max_shift + 1, size=(2, N))             # (2, N)
    degrees = rng.uniform(-max_degrees, max_degrees, size=N)
    out = _warp(imgs, degrees, dx, dy)                                        # (N, H, W)
    if flip:
        mirror = rng.random(N) < 0.5
        out[mirror] = out[mirror, :, ::-1]
    out = np.clip(out + noise_std * rng.standard_normal(out.shape), 0.0, PIXEL_MAX)
    return out.reshape(shape)


# ---------------------------------------------------------------- mini-batches

def shuffled_indices(n, seed, epoch):
    """The row order of one epoch: np.random.default_rng([seed, epoch]).permutation(n) -> (n,) int64."""
    n = check_number("n", n, integer=True, positive=True)
    seed, epoch = check_seed("seed", seed), check_seed("epoch", epoch)
    # seeding with [seed, epoch] gives each epoch its own stream without carrying generator state along
    return np.random.default_rng([seed, epoch]).permutation(n).astype(np.int64)


def num_batches(n, batch_size):
    """Iterations in one epoch: ceil(n / batch_size) (an epoch is not an iteration)."""
    n = check_number("n", n, integer=True, positive=True)
    batch_size = check_number("batch_size", batch_size, integer=True, positive=True)
    return -(-n // batch_size)


def minibatches(X, y, batch_size, shuffle=True, seed=0, epoch=0):
    """Yield (X_batch (B, ...), y_batch (B, ...)) over one epoch; the last batch is smaller if N % B != 0."""
    # checks run here, at the call, not at the first next(): a generator would postpone them
    X = check_array("X", X, ndim=(1, 2, 3, 4))
    y = check_array("y", y, ndim=(1, 2))
    if len(y) != len(X):
        raise ValueError(f"y has {len(y)} rows but X has {len(X)}; they must match")
    batch_size = check_number("batch_size", batch_size, integer=True, positive=True)
    if batch_size > len(X):
        raise ValueError(f"batch_size must be <= N (the number of examples, N={len(X)}), got {batch_size}")
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
    order = shuffled_indices(len(X), seed, epoch)        # also checks seed and epoch
    if not shuffle:
        order = np.arange(len(X))
    return _batches(X, y, order, batch_size)


def _batches(X, y, order, batch_size):
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]                               # (B,)
        yield X[idx], y[idx]
