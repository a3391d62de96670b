"""Points as models have them: arrays of any shape, and dicts, lists and tuples of arrays.

The oracles: gradients derived by hand (a linear layer's 0.5 ||W a + b - y||^2 has
dL/dW = outer(r, a) and dL/db = r, r = W a + b - y), `jax.grad` on the same dict, and
the flat computation: the same derivative of an `f` that unflattens a vector by hand
(the test's own ravel and reshape, not gradref's), which the tree's must equal exactly,
entry for entry, with the same number of evaluations.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from numpy.typing import NDArray

import gradref

SCHEMES = ["forward", "backward", "central", "richardson", "complex"]
TOLERANCE = {"forward": 1e-6, "backward": 1e-6, "central": 1e-9, "richardson": 1e-11}

RNG = np.random.default_rng(19)
A = RNG.normal(size=4)
Y = RNG.normal(size=3)
PARAMS = {"W": RNG.normal(size=(3, 4)), "b": RNG.normal(size=3)}


def loss(p: dict[str, Any]) -> Any:
    """0.5 ||W a + b - y||^2; with a leading batch axis on each leaf, one value per row."""
    r = np.einsum("...ij,j->...i", p["W"], A) + p["b"] - Y
    return 0.5 * (r * r).sum(axis=-1)


def loss_grad(p: dict[str, NDArray[np.float64]]) -> dict[str, NDArray[np.float64]]:
    """By hand: dL/dW = outer(r, a), dL/db = r."""
    r = p["W"] @ A + p["b"] - Y
    return {"W": np.outer(r, A), "b": r}


def ravel(tree: Any) -> NDArray[np.float64]:
    """The test's own flattening: leaves in order (dicts by insertion), each in C order."""
    if isinstance(tree, dict):
        return np.concatenate([ravel(v) for v in tree.values()])
    if isinstance(tree, (list, tuple)):
        return np.concatenate([ravel(v) for v in tree])
    return np.ravel(np.asarray(tree, dtype=np.float64))


def unravel(vector: NDArray[Any], like: Any) -> Any:
    """The inverse of `ravel` for a tree shaped like `like`, leading axes kept."""
    leaves: list[Any] = []
    start = 0

    def build(node: Any) -> Any:
        nonlocal start
        if isinstance(node, dict):
            return {k: build(v) for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            return type(node)(build(v) for v in node)
        shape = np.shape(node)
        size = math.prod(shape)
        leaf = vector[..., start : start + size].reshape(vector.shape[:-1] + shape)
        start += size
        leaves.append(leaf)
        return leaf

    return build(like)


def assert_same_tree(actual: Any, expected: Any, **tolerance: float) -> None:
    """Same containers (type, keys in order, lengths), same leaf shapes, close leaves."""
    assert type(actual) is type(expected)
    if isinstance(expected, dict):
        assert list(actual) == list(expected)
        for key in expected:
            assert_same_tree(actual[key], expected[key], **tolerance)
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            assert_same_tree(a, e, **tolerance)
    else:
        assert isinstance(actual, np.ndarray)
        assert actual.dtype == np.float64
        assert actual.shape == np.shape(expected)
        if tolerance:
            rtol, atol = tolerance.get("rtol", 1e-7), tolerance.get("atol", 0.0)
            assert_allclose(actual, np.asarray(expected), rtol=rtol, atol=atol)
        else:
            assert_array_equal(actual, expected)


class Counted:
    """`f`, counting the points it is evaluated at (a vectorized call counts its rows)."""

    def __init__(self, f: Any, batch: Any) -> None:
        self.f, self.batch, self.points = f, batch, 0

    def __call__(self, p: Any) -> Any:
        self.points += self.batch(p)
        return self.f(p)


def rows_of_tree(p: dict[str, Any]) -> int:
    return int(np.prod(np.shape(p["b"])[:-1]))


def rows_of_vector(v: NDArray[Any]) -> int:
    return int(np.prod(v.shape[:-1]))


# --- the dict of a linear layer: by hand, by JAX, and as the flat computation -------------


@pytest.mark.parametrize("vectorized", [False, True])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_gradient_of_a_dict_is_the_hand_derived_one(scheme: Any, vectorized: bool) -> None:
    g = gradref.gradient(loss, PARAMS, scheme=scheme, vectorized=vectorized)
    assert_same_tree(g, loss_grad(PARAMS), rtol=TOLERANCE.get(scheme, 1e-14), atol=1e-9)


@pytest.mark.parametrize("vectorized", [False, True])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_tree_costs_and_gives_what_the_flat_vector_does(scheme: Any, vectorized: bool) -> None:
    """Evaluation counts with n the total number of entries, and bitwise the same values."""
    tree_f = Counted(loss, rows_of_tree)
    flat_f = Counted(lambda v: loss(unravel(v, PARAMS)), rows_of_vector)
    g = gradref.gradient(tree_f, PARAMS, scheme=scheme, vectorized=vectorized)
    flat = gradref.gradient(flat_f, ravel(PARAMS), scheme=scheme, vectorized=vectorized)
    assert tree_f.points == flat_f.points
    assert_same_tree(g, unravel(flat, PARAMS))


def test_gradient_of_a_dict_matches_jax() -> None:
    import jax  # the docs extra, which both README commands install: never skipped
    import jax.numpy as jnp

    def jax_loss(p: dict[str, Any]) -> Any:
        r = p["W"] @ A + p["b"] - Y
        return 0.5 * jnp.sum(r * r)

    with jax.enable_x64(True):  # within this test only: no global state changes
        expected = {k: np.asarray(v) for k, v in jax.grad(jax_loss)(PARAMS).items()}
    assert_same_tree(gradref.gradient(loss, PARAMS, scheme="complex"), expected, rtol=1e-14)
    check = gradref.check_gradient(loss, lambda p: dict(expected), PARAMS)
    assert check.passed


def test_gradient_of_nested_lists_and_tuples_is_the_hand_derived_one() -> None:
    """f(s, [v, (M, t)]) = s^2 sum(v) + sum(M * M) t: tuples stay tuples, lists lists."""
    x: Any = (1.5, [np.array([0.5, -1.0]), (np.arange(6.0).reshape(2, 3), np.array(2.0))])

    def f(p: Any) -> Any:
        s, (v, (m, t)) = p
        return s**2 * np.sum(v) + np.sum(m * m) * t

    s, (v, (m, t)) = x
    expected = (
        np.array(2 * s * v.sum()),
        [np.full(2, s**2), (2 * m * t, np.array(np.sum(m * m)))],
    )
    g = gradref.gradient(f, x, scheme="complex")
    assert_same_tree(g, expected, rtol=1e-14)
    assert_same_tree(gradref.gradient(f, x), expected, rtol=1e-8)


def test_full_output_takes_the_structure_of_x() -> None:
    g, info = gradref.gradient(loss, PARAMS, full_output=True)
    flat, flat_info = gradref.gradient(
        lambda v: loss(unravel(v, PARAMS)), ravel(PARAMS), full_output=True
    )
    assert_same_tree(g, unravel(flat, PARAMS))
    for name in ["error", "truncation", "rounding"]:
        assert_same_tree(getattr(info, name), unravel(getattr(flat_info, name), PARAMS))
    assert info.evaluations == flat_info.evaluations == 4 * 15 + 1
    errors = ravel(g) - ravel(loss_grad(PARAMS))
    assert (np.abs(errors) <= ravel(info.error)).all()


def test_steps_in_the_structure_of_x_are_those_of_the_flat_vector() -> None:
    h = {"W": np.full((3, 4), 2.0**-10), "b": np.array([2.0**-8, 2.0**-9, 2.0**-11])}
    g = gradref.gradient(loss, PARAMS, h=h, scheme="forward")
    flat = gradref.gradient(
        lambda v: loss(unravel(v, PARAMS)), ravel(PARAMS), h=ravel(h), scheme="forward"
    )
    assert_same_tree(g, unravel(flat, PARAMS))


# --- the complex step on a tree ------------------------------------------------------------


def test_the_complex_step_reaches_the_leaves_of_a_tree() -> None:
    """Leaves are views of gradref's complex points: their scalars still refuse float()."""

    def with_float(p: dict[str, Any]) -> Any:
        return float(p["b"][0]) + loss(p)

    with pytest.raises(TypeError, match="does not accept complex input"):
        gradref.gradient(with_float, PARAMS, scheme="complex")

    def scalar_math(p: dict[str, Any]) -> Any:
        return p["W"][1, 2] * p["b"][0] ** 2  # the entries are complex scalars

    g = gradref.gradient(scalar_math, PARAMS, scheme="complex")
    expected = {"W": np.zeros((3, 4)), "b": np.zeros(3)}
    expected["W"][1, 2] = PARAMS["b"][0] ** 2
    expected["b"][0] = 2 * PARAMS["W"][1, 2] * PARAMS["b"][0]
    assert_same_tree(g, expected, rtol=1e-15)


@pytest.mark.parametrize("vectorized", [False, True])
def test_a_complex64_tree_function_is_taken_at_float32s_precision(vectorized: bool) -> None:
    def f64(p: dict[str, Any]) -> Any:
        return np.asarray(loss(p), dtype=np.complex64)  # values of float32's precision

    _, info = gradref.gradient(f64, PARAMS, scheme="complex", full_output=True)
    _, flat_info = gradref.gradient(
        lambda v: f64(unravel(v, PARAMS)), ravel(PARAMS), scheme="complex", full_output=True
    )
    _, double = gradref.gradient(loss, PARAMS, scheme="complex", full_output=True)
    assert_same_tree(info.error, unravel(flat_info.error, PARAMS))
    # phi = 4 eps (...) with float32's eps, 2^29 times float64's, dominates the bound.
    assert (ravel(info.error) > 2.0**20 * ravel(double.error)).all()


# --- locations: partial_derivative's i, check_gradient's worst and its report --------------


def test_partial_derivative_at_a_path_is_that_entry_of_the_gradient() -> None:
    expected = loss_grad(PARAMS)
    for i, value in [(("W", (2, 3)), expected["W"][2, 3]), (("b", (1,)), expected["b"][1])]:
        assert_allclose(gradref.partial_derivative(loss, PARAMS, i, scheme="complex"), value)
    assert gradref.partial_derivative(loss, PARAMS, ("b", 1), scheme="complex") == (
        gradref.partial_derivative(loss, PARAMS, ("b", (1,)), scheme="complex")
    )
    zero_d = {"s": 2.0, "v": np.ones(2)}
    locations: list[Any] = [("s",), ("s", ())]
    for i in locations:
        assert gradref.partial_derivative(
            lambda p: p["s"] ** 3, zero_d, i, scheme="complex"
        ) == pytest.approx(12.0, rel=1e-15)


def test_arrays_of_any_shape() -> None:
    x = np.arange(1.0, 7.0).reshape(2, 3)
    g = gradref.gradient(lambda m: np.sum(m**3), x, scheme="complex")
    assert g.shape == (2, 3)
    assert_allclose(g, 3 * x**2, rtol=1e-15)
    d = gradref.partial_derivative(lambda m: np.sum(m**3), x, (1, 2), scheme="complex")
    assert d == pytest.approx(3 * 36.0, rel=1e-15)
    scalar = gradref.gradient(lambda s: s**3, 2.0, scheme="complex")
    assert scalar.shape == ()
    assert float(scalar) == pytest.approx(12.0, rel=1e-15)
    match = r"`i` must be an index tuple within `x` of shape \(2, 3\), such as \(1, 2\); "
    match += r"got int 5; the flat index 5 is \(1, 2\)\."
    with pytest.raises(TypeError, match=match):
        gradref.partial_derivative(lambda m: np.sum(m**3), x, 5)


def wrong_entry(p: dict[str, Any]) -> dict[str, NDArray[np.float64]]:
    g = loss_grad(p)
    g["W"][2, 1] += 0.01
    return g


def test_check_gradient_points_at_the_wrong_entry_by_its_path() -> None:
    check = gradref.check_gradient(loss, wrong_entry, PARAMS)
    assert not check.passed
    assert check.worst == ("W", (2, 1))
    assert_same_tree(check.analytic, wrong_entry(PARAMS))
    assert_allclose(check.numerical["W"], loss_grad(PARAMS)["W"], rtol=1e-8)
    assert check.errors["W"][2, 1] == pytest.approx(0.01, rel=1e-6)
    assert check.tolerances["b"].shape == (3,)
    report = str(check).splitlines()
    assert report[0].startswith(
        "gradient check FAILED: 1 of 15 components; worst is ('W', (2, 1)),"
    )
    failing = [line for line in report if line.endswith("FAIL")]
    assert len(failing) == 1
    assert failing[0].split()[:2] == ["('W',", "(2,"]
    assert failing[0].split()[2] == "1))"
    assert "worst=('W', (2, 1))" in repr(check)
    assert gradref.check_gradient(loss, loss_grad, PARAMS).passed
    with pytest.raises(AssertionError, match=r"worst is \('W', \(2, 1\)\)"):
        gradref.assert_gradient(loss, wrong_entry, PARAMS)


def test_check_gradient_of_an_array_names_the_index_tuple() -> None:
    x = np.arange(1.0, 7.0).reshape(2, 3)

    def wrong(m: NDArray[np.float64]) -> NDArray[np.float64]:
        g = 3 * m**2
        g[1, 0] *= 1.001
        return g

    check = gradref.check_gradient(lambda m: np.sum(m**3), wrong, x)
    assert check.worst == (1, 0)
    assert check.errors.shape == (2, 3)
    assert "worst is (1, 0)," in str(check)


def test_check_gradient_directions_on_a_tree() -> None:
    """Entries are directions (worst an int); each direction is given in x's structure."""
    check = gradref.check_gradient(loss, wrong_entry, PARAMS, directions=4, seed=3)
    assert isinstance(check.worst, int)
    assert check.errors.shape == (4,)
    assert check.directions is not None
    directions: Any = check.directions
    assert directions["W"].shape == (4, 3, 4)
    assert directions["b"].shape == (4, 3)
    k = check.worst
    u = {"W": directions["W"][k], "b": directions["b"][k]}
    assert np.sum(ravel(u) ** 2) == pytest.approx(1.0, rel=1e-14)
    along = gradref.directional_derivative(loss, PARAMS, u)
    assert along == pytest.approx(check.numerical[k], rel=1e-9)
    assert check.analytic[k] == pytest.approx(ravel(wrong_entry(PARAMS)) @ ravel(u), rel=1e-12)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_check_gradient_on_a_tree_costs_what_the_flat_one_does(scheme: Any) -> None:
    tree_f = Counted(loss, rows_of_tree)
    flat_f = Counted(lambda v: loss(unravel(v, PARAMS)), rows_of_vector)
    check = gradref.check_gradient(tree_f, loss_grad, PARAMS, scheme=scheme)
    flat = gradref.check_gradient(
        flat_f, lambda v: ravel(loss_grad(unravel(v, PARAMS))), ravel(PARAMS), scheme=scheme
    )
    assert tree_f.points == flat_f.points
    assert_same_tree(check.tolerances, unravel(flat.tolerances, PARAMS))
    assert check.ratio == flat.ratio


# --- the directional derivative along a tree u --------------------------------------------


def test_directional_derivative_along_a_tree_is_the_gradient_dot_u() -> None:
    raw = {"W": RNG.normal(size=(3, 4)), "b": RNG.normal(size=3)}
    norm = np.linalg.norm(ravel(raw))
    u = {k: v / norm for k, v in raw.items()}
    expected = ravel(loss_grad(PARAMS)) @ ravel(u)
    d = gradref.directional_derivative(loss, PARAMS, u, scheme="complex")
    assert d == pytest.approx(expected, rel=1e-13)


# --- jacobian and hessian: x of any shape ---------------------------------------------------


def test_jacobian_shape_is_the_output_shape_then_the_input_shape() -> None:
    x = np.arange(1.0, 7.0).reshape(2, 3)

    def outer(m: NDArray[Any]) -> Any:  # shape (2, 2) out of (2, 3)
        return m @ m.T

    jac = gradref.jacobian(outer, x, scheme="complex")
    assert jac.shape == (2, 2, 2, 3)
    flat = gradref.jacobian(
        lambda v: (v.reshape(2, 3) @ v.reshape(2, 3).T).ravel(), x.ravel(), scheme="complex"
    )
    assert_array_equal(jac, flat.reshape(2, 2, 2, 3))
    # dM_kl / dx_ij = delta_ki x_lj + delta_li x_kj
    eye = np.eye(2)
    exact = np.einsum("ki,lj->klij", eye, x) + np.einsum("li,kj->klij", eye, x)
    assert_allclose(jac, exact, rtol=1e-15)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_jacobian_of_any_shape_vectorized_and_with_its_error(scheme: Any) -> None:
    x = np.arange(1.0, 7.0).reshape(2, 3) / 7
    flat_x = x.ravel()

    def grid(m: NDArray[Any]) -> Any:  # (..., 2, 3) -> (..., 3, 2): sin of the transpose
        return np.sin(np.swapaxes(m, -1, -2))

    def flat(v: NDArray[Any]) -> Any:
        return grid(v.reshape(*v.shape[:-1], 2, 3)).reshape(*v.shape[:-1], 6)

    jac, info = gradref.jacobian(grid, x, scheme=scheme, vectorized=True, full_output=True)
    flat_jac, flat_info = gradref.jacobian(
        flat, flat_x, scheme=scheme, vectorized=True, full_output=True
    )
    assert jac.shape == info.error.shape == (3, 2, 2, 3)
    assert_array_equal(jac, flat_jac.reshape(3, 2, 2, 3))
    assert_array_equal(info.error, flat_info.error.reshape(3, 2, 2, 3))
    assert info.evaluations == flat_info.evaluations
    exact = np.zeros((3, 2, 2, 3))  # d sin(x[j, i]) / dx[j, i], zero elsewhere
    for i, j in np.ndindex(3, 2):
        exact[i, j, j, i] = np.cos(x[j, i])
    assert (np.abs(jac - exact) <= info.error).all()


def test_jacobian_and_hessian_refuse_a_tree() -> None:
    match = r"^`x` must be an array of real numbers \(of any shape\), not a dict of arrays: "
    with pytest.raises(TypeError, match=match + "the Jacobian's shape"):
        gradref.jacobian(lambda p: p["W"], PARAMS)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=match + "the Hessian's shape"):
        gradref.hessian(loss, PARAMS)  # type: ignore[arg-type]


def test_hessian_shape_is_the_input_shape_twice() -> None:
    x = np.arange(1.0, 7.0).reshape(2, 3) / 7

    def f(m: NDArray[Any]) -> Any:
        return np.sum(m**3) + m[0, 1] * m[1, 2]

    hess = gradref.hessian(f, x)
    assert hess.shape == (2, 3, 2, 3)
    flat = gradref.hessian(lambda v: f(v.reshape(2, 3)), x.ravel())
    assert_array_equal(hess, flat.reshape(2, 3, 2, 3))
    assert_array_equal(hess.reshape(6, 6), hess.reshape(6, 6).T)
    exact = np.diag(6 * x.ravel())
    exact[1, 5] = exact[5, 1] = 1.0
    assert_allclose(hess.reshape(6, 6), exact, atol=1e-8)
    shapes = []

    def stacked(m: NDArray[Any]) -> Any:  # vectorized: (p, 2, 3)
        shapes.append(m.shape)
        return np.sum(m**3, axis=(-1, -2)) + m[..., 0, 1] * m[..., 1, 2]

    hessian_schemes: list[Any] = ["central", "complex", "richardson"]
    for scheme in hessian_schemes:
        batched = gradref.hessian(stacked, x, scheme=scheme, vectorized=True)
        assert_array_equal(batched, gradref.hessian(f, x, scheme=scheme))
    assert {shape[1:] for shape in shapes} == {(2, 3)}


# --- what is refused, by path ---------------------------------------------------------------

W34 = np.ones((3, 4))


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        ({}, ValueError, r"^`x` is an empty dict: it must hold arrays\.$"),
        ({"W": W34, "b": {}}, ValueError, r'^`x\["b"\]` is an empty dict'),
        ({"W": W34, "b": None}, TypeError, r"^`x\[\"b\"\]` must be an array of real numbers, "),
        (
            {"W1": ["s"]},
            TypeError,
            r"^`x\[\"W1\"\]\[0\]` must be an array of real numbers, not <class 'str'>\.$",
        ),
        ({"W": [[1.0, 2.0], [3.0]]}, TypeError, r'^`x\["W"\]` must be an array of real numbers'),
        ({"W": W34, "b": [1j, 2.0]}, TypeError, r'^`x\["b"\]` must be real'),
        ({"W": W34, "b": np.zeros(0)}, ValueError, r'^`x\["b"\]` has no entries\.$'),
        (
            {"W": W34, "b": [1.0, np.nan]},
            ValueError,
            r'^`x\["b"\]` must be finite \(no NaN or inf\); `x\["b"\]\[1\]` is nan\.$',
        ),
        (
            {"W": W34 > 0},
            TypeError,
            r'^`x\["W"\]` must be an array of real numbers, not dtype bool',
        ),
        ({"s": {1.0, 2.0}}, TypeError, r"^`x\[\"s\"\]` must be an array of real numbers, not "),
        ([W34, object()], TypeError, r"^`x\[1\]` must be an array of real numbers, not "),
        ({"W": np.ma.masked_array(W34)}, TypeError, r'^`x\["W"\]` must not be a masked array'),
    ],
)
def test_refused_structures_name_the_path(x: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        gradref.gradient(lambda p: 0.0, x)


def test_other_containers_are_refused_with_the_way_out() -> None:
    from collections import OrderedDict, namedtuple

    pair = namedtuple("pair", "a b")
    with pytest.raises(TypeError, match=r"^`x` must be a dict, list or tuple .*dict\(\)"):
        gradref.gradient(lambda p: 0.0, OrderedDict(W=W34))
    with pytest.raises(TypeError, match=r"^`x` must be a dict, list or tuple .*tuple\(\)"):
        gradref.gradient(lambda p: 0.0, pair(W34, [W34]))


@pytest.mark.parametrize(
    ("grad", "error", "match"),
    [
        (
            lambda p: {"W": loss_grad(p)["W"].T, "b": loss_grad(p)["b"]},
            ValueError,
            r'^`grad\(x\)\["W"\]` must have the shape of `x\["W"\]`, \(3, 4\); got \(4, 3\)\.$',
        ),
        (
            lambda p: {"W": loss_grad(p)["W"]},
            ValueError,
            r"^`grad\(x\)` must be a dict with the keys of `x`, \['W', 'b'\]; got \['W'\]\.$",
        ),
        (
            lambda p: [loss_grad(p)["W"], loss_grad(p)["b"]],
            TypeError,
            r"^`grad\(x\)` must be a dict with the keys of `x`, \['W', 'b'\]; got list\.$",
        ),
        (
            lambda p: {"W": loss_grad(p)["W"], "b": loss_grad(p)["b"][np.newaxis]},
            ValueError,
            r'^`grad\(x\)\["b"\]` must have the shape of `x\["b"\]`, \(3,\); got \(1, 3\)\.$',
        ),
        (
            lambda p: {"W": loss_grad(p)["W"], "b": [loss_grad(p)["b"]]},
            TypeError,
            r'^`grad\(x\)\["b"\]` must be an array, as `x\["b"\]` is; got a list '
            r"\(one is an array only when it holds numbers alone\)\.$",
        ),
        (
            lambda p: {"W": loss_grad(p)["W"], "b": {"c": loss_grad(p)["b"]}},
            TypeError,
            r'^`grad\(x\)\["b"\]` must be an array, as `x\["b"\]` is; got a dict\.$',
        ),
        (
            lambda p: {"W": loss_grad(p)["W"], "b": loss_grad(p)["b"] * np.inf},
            ValueError,
            r'^`grad\(x\)\["b"\]` must be finite \(no NaN or inf\); `grad\(x\)\["b"\]\[0\]`',
        ),
    ],
)
def test_a_gradient_of_another_structure_is_refused_by_path(
    grad: Any, error: type[Exception], match: str
) -> None:
    """A wrong type in grad(x)'s place (a list for a dict, a container for an array) is a
    TypeError (review r1, finding 1); wrong keys, shapes or values, a ValueError."""
    with pytest.raises(error, match=match):
        gradref.check_gradient(loss, grad, PARAMS)


def test_a_gradient_with_the_keys_in_another_order_is_taken_by_key() -> None:
    """JAX returns a dict's gradient with sorted keys: the keys, not their order, count."""
    x = {"b": PARAMS["b"], "W": PARAMS["W"]}
    assert gradref.check_gradient(loss, loss_grad, x).passed


@pytest.mark.parametrize(
    ("i", "error", "match"),
    [
        (5, TypeError, r"^`i` must be a path for a tree `x`, a tuple such as \('W1', \(2, 3\)\)"),
        (
            ("W", 5),
            TypeError,
            r"^`i` must be an index tuple within `x\[\"W\"\]` of shape \(3, 4\), such as "
            r"\(2, 3\); got int 5; the flat index 5 is \(1, 1\)\.$",
        ),
        (("V", (1, 1)), ValueError, r"^`i` = \('V', \(1, 1\)\): `x` has no key 'V'"),
        (("W",), ValueError, r"^`i` must index `x\[\"W\"\]` of shape \(3, 4\) with 2 integers"),
        (("W", (1, 4)), ValueError, r"^the index \(1, 4\) in `i` must satisfy 0 <= index"),
        (("W", (1, 1), 0), ValueError, r"^`i` = .* has more than one item after the path"),
        ((), ValueError, r"^`i` = \(\) ends at `x`, a dict: it must go down to a leaf"),
        (("b", 1.0), TypeError, r"^`i` must be made of integer indices .*got float\.$"),
        (("b", True), TypeError, r"^`i` must be made of integer indices .*got bool\.$"),
    ],
)
def test_bad_locations_are_refused(i: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        gradref.partial_derivative(loss, PARAMS, i)


def test_a_list_of_leaves_is_indexed_by_position() -> None:
    x = [np.ones(2), {"c": np.ones((2, 2))}]
    match = r"^`i` = \(2, \(0,\)\): `x` is a list of 2, so the next item must be an integer"
    with pytest.raises(ValueError, match=match):
        gradref.partial_derivative(lambda p: 0.0, x, (2, (0,)))
    d = gradref.partial_derivative(lambda p: p[1]["c"][1, 0] ** 2, x, (1, "c", (1, 0)))
    assert d == pytest.approx(2.0, rel=1e-9)
    numpy_ints = (np.int64(1), "c", (np.int64(1), np.intp(0)))
    assert gradref.partial_derivative(lambda p: p[1]["c"][1, 0] ** 2, x, numpy_ints) == d


def test_steps_and_directions_of_another_structure_are_refused() -> None:
    with pytest.raises(ValueError, match=r'^`h\["b"\]` must have the shape of `x\["b"\]`'):
        gradref.gradient(loss, PARAMS, h={"W": W34, "b": np.ones(2)})
    h = {"W": W34.copy(), "b": np.ones(3)}
    h["W"][0, 1] = -1.0
    with pytest.raises(ValueError, match=r'^`h` must be positive; `h\["W"\]\[0, 1\]` is -1\.0\.$'):
        gradref.gradient(loss, PARAMS, h=h)
    with pytest.raises(ValueError, match=r"^`u` must be a dict with the keys of `x`"):
        gradref.directional_derivative(loss, PARAMS, {"W": W34})
    with pytest.raises(ValueError, match=r"^`u` must be a unit vector, got norm"):
        gradref.directional_derivative(loss, PARAMS, {"W": W34, "b": np.ones(3)})


# --- the property: any tree is its flat vector ----------------------------------------------

# A list or tuple of numbers (0-d arrays among them) is an array, not a tree: 0-d leaves
# are drawn where nothing else reads them so, as the values of a dict.
shapes = st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple)
leaves = shapes.map(lambda shape: np.ones(shape))
zero_d = st.sampled_from([np.ones(()), 1.0])
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3),
        st.lists(children, min_size=1, max_size=3).map(tuple),
        st.dictionaries(st.sampled_from("abcd"), children | zero_d, min_size=1, max_size=3),
    ),
    max_leaves=5,
)


@given(
    tree=trees.filter(lambda t: isinstance(t, (dict, list, tuple))),
    seed=st.integers(0, 2**32 - 1),
    scheme=st.sampled_from(SCHEMES),
)
def test_gradient_on_a_tree_is_the_flat_gradient_unflattened(
    tree: Any, seed: int, scheme: Any
) -> None:
    """For every tree: gradient(f, tree) == unravel(gradient(f o unravel, ravel(tree)))."""
    rng = np.random.default_rng(seed)
    x = unravel(rng.uniform(-2, 2, ravel(tree).size), tree)
    weights = rng.normal(size=ravel(tree).size)

    def f(p: Any) -> Any:
        v = ravel_any(p)
        return np.sum(weights * np.sin(v)) + np.sum(v * v) ** 2

    g = gradref.gradient(f, x, scheme=scheme)
    flat = gradref.gradient(lambda v: f(unravel(v, x)), ravel(x), scheme=scheme)
    assert_same_tree(g, unravel(flat, x))


def ravel_any(tree: Any) -> Any:
    """`ravel` that keeps gradref's complex points complex (no float64 cast)."""
    if isinstance(tree, dict):
        return np.concatenate([ravel_any(v) for v in tree.values()])
    if isinstance(tree, (list, tuple)):
        return np.concatenate([ravel_any(v) for v in tree])
    return np.ravel(tree)


def test_messages_about_f_show_the_point_as_a_tree() -> None:
    match = r"(?s)^`f` returned nan at x = \{'W': array\(\[\[0\.99999237, 1\. .*'b': array\("
    with pytest.raises(ValueError, match=match):
        gradref.gradient(lambda p: np.nan, {"W": np.ones((2, 2)), "b": np.zeros(1)})
    with pytest.raises(TypeError, match=r"^`f` must return a number, got str at x = \{'W'"):
        gradref.gradient(lambda p: "1", {"W": np.ones((2, 2))})


# API review round 1 of the tree change (/work/reviews/api-r1.md): one test per finding.


@pytest.mark.parametrize(
    "x",
    [np.array(2.0), {"t": np.array(2.0)}, [np.array(2.0), np.ones(1)]],
    ids=["0-d", "dict", "list"],
)
def test_r1_12_a_0d_array_h_is_one_step(x: Any) -> None:
    """h = np.array(0.5) is h = 0.5: t^3 at 2 by central differences, 12 + h^2 = 12.25."""

    def f(p: Any) -> Any:
        return ravel_any(p)[0] ** 3

    expected = gradref.gradient(f, x, h=0.5)
    assert_same_tree(gradref.gradient(f, x, h=np.array(0.5)), expected)
    assert_allclose(ravel(expected)[0], 12.25, rtol=1e-15)
    assert gradref.partial_derivative(f, [2.0], 0, h=np.array(0.5)) == pytest.approx(12.25)  # type: ignore[arg-type]
    assert_allclose(gradref.jacobian(lambda t: t[None] ** 3, np.array(2.0), h=np.array(0.5)), 12.25)
    assert_allclose(gradref.hessian(lambda t: t**3, np.array(2.0), h=np.array(0.5)), 12.0)


@pytest.mark.parametrize(
    ("x", "h"),
    [
        (np.ones((2, 2)), [[0.5, 0.25], [0.125]]),
        (np.ones(2), [[0.5], 0.5]),
    ],
    ids=["2-D", "1-D"],
)
def test_r1_13_a_ragged_h_is_refused_naming_h(x: Any, h: Any) -> None:
    with pytest.raises(
        TypeError, match=r"^`h` must be one step or an array of steps, not a ragged list"
    ):
        gradref.gradient(lambda p: 0.0, x, h=h)


@pytest.mark.parametrize(
    "grad",
    [lambda m: {"a": 2 * m}, lambda m: [2 * m[0], 2 * m[1]]],
    ids=["dict", "list of arrays"],
)
def test_r1_1_a_container_for_the_gradient_of_an_array_is_a_type_error(grad: Any) -> None:
    """As for a 1-D x (a dict there is no number either): TypeError for an N-d x too."""
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(TypeError, match=r"^`grad\(x\)` must be an array, as `x` is; got a "):
        gradref.check_gradient(lambda m: np.sum(m**2), grad, x)
    with pytest.raises(TypeError, match=r"^`grad` must return numbers, got dict"):
        gradref.check_gradient(lambda v: np.sum(v**2), lambda v: {"a": 2 * v}, [1.0, 2.0])


@pytest.mark.parametrize(
    ("x", "match"),
    [
        ((np.ones(2), np.ones(1)), r"^`u` must be a tuple of 2 like `x`; got a NoneType\.$"),
        ({"a": np.ones(2)}, r"^`u` must be a dict with the keys of `x`, \['a'\]; got NoneType\.$"),
        (np.ones((2, 2)), r"^`u` must be an array of real numbers, not <class 'NoneType'>\.$"),
        (np.ones(2), r"^`u` must be a 1-D array of real numbers, not dtype object\.$"),
    ],
    ids=["tuple", "dict", "2-D", "1-D"],
)
def test_r1_10_u_none_is_a_type_error_for_every_x(x: Any, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        gradref.directional_derivative(lambda p: 0.0, x, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("i", "error", "match"),
    [
        (
            ("L", 1.0, ()),
            TypeError,
            r"^`i` = .*the next item must be an integer position; got float",
        ),
        (
            ("L", True, ()),
            TypeError,
            r"^`i` = .*the next item must be an integer position; got bool",
        ),
        (("L", "0", ()), TypeError, r"^`i` = .*the next item must be an integer position; got str"),
        (("L", 0, 0.0), TypeError, r'^`i` must be made of integer indices within `x\["L"\]\[0\]`'),
        (("L", 2, ()), ValueError, r"^`i` = .*must be an integer in 0\.\.1; got 2\.$"),
        (("L", np.int64(1), ()), None, ""),
    ],
)
def test_r1_8_a_non_integer_list_position_is_a_type_error(
    i: Any, error: type[Exception] | None, match: str
) -> None:
    """A wrong type in a path is a TypeError wherever it is; a position out of range, a
    ValueError."""
    x = {"L": [np.ones(1), np.array(2.0)]}

    def f(p: Any) -> Any:
        return p["L"][0][0] ** 2 + p["L"][1] ** 3

    if error is None:
        assert gradref.partial_derivative(f, x, i, scheme="complex") == pytest.approx(12.0)
        return
    with pytest.raises(error, match=match):
        gradref.partial_derivative(f, x, i)


class Scalar:
    """A 0-d array of another library (as JAX's): ndim 0, read by numpy via __array__."""

    ndim = 0

    def __init__(self, value: float) -> None:
        self.value = value

    def __array__(self, dtype: Any = None, copy: Any = None) -> NDArray[Any]:
        return np.array(self.value, dtype=dtype)

    def __float__(self) -> float:  # numpy reads a 0-d item of a list with float()
        return self.value


@pytest.mark.parametrize(
    "x",
    [
        [np.array(1.0), np.array(2.0)],
        [Scalar(1.0), Scalar(2.0)],
        (np.float64(1.0), 2),
        [np.array(1.0), Scalar(2.0)],
    ],
    ids=["numpy 0-d", "other 0-d", "scalars", "mixed"],
)
def test_r1_2_a_list_of_0d_arrays_of_any_library_is_an_array(x: Any) -> None:
    """One rule: a list of numbers, a 0-d array of any library being one, is an array."""
    g = gradref.gradient(lambda p: p[0] ** 2 + p[1] ** 2, x, scheme="complex")
    assert isinstance(g, np.ndarray)
    assert_array_equal(g, [2.0, 4.0])


def test_r1_2_a_list_holding_a_1d_array_is_a_container() -> None:
    g = gradref.gradient(lambda p: p[0][0] ** 2 + p[1] ** 2, [np.ones(1), Scalar(2.0)])
    assert isinstance(g, list)
    assert_allclose(np.concatenate([np.ravel(v) for v in g]), [2.0, 4.0], rtol=1e-9)


def test_r1_9_a_namedtuple_is_an_array_of_numbers_or_refused() -> None:
    """As documented: numbers, an array as numpy reads it; holding arrays, a TypeError."""
    from collections import OrderedDict, namedtuple

    Pair = namedtuple("Pair", "a b")

    def f(p: Any) -> Any:
        return p[0] * p[1]

    g = gradref.gradient(f, Pair(1.0, 2.0), scheme="complex")
    assert isinstance(g, np.ndarray)
    assert_array_equal(g, [2.0, 1.0])
    with pytest.raises(TypeError, match=r"^`x` must be a dict, list or tuple \(or an array\)"):
        gradref.gradient(f, Pair(np.ones(1), np.ones(2)))
    with pytest.raises(TypeError, match=r"^`x` must be a dict, list or tuple \(or an array\)"):
        gradref.gradient(f, OrderedDict(a=1.0, b=2.0))


X23 = np.arange(6.0).reshape(2, 3)
WB = {"W": np.ones((2, 2)), "b": np.array([5.0, 6.0])}


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: gradref.gradient(lambda p: p["b"], WB, vectorized=True),
            r"one value per row of its \{'W': \(1, 2, 2\), 'b': \(1, 2\)\} input, i\.e\. shape "
            r"\(1,\); got shape \(1, 2\)\.$",
        ),
        (
            lambda: gradref.gradient(lambda p: "1", WB, vectorized=True),
            r"with the points stacked as rows, shape \{'W': \(1, 2, 2\), 'b': \(1, 2\)\} ",
        ),
        (
            lambda: gradref.hessian(lambda m: m.sum(axis=-1), X23, vectorized=True),
            r"one value per row of its \(1, 2, 3\) input",
        ),
        (
            lambda: gradref.jacobian(lambda m: m.sum(), X23, vectorized=True),
            r"one row of outputs per row of its \(1, 2, 3\) input, i\.e\. shape "
            r"\(1, \*F\(x\)\.shape\): \(1, m\) for a 1-D F\(x\) of m outputs; got ",
        ),
    ],
    ids=["tree", "tree-where", "hessian", "jacobian"],
)
def test_r1_3_vectorized_messages_give_the_shapes_f_gets(call: Any, match: str) -> None:
    """Not the flat (1, 6): the stacked input as f received it, (p, *x.shape) or a tree."""
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_r1_4_an_empty_nd_output_is_named_by_its_shape() -> None:
    """F returned (0, 3): no "1-D" required of an N-d F, and its own shape in the message."""
    match = r"^`F` must return a non-empty array \(one entry per output\), got shape \(0, 3\)\."
    with pytest.raises(ValueError, match=match):
        gradref.jacobian(lambda m: np.zeros((0, 3)), X23)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: gradref.gradient(lambda p: p["b"][0] ** 2, WB, h=1e-17),
            r'^`h` = 1e-17 is below the spacing of `x`: x\["b"\]\[0\] - h rounds to '
            r'x\["b"\]\[0\] = 5\.0, ',
        ),
        (
            lambda: gradref.gradient(
                lambda p: p["b"][0] ** 2, WB, h={"W": np.ones((2, 2)), "b": np.array([1, 1e-17])}
            ),
            r'^`h\["b"\]\[1\]` = 1e-17 is below the spacing of `x`: x\["b"\]\[1\] - h .*; use '
            r'h\["b"\]\[1\] >= ',
        ),
        (
            lambda: gradref.gradient(lambda p: 0.0, {"a": np.array([[1.0, 1.7e308]])}, h=1e307),
            r'^the step overflows float64 at `x\["a"\]\[0, 1\]` = 1\.7e\+308: ',
        ),
        (
            lambda: gradref.hessian(lambda m: m.sum(), np.array([[1, 2], [3, 1.7e308]]), h=1e307),
            r"^`x\[1, 1\]` = 1\.7e\+308 moved by the step `h` = 1e\+307 overflows float64\.$",
        ),
        (
            lambda: gradref.hessian(lambda m: m.sum(), np.array([[1, 2], [3, 4.0]]), h=1e-12),
            r"^`h` = 1e-12 is too small for scheme='central' at x\[0, 0\] = 1 ",
        ),
        (
            lambda: gradref.jacobian(lambda m: m * np.nan, np.ones((2, 2))),
            r"^`F` returned nan \(F\(x\)\[0, 0\]\) at x = ",
        ),
    ],
    ids=["uniform h", "tree h", "overflow", "hessian overflow", "hessian step", "F value"],
)
def test_r1_5_messages_name_entries_by_their_paths(call: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_r1_6_an_nd_f_reduced_over_its_trailing_axes_works_both_ways() -> None:
    """axis=-1 suits a 1-D x only; for a (2, 3) x, axis=(-2, -1) gives the same gradient
    vectorized or not, while axis=-1 fails the vectorized shape check."""

    def f(m: Any) -> Any:
        return np.sin(m).sum(axis=(-2, -1)) * m[..., 0, 0]

    x = RNG.normal(size=(2, 3))
    one = gradref.gradient(f, x, scheme="complex")
    assert_array_equal(gradref.gradient(f, x, scheme="complex", vectorized=True), one)
    exact = np.cos(x) * x[0, 0]
    exact[0, 0] += np.sin(x).sum()
    assert_allclose(one, exact, rtol=1e-14, atol=1e-15)
    with pytest.raises(ValueError, match=r"one value per row of its \(1, 2, 3\) input"):
        gradref.gradient(lambda m: np.sin(m).sum(axis=-1), x, vectorized=True)


@pytest.mark.parametrize("x", [{"a": np.ones(2), "b": np.ones((2, 2))}, [np.ones(3), [np.ones(2)]]])
def test_r1_7_the_directions_recipe_reproduces_each_direction(x: Any) -> None:
    """Direction k: each array of `directions` replaced by its row k, in x's structure."""
    x = unravel(RNG.uniform(0.5, 1.5, ravel(x).size), x)

    def f(p: Any) -> Any:
        v = ravel_any(p)
        return np.sum(np.sin(v) * np.arange(1, v.size + 1))

    def grad(p: Any) -> Any:
        v = ravel(p)
        return unravel(np.cos(v) * np.arange(1, v.size + 1), p)

    check = gradref.check_gradient(f, grad, x, directions=2, scheme="complex")

    def row(d: Any, k: int) -> Any:  # the recipe, nested: a tree.map of d[k]
        if isinstance(d, dict):
            return {key: row(v, k) for key, v in d.items()}
        if isinstance(d, (list, tuple)):
            return type(d)(row(v, k) for v in d)
        return d[k]

    for k in range(2):
        u = row(check.directions, k)
        assert np.linalg.norm(ravel(u)) == pytest.approx(1.0, abs=1e-14)
        along = gradref.directional_derivative(f, x, u, scheme="complex")
        assert along == pytest.approx(float(ravel(check.numerical)[k]), rel=1e-13)


def test_r1_11_hessian_of_an_nd_x_counts_n_as_its_entries() -> None:
    """n is the number of entries: 2n^2 + 2n + 1 = 85 evaluations for a (2, 3) x (n = 6)."""
    calls = 0

    def f(m: Any) -> Any:
        nonlocal calls
        calls += 1
        assert m.shape == (2, 3)  # f gets the point in x's shape
        return np.sum(m**3)

    x = RNG.uniform(0.5, 1.5, size=(2, 3))
    hess = gradref.hessian(f, x)
    assert calls == 2 * 6**2 + 2 * 6 + 1
    assert_allclose(hess.reshape(6, 6), np.diag(6 * x.ravel()), rtol=1e-9, atol=1e-9)


B1_X = {"w": np.array([1.0, 2.0, 3.0]), "s": np.array(2.0)}


def b1_f(p: Any) -> Any:
    """Written for one point: stacked, p["s"] of shape (p,) would mix the rows."""
    return np.sum(p["w"] ** 2) * p["s"]


@pytest.mark.parametrize(
    ("call", "where"),
    [
        (lambda: gradref.gradient(b1_f, B1_X, vectorized=True), 'x["s"]'),
        (
            lambda: gradref.directional_derivative(
                b1_f, B1_X, {"w": np.zeros(3), "s": np.array(1.0)}, vectorized=True
            ),
            'x["s"]',
        ),
        (lambda: gradref.check_gradient(b1_f, lambda p: p, B1_X, vectorized=True), 'x["s"]'),
        (lambda: gradref.assert_gradient(b1_f, lambda p: p, B1_X, vectorized=True), 'x["s"]'),
        (lambda: gradref.gradient(lambda t: t**2 * np.sum(t), np.array(2.0), vectorized=True), "x"),
        (lambda: gradref.hessian(lambda t: t**2 * np.sum(t), 2.0, vectorized=True), "x"),
        (lambda: gradref.jacobian(lambda t: t * np.ones(2), 2.0, vectorized=True), "x"),
        (lambda: gradref.gradient(np.sum, [np.ones(2), np.float64(1.0)], vectorized=True), "x[1]"),
    ],
)
def test_b1_vectorized_refuses_a_0d_entry_naming_it(call: Any, where: str) -> None:
    """A 0-d entry stacked is (p,), one value per point to the shape check: refused."""
    with pytest.raises(
        ValueError,
        match=rf"`vectorized` = True cannot stack `{re.escape(where)}`"
        r", which is 0-d: .* Give `.*` shape \(1,\)",
    ):
        call()


def test_b1_a_leaf_of_shape_1_gives_the_exact_gradient_vectorized() -> None:
    """The way out the message gives: s of shape (1,); exact {'w': 2 s w, 's': |w|^2}."""
    x = {"w": np.array([1.0, 2.0, 3.0]), "s": np.array([2.0])}
    g = gradref.gradient(
        lambda p: np.sum(p["w"] ** 2, axis=-1) * p["s"][..., 0], x, vectorized=True
    )
    assert_allclose(g["w"], [4.0, 8.0, 12.0], rtol=1e-9)
    assert_allclose(g["s"], [14.0], rtol=1e-9)


@pytest.mark.parametrize("x", [np.ones((2, 3)), np.ones(3)], ids=["2-d x", "1-d x"])
def test_f1_a_0d_jacobian_value_is_refused_as_not_any_shape_but_0d(x: Any) -> None:
    """F may return any shape but 0-d, for any x: the message says so, not '1-D'."""
    with pytest.raises(
        ValueError,
        match=r"(?s)`F` must return a non-empty array \(any shape but 0-d; one entry per output\), "
        r"got shape \(\) at x = .*For a scalar function use gradref\.gradient\.",
    ):
        gradref.jacobian(lambda m: m.sum(), x)


@pytest.mark.parametrize(
    ("fun", "got"),
    [
        (lambda m: np.ones((2, 3)), r"\(2, 3\)"),
        (lambda m: np.ones((2, 2, 3)), r"\(2, 2, 3\)"),  # the user's shape, not (2, 6)
        (lambda m: m.sum(axis=(1, 2)), r"\(1,\)"),
    ],
)
def test_i3_vectorized_jacobian_shape_message_gives_p_then_f_shape(fun: Any, got: str) -> None:
    """An N-d F returns (p, *F(x).shape), and the message shows the shape F returned."""
    with pytest.raises(
        ValueError,
        match=r"one row of outputs per row of its \(1, 2, 3\) input, i\.e\. shape "
        rf"\(1, \*F\(x\)\.shape\): \(1, m\) for a 1-D F\(x\) of m outputs; got shape {got}\.",
    ):
        gradref.jacobian(fun, np.ones((2, 3)), vectorized=True)


@pytest.mark.parametrize("vectorized", [False, True])
def test_i4_a_1d_x_may_have_an_nd_f(vectorized: bool) -> None:
    """d(v_a v_b)/dv_c = delta_ac v_b + v_a delta_bc, shape F(x).shape + x.shape."""
    v = np.array([1.0, 2.0])
    eye = np.eye(2)
    exact = np.einsum("ac,b->abc", eye, v) + np.einsum("a,bc->abc", v, eye)
    jac = gradref.jacobian(
        lambda w: w[..., :, None] * w[..., None, :], v, scheme="complex", vectorized=vectorized
    )
    assert jac.shape == (2, 2, 2)
    assert_array_equal(jac, exact)


@pytest.mark.parametrize(
    ("x", "what"),
    [
        ({"a": np.ones(5), "b": np.ones((2, 3))}, "the number of entries"),
        (np.ones((2, 3)), "the number of entries"),
        (np.ones(11), "the length"),
    ],
)
def test_i2_directions_above_n_names_what_n_counts(x: Any, what: str) -> None:
    """n is the number of entries of a tree or N-d x, the length of a 1-D one."""
    n = ravel(x).size
    with pytest.raises(
        ValueError, match=rf"`directions` must be at most n = {n} \({what} of `x`\), got {n + 1}:"
    ):
        gradref.check_gradient(lambda p: 0.0, lambda p: p, x, directions=n + 1)


WB11 = {"a": np.ones(5), "b": np.ones(6)}


@pytest.mark.parametrize(
    ("x", "h", "error", "match"),
    [
        (
            WB11,
            np.full(11, 1e-4),
            TypeError,
            r"`h` must be a dict with the keys of `x`",
        ),
        (np.ones((2, 2)), {"a": 1e-4}, TypeError, r"`h` must be an array, as `x` is; got a dict"),
        (
            WB11,
            {"a": np.full(5, 1e-4), "b": np.full(5, 1e-4)},
            ValueError,
            r"""`h\["b"\]` must have the shape of `x\["b"\]`, \(6,\); got \(5,\)""",
        ),
    ],
)
def test_i1_h_of_the_wrong_type_is_a_type_error_of_the_wrong_shape_a_value_error(
    x: Any, h: Any, error: type[Exception], match: str
) -> None:
    """As the Raises section says: the type of h is checked as grad(x)'s and u's are."""
    with pytest.raises(error, match=match):
        gradref.gradient(lambda p: 0.0, x, h=h)


def test_c3_worst_spells_a_1d_leaf_entry_as_partial_derivative_documents() -> None:
    """worst is ('b', (k,)) in a 1-D leaf, ('s', ()) in a 0-d one; i takes it, and k."""
    x = {"b": np.array([1.0, 2.0]), "s": np.array(3.0)}

    def f(p: Any) -> Any:
        return np.sum(p["b"] ** 2) * p["s"]

    wrongs: list[tuple[dict[str, Any], Any]] = [
        ({"b": [6.0, 10.0], "s": 5.0}, ("b", (1,))),
        ({"b": [6.0, 12.0], "s": 6.0}, ("s", ())),
    ]
    for wrong, worst in wrongs:
        check = gradref.check_gradient(f, lambda p: wrong, x, scheme="complex")  # noqa: B023
        assert check.worst == worst
        d = gradref.partial_derivative(f, x, check.worst, scheme="complex")
        assert d == {("b", (1,)): 12.0, ("s", ()): 5.0}[worst]  # 2 b_1 s, |b|^2
    assert gradref.partial_derivative(f, x, ("b", 1)) == gradref.partial_derivative(
        f, x, ("b", (1,))
    )


@pytest.mark.parametrize("key", ['a"b', "it's", "both ' and \"", "a\\b", "tab\t", "b", 7, (1, 2)])
def test_c2_a_path_in_a_message_is_the_python_expression_of_the_leaf(key: Any) -> None:
    """The path a message prints, evaluated on x, is the leaf it names (quotes escaped)."""
    x = {key: [np.ones(2), np.array([1.0, np.nan])]}
    with pytest.raises(ValueError, match=r"^`(.*)` must be finite") as info:
        gradref.gradient(lambda p: 0.0, x)
    path = re.match(r"^`(.*)` must be finite", str(info.value))
    assert path is not None
    assert eval(path[1], {"x": x}) is x[key][1]
    if isinstance(key, str) and '"' not in key:
        assert path[1].startswith('x["')  # x["b"], as before


@pytest.mark.parametrize(
    "call",
    [
        lambda: gradref.gradient(lambda p: 0.0, [10**400]),
        lambda: gradref.partial_derivative(lambda p: 0.0, [10**400, 1.0], 0),
        lambda: gradref.check_gradient(lambda p: 0.0, lambda p: p, np.array(["a", "b"])),
        lambda: gradref.jacobian(lambda p: p, np.array([None, 1.0])),
        lambda: gradref.hessian(lambda p: 0.0, [10**400]),
    ],
)
def test_c4_a_1d_x_of_non_numbers_is_told_an_array_not_a_1d_one(call: Any) -> None:
    """x may have any shape, so the message does not say '1-D' for a 1-D x either."""
    with pytest.raises(TypeError, match=r"^`x` must be an array of real numbers, not dtype"):
        call()


@pytest.mark.parametrize(
    ("x", "i", "match"),
    [
        (np.ones((2, 3)), 4, r"`i` must be an index tuple within `x` of shape \(2, 3\)"),
        ({"a": [np.ones(2), np.ones(2)]}, ("a", 1.0, 0), r"must be an integer position"),
        ({"a": [np.ones(2), np.ones(2)]}, ("a", True, 0), r"must be an integer position"),
        (np.ones((2, 3)), (1, True), r"`i` must be made of integer indices within `x`, got bool"),
        (np.ones((2, 3)), (1, 0.0), r"`i` must be made of integer indices within `x`, got float"),
        ({"a": np.ones(2)}, "a", r"`i` must be a path for a tree `x`"),
    ],
)
def test_c1_i_not_of_the_form_needed_is_a_type_error(x: Any, i: Any, match: str) -> None:
    """Each form the Raises entry names: a flat int where an index tuple is needed, ..."""
    with pytest.raises(TypeError, match=match):
        gradref.partial_derivative(lambda p: 0.0, x, i)


def test_i5_values_in_the_structure_of_x_are_matched_by_kind_x_itself_exactly() -> None:
    """grad(x), u and h may be an OrderedDict (keys in any order) and a tuple for a list;
    the point x may not: its containers are exactly dict, list and tuple."""
    x: dict[str, Any] = {"a": np.array([1.0, 2.0]), "b": [np.array([3.0]), np.array([4.0, 5.0])]}

    def f(p: Any) -> Any:
        return np.sum(p["a"] ** 2) + np.sum(p["b"][0]) + np.sum(p["b"][1] ** 2)

    exact: dict[str, Any] = {"a": 2 * x["a"], "b": [np.ones(1), 2 * x["b"][1]]}
    kinded = OrderedDict(b=(exact["b"][0], exact["b"][1]), a=exact["a"])
    assert gradref.check_gradient(f, lambda p: kinded, x).passed
    h = OrderedDict(b=(np.full(1, 2.0**-10), np.full(2, 2.0**-10)), a=np.full(2, 2.0**-10))
    assert_same_tree(gradref.gradient(f, x, h=h), gradref.gradient(f, x, h=2.0**-10))
    u = OrderedDict(b=(np.zeros(1), np.array([0.6, 0.0])), a=np.array([0.0, 0.8]))
    d = gradref.directional_derivative(f, x, u, scheme="complex")
    assert_allclose(d, 0.6 * 8.0 + 0.8 * 4.0, rtol=1e-15)
    with pytest.raises(TypeError, match=r"`x` must be a dict, list or tuple .*OrderedDict"):
        gradref.gradient(f, OrderedDict(x))


def test_r4_an_h_given_as_a_container_is_refused_for_an_nd_x() -> None:
    # API review r4, finding 3: a list of arrays (a container by x's rule) or a dict,
    # where an N-d x takes an array of steps, is a TypeError naming `h`.
    m = np.ones((2, 3))
    bad: tuple[Any, ...] = ([np.full(3, 1e-2)] * 2, {"a": 1e-2})
    for h in bad:
        with pytest.raises(TypeError, match=r"^`h` must be an array"):
            gradref.hessian(lambda a: np.sum(a**3), m, h=h)
        with pytest.raises(TypeError, match=r"^`h` must be an array"):
            gradref.jacobian(lambda a: a**2, m, h=h)


def test_r4_a_location_out_of_its_leaf_names_the_index_and_counts_in_the_singular() -> None:
    # API review r4, findings 5 and 6.
    def fun(p: Any) -> Any:
        return np.sum(p["W"] ** 2)

    with pytest.raises(ValueError, match=r"^the index \(5, 0\) in `i` must satisfy 0 <= "):
        gradref.partial_derivative(fun, {"W": np.ones((2, 2))}, ("W", (5, 0)))
    with pytest.raises(ValueError, match=r"with 1 integer; got \(\)\.$"):
        gradref.partial_derivative(lambda p: p["b"][1], {"b": [np.ones(3), 2.0]}, ("b", 0))


def test_r5_3_a_list_h_is_matched_to_a_list_x_by_kind_as_u_and_grad_are() -> None:
    # API review r5, finding 3: [[0.5, 0.5], 0.5] is x's list of a (2,) array and a 0-d
    # one, as `u` and grad(x) of that shape are read; it was refused as ragged.
    x = [np.ones(2), np.array(3.0)]

    def f(p: Any) -> Any:
        return p[0][0] ** 2 * p[0][1] + p[1] ** 3

    g = gradref.gradient(f, x, h=[[0.5, 0.5], 0.5], scheme="forward")
    # forward differences of x^2 y, x y, t^3 at steps 0.5: 2x + h, x^2, 3t^2 + 3th + h^2
    assert_allclose(g[0], [2.5, 1.0])
    assert_allclose(g[1], 27 + 4.5 + 0.25)


@pytest.mark.parametrize(
    "x",
    [OrderedDict(a=np.ones(2)), {}, {"a": [np.nan]}, [np.ones(2), np.ones(1)]],
    ids=["OrderedDict", "empty dict", "non-finite leaf", "list of arrays"],
)
def test_r5_6_jacobian_and_hessian_refuse_a_tree_before_reading_its_leaves(x: Any) -> None:
    # API review r5, finding 6: the tree was validated first, so an OrderedDict was told
    # to become a dict (then refused as one) and {} got a ValueError about emptiness.
    with pytest.raises(TypeError, match=r"^`x` must be an array of real numbers \(of any shape\)"):
        gradref.jacobian(lambda v: v, x)
    with pytest.raises(TypeError, match=r"^`x` must be an array of real numbers \(of any shape\)"):
        gradref.hessian(lambda v: 0.0, x)
