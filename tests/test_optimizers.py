import numpy as np
import pytest
import torch
from numba import njit

from dlkit import optimizers

TORCH = {
    "sgd": lambda p, lr: torch.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
    "nesterov": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
    "adagrad": lambda p, lr: torch.optim.Adagrad(p, lr=lr),
    "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr=lr),
    "adam": lambda p, lr: torch.optim.Adam(p, lr=lr),
    "adamw": lambda p, lr: torch.optim.AdamW(p, lr=lr),
    "adamax": lambda p, lr: torch.optim.Adamax(p, lr=lr),
}
STEPS = 7


def _gradients(rng, size):
    """A fixed sequence of gradients, some elements exactly zero (Adamax/Adagrad corner cases)."""
    grads = rng.normal(size=(STEPS, size))
    grads[:, 0] = 0.0
    return grads


def _torch_trajectory(name, theta0, grads, lr):
    p = torch.tensor(theta0.copy(), requires_grad=True)
    opt = TORCH[name]([p], lr)
    out = []
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


@pytest.mark.parametrize("name", optimizers.NAMES)
def test_numpy_optimizer_matches_torch_step_for_step(name, rng):
    theta, grads, lr = rng.normal(size=9), _gradients(rng, 9), 0.05
    expected = _torch_trajectory(name, theta, grads, lr)
    opt = optimizers.get(name, lr=lr)
    for step, g in enumerate(grads):
        opt.step(theta, g.copy())
        np.testing.assert_allclose(theta, expected[step], rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")


@pytest.mark.parametrize("name", optimizers.NAMES)
def test_compiled_update_matches_torch_step_for_step(name, rng):
    theta, grads, lr = rng.normal(size=9), _gradients(rng, 9), 0.05
    expected = _torch_trajectory(name, theta, grads, lr)
    update = njit(optimizers.update_flat)
    opt = optimizers.get(name, lr=lr)
    hyper, m, v = opt.vector(), np.zeros(9), np.zeros(9)
    for step, g in enumerate(grads):
        for i in range(9):
            update(theta, g, m, v, i, optimizers.ID[name], hyper, step + 1,
                   *optimizers.bias_corrections(hyper, step + 1))
        np.testing.assert_allclose(theta, expected[step], rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_by_norm_matches_torch(max_norm, rng):
    g = rng.normal(size=20)
    p = torch.zeros(20, dtype=torch.float64, requires_grad=True)
    p.grad = torch.tensor(g.copy())
    torch_norm = torch.nn.utils.clip_grad_norm_([p], max_norm)
    norm = optimizers.clip_by_norm(g, max_norm)
    assert norm == pytest.approx(torch_norm.item())
    np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-12)


def test_optimizer_names_and_hyper_parameters_are_checked():
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'; allowed: 'sgd'"):
        optimizers.get("adamm", lr=0.1)
    with pytest.raises(ValueError, match="lr must be positive"):
        optimizers.get("adam", lr=-1)
    with pytest.raises(TypeError, match="lr must be a number"):
        optimizers.get("adam", lr="fast")
    with pytest.raises(ValueError, match="beta1 must be in"):
        optimizers.get("adam", lr=0.1, beta1=1.5)
    with pytest.raises(TypeError, match="sgd has no hyper-parameter 'momentum'"):
        optimizers.get("sgd", lr=0.1, momentum=0.9)


def test_defaults_follow_pytorch():
    assert optimizers.get("adam").lr == 0.001
    assert optimizers.get("adamax").lr == 0.002
    assert optimizers.get("adagrad").hyper["eps"] == 1e-10
    assert optimizers.get("rmsprop").hyper["alpha"] == 0.99
