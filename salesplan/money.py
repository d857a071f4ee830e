"""Exact money helpers: integer yuan / Decimal, rounding half away from zero like Excel's ROUND."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

# Decimal's ROUND_HALF_UP rounds half *away from zero* (for negatives too), as Excel does.
_QUANT = {0: Decimal("1"), 1: Decimal("0.1"), 2: Decimal("0.01")}


def excel_round(value: Decimal | Fraction | int | str, digits: int = 0) -> Decimal:
    """ROUND(value, digits) exactly as Excel defines it, on exact inputs."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    d = Decimal(value)
    q = _QUANT.get(digits) or Decimal(1).scaleb(-digits)
    return d.quantize(q, rounding=ROUND_HALF_UP)


def round_yuan(value: Decimal | Fraction | int | str) -> int:
    """Whole yuan, half away from zero."""
    return int(excel_round(value, 0))


def to_decimal(value: object) -> Decimal:
    """A number as Decimal without binary-float noise (floats go through repr)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)  # int, str
