"""fit: identical on every backend, reproducible, checked against a PyTorch training loop, and it learns."""

import numpy as np
import pytest
import torch

import dlkit as dk
from dlkit import diagnosis, optimizers
from dlkit.torch_mirror import to_torch, torch_loss
from dlkit.training import DivergenceWarning


@pytest.fixture(scope="module")
def spirals():
    X, y = dk.data.spirals(n_samples=300, noise=0.1, seed=0)
    return X, y


def _fit(X, y, **kw):
    model = dk.MLP([2, 16, 16, 2], activation="tanh", seed=0, dtype=kw.pop("dtype", "float64"),
                   batch_norm=kw.pop("batch_norm", False), dropout=kw.pop("dropout", 0.0))
    args = dict(loss="cross_entropy", optimizer="adam", lr=0.01, epochs=3, batch_size=32, seed=0, verbose=False)
    args.update(kw)
    return model, dk.fit(model, X, y, **args)


def _compare_with_reference(X, y, **kw):
    model, hist = _fit(X, y, **kw)
    dk.set_backend("numpy")
    ref_model, ref_hist = _fit(X, y, **kw)
    np.testing.assert_allclose(model.theta, ref_model.theta, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(model.buffers, ref_model.buffers, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(hist.step_loss, ref_hist.step_loss, rtol=1e-9)
    np.testing.assert_allclose(hist.train_acc, ref_hist.train_acc, rtol=1e-12)
    np.testing.assert_allclose(hist.val_loss, ref_hist.val_loss, rtol=1e-9)


@pytest.mark.parametrize("opt", optimizers.NAMES)
def test_fit_matches_the_numpy_reference(backend, opt, spirals):
    X, y = spirals
    _compare_with_reference(X, y, optimizer=opt, l2=1e-3, clip_norm=1.0, dropout=0.1, val=(X[:50], y[:50]))


def test_fit_with_batch_norm_matches_the_numpy_reference(backend, spirals):
    # adaptive optimizers would turn the pre-norm biases' zero gradients (1e-17 noise) into lr-sized steps,
    # so the two backends' roundings would diverge there; momentum keeps the comparison exact
    X, y = spirals
    _compare_with_reference(X, y, optimizer="momentum", l1=1e-4, batch_norm=True, dropout=0.2,
                            val=(X[:50], y[:50]), eval_train=True)


def test_float32_training_tracks_float64(backend, spirals):
    X, y = spirals
    m32, h32 = _fit(X, y, dtype="float32")
    m64, h64 = _fit(X, y, dtype="float64")
    np.testing.assert_allclose(h32.train_loss, h64.train_loss, rtol=1e-3)


@pytest.mark.parametrize("opt", ["sgd", "nesterov", "rmsprop", "adam", "adamax"])
def test_fit_matches_a_pytorch_training_loop(backend, opt, spirals):
    """Same batches, same steps: our fit and a hand-written torch loop end at the same weights."""
    X, y = spirals
    model = dk.MLP([2, 8, 8, 2], activation="gelu", seed=1, dtype="float64")
    net = to_torch(model)
    lr = 0.05
    hyper = {"momentum": 0.9, "nesterov": True} if opt == "nesterov" else {}
    torch_opt = {"sgd": torch.optim.SGD, "nesterov": torch.optim.SGD, "rmsprop": torch.optim.RMSprop,
                 "adam": torch.optim.Adam, "adamax": torch.optim.Adamax}[opt](net.parameters(), lr=lr, **hyper)
    for epoch in range(2):
        for Xb, yb in dk.data.minibatches(X, y, 50, seed=0, epoch=epoch):
            torch_opt.zero_grad()
            torch_loss("cross_entropy", net(torch.tensor(Xb)), torch.tensor(yb)).backward()
            torch_opt.step()
    dk.fit(model, X, y, optimizer=opt, lr=lr, epochs=2, batch_size=50, seed=0, verbose=False)
    np.testing.assert_allclose(model.params["W1"], net[0].weight.detach().numpy().T, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(model.params["b3"], net[4].bias.detach().numpy(), rtol=1e-8, atol=1e-10)


def test_same_seed_same_run_and_different_seed_differs(backend, spirals):
    X, y = spirals
    a, ha = _fit(X, y, seed=5)
    b, hb = _fit(X, y, seed=5)
    c, hc = _fit(X, y, seed=6)
    assert np.array_equal(a.theta, b.theta) and ha.train_loss == hb.train_loss
    assert not np.array_equal(a.theta, c.theta)


def test_epochs_and_iterations_are_counted(backend, spirals):
    X, y = spirals                                     # 300 examples
    for batch_size, per_epoch in ((1, 300), (32, 10), (300, 1)):
        _, hist = _fit(X, y, batch_size=batch_size, epochs=2)
        assert hist.iterations_per_epoch == per_epoch
        assert hist.iterations == [per_epoch, 2 * per_epoch]
        assert len(hist.step_loss) == 2 * per_epoch and hist.epochs == 2
        assert len(hist.time) == 2 and hist.time[1] >= hist.time[0] > 0


def test_reaches_high_accuracy_on_spirals(backend):
    X, y = dk.data.spirals(n_samples=600, noise=0.1, seed=0)
    (Xtr, ytr), (Xva, yva), _ = dk.data.train_val_test_split(X, y, seed=0)
    model = dk.MLP([2, 32, 32, 2], activation="relu", seed=0)
    hist = dk.fit(model, Xtr, ytr, optimizer="adam", lr=0.01, epochs=150, batch_size=32, val=(Xva, yva),
                  verbose=False)
    assert hist.train_acc[-1] > 0.85 and hist.val_acc[-1] > 0.8, hist
    assert hist.train_loss[-1] < 0.5 * hist.train_loss[0]


def test_regression_fit(backend):
    X, y = dk.data.regression_1d("sine", n_samples=200, noise=0.05, seed=0)
    model = dk.MLP([1, 32, 32, 1], activation="tanh", seed=0)
    hist = dk.fit(model, X, y, loss="mse", optimizer="adam", lr=0.01, epochs=200, batch_size=32, verbose=False)
    assert hist.train_loss[-1] < 0.05 and not hist.train_acc


def test_divergence_stops_warns_and_flags(backend):
    X, y = dk.data.regression_1d("linear", n_samples=100, seed=0)
    model = dk.MLP([1, 16, 1], activation="relu", seed=0)
    with pytest.warns(DivergenceWarning, match="diverged at epoch .* smaller learning rate"):
        hist = dk.fit(model, X * 100, y * 100, loss="mse", optimizer="sgd", lr=10.0, epochs=50, batch_size=10,
                      verbose=False)
    assert hist.diverged and hist.diverged_at is not None
    assert np.all(np.isfinite(hist.step_loss)) and len(hist.train_loss) < 50


def test_early_stopping_restores_the_best_weights(backend):
    X, y = dk.data.moons(n_samples=60, noise=0.4, seed=0)
    Xv, yv = dk.data.moons(n_samples=200, noise=0.4, seed=1)
    model = dk.MLP([2, 128, 128, 2], activation="relu", seed=0)
    stopper = dk.EarlyStopping(patience=5)
    hist = dk.fit(model, X, y, optimizer="adam", lr=0.01, epochs=500, batch_size=16, val=(Xv, yv),
                  callbacks=[stopper], verbose=False)
    assert hist.stopped_early and hist.epochs < 500
    assert hist.epochs - 1 - hist.best_epoch == 5
    out = model.forward(Xv)
    restored = dk.losses.loss_and_grad("cross_entropy", out.astype(np.float64), yv)[0]
    assert restored == pytest.approx(min(hist.val_loss), rel=1e-5)


def test_callbacks_can_stop_and_live_hooks_are_throttled(spirals):
    X, y = spirals
    seen = []
    _, hist = _fit(X, y, epochs=50, callbacks=[lambda epoch, model, hist: epoch == 4])
    assert hist.epochs == 5 and hist.stopped_early
    hook = dk.training.LiveHook(lambda e, m, h: seen.append(e), min_interval=3600)
    _fit(X, y, epochs=10, callbacks=[hook])
    assert seen == [0, 9]                              # first epoch, then the final call


def test_layer_statistics_observer(backend, spirals):
    X, y = spirals
    model = dk.MLP([2, 16, 16, 16, 2], activation="relu", seed=0)
    hist = dk.fit(model, X, y, optimizer="sgd", lr=0.1, epochs=2, batch_size=30, stats=dk.LayerStats(every=5),
                  verbose=False)
    assert [r["iteration"] for r in hist.layer_stats] == [5, 10, 15, 20]
    rec = hist.layer_stats[-1]
    for key in ("act_mean", "act_std", "saturated", "dead", "grad_norm", "grad_std", "signal_std", "update_ratio"):
        assert len(rec[key]) == 4 and all(np.isfinite(rec[key]))
    assert all(0 <= d <= 100 for d in rec["dead"])
    lr_ratio = rec["update_ratio"][0]
    assert 0 < lr_ratio < 1
    # the statistics pause does not change the trajectory
    plain = dk.MLP([2, 16, 16, 16, 2], activation="relu", seed=0)
    dk.fit(plain, X, y, optimizer="sgd", lr=0.1, epochs=2, batch_size=30, verbose=False)
    np.testing.assert_allclose(plain.theta, model.theta, rtol=1e-6)


@pytest.mark.parametrize("batch_norm", [False, True])
def test_layer_stats_signal_std_is_the_gradient_reaching_each_layer(backend, spirals, batch_norm):
    """The first record (after step 1) holds the std of db_k (of d beta_k with batch norm) of that step:
    the initial weights on the epoch's first mini-batch, recomputed here with loss_and_grads."""
    X, y = spirals
    sizes = [2, 16, 16, 16, 2]
    model = dk.MLP(sizes, activation="tanh", seed=0, dtype="float64", batch_norm=batch_norm)
    fresh = dk.MLP(sizes, activation="tanh", seed=0, dtype="float64", batch_norm=batch_norm)
    hist = dk.fit(model, X, y, optimizer="sgd", lr=0.1, epochs=1, batch_size=32, seed=3,
                  stats=dk.LayerStats(every=1), verbose=False)
    first = hist.layer_stats[0]
    assert first["iteration"] == 1
    batch = dk.data.shuffled_indices(len(X), 3, 0)[:32]
    _, grads = fresh.loss_and_grads(X[batch], y[batch])
    names = [f"beta{k}" if batch_norm and k < len(sizes) - 1 else f"b{k}" for k in range(1, len(sizes))]
    np.testing.assert_allclose(first["signal_std"], [grads[n].std() for n in names], rtol=1e-7)
    np.testing.assert_allclose(first["grad_std"], [grads[f"W{k}"].std() for k in range(1, len(sizes))],
                               rtol=1e-7)
    if batch_norm:                                   # the bias before a batch norm gets no gradient at all
        assert np.abs(grads["b1"]).max() < 1e-9 * np.abs(grads["beta1"]).max()         # rounding only


def test_layer_stats_training_mode_measures_with_batch_statistics(spirals):
    X, y = spirals
    # tiny weights: without its normalisation (evaluation mode before training) the signal fades
    model = dk.MLP([2] + [16] * 6 + [2], activation="tanh", init=dk.init.normal(std=0.01), batch_norm=True, seed=0)
    _, grads = model.loss_and_grads(X, y)
    flat = np.concatenate([g.ravel() for g in grads.values()])
    stats = dk.LayerStats()
    evaluation = stats.record(model, X, flat, model.theta.copy(), iteration=0)
    training = stats.record(model, X, flat, model.theta.copy(), iteration=0, training=True)
    assert evaluation["act_std"][-2] < 1e-3 and training["act_std"][-2] > 0.1
    assert dk.LayerStats(training=True).record(model, X, flat, model.theta.copy(), 0) == training
    assert evaluation["signal_std"] == training["signal_std"]             # the gradient is what was passed in
    assert set(training) == {"iteration", *dk.LayerStats.KEYS}
    assert all(len(training[key]) == 7 for key in dk.LayerStats.KEYS)


def test_vanishing_gradients_show_in_the_statistics():
    X, y = dk.data.spirals(n_samples=256, seed=0)
    model = dk.MLP([2] + [32] * 10 + [2], activation="sigmoid", init=dk.init.normal(std=0.5), seed=0)
    hist = dk.fit(model, X, y, optimizer="sgd", lr=0.01, epochs=1, batch_size=256, stats=True, verbose=False)
    norms = hist.layer_stats[0]["grad_norm"]
    assert norms[0] < 1e-3 * norms[-1]               # Glorot & Bengio: the first layer learns slowest
    assert diagnosis.gradient_ratio(hist.layer_stats[0]) < 1e-3                      # read from signal_std


@pytest.mark.parametrize("kwargs,error,match", [
    ({"lr": -0.1}, ValueError, "lr must be positive"),
    ({"lr": "0.1"}, TypeError, "lr must be a number"),
    ({"epochs": 0}, ValueError, "epochs must be positive"),
    ({"epochs": 2.5}, TypeError, "epochs must be an integer"),
    ({"batch_size": 0}, ValueError, "batch_size must be positive"),
    ({"batch_size": 10_000}, ValueError, r"batch_size must be between 1 and the number of training examples \(300\)"),
    ({"optimizer": "lbfgs"}, ValueError, "unknown optimizer 'lbfgs'; allowed: 'sgd', 'momentum'"),
    ({"loss": "nll"}, ValueError, "unknown loss 'nll'"),
    ({"val": (np.zeros((5, 3)), np.zeros(5, int))}, ValueError, "X_val has 3 features"),
    ({"val": np.zeros(5)}, TypeError, r"val must be a pair \(X_val, y_val\)"),
    ({"l2": -1}, ValueError, "l2 must be zero or positive"),
    ({"seed": 1.5}, TypeError, "seed must be an integer"),
    ({"callbacks": [dk.EarlyStopping()]}, ValueError, "EarlyStopping monitors 'val_loss'"),
])
def test_bad_fit_arguments(kwargs, error, match, spirals):
    X, y = spirals
    with pytest.raises(error, match=match):
        _fit(X, y, **kwargs)


def test_nan_in_training_data_is_refused(spirals):
    X, y = spirals
    X = X.copy()
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN or inf \(first at index \(3, 1\)\)"):
        _fit(X, y)


@pytest.mark.parametrize("opt", ["adamw", "momentum"])
def test_frozen_layers_never_move_and_the_rest_trains(backend, opt, spirals):
    X, y = spirals
    model = dk.MLP([2, 8, 8, 2], activation="tanh", seed=0, batch_norm=True)
    before = {k: v.copy() for k, v in model.params.items()}
    dk.fit(model, X, y, optimizer=opt, lr=0.05, epochs=2, batch_size=32, l2=1e-2, clip_norm=0.5,
           freeze=[1, "b3"], verbose=False)
    for name in ("W1", "b1", "gamma1", "beta1", "b3"):
        np.testing.assert_array_equal(model.params[name], before[name], err_msg=name)
    for name in ("W2", "W3"):
        assert not np.array_equal(model.params[name], before[name]), name


def test_freezing_matches_the_numpy_reference(backend, spirals):
    X, y = spirals
    _compare_with_reference(X, y, optimizer="adam", clip_norm=1.0, freeze=[2])


def test_freeze_names_are_checked(spirals):
    X, y = spirals
    with pytest.raises(ValueError, match=r"freeze: 'W9' is neither a layer number 1..3 nor a parameter name"):
        _fit(X, y, freeze=["W9"])


# ---- resume: a run continued is the longer run ----------------------------------------------------------

def test_resume_continues_exactly_where_the_run_stopped(backend):
    X, y = dk.data.spirals(n_samples=100, seed=0)
    kw = {"optimizer": "adam", "lr": 0.01, "batch_size": 16, "verbose": False, "seed": 3, "l2": 1e-3,
          "val": (X[:40], y[:40])}

    def net():
        return dk.MLP([2, 8, 8, 2], activation="tanh", dropout=0.2, batch_norm=True, seed=0)

    whole, parts = net(), net()
    h_whole = dk.fit(whole, X, y, epochs=12, **kw)
    h_parts = dk.fit(parts, X, y, epochs=7, **kw)
    assert dk.fit(parts, X, y, epochs=5, resume=h_parts, **kw) is h_parts        # appended to the same History
    np.testing.assert_array_equal(parts.theta, whole.theta)      # Adam's moments, step count, shuffles, masks
    np.testing.assert_array_equal(parts.buffers, whole.buffers)
    assert h_parts.iterations == h_whole.iterations and h_parts.epochs == 12
    np.testing.assert_array_equal(h_parts.step_loss, h_whole.step_loss)
    np.testing.assert_array_equal(h_parts.val_loss, h_whole.val_loss)
    assert h_parts.time == sorted(h_parts.time)


def test_resume_refuses_what_it_cannot_continue():
    X, y = dk.data.spirals(n_samples=40, seed=0)
    model = dk.MLP([2, 4, 2], seed=0)
    hist = dk.fit(model, X, y, optimizer="momentum", epochs=1, verbose=False)
    with pytest.raises(ValueError, match="same optimizer"):
        dk.fit(model, X, y, optimizer="adam", epochs=1, resume=hist, verbose=False)
    with pytest.raises(ValueError, match="same model"):
        dk.fit(dk.MLP([2, 5, 2], seed=0), X, y, optimizer="momentum", epochs=1, resume=hist, verbose=False)
    with pytest.raises(TypeError, match="History a previous fit returned"):
        dk.fit(model, X, y, optimizer="momentum", epochs=1, resume={"epochs": 1}, verbose=False)
    Xr, yr = dk.data.regression_1d("linear", n_samples=100, seed=0)
    regressor = dk.MLP([1, 16, 1], activation="relu", seed=0)
    with pytest.warns(DivergenceWarning):
        bad = dk.fit(regressor, Xr * 100, yr * 100, loss="mse", optimizer="sgd", lr=10.0, epochs=50, batch_size=10,
                     verbose=False)
    with pytest.raises(ValueError, match="diverged"):
        dk.fit(regressor, Xr, yr, loss="mse", optimizer="sgd", epochs=1, resume=bad, verbose=False)


# ---- divergence that stays finite ---------------------------------------------------------------------

def test_a_loss_that_explodes_but_stays_finite_has_diverged(backend):
    X, y = dk.data.spirals(n_samples=600, noise=0.1, seed=0)
    model = dk.MLP([2, 8, 8, 2], activation="tanh", seed=0)
    with pytest.warns(DivergenceWarning, match=r"epoch 0, iteration \d+: the loss grew to .* over 100 × where it "
                                               r"started .* smaller learning rate \(lr=1e\+06"):
        hist = dk.fit(model, X, y, lr=1e6, epochs=50, verbose=False)
    assert hist.diverged and hist.divergence == dk.training.EXPLODED and hist.epochs == 1
    assert np.all(np.isfinite(hist.step_loss)) and hist.train_loss[0] > 1e3
    assert 1 <= hist.diverged_at[1] <= hist.iterations_per_epoch


def test_a_run_that_only_wobbles_is_not_diverged(backend):
    X, y = dk.data.spirals(n_samples=300, noise=0.1, seed=0)
    model = dk.MLP([2, 16, 16, 2], activation="relu", seed=0)
    hist = dk.fit(model, X, y, optimizer="sgd", lr=1.0, epochs=30, verbose=False)
    assert not hist.diverged and hist.divergence == "" and hist.initial_loss > 0


def test_the_nan_verdict_is_named(backend):
    X, y = dk.data.regression_1d("linear", n_samples=100, seed=0)
    model = dk.MLP([1, 16, 1], activation="relu", seed=0)
    with pytest.warns(DivergenceWarning):
        hist = dk.fit(model, X * 100, y * 100, loss="mse", optimizer="sgd", lr=10.0, epochs=50, batch_size=10,
                      verbose=False)
    assert hist.divergence in (dk.training.NON_FINITE, dk.training.EXPLODED)
