"""The engine's deal: one counted deal of the month, in report order (an immutable record).

The commission tiers, the champion and the first-deal awards all read this record; where a
deal comes from (a workbook's 成交明细 row, a CRM import, a what-if) is the caller's business.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

__all__ = ["Deal", "excel_serial"]


class Deal(NamedTuple):
    seq: int                      # report order: deals are taken in this order
    region: str
    rep: str
    amount_fen: int
    customer: str = ""
    is_new_customer: bool = False
    date: Any = None              # datetime.date, an Excel serial number, or None (undated)


def excel_serial(d: date | datetime) -> float:
    """A date as Excel's serial number (days since 1899-12-30; a datetime keeps its time of day)."""
    base = datetime(1899, 12, 30)
    if isinstance(d, datetime):
        return (d - base).total_seconds() / 86400
    return float((d - base.date()).days)
