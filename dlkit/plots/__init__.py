"""Plots of training: functions that draw a History, a LayerStats record or plain arrays on a matplotlib ``ax``.

Drawing only: a chart is handed what it shows (arrays, a History, grids computed by ``dlkit.planes`` and
``dlkit.surfaces``) and computes nothing of its own. No pyplot state and no widgets here: the labs in
the lectures call them on their own axes (the labs draw live in the browser, with :mod:`dlkit.live`)::

    import matplotlib.pyplot as plt
    from dlkit import plots
    fig, ax = plt.subplots()
    plots.curves(ax, hist)

=====================  ==========================================================================
palette, axes          the Okabe–Ito colours; notes, titles, log axes and legends every chart uses
figures                a figure without pyplot (any thread), its picture as PNG bytes
history                train and validation curves, divergence, early stopping, generalization gap
layer_stats            per-layer statistics over training and across layers, histograms
activation_charts      an activation and its derivative, dead and saturated zones
input_plane            2-D data, decision boundaries, hidden units over the input plane
race                   the optimizer race: contours, trajectories, losses, step lengths, momentum map
batch_size             losses, costs and results across batch sizes
evaluation             confusion matrix, precision–recall curve, score bars
gpu_timing             milliseconds per step against width, per backend (module 09)
=====================  ==========================================================================

Every axis is labelled with its unit; every series has a legend entry.
"""
from .activation_charts import CURVE_POINTS, activation_curve, activation_zones
from .axes import log_axis, message, title
from .batch_size import batch_costs, batch_results, step_losses
from .evaluation import confusion_matrix, precision_recall, score_bars
from .figures import new_figure, to_png
from .gpu_timing import BACKEND_STYLE, step_times
from .history import chance_level, curves, early_stopping, generalization_gap, mark_divergence
from .input_plane import decision_boundary, hidden_units, training_points
from .layer_stats import histograms, layer_histograms, layer_percentages, layer_profile, layer_series, shown_layers
from .palette import (ALERT, BLACK, BLUE, CLASS_COLORS, GREEN, GREY, OPTIMIZER_COLORS, ORANGE, PURPLE, SKY, SMALL,
                      TRAIN, VAL, VERMILLION, YELLOW)
from .race import momentum_map, optimizer_paths, race_losses, step_sizes, surface_contours

__all__ = [
    "ALERT", "BLACK", "BLUE", "CLASS_COLORS", "GREEN", "GREY", "OPTIMIZER_COLORS", "ORANGE", "PURPLE", "SKY",
    "SMALL", "TRAIN", "VAL", "VERMILLION", "YELLOW", "BACKEND_STYLE", "CURVE_POINTS",
    "new_figure", "to_png",
    "log_axis", "message", "title",
    "chance_level", "curves", "early_stopping", "generalization_gap", "mark_divergence",
    "histograms", "layer_histograms", "layer_percentages", "layer_profile", "layer_series", "shown_layers",
    "activation_curve", "activation_zones",
    "decision_boundary", "hidden_units", "training_points",
    "momentum_map", "optimizer_paths", "race_losses", "step_sizes", "surface_contours",
    "batch_costs", "batch_results", "step_losses",
    "confusion_matrix", "precision_recall", "score_bars",
    "step_times",
]
