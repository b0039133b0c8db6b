import numpy as np
import pytest
import torch

from dlkit import activations
from dlkit.kernels import cpu
from dlkit.gradcheck import rel_error

TORCH = {"linear": lambda z: z, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
         "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01), "elu": torch.nn.functional.elu,
         "gelu": torch.nn.functional.gelu}
Z = np.concatenate([np.linspace(-6, 6, 101), [-40.0, -1e-3, 1e-3, 40.0]])
SMOOTH = np.abs(Z) > 1e-2          # keep centered differences away from kinks at 0


@pytest.mark.parametrize("name", activations.NAMES)
def test_forward_and_derivative_match_torch_autograd(name):
    f, f_grad = activations.get(name)
    z = torch.tensor(Z, requires_grad=True)
    out = TORCH[name](z)
    out.sum().backward()
    np.testing.assert_allclose(f(Z), out.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(f_grad(Z), z.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", activations.NAMES)
def test_derivative_matches_centered_differences(name):
    f, f_grad = activations.get(name)
    eps = 1e-6
    numeric = (f(Z + eps) - f(Z - eps)) / (2 * eps)
    assert rel_error(f_grad(Z)[SMOOTH], numeric[SMOOTH]) < 1e-7


@pytest.mark.parametrize("name", activations.NAMES)
def test_scalar_kernels_match_the_reference(name):
    f, f_grad = activations.get(name)
    kind = activations.ID[name]
    act, act_grad = cpu._activate, cpu._activate_grad
    h = np.array([act(z, kind) for z in Z])
    np.testing.assert_allclose(h, f(Z), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose([act_grad(z, hz, kind) for z, hz in zip(Z, h)], f_grad(Z), rtol=1e-9, atol=1e-15)


def test_sigmoid_never_overflows():
    with np.errstate(over="raise", invalid="raise"):
        assert activations.sigmoid(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]


def test_saturation_mask_marks_flat_zones():
    z = np.array([-10.0, 0.0, 10.0])
    assert activations.saturation_mask("tanh", z).tolist() == [True, False, True]
    assert activations.saturation_mask("relu", z).tolist() == [True, True, False]   # relu'(0) = 0
    assert not activations.saturation_mask("linear", z).any()


def test_unknown_activation_lists_the_allowed_ones():
    with pytest.raises(ValueError, match="allowed: 'linear', 'sigmoid', 'tanh'"):
        activations.get("swish")


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_arithmetic_tanh_and_sigmoid_are_accurate_to_about_one_ulp(name, dtype):
    """The SIMD-friendly forms the compiled backends use agree with the correctly rounded value."""
    f = {"tanh": cpu._SCALAR["tanh_arith"], "sigmoid": cpu._SCALAR["sigmoid_arith"]}[name]
    z = np.concatenate([np.linspace(-80, 80, 20001), np.geomspace(1e-30, 1e-2, 500)])
    exact = activations.FORWARD[name](z.astype(dtype).astype(np.float64))
    got = np.array([f(v) for v in z.astype(dtype)]).astype(dtype)
    ulp = np.spacing(np.abs(exact).astype(dtype)).astype(np.float64)
    tolerance = 1.0 if dtype == np.float32 else 4.0        # float64 results come from float64 arithmetic
    assert np.max(np.abs(got - exact) / ulp) <= tolerance


@pytest.mark.parametrize("name, most_ulp", [("tanh", 2.5), ("sigmoid", 3.5)])
def test_float32_copies_with_their_shorter_series_stay_within_a_few_ulp(name, most_ulp):
    """The float32 copies the cpu backend runs (seven series terms, seven bits of 2^k: FLOAT32_CONSTANTS),
    computed in float32 arithmetic, against the correctly rounded value over the range float32 asks of them."""
    from numba import njit

    from dlkit.kernels.cpu.elementwise import _FLOAT32

    f = _FLOAT32[f"{name}_arith"]

    @njit
    def each(z, out):
        for i in range(z.shape[0]):
            out[i] = f(z[i])

    z = np.concatenate([np.linspace(-87, 87, 100001), np.geomspace(1e-30, 1e-2, 500)]).astype(np.float32)
    z = np.concatenate([z, -z])
    got = np.empty_like(z)
    each(z, got)
    exact = activations.FORWARD[name](z.astype(np.float64))
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(got - exact) / ulp) <= most_ulp


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_saturation_edge_marks_what_the_derivative_marks(name):
    z = np.random.default_rng(0).normal(scale=4.0, size=(2000, 64))
    edge = activations.SATURATION_EDGE[name]
    z[0, :4] = [edge * (1 - 1e-9), edge * (1 + 1e-9), -edge * (1 + 1e-9), np.nan]
    peak = activations.PEAK_DERIVATIVE.get(name, 1.0)
    by_derivative = np.abs(activations.DERIVATIVE[name](z)) < activations.SATURATED_FRACTION * peak
    np.testing.assert_array_equal(activations.saturation_mask(name, z), by_derivative)
    assert activations.saturation_mask(name, z[0, :4]).tolist() == [False, True, True, False]
