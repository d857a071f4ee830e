"""R8 awards: champion (with tie-break), conquest, breakthrough, retention, quiz, referral.

Amounts are whole yuan from the config; computed payouts are fen (int). Each award
row carries its basis — the deal, rule and threshold — so a rep can check it by hand.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from salesplan.engine.deal import Deal, excel_serial
from salesplan.engine.params import Awards
from salesplan.engine.commission import RATE_SCALE, rate_ppm
from salesplan.money import round_div_half_away


@dataclass(frozen=True)
class Award:
    region: str
    rep: str
    award: str            # champion | conquest | breakthrough | retention | quiz | referral
    amount_fen: int
    rule: str             # e.g. "R8 新客户conquest"
    basis: str            # human-readable trace
    seq: int | None = None  # the deal (report order) a first-deal award is paid on; None for the others


@dataclass(frozen=True)
class Champion:
    region: str
    rep: str
    revenue_fen: int
    decided_by: str       # "revenue" | "kpi_score" | "earliest_total_date" | "report_order"
    contenders: tuple[tuple[str, str], ...]


def date_key(v) -> float:
    """Sort key of a deal date for the champion tie-break: Excel serial; missing → +inf.

    A deal without a date cannot prove it came first, so it sorts after every dated one."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return math.inf
    return excel_serial(v) if isinstance(v, date) else float(v)


def champion(deals: Sequence[Deal], kpi_scores: Mapping[tuple[str, str], float] | None = None,
             tiebreak: Iterable[str] = ("kpi_score", "earliest_total_date")) -> Champion | None:
    """Rank 1 on the month's revenue; ties broken by the configured rules, then report order.

    ``earliest_total_date``: the date of the deal that reached each contender's total
    (:func:`date_key`); ``report_order``: that deal's place in the report."""
    if not deals:
        return None
    kpi_scores = kpi_scores or {}
    totals: dict[tuple[str, str], int] = {}
    last: dict[tuple[str, str], Deal] = {}          # the deal that reached each total
    for d in sorted(deals, key=_seq):
        key = (d.region, d.rep)
        totals[key] = totals.get(key, 0) + int(d.amount_fen)
        last[key] = d
    top = max(totals.values())
    best = [k for k, v in totals.items() if v == top]
    decided_by = "revenue"
    contenders = tuple(best)
    for rule in tiebreak:
        if len(best) == 1:
            break
        if rule == "kpi_score":
            score = {k: float(kpi_scores.get(k, 0.0)) for k in best}
            high = max(score.values())
            best = [k for k in best if score[k] == high]
        elif rule == "earliest_total_date":
            when = {k: date_key(last[k].date) for k in best}
            first = min(when.values())
            best = [k for k in best if when[k] == first]
        decided_by = rule
    if len(best) > 1:
        best = [min(best, key=lambda k: last[k].seq)]
        decided_by = "report_order"
    region, rep = best[0]
    return Champion(region, rep, totals[best[0]], decided_by, contenders)


def _seq(d: Deal) -> int:
    return d.seq


def first_deals(deals: Sequence[Deal]) -> list[Deal]:
    """Each new customer's first deal (report order): the deals the first-deal awards look at."""
    seen: set[str] = set()
    out = []
    for d in sorted(deals, key=_seq):
        if d.is_new_customer and d.customer not in seen:
            seen.add(d.customer)
            out.append(d)
    return out


def first_deal_awards(deals: Sequence[Deal], cfg: Awards) -> list[Award]:
    """Conquest and breakthrough on each new customer's first deal (report order)."""
    firsts = first_deals(deals)
    out: list[Award] = []
    conquest_line = cfg.conquest_threshold * 100
    breakthrough_line = cfg.breakthrough_threshold * 100
    for row in firsts:
        amt = int(row.amount_fen)
        basis = f"deal #{int(row.seq)} {row.customer} ¥{amt / 100:,.2f}"
        earned = []
        if amt > breakthrough_line:
            earned.append(("breakthrough", cfg.breakthrough_amount, "R8 重大突破",
                           f"{basis} > ¥{cfg.breakthrough_threshold:,} (first signing)"))
        if amt > conquest_line:
            earned.append(("conquest", cfg.conquest_amount, "R8 新客户conquest",
                           f"{basis} > ¥{cfg.conquest_threshold:,} (new customer's first deal)"))
        if len(earned) == 2 and not cfg.stack_breakthrough_and_conquest:
            earned = [max(earned, key=lambda e: e[1])]
        out += [Award(row.region, row.rep, a, amount * 100, rule, basis_, int(row.seq))
                for a, amount, rule, basis_ in earned]
    return out


def retention_awards(churn: Mapping[tuple[str, str], float | Decimal | None], cfg: Awards) -> list[Award]:
    """Retention bonus + full-attendance award for reps whose annual natural churn ≤ the limit."""
    out = []
    for (region, rep), rate in churn.items():
        if rate is None:
            continue
        if Decimal(str(rate)) <= cfg.retention_max_churn:
            amount = cfg.retention_bonus + cfg.full_attendance_bonus
            out.append(Award(region, rep, "retention", amount * 100, "R8 客户留存",
                             f"annual churn {Decimal(str(rate)) * 100:.1f}% ≤ {cfg.retention_max_churn * 100:.0f}%"))
    return out


def quiz_awards(places: Iterable[tuple[str, str, int, int]], cfg: Awards) -> list[Award]:
    """(region, rep, week, place) → the configured prize for places 1..quiz_top_n."""
    out = []
    for region, rep, week, place in places:
        if 1 <= place <= min(cfg.quiz_top_n, len(cfg.quiz_awards)):
            out.append(Award(region, rep, "quiz", cfg.quiz_awards[place - 1] * 100, "R8 产品知识竞赛",
                             f"week {week}: place {place}"))
    return out


def referral_awards(referrals: Iterable[tuple[str, str, int, int]], cfg: Awards) -> list[Award]:
    """(region, partner, level 1..3, deal amount fen) → amount × level rate, to the fen."""
    out = []
    for region, partner, level, amount_fen in referrals:
        if not 1 <= level <= len(cfg.referral_rates):
            continue
        rate = cfg.referral_rates[level - 1]
        fen = round_div_half_away(int(amount_fen) * rate_ppm(rate), RATE_SCALE)
        out.append(Award(region, partner, "referral", fen, "R8 合作伙伴推荐",
                         f"level {level} referral on ¥{amount_fen / 100:,.2f} × {rate * 100:.1f}%"))
    return out
