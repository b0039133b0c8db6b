import math

import numpy as np
import pytest
import torch

import dlkit as dk
from dlkit import initializers


@pytest.mark.parametrize("name", ["xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "lecun_normal"])
def test_std_depends_on_fan_in_and_fan_out(name):
    init = initializers.get(name)
    W = init(400, 300, np.random.default_rng(0))
    assert W.shape == (400, 300)
    assert W.std() == pytest.approx(init.std(400, 300), rel=0.02)
    assert init.std(10, 10) > init.std(1000, 1000)        # not a fixed +-0.01


def test_scales_match_torch_init():
    t = torch.empty(300, 400)                              # torch stores (fan_out, fan_in)
    torch.nn.init.xavier_uniform_(t)
    assert initializers.xavier_uniform().std(400, 300) == pytest.approx(t.std().item(), rel=0.03)
    torch.nn.init.kaiming_normal_(t, nonlinearity="relu")
    assert initializers.he_normal().std(400, 300) == pytest.approx(t.std().item(), rel=0.03)


def test_uniform_limits():
    W = initializers.xavier_uniform()(50, 70, np.random.default_rng(0))
    assert np.abs(W).max() <= math.sqrt(6 / 120)
    W = dk.init.uniform(limit=0.2)(30, 30, np.random.default_rng(0))
    assert np.abs(W).max() <= 0.2


def test_simple_rules():
    rng = np.random.default_rng(0)
    assert not initializers.zeros()(3, 4, rng).any()
    assert np.all(dk.init.constant(0.5)(3, 4, rng) == 0.5)
    assert dk.init.normal(std=0.01)(500, 500, rng).std() == pytest.approx(0.01, rel=0.02)


def test_bad_names_and_scales():
    with pytest.raises(ValueError, match="unknown init 'glorot'; allowed"):
        initializers.get("glorot")
    with pytest.raises(ValueError, match="std must be zero or positive"):
        dk.init.normal(std=-1)
