"""The Playground's "the math" panel: a run's forward pass, loss and update as LaTeX, with every shape."""
from __future__ import annotations

import html
import itertools

import dlkit as dk

_UPDATES = {
    "sgd": r"\theta \leftarrow \theta - \alpha g",
    "momentum": r"v \leftarrow \mu v + g,\quad \theta \leftarrow \theta - \alpha v",
    "nesterov": r"v \leftarrow \mu v + g,\quad \theta \leftarrow \theta - \alpha (g + \mu v)",
    "adagrad": r"s \leftarrow s + g^2,\quad \theta \leftarrow \theta - \alpha\, g / (\sqrt{s} + \epsilon)",
    "rmsprop": r"s \leftarrow \rho s + (1-\rho) g^2,\quad \theta \leftarrow \theta - \alpha\, g / (\sqrt{s} + \epsilon)",
    "adam": r"m \leftarrow \beta_1 m + (1-\beta_1) g,\ v \leftarrow \beta_2 v + (1-\beta_2) g^2,\ "
            r"\theta \leftarrow \theta - \alpha\, \hat m / (\sqrt{\hat v} + \epsilon)",
    "adamw": r"\theta \leftarrow \theta (1 - \alpha \lambda),\ \text{then the Adam step}",
    "adamax": r"m \leftarrow \beta_1 m + (1-\beta_1) g,\ u \leftarrow \max(\beta_2 u, |g|),\ "
              r"\theta \leftarrow \theta - \frac{\alpha}{1-\beta_1^t} m / u",
}


def math_html(s, data):
    """The forward pass, loss and update of settings s as LaTeX, with every shape."""
    n, d = data["X"].shape
    out = 1 if s.loss == "binary_cross_entropy" else data["n_classes"]
    sizes = [d] + [s.width] * s.hidden_layers + [out]
    lines = []
    prev = "X"
    for k in range(1, len(sizes) - 1):
        z = rf"{prev} W_{k} + b_{k}"
        if s.batch_norm:
            z = rf"\mathrm{{BN}}({z})"
        h = rf"\mathrm{{{s.activation.replace('_', '')}}}({z})"
        drop = rf" \odot m_{k}/(1-{s.dropout:g})" if s.dropout else ""
        lines.append(rf"h_{k} = {h}{drop} \quad W_{k}: ({sizes[k - 1]}, {sizes[k]})")
        prev = f"h_{k}"
    L = len(sizes) - 1
    lines.append(rf"z = {prev} W_{L} + b_{L} \quad W_{L}: ({sizes[-2]}, {sizes[-1]})")
    if s.loss == "binary_cross_entropy":
        loss = r"L = -\frac{1}{B}\sum_i \left[y_i \log \sigma(z_i) + (1-y_i)\log(1-\sigma(z_i))\right]"
    else:
        loss = r"L = -\frac{1}{B}\sum_i \log \frac{e^{z_{i,y_i}}}{\sum_c e^{z_{i,c}}}"
    if s.l2:
        loss += rf" + \frac{{{s.l2:g}}}{{2}}\sum_k \lVert W_k \rVert^2"
    if s.l1:
        loss += rf" + {s.l1:g} \sum_k \lvert W_k \rvert"
    lines.append(loss)
    lines.append(rf"g = \nabla_\theta L,\quad {_UPDATES[s.optimizer]},\quad \alpha = {s.lr:.3g}")
    body = "".join(f"<div>$${line}$$</div>" for line in lines)
    ipe = dk.data.num_batches(n, s.batch_size)
    return (f"<div style='font-size:90%'>{body}<div>one epoch = ⌈N / B⌉ = ⌈{n} / {s.batch_size}⌉ = {ipe} "
            f"iterations; {html.escape(str(sum(a * b + b for a, b in itertools.pairwise(sizes))))} weights and "
            "biases</div></div>")
