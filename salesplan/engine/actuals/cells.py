"""How a workbook formula sees a typed cell: ISNUMBER, ="" blank, the yes word, text.

Every actuals function reads the input model through these few functions so that the
engine's values agree with the sheet's formulas cell for cell (the LibreOffice
recalculation test compares them).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from salesplan.engine.params import CommissionTier
from salesplan.engine.commission import rate_ppm
from salesplan.engine.deal import excel_serial
from salesplan.engine.words import NO, YES
from salesplan.money import to_decimal
from salesplan.money import to_fen as money_to_fen

__all__ = ["YES", "NO", "WEIGHT_SCALE", "COMPLETION_KEY", "BLANK_DATE", "num", "present", "yes", "excel_serial",
           "to_fen", "sum_fen", "text", "as_date", "tier_ppm", "rep_slots", "later_duplicates", "fen_to_yuan"]

WEIGHT_SCALE = 1_000_000
COMPLETION_KEY = "completion"
BLANK_DATE = 99999999         # a missing deal date sorts after every real one (champion tie-break)


def num(v: Any) -> float | None:
    """ISNUMBER semantics: numbers (not booleans, not text) → float, else None."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float, Decimal)):
        return float(v)
    if isinstance(v, (date, datetime)):
        return float(excel_serial(v))
    return None


def present(v: Any) -> bool:
    """A cell that is not ="" (blank or empty text)."""
    return not (v is None or v == "")


def yes(v: Any) -> bool:
    """The sheet's ``cell="是"`` test (the list validation offers exactly 是/否)."""
    return v is True or v == YES


def to_fen(v: Any) -> int:
    """ROUND(amount*100, 0) for a numeric cell (the deals sheet's fen column); 0 otherwise."""
    x = num(v)
    return 0 if x is None else money_to_fen(x)


def sum_fen(values) -> int:
    """ROUND(SUM(cells), 2) in fen: the exact decimal sum of the numeric cells, rounded once."""
    return money_to_fen(sum((to_decimal(x) for x in (num(v) for v in values) if x is not None), Decimal(0)))


def fen_to_yuan(values) -> float:
    """SUM of money cells shown to the fen: the exact fen sum of yuan floats, in yuan."""
    return sum(round(v * 100) for v in values) / 100


def text(v: Any) -> str:
    """How a formula sees a text cell (blank → "")."""
    if v is None:
        return ""
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    return str(v)


def as_date(v: Any):
    """A deal date as the engine's awards take it: a date, an Excel serial, or None."""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    x = num(v)
    return None if x is None else x


def tier_ppm(tiers: tuple[CommissionTier, ...]) -> list[tuple[int, int]]:
    """(from ppm, rate ppm) per tier, as the setup sheet's helper cells hold them."""
    return [(rate_ppm(t.start), rate_ppm(t.rate)) for t in tiers]


def rep_slots(plan, inputs) -> list[tuple[str, int, Any]]:
    """Every (region, slot, row) in sheet order — the incentives/coaching row order."""
    return [(r.name, i, row) for r in plan.config.regions for i, row in enumerate(inputs.regions[r.name].reps)]


def later_duplicates(slots) -> set[tuple[str, int]]:
    """(region, slot) of every named slot whose name already appears on an earlier slot of the region."""
    seen: set[tuple[str, str]] = set()
    later = set()
    for r, i, row in slots:
        if present(row.name):
            key = (r, text(row.name))
            if key in seen:
                later.add((r, i))
            seen.add(key)
    return later
