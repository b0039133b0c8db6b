"""dlkit.data: generators, digits, scaling, one-hot, splits, augmentation and the mini-batch contract."""
import numpy as np
import pytest

from dlkit import data

GENERATORS = {
    "spirals": (data.spirals, 2),
    "moons": (data.moons, 2),
    "circles": (data.circles, 2),
    "xor": (data.xor, 2),
    "blobs": (data.blobs, 3),
}


# ---------------------------------------------------------------- synthetic sets

@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("n_samples", [2 * 3, 101, 1000])
def test_generator_shapes_dtypes_and_balance(name, n_samples):
    fn, n_classes = GENERATORS[name]
    X, y = fn(n_samples=n_samples, seed=3)
    assert X.shape == (n_samples, 2) and X.dtype == np.float64
    assert y.shape == (n_samples,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=n_classes)
    assert len(counts) == n_classes and counts.max() - counts.min() <= 1
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_is_deterministic_per_seed(name):
    fn, _ = GENERATORS[name]
    X1, y1 = fn(n_samples=200, seed=7)
    X2, y2 = fn(n_samples=200, seed=7)
    X3, _ = fn(n_samples=200, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_spirals_and_blobs_take_n_classes(n_classes):
    for fn in (data.spirals, data.blobs):
        _, y = fn(n_samples=103, n_classes=n_classes)
        counts = np.bincount(y)
        assert len(counts) == n_classes and counts.max() - counts.min() <= 1


def test_spirals_scale_and_xor_labels():
    X, _ = data.spirals(noise=0.0)
    assert np.abs(X).max() <= 1.0 + 1e-12
    X, y = data.xor(noise=0.0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(np.int64))


def test_circles_radii_and_blobs_std():
    X, y = data.circles(noise=0.0, factor=0.3)
    r = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)
    X, y = data.blobs(n_samples=6000, noise=0.5)
    assert abs(X[y == 0].std(axis=0).mean() - 0.5) < 0.05


@pytest.mark.parametrize("kwargs, match", [
    ({"n_samples": 1}, "n_samples"),
    ({"n_samples": 10.5}, "n_samples"),
    ({"noise": -0.1}, "noise"),
    ({"seed": -1}, "seed"),
    ({"seed": None}, "seed"),
])
@pytest.mark.parametrize("name", GENERATORS)
def test_generator_bad_input(name, kwargs, match):
    fn, _ = GENERATORS[name]
    with pytest.raises((ValueError, TypeError), match=match):
        fn(**kwargs)


def test_generator_bad_n_classes_and_factor():
    with pytest.raises(ValueError, match="n_classes"):
        data.spirals(n_classes=1)
    with pytest.raises(ValueError, match="n_samples"):
        data.blobs(n_samples=4, n_classes=5)
    with pytest.raises(ValueError, match="factor"):
        data.circles(factor=1.5)


# ---------------------------------------------------------------- regression

@pytest.mark.parametrize("kind", data.REGRESSION_KINDS)
def test_regression_1d(kind):
    X, y = data.regression_1d(kind, n_samples=50, seed=1)
    assert X.shape == (50, 1) and X.dtype == np.float64
    assert y.shape == (50,) and y.dtype == np.float64
    X2, y2 = data.regression_1d(kind, n_samples=50, seed=1)
    np.testing.assert_array_equal(y, y2)


def test_regression_outliers_shift_exactly_that_many_points():
    _, clean = data.regression_1d("linear", n_samples=100, seed=2)
    _, dirty = data.regression_1d("linear", n_samples=100, seed=2, outliers=3, outlier_scale=5.0)
    diff = dirty - clean
    assert np.sum(diff != 0) == 3
    np.testing.assert_allclose(diff[diff != 0], 5.0)


def test_regression_bad_input():
    with pytest.raises(ValueError, match="kind.*'linear'.*'sine'.*'cubic'.*'step'"):
        data.regression_1d("quartic")
    with pytest.raises(ValueError, match="outliers"):
        data.regression_1d(n_samples=10, outliers=11)
    with pytest.raises(ValueError, match="noise"):
        data.regression_1d(noise=-1)


# ---------------------------------------------------------------- digits

def test_digits_shape_range_and_copies():
    X, y = data.digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16
    assert set(np.unique(y)) == set(range(10))
    X[:] = -1                                 # a caller's edit must not reach the cache
    assert data.digits()[0].min() == 0


# ---------------------------------------------------------------- scaling

def _train_test():
    rng = np.random.default_rng(0)
    X_train = rng.normal(5.0, 3.0, size=(200, 3))
    X_test = rng.normal(-2.0, 0.5, size=(50, 3))
    return X_train, X_test


def test_standardizer_fits_on_train_only():
    X_train, X_test = _train_test()
    sc = data.Standardizer().fit(X_train)
    np.testing.assert_allclose(sc.mean_, X_train.mean(axis=0))
    np.testing.assert_allclose(sc.std_, X_train.std(axis=0))
    Z_train, Z_test = sc.transform(X_train), sc.transform(X_test)
    np.testing.assert_allclose(Z_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z_train.std(axis=0), 1)
    # the test set keeps its own offset: it was scaled with the training mean, not its own
    np.testing.assert_allclose(Z_test, (X_test - X_train.mean(axis=0)) / X_train.std(axis=0))
    assert np.all(np.abs(Z_test.mean(axis=0)) > 1)
    np.testing.assert_allclose(sc.inverse_transform(Z_test), X_test)


def test_standardize_and_min_max_scale_helpers():
    X_train, X_test = _train_test()
    Z_train, Z_test = data.standardize(X_train, X_test)
    np.testing.assert_allclose(Z_test, data.Standardizer().fit(X_train).transform(X_test))
    M_train, M_test = data.min_max_scale(X_train, X_test)
    assert M_train.min() == 0 and M_train.max() == 1
    np.testing.assert_allclose(M_test, (X_test - X_train.min(0)) / (X_train.max(0) - X_train.min(0)))
    sc = data.MinMaxScaler().fit(X_train)
    np.testing.assert_allclose(sc.min_, X_train.min(0))
    np.testing.assert_allclose(sc.max_, X_train.max(0))
    np.testing.assert_allclose(sc.inverse_transform(M_test), X_test)
    assert isinstance(data.standardize(X_train), np.ndarray)


def test_constant_column_gives_zeros_not_nan():
    X = np.column_stack([np.arange(5.0), np.full(5, 3.0)])
    for scaled in (data.standardize(X), data.min_max_scale(X)):
        assert np.all(np.isfinite(scaled))
        np.testing.assert_array_equal(scaled[:, 1], 0.0)
    assert data.Standardizer().fit(X).std_[1] == 1.0


def test_scalers_do_not_modify_input():
    X_train, X_test = _train_test()
    before = X_train.copy()
    data.standardize(X_train, X_test)
    data.min_max_scale(X_train)
    np.testing.assert_array_equal(X_train, before)


def test_scaler_bad_input():
    X_train, _ = _train_test()
    sc = data.Standardizer()
    with pytest.raises(RuntimeError, match="fit"):
        sc.transform(X_train)
    sc.fit(X_train[:, :2])
    with pytest.raises(ValueError, match="X has 3 features but the scaler was fit on 2"):
        sc.transform(X_train)
    with pytest.raises(ValueError, match="X must be 2-D"):
        data.standardize(np.ones(5))
    with pytest.raises(ValueError, match="X contains NaN"):
        data.min_max_scale(np.array([[1.0], [np.nan]]))


# ---------------------------------------------------------------- one-hot

def test_one_hot():
    Y = data.one_hot([2, 0, 1, 2])
    np.testing.assert_array_equal(Y, np.eye(3)[[2, 0, 1, 2]])
    assert Y.dtype == np.float64
    assert data.one_hot(np.array([0, 1]), n_classes=4).shape == (2, 4)


def test_one_hot_bad_input():
    with pytest.raises(ValueError, match="y must be class indices"):
        data.one_hot([0, -1])
    with pytest.raises(ValueError, match="y must be class indices"):
        data.one_hot([0, 3], n_classes=3)
    with pytest.raises(TypeError, match="y must hold integer"):
        data.one_hot([0.5, 1.0])
    with pytest.raises(ValueError, match="n_classes"):
        data.one_hot([0, 1], n_classes=0)


# ---------------------------------------------------------------- splits

def _imbalanced(n=503, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.choice(4, size=n, p=[0.55, 0.25, 0.15, 0.05]).astype(np.int64)
    X = np.column_stack([np.arange(n), y]).astype(np.float64)   # column 0 is a row id
    return X, y


def _check_shares(y_all, y_part, frac):
    for c in np.unique(y_all):
        assert abs(np.sum(y_part == c) - frac * np.sum(y_all == c)) <= 1


@pytest.mark.parametrize("test_size", [0.1, 0.2, 0.33])
def test_train_test_split_is_stratified_disjoint_and_complete(test_size):
    X, y = _imbalanced()
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=test_size, seed=1)
    ids_tr, ids_te = X_tr[:, 0], X_te[:, 0]
    assert len(np.intersect1d(ids_tr, ids_te)) == 0
    np.testing.assert_array_equal(np.sort(np.r_[ids_tr, ids_te]), np.arange(len(X)))
    np.testing.assert_array_equal(X_tr[:, 1], y_tr)           # rows stay paired with their labels
    np.testing.assert_array_equal(X_te[:, 1], y_te)
    _check_shares(y, y_te, test_size)
    _check_shares(y, y_tr, 1 - test_size)
    assert abs(len(y_te) - test_size * len(y)) <= 1


def test_train_val_test_split_is_stratified_disjoint_and_complete():
    X, y = _imbalanced()
    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = data.train_val_test_split(X, y, val_size=0.2, test_size=0.1)
    ids = [X_tr[:, 0], X_va[:, 0], X_te[:, 0]]
    np.testing.assert_array_equal(np.sort(np.concatenate(ids)), np.arange(len(X)))
    assert min(len(i) for i in ids) > 0
    _check_shares(y, y_va, 0.2)
    _check_shares(y, y_te, 0.1)
    for Xp, yp in ((X_tr, y_tr), (X_va, y_va), (X_te, y_te)):
        np.testing.assert_array_equal(Xp[:, 1], yp)


def test_split_deterministic_and_unstratified_regression():
    X, y = data.regression_1d(n_samples=100)
    a = data.train_test_split(X, y, stratify=False, seed=3)
    b = data.train_test_split(X, y, stratify=False, seed=3)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert len(a[1]) == 20 and len(a[0]) == 80


def test_split_bad_input():
    X, y = _imbalanced(50)
    with pytest.raises(ValueError, match="test_size"):
        data.train_test_split(X, y, test_size=1.0)
    with pytest.raises(ValueError, match="test_size"):
        data.train_test_split(X, y, test_size=0)
    with pytest.raises(ValueError, match="val_size \\+ test_size"):
        data.train_val_test_split(X, y, val_size=0.5, test_size=0.5)
    with pytest.raises(ValueError, match="y has 49 labels but X has 50"):
        data.train_test_split(X, y[:-1])
    with pytest.raises(TypeError, match="stratify=False"):
        data.train_test_split(X, y + 0.5)
    with pytest.raises(ValueError, match="empty split"):
        data.train_test_split(X[:3], y[:3], test_size=0.1)


# ---------------------------------------------------------------- augmentation

def _one_pixel():
    img = np.zeros((1, 8, 8))
    img[0, 3, 4] = 16.0
    return img


def test_shift_moves_a_pixel_exactly():
    out = data.shift(_one_pixel(), dx=2, dy=-1)
    expected = np.zeros((1, 8, 8))
    expected[0, 2, 6] = 16.0
    np.testing.assert_array_equal(out, expected)
    # a pixel shifted off the edge is gone, and zeros come in
    assert data.shift(_one_pixel(), dx=4).sum() == 0


def test_flip_twice_is_identity_and_matches_numpy():
    X, _ = data.digits()
    imgs = X[:20]
    np.testing.assert_array_equal(data.flip(data.flip(imgs)), imgs)
    np.testing.assert_array_equal(data.flip(imgs.reshape(-1, 8, 8))[0], imgs[0].reshape(8, 8)[:, ::-1])
    np.testing.assert_array_equal(data.flip(imgs.reshape(-1, 8, 8), horizontal=False)[0],
                                  imgs[0].reshape(8, 8)[::-1])


def test_rotate_zero_is_identity_and_90_matches_rot90():
    X, _ = data.digits()
    imgs = X[:10].reshape(-1, 8, 8)
    np.testing.assert_allclose(data.rotate(imgs, 0), imgs)
    np.testing.assert_allclose(data.rotate(imgs, 90), np.rot90(imgs, axes=(1, 2)), atol=1e-9)
    np.testing.assert_allclose(data.rotate(imgs, -90), np.rot90(imgs, k=-1, axes=(1, 2)), atol=1e-9)
    small = data.rotate(imgs, 15)
    assert small.min() >= 0 and small.max() <= 16           # bilinear weights are a convex combination


def test_noise_is_deterministic_and_clipped():
    X, _ = data.digits()
    a, b = data.gaussian_noise(X[:5], std=2.0, seed=4), data.gaussian_noise(X[:5], std=2.0, seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, data.gaussian_noise(X[:5], std=2.0, seed=5))
    assert a.min() >= 0 and a.max() <= 16
    np.testing.assert_array_equal(data.gaussian_noise(X[:5], std=0.0), X[:5])


@pytest.mark.parametrize("shape", [(6, 64), (6, 8, 8)])
def test_augmentations_keep_shape_and_never_modify_input(shape):
    X, _ = data.digits()
    imgs = X[:6].reshape(shape).astype(np.int64)                # ints in: float64 out
    before = imgs.copy()
    outs = [data.shift(imgs), data.rotate(imgs), data.flip(imgs), data.gaussian_noise(imgs),
            data.augment(imgs, flip=True)]
    for out in outs:
        assert out.shape == shape and out.dtype == np.float64
    np.testing.assert_array_equal(imgs, before)


def test_augment_is_deterministic_per_seed_and_random_per_image():
    X, _ = data.digits()
    a = data.augment(X[:50], seed=1)
    np.testing.assert_array_equal(a, data.augment(X[:50], seed=1))
    assert not np.array_equal(a, data.augment(X[:50], seed=2))
    # with all randomness switched off it is the identity
    np.testing.assert_allclose(data.augment(X[:5], max_shift=0, max_degrees=0, noise_std=0), X[:5])


def test_augmentation_bad_input():
    img = _one_pixel()
    with pytest.raises(ValueError, match="images"):
        data.shift(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="images must be"):
        data.rotate(np.zeros(64))
    with pytest.raises(TypeError, match="dx"):
        data.shift(img, dx=0.5)
    with pytest.raises(TypeError, match="degrees"):
        data.rotate(img, degrees="90")
    with pytest.raises(ValueError, match="std"):
        data.gaussian_noise(img, std=-1)
    with pytest.raises(TypeError, match="horizontal"):
        data.flip(img, horizontal="yes")
    with pytest.raises(ValueError, match="max_shift"):
        data.augment(img, max_shift=-1)


# ---------------------------------------------------------------- mini-batches

def test_shuffled_indices_is_the_contract():
    idx = data.shuffled_indices(10, seed=3, epoch=2)
    np.testing.assert_array_equal(idx, np.random.default_rng([3, 2]).permutation(10))
    assert idx.dtype == np.int64


@pytest.mark.parametrize("n, batch_size, expected", [(10, 3, 4), (10, 5, 2), (10, 10, 1), (1, 1, 1)])
def test_num_batches(n, batch_size, expected):
    assert data.num_batches(n, batch_size) == expected


def test_minibatches_cover_every_row_once_per_epoch_and_differ_across_epochs():
    X = np.arange(23.0)[:, None] * np.ones((1, 2))
    y = np.arange(23)
    orders = []
    for epoch in range(3):
        batches = list(data.minibatches(X, y, batch_size=5, seed=1, epoch=epoch))
        assert len(batches) == data.num_batches(23, 5)
        assert [len(b[1]) for b in batches] == [5, 5, 5, 5, 3]
        seen = np.concatenate([yb for _, yb in batches])
        np.testing.assert_array_equal(np.sort(seen), y)
        for Xb, yb in batches:
            np.testing.assert_array_equal(Xb[:, 0], yb)          # rows stay paired with their labels
        np.testing.assert_array_equal(seen, data.shuffled_indices(23, 1, epoch))
        orders.append(seen)
    assert not np.array_equal(orders[0], orders[1])


def test_minibatches_without_shuffle_keep_order():
    y = np.arange(7)
    seen = np.concatenate([yb for _, yb in data.minibatches(y[:, None], y, batch_size=3, shuffle=False)])
    np.testing.assert_array_equal(seen, y)


def test_minibatches_bad_input_fails_at_the_call():
    X, y = np.zeros((10, 2)), np.zeros(10)
    with pytest.raises(ValueError, match="batch_size must be <= N.*N=10"):
        data.minibatches(X, y, batch_size=11)          # no next(): the check is not postponed
    with pytest.raises(ValueError, match="batch_size"):
        data.minibatches(X, y, batch_size=0)
    with pytest.raises(TypeError, match="batch_size"):
        data.minibatches(X, y, batch_size=2.5)
    with pytest.raises(ValueError, match="y has 9 rows but X has 10"):
        data.minibatches(X, y[:9], batch_size=2)
    with pytest.raises(ValueError, match="epoch"):
        data.shuffled_indices(10, seed=0, epoch=-1)
    with pytest.raises(ValueError, match="batch_size"):
        data.num_batches(10, 0)
