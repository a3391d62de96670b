"""Every public function's Raises section lists exactly the exceptions its bad inputs raise.

For each function a table of bad inputs is run: an exception that a case raises must be
listed in the function's numpydoc Raises section, and every exception listed there must
be raised by some case. Errors that the user's own function raises propagate unchanged
(with a note) and are not gradref's to list.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import gradref
from gradref.examples import DATA_T, DATA_X, f, grad_f

P0 = [1.0, 2.0]
U = [0.6, 0.8]
BIG = float(np.finfo(np.float64).max)
MASKED = np.ma.masked_array(P0, mask=[True, False])


def _point_and_settings(call: Callable[..., Any]) -> list[Callable[[], Any]]:
    """Bad inputs shared by the derivative functions: call(x=..., **settings)."""
    return [
        lambda: call(x=[1.0, np.nan]),
        lambda: call(x={"a": []}),
        lambda: call(x={"a": None}),
        lambda: call(x=[1 + 1j, 2.0]),
        lambda: call(x=["a", "b"]),
        lambda: call(x=MASKED),
        lambda: call(h=0.0),
        lambda: call(h="a"),
        lambda: call(scheme="centered"),
        lambda: call(scheme=np.array(["central"])),
    ]


def _values(call: Callable[..., Any], name: str = "fun") -> list[Callable[[], Any]]:
    """Bad values of the user's function: call(**{name: ...}, scheme=...)."""
    return [
        lambda: call(**{name: lambda p: "1"}),
        lambda: call(**{name: lambda p: {"a": 1}}),
        lambda: call(**{name: lambda p: np.inf if p[0] < 1 else 1.0}),
        lambda: call(**{name: lambda p: 1e307 * np.sin(100 * p[0])}),
        lambda: call(**{name: lambda p: np.abs(p[0] * p[1])}, scheme="complex"),
        lambda: call(x=[BIG, 1.0], **{name: lambda p: p[0]}),
    ]


def _gradient(fun: Any = f, x: Any = P0, **kw: Any) -> Any:
    return gradref.gradient(fun, x, **kw)


def _partial(fun: Any = f, x: Any = P0, i: Any = 0, **kw: Any) -> Any:
    return gradref.partial_derivative(fun, x, i, **kw)


def _jacobian(fun: Any = lambda p: p, x: Any = P0, **kw: Any) -> Any:
    return gradref.jacobian(fun, x, **kw)


def _directional(fun: Any = f, x: Any = P0, u: Any = U, **kw: Any) -> Any:
    return gradref.directional_derivative(fun, x, u, **kw)


def _hessian(fun: Any = f, x: Any = P0, **kw: Any) -> Any:
    return gradref.hessian(fun, x, **kw)


def _check(fun: Any = f, grad: Any = np.ones_like, x: Any = P0, **kw: Any) -> Any:
    return gradref.check_gradient(fun, grad, x, **kw)


def _assert(fun: Any = f, grad: Any = np.ones_like, x: Any = P0, **kw: Any) -> Any:
    return gradref.assert_gradient(fun, grad, x, **kw)


def _directions(call: Callable[..., Any]) -> list[Callable[[], Any]]:
    """Bad `directions`, `seed` and `rng` (check_gradient, assert_gradient)."""
    return [
        lambda: call(directions=0),
        lambda: call(directions=2.5),
        lambda: call(directions=True),
        lambda: call(directions="3"),
        lambda: call(directions=3),
        lambda: call(seed=1),
        lambda: call(directions=1, seed=1, rng=np.random.default_rng(1)),
        lambda: call(directions=1, seed=-1),
        lambda: call(directions=1, seed=1.5),
        lambda: call(directions=1, rng=1),
        lambda: call(vectorized="no"),
        lambda: call(x={"a": P0, "s": 2.0}, vectorized=True),
    ]


def _descent(grad: Any = grad_f, theta0: Any = P0, **kw: Any) -> Any:
    return gradref.gradient_descent(grad, theta0, **{"lr": 0.01, "max_steps": 5, **kw})


# The inputs are bad on purpose: the helpers above take Any, and the few direct calls
# whose bad input is ill-typed carry `type: ignore[arg-type]`, as the runtime check is
# what is under test.
CASES: dict[str, list[Callable[[], Any]]] = {
    "gradient": [
        *_point_and_settings(_gradient),
        *_values(_gradient),
        lambda: _gradient(vectorized=1),
        lambda: _gradient(fun=lambda xs: xs.sum(), vectorized=True),
        lambda: _gradient(x={"a": P0, "s": 2.0}, vectorized=True),
        lambda: _gradient(fun=lambda p: p),
        lambda: _gradient(full_output="yes"),
        lambda: _gradient(h=[[0.5], 0.5]),
        lambda: _gradient(x={"a": P0, "b": P0}, h=np.full(4, 1e-4)),
        lambda: _gradient(x={"a": P0, "b": P0}, h={"a": [1e-4] * 3, "b": P0}),
        lambda: _gradient(fun=lambda p: 1e290 * p[0], x=[1.5e18, 1.0], full_output=True),
    ],
    "partial_derivative": [
        *_point_and_settings(_partial),
        *_values(_partial),
        lambda: _partial(i=2),
        lambda: _partial(i=0.5),
        lambda: _partial(fun=lambda p: p),
        lambda: _partial(x={"a": P0}, i=("b", 0)),
        lambda: _partial(x=np.ones((2, 2)), i=1),
        lambda: _partial(x={"a": [np.ones(1), 2.0]}, i=("a", 1.0)),
        lambda: _partial(x={"a": [np.ones(1), 2.0]}, i=("a", 2)),
    ],
    "jacobian": [
        *_point_and_settings(_jacobian),
        *_values(lambda **kw: _jacobian(**{k: v for k, v in kw.items()})),
        lambda: _jacobian(fun=f),
        lambda: _jacobian(fun=lambda p: [p[0], [1.0, 2.0]]),
        lambda: _jacobian(vectorized="yes"),
        lambda: _jacobian(fun=lambda xs: xs.sum(axis=1), vectorized=True),
        lambda: _jacobian(x=2.0, vectorized=True),
        lambda: _jacobian(full_output=1),
        lambda: _jacobian(x={"a": P0}),
        lambda: _jacobian(h=[[0.5], 0.5]),
        lambda: _jacobian(fun=lambda p: np.zeros((0, 3))),
        lambda: _jacobian(fun=lambda p: np.ones((2, 2)) * p[0] if p[1] == 2 else np.ones(4)),
    ],
    "directional_derivative": [
        *_point_and_settings(_directional),
        *_values(_directional),
        lambda: _directional(u=[0.0, 0.0]),
        lambda: _directional(u=[3.0, 4.0]),
        lambda: _directional(u=[1.0, 0.0, 0.0]),
        lambda: _directional(u=[0.6j, 0.8]),
        lambda: _directional(vectorized=0),
        lambda: _directional(fun=np.sum, x=2.0, u=1.0, vectorized=True),
        lambda: _directional(x={"a": P0}, u=None),
        lambda: _directional(x={"a": P0}, u={"b": U}),
    ],
    "hessian": [
        *_point_and_settings(_hessian),
        lambda: _hessian(fun=lambda p: "1"),
        lambda: _hessian(fun=lambda p: 1j * p[0]),
        lambda: _hessian(fun=lambda p: np.nan),
        lambda: _hessian(fun=lambda p: np.abs(p[0] * p[1]), scheme="complex"),
        lambda: _hessian(x={"a": P0}),
        lambda: _hessian(fun=np.sum, x=2.0, vectorized=True),
        lambda: _hessian(h=[[0.5], 0.5]),
    ],
    "check_gradient": [
        *_point_and_settings(_check),
        *_values(_check),
        lambda: _check(grad=lambda p: np.zeros(3)),
        lambda: _check(grad=lambda p: np.array([np.nan, 1.0])),
        lambda: _check(grad=lambda p: np.array([1j, 1.0])),
        lambda: _check(grad=lambda p: {"a": 1.0}),
        lambda: _check(x={"a": P0}, grad=lambda p: [1.0, 2.0]),
        lambda: _check(x=np.ones((2, 2)), grad=lambda p: {"a": p}),
        lambda: _check(x={"a": P0}, grad=lambda p: {"b": P0}),
        lambda: _check(rtol=-1.0),
        lambda: _check(rtol="a"),
        *_directions(_check),
    ],
    "assert_gradient": [
        *_point_and_settings(_assert),
        *_values(_assert),
        lambda: _assert(grad=lambda p: np.zeros(3)),
        lambda: _assert(rtol="a"),
        lambda: _assert(grad=lambda p: np.zeros(2)),
        *_directions(_assert),
    ],
    "gradient_descent": [
        lambda: _descent(theta0=[1.0, np.nan]),
        lambda: _descent(theta0=[1 + 1j, 2.0]),
        lambda: _descent(theta0=MASKED),
        lambda: _descent(lr=-1.0),
        lambda: _descent(lr="a"),
        lambda: _descent(tol=0.0),
        lambda: _descent(max_steps=0),
        lambda: _descent(max_steps=10.5),
        lambda: _descent(grad=lambda th: np.zeros(3)),
        lambda: _descent(grad=lambda th: np.array([np.inf, 0.0])),
        lambda: _descent(grad=lambda th: th + 1j),
        lambda: _descent(grad=lambda th: 2 * th, lr=1.5, max_steps=1000),
    ],
    "default_step": [
        lambda: gradref.default_step([1.0, np.nan]),
        lambda: gradref.default_step([1j]),
        lambda: gradref.default_step(MASKED),
        lambda: gradref.default_step(P0, scheme="centered"),  # type: ignore[arg-type]
        lambda: gradref.default_step(P0, scheme=None),  # type: ignore[arg-type]
    ],
    "mse_loss": [
        lambda: gradref.mse_loss(np.nan, 0.0, DATA_X, DATA_T),
        lambda: gradref.mse_loss("1", 0.0, DATA_X, DATA_T),  # type: ignore[arg-type]
        lambda: gradref.mse_loss(1.0, 0.0, DATA_X, DATA_T[:-1]),
        lambda: gradref.mse_loss(1.0, 0.0, MASKED, P0),
    ],
    "mse_gradients": [
        lambda: gradref.mse_gradients(1.0, np.inf, DATA_X, DATA_T),
        lambda: gradref.mse_gradients(1.0, None, DATA_X, DATA_T),  # type: ignore[arg-type]
        lambda: gradref.mse_gradients(1.0, 0.0, [1e200, 1.0], [0.0, 0.0]),
        lambda: gradref.mse_gradients(1.0, 0.0, ["a"], ["b"]),
    ],
}


def raises_section(function: Callable[..., Any]) -> set[str]:
    """Return the exception names listed in a numpydoc Raises section."""
    doc = inspect.getdoc(function) or ""
    section = doc.partition("\nRaises\n------\n")[2]
    section = re.split(r"\n\S[^\n]*\n-{3,}\n", "\n" + section)[0]  # up to the next heading
    return {line.strip() for line in section.splitlines() if re.match(r"^[A-Za-z_]\w*$", line)}


def test_every_public_function_has_a_table() -> None:
    functions = {n for n in gradref.__all__ if inspect.isfunction(getattr(gradref, n))}
    assert set(CASES) == functions


@pytest.mark.parametrize("name", sorted(CASES))
def test_raises_section_is_what_bad_inputs_raise(name: str) -> None:
    listed = raises_section(getattr(gradref, name))
    raised: set[str] = set()
    for k, case in enumerate(CASES[name]):
        # No np.errstate: a RuntimeWarning from inside gradref (an error under pytest's
        # filterwarnings, as under python -W error) would be raised, and not listed.
        try:
            case()
        except Exception as err:  # every kind: the point is to see which
            raised.add(type(err).__name__)
            error = repr(err)
        else:
            pytest.fail(f"{name}: bad input {k} raised nothing")
        assert raised <= listed, (name, k, error, "raised but not listed:", raised - listed)
    assert listed == raised, (name, "listed but never raised:", listed - raised)
