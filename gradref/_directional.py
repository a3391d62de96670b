r"""The directional derivative $D_u f(x) = \nabla f(x) \cdot u$, differenced along u."""

from __future__ import annotations

from gradref._finite_differences import (
    SCHEMES,
    Objective,
    UserFunction,
    line_derivative,
)
from gradref._schemes import Scheme
from gradref._trees import Point, flatten
from gradref._validation import (
    as_flag,
    as_noise,
    as_scheme,
    as_step,
)


def directional_derivative(
    f: Objective,
    x: Point,
    u: Point,
    *,
    h: float | None = None,
    scheme: Scheme = "central",
    vectorized: bool = False,
    noise: float | None = None,
) -> float:
    r"""Return the rate of change of `f` at `x` along the unit vector `u`.

    $$D_{\mathbf{u}} f(\mathbf{x}) = \nabla f(\mathbf{x}) \cdot \mathbf{u}
      = \lim_{s \to 0} \frac{f(\mathbf{x} + s\mathbf{u}) - f(\mathbf{x})}{s}$$

    `f` is differenced along the line itself, $D_{\mathbf{u}} f(\mathbf{x}) = \psi'(0)$
    with $\psi(s) = f(\mathbf{x} + s\mathbf{u})$, by the formulas of
    `partial_derivative` applied to $\psi$: no gradient is formed.

    Parameters
    ----------
    f : callable
        The function, as for `gradient`: called with the points $\mathbf{x} + s\mathbf{u}$.
    x : array_like or dict, list or tuple of array_like
        The point, finite: an array of any shape or a tree of arrays, as for
        `gradient`.
    u : array_like, or a tree shaped like `x`
        The direction, in the structure and shapes of `x`, a unit vector:
        $\|\mathbf{u}\|_2 = 1$ to within $10^{-12}$, the norm of all its entries
        together (for a tree, over every leaf at once).
    h : float, optional
        The step $s$ along `u`, positive and finite. Default: see Notes.
    scheme : {"central", "forward", "backward", "richardson", "complex"}
        The difference formula, applied to $\psi$.
    vectorized : bool
        Whether `f` takes the points $\mathbf{x} + s_k \mathbf{u}$ stacked, as for
        `gradient`: each array of the point with a leading axis of k (rows of shape
        (k, n) for a 1-D `x`), one point first, then the others. Not with a 0-d `x` or
        a 0-d leaf (see `gradient`).
    noise : float, optional
        The relative noise of $f$'s values, in $(0, 1)$, for an $f$ noisier than its
        dtype: the default step is sized for it, as in `partial_derivative`.

    Returns
    -------
    float
        $D_{\mathbf{u}} f(\mathbf{x})$.

    Raises
    ------
    ValueError
        If `u` is not finite, is zero, not of unit length, or not of the length of a
        1-D `x` or the keys, lengths and shapes of any other `x` (the message names
        where they differ); if `x` is not finite or holds an empty array, dict or list; and
        as for `gradient` (``vectorized=True`` with a 0-d `x` or leaf, `noise` invalid,
        or with `h` or the complex step; a value of `f` less precise than the default
        step was sized for; an error about a value of `f` names the point
        $\mathbf{x} + s\mathbf{u}$ where it happened).
    TypeError
        If `x` or `u` (or one of their leaves, named by its path) is not an array of
        real numbers (complex, strings, None, a masked array), `u` is of another type
        than `x` where `x` has an array, a dict or a list or tuple, or `x` is a container
        other than a dict, list or tuple, `h` or `noise` is not a real number,
        `scheme` is not a string, `vectorized` is not a bool, or `f` returns something
        other than a number, as for `partial_derivative`.

    Notes
    -----
    Since $\nabla f \cdot \mathbf{u} = \|\nabla f\| \cos\varphi$, with $\varphi$ the angle
    between them, $D_{\mathbf{u}} f$ is largest, $\|\nabla f\|$, for $\mathbf{u}$ along
    $\nabla f$, and zero for $\mathbf{u}$ orthogonal to it. The unit length matters:
    scaling $\mathbf{u}$ by 2 would double the "rate".

    The derivatives of $\psi$ are those of $f$ along $\mathbf{u}$,
    $\psi^{(k)}(0) = D_{\mathbf{u}}^k f(\mathbf{x})$, so each scheme keeps its error
    order with $D_{\mathbf{u}}^k f$ in place of $\partial^k f / \partial x_i^k$: the
    central difference $(\psi(h) - \psi(-h)) / 2h$ is off by
    $D_{\mathbf{u}}^3 f\, h^2 / 6 + O(h^4)$, plus rounding of order
    $\varepsilon |f| / h$. The default step is `default_step`'s base step for the
    scheme and the precision of $f$'s values (taken from its first value, or `noise`,
    as in `partial_derivative`) times
    $\max(1, \max_i |x_i|\,|u_i| / \max_j |u_j|)$, rounded to a power of two: each
    $|x_i|$ counts in proportion to how far coordinate $i$ moves, so that
    along $\mathbf{e}_i$ the step is that of $\partial f / \partial x_i$, and a
    coordinate that hardly moves (a component of $10^{-20}$ left by a normalisation)
    does not set the scale unless its $|x_i|$ is large enough to make $|x_i u_i|$ the
    largest (at $\mathbf{x} = (0, 10^{30})$, $\mathbf{u} = (1, 10^{-20})$ the step is
    $2^{16}$: pass `h` there). Unlike $x_i \pm h$ with a power-of-two $h$ no smaller than
    the spacing of $x_i$, as the default steps are (exact where $|x_i| \ge h$, unless it
    crosses a power of two), the points $\mathbf{x} + s\mathbf{u}$ are rounded, by at
    most $\varepsilon (|x_i| + |s u_i|)$ in each coordinate that moves (the product
    $s u_i$ is rounded too: at $x_i = 0$ that is all of it), which adds a rounding
    error of at most $c_s\, \varepsilon \sum_i (|x_i| + h |u_i|)\, |\partial_i f| / h$
    ($c_s = 2 \sum_j |c_j|$ the scheme's rounding factor, each of its points rounded: 1
    for central, 2 for forward and backward, 6.6 for richardson);
    dividing by the distance actually moved along $\mathbf{u}$,
    $(\mathrm{fl}(\mathbf{x} + s\mathbf{u}) - \mathbf{x}) \cdot \mathbf{u}$, instead of
    $s$ removes the part of it along $\mathbf{u}$ (all of it when $\mathbf{u}$ is an axis).

    Evaluations of `f`, whatever $n$: 2 for central, forward and backward (forward
    and backward use $f(\mathbf{x})$ and one more point), 6 for richardson (16 where it
    shrinks its default step, as in `partial_derivative`) and 1 for complex; through
    the gradient, $\nabla f \cdot \mathbf{u}$ would cost $2n$, $n + 1$, $6n$ and $n$.
    With ``vectorized=True``, 3 instead of 2: the second point is sent twice, so that
    the calls have two row counts (see `gradient`). With the default step, one more
    for a real scheme where $f$'s values are less precise than float64 and `noise`
    does not cover them (the first evaluation finds their dtype and is not reused).

    Examples
    --------
    >>> import numpy as np
    >>> import gradref
    >>> from gradref.examples import f
    >>> u = np.array([3.0, 4.0]) / 5.0
    >>> d = gradref.directional_derivative(f, [1.0, 2.0], u, scheme="complex")
    >>> print(f"{d:.12f}")
    17.978112197861
    >>> print(f"{0.6 * (4 + 2 * np.exp(2)) + 0.8 * (1 + np.exp(2)):.12f}")
    17.978112197861
    """
    point, structure = flatten(x)
    direction = structure.unit(u)
    step = as_step(h)
    name = as_scheme(scheme, SCHEMES)
    relative = as_noise(noise, step, name)
    batched = as_flag(vectorized, "vectorized")
    fun = UserFunction(structure.wrap(f), vectorized=batched, structure=structure)
    return float(line_derivative(fun, point, direction, step, name, relative)[0])
