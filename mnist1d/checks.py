"""Argument checks shared by the whole package: one rule, one message.

Every constructor and function that takes a number checks it here, so bad
input always fails the same way: a ``ValueError`` that names the parameter,
the allowed range and the value given. Integers may be Python or NumPy
integers (``bool`` is not a number here); reals may be any real number.
Both return a plain Python ``int`` or ``float``.

Example
-------
>>> import numpy as np
>>> integer("channels", np.int64(8), low=1)
8
>>> real("lr", "0.1", low=0, low_open=True)
Traceback (most recent call last):
...
ValueError: lr must be a real number in (0, inf), got '0.1'
>>> choice("loss", "hinge", ("cross_entropy", "mse"))
Traceback (most recent call last):
...
ValueError: loss must be one of ('cross_entropy', 'mse'), got 'hinge'
"""

import math
import numbers

__all__ = ["integer", "real", "choice"]


def integer(name, value, low=None, high=None):
    """``value`` as an ``int``, if it is an integer in ``[low, high]`` (either bound may be None).

    Example
    -------
    >>> integer("hidden_size", 0, low=1)
    Traceback (most recent call last):
    ...
    ValueError: hidden_size must be an integer >= 1, got 0
    """
    if low is None and high is None:
        allowed = ""
    elif high is None:
        allowed = f" >= {low}"
    elif low is None:
        allowed = f" <= {high}"
    else:
        allowed = f" in [{low}, {high}]"
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
            or (low is not None and value < low) or (high is not None and value > high)):
        raise ValueError(f"{name} must be an integer{allowed}, got {value!r}")
    return int(value)


def real(name, value, low=-math.inf, high=math.inf, *, low_open=False, high_open=False):
    """``value`` as a finite ``float`` in the interval from ``low`` to ``high`` (closed unless ``*_open``).

    Example
    -------
    >>> real("train_split", 1.5, 0, 1, low_open=True, high_open=True)
    Traceback (most recent call last):
    ...
    ValueError: train_split must be a real number in the open interval (0, 1), got 1.5
    """
    interval = f"{'(' if low_open or low == -math.inf else '['}{low}, {high}{')' if high_open or high == math.inf else ']'}"
    if low_open and high_open:
        interval = "the open interval " + interval
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)
    ok = ok and (low < value if low_open else low <= value) and (value < high if high_open else value <= high)
    if not ok:
        raise ValueError(f"{name} must be a real number in {interval}, got {value!r}")
    return float(value)


def choice(name, value, options):
    """``value``, if it is one of the strings ``options``.

    Example
    -------
    >>> choice("pooling", "max", ("none", "max"))
    'max'
    """
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}, got {value!r}")
    return value
