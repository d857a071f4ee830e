"""R9 authority flags on deals and R10 risk triggers on a region's weekly inputs."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

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
    """True when quote / list ≥ the applicable floor, compared exactly in integers (rates hold
    at most 6 decimals: quote · 10⁶ ≥ floor_ppm · list, Python ints, no overflow at any size).
    A list price ≤ 0 has no floor."""
    if list_price_fen <= 0:
        return True
    floor = rate_ppm(discount_floor(quote_fen, bool(first_quote), risks))
    return int(quote_fen) * RATE_SCALE >= floor * int(list_price_fen)


class DealQuote(NamedTuple):
    """What R9 looks at on one deal."""
    seq: int
    region: str
    amount_fen: int
    customer_region: str = ""
    quote_fen: int | None = None
    list_price_fen: int | None = None
    first_quote: bool = False


class DealFlag(NamedTuple):
    seq: int
    code: str
    rule: str
    message: str


def deal_flags(deals: Sequence[DealQuote], risks: Risks) -> list[DealFlag]:
    """R9 flags of every deal that trips one, by deal then code."""
    out = []
    big_line, prio_line = risks.report_threshold * 100, risks.support_priority_threshold * 100
    prio_text = "project over ¥{:,}: technical support priority".format(risks.support_priority_threshold)
    cust, via = risks.green_channel_customer_region, risks.green_channel_via_region
    green_text = f"{cust} customer buying through {via}: finance green channel"
    for d in deals:
        amt = int(d.amount_fen)
        if amt >= big_line:
            out.append(DealFlag(d.seq, "report_large_order", "R9",
                                f"order ¥{amt / 100:,.2f} ≥ ¥{risks.report_threshold:,}: report at once"))
        if amt > prio_line:
            out.append(DealFlag(d.seq, "support_priority", "R9", prio_text))
        q, lp = d.quote_fen, d.list_price_fen
        if q is not None and lp is not None and not discount_ok(q, lp, d.first_quote, risks):
            floor = rate_ppm(discount_floor(q, bool(d.first_quote), risks))
            out.append(DealFlag(d.seq, "discount_below_floor", "R9",
                                f"quote at {q / lp * 100:.2f}% of list, below the {floor / 10000:.0f}% floor: "
                                "needs approval"))
        if cust and via and d.customer_region == cust and d.region == via:
            out.append(DealFlag(d.seq, "green_channel", "R9", green_text))
    out.sort(key=lambda f: (f.seq, f.code))
    return out


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
