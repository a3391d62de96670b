"""gradref: gradients and partial derivatives, one implementation per formula."""

from gradref._descent import DescentResult, DivergenceError, gradient_descent
from gradref._directional import directional_derivative
from gradref._estimates import ErrorEstimate
from gradref._finite_differences import default_step, gradient, partial_derivative
from gradref._gradcheck import GradientCheck, assert_gradient, check_gradient
from gradref._hessian import hessian
from gradref._jacobian import jacobian
from gradref._mse import mse_gradients, mse_loss
from gradref._schemes import HessianScheme, Scheme

__version__ = "0.1.0"
"""The package's version: the one place it is written (pyproject.toml reads it here)."""

__all__ = [
    "DescentResult",
    "DivergenceError",
    "ErrorEstimate",
    "GradientCheck",
    "HessianScheme",
    "Scheme",
    "assert_gradient",
    "check_gradient",
    "default_step",
    "directional_derivative",
    "gradient",
    "gradient_descent",
    "hessian",
    "jacobian",
    "mse_gradients",
    "mse_loss",
    "partial_derivative",
]
