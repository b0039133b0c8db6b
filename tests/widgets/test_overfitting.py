"""OverfittingLab headless: early stopping restores the best weights; random labels."""
import numpy as np

from dlkit import widgets

from .labs import click, fresh_picture


def test_overfitting_lab_early_stopping_restores_the_best_weights():
    lab = widgets.OverfittingLab(train_size=30, width=64, epochs=300, patience=10, speed="fast")
    before = lab.image.value
    click(lab, "train")
    h = lab.hist
    assert h.best_epoch is not None and h.stopped_early and h.epochs < 300
    assert h.epochs == h.best_epoch + 1 + 10
    assert "were restored" in lab.status.value
    assert lab.model.forward(lab.data["X_val"]).shape == (500, 2)
    fresh_picture(lab, before)
    lab.controls["random_labels"].value = True
    shuffled = lab.data["y"]
    lab.controls["random_labels"].value = False
    assert not np.array_equal(shuffled, lab.data["y"]) and np.bincount(shuffled).tolist() == \
        np.bincount(lab.data["y"]).tolist()
