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


def to_fen(value: Decimal | Fraction | int | float | str) -> int:
    """ROUND(value × 100, 0) as integer fen; floats go through repr (no binary noise)."""
    if isinstance(value, Fraction):
        return round_yuan(value * 100)
    return round_yuan(to_decimal(value) * 100)


def round_div_half_away(numer: int, denom: int) -> int:
    """numer / denom rounded half away from zero, integer-exact (denom > 0)."""
    if denom <= 0:
        raise ValueError(f"denominator must be positive, got {denom}")
    q = (abs(numer) * 2 + denom) // (2 * denom)
    return q if numer >= 0 else -q


def fen_to_yuan(fen: int) -> Decimal:
    """Integer fen as yuan with two decimals (exact)."""
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))
