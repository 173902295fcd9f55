"""The colour classes of a choropleth: at most five classes of equal, round width, coloured
light to dark from the sequential palette, and their bounds written in French.

Kept rather than mapclassify: its equal-interval classes start at the minimum and have
unround bounds (3,27 – 6,54), where a reader quotes round ones (0 – 5 – 10).
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from orchestration.publication.palette import SEQUENTIAL


@dataclass(frozen=True)
class Classes:
    """Colour classes of a choropleth: ``bounds[i] <= value < bounds[i + 1]`` (last one
    closed) takes ``colours[i]``."""

    bounds: tuple[float, ...]
    colours: tuple[str, ...]

    def colour(self, value: float) -> str:
        """The colour of the class holding ``value``."""
        for colour, upper in zip(self.colours, self.bounds[1:], strict=True):
            if value < upper:
                return colour
        return self.colours[-1]


def _nice_steps(whole: bool):
    """1, 2, 2.5, 5 times powers of ten, small to large; whole numbers only for counts."""
    for exponent in range(-6, 10):
        for mantissa in (1, 2, 2.5, 5):
            step = mantissa * 10.0**exponent
            if not whole or step == int(step):
                yield step


def classes(values: list[float]) -> Classes:
    """At most five classes of equal, round width covering ``values`` (whole-number bounds
    when every value is whole), coloured light to dark from :data:`SEQUENTIAL`."""
    low, high = min(values), max(values)
    if high == low:  # one value: one class of round width holding it
        step = 10.0 ** math.floor(math.log10(abs(low))) if low else 1.0
        start = math.floor(low / step) * step
        return Classes((round(start, 10), round(start + step, 10)), _spread(1))
    whole = all(float(v).is_integer() for v in values)
    for step in _nice_steps(whole):
        # round(): 0.3 / 0.1 is 2.9999999999999996, which must count as 3 steps, not 2
        start = math.floor(round(low / step, 9)) * step
        count = max(1, math.ceil(round((high - start) / step, 9)))
        if count <= len(SEQUENTIAL):
            break
    if count == 1:
        # Different values in one class (counts 0 and 1: the top one on its closed upper
        # bound) would be drawn in one colour: the top value gets a class of its own.
        count = 2
    bounds = tuple(round(start + k * step, 10) for k in range(count + 1))
    return Classes(bounds, _spread(count))


def _spread(count: int) -> tuple[str, ...]:
    """``count`` colours of the sequential palette, as far apart in lightness as possible."""
    if count == 1:
        return (SEQUENTIAL[len(SEQUENTIAL) // 2],)
    last = len(SEQUENTIAL) - 1
    return tuple(SEQUENTIAL[round(k * last / (count - 1))] for k in range(count))


def tick_labels(bounds: tuple[float, ...], number: Callable[[float], str]) -> list[str]:
    """The bounds in French; « 60 % » rather than « 60,0 % » when every bound is round."""
    labels = [number(bound) for bound in bounds]
    zeros = re.compile(r",0+(?=\D*$)")  # a decimal part made only of zeros, then the unit
    if all(zeros.search(label) for label in labels):
        labels = [zeros.sub("", label) for label in labels]
    return labels
