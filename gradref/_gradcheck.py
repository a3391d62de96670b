"""Checking an analytic gradient against a numerical one, component by component."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradref._finite_differences import (
    SCHEMES,
    Objective,
    Probe,
    UserFunction,
    _default_steps,
    check_precision,
    derivatives,
    evaluate,
)
from gradref._schemes import DIFFERENCES, EPS, Scheme
from gradref._validation import (
    as_gradient_value,
    as_noise,
    as_point,
    as_positive,
    as_scheme,
    as_step,
)

_TINY = float(np.finfo(np.float64).tiny)  # 2^-1022, the smallest normal double
_SMALLEST = float(np.finfo(np.float64).smallest_subnormal)  # 2^-1074
SAFETY = 10.0
"""How many times its estimated error a numerical component may be off and still pass."""


@dataclass(frozen=True)
class GradientCheck:
    r"""The outcome of `check_gradient`.

    Attributes
    ----------
    analytic : ndarray of float64, shape (n,)
        The gradient returned by ``grad(x)``, $\mathbf{g}$.
    numerical : ndarray of float64, shape (n,)
        The numerical gradient $\hat{\mathbf{g}}$, by the scheme at the steps $h_i$ as
        given (richardson's default step is not shrunk here).
    errors : ndarray of float64, shape (n,)
        The difference of each component, $|g_i - \hat g_i|$.
    tolerances : ndarray of float64, shape (n,)
        The largest difference component $i$ may show and pass, $T_i$ (see
        `check_gradient`): what the numerical derivative cannot resolve there.
    worst : int
        The index of the component with the largest ratio ``errors / tolerances``.
    ratio : float
        That ratio, ``errors[worst] / tolerances[worst]``; above 1 means a failed check:
        a mistake, an `f` noisier than the model, or a truncation error the two steps
        did not see (see `check_gradient`).
    passed : bool
        Whether ``ratio <= 1``: every component agrees within its tolerance.
    """

    analytic: NDArray[np.float64]
    numerical: NDArray[np.float64]
    errors: NDArray[np.float64]
    tolerances: NDArray[np.float64]
    worst: int
    ratio: float
    passed: bool


def check_gradient(
    f: Objective,
    grad: Callable[[NDArray[np.float64]], ArrayLike],
    x: ArrayLike,
    *,
    rtol: float | None = None,
    h: float | None = None,
    scheme: Scheme = "central",
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
    different orders cancelling at both steps), and then a right derivation fails.
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
      $\phi$ (see Notes).

    Here $\varepsilon$ is the relative precision of $f$'s values: the machine epsilon
    of the dtype of $f(\mathbf{x})$ ($2^{-52}$ for float64, and for Python floats,
    integers and longdouble, which are differenced in float64; $2^{-23}$ for float32),
    or `noise` where that is larger (with the complex step, which does not evaluate
    $f(\mathbf{x})$, that of the values it returns). The default steps are sized for
    the same $\varepsilon$ (`default_step`), so a float32 $f$ is checked at float32's
    steps, and a noisy one, given its `noise` $\delta$, at steps where the noise is
    not amplified more than it must be. Its tolerances then grow with the noise as the
    error of the numerical derivative does: with central differences, to at most about
    $20\,\delta^{2/3} (|f| + \sum_j |x_j \hat g_j|)$, so a mistake well above that
    still fails.

    The factor 10 covers the estimates' own inaccuracy. The tolerances depend on `f`,
    `x`, the scheme, `h` and `rtol`, never on ``grad``.

    Parameters
    ----------
    f : callable
        The function, as for `gradient`.
    grad : callable
        The gradient to check, called as ``grad(x)`` and returning shape (n,).
    x : array_like, shape (n,)
        The point at which to compare, finite. Pick a generic point: at $(0, 0)$ or
        $(1, 1)$ many wrong formulas agree with the right one.
    rtol : float, optional
        A relative difference in each component to accept on top of the estimate, for
        a function computed less accurately than the rounding model assumes. Positive
        and finite.
        By default none: the verdict rests on the error estimate alone.
    h : float, optional
        The step, passed to `gradient`. Default: `default_step` for each coordinate and
        the precision $\varepsilon$ of $f$'s values.
    scheme : {"central", "forward", "backward", "richardson", "complex"}
        The difference formula, passed to `gradient`.
    noise : float, optional
        The relative noise of $f$'s values, in $(0, 1)$, for an $f$ noisier than its
        dtype (a simulation, an iterative solve): $\varepsilon$ above, where it exceeds
        the dtype's epsilon. Not with `h` nor with ``scheme="complex"``.

    Returns
    -------
    GradientCheck
        Both gradients, the differences, the tolerances, the worst component and
        whether every component passed.

    Raises
    ------
    ValueError
        If ``grad(x)`` does not have the shape of `x` or is not finite, if `rtol` is
        not positive, if the error estimates overflow float64 (then nothing can be
        judged), if `noise` is not positive and finite, is 1 or more, or is given with
        `h` or the complex step, if `f` returns a value less precise than
        $f(\mathbf{x})$ (float32 after float64) beyond `noise`, and as for `gradient`.
        If the numerical derivative of a component cannot be judged: its truncation
        estimate $\tau_i$ is above its rounding ($\rho_i$, plus $\rho_i$ recomputed
        from the values of $|f|$ at the doubled step, plus $\phi$: about
        $2\rho_i + \phi$) and over 1 % of the extrapolated derivative
        $|\hat g_i + (\hat g_i - D_i(2h_i)) / (2^p - 1)|$, itself above $\tau_i$, so $f$
        varies on the scale of the step there (a kink or a singularity within $2h_i$,
        or noise) and a tolerance of $10\tau_i$ would pass mistakes of several percent.
    TypeError
        If ``grad(x)`` returns anything but real numbers (complex numbers, strings, a
        dict, a masked array), if `rtol` or `noise` is not a real number, and as for
        `gradient`.

    Notes
    -----
    What the check cannot see: a mistake smaller than $T_i$ (about $10^{-9}$ relative
    with central differences at smooth points, more where $f$ is large next to its
    derivatives; where $f$ changes on the scale of the step, up to about 10 % while
    $\tau_i$ stays under 1 % of the derivative (above, a verdict is refused once
    $\tau_i$ also exceeds its rounding, about $2\rho_i + \phi$: a $\tau_i$ below that
    is judged whatever fraction of the derivative it is), and
    without bound relative to the derivative where $\tau_i$ is as large as the
    derivative itself, as at a stationary point of a sharply curved $f$: there pass a
    smaller `h`); a
    mistake that vanishes at `x` itself (the missing factor $x$ at $x = 1$); and a
    function whose computed values are noisier than $\varepsilon\,|f|$ (a sum of large
    terms that cancel), for which `noise`, `rtol` or a larger `h` is the remedy. Near
    a flat direction, where $\partial f/\partial x_i$ is small next to what one ulp of an
    intermediate quantity moves it by (a sine near its peak, a minimum), that rounding
    can exceed $T_i$ with the complex step, whose $T_i$ is about $10\,\phi$ alone, and
    fail a right derivation: use central differences or `rtol` there.

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

    The difference is the missing $(1 - x)\,e^{xy} = e^{0.75}/2$. The right derivation
    passes, each component well inside its tolerance:

    >>> import gradref
    >>> from gradref.examples import f, grad_f
    >>> result = gradref.check_gradient(f, grad_f, [0.5, 1.5])
    >>> print(result.passed, f"{result.ratio:.2f}", (result.tolerances < 1e-8).tolist())
    True 0.02 [True, True]
    """
    point = as_point(x)
    relative = 0.0 if rtol is None else as_positive(rtol, "rtol")
    step = as_step(h)
    name = as_scheme(scheme, SCHEMES)
    level = as_noise(noise, step, name)
    analytic = _analytic(grad, point)
    probe = Probe(f)
    fun = UserFunction(probe)
    # f(x) first: the precision of its value (its dtype's epsilon, or `noise` if larger)
    # sets the default step and the rounding terms. The complex step subtracts nothing:
    # no rounding term, so f(x) is not needed, and its step does not depend on it.
    eps = EPS if level is None else max(level, EPS)
    value = 0.0
    if name != "complex":
        value = evaluate(fun, point[np.newaxis], False)[0, 0]
        eps = max(eps, probe.eps)
    # The steps used as given, richardson's too (it would shrink a default step to fit f):
    # the truncation estimate compares the difference at h with the one at exactly 2h.
    steps = _default_steps(point, name, eps) if step is None else np.full(point.size, step)
    given = step is not None
    numerical = derivatives(fun, point, np.arange(point.size), steps, name, given).ravel()
    sampled = np.zeros(point.size)  # the largest |f| each doubled difference saw
    doubled = np.array(
        [
            derivatives(
                UserFunction(_recording(probe, sampled, i)),
                point,
                np.array([i]),
                2 * s,
                name,
                given,
            )
            for i, s in enumerate(steps.tolist())
        ]
    )[:, 0, 0]
    if name == "complex":  # its step does not depend on eps; the rounding of f' does
        eps = max(eps, probe.eps)
    check_precision(fun, probe, eps)
    facts = DIFFERENCES[name]  # its order p (truncation ~ h^p) and rounding factor c_s
    order = 2.0**facts.order - 1
    with np.errstate(over="ignore", invalid="ignore"):  # checked below: overflow judges nothing
        truncation = np.abs(doubled - numerical) / order
        extrapolated = np.abs(numerical + (numerical - doubled) / order)
        sensitivity = float(np.abs(point * numerical).sum())
        # The values of f the estimates combine are each off by about eps |f| there: at
        # x ± h, not only at x (where f may be near 0 while f(x ± h) is not).
        size = 0.0 if name == "complex" else np.maximum(abs(float(value)), sampled) + sensitivity
        # Every value is also on the grid of the smallest double, eta: a subnormal value
        # (a complex step's imaginary part too, where c_s is 0) is off by up to eta.
        floor = max(facts.rounding, 1.0) * _SMALLEST
        rounding = (facts.rounding * eps * size + floor) / steps
        formula = 4 * eps * (float(np.abs(numerical).max()) + sensitivity) + _TINY
        noisy = (facts.rounding * eps * (sampled + sensitivity) + floor) / steps
        tolerances = relative * np.abs(numerical) + SAFETY * (truncation + rounding + formula)
        errors = np.abs(analytic - numerical)
    if not np.isfinite(tolerances).all():
        raise ValueError(
            f"the error estimates of the numerical gradient at x = {point} overflow float64, "
            "so `grad` cannot be judged there; scale `f` down."
        )
    _check_resolved(numerical, extrapolated, truncation, rounding + noisy + formula, steps)
    ratios = np.divide(errors, tolerances, out=np.zeros_like(errors), where=tolerances > 0)
    ratios[(tolerances == 0) & (errors > 0)] = np.inf
    worst = int(np.argmax(ratios))
    ratio = float(ratios[worst])
    return GradientCheck(analytic, numerical, errors, tolerances, worst, ratio, ratio <= 1.0)


def _recording(f: Objective, sizes: NDArray[np.float64], i: int) -> Objective:
    """Return `f`, keeping in sizes[i] the largest |value| it returns (numbers only)."""

    def call(p: NDArray[Any]) -> Any:
        value = f(p)
        with contextlib.suppress(TypeError, ValueError):  # not a number: `evaluate` says so
            sizes[i] = max(sizes[i], float(np.max(np.abs(value))))
        return value

    return call


def _check_resolved(
    numerical: NDArray[np.float64],
    extrapolated: NDArray[np.float64],
    truncation: NDArray[np.float64],
    noise: NDArray[np.float64],
    steps: NDArray[np.float64],
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
            f"cannot judge component {i}: the numerical derivative there is {numerical[i]:.6g} "
            f"with an estimated truncation error of {truncation[i]:.2g} "
            f"({truncation[i] / extrapolated[i]:.1%}), so `f` varies on the scale of the "
            f"step h = {steps[i]:.3g} (a singularity or kink nearby, or noise). Pass a "
            "smaller `h`, check at a point farther from the feature, or use "
            "scheme='complex'."
        )


def _analytic(
    grad: Callable[[NDArray[np.float64]], Any], point: NDArray[np.float64]
) -> NDArray[np.float64]:
    where = f"at x = {point}"
    try:
        value = grad(point.copy())
    except Exception as err:
        err.add_note(f"gradref called `grad` {where}.")
        raise
    return as_gradient_value(value, point, "x", lambda: where)
