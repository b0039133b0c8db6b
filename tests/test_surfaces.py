"""dlkit.surfaces: exact gradients, races run by dlkit's own optimizers, and the momentum theory checked against
measured convergence."""
import math

import numpy as np
import pytest

from dlkit import optimizers, surfaces


@pytest.mark.parametrize("name", surfaces.NAMES)
def test_gradients_match_finite_differences(name, rng):
    s = surfaces.get(name)
    x0, x1, y0, y1 = s.extent
    P = np.column_stack([rng.uniform(x0, x1, 20), rng.uniform(y0, y1, 20)])      # (20, 2)
    h = 1e-6
    numeric = np.stack([(s.value(P + h * e) - s.value(P - h * e)) / (2 * h) for e in np.eye(2)], axis=-1)
    np.testing.assert_allclose(s.grad(P), numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", surfaces.NAMES)
def test_minima_are_stationary_and_the_first_is_global(name):
    s = surfaces.get(name)
    for m in s.minima:
        assert np.linalg.norm(s.grad(np.array(m))) < 1e-3
    assert s.value(np.array(s.minima[0])) == pytest.approx(s.f_min, abs=1e-9)
    x0, x1, y0, y1 = s.extent
    grid = np.stack(np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300)), axis=-1)
    assert s.value(grid).min() >= s.f_min - 1e-6


def test_the_race_uses_dlkits_optimizers_step_for_step():
    s = surfaces.quadratic(condition=20)
    path = surfaces.run(s, "adam", lr=0.05, steps=30, beta1=0.8)
    opt, theta = optimizers.get("adam", lr=0.05, beta1=0.8), np.array(s.start, dtype=float)
    for t in range(1, 31):
        opt.step(theta, s.grad(theta))
        np.testing.assert_array_equal(path.points[t], theta)
    assert path.losses[-1] == s.value(theta) and path.diverged_at is None


def test_divergence_is_detected_and_the_path_stays_finite():
    s = surfaces.rosenbrock()
    path = surfaces.run(s, "sgd", lr=0.1, steps=200)
    assert path.diverged_at is not None and path.diverged_at < 10
    assert np.all(np.isfinite(path.points)) and len(path.points) == path.diverged_at


def test_race_gives_each_racer_its_own_hyper_parameters():
    paths = surfaces.race(surfaces.saddle(), lr=0.1, adaptive_lr=0.05, steps=50, momentum=0.5, beta2=0.9)
    assert set(paths) == set(surfaces.RACERS)
    assert surfaces.race_hyper("rmsprop", beta2=0.9) == {"alpha": 0.9}
    assert surfaces.race_hyper("nesterov", momentum=0.5) == {"momentum": 0.5}
    # the saddle's start is on the ridge; every racer leaves it towards a minimum
    assert all(p.losses[-1] < p.losses[0] for p in paths.values())


def test_rotating_the_quadratic_keeps_its_eigenvalues():
    s = surfaces.quadratic(condition=50, angle=30)
    H = np.stack([s.grad(e) for e in np.eye(2)])
    np.testing.assert_allclose(np.linalg.eigvalsh(H), [1 / 50, 1.0])


def test_momentum_rate_reduces_to_gradient_descent_at_beta_zero():
    lam = (0.1, 1.0)
    for alpha in (0.3, 1.0, 1.9, 2.5):
        assert surfaces.momentum_rate(alpha, 0.0, lam) == pytest.approx(max(abs(1 - alpha * v) for v in lam))


@pytest.mark.parametrize("alpha, beta", [(0.5, 0.0), (1.2, 0.5), (2.0, 0.9), (3.3, 0.67)])
def test_momentum_rate_predicts_the_measured_convergence(alpha, beta):
    lam = np.array([0.01, 1.0])
    opt, w = optimizers.get("momentum", lr=alpha, momentum=beta), np.ones(2)
    norms = []
    for _ in range(400):
        opt.step(w, lam * w)
        norms.append(np.linalg.norm(w))
    measured = (norms[399] / norms[199]) ** (1 / 200)
    assert measured == pytest.approx(float(surfaces.momentum_rate(alpha, beta, lam)), abs=0.01)


def test_momentum_theory_optimum_and_stability_edge():
    lam = (0.01, 1.0)
    t = surfaces.momentum_theory(lam)
    assert t["condition"] == pytest.approx(100)
    assert t["gd_lr"] == pytest.approx(2 / 1.01) and t["gd_rate"] == pytest.approx(99 / 101)
    assert t["momentum_beta"] == pytest.approx((9 / 11) ** 2) and t["momentum_rate"] == pytest.approx(9 / 11)
    # the optimum beats every other (alpha, beta) on a grid
    A, B = np.meshgrid(np.linspace(0.05, 4, 200), np.linspace(0, 0.99, 200))
    assert surfaces.momentum_rate(A, B, lam).min() >= t["momentum_rate"] - 1e-3
    for beta in (0.0, 0.5, 0.9):
        edge = float(t["max_lr"](beta))
        assert surfaces.momentum_rate(0.99 * edge, beta, lam) < 1 <= surfaces.momentum_rate(1.01 * edge, beta, lam)


def test_steps_to():
    assert surfaces.steps_to(0.5, 1e-3) == 10
    assert surfaces.steps_to(1.0) == math.inf and surfaces.steps_to(0.0) == 1


def test_unknown_surface_names_the_choices():
    with pytest.raises(ValueError, match="rosenbrock"):
        surfaces.get("banana")


def test_contour_grid_is_the_gap_to_the_minimum_over_the_window():
    s = surfaces.saddle()
    gx, gy, gap = surfaces.contour_grid(s, resolution=30)
    assert gx.shape == gy.shape == (30,) and gap.shape == (30, 30)
    assert (gx[0], gx[-1], gy[0], gy[-1]) == s.extent and gap.min() >= -1e-12
    assert gap[4, 7] == pytest.approx(s.value(np.array([gx[7], gy[4]])) - s.f_min)      # row i at gy[i]


def test_momentum_grid_holds_the_theory_of_its_quadratic():
    lam = (0.01, 1.0)
    t = surfaces.momentum_theory(lam)
    g = surfaces.momentum_grid(lam, lr=0.5, beta=0.9, resolution=25)
    assert g.alphas.shape == g.betas.shape == g.edge.shape == (25,) and g.rate.shape == g.steps.shape == (25, 25)
    assert g.alphas[-1] == pytest.approx(surfaces.MAP_LR_SPAN / t["lambda_max"]) and g.betas[-1] == 0.99
    np.testing.assert_allclose(g.rate[3], surfaces.momentum_rate(g.alphas, g.betas[3], lam))
    assert np.all(np.isnan(g.steps[g.rate >= 1])) and np.all(g.steps[g.rate < 1] > 0)
    np.testing.assert_allclose(g.edge, t["max_lr"](g.betas))
    assert g.best == (t["momentum_lr"], t["momentum_beta"], surfaces.steps_to(t["momentum_rate"]))
    assert g.best_gd == (t["gd_lr"], surfaces.steps_to(t["gd_rate"]))
    assert g.yours == (0.5, 0.9, surfaces.steps_to(surfaces.momentum_rate(0.5, 0.9, lam)))
    assert surfaces.momentum_grid(lam, resolution=5).yours is None
    assert surfaces.momentum_grid(lam, lr=100.0, beta=0.5, resolution=5).yours[2] == math.inf
