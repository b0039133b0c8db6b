"""Your kernels against PyTorch, on the same device: one batch through dlkit and through the torch mirror, and
the largest differences of the outputs, the loss and every gradient.

    report = dk.reference.compare(model, X, y, loss="cross_entropy")   # device follows the backend
    print(report)            # a table; report.ok(tol) says whether every difference is within tol
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .backend import get_backend


@dataclass
class Report:
    device: str
    backend: str
    rows: list = field(default_factory=list)          # (name, max abs difference, max relative difference)

    def ok(self, tol=1e-4):
        return all(rel <= tol or ab <= tol for _, ab, rel in self.rows)

    def __str__(self):
        lines = [f"dlkit ({self.backend}) vs torch ({self.device})", f"{'':<10}{'max abs':>12}{'max rel':>12}"]
        lines += [f"{name:<10}{ab:>12.2e}{rel:>12.2e}" for name, ab, rel in self.rows]
        return "\n".join(lines)


def _diff(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    ab = float(np.max(np.abs(a - b), initial=0.0))
    return ab, ab / max(float(np.max(np.abs(b), initial=0.0)), 1e-30)


def default_device():
    """"cuda" when dlkit runs on the GPU and torch sees one too, else "cpu"."""
    import torch

    return "cuda" if get_backend() == "cuda" and torch.cuda.is_available() else "cpu"


def compare(model, X, y, loss="cross_entropy", l1=0.0, l2=0.0, device=None):
    """Run the batch through ``model`` (active backend) and its torch mirror on ``device``; a :class:`Report`.
    Dropout masks cannot match torch's, so the comparison runs with the model's dropout switched off."""
    from .torch_mirror import torch_loss_and_grads

    device = device or default_device()
    saved, model.dropout = model.dropout, 0.0
    try:
        value, grads = model.loss_and_grads(X, y, loss=loss, l1=l1, l2=l2)
        t_value, t_grads, _ = torch_loss_and_grads(model, X, y, loss, l1=l1, l2=l2, device=device)
        out, t_out = model.forward(X), model.to_torch(device).eval()(_tensor(model, X, device))
    finally:
        model.dropout = saved
    report = Report(device=device, backend=get_backend())
    report.rows.append(("outputs", *_diff(out, t_out.detach().cpu().numpy())))
    report.rows.append(("loss", *_diff(value, t_value)))
    report.rows += [(name, *_diff(grads[name], t_grads[name])) for name in grads]
    return report


def _tensor(model, X, device):
    import torch

    dtype = torch.float64 if model.dtype == np.float64 else torch.float32
    return torch.as_tensor(np.asarray(X), dtype=dtype, device=device)
