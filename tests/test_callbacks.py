"""Callbacks: Adjust changes a running fit's settings at its next epoch, exactly as a resumed run with the new
settings would continue; the change is recorded in the History."""
import threading

import numpy as np
import pytest

import dlkit as dk


def _spirals():
    return dk.data.spirals(n_samples=120, noise=0.1, seed=0)


def _net(dropout=0.0):
    return dk.MLP([2, 8, 8, 2], activation="tanh", batch_norm=True, dropout=dropout, seed=0, dtype="float64")


@pytest.mark.parametrize("changes", [{"lr": 0.05}, {"l2": 1e-3, "l1": 1e-4}, {"clip_norm": 0.5},
                                     {"dropout": 0.3}, {"lr": 0.003, "dropout": 0.0}])
def test_a_change_mid_run_is_a_resumed_run_with_the_new_settings(backend, changes):
    X, y = _spirals()
    kw = {"optimizer": "adam", "batch_size": 16, "verbose": False, "seed": 2, "val": (X[:30], y[:30])}
    before = {"lr": 0.01, "l1": 0.0, "l2": 0.0, "clip_norm": 0.0}
    start_dropout = 0.0 if changes.get("dropout") else 0.2
    adjust = dk.Adjust()

    def at_epoch_3(epoch, model, hist):
        if epoch == 3:
            adjust.set(**changes)

    live = _net(start_dropout)
    hist = dk.fit(live, X, y, epochs=8, callbacks=[at_epoch_3, adjust], **before, **kw)

    split = _net(start_dropout)
    h_split = dk.fit(split, X, y, epochs=4, **before, **kw)
    after = {**before, **{k: v for k, v in changes.items() if k != "dropout"}}
    if "dropout" in changes:
        split.set_dropout(changes["dropout"])
    dk.fit(split, X, y, epochs=4, resume=h_split, **after, **kw)

    np.testing.assert_array_equal(live.theta, split.theta)
    np.testing.assert_array_equal(hist.step_loss, h_split.step_loss)
    assert live.dropout == split.dropout
    recorded = {c["name"]: (c["epoch"], c["new"]) for c in hist.changes}
    assert recorded == {k: (4, v) for k, v in changes.items() if v != {**before, "dropout": start_dropout}[k]}


def test_adjust_takes_changes_from_another_thread_and_keeps_the_last():
    adjust = dk.Adjust()
    threads = [threading.Thread(target=adjust.set, kwargs={"lr": lr}) for lr in (0.1, 0.2)]
    for t in threads:
        t.start()
        t.join()
    assert adjust.take_changes() == {"lr": 0.2}
    assert adjust.take_changes() == {}


def test_adjust_refuses_what_it_cannot_change():
    adjust = dk.Adjust()
    with pytest.raises(ValueError, match="can change lr, l1, l2, dropout, clip_norm.*'momentum'"):
        adjust.set(momentum=0.5)
    with pytest.raises(ValueError, match="lr"):
        adjust.set(lr=0.0)
    with pytest.raises(ValueError, match="dropout must be in"):
        adjust.set(dropout=1.0)
    with pytest.raises(ValueError, match="l2"):
        adjust.set(l2=-1)


def test_set_dropout_switches_the_hidden_layers_only():
    model = dk.MLP([2, 4, 4, 2], seed=0)
    model.set_dropout(0.25)
    assert model.dropout == 0.25 and model.layout[:, dk.packing.DROP].tolist() == [1, 1, 0]
    model.set_dropout(0.0)
    assert model.layout[:, dk.packing.DROP].tolist() == [0, 0, 0]


def test_settings_changed_between_resumed_parts_are_recorded_as_changes():
    X, y = _spirals()
    model = _net(0.1)
    hist = dk.fit(model, X, y, optimizer="sgd", lr=0.1, epochs=2, verbose=False)
    model.set_dropout(0.3)
    dk.fit(model, X, y, optimizer="sgd", lr=0.2, epochs=2, resume=hist, verbose=False)
    dk.fit(model, X, y, optimizer="sgd", lr=0.2, epochs=1, resume=hist, verbose=False)
    assert hist.changes == [{"epoch": 2, "name": "lr", "old": 0.1, "new": 0.2},
                            {"epoch": 2, "name": "dropout", "old": pytest.approx(0.1), "new": pytest.approx(0.3)}]
