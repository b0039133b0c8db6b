"""BatchSizeLab headless: one run per batch size, and the budget in epochs or steps."""
from dlkit import widgets

from .labs import click


def test_batch_size_lab_sweeps_every_size():
    lab = widgets.BatchSizeLab(n_samples=200, amount=2)
    assert lab.sizes == [1, 4, 16, 64, 160]
    click(lab, "run")
    rows = lab.summary()
    assert list(rows) == lab.sizes
    assert [r["iterations_per_epoch"] for r in rows.values()] == [160, 40, 10, 3, 1]
    assert rows[1]["noise"] > rows[160]["noise"]
    assert all(r["epochs"] == 2 for r in rows.values())
    lab.controls["budget"].value = "optimizer steps"
    assert lab.controls["amount"].value == 500 and lab.controls["amount"].description == "optimizer steps"
    assert lab.epochs_for(1) == 3 and lab.epochs_for(160) == 500
