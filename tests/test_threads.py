"""gradref changes no process-wide state: the complex step is safe from many threads."""

from __future__ import annotations

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
