r"""The Jacobian matrix of a map $F: \mathbb{R}^n \to \mathbb{R}^m$."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradref._estimates import ErrorEstimate
from gradref._finite_differences import (
    SCHEMES,
    Objective,
    UserFunction,
    derivatives,
    estimated,
)
from gradref._schemes import Scheme
from gradref._trees import flatten_array
from gradref._validation import as_flag, as_noise, as_scheme


@overload
def jacobian(
    F: Objective,  # noqa: N803
    x: ArrayLike,
    *,
    h: float | ArrayLike | None = ...,
    scheme: Scheme = ...,
    vectorized: bool = ...,
    noise: float | None = ...,
    full_output: Literal[False] = ...,
) -> NDArray[np.float64]: ...


@overload
def jacobian(
    F: Objective,  # noqa: N803
    x: ArrayLike,
    *,
    h: float | ArrayLike | None = ...,
    scheme: Scheme = ...,
    vectorized: bool = ...,
    noise: float | None = ...,
    full_output: Literal[True],
) -> tuple[NDArray[np.float64], ErrorEstimate]: ...


@overload
def jacobian(
    F: Objective,  # noqa: N803
    x: ArrayLike,
    *,
    h: float | ArrayLike | None = ...,
    scheme: Scheme = ...,
    vectorized: bool = ...,
    noise: float | None = ...,
    full_output: bool,
) -> NDArray[np.float64] | tuple[NDArray[np.float64], ErrorEstimate]: ...


def jacobian(
    F: Objective,  # noqa: N803 (the math's name for a vector-valued map)
    x: ArrayLike,
    *,
    h: float | ArrayLike | None = None,
    scheme: Scheme = "central",
    vectorized: bool = False,
    noise: float | None = None,
    full_output: bool = False,
) -> NDArray[np.float64] | tuple[NDArray[np.float64], ErrorEstimate]:
    r"""Return the Jacobian matrix $J_F(\mathbf{x})$ of a map $F: \mathbb{R}^n \to \mathbb{R}^m$.

    Row $k$ is the gradient of the $k$-th output, column $i$ the derivative of all the
    outputs along $x_i$:

    $$J_F(\mathbf{x}) = \begin{bmatrix}
      \partial F_1 / \partial x_1 & \cdots & \partial F_1 / \partial x_n \\
      \vdots & \ddots & \vdots \\
      \partial F_m / \partial x_1 & \cdots & \partial F_m / \partial x_n
    \end{bmatrix}, \qquad
    F(\mathbf{x} + \mathbf{d}) = F(\mathbf{x}) + J_F(\mathbf{x})\,\mathbf{d}
      + O(\|\mathbf{d}\|^2).$$

    The remainder is $O(\|\mathbf{d}\|^2)$ when $F$ is twice continuously
    differentiable near $\mathbf{x}$; if $F$ is only differentiable, it is
    $o(\|\mathbf{d}\|)$.

    Column $i$ is computed as in `partial_derivative`, with every output at once, e.g.
    $(F(\mathbf{x} + h\mathbf{e}_i) - F(\mathbf{x} - h\mathbf{e}_i)) / 2h$ for the
    central scheme, so the schemes, the default steps and the error orders are those of
    `gradient`: the gradient of a scalar $f$ is the one-row Jacobian, transposed.

    Parameters
    ----------
    F : callable
        The map. By default called as ``F(x)`` once per perturbed point, with the point
        in the shape of `x` (complex128 for ``scheme="complex"``), returning an array of
        real numbers of any shape but 0-d, the same shape at every point, for a 1-D `x`
        as for any other (a scalar $F$ has the gradient for Jacobian: use `gradient`);
        $m$ is its number of entries. With ``vectorized=True``, called as ``F(X)`` where
        `X` has one perturbed point per row, shape ``(p, *x.shape)`` ((p, n) for a 1-D
        `x`), and must return shape ``(p, *F(x).shape)`` ((p, m) for a 1-D $F$): the
        outputs of row j in row j. Wherever more than one point is evaluated, the points
        come in batches of two sizes at least, as for `gradient`, so that an `F` written
        for one point at a time whose result is shaped by n fails the shape check or
        raises rather than giving a wrong Jacobian. One that mixes the rows while keeping
        their shape (``X - X.mean()``, reordered rows) looks vectorized and is not
        detected.
    x : array_like
        The point, finite: an array of real numbers of any shape (not a tree of
        arrays: the result needs one shape); $n$ is its number of entries.
    h : float or array_like of the shape of `x`, optional
        The step: one for every coordinate (a number or a 0-d array), or one per
        coordinate. Default: `default_step`.
    scheme : {"central", "forward", "backward", "richardson", "complex"}
        The difference formula, as for `partial_derivative`.
    vectorized : bool
        Whether `F` takes all perturbed points at once (see `F`). Not with a 0-d `x`:
        stacked, it has shape (p,), which cannot be told from one value per point; give
        it shape (1,).
    noise : float, optional
        The relative noise of $F$'s values, in $(0, 1)$, for an $F$ noisier than its
        dtype: the default step is sized for it, as in `partial_derivative`, and so is
        the error estimate of ``full_output=True``.
    full_output : bool
        Whether to return an error estimate with the Jacobian, as `gradient` does.

    Returns
    -------
    ndarray of float64, shape (m, n), or ``F(x).shape + x.shape``
        The approximation of $J_F(\mathbf{x})$: for a 1-D `x` and `F`, entry
        ``[k, i]`` is $\partial F_k / \partial x_i$; for any shapes, entry
        ``[*k, *i]`` is the derivative of output ``F(x)[k]`` along ``x[i]``, shape
        ``F(x).shape + x.shape``, the convention of ``jax.jacobian``.
    ErrorEstimate
        With ``full_output=True`` only, as ``(J, info)``: ``info.error``, shaped like
        `J`, estimates the error of each entry (row $k$ from output $k$'s values and
        derivatives, as `gradient`'s for $F_k$, and a bound where `gradient`'s is), and
        ``info.evaluations`` counts the evaluations of `F`, each giving all $m$ outputs.

    Raises
    ------
    ValueError
        If `x`, `h`, `noise` or `scheme` is invalid, a step moves `x` beyond float64,
        `noise` is given with `h` or the complex step, or `F` returns a value less
        precise than the default step was sized for (as for `gradient`); if `F` returns
        a scalar, an empty array, or arrays whose length (or, beyond 1-D, shape)
        changes from one point to the next, or (vectorized) not one row per point;
        if ``vectorized=True`` with a 0-d `x`; or a non-finite value, or finite values
        whose differences overflow float64; with ``full_output=True``, if the error
        estimate overflows float64, or if $x_i \pm 2h$ does.
    TypeError
        If `x` is not an array of real numbers (a dict, list or tuple of arrays
        included: a tree has no one shape for the result), `h` not a real number or an
        array of them (a ragged list, a dict, or a list or tuple of arrays, which is a
        container by `x`'s rule), `noise` not a real number,
        `scheme` not a string, `vectorized` or `full_output` not a bool; if `F` returns
        non-numbers (a ragged list,
        an object array), or complex numbers in a real scheme; with
        ``scheme="complex"``, if `F` does not accept complex input or returns real
        numbers for it.

    See Also
    --------
    gradient : the case m = 1.
    hessian : the Jacobian of the gradient.

    Notes
    -----
    Function evaluations, each giving all $m$ outputs: $n + 1$ for forward and
    backward, $2n$ for central, $6n$ for richardson (16 instead of 6 for each
    coordinate where it shrinks its default step, as in `partial_derivative`) and $n$
    (complex) for the complex step; with ``vectorized=True`` one more where that is 2
    (the second point is sent twice, for a second row count); with the default step,
    one more for a real scheme where $F$'s values are less precise than float64 and
    `noise` does not cover them (as for `gradient`); with ``full_output=True``, as
    many again at twice the step plus $F(\mathbf{x})$, which is evaluated first and
    sizes the step (see `gradient`: $4n + 1$ for central, whatever $F$'s precision).
    The error of each
    column is that of the scheme for each output: $O(h)$, $O(h^2)$, $O(h^6)$, and
    $O(h^2)$ for the complex step, which has no rounding term from differences and
    whose tiny default step makes its truncation negligible.

    The complex step needs every output to keep its imaginary part. If all of them
    drop it (``abs``, ``.real``, ``float``), `F` returns real numbers and this is an
    error; if only some do, nothing can tell that from an output which does not depend
    on `x`, and their rows come out zero. Compare with ``scheme="central"`` once.

    Examples
    --------
    Polar coordinates, $F(r, \varphi) = (r\cos\varphi, r\sin\varphi)$, have
    $J_F = \begin{bmatrix} \cos\varphi & -r\sin\varphi \\ \sin\varphi & r\cos\varphi
    \end{bmatrix}$, whose determinant is $r$:

    >>> import numpy as np
    >>> import gradref
    >>> def polar(p):
    ...     r, phi = p
    ...     return np.array([r * np.cos(phi), r * np.sin(phi)])
    ...
    >>> J = gradref.jacobian(polar, [2.0, np.pi / 6], scheme="complex")
    >>> print(J)
    [[ 0.8660254  -1.        ]
     [ 0.5         1.73205081]]
    >>> exact = np.array([[np.sqrt(3) / 2, -1.0], [0.5, np.sqrt(3)]])
    >>> print(np.abs(J - exact).max() <= 2.3e-16, np.linalg.det(J))
    True 2.0
    >>> J = gradref.jacobian(polar, [2.0, np.pi / 6])  # central differences
    >>> print(f"{np.abs(J - exact).max():.1e}")
    1.9e-11
    >>> J, info = gradref.jacobian(polar, [2.0, np.pi / 6], full_output=True)  # and its error
    >>> print(bool((np.abs(J - exact) <= info.error).all()), info.error.shape)
    True (2, 2)
    >>> print(info.error.max() < 1e-8, info.evaluations)
    True 9

    With ``full_output=True`` the estimate bounds the actual error of each entry here,
    at 9 evaluations of $F$ instead of 4.

    The Jacobian of the running example's gradient is its Hessian:

    >>> import gradref
    >>> from gradref.examples import grad_f
    >>> print(gradref.jacobian(grad_f, [1.0, 2.0]).round(6))
    [[33.556224 24.167168]
     [24.167168  7.389056]]

    Arrays of any shape: the map $M \mapsto M M^\top$ of a $2 \times 3$ matrix has a
    $2 \times 2$ value, so its Jacobian has shape (2, 2, 2, 3), and entry
    ``[k, l, i, j]`` is $\partial (MM^\top)_{kl} / \partial M_{ij} = \delta_{ki}
    M_{lj} + \delta_{li} M_{kj}$:

    >>> import numpy as np
    >>> import gradref
    >>> M = np.arange(6.0).reshape(2, 3)
    >>> J = gradref.jacobian(lambda m: m @ m.T, M, scheme="complex")
    >>> print(J.shape)
    (2, 2, 2, 3)
    >>> print(J[0, 1])  # d(M M^T)[0, 1] / dM: row 1 of M in row 0, row 0 in row 1
    [[3. 4. 5.]
     [0. 1. 2.]]
    """
    point, structure = flatten_array(x, "the Jacobian's shape, F(x).shape + x.shape,")
    step = structure.steps(h)
    name = as_scheme(scheme, SCHEMES)
    relative = as_noise(noise, step, name)
    batched = as_flag(vectorized, "vectorized")
    outputs = _Outputs(structure.wrap(F), batched)
    fun = UserFunction(
        outputs,
        name="F",
        scalar=False,
        vectorized=batched,
        structure=structure,
        component=outputs.component,
    )
    if as_flag(full_output, "full_output"):
        value, info = estimated(fun, point, step, name, relative)
        return outputs.shaped(value, structure.shape), replace(
            info,
            error=outputs.shaped(info.error, structure.shape),
            truncation=outputs.shaped(info.truncation, structure.shape),
            rounding=outputs.shaped(info.rounding, structure.shape),
        )
    jac = derivatives(fun, point, np.arange(point.size), step, name, None, relative)
    return outputs.shaped(jac, structure.shape)


class _Outputs:
    """`F`, its values of any shape given to the engine as vectors of m outputs.

    The first value's shape is kept; a later N-d one of another shape, or a 1-D one
    after an N-d one, is refused (its entries would land in the wrong rows). Anything
    that is not an array of outputs passes unchanged, for the engine to check.
    """

    def __init__(self, call: Objective, vectorized: bool) -> None:
        self.call, self.batch = call, int(vectorized)
        self.shape: tuple[int, ...] | None = None

    def __call__(self, x: NDArray[Any]) -> Any:
        value = self.call(x)
        try:
            array = value if isinstance(value, np.ndarray) else np.asarray(value)
        except (TypeError, ValueError):  # ragged: the engine's check says so
            return value
        if array.ndim <= self.batch or (self.batch and len(array) != len(x)):
            return value  # not one row per point: the engine's check shows its shape
        shape = array.shape[self.batch :]
        if len(shape) > 1 and 0 in shape:
            raise ValueError(
                f"`F` must return a non-empty array (one entry per output), got shape {shape}"
                + (" per point." if self.batch else ".")
            )
        if self.shape is None:
            self.shape = shape
        elif shape != self.shape and max(len(shape), len(self.shape)) > 1:
            raise ValueError(
                f"`F` must return arrays of one shape, got {shape} but {self.shape} before."
            )
        if len(shape) == 1:
            return value
        return array.reshape((*array.shape[: self.batch], -1))

    def component(self, k: int) -> str:
        """Return output `k` of the vector as the message spells it: ``F(x)[0, 1]`` if N-d."""
        if self.shape is None or len(self.shape) == 1:
            return f"component {k}"
        return "F(x)[" + ", ".join(str(int(i)) for i in np.unravel_index(k, self.shape)) + "]"

    def shaped(self, matrix: NDArray[np.float64], x_shape: tuple[int, ...]) -> NDArray[np.float64]:
        """Return an (m, n) result as F(x).shape + x.shape."""
        if (self.shape is None or len(self.shape) == 1) and len(x_shape) == 1:
            return matrix
        outputs = (matrix.shape[0],) if self.shape is None else self.shape
        return matrix.reshape(outputs + x_shape)
