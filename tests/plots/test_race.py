"""dlkit.plots.race: contours, trajectories, losses and step lengths of the optimizer race; the momentum map."""
from dlkit import plots, surfaces

from .drawing import labelled, markers


def test_optimizer_race_plots(fig):
    s = surfaces.rosenbrock()
    paths = surfaces.race(s, names=("sgd", "adam"), lr=0.1, adaptive_lr=0.05, steps=50)
    assert paths["sgd"].diverged_at is not None
    ax_map, ax_loss, ax_steps = fig.subplots(1, 3)
    plots.surface_contours(ax_map, s, surfaces.contour_grid(s))
    plots.optimizer_paths(ax_map, paths)
    plots.race_losses(ax_loss, paths, s.f_min)
    plots.step_sizes(ax_steps, paths)
    assert markers(ax_map, "X") and markers(ax_loss, "X")
    assert any("diverged at step" in t.get_text() for t in ax_loss.get_legend().get_texts())
    for ax in (ax_map, ax_loss, ax_steps):
        labelled(ax)
    plots.optimizer_paths(fig.subplots(), paths, upto=3)        # a frame of the animation
    plots.to_png(fig)


def test_momentum_map_marks_the_optimum_and_your_choice(fig):
    s = surfaces.quadratic(condition=100)
    ax = fig.subplots()
    plots.momentum_map(ax, surfaces.momentum_grid(s.eigenvalues, lr=0.5, beta=0.9, resolution=40))
    labels = [line.get_label() for line in ax.get_lines()]
    assert any(label.startswith("optimal") for label in labels) and any("yours" in label for label in labels)
    labelled(ax)
    plots.to_png(fig)


def test_momentum_map_says_when_your_choice_diverges(fig):
    s = surfaces.quadratic(condition=10)
    ax = fig.subplots()
    plots.momentum_map(ax, surfaces.momentum_grid(s.eigenvalues, lr=100.0, beta=0.5, resolution=20))
    yours = [line for line in ax.get_lines() if line.get_label().startswith("yours")]
    assert yours[0].get_label() == "yours: diverges" and yours[0].get_xdata()[0] == ax.get_xlim()[1]
