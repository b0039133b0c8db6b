"""The 8x8 handwritten digits, and the augmentations that make more of them (shift, rotate, flip, noise)."""
from __future__ import annotations

import math

import numpy as np

from ..validation import check_array, check_number, check_seed

PIXEL_MAX = 16.0        # digits pixels are ink counts 0..16, not 0..255


# ---------------------------------------------------------------- digits

_DIGITS = None


def digits():
    """The 8x8 handwritten digits shipped with scikit-learn: X (1797, 64) float64 in 0..16, y (1797,) int64.
    Module 01."""
    global _DIGITS
    if _DIGITS is None:
        from sklearn.datasets import load_digits   # lazy: scikit-learn is slow to import and needed only here
        bunch = load_digits()
        _DIGITS = bunch.data.astype(np.float64), bunch.target.astype(np.int64)
    # copies: a caller scaling X in place must not change the next caller's data
    return _DIGITS[0].copy(), _DIGITS[1].copy()


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
    """Move every image dx pixels right and dy pixels down, filling with 0: same shape as images, float64. Module 01."""
    imgs, shape = _as_images(images)
    dx = check_number("dx", dx, integer=True)
    dy = check_number("dy", dy, integer=True)
    N = len(imgs)
    return _warp(imgs, np.zeros(N), np.full(N, dx), np.full(N, dy)).reshape(shape)


def rotate(images, degrees=15):
    """Rotate every image counter-clockwise about its centre (bilinear, 0 outside): same shape, float64. Module 01."""
    imgs, shape = _as_images(images)
    degrees = check_number("degrees", degrees)
    N = len(imgs)
    return _warp(imgs, np.full(N, degrees), np.zeros(N), np.zeros(N)).reshape(shape)


def flip(images, horizontal=True):
    """Mirror every image left-right (horizontal=True) or top-bottom: same shape, float64. Module 01."""
    imgs, shape = _as_images(images)
    if not isinstance(horizontal, (bool, np.bool_)):
        raise TypeError(f"horizontal must be True or False, got {horizontal!r}")
    return (imgs[:, :, ::-1] if horizontal else imgs[:, ::-1, :]).reshape(shape)


def gaussian_noise(images, std=1.0, seed=0):
    """Add N(0, std^2) noise per pixel, clipped to the pixel range [0, 16]: same shape, float64. Module 01."""
    imgs, shape = _as_images(images)
    std = check_number("std", std, nonnegative=True)
    rng = np.random.default_rng(check_seed("seed", seed))
    return np.clip(imgs + std * rng.standard_normal(imgs.shape), 0.0, PIXEL_MAX).reshape(shape)


def augment(images, seed=0, max_shift=1, max_degrees=15, noise_std=0.5, flip=False):
    """A random shift, rotation and pixel noise per image (and a coin-flip mirror if ``flip``): same shape.

    Shifts are integers in [-max_shift, max_shift], angles uniform in [-max_degrees, max_degrees].
    Mirroring is off by default: a mirrored 2 or 7 is not a digit any more.
    Module 01.
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
