"""Layers as readable numpy: each ``*_forward`` returns ``(out, cache)``, each ``*_backward(dout, cache)`` returns
the gradient w.r.t. its input first, then w.r.t. its parameters (the CS231n contract).

These are the reference the ``cpu`` and ``cuda`` kernels are tested against, and what the notebooks show.
"""
from __future__ import annotations

import math

import numpy as np

from . import activations
from .rng import uniform

BN_MOMENTUM = 0.1      # PyTorch's defaults
BN_EPS = 1e-5


def dense_forward(x, W, b):
    """Affine layer: x (N, D), W (D, H), b (H,) -> z (N, H). Module 02."""
    return x @ W + b, (x, W)


def dense_backward(dz, cache):
    """dz (N, H) -> dx (N, D), dW (D, H), db (H,). Module 04."""
    x, W = cache
    return dz @ W.T, x.T @ dz, dz.sum(axis=0)


def activation_forward(z, name):
    """h = f(z), elementwise; any shape. Module 02."""
    f, _ = activations.get(name)
    return f(z), (z, name)


def activation_backward(dh, cache):
    """dz = dh * f'(z). Module 04."""
    z, name = cache
    _, f_grad = activations.get(name)
    return dh * f_grad(z)


def dropout_mask(p, shape, seed, step, layer, dtype=np.float64):
    """Inverted-dropout mask (N, H): 0 with probability p, else 1 / (1 - p), so E[mask] = 1.

    The uniforms come from a counter-based hash of (seed, step, layer, position), so every backend draws the
    very same mask for the same step.
    Module 07.
    """
    u = uniform(seed, step, layer, np.arange(int(np.prod(shape)), dtype=np.uint64)).reshape(shape)
    return ((u >= p) / (1.0 - p)).astype(dtype)


def dropout_forward(h, p, seed, step, layer):
    """Training-mode inverted dropout: h (N, H) -> h * mask; at p = 0 the identity. Module 07."""
    if p == 0:
        return h, np.ones_like(h)
    mask = dropout_mask(p, h.shape, seed, step, layer, h.dtype)
    return h * mask, mask


def dropout_backward(dout, mask):
    """dout (N, H) -> dh = dout * mask. Module 07."""
    return dout * mask


def batchnorm_forward(z, gamma, beta, running_mean, running_var, training, momentum=BN_MOMENTUM, eps=BN_EPS):
    """Batch norm over the batch axis: z (N, H) -> gamma * z_hat + beta (N, H).

    Training uses the batch's mean and (biased) variance and updates the running statistics in place with the
    unbiased variance, as PyTorch does; evaluation uses the running statistics.
    Module 06.
    """
    if training:
        n = z.shape[0]
        mean, var = z.mean(axis=0), z.var(axis=0)
        running_mean[:] = (1 - momentum) * running_mean + momentum * mean
        running_var[:] = (1 - momentum) * running_var + momentum * var * n / max(n - 1, 1)
    else:
        mean, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)
    z_hat = (z - mean) * inv_std
    return gamma * z_hat + beta, (z_hat, gamma, inv_std)


def batchnorm_backward(dout, cache):
    """dout (N, H) -> dz (N, H), dgamma (H,), dbeta (H,) (training-mode statistics). Module 06."""
    z_hat, gamma, inv_std = cache
    n = dout.shape[0]
    dz_hat = dout * gamma
    dz = inv_std / n * (n * dz_hat - dz_hat.sum(axis=0) - z_hat * (dz_hat * z_hat).sum(axis=0))
    return dz, (dout * z_hat).sum(axis=0), dout.sum(axis=0)


# ---- one feature (column) at a time, compiled by the cpu and cuda backends (each column is independent) ---

def batchnorm_column_forward(z, zhat, inv_std, gamma, beta, rmean, rvar, j, training, update, momentum, eps):
    """Feature j of batch norm in place: its column of the batch z (n,) -> gamma[j] * z_hat + beta[j]; keeps
    the column's z_hat in zhat (n,) and 1/std in inv_std[j] for the backward pass. The caller passes the
    columns (``Z[:, j]``, or a strided slice of a flat buffer), so one code serves every memory layout. Module 09."""
    n = z.shape[0]
    if training:
        mean = 0.0
        for i in range(n):
            mean += z[i]
        mean /= float(n)
        var = 0.0
        for i in range(n):
            var += (z[i] - mean) * (z[i] - mean)
        var /= float(n)
        if update:
            rmean[j] = (1.0 - momentum) * rmean[j] + momentum * mean
            rvar[j] = (1.0 - momentum) * rvar[j] + momentum * var * float(n) / float(max(n - 1, 1))
    else:
        mean, var = rmean[j], rvar[j]
    inv = 1.0 / math.sqrt(var + eps)
    inv_std[j] = inv
    g, b = gamma[j], beta[j]
    for i in range(n):
        zh = (z[i] - mean) * inv
        if training:
            zhat[i] = zh
        z[i] = g * zh + b


def batchnorm_column_backward(dz, zhat, inv_std, gamma, dgamma, dbeta, j):
    """Feature j in place: its column dz (n,) w.r.t. the output -> w.r.t. the input, given the column's
    zhat (n,); fills dgamma[j], dbeta[j]. Module 09."""
    n = dz.shape[0]
    sum_d, sum_dz = 0.0, 0.0
    for i in range(n):
        sum_d += dz[i]
        sum_dz += dz[i] * zhat[i]
    dgamma[j], dbeta[j] = sum_dz, sum_d
    g = gamma[j]
    scale, n_g, g_sum_d = inv_std[j] / float(n), float(n) * g, g * sum_d      # the loop's constants, once
    for i in range(n):
        dz[i] = scale * (n_g * dz[i] - g_sum_d - zhat[i] * g * sum_dz)
