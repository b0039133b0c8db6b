"""dlkit.plots.history: train and validation curves in the palette, divergence, early stopping, the gap."""
import numpy as np
import pytest
from matplotlib.colors import to_hex

import dlkit as dk
from dlkit import plots

from .drawing import labelled, markers


def test_curves_plot_train_and_validation_in_the_palette(fig, trained):
    _, hist = trained
    ax = fig.subplots()
    plots.curves(ax, hist, "loss")
    labelled(ax)
    colors = {to_hex(line.get_color()).upper() for line in ax.get_lines()}
    assert {plots.TRAIN, plots.VAL} <= colors
    assert len(ax.get_lines()[0].get_xdata()) == hist.epochs and ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation"]


def test_accuracy_is_in_percent(fig, trained):
    _, hist = trained
    ax = fig.subplots()
    plots.curves(ax, hist, "acc", label="A", linestyle="--")
    assert ax.get_lines()[0].get_ydata().max() == pytest.approx(100 * max(hist.train_acc))
    assert "%" in ax.get_ylabel() and "train (A)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_divergence_is_a_marked_point_with_a_message(fig, diverged):
    ax = fig.subplots()
    plots.curves(ax, diverged, "loss")
    marks = markers(ax, "X")
    assert len(marks) == 1 and "diverged" in marks[0].get_label()
    plots.to_png(fig)


def test_an_empty_history_says_what_to_do(fig):
    ax = fig.subplots()
    plots.curves(ax, dk.History(), "loss")
    assert any("Train" in t.get_text() for t in ax.texts)


def test_early_stopping_marks_best_epoch_and_patience(fig, trained):
    _, hist = trained
    ax = fig.subplots()
    plots.curves(ax, hist, "loss")
    plots.early_stopping(ax, hist, patience=5, restored=True)
    star = markers(ax, "*")[0]
    assert star.get_xdata()[0] == hist.best_epoch + 1 and "restored" in star.get_label()
    assert any("patience" in p.get_label() for p in ax.patches)
    ax2 = fig.subplots()
    plots.early_stopping(ax2, hist)                 # no patience: just the lowest validation loss
    assert not ax2.patches and markers(ax2, "*")


def test_chance_level_and_generalization_gap(fig, trained):
    _, hist = trained
    ax_acc, ax_gap = fig.subplots(1, 2)
    plots.chance_level(ax_acc, 4)
    assert ax_acc.get_lines()[0].get_ydata()[0] == 25.0
    plots.generalization_gap(ax_gap, hist)
    labelled(ax_gap)
    np.testing.assert_allclose(ax_gap.get_lines()[0].get_ydata(), np.subtract(hist.val_loss, hist.train_loss))
    assert ax_gap.get_legend() is not None
