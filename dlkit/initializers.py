"""Weight initializers: how the first weights are drawn, and the standard deviation each one targets.

``dk.init.xavier_uniform()`` returns an :class:`Initializer`; calling it draws ``W (fan_in, fan_out)``.
Strings work too: ``MLP(..., init="he_normal")``. The scale of Xavier/He/LeCun depends on the fan-in (and
fan-out) — not a fixed ``±0.01`` as folklore has it; ``Initializer.std(fan_in, fan_out)`` tells the number.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .validation import check_choice, check_number

NAMES = ("zeros", "constant", "normal", "uniform", "xavier_uniform", "xavier_normal",
         "he_uniform", "he_normal", "lecun_normal")


@dataclass(frozen=True)
class Initializer:
    """A named rule for drawing a weight matrix. ``value`` is the constant, std or limit where one applies.
    Module 06."""

    name: str
    value: float = 0.0

    def std(self, fan_in: int, fan_out: int) -> float:
        """Standard deviation of the weights this rule draws for a (fan_in, fan_out) layer."""
        rules = {
            "zeros": 0.0,
            "constant": 0.0,
            "normal": self.value,
            "uniform": self.value / math.sqrt(3.0),
            "xavier_uniform": math.sqrt(2.0 / (fan_in + fan_out)),
            "xavier_normal": math.sqrt(2.0 / (fan_in + fan_out)),
            "he_uniform": math.sqrt(2.0 / fan_in),
            "he_normal": math.sqrt(2.0 / fan_in),
            "lecun_normal": math.sqrt(1.0 / fan_in),
        }
        return rules[self.name]

    def __call__(self, fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
        """Draw W (fan_in, fan_out) float64."""
        shape = (fan_in, fan_out)
        if self.name == "zeros":
            return np.zeros(shape)
        if self.name == "constant":
            return np.full(shape, self.value)
        std = self.std(fan_in, fan_out)
        if self.name.endswith("uniform"):
            limit = std * math.sqrt(3.0)        # a uniform on [-a, a] has std a / sqrt(3)
            return rng.uniform(-limit, limit, size=shape)
        return rng.normal(0.0, std, size=shape)


def zeros() -> Initializer:
    """All zeros: every unit of a layer stays identical forever (the symmetry problem). Module 06."""
    return Initializer("zeros")


def constant(value: float = 0.1) -> Initializer:
    """Every weight equal to ``value``. Module 06."""
    return Initializer("constant", check_number("value", value))


def normal(std: float = 0.01) -> Initializer:
    """N(0, std^2), a fixed std whatever the layer's size. Module 06."""
    return Initializer("normal", check_number("std", std, nonnegative=True))


def uniform(limit: float = 0.05) -> Initializer:
    """U(-limit, limit), a fixed limit whatever the layer's size. Module 06."""
    return Initializer("uniform", check_number("limit", limit, nonnegative=True))


def xavier_uniform() -> Initializer:
    """Glorot & Bengio 2010: U(±sqrt(6 / (fan_in + fan_out))), for tanh/sigmoid layers. Module 06."""
    return Initializer("xavier_uniform")


def xavier_normal() -> Initializer:
    """Glorot & Bengio 2010: N(0, 2 / (fan_in + fan_out)). Module 06."""
    return Initializer("xavier_normal")


def he_uniform() -> Initializer:
    """He et al. 2015: variance 2 / fan_in, for every ReLU-family layer. Module 06."""
    return Initializer("he_uniform")


def he_normal() -> Initializer:
    """He et al. 2015: N(0, 2 / fan_in). Module 06."""
    return Initializer("he_normal")


def lecun_normal() -> Initializer:
    """LeCun: N(0, 1 / fan_in). Module 06."""
    return Initializer("lecun_normal")


_DEFAULTS = {"zeros": zeros, "constant": constant, "normal": normal, "uniform": uniform,
             "xavier_uniform": xavier_uniform, "xavier_normal": xavier_normal, "he_uniform": he_uniform,
             "he_normal": he_normal, "lecun_normal": lecun_normal}


def get(spec) -> Initializer:
    """Accept an :class:`Initializer` or a name (with its default scale). Module 06."""
    if isinstance(spec, Initializer):
        return spec
    return _DEFAULTS[check_choice("init", spec, NAMES)]()
