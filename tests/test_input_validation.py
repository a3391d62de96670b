"""Every bad input gets an error naming the argument and the rule; each message is checked."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from numpy.typing import NDArray

import gradref
from gradref.examples import DATA_T, DATA_X, f, grad_f

P0 = [1.0, 2.0]
BIG = float(np.finfo(np.float64).max)


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        ([1.0, np.nan], ValueError, r"`x` must be finite \(no NaN or inf\); `x`\[1\] is nan"),
        ([np.inf, 1.0], ValueError, r"`x` must be finite .*`x`\[0\] is inf"),
        # A list of strings is a list of leaves (a tree), and its first leaf is refused.
        (["a", "b"], TypeError, r"`x\[0\]` must be an array of real numbers, not <class 'str'>"),
        ([[1.0, 2.0], [3.0]], TypeError, r"`x` must be an array of real numbers\."),
        ([1 + 2j, 0], TypeError, r"`x` must be real; the complex step is chosen with scheme="),
        ([], ValueError, r"`x` must not be empty\."),
    ],
)
def test_bad_point(x: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        gradref.gradient(f, x)


@pytest.mark.parametrize(
    ("x", "match"),
    [
        ([[1.0, 2.0]], r"`x` must be 1-D \(one entry per variable\), got shape \(1, 2\)\.$"),
        (1.0, r"got shape \(\)\. Wrap a single number as \[x\]\."),
    ],
)
def test_point_of_a_1d_function_must_be_1d(x: Any, match: str) -> None:
    """`default_step` (one step per coordinate) takes a 1-D x; the derivatives any shape."""
    with pytest.raises(ValueError, match=match):
        gradref.default_step(x)


@pytest.mark.parametrize(
    ("i", "error", "match"),
    [
        (2, ValueError, r"`i` must satisfy 0 <= i < 2 \(the length of `x`\), got 2\."),
        (-1, ValueError, r"`i` must satisfy 0 <= i < 2 .*got -1\."),
        (0.0, TypeError, r"`i` must be an integer index, got float\."),
        (True, TypeError, r"`i` must be an integer index, got bool\."),
    ],
)
def test_bad_index(i: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        gradref.partial_derivative(f, P0, i)


def test_numpy_integer_index_is_accepted() -> None:
    # partial_derivative is annotated `i: int`; a NumPy integer is accepted all the same.
    by_numpy_index = gradref.partial_derivative(f, P0, np.int64(1))  # type: ignore[arg-type]
    assert by_numpy_index == gradref.partial_derivative(f, P0, 1)


@pytest.mark.parametrize(
    ("h", "error", "match"),
    [
        (0.0, ValueError, r"`h` must be positive, got 0\.0\."),
        (-1e-5, ValueError, r"`h` must be positive, got -1e-05\."),
        (math.nan, ValueError, r"`h` must be finite, got nan\."),
        (math.inf, ValueError, r"`h` must be finite, got inf\."),
        ("1e-5", TypeError, r"`h` must be a real number, got str\."),
    ],
)
def test_bad_step(h: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        gradref.gradient(f, P0, h=h)


def test_unknown_scheme_lists_the_valid_ones() -> None:
    match = (
        r"`scheme` must be one of 'forward', 'backward', 'central', 'richardson', "
        r"'complex'; got 'centered'\."
    )
    with pytest.raises(ValueError, match=match):
        gradref.gradient(f, P0, scheme="centered")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match=match):
        gradref.default_step(P0, scheme="centered")  # type: ignore[arg-type]


def test_complex_step_on_a_function_that_rejects_complex_input() -> None:
    def uses_math(p: Any) -> float:
        return float(math.exp(p[0]) * p[1])

    with pytest.raises(TypeError, match=r"`f` does not accept complex input.*scheme='central'"):
        gradref.gradient(uses_math, P0, scheme="complex")


@pytest.mark.parametrize(
    "drops_imaginary_part",
    [
        lambda p: abs(p[0] * p[1]),
        lambda p: float(p[0].real) * 2.0,
        lambda p: np.real(p[0] ** 2 + p[1]),
    ],
)
def test_complex_step_on_a_function_that_drops_the_imaginary_part(
    drops_imaginary_part: Any,
) -> None:
    with pytest.raises(TypeError, match=r"`f` returned a real number for complex input.*"):
        gradref.gradient(drops_imaginary_part, P0, scheme="complex")


def test_complex_warning_becomes_the_complex_step_error() -> None:
    def casts(p: Any) -> float:
        out = np.zeros(1)
        out[0] = p[0] * p[1]  # numpy warns: the imaginary part is discarded
        return float(out[0])

    with pytest.raises(TypeError, match=r"`f` does not accept complex input"):
        gradref.gradient(casts, P0, scheme="complex")


@pytest.mark.parametrize(
    ("fun", "error", "match"),
    [
        (lambda p: p, ValueError, r"`f` must return a scalar, got an array of shape \(2,\)"),
        (lambda p: "1", TypeError, r"`f` must return a number, got str at x = "),
        (lambda p: 1j * p[0], TypeError, r"`f` must return a real number, got [0-9.]+j at x = "),
        (
            lambda p: np.log(p[0] - 1.0),
            ValueError,
            r"`f` returned nan at x = .*; it must be finite",
        ),
        (lambda p: 1 / (p[0] - 1.0) if p[0] != 1 else np.inf, ValueError, r"`f` returned inf"),
    ],
)
def test_bad_function_value(fun: Any, error: type[Exception], match: str) -> None:
    with (
        pytest.raises(error, match=match),
        np.errstate(invalid="ignore", divide="ignore"),
    ):
        gradref.gradient(fun, P0, scheme="central")


def test_vectorized_function_of_the_wrong_shape() -> None:
    # The first call gets one point, shape (1, 2): a sum over axis 0 has shape (2,).
    match = r"with vectorized=True, `f` must return one value per row of its \(1, 2\) input"
    with pytest.raises(ValueError, match=match):
        gradref.gradient(lambda xs: xs.sum(axis=0), P0, vectorized=True)
    with pytest.raises(TypeError, match=r"`vectorized` must be True or False, got 1\."):
        gradref.gradient(f, P0, vectorized=1)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("u", "match"),
    [
        ([0.0, 0.0], r"`u` must be a nonzero unit vector, got the zero vector\."),
        ([3.0, 4.0], r"`u` must be a unit vector, got norm 5\.0; pass u / np\.linalg\.norm\(u\)\."),
        ([1.0, 0.0, 0.0], r"`u` must have the length of `x`, 2; got 3\."),
        ([np.nan, 1.0], r"`u` must be finite"),
        # Before: numpy's norm overflowed with a RuntimeWarning (an error under -W error).
        ([1e200, 1e200], r"`u` must be a unit vector, got norm 1\.414213562373095e\+200; pass"),
    ],
)
def test_bad_direction(u: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        gradref.directional_derivative(f, P0, u)


@pytest.mark.parametrize(
    ("fun", "scheme", "error", "match"),
    [
        # f is called on the line x + s u: errors name that point, of the length of x.
        (
            lambda p: np.log(p[0] - 1.0),
            "central",
            ValueError,
            r"`f` returned nan at x = \[0\.99999\d+ 1\.99998\d+\]; it must be finite there\.",
        ),
        (
            lambda p: np.array([1.0, 2.0]),
            "central",
            ValueError,
            r"`f` must return a scalar, got an array of shape \(2,\) at x = \[0\.99999\d+ ",
        ),
        (lambda p: "1", "central", TypeError, r"`f` must return a number, got str at x = "),
        (lambda p: abs(p[0]), "complex", TypeError, r"`f` returned a real number for complex"),
    ],
)
def test_bad_function_value_along_a_direction(
    fun: Any, scheme: Any, error: type[Exception], match: str
) -> None:
    u = np.array([3.0, 4.0]) / 5.0
    with pytest.raises(error, match=match), np.errstate(invalid="ignore", divide="ignore"):
        gradref.directional_derivative(fun, P0, u, scheme=scheme)


def test_bad_directional_settings() -> None:
    u = np.array([3.0, 4.0]) / 5.0
    with pytest.raises(ValueError, match=r"`scheme` must be one of 'forward'"):
        gradref.directional_derivative(f, P0, u, scheme="centre")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"`h` must be positive, got 0\.0\."):
        gradref.directional_derivative(f, P0, u, h=0.0)
    with pytest.raises(TypeError, match=r"`vectorized` must be True or False, got 1\."):
        gradref.directional_derivative(f, P0, u, vectorized=1)  # type: ignore[arg-type]
    match = r"with vectorized=True, `f` must return one value per row of its \(1, 2\) input"
    with pytest.raises(ValueError, match=match):
        gradref.directional_derivative(lambda xs: xs.sum(), P0, u, vectorized=True)


def test_normalised_direction_is_accepted() -> None:
    u = np.array([1.0, 1.0, 1.0]) / np.linalg.norm([1.0, 1.0, 1.0])
    assert gradref.directional_derivative(lambda p: p.sum(), [0.0, 0.0, 0.0], u) == pytest.approx(
        math.sqrt(3)
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"lr": 0.0}, ValueError, r"`lr` must be positive, got 0\.0\."),
        ({"lr": -0.1}, ValueError, r"`lr` must be positive, got -0\.1\."),
        ({"lr": math.nan}, ValueError, r"`lr` must be finite, got nan\."),
        ({"lr": 0.1, "tol": 0}, ValueError, r"`tol` must be positive, got 0\.0\."),
        (
            {"lr": 0.1, "max_steps": 0},
            ValueError,
            r"`max_steps` must be a positive integer, got 0\.",
        ),
        (
            {"lr": 0.1, "max_steps": 1.5},
            TypeError,
            r"`max_steps` must be a positive integer, got float\.",
        ),
        (
            {"lr": 0.1, "max_steps": True},
            TypeError,
            r"`max_steps` must be a positive integer, got bool\.",
        ),
    ],
)
def test_bad_descent_settings(kwargs: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        gradref.gradient_descent(lambda th: 2 * th, [1.0], **kwargs)


def test_bad_descent_start_and_gradient() -> None:
    with pytest.raises(ValueError, match=r"`theta0` must be finite"):
        gradref.gradient_descent(lambda th: 2 * th, [np.nan], lr=0.1)
    match = r"`grad` must return an array of the shape of `theta0`, \(2,\); got \(\)\."
    with pytest.raises(ValueError, match=match):
        gradref.gradient_descent(lambda th: th.sum(), [1.0, 2.0], lr=0.1)
    match = r"`grad` returned \[nan\] at theta = \[2\.\] \(step 0\); it must be finite there\."
    with pytest.raises(ValueError, match=match):
        gradref.gradient_descent(lambda th: np.full(1, np.nan), [2.0], lr=0.1)


@pytest.mark.parametrize("function", [gradref.mse_loss, gradref.mse_gradients])
@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (
            (0.5, 0.0, [1.0, 2.0], [1.0]),
            ValueError,
            r"`x` and `t` must have the same length, got 2 and 1\.",
        ),
        ((0.5, 0.0, [], []), ValueError, r"`x` must not be empty\."),
        ((0.5, 0.0, [1.0], []), ValueError, r"`t` must not be empty\."),
        (
            (0.5, 0.0, [1.0, np.nan], [1.0, 2.0]),
            ValueError,
            r"`x` must be finite .*`x`\[1\] is nan",
        ),
        (
            (0.5, 0.0, [1.0, 2.0], [np.inf, 2.0]),
            ValueError,
            r"`t` must be finite .*`t`\[0\] is inf",
        ),
        (
            (0.5, 0.0, [1e200, 1.0], [0.0, 0.0]),
            ValueError,
            r"the sums over the data overflowed float64",
        ),
        ((math.nan, 0.0, DATA_X, DATA_T), ValueError, r"`w` must be finite, got nan\."),
        ((0.5, "0", DATA_X, DATA_T), TypeError, r"`b` must be a real number, got str\."),
        ((0.5, None, DATA_X, DATA_T), TypeError, r"`b` must be a real number, got NoneType\."),
    ],
)
def test_bad_regression_input(function: Any, args: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match), np.errstate(over="ignore"):
        function(*args)


def test_check_gradient_input() -> None:
    with pytest.raises(
        ValueError, match=r"`grad` must return an array of the shape of `x`, \(2,\); got \(3,\)\."
    ):
        gradref.check_gradient(f, lambda p: np.zeros(3), P0)
    with pytest.raises(
        ValueError, match=r"`grad` returned \[nan  1\.\] at x = \[1\. 2\.\]; it must be"
    ):
        gradref.check_gradient(f, lambda p: np.array([np.nan, 1.0]), P0)
    with pytest.raises(ValueError, match=r"`rtol` must be positive, got -1\.0\."):
        gradref.check_gradient(f, grad_f, P0, rtol=-1.0)


def _length_changes(p: Any) -> Any:
    # Two outputs at x and below, three beyond: the forward scheme calls F at x + h e_0 first.
    return np.array([p[0], p[1]]) if p[0] <= 1.0 else np.array([p[0], p[1], 0.0])


@pytest.mark.parametrize(
    ("fun", "kwargs", "error", "match"),
    [
        (
            f,
            {},
            ValueError,
            r"`F` must return a non-empty array \(any shape but 0-d; one entry per output\), "
            r"got shape \(\) "
            r"at x = .*\. For a scalar function use gradref\.gradient\.",
        ),
        (
            lambda p: np.outer(p, p) if p[1] == 2.0 else np.ones((1, 4)),
            {},
            ValueError,
            r"`F` must return arrays of one shape, got \(1, 4\) but \(2, 2\) before\.",
        ),
        (lambda p: p[:0], {}, ValueError, r"`F` must return a non-empty array .*shape \(0,\)"),
        (
            _length_changes,
            {"scheme": "forward"},
            ValueError,
            r"`F` must return arrays of one length, got 2 values at x = .* but 3 at the points "
            r"before\.",
        ),
        (
            lambda p: np.array(["a", "b"]),
            {},
            TypeError,
            r"`F` must return numbers, got str at x = ",
        ),
        (
            lambda p: np.array([p[0], 1j * p[1]]),
            {},
            TypeError,
            r"`F` must return real numbers, got [0-9.]+j at x = ",
        ),
        (
            lambda p: np.array([p[0], np.sqrt(p[1] - 2.5)]),
            {},
            ValueError,
            r"`F` returned nan \(component 1\) at x = .*; it must be finite there\.",
        ),
        (
            lambda p: np.abs(p),
            {"scheme": "complex"},
            TypeError,
            r"`F` returned a real number for complex input.*Write F with numpy functions",
        ),
        (
            lambda p: np.array([math.exp(p[0]), p[1]]),
            {"scheme": "complex"},
            TypeError,
            r"`F` does not accept complex input, which scheme='complex' needs",
        ),
        (
            lambda xs: xs.sum(axis=1),
            {"vectorized": True},
            ValueError,
            r"with vectorized=True, `F` must return one row of outputs per row of its \(1, 2\) "
            r"input, i\.e\. shape \(1, \*F\(x\)\.shape\): \(1, m\) for a 1-D F\(x\) of m "
            r"outputs; got shape \(1,\)\.",
        ),
        (lambda p: p, {"vectorized": 1}, TypeError, r"`vectorized` must be True or False, got 1"),
    ],
)
def test_bad_map(fun: Any, kwargs: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match), np.errstate(invalid="ignore"):
        gradref.jacobian(fun, P0, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"x": [1.0, np.nan]}, ValueError, r"`x` must be finite \(no NaN or inf\); `x`\[1\]"),
        (
            {"x": {"a": P0}},
            TypeError,
            r"`x` must be an array of real numbers \(of any shape\), not a dict of arrays: "
            r"the Jacobian's shape",
        ),
        ({"h": 0.0}, ValueError, r"`h` must be positive, got 0\.0\."),
        ({"scheme": "centered"}, ValueError, r"`scheme` must be one of 'forward', 'backward', "),
    ],
)
def test_jacobian_checks_its_arguments_like_gradient(
    kwargs: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        gradref.jacobian(lambda p: p, **{"x": P0, **kwargs})


@pytest.mark.parametrize(
    ("fun", "kwargs", "error", "match"),
    [
        (
            f,
            {"scheme": "forward"},
            ValueError,
            r"`scheme` must be one of 'central', 'complex', 'richardson' for the Hessian; "
            r"got 'forward'\.",
        ),
        (f, {"h": -1.0}, ValueError, r"`h` must be positive, got -1\.0\."),
        (
            lambda p: p,
            {},
            ValueError,
            r"`f` must return a scalar, got an array of shape \(2,\) at x = ",
        ),
        (lambda p: 1j * p[0], {}, TypeError, r"`f` must return a real number, got [0-9.]+j at x"),
        (
            lambda p: np.sqrt(p[0] - 1.5),
            {},
            ValueError,
            r"`f` returned nan at x = .*; it must be finite there\.",
        ),
        (
            lambda p: abs(p[0] * p[1]),
            {"scheme": "complex"},
            TypeError,
            r"`f` returned a real number for complex input",
        ),
        (
            lambda p: math.exp(p[0]) * p[1],
            {"scheme": "complex"},
            TypeError,
            r"`f` does not accept complex input",
        ),
    ],
)
def test_bad_hessian_input(fun: Any, kwargs: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match), np.errstate(invalid="ignore"):
        gradref.hessian(fun, P0, **kwargs)


def test_hessian_checks_the_point() -> None:
    with pytest.raises(ValueError, match=r"`x` must be finite \(no NaN or inf\); `x`\[0\] is inf"):
        gradref.hessian(f, [np.inf, 1.0])


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: gradref.gradient(lambda p: 1e307 * np.sin(100 * p[0]), [0.0]), "f"),
        (
            lambda: gradref.gradient(lambda p: 1e307 * np.sin(100 * p[0]), [0.0], scheme="complex"),
            "f",
        ),
        (lambda: gradref.jacobian(lambda p: 1e307 * np.sin(100 * p), [0.0]), "F"),
        (
            lambda: gradref.hessian(lambda p: 1e300 * np.sin(1e5 * p[0]), [0.3], scheme="complex"),
            "f",
        ),
        (lambda: gradref.hessian(lambda p: 1e305 * np.sin(100 * p[0]) * p[1], [0.3, 1.0]), "f"),
    ],
)
def test_derivatives_that_overflow(call: Any, name: str) -> None:
    # f's values are finite but its derivatives exceed float64: an error, not an inf.
    match = rf"the derivatives of `{name}` at x = .* overflow float64, though its values are finite"
    with pytest.raises(ValueError, match=match):
        call()


# --- Issue 15: masked arrays and schemes that are not strings ------------------------

MASKED = np.ma.masked_array([1.0, 2.0], mask=[False, True])


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: gradref.gradient(f, MASKED), "x"),
        (lambda: gradref.partial_derivative(f, MASKED, 0), "x"),
        (lambda: gradref.jacobian(lambda p: p, MASKED), "x"),
        (lambda: gradref.default_step(MASKED), "x"),
        (lambda: gradref.check_gradient(f, grad_f, MASKED), "x"),
        (lambda: gradref.directional_derivative(f, P0, MASKED / np.sqrt(2)), "u"),
        (lambda: gradref.gradient_descent(grad_f, MASKED, lr=0.1), "theta0"),
        (lambda: gradref.mse_loss(0.5, 0.0, MASKED, [1.0, 2.0]), "x"),
        (lambda: gradref.mse_gradients(0.5, 0.0, [1.0, 2.0], MASKED), "t"),
        (lambda: gradref.gradient(lambda p: np.ma.masked_array(1.0, mask=True), P0), r"f\(x\)"),
    ],
)
def test_masked_arrays_are_refused(call: Any, name: str) -> None:
    # Their masks would be ignored by the arithmetic: a silently wrong answer.
    with pytest.raises(TypeError, match=rf"`{name}` must not be a masked array"):
        call()


SCHEME_CALLS = {
    "gradient": lambda s: gradref.gradient(f, P0, scheme=s),
    "partial_derivative": lambda s: gradref.partial_derivative(f, P0, 0, scheme=s),
    "jacobian": lambda s: gradref.jacobian(lambda p: p, P0, scheme=s),
    "directional_derivative": lambda s: gradref.directional_derivative(f, P0, [0.6, 0.8], scheme=s),
    "check_gradient": lambda s: gradref.check_gradient(f, grad_f, P0, scheme=s),
    "default_step": lambda s: gradref.default_step(P0, scheme=s),
}


@pytest.mark.parametrize("call", SCHEME_CALLS.values(), ids=list(SCHEME_CALLS))
@pytest.mark.parametrize(
    ("scheme", "got"),
    [
        (np.array(["central"]), "ndarray"),
        (np.array("complex"), "ndarray"),
        (["central"], "list"),
        (None, "NoneType"),
        (2, "int"),
        (b"central", "bytes"),
    ],
)
def test_a_scheme_that_is_not_a_string_is_refused(call: Any, scheme: Any, got: str) -> None:
    # Before, np.array(["central"]) passed the `in` test and was mapped to another scheme.
    with pytest.raises(
        TypeError, match=rf"`scheme` must be a string, one of 'forward', .*; got {got}\."
    ):
        call(scheme)


def test_a_numpy_string_is_a_string() -> None:
    # np.str_ is a str, but not the Literal the signature names: accepted at run time.
    from_numpy = gradref.gradient(f, P0, scheme=np.str_("central"))  # type: ignore[call-overload]
    assert_array_equal(from_numpy, gradref.gradient(f, P0))


# --- Issue 15: crashes from inside become errors that name the argument --------------


@pytest.mark.parametrize("scheme", ["forward", "central", "richardson"])
def test_complex_values_with_zero_imaginary_part_in_a_real_scheme(scheme: Any) -> None:
    # Before: IndexError from looking for the nonzero imaginary part.
    with pytest.raises(TypeError, match=r"`f` must return a real number, got \(1\+0j\) at x = "):
        gradref.gradient(lambda p: complex(1.0, 0.0), P0, scheme=scheme)
    with pytest.raises(TypeError, match=r"`F` must return real numbers, got \([0-9.]+\+0j\) at x"):
        gradref.jacobian(lambda p: p + 0j, P0, scheme=scheme)
    with pytest.raises(TypeError, match=r"`f` must return a real number, got \(1\+0j\) at x = "):
        gradref.directional_derivative(lambda p: 1 + 0j, P0, [0.6, 0.8], scheme=scheme)


@pytest.mark.parametrize(
    ("fun", "match"),
    [
        # Before: a bare StopIteration (every entry of the object array is a number).
        (
            lambda p: np.array([p[0], p[1]], dtype=object),
            r"`F` must return numbers, got dtype object",
        ),
        (lambda p: np.array([p[0], None]), r"`F` must return numbers, got NoneType"),
        # Before: numpy's "setting an array element with a sequence".
        (
            lambda p: [p[0], [p[1], 1.0]],
            r"`F` must return an array of numbers, got a ragged list",
        ),
        (lambda p: {"a": p[0]}, r"`F` must return numbers, got dict at x = "),
    ],
)
def test_bad_map_values_are_type_errors(fun: Any, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        gradref.jacobian(fun, P0)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ({"w": 1.0, "b": 2.0}, r"`grad` must return numbers, got dict at "),
        ([1.0, [2.0, 3.0]], r"`grad` must return an array of numbers, got a ragged"),
        (np.array([1.0, 2.0j]), r"`grad` must return real numbers, got 2j at "),
        (["1", "2"], r"`grad` must return numbers, got str at "),
        (np.ma.masked_array([1.0, 2.0], mask=[True, False]), r"`grad\(x\)` must not be a masked"),
    ],
)
def test_one_rule_for_a_users_gradient(value: Any, match: str) -> None:
    # check_gradient and gradient_descent refuse the same outputs with the same words.
    with pytest.raises(TypeError, match=match):
        gradref.check_gradient(f, lambda p: value, P0)
    with pytest.raises(TypeError, match=match):
        gradref.gradient_descent(lambda th: value, P0, lr=0.1)


@pytest.mark.parametrize("scheme", ["forward", "central", "richardson"])
def test_a_step_that_overflows_names_x_and_h_not_f(scheme: Any) -> None:
    # Before: "`f` returned inf at x = [inf]", blaming f for gradref's own x + h.
    big = float(np.finfo(np.float64).max)
    calls = [
        lambda: gradref.gradient(np.sum, [big], scheme=scheme),
        lambda: gradref.gradient(np.sum, [1e308], h=1e308, scheme=scheme),
        lambda: gradref.jacobian(lambda p: p, [big, 1.0], scheme=scheme),
        lambda: gradref.directional_derivative(np.sum, [big, 1.0], [1.0, 0.0], scheme=scheme),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"the step overflows float64 at `x`\[0\] = .*`h`"):
            call()


def test_check_gradient_with_a_step_whose_double_overflows() -> None:
    # Before: "`h` must be finite, got inf" for the finite h = 1e308 that the user gave.
    # The forward difference at h is finite; check_gradient's second one, at 2h, is not.
    with pytest.raises(ValueError, match=r"the step overflows float64 at `x`\[0\] = 1\.0: x \+ h"):
        gradref.check_gradient(np.sum, lambda p: np.ones(1), [1.0], h=1e308, scheme="forward")


def test_check_gradient_whose_estimates_overflow() -> None:
    # |x| |g| overflows: the error estimate would be inf and any gradient would pass.
    with pytest.raises(ValueError, match=r"the error estimates .* overflow float64, so `grad`"):
        gradref.check_gradient(lambda p: 1e290 * p[0], lambda p: np.zeros(1), [1.5e18])


def test_a_type_error_inside_f_is_relabelled_only_when_complex_input_caused_it() -> None:
    def broken(p: Any) -> Any:
        return p[0] + "1"  # fails for every input, real or complex

    with pytest.raises(TypeError, match=r"did not contain a loop|unsupported operand") as info:
        gradref.gradient(broken, P0, scheme="complex")
    assert "does not accept complex input" not in str(info.value)
    assert info.value.__notes__[-1].startswith("gradref called `f` at x = [1.+8.67361738e-19j 2.")


@pytest.mark.parametrize("scheme", ["central", "complex"])
def test_an_error_raised_by_f_says_where_gradref_called_it(scheme: Any) -> None:
    def fails(p: Any) -> Any:
        raise ZeroDivisionError("the user's own error")

    with pytest.raises(ZeroDivisionError, match=r"the user's own error") as info:
        gradref.gradient(fails, P0, scheme=scheme)
    assert info.value.__notes__[-1].startswith("gradref called `f` at x = [")
    with pytest.raises(ZeroDivisionError) as info:
        gradref.gradient(fails, P0, scheme=scheme, vectorized=True)
    assert (
        "vectorized=True; pass vectorized=False if `f` takes one point" in info.value.__notes__[-1]
    )
    with pytest.raises(ZeroDivisionError) as info:
        gradref.check_gradient(f, fails, P0)
    assert info.value.__notes__[-1] == "gradref called `grad` at x = [1. 2.]."
    with pytest.raises(ZeroDivisionError) as info:
        gradref.gradient_descent(fails, P0, lr=0.1)
    assert info.value.__notes__[-1] == "gradref called `grad` at theta = [1. 2.] (step 0)."


# --- Issue 15: no RuntimeWarning from inside gradref, whatever the magnitudes ----------

MAGNITUDES = st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True)
STEPS = st.none() | st.floats(min_value=5e-324, max_value=BIG, allow_subnormal=True)


@given(
    x=st.lists(MAGNITUDES, min_size=1, max_size=3),
    h=STEPS,
    scheme=st.sampled_from(["forward", "backward", "central", "richardson", "complex"]),
)
def test_extreme_points_and_steps_give_a_number_or_a_value_error(
    x: list[float], h: float | None, scheme: gradref.Scheme
) -> None:
    # pytest turns warnings into errors (as `python -W error` does for a user): an
    # overflow inside gradref would surface as a RuntimeWarning, before any ValueError.
    # f = x_0 computes nothing itself, so every warning would be gradref's.
    def first(p: Any) -> Any:
        return p[0]

    calls: list[Callable[[], NDArray[np.float64] | float | gradref.GradientCheck]] = [
        lambda: gradref.gradient(first, x, h=h, scheme=scheme),
        lambda: gradref.jacobian(lambda p: p[:1], x, h=h, scheme=scheme),
        lambda: gradref.directional_derivative(first, x, np.eye(len(x))[0], h=h, scheme=scheme),
        lambda: gradref.check_gradient(first, lambda p: np.eye(len(p))[0], x, h=h, scheme=scheme),
    ]
    for call in calls:
        try:
            result = call()
        except ValueError:
            continue
        values = result.numerical if isinstance(result, gradref.GradientCheck) else result
        assert np.all(np.isfinite(values))


def test_a_vectorized_map_whose_output_count_changes_with_the_stack() -> None:
    # xs @ xs.T has one column per point of the stack: m is not a number of outputs.
    match = r"with vectorized=True, `F` must return one row of the same m outputs per row of "
    match += r"its input, got shape \(2, 2\) for a \(2, 2\) input but m = 1 before\."
    with pytest.raises(ValueError, match=match):
        gradref.jacobian(lambda xs: xs @ xs.T, P0, scheme="forward", vectorized=True)


# --- API review round 14: booleans are not real numbers, in arrays too ----------------

BOOLS = np.array([True, False])


@pytest.mark.parametrize(
    ("call", "name", "what"),
    [
        # x of any shape: "an array" (review r2 of trees, C4), 1-D only: "a 1-D array".
        (lambda: gradref.gradient(f, BOOLS), "x", "an array"),
        (lambda: gradref.hessian(f, [True, False]), "x", "an array"),
        (lambda: gradref.default_step(BOOLS), "x", "a 1-D array"),
        (lambda: gradref.directional_derivative(f, P0, [True, False]), "u", "a 1-D array"),
        (lambda: gradref.gradient_descent(grad_f, BOOLS, lr=0.1), "theta0", "a 1-D array"),
        (lambda: gradref.mse_loss(0.5, 0.0, BOOLS, [1.0, 2.0]), "x", "a 1-D array"),
        (lambda: gradref.mse_gradients(0.5, 0.0, [1.0, 2.0], BOOLS), "t", "a 1-D array"),
        (lambda: gradref.gradient(f, P0, h=BOOLS), "h", "a 1-D array"),
    ],
)
def test_boolean_arrays_are_refused(call: Any, name: str, what: str) -> None:
    # As lr=True is: True is not the number 1 to a reader, and [True, False] was taken as
    # the point (1, 0) silently.
    with pytest.raises(
        TypeError, match=rf"`{name}` must be {what} of real numbers, not dtype bool"
    ):
        call()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: gradref.gradient(lambda p: p[0] > 0, P0), "f"),
        (lambda: gradref.jacobian(lambda p: p > 0, P0), "F"),
        (lambda: gradref.hessian(lambda p: p[0] > 0, P0), "f"),
        (lambda: gradref.check_gradient(f, lambda p: p > 0, P0), "grad"),
        (lambda: gradref.gradient_descent(lambda p: p > 0, [1.0], lr=0.1), "grad"),
    ],
)
def test_functions_returning_booleans_are_refused(call: Any, name: str) -> None:
    # A step function's True/False differenced gave a derivative of 0, and a grad
    # returning p > 0 "converged".
    with pytest.raises(
        TypeError, match=rf"`{name}` must return (a number|numbers|real numbers), got dtype bool"
    ):
        call()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: gradref.partial_derivative(f, P0, 0, h=10**400), "h"),
        (lambda: gradref.gradient(f, P0, noise=10**400), "noise"),
        (lambda: gradref.check_gradient(f, grad_f, P0, rtol=10**400), "rtol"),
        (lambda: gradref.default_step(P0, noise=-(10**400)), "noise"),
        (lambda: gradref.gradient_descent(grad_f, P0, lr=10**400), "lr"),
        (lambda: gradref.mse_loss(10**400, 0.0, [1.0], [1.0]), "w"),
    ],
)
def test_integers_beyond_float64_are_refused_by_name(call: Any, name: str) -> None:
    # float(10**400) raises OverflowError, which named nothing (API review, issue 18).
    with pytest.raises(
        ValueError, match=rf"`{name}` must be finite, got an integer beyond float64"
    ):
        call()
