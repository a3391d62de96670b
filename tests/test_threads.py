"""gradref changes no process-wide state: the complex step is safe from many threads."""

from __future__ import annotations

import math
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import gradref
from gradref.examples import f


def drops_imaginary_part(p: Any) -> Any:
    out = np.zeros(1)
    out[0] = (p[0] * p[1]).real  # a real result: the derivative is lost
    return out[0]


def test_the_complex_step_leaves_the_warnings_filters_alone() -> None:
    seen: list[list[Any]] = []

    def spy(p: Any) -> Any:
        seen.append(list(warnings.filters))
        return f(p)

    before = list(warnings.filters)
    gradref.gradient(spy, [1.0, 2.0], scheme="complex")
    assert seen == [before, before]  # f runs under the caller's filters, untouched
    assert warnings.filters == before


def _run(task: tuple[int, Any]) -> Any:
    k, fun = task
    x = [1.0 + k / 7, 2.0 - k / 11]
    try:
        return gradref.gradient(fun, x, scheme="complex")
    except TypeError as err:
        return str(err)


def test_threads_give_the_serial_results() -> None:
    tasks = [(k, f if k % 2 else drops_imaginary_part) for k in range(64)]
    before = list(warnings.filters)
    serial = [_run(task) for task in tasks]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(_run, tasks))
    assert warnings.filters == before
    for k, (alone, together) in enumerate(zip(serial, threaded, strict=True)):
        if k % 2:
            assert_array_equal(together, alone)
        else:  # every thread's f that drops the imaginary part gets the error, not a number
            assert isinstance(together, str)
            assert together == alone
            assert together.startswith("`f` returned a real number for complex input")


@pytest.mark.parametrize("scheme", ["central", "complex"])
def test_jacobian_and_directional_from_threads(scheme: Any) -> None:
    u = np.array([0.6, 0.8])

    def both(k: int) -> tuple[Any, float]:
        x = [1.0 + k / 5, 2.0]
        return (
            gradref.jacobian(lambda p: np.array([f(p), p[0] * p[1]]), x, scheme=scheme),
            gradref.directional_derivative(f, x, u, scheme=scheme),
        )

    serial = [both(k) for k in range(32)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(both, range(32)))
    for (jac, d), (jac_t, d_t) in zip(serial, threaded, strict=True):
        assert_array_equal(jac_t, jac)
        assert d_t == d


# A coordinate made real by `math` or `float()`: on numpy's complex scalars that drops the
# imaginary part with only a ComplexWarning, so where warnings are not errors (the default
# outside pytest) the derivative would be silently wrong. gradref hands `f` Python complex
# scalars instead, on which these raise, whatever the warnings filters say.
DROPPERS = {
    "math on an entry": lambda p: math.fabs(p[0]) ** 3 + p[0] + p[1],
    "math on a sum": lambda p: math.exp(p.sum()) + p[0],
    "float of a product": lambda p: float(p @ np.array([1.0, 2.0])) + p[0],
    "math on unpacked coordinates": lambda p: (lambda x, y: math.sin(x) + y)(*p),
    "math on an entry of a vectorized stack": lambda p: math.exp(p[..., 0].sum()) + p[..., 1],
}


@pytest.mark.parametrize("name", DROPPERS)
@pytest.mark.parametrize("scheme", ["complex", "hessian-complex"])
def test_a_dropped_imaginary_part_raises_even_where_warnings_are_ignored(
    name: str, scheme: str
) -> None:
    f = DROPPERS[name]
    vectorized = "vectorized" in name
    with warnings.catch_warnings():  # as a user's program runs: ComplexWarning not an error
        warnings.simplefilter("ignore")
        differentiate = gradref.gradient if scheme == "complex" else gradref.hessian
        with pytest.raises(TypeError, match=r"`f` does not accept complex input"):
            differentiate(f, [0.5, 0.25], scheme="complex", vectorized=vectorized)
