"""Checking an analytic gradient against a numerical one: by component or along directions."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradref._estimates import SAFETY, Recorder, Terms, error_terms
from gradref._finite_differences import (
    SCHEMES,
    Objective,
    UserFunction,
    along_directions,
    check_precision,
    evaluate,
    line_step,
    sample,
)
from gradref._schemes import DIFFERENCES, EPS, Scheme
from gradref._trees import Location, Point, Structure, Tree, flatten
from gradref._validation import (
    as_count,
    as_flag,
    as_generator,
    as_gradient_value,
    as_noise,
    as_positive,
    as_scheme,
    as_step,
)


@dataclass(frozen=True)
class GradientCheck:
    r"""The outcome of `check_gradient`.

    Each entry is one component $i$ (the default) or, with ``directions=k``, one random unit
    direction $\mathbf{u}_k$: then `analytic` holds $\mathbf{g} \cdot \mathbf{u}_k$,
    `numerical` the derivative of $f$ along $\mathbf{u}_k$, and `worst` is a direction's
    index $k$ (row $k$ of each array of `directions`). ``str(check)`` is a report: a summary
    line (passed or failed, and the worst entry), then one line per entry with both values,
    the error, the tolerance, their ratio and a verdict (with more than 10 entries, the 10
    worst, then how many are not shown and how many of those failed); ``repr`` is one short
    line.

    For a point `x` of another shape than (n,) (an N-d array, a dict, list or tuple of
    arrays), `analytic`, `numerical`, `errors` and `tolerances` take the structure and
    shapes of `x`, and `worst` is a location in it (with ``directions=k`` they stay
    arrays of shape (k,), one entry per direction).

    Attributes
    ----------
    analytic : ndarray of float64, shape (n,) or (k,), or shaped like `x`
        The gradient returned by ``grad(x)``, $\mathbf{g}$ (or $\mathbf{g} \cdot
        \mathbf{u}_k$).
    numerical : ndarray of float64, shape (n,) or (k,), or shaped like `x`
        The numerical gradient $\hat{\mathbf{g}}$, by the scheme at the steps $h_i$ as
        given (richardson's default step is not shrunk here), or the numerical
        derivative along each $\mathbf{u}_k$.
    errors : ndarray of float64, shape (n,) or (k,), or shaped like `x`
        The difference of each entry, $|g_i - \hat g_i|$.
    tolerances : ndarray of float64, shape (n,) or (k,), or shaped like `x`
        The largest difference entry $i$ may show and pass, $T_i$ (see
        `check_gradient`): what the numerical derivative cannot resolve there.
    worst : int or tuple
        The entry with the largest ratio ``errors / tolerances``, where
        `partial_derivative`'s `i` would name it: an int for a 1-D `x` (and for a
        direction's index with ``directions=k``), an index tuple ``(2, 3)`` for an N-d
        array, a path ``("W1", (2, 3))`` for a tree, whose last item is always an index
        tuple (``("b", (0,))`` in a 1-D leaf, ``("s", ())`` in a 0-d one). The report
        prints it, and each row's entry, as its ``repr``.
    ratio : float
        That ratio, ``errors[worst] / tolerances[worst]`` (for a tree, the entries at
        the path `worst`, as ``errors["W"][1, 2]``); above 1 means a failed check:
        a mistake, an `f` noisier than the model, or a truncation error the two steps
        did not see (see `check_gradient`).
    passed : bool
        Whether ``ratio <= 1``: every entry agrees within its tolerance.
    directions : ndarray of float64, shape (k, n), or shaped like `x` with a leading k, or None
        The unit directions $\mathbf{u}_k$ of ``directions=k``, one per row, so that a
        check can be reproduced (``directional_derivative(f, x, directions[k])`` gives
        the same numerical value to within a few ulps (a sum of products here, a dot
        product there), except with richardson,
        which may shrink its default
        step there and does not in the check); None when the components were compared.
        For another `x` than a 1-D one they take its structure, each array with a
        leading axis of k (shape ``(k, *leaf.shape)``, as the points of a vectorized
        `f`): direction k is that tree with each array replaced by its row ``d[k]``,
        ``{key: d[k] for key, d in directions.items()}`` for a dict of arrays, ``[d[k]
        for d in directions]`` for a list, the same nested for a nested tree (or
        ``jax.tree.map(lambda d: d[k], directions)`` where JAX can sort the dict
        keys), ``directions[k]`` for an N-d
        `x`; it has unit length over all its entries together.
    """

    analytic: Tree
    numerical: Tree
    errors: Tree
    tolerances: Tree
    worst: Location
    ratio: float
    passed: bool
    directions: Tree | None = None
    _structure: Structure | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        entries = "components" if self.directions is None else "directions"
        count = np.size(self.errors) if self._structure is None else self._structure.size
        return (
            f"GradientCheck(passed={self.passed}, {entries}={count}, "
            f"worst={self.worst!r}, ratio={self.ratio:.2g})"
        )

    def __str__(self) -> str:
        return report(self)


SHOWN = 10
"""How many entries (the worst, by ratio) the report of a larger check shows."""


def ratios_of(errors: NDArray[np.float64], tolerances: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return errors / tolerances, with 0/0 as 0 and an error beyond a zero tolerance as inf."""
    beyond = np.where(errors > 0, np.inf, 0.0)
    return np.divide(errors, tolerances, out=beyond, where=tolerances > 0)


def report(check: GradientCheck, shown: int = SHOWN) -> str:
    """Return the report of `check`: a summary line, then one line per entry (the worst)."""
    entry = "component" if check.directions is None else "direction"
    structure = check._structure if check.directions is None else None
    flat = np.asarray if structure is None else structure.flat
    analytic, numerical = flat(check.analytic), flat(check.numerical)
    errors, tolerances = flat(check.errors), flat(check.tolerances)
    ratios = ratios_of(errors, tolerances)
    failed = int((ratios > 1).sum())
    verdict = f"FAILED: {failed} of" if failed or not check.passed else "passed:"
    lines = [
        f"gradient check {verdict} {ratios.size} {entry}{'s' * (ratios.size != 1)}; "
        f"worst is {check.worst!r}, "
        f"{check.ratio:.3g} times its tolerance"
    ]
    order = sorted(np.argsort(-ratios, kind="stable")[:shown].tolist())
    labels = [repr(i) if structure is None else structure.label(i) for i in order]
    width = max([9, *map(len, labels)])
    heading = "grad . u" if check.directions is not None else "analytic"
    lines.append(
        f"{entry:>{width}}  {heading:>17}  {'numerical':>17}  {'error':>9}  {'tolerance':>9}  "
        f"{'ratio':>9}  verdict"
    )
    for i, label in zip(order, labels, strict=True):
        lines.append(
            f"{label:>{width}}  {analytic[i]:>17.10g}  {numerical[i]:>17.10g}  "
            f"{errors[i]:>9.3g}  {tolerances[i]:>9.3g}  {ratios[i]:>9.3g}  "
            f"{'ok' if ratios[i] <= 1 else 'FAIL'}"
        )
    hidden = ratios.size - len(order)
    if hidden:
        rest = failed - int((ratios[order] > 1).sum())
        lines.append(f"... {hidden} more {entry}s not shown, {rest} of them failed")
    return "\n".join(lines)


def check_gradient(
    f: Objective,
    grad: Callable[[Any], Any],
    x: Point,
    *,
    rtol: float | None = None,
    h: float | None = None,
    scheme: Scheme = "central",
    vectorized: bool = False,
    directions: int | None = None,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
    noise: float | None = None,
) -> GradientCheck:
    r"""Compare a hand-derived gradient with a numerical one at `x`, component by component.

    Each component is judged on its own, against what the numerical derivative can
    resolve *there*: a wrong component fails when its mistake exceeds its own tolerance
    $T_i$ (below), even where the whole gradient would hide it; the other components
    enter $T_i$ only through rounding terms ($\sum_j |x_j \hat g_j|$ and
    $\max_j |\hat g_j|$). A right one passes even when it is exactly zero, as long as
    $\tau_i$ does not underestimate the truncation error: it can where $D_i(h_i)$ and
    $D_i(2h_i)$ agree by accident (an $f$ periodic with period $h_i$, or terms of
    different orders cancelling at both steps) or where the step is wider than the
    features of $f$ (a default step at large $|x_i|$, richardson's above all, where
    $D_i(h_i)$ and $D_i(2h_i)$ may both be noise: the check is then refused, see
    Raises, or fails a right derivation).
    Component $i$ passes when

    $$|g_i - \hat g_i| \le T_i = 10\,(\tau_i + \rho_i + \phi)
      \quad (+\,\text{rtol}\,|\hat g_i| \text{ if given}),$$

    where $\mathbf{g}$ is ``grad(x)``, $\hat{\mathbf{g}}$ the numerical gradient with
    steps $h_i$ (`h`, or the default step, used as given: richardson does not shrink
    it here, so that $\tau_i$ compares $h_i$ with exactly $2h_i$), and the three terms
    estimate the error of $\hat g_i$:

    - truncation, $\tau_i = |D_i(2h_i) - D_i(h_i)| / (2^p - 1)$, from the same scheme
      (of order $p$) at twice the step: if $D(h) = \partial_i f + c h^p$, the two differ
      by $(2^p - 1) c h^p$;
    - rounding, $\rho_i = c_s (\varepsilon S + \eta) / h_i$ with
      $S = F_i + \sum_j |x_j \hat g_j|$, $F_i$ the largest $|f|$ among $f(\mathbf{x})$
      and the values the doubled step combines: a computed value of $f$ is off by
      about $\varepsilon |f|$, plus $\varepsilon |x_j|$ in each input, and never by
      less than $\eta = 2^{-1074}$, the smallest double; the scheme divides the
      difference of such values by $h_i$ ($c_s$ = 1 central, 2 one-sided, 6.6 richardson;
      the complex step subtracts nothing, so there $\rho_i = \eta / h_i$, the spacing
      of a subnormal imaginary part divided by $h_i$);
    - $\phi = 4 \varepsilon (\max_j |\hat g_j| + \sum_j |x_j \hat g_j|) + 2^{-1022}$,
      the rounding of a derivative formula itself: a component that is zero can come
      out of ``grad`` as $10^{-17}$, and below $2^{-1022}$ numbers lose relative
      precision. This assumes that rounding the intermediate quantities of $f$ (and of
      ``grad``) by a relative $\varepsilon$ moves $\partial f/\partial x_i$ by at most
      $\phi$ (see Notes), so ``grad`` must be computed in $f$'s precision or better:
      a right derivation returned in float32 for a float64 $f$ fails (or pass `rtol`).

    Here $\varepsilon$ is the relative precision of $f$'s values: the machine epsilon of the
    dtype of $f(\mathbf{x})$ ($2^{-52}$ for float64, and for Python floats, integers and
    longdouble, which are differenced in float64; $2^{-23}$ for float32), or `noise` where
    that is larger (with the complex step, which does not evaluate $f(\mathbf{x})$, that of
    the least precise value it returns). It cannot see a precision lost inside $f$: an $f$
    that rounds its inputs to float32 but returns float64 is taken as float64 (so, under the
    complex step, is one that casts gradref's complex points with ``.astype(np.complex64)``,
    which keeps their type and returns complex128; a cast through ``np.asarray`` returns
    complex64, whose precision is taken), and a right gradient may fail: pass `noise` (real
    schemes) or `rtol`. The default steps are sized for the same $\varepsilon$
    (`default_step`), so a float32 $f$ is checked at float32's steps, and a noisy one, given
    its `noise` $\delta$, at steps where the noise is not amplified more than it must be.
    Its tolerances then grow with the noise as the error of the numerical derivative does:
    with central differences the rounding terms as $\delta / h$ with $h \approx \delta^{1/3}
    \max(1, |x_i|)$, so as $\delta^{2/3}$, the truncation estimate as $h^2$, and the formula
    term $\phi$ (above) as $\delta$, which overtakes the others near $\delta = 10^{-2}$,
    where the tolerances can exceed the gradient itself and even a sign error passes. A
    mistake above the tolerance still fails (tests/test_precision.py checks both with a
    hashed-noise $f$).

    The factor 10 covers the estimates' own inaccuracy. The tolerances depend on `f`
    (its values and their dtype), `x`, the scheme, `h`, `noise` and `rtol`, never on
    ``grad`` (except with `directions`, below). They are the error bound that
    ``gradient(f, x, full_output=True)`` returns (at the steps as given, plus `rtol`):
    both come from one function.

    With ``directions=k``, $k$ random unit vectors $\mathbf{u}_k$ (normal samples,
    normalised; from `seed` or `rng`, never the global random state) replace the $n$
    components: entry $k$ compares $\mathbf{g} \cdot \mathbf{u}_k$ with the derivative of
    $f$ along $\mathbf{u}_k$ (as `directional_derivative`, at its default step, or `h`),
    with the same three terms along the line, $\tau_k$ from the step $2h_k$, $\rho_k$ with
    $F$ the largest $|f|$ on the lines, and $\phi$ summed along $\mathbf{u}_k$, $\phi \sum_j
    |u_{kj}| + n\, 2^{-52} \sum_j |g_j u_{kj}|$ (the rounding of $\mathbf{g} \cdot
    \mathbf{u}_k$ itself). There being no numerical gradient, $\sum_j |x_j g_j|$ and $\max_j
    |g_j|$ are taken from ``grad(x)``: here the tolerances do depend on ``grad``, through
    rounding terms only. A mistake $\delta$ in component $i$ raises them by up to $10\,(c_s
    \varepsilon |x_i| / h_k + 4\varepsilon (1 + |x_i|) \sum_j |u_{kj}| + n\,2^{-52}
    |u_{ki}|)\,|\delta|$; where that rate reaches $1/\sqrt{n}$, the typical $|u_{ki}|$, for
    every direction, no mistake that enlarges $g_i$ could fail, and the check is refused (an
    $f$ in float16, or with a large `noise`: compare the components). A mistake $\delta$ in
    component $i$ moves $\mathbf{g} \cdot \mathbf{u}_k$ by $\delta u_{ki}$, of order $\delta
    / \sqrt{n}$, while with central differences $T_k$ is mostly rounding,
    $10\,\varepsilon\,(F + \sum_j |x_j g_j|) / h_k$ with $h_k$ the central constant
    $\varepsilon^{1/3} \approx 2^{-17.3}$ times $\max(1, \max_i |x_i u_{ki}| / \max_j
    |u_{kj}|)$, rounded to a power of two ($2^{-17}$, $2^{-17}$ and $2^{-16}$ in the
    example below): so at $n = 1000$ and $k = 3$ a gradient 1
    % off in one component of a float64 $f$ fails (the example below) unless that component
    is small next to that rounding or all three directions nearly miss it; the tests check
    that it fails wherever $|\delta u_{ki}|$ exceeds $2(T_k + \tilde T_k)$, twice the sum of
    the right and the wrong gradient's tolerances, and the right one passes, for seeds,
    points and components drawn by hypothesis. For an $f$ computed in float32 that rounding
    is $2^{29}$ times larger at a step $2^9$ to $2^{10}$ times larger (after rounding to
    powers of two), so $2^{19}$ to $2^{20}$ times larger: on the example's sum of 1000
    terms $T_k$ is about 1, as large as $\mathbf{g} \cdot \mathbf{u}_k$, and a component has
    to be some 20 times off to fail (tested). A mistake along a direction orthogonal to
    every $\mathbf{u}_k$ is not seen: directions sample, components prove.

    Parameters
    ----------
    f : callable
        The function, as for `gradient`.
    grad : callable
        The gradient to check, called as ``grad(x)`` with the point shaped as `x` is,
        and returning the gradient in the same structure and shapes: shape (n,) for a
        1-D `x`, the shape of `x` for an array, the same dict (its keys in any order),
        list or tuple of arrays for a tree.
    x : array_like or dict, list or tuple of array_like
        The point at which to compare, finite: an array of any shape or a tree of
        arrays, as for `gradient`. Pick a generic point: at $(0, 0)$ or $(1, 1)$ many
        wrong formulas agree with the right one.
    rtol : float, optional
        A relative difference in each component to accept on top of the estimate, for
        a function computed less accurately than the rounding model assumes. Positive
        and finite.
        By default none: the verdict rests on the error estimate alone.
    h : float, optional
        One step for every coordinate (a number). Default: `default_step` for each
        coordinate and the precision $\varepsilon$ of $f$'s values.
    scheme : {"central", "forward", "backward", "richardson", "complex"}
        The difference formula, passed to `gradient`.
    vectorized : bool
        Whether `f` takes the points stacked as rows, as for `gradient` (not with a 0-d
        `x` or a 0-d leaf).
    directions : int, optional
        Compare this many random directional derivatives instead of the $n$
        components: $1 \le k \le n$ (for $k = n$ the components cost the same and check
        more). Default: every component.
    seed : int, optional
        The seed of the random directions (``numpy.random.default_rng(seed)``), a
        non-negative integer; with `directions` only. Default: 0, so that a test suite
        checks the same directions on every run.
    rng : numpy.random.Generator, optional
        The generator of the random directions, instead of `seed`.
    noise : float, optional
        The relative noise of $f$'s values, in $(0, 1)$, for an $f$ noisier than its
        dtype (a simulation, an iterative solve): $\varepsilon$ above, where it exceeds
        the dtype's epsilon. Not with `h` nor with ``scheme="complex"``.

    Returns
    -------
    GradientCheck
        Both gradients (or their projections), the differences, the tolerances, the
        worst entry, whether every entry passed, and the directions if any.
        ``print(result)`` shows the report.

    Raises
    ------
    ValueError
        If ``grad(x)`` does not have the shape of `x` (for a tree: a dict's keys, a
        list's or tuple's length, or the shape of a leaf; the message names the path
        where they differ) or is not finite, if `rtol` is
        not positive and finite, if the error estimates overflow float64 (then nothing can be
        judged), and as for `gradient` (``vectorized=True`` with a 0-d `x` or leaf). If
        the numerical derivative of a
        component cannot be judged: its truncation estimate $\tau_i$ is above its
        rounding ($\rho_i$, plus $\rho_i$ recomputed from the values of $|f|$ at the
        doubled step, plus $\phi$: about $2\rho_i + \phi$) and over 1 % of the
        extrapolated derivative
        $|\hat g_i + (\hat g_i - D_i(2h_i)) / (2^p - 1)|$, itself above $\tau_i$, so $f$
        varies on the scale of the step there (a kink or a singularity within $2h_i$,
        noise, or a default step $c \max(1, |x_i|)$ above $|x_i|$ where $f$ is a
        polynomial in $x_i$ near 0, which varies on the scale $|x_i|$) and a tolerance
        of $10\tau_i$ would pass mistakes of several percent.
        If `directions` is below 1 or above n, or $f$ is too imprecise for directions
        to judge a component (see above), if `seed` is negative, if `seed` or `rng`
        is given without `directions`, or both are given. If `noise` is not positive
        and finite, is 1 or more, or is given with `h` or the complex step, or if `f`
        returns a value less precise than $f(\mathbf{x})$ (float32 after float64)
        beyond `noise`.
    TypeError
        If ``grad(x)`` returns anything but real numbers (complex numbers, strings, a
        masked array), or a value of another type than `x` where `x` has an array, a
        dict or a list or tuple (a dict or a list of arrays for an array `x`, a list for
        a dict: the message names the path), if `rtol` or `noise` is not a real
        number, if `directions` or `seed` is not an integer (a bool, a float, a string), `rng` not a
        ``numpy.random.Generator`` or `vectorized` not a bool, and as for `gradient`.

    Notes
    -----
    What the check cannot see: a mistake smaller than $T_i$ (about $10^{-9}$ relative
    with central differences at smooth points of a float64 $f$, about $3 \times 10^{-4}$
    to $5 \times 10^{-3}$ for a float32 one, more where $f$ is large next to its
    derivatives; where $f$ changes on the scale of the step, up to about 10 % while
    $\tau_i$ stays under 1 % of the derivative (above, a verdict is refused once
    $\tau_i$ also exceeds its rounding, about $2\rho_i + \phi$: a $\tau_i$ below that
    is judged whatever fraction of the derivative it is), and
    without bound relative to the derivative where $\tau_i$ is as large as the
    derivative itself, as at a stationary point of a sharply curved $f$: there pass a
    smaller `h`); a
    mistake that vanishes at `x` itself (the missing factor $x$ at $x = 1$); and a
    function whose computed values are noisier than $\varepsilon\,|f|$ (a sum of large
    terms that cancel), for which `noise`, `rtol` or a larger `h` is the remedy. Near a
    flat direction, where $\partial f/\partial x_i$ is small next to what one ulp of an
    intermediate quantity moves it by (a sine near its peak, a minimum), that rounding
    can exceed $T_i$ with the complex step, whose $T_i$ is about $10\,\phi$ alone, and
    fail a right derivation: use central differences or `rtol` there.

    Evaluations of `f`: the derivatives at $h$ and at $2h$, and $f(\mathbf{x})$ (not
    for the complex step). Over the components, $4n + 1$ for central, $2n + 3$ for
    forward and backward, $12n + 1$ for richardson and $2n$ for the complex step; with
    ``directions=k``, whatever $n$, $4k + 1$, $2k + 3$, $12k + 1$ and $2k$. With
    ``vectorized=True``, one more in each of the two passes that evaluates 2 points
    (the second point is sent twice, as for `gradient`). Memory: $O(n)$ for the points
    (built a batch at a time), and $k n$ numbers for the directions kept on the result.

    Examples
    --------
    A derivation of $\partial f/\partial y$ that forgot the chain rule's factor $x$:

    >>> import numpy as np
    >>> import gradref
    >>> from gradref.examples import f, grad_f
    >>> def wrong(p):
    ...     x, y = p
    ...     return np.array([2 * x * y + y * np.exp(x * y), x**2 + np.exp(x * y)])
    ...
    >>> result = gradref.check_gradient(f, wrong, [0.5, 1.5])
    >>> print(result.passed, result.worst, f"{result.errors[1]:.4f}", f"{result.ratio:.0e}")
    False 1 1.0585 5e+08
    >>> print(result)
    gradient check FAILED: 1 of 2 components; worst is 1, 5.23e+08 times its tolerance
    component           analytic          numerical      error  tolerance      ratio  verdict
            0        4.675500025        4.675500025   6.42e-11   2.66e-09     0.0242  ok
            1        2.367000017        1.308500008       1.06   2.03e-09   5.23e+08  FAIL

    The difference is the missing $(1 - x)\,e^{xy} = e^{0.75}/2$. The right derivation
    passes, each component well inside its tolerance:

    >>> import gradref
    >>> from gradref.examples import f, grad_f
    >>> result = gradref.check_gradient(f, grad_f, [0.5, 1.5])
    >>> print(result.passed, f"{result.ratio:.2f}", (result.tolerances < 1e-8).tolist())
    True 0.02 [True, True]

    For large $n$, a few random directions (here 13 evaluations instead of 4001) find a
    gradient that is 1 % off in one component of 1000:

    >>> import numpy as np
    >>> import gradref
    >>> x = np.linspace(-2, 2, 1000)
    >>> def g(p):
    ...     wrong = np.cos(p) + 2 * p
    ...     wrong[123] *= 1.01
    ...     return wrong
    ...
    >>> check = gradref.check_gradient(
    ...     lambda p: np.sum(np.sin(p) + p**2), g, x, directions=3, seed=1
    ... )
    >>> print(check.passed, check.directions.shape, f"{check.ratio:.0f}")
    False (3, 1000) 487

    The parameters of a model as a dict, with one entry of the hand-derived gradient of
    $W$ 1 % off: `worst` is where it is, as `partial_derivative` takes it:

    >>> import numpy as np
    >>> import gradref
    >>> a, y = np.array([1.0, 2.0, -1.0]), np.array([0.5, -0.5])
    >>> def loss(p):
    ...     r = p["W"] @ a + p["b"] - y
    ...     return 0.5 * r @ r
    ...
    >>> def grad(p):
    ...     r = p["W"] @ a + p["b"] - y
    ...     g = {"W": np.outer(r, a), "b": r}
    ...     g["W"][1, 2] *= 1.01
    ...     return g
    ...
    >>> params = {"W": np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]), "b": np.zeros(2)}
    >>> check = gradref.check_gradient(loss, grad, params)
    >>> print(check.passed, check.worst, check.errors["W"].shape)
    False ('W', (1, 2)) (2, 3)
    >>> print(check)
    gradient check FAILED: 1 of 8 components; worst is ('W', (1, 2)), 1.18e+07 times its tolerance
        component           analytic          numerical      error  tolerance      ratio  verdict
    ('W', (0, 0))               -0.3               -0.3   2.91e-12    1.1e-09    0.00265  ok
    ('W', (0, 1))               -0.6               -0.6   1.46e-12   1.09e-09    0.00134  ok
    ('W', (0, 2))                0.3                0.3   2.91e-12    1.1e-09    0.00265  ok
    ('W', (1, 0))                1.3                1.3   2.91e-12    1.1e-09    0.00265  ok
    ('W', (1, 1))                2.6                2.6   1.45e-12   1.09e-09    0.00134  ok
    ('W', (1, 2))             -1.313               -1.3      0.013    1.1e-09   1.18e+07  FAIL
      ('b', (0,))               -0.3               -0.3   2.91e-12    1.1e-09    0.00265  ok
      ('b', (1,))                1.3                1.3   2.91e-12    1.1e-09    0.00265  ok
    """
    point, structure = flatten(x)
    relative = 0.0 if rtol is None else as_positive(rtol, "rtol")
    step = as_step(h)
    name = as_scheme(scheme, SCHEMES)
    level = as_noise(noise, step, name)
    batched = as_flag(vectorized, "vectorized")
    fun = UserFunction(structure.wrap(f), vectorized=batched, structure=structure)
    count = None if directions is None else as_count(directions, point.size, structure.is_vector)
    generator = as_generator(seed, rng, count is not None)
    analytic = _analytic(grad, point, structure)
    if count is not None:
        check = _along_directions(
            fun, analytic, point, count, generator, relative, step, name, level, structure
        )
        return _shaped(check, structure)
    # The steps used as given, richardson's too (it would shrink a default step to fit f):
    # the truncation estimate compares the difference at h with the one at exactly 2h.
    given = None if step is None else np.full(point.size, step)
    s = sample(fun, point, given, name, adapt=False, noise=level)
    numerical = s.value[0]
    with np.errstate(over="ignore", invalid="ignore"):  # checked below: overflow judges nothing
        sensitivity = np.array([[np.abs(point * numerical).sum()]])
        largest = np.array([[np.abs(numerical).max()]])
        model = functools.partial(
            error_terms,
            s.value,
            s.doubled,
            steps=s.steps,
            scheme=name,
            sensitivity=sensitivity,
            eps=s.eps,
        )
        # The values of f the estimates combine are each off by about eps |f| there: at
        # x ± h, not only at x (where f may be near 0 while f(x ± h) is not).
        terms = model(s.sizes, largest=largest)
        noisy = model(s.doubled_sizes, largest=largest).rounding[0]
    check = _judge(
        analytic,
        numerical,
        s.doubled[0],
        terms,
        noisy,
        relative,
        s.steps,
        name,
        point,
        structure.label,
        structure.unflatten,
    )
    return _shaped(check, structure)


def _shaped(check: GradientCheck, structure: Structure) -> GradientCheck:
    """Return `check` in the point's structure: its entries, `worst`, or its directions."""
    if structure.is_vector:
        return check
    if check.directions is not None:  # entries are directions: only the directions change
        return replace(check, directions=structure.unflatten(check.directions))
    shaped = structure.unflatten
    assert isinstance(check.worst, int)
    return replace(
        check,
        analytic=shaped(check.analytic),
        numerical=shaped(check.numerical),
        errors=shaped(check.errors),
        tolerances=shaped(check.tolerances),
        worst=structure.location(check.worst),
        _structure=structure,
    )


def _along_directions(
    fun: UserFunction,
    analytic: NDArray[np.float64],
    point: NDArray[np.float64],
    count: int,
    rng: np.random.Generator,
    relative: float,
    step: float | None,
    name: str,
    noise: float | None,
    structure: Structure,
) -> GradientCheck:
    """Compare grad(x) . u with the derivative along u, for `count` random unit vectors u."""
    u = rng.standard_normal((count, point.size))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    recorder = Recorder(fun.call, point, fun.vectorized, axes=False)
    counted = replace(fun, call=recorder)
    # f(x) first, as in `sample`: its precision (or `noise`) sizes the default steps.
    eps = EPS if noise is None else max(noise, EPS)
    center = 0.0
    if name != "complex":  # the complex step subtracts nothing: f(x) is not needed
        center = abs(evaluate(counted, point[np.newaxis].copy(), False)[0, 0])
        eps = max(eps, recorder.eps)
    steps = np.array([line_step(point, v, name, eps) if step is None else step for v in u])
    numerical = along_directions(counted, point, u, steps, name, step is not None)
    recorder.recording = True
    with np.errstate(over="ignore"):  # an infinite 2h is refused as a step that overflows x
        twice = 2 * steps
    doubled = along_directions(counted, point, u, twice, name, step is not None)
    recorder.recording = False
    sampled = np.zeros((1, 1)) if recorder.sizes is None else recorder.sizes
    if step is None and name != "complex":
        check_precision(fun, recorder.eps, eps)
    eps = max(eps, recorder.eps)  # the complex step's values (complex64: float32's)
    _check_unmasked(point, u, steps, name, eps, structure)
    with np.errstate(over="ignore", invalid="ignore"):
        projected = u @ analytic
        # No numerical gradient here: the rounding of the inputs is weighed by grad(x).
        sensitivity = np.array([[np.abs(point * analytic).sum()]])
        largest = np.array([[np.abs(analytic).max()]])
        model = functools.partial(
            error_terms,
            numerical,
            doubled,
            steps=steps,
            scheme=name,
            sensitivity=sensitivity,
            eps=eps,
        )
        terms = model(np.maximum(sampled, center), largest=largest)
        # phi of each component, summed along u, and the rounding of grad . u itself
        # (at most n eps sum |g_j u_j|).
        dot = point.size * EPS * (np.abs(u) @ np.abs(analytic))
        terms = replace(terms, formula=terms.formula * np.abs(u).sum(axis=1) + dot)
        noisy = model(sampled, largest=largest).rounding[0]
    judged = _judge(
        projected,
        numerical[0],
        doubled[0],
        terms,
        noisy,
        relative,
        steps,
        name,
        point,
        repr,
        structure.unflatten,
    )
    return replace(judged, directions=u)


def _check_unmasked(
    x: NDArray[np.float64],
    u: NDArray[np.float64],
    steps: NDArray[np.float64],
    name: str,
    eps: float,
    structure: Structure,
) -> None:
    """Refuse directions whose tolerances would grow with a mistake as fast as its error.

    Without a numerical gradient, the rounding terms weigh the inputs by grad(x) itself: a
    mistake d in component i raises the tolerance of direction k by up to
    SAFETY (c_s eps |x_i| / h_k + 4 eps (1 + |x_i|) sum_j |u_kj| + n 2^-52 |u_ki|) |d|, while
    it moves the
    error by |d u_ki|, about |d| / sqrt(n). Where the first rate reaches the second for a
    typical component, no mistake that enlarges g can fail: f is too imprecise (float16,
    a large `noise`) for directions to judge, and the components must be compared.
    """
    rate = SAFETY * (
        DIFFERENCES[name].rounding * eps * np.abs(x) / steps[:, np.newaxis]
        + 4 * eps * (1 + np.abs(x)) * np.abs(u).sum(axis=1, keepdims=True)
        + x.size * EPS * np.abs(u)  # the rounding of g . u itself
    )  # (k, n): the tolerance's growth per unit of mistake in component i
    typical = 1 / np.sqrt(x.size)  # the rms size of a component of a random unit vector
    masked = rate.min(axis=0) >= typical
    if masked.any():
        i = int(np.argmax(masked))
        raise ValueError(
            f"`directions` cannot judge component {structure.label(i)}: with values of "
            f"relative precision {eps:.3g} at {structure.entry(i)} = {x[i]:.6g}, a mistake "
            "there would raise the tolerance of every direction as fast as the error it "
            "makes, so no mistake could fail. "
            "Compare the components (directions=None)."
        )


def _judge(
    analytic: NDArray[np.float64],
    numerical: NDArray[np.float64],
    doubled: NDArray[np.float64],
    terms: Terms,
    noise: NDArray[np.float64],
    relative: float,
    steps: NDArray[np.float64],
    name: str,
    point: NDArray[np.float64],
    label: Callable[[int], str] = repr,
    show: Callable[[NDArray[np.float64]], Any] = lambda point: point,
) -> GradientCheck:
    """Return the verdict on each entry: |analytic - numerical| within its tolerance.

    `label` names an entry (by its flat index) and `show` the point in the messages.
    """
    order = 2.0 ** DIFFERENCES[name].order - 1
    with np.errstate(over="ignore", invalid="ignore"):
        extrapolated = np.abs(numerical + (numerical - doubled) / order)
        tolerances = relative * np.abs(numerical) + terms.bound()[0]
        errors = np.abs(analytic - numerical)
    if not np.isfinite(tolerances).all():
        raise ValueError(
            f"the error estimates of the numerical gradient at x = {show(point)} overflow "
            "float64, "
            "so `grad` cannot be judged there; scale `f` down."
        )
    resolved = terms.rounding[0] + noise + terms.formula[0]
    _check_resolved(numerical, extrapolated, terms.truncation[0], resolved, steps, label)
    ratios = ratios_of(errors, tolerances)
    worst = int(np.argmax(ratios))
    ratio = float(ratios[worst])
    return GradientCheck(analytic, numerical, errors, tolerances, worst, ratio, ratio <= 1.0)


def _check_resolved(
    numerical: NDArray[np.float64],
    extrapolated: NDArray[np.float64],
    truncation: NDArray[np.float64],
    noise: NDArray[np.float64],
    steps: NDArray[np.float64],
    label: Callable[[int], str],
) -> None:
    """Refuse a verdict where the step is too coarse for `f`, rather than guess.

    If D(h) = f' + c h^p, then |D(h) + (D(h) - D(2h)) / (2^p - 1)| = |f'| + o(h^p), the
    `extrapolated` size: where it is larger than the truncation estimate, the derivative is
    not (nearly) zero, and a truncation over 1 % of it means that `f` varies on a scale
    close to the step (a singularity or a kink nearby, or noise): a tolerance ten times
    that would pass mistakes of several percent. A (nearly) zero derivative, as at a
    stationary point, is all truncation and is judged as usual; so is a truncation
    estimate within the `noise` of rounding (from |f| at the sampled points, which can be
    far larger than |f(x)|), which the tolerance already covers.
    """
    coarse = (truncation > 0.01 * extrapolated) & (extrapolated > truncation) & (truncation > noise)
    if coarse.any():
        i = int(np.argmax(coarse))
        raise ValueError(
            f"cannot judge component {label(i)}: the numerical derivative there is "
            f"{numerical[i]:.6g} with an estimated truncation error of {truncation[i]:.2g} "
            f"({truncation[i] / extrapolated[i]:.1%}), so `f` varies on the scale of the "
            f"step h = {steps[i]:.3g} (a singularity or kink nearby, or noise). Pass a "
            "smaller `h`, check at a point farther from the feature, or use "
            "scheme='complex'."
        )


def _analytic(
    grad: Callable[[Any], Any], point: NDArray[np.float64], structure: Structure
) -> NDArray[np.float64]:
    """Return ``grad(x)``, which must have the structure of `x`, as a vector."""
    where = f"at x = {structure.unflatten(point)}"
    try:
        value = grad(structure.unflatten(point.copy()))
    except Exception as err:
        err.add_note(f"gradref called `grad` {where}.")
        raise
    if structure.is_vector:
        return as_gradient_value(value, point, "x", lambda: where)
    return structure.ravel(value, "grad(x)")


def assert_gradient(
    f: Objective,
    grad: Callable[[Any], Any],
    x: Point,
    *,
    rtol: float | None = None,
    h: float | None = None,
    scheme: Scheme = "central",
    vectorized: bool = False,
    directions: int | None = None,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
    noise: float | None = None,
) -> None:
    r"""Check `grad` as `check_gradient` does; raise AssertionError with its report if it fails.

    For test suites (compare ``torch.autograd.gradcheck(..., raise_exception=True)``):
    returns None when every component (or every direction) is within its tolerance.
    The options, the cost and the verdict are those of `check_gradient`.

    Parameters
    ----------
    f, grad, x, rtol, h, scheme, vectorized, directions, seed, rng, noise
        As for `check_gradient`.

    Raises
    ------
    AssertionError
        If the check fails; its message is the report, ``str(check_gradient(...))``.
    ValueError
        As for `check_gradient` (bad arguments, or a component that cannot be judged).
    TypeError
        As for `check_gradient`.

    Examples
    --------
    In a pytest test, a right derivation passes silently and a wrong one fails with
    the report (caught here to print its first line):

    >>> import numpy as np
    >>> import gradref
    >>> from gradref.examples import f, grad_f
    >>> gradref.assert_gradient(f, grad_f, [0.5, 1.5])
    >>> def wrong(p):
    ...     x, y = p
    ...     return np.array([2 * x * y + y * np.exp(x * y), x**2 + np.exp(x * y)])
    ...
    >>> try:
    ...     gradref.assert_gradient(f, wrong, [0.5, 1.5])
    ... except AssertionError as failure:
    ...     print(str(failure).splitlines()[0])
    ...
    gradient check FAILED: 1 of 2 components; worst is 1, 5.23e+08 times its tolerance
    """
    check = check_gradient(
        f,
        grad,
        x,
        rtol=rtol,
        h=h,
        scheme=scheme,
        vectorized=vectorized,
        directions=directions,
        seed=seed,
        rng=rng,
        noise=noise,
    )
    if not check.passed:
        raise AssertionError(str(check))
