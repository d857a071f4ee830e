"""R9 authority flags on deals and R10 risk triggers on a region's weekly inputs."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from salesplan.engine.params import Risks
from salesplan.engine.commission import RATE_SCALE, rate_ppm


@dataclass(frozen=True)
class Flag:
    rule: str          # "R9" / "R10"
    code: str          # stable machine code
    message: str
    where: str = ""    # deal #, region/phase, or cell


DEAL_FLAG_CODES = ("discount_below_floor", "report_large_order", "support_priority", "green_channel")


def discount_floor(quote_fen: int, first_quote: bool, risks: Risks) -> Decimal:
    """R9: a first quote over the special threshold may go to 92% of list, others 95%."""
    if first_quote and quote_fen > risks.special_discount_threshold * 100:
        return risks.special_discount_floor
    return risks.standard_discount_floor


def discount_ok(quote_fen: int, list_price_fen: int, first_quote: bool, risks: Risks) -> bool:
    """True when quote / list ≥ the applicable floor (compared exactly in integers)."""
    if list_price_fen <= 0:
        return True
    floor = discount_floor(quote_fen, first_quote, risks)
    return Decimal(quote_fen) >= floor * Decimal(list_price_fen)


def quotes_within_floor(quote_fen: np.ndarray, list_price_fen: np.ndarray, first_quote: np.ndarray,
                        risks: Risks) -> np.ndarray:
    """:func:`discount_ok` over arrays: quote / list ≥ floor, compared exactly in integers.

    A list price ≤ 0 has no floor. Python ints (object arrays) keep quote·10⁶ exact at
    any size, where int64 would overflow above ~¥92bn.
    """
    q = np.asarray(quote_fen, dtype=np.int64)
    lp = np.asarray(list_price_fen, dtype=np.int64)
    special = np.asarray(first_quote, dtype=bool) & (q > risks.special_discount_threshold * 100)
    floor_ppm = np.where(special, rate_ppm(risks.special_discount_floor), rate_ppm(risks.standard_discount_floor))
    ok = q.astype(object) * RATE_SCALE >= floor_ppm.astype(object) * lp.astype(object)
    return (lp <= 0) | np.asarray(ok, dtype=bool)


def deal_flags(deals: pd.DataFrame, risks: Risks) -> pd.DataFrame:
    """Vectorised R9 flags: seq, code, rule, message for every deal that trips one."""
    rows = []
    amt = deals["amount_fen"].to_numpy(dtype=np.int64)
    seq = deals["seq"].to_numpy()
    big = amt >= risks.report_threshold * 100
    rows.append(pd.DataFrame({"seq": seq[big], "code": "report_large_order", "rule": "R9",
                              "message": [f"order ¥{a / 100:,.2f} ≥ ¥{risks.report_threshold:,}: report at once"
                                          for a in amt[big]]}))
    prio = amt > risks.support_priority_threshold * 100
    rows.append(pd.DataFrame({"seq": seq[prio], "code": "support_priority", "rule": "R9",
                              "message": "project over ¥{:,}: technical support priority".format(
                                  risks.support_priority_threshold)}))
    if {"quote_fen", "list_price_fen"} <= set(deals.columns):
        has = (deals["quote_fen"].notna() & deals["list_price_fen"].notna()).to_numpy()
        q = deals["quote_fen"].fillna(0).to_numpy(dtype=np.int64)
        lp = deals["list_price_fen"].fillna(0).to_numpy(dtype=np.int64)
        first = (deals["first_quote"].fillna(False).astype(bool).to_numpy() if "first_quote" in deals.columns
                 else np.zeros(len(deals), bool))
        special = first & (q > risks.special_discount_threshold * 100)
        floor_ppm = np.where(special, rate_ppm(risks.special_discount_floor), rate_ppm(risks.standard_discount_floor))
        below = has & ~quotes_within_floor(q, lp, first, risks)
        pct = np.where(lp > 0, q / np.where(lp > 0, lp, 1) * 100, 0)
        rows.append(pd.DataFrame({"seq": seq[below], "code": "discount_below_floor", "rule": "R9",
                                  "message": [f"quote at {p:.2f}% of list, below the {f / 10000:.0f}% floor: "
                                              f"needs approval" for p, f in zip(pct[below], floor_ppm[below])]}))
    cust, via = risks.green_channel_customer_region, risks.green_channel_via_region
    if cust and via and "customer_region" in deals.columns:
        green = ((deals["customer_region"] == cust) & (deals["region"] == via)).to_numpy()
        rows.append(pd.DataFrame({"seq": seq[green], "code": "green_channel", "rule": "R9",
                                  "message": f"{cust} customer buying through {via}: finance green channel"}))
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["seq", "code"], kind="stable").reset_index(drop=True)


def inventory_alert(occupancy: float | Decimal | None, risks: Risks) -> bool:
    """R10: customer inventory occupancy above the limit triggers emergency stocking."""
    return occupancy is not None and Decimal(str(occupancy)) > risks.inventory_alert


def complaint_violation(response_hours: float | Decimal | None, risks: Risks) -> bool:
    """R10: every complaint answered at ≥ 3 h is a violation."""
    return response_hours is not None and Decimal(str(response_hours)) >= risks.complaint_max_hours


def missed_streaks(actuals: Sequence[int | None], targets: Sequence[int], run: int = 2) -> list[bool]:
    """For each week: True when this week and the ``run - 1`` before it all missed target.

    A week with no actual entered (None) is not judged (neither missed nor met).
    """
    out = []
    streak = 0
    for a, t in zip(actuals, targets):
        if a is None:
            streak = 0
            out.append(False)
            continue
        streak = streak + 1 if a < t else 0
        out.append(streak >= run)
    return out
