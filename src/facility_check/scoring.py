"""Scores of the 服务质量 section, computed exactly.

A facility's score per standard is ``max(0, 5 − 0.1 × (unmet + unknown))`` over the counted
articles, in ``Decimal`` (multiples of 0.1 are exact). District items are means of those scores,
kept as ``Fraction`` until display, then rounded half-up to two decimals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import MAX_PREC, Decimal, Inexact, Rounded, localcontext
from fractions import Fraction

FULL = Decimal("5")
DEDUCTION = Decimal("0.1")
SITING_POINTS = Decimal("2.5")
DESIGN_POINTS = Decimal("2.5")


def facility_score(deductions: int) -> Decimal:
    """5 − 0.1 × deductions, never below 0."""
    if deductions < 0:
        raise ValueError("deductions cannot be negative")
    return max(Decimal(0), FULL - DEDUCTION * deductions)


def mean(scores: Iterable[Decimal]) -> Fraction | None:
    """Exact mean, or None for no scores (an empty district has no average).

    The sum is taken in ``Decimal`` with unbounded precision, where any rounding would raise
    (``Inexact``): exact, and fifty times faster than summing ``Fraction`` objects."""
    values = list(scores)
    if not values:
        return None
    with localcontext() as ctx:
        ctx.prec = MAX_PREC
        ctx.traps[Inexact] = ctx.traps[Rounded] = True
        total = sum(values, Decimal(0))
    return Fraction(total) / len(values)


def round_half_up(value: Fraction | Decimal, places: int = 2) -> Decimal:
    """Round an exact value half-up (away from zero) to ``places`` decimals — for display only."""
    frac = Fraction(value)
    scale = 10**places
    magnitude = math.floor(abs(frac) * scale + Fraction(1, 2))
    result = Decimal(magnitude).scaleb(-places)
    return -result if frac < 0 else result


def to_number(value: Decimal) -> float | int:
    """A JSON number for an already-rounded Decimal (exact: the shortest repr round-trips)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)
