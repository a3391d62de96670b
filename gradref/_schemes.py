r"""Each scheme's facts, in one table.

The functions, the check, the tests, the benchmark and the pages read them here (two
constants derived from them are written out where they are used: richardson's levels
and rms rounding factor in `_asymptotic`, and the smallest offsets in `hessian`'s step
check). A real
scheme for a first derivative is a sum of scaled differences of $f$ along a line,

$$D(h) = \frac{1}{h} \sum_j c_j
  \bigl(f(\mathbf{x} + a_j h\mathbf{e}) - f(\mathbf{x} + b_j h\mathbf{e})\bigr),$$

written as its ``terms`` $(c_j, a_j, b_j)$. Its truncation error is $O(h^p)$ with $p$ its
``order``; its rounding error is at most $c_s \varepsilon |f| / h$ when each value of $f$
is off by at most $\varepsilon|f|$, where the ``rounding`` factor $c_s = 2 \sum_j |c_j|$
(a worst case, all errors adding up; errors of random sign add to about
$\sqrt{2 \sum_j c_j^2}\,\varepsilon|f|/h$, the figure the richardson step is balanced
with below: 4.1 against $c_s = 6.6$). The complex step
has no terms (it subtracts nothing, so it has no rounding term). A default ``step`` is for
$|x_i| \le 1$ and an $f$ computed in float64; the functions scale it by $\max(1, |x_i|)$
(`directional_derivative` by its own rule) and round it to a power of two. For an $f$ of
another precision $\varepsilon$ (its dtype's, or the `noise` the user gives), a real
scheme's step is the same rule at that $\varepsilon$ (`Difference.step_for`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

EPS = float(np.finfo(np.float64).eps)
"""Machine epsilon of float64, $2^{-52}$."""

Scheme = Literal["forward", "backward", "central", "richardson", "complex"]
"""The names of the first-derivative schemes, for annotating a `scheme` argument."""

HessianScheme = Literal["central", "complex", "richardson"]
"""The names of the Hessian's schemes, for annotating `hessian`'s `scheme` argument."""


@dataclass(frozen=True)
class Difference:
    """A first-derivative scheme: its formula, its error order and its default step."""

    terms: tuple[tuple[float, float, float], ...]  # (c_j, a_j, b_j); () for the complex step
    order: int  # truncation O(h^order)
    step: float  # the default step for |x_i| <= 1

    @property
    def complex(self) -> bool:
        """Whether the scheme takes an imaginary step (and has no terms)."""
        return not self.terms

    @property
    def rounding(self) -> float:
        """The factor c_s of the rounding error c_s eps |f| / h (0 for the complex step)."""
        return 2 * sum(abs(c) for c, _, _ in self.terms)

    def step_for(self, eps: float) -> float:
        r"""Return the default step for values of relative precision `eps` (float64: `step`).

        Truncation $\propto h^p$ and rounding $\propto \varepsilon / h$ balance at
        $h \propto \varepsilon^{1/(p+1)}$ whatever their constants, so a real scheme's
        step is $\text{step} \cdot (\varepsilon / 2^{-52})^{1/(p+1)}$: $\varepsilon^{1/2}$
        (forward, backward), $\varepsilon^{1/3}$ (central), $2^{-6}$ times
        $(\varepsilon / 2^{-52})^{1/7}$ (richardson). The complex step has no rounding
        term: its step does not depend on $\varepsilon$.
        """
        if self.complex:
            return self.step
        return float(self.step * (float(eps) / EPS) ** (1 / (self.order + 1)))

    @property
    def offsets(self) -> tuple[float, ...]:
        """The multiples of h at which the scheme evaluates f (0, x itself, if it uses f(x))."""
        return tuple(sorted({s for _, *pair in self.terms for s in pair}))


DIFFERENCES: dict[str, Difference] = {
    # Truncation O(h), rounding O(eps/h): balanced at h ~ eps^(1/2).
    "forward": Difference(((1.0, 1.0, 0.0),), 1, EPS ** (1 / 2)),
    "backward": Difference(((1.0, 0.0, -1.0),), 1, EPS ** (1 / 2)),
    # Truncation O(h^2), rounding O(eps/h): balanced at h ~ eps^(1/3).
    "central": Difference(((0.5, 1.0, -1.0),), 2, EPS ** (1 / 3)),
    # Central differences D at h, h/2, h/4 combined to cancel the h^2 and h^4 terms:
    # (64 D(h/4) - 20 D(h/2) + D(h)) / 45, the smallest terms first. Truncation
    # f^(7) h^6 / 322560; rounding 4.1 eps |f| / h (the rms of the weighted differences).
    # They balance at h = 0.034 (|f| / |f^(7)|)^(1/7): 2^-5 if f^(7) ~ f, 2^-6 if
    # f^(7) ~ 2^7 f (features of width 1/2). A step r times too large costs r^6, one r
    # times too small only r, so the smaller is chosen; benchmarks/accuracy.py sweeps
    # 2^-8 to 2^-4. Where its differences show the step too coarse, `richardson` in
    # _finite_differences.py shrinks it (the default step only).
    "richardson": Difference(
        ((1 / 90, 1.0, -1.0), (-20 / 45, 0.5, -0.5), (128 / 45, 0.25, -0.25)), 6, 2.0**-6
    ),
    # No subtraction, so no cancellation: any tiny step will do while Im f = h f' stays a
    # normal double; truncation is O(h^2). A given step whose Im f is subnormal while
    # Im f / h is normal is refused; at the default step a subnormal Im f adds an absolute
    # error of at most 2^-1074 / h (see default_step, and hessian for its differences).
    "complex": Difference((), 2, 2.0**-60),
}


# The central Hessian's rounding, about (32/3) eps |f| / h^2 on the diagonal, and its
# truncation, h^4 |f^(6)| / 1440, balance at h* = (7680 eps |f| / |f^(6)|)^(1/6) (see
# _hessian.py). For features of width 1/2 (|f^(6)| = 2^6 |f|, as for richardson above)
# that is (120 eps)^(1/6): 2^-7.5 in float64, where the default stays the larger 2^-6
# (benchmarks/accuracy.py's choice, for problems whose rounding dominates), and 2^-2.7,
# rounded to 2^-3, in float32: on the seven functions of benchmarks/hessian_precision.py
# (mean log2 errors over 6 points each), the best step of three, within 2^2.5 = 5.7 times
# the best of the others (whose best steps are 2^-1 to 2^-4).
_HESSIAN_BALANCE = 7680 / 2**6


@dataclass(frozen=True)
class SecondDifference:
    """A Hessian scheme: its error order, default step constant and whether it is complex."""

    order: int  # truncation O(h^order)
    step: float  # the default step constant for |x_i| <= 1, f in float64
    complex: bool  # whether it evaluates f at complex points
    gradient: str = ""  # the complex schemes: the scheme that differences g (DIFFERENCES)

    def step_for(self, eps: float) -> float:
        r"""Return the default step for values of relative precision `eps` (float64: `step`).

        "central": $\max(2^{-6}, (120\varepsilon)^{1/6})$, where the sum of its diagonal's
        rounding $\propto \varepsilon/h^2$ and truncation $\propto h^4$ is least (rounding
        then twice truncation) if $|f_i^{(6)}| = 2^6 |f|$ (features of width 1/2; in general
        the least sum is at $(7680\,\varepsilon |f| / |f_i^{(6)}|)^{1/6}$, see the comment
        above), never below float64's default (off the diagonal the rounding is
        $11\,\varepsilon|f|/h^2$ rather than $\tfrac{32}{3}$, and the truncation 31 times
        larger: the least sum is at 0.57 times that). "complex" and
        "richardson" difference the complex-step gradient $g$, whose values are off by about
        $\varepsilon|g|$: their steps are `gradient`'s for a real scheme at that
        $\varepsilon$ (`Difference.step_for`).
        """
        if self.gradient:
            return DIFFERENCES[self.gradient].step_for(eps)
        return max(self.step, float((_HESSIAN_BALANCE * float(eps)) ** (1 / 6)))


HESSIANS: dict[str, SecondDifference] = {
    # Seven-point second differences at h and h/2, extrapolated once (see _hessian.py).
    "central": SecondDifference(4, 2.0**-6, complex=False),
    # Central (resp. Richardson) differences of the complex-step gradient: the gradient's
    # error analysis with f replaced by the gradient, and the gradient's steps.
    "complex": SecondDifference(2, DIFFERENCES["central"].step, complex=True, gradient="central"),
    "richardson": SecondDifference(
        6, DIFFERENCES["richardson"].step, complex=True, gradient="richardson"
    ),
}
