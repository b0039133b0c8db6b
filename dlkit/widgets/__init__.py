"""Live, interactive labs: move a control, watch training change.

Each lab is one line in a notebook (``Playground()``) and wires controls to ``dlkit.plots`` over the engine;
see :mod:`dlkit.widgets.base` for how live updates and the Stop button work.

=====================  ===========================================================================
Playground             a whole training run: data, network, optimizer; twin runs; PyTorch export
ActivationExplorer     activations, derivatives, saturated and dead zones, one layer on a batch
GradientFlowLab        per-layer activations and gradients in deep nets, with a diagnosis line
OverfittingLab         train vs validation curves, early stopping, regularization, random labels
OptimizerRace          optimizers on 2-D surfaces; momentum theory on the quadratic
BatchSizeLab           loss noise, steps and time per epoch, accuracy, across batch sizes
MetricsPanel           confusion matrix, precision/recall/F1, threshold and PR curve
=====================  ===========================================================================
"""
from .activation_explorer import ActivationExplorer
from .batch_size import BatchSizeLab
from .gradient_flow import GradientFlowLab
from .metrics_panel import MetricsPanel
from .optimizer_race import OptimizerRace
from .overfitting import OverfittingLab
from .playground import Playground

__all__ = [
           "ActivationExplorer",
           "BatchSizeLab",
           "GradientFlowLab",
           "MetricsPanel",
           "OptimizerRace",
           "OverfittingLab",
           "Playground",
]
