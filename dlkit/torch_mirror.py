"""PyTorch mirrors of a dlkit model: the same network as a ``torch.nn.Sequential``, the same loss through
autograd, and the same network as readable PyTorch source code. torch is imported here only.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from . import layers, losses
from .activations import ELU_ALPHA, LEAKY_SLOPE
from .packing import (ABSENT, BETA, BIAS, D_IN, D_OUT, DROP, G_OFF, GAMMA, RUNNING_MEAN, RUNNING_VAR, WEIGHT,
                      param_name)

# activation -> (torch.nn class, its keyword arguments)
_TORCH_ACT = {"linear": ("Identity", {}), "sigmoid": ("Sigmoid", {}), "tanh": ("Tanh", {}), "relu": ("ReLU", {}),
              "leaky_relu": ("LeakyReLU", {"negative_slope": LEAKY_SLOPE}), "elu": ("ELU", {"alpha": ELU_ALPHA}),
              "gelu": ("GELU", {})}


def _torch():
    import torch

    return torch


def module_specs(model):
    """The layers of the equivalent ``nn.Sequential`` as (class name, args, kwargs)."""
    specs = []
    for k, row in enumerate(model.layout, start=1):
        specs.append(("Linear", (int(row[D_IN]), int(row[D_OUT])), {}))
        if k < model.n_layers:
            if row[G_OFF] != ABSENT:
                specs.append(("BatchNorm1d", (int(row[D_OUT]),), {"eps": layers.BN_EPS,
                                                                   "momentum": layers.BN_MOMENTUM}))
            name, kwargs = _TORCH_ACT[model.activations[k - 1]]
            specs.append((name, (), kwargs))
            if row[DROP]:
                specs.append(("Dropout", (), {"p": model.dropout}))
    return specs


def module_lines(model):
    """The same layers as source strings: "Linear(2, 16)", "Tanh()", ..."""
    return [f"{name}({', '.join([*map(repr, args), *(f'{k}={v!r}' for k, v in kwargs.items())])})"
            for name, args, kwargs in module_specs(model)]


def to_torch(model, device="cpu"):
    """An equivalent ``torch.nn.Sequential`` on ``device`` with identical weights and running statistics."""
    torch = _torch()
    nn = torch.nn
    net = nn.Sequential(*[getattr(nn, name)(*args, **kwargs) for name, args, kwargs in module_specs(model)])
    dtype = torch.float64 if model.dtype == np.float64 else torch.float32
    net = net.to(device=device, dtype=dtype)
    stats = model.running_stats()
    k = 0
    with torch.no_grad():
        for module in net:
            if isinstance(module, nn.Linear):
                k += 1
                W = model.params[param_name(WEIGHT, k)]
                module.weight.copy_(torch.as_tensor(W.T.copy()))                   # torch keeps (out, in)
                module.bias.copy_(torch.as_tensor(model.params[param_name(BIAS, k)]))
            elif isinstance(module, nn.BatchNorm1d):
                module.weight.copy_(torch.as_tensor(model.params[param_name(GAMMA, k)]))
                module.bias.copy_(torch.as_tensor(model.params[param_name(BETA, k)]))
                module.running_mean.copy_(torch.as_tensor(stats[param_name(RUNNING_MEAN, k)]))
                module.running_var.copy_(torch.as_tensor(stats[param_name(RUNNING_VAR, k)]))
    return net


def torch_loss(name, out, y):
    """dlkit's loss ``name`` written with torch.nn.functional: out (N, C) tensor, y tensor -> scalar tensor."""
    torch = _torch()
    F = torch.nn.functional
    name = losses.NAMES[losses.ID[name]]
    if name in ("mse", "mae", "huber"):
        y = y.reshape(out.shape).to(out.dtype)
        return {"mse": F.mse_loss, "mae": F.l1_loss, "huber": F.huber_loss}[name](out, y)
    if name == "binary_cross_entropy":
        return F.binary_cross_entropy_with_logits(out[:, 0], y.to(out.dtype))
    if name == "cross_entropy":
        return F.cross_entropy(out, y.long())
    if out.shape[1] == 1:
        return torch.clamp(1 - (2 * y.to(out.dtype) - 1) * out[:, 0], min=0).mean()
    return F.multi_margin_loss(out, y.long())


def torch_loss_and_grads(model, X, y, loss="cross_entropy", l1=0.0, l2=0.0, device="cpu", train=True):
    """Loss (+ penalty) and gradients of the torch mirror, keyed like ``model.params`` (numpy, our layout).

    Dropout masks cannot match torch's random ones, so compare with dropout off (or ``train=False``).
    """
    torch = _torch()
    net = to_torch(model, device)
    net.train(train)
    dtype = next(net.parameters()).dtype
    out = net(torch.as_tensor(np.asarray(X), dtype=dtype, device=device))
    value = torch_loss(loss, out, torch.as_tensor(np.asarray(y), device=device))
    for module in net:
        if isinstance(module, torch.nn.Linear):
            value = value + l1 * module.weight.abs().sum() + 0.5 * l2 * (module.weight ** 2).sum()
    value.backward()
    grads, k = OrderedDict(), 0
    for module in net:
        if isinstance(module, torch.nn.Linear):
            k += 1
            grads[param_name(WEIGHT, k)] = module.weight.grad.T.cpu().numpy().copy()
            grads[param_name(BIAS, k)] = module.bias.grad.cpu().numpy().copy()
        elif isinstance(module, torch.nn.BatchNorm1d):
            grads[param_name(GAMMA, k)] = module.weight.grad.cpu().numpy().copy()
            grads[param_name(BETA, k)] = module.bias.grad.cpu().numpy().copy()
    return float(value.detach()), grads, out.detach().cpu().numpy()


def to_torch_code(model, loss="cross_entropy", optimizer="sgd", lr=0.1):
    """Readable PyTorch source that builds this architecture and a training step (weights not included)."""
    layers = ",\n    ".join(f"nn.{line}" for line in module_lines(model))
    loss_code = {"mse": "nn.MSELoss()", "mae": "nn.L1Loss()", "huber": "nn.HuberLoss()",
                 "binary_cross_entropy": "nn.BCEWithLogitsLoss()", "cross_entropy": "nn.CrossEntropyLoss()",
                 "hinge": "nn.MultiMarginLoss()"}[losses.NAMES[losses.ID[loss]]]
    opt_code = {"sgd": f"torch.optim.SGD(model.parameters(), lr={lr})",
                "momentum": f"torch.optim.SGD(model.parameters(), lr={lr}, momentum=0.9)",
                "nesterov": f"torch.optim.SGD(model.parameters(), lr={lr}, momentum=0.9, nesterov=True)",
                "adagrad": f"torch.optim.Adagrad(model.parameters(), lr={lr})",
                "rmsprop": f"torch.optim.RMSprop(model.parameters(), lr={lr})",
                "adam": f"torch.optim.Adam(model.parameters(), lr={lr})",
                "adamw": f"torch.optim.AdamW(model.parameters(), lr={lr})",
                "adamax": f"torch.optim.Adamax(model.parameters(), lr={lr})"}[optimizer]
    return (f"import torch\nfrom torch import nn\n\nmodel = nn.Sequential(\n    {layers},\n)\n"
            f"loss_fn = {loss_code}\noptimizer = {opt_code}\n\n"
            "def train_step(X, y):\n    optimizer.zero_grad()\n    loss = loss_fn(model(X), y)\n"
            "    loss.backward()\n    optimizer.step()\n    return loss.item()\n")
