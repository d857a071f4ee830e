"""Money UDFs (R8–R9): commission, the next-tier gap, awards and the discount floor —
the bodies behind ``salesplan.udfs.functions``.

Amounts become exact fen (``convert.to_fen``, Excel's ROUND(x, 2)); every figure is
the engine's (``commission``, ``gap.tier_position``, ``awards.first_deal_awards``,
``risks.discount_ok``) and goes back to the cell as yuan.
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np

from salesplan.engine.params import CommissionTier, PlanConfig
from salesplan.engine.awards import first_deal_awards
from salesplan.engine.commission import commission as engine_commission
from salesplan.engine.commission import commission_for_amounts, rate_ppm
from salesplan.engine.gap import tier_position
from salesplan.engine.deal import Deal
from salesplan.engine.risks import discount_ok as engine_discount_ok
from salesplan.udfs.convert import (
    BLANK, NUMBER, Grid, bad_message, boolean, booleans, exact_decimal, grid, is_missing, language as language_of,
    number, numbers, scalar, shaped, to_fen, value_error, vector, whole, xl_number,
)
from salesplan.udfs.plans import plan_config


def _tiers(value, cfg: PlanConfig) -> tuple[CommissionTier, ...]:
    """[tiers]: rows of (from, rate), e.g. {0,2%;80%,4%;100%,6%;120%,8%}; default: the plan's."""
    if is_missing(value):
        return cfg.commission.tiers
    g = grid(value, "tiers")
    if g.cols != 2 and g.rows == 2:
        g = g.transpose()
    if g.cols != 2:
        raise value_error(f"tiers is {g.rows}×{g.cols}; expected two columns: from (attainment) and rate")
    tiers = []
    for r in range(g.rows):
        kinds = g.kinds[2 * r:2 * r + 2]
        if (kinds == BLANK).all():
            continue  # spare rows of a larger range
        for c in range(2):
            if kinds[c] != NUMBER:
                raise bad_message(g, 2 * r + c, "a number")
        start, rate = (exact_decimal(g.values[2 * r + c]) for c in range(2))
        where = f"tiers: row {r + 1}"
        if not 0 <= rate <= 1:
            raise value_error(f"{where} rate is {rate}; expected 0 … 1 (e.g. 4%)")
        try:
            rate_ppm(rate), rate_ppm(start)
        except ValueError:
            raise value_error(f"{where} has more than 6 decimals") from None
        if tiers and start <= tiers[-1].start:
            raise value_error(f"{where} from {start} is not above the previous tier's {tiers[-1].start}")
        if not tiers and start != 0:
            raise value_error(f"{where} from is {start}; the first tier must start at 0")
        tiers.append(CommissionTier(start, rate))
    if not tiers:
        raise value_error("tiers is empty")
    return tuple(tiers)


def _target_yuan(value) -> int:
    tgt = whole(number(value, "target"), "target", "the rep's target in whole yuan")
    if tgt <= 0:
        raise value_error(f"target is {tgt}; the rep's personal target must be > 0")
    return tgt


def _deal_amounts(amounts, name: str = "amounts") -> tuple[Grid, np.ndarray, np.ndarray]:
    """(grid, positions of non-empty deals, their fen) — in report order (the range's order)."""
    g = vector(amounts, name)
    values = numbers(g, blank="nan", what="an amount in yuan")
    present = np.flatnonzero(~np.isnan(values))
    neg = present[values[present] < 0]
    if len(neg):
        raise value_error(f"{g.where(int(neg[0]))} is {values[neg[0]]:.15g}; a deal amount must be ≥ 0")
    return g, present, to_fen(values[present])


def commission(amounts, target, tiers=None, config=None):
    """COMMISSION: each deal's commission in yuan, shaped like the amounts (empty stays empty)."""
    cfg = plan_config(config)
    tier_list = _tiers(tiers, cfg)
    tgt = _target_yuan(target)
    g, present, fen = _deal_amounts(amounts)
    out: list = [""] * g.size
    if len(present):
        per_deal = commission_for_amounts(fen, tgt, tier_list)
        for pos, c in zip(present.tolist(), per_deal):
            out[pos] = c / 100  # exact fen -> the nearest double of the 2-decimal yuan value
    return shaped(out, g)


def _one_amount(value, name: str) -> int | None:
    """A single amount cell in fen (Excel's ROUND(x, 2)); None for an empty cell; < 0 is an error."""
    v = scalar(value, name)
    if is_missing(v):
        return None
    x = number(v, name, what="an amount in yuan")
    if x < 0:
        raise value_error(f"{name} is {x:.15g}; it must be ≥ 0")
    return int(to_fen(np.array([x]))[0])


def next_tier_gap(revenue, target, tiers=None, config=None):
    """NEXT_TIER_GAP: yuan to the next tier, empty in the top tier or for an empty revenue."""
    cfg = plan_config(config)
    tier_list = _tiers(tiers, cfg)
    tgt = _target_yuan(target)
    rev = _one_amount(revenue, "revenue")
    if rev is None:
        return ""
    _, gap_fen = tier_position(rev, tgt, tier_list)
    return "" if gap_fen is None else gap_fen / 100


def commission_if(amounts, target, new_amount, tiers=None, config=None):
    """COMMISSION_IF: the commission of one more deal, in yuan."""
    cfg = plan_config(config)
    tier_list = _tiers(tiers, cfg)
    tgt = _target_yuan(target)
    _, _, fen = _deal_amounts(amounts)
    new = _one_amount(new_amount, "new_amount")
    if new is None:
        return ""
    return commission_for_amounts([int(f) for f in fen] + [new], tgt, tier_list)[-1] / 100


TRACE_HEADERS = {
    "zh": ["单据序号", "金额", "累计业绩", "档位", "档位起点", "提成比例", "档位起(元)", "档位止(元)", "计提基数",
           "提成", "规则"],
    "en": ["deal", "amount", "cumulative", "tier", "tier from", "rate", "tier start", "tier end", "base",
           "commission", "rule"],
}


TRACE_RULE = {"zh": "R8 多级提成", "en": "R8 multi-level commission"}


def commission_trace(amounts, target, tiers=None, language=None, config=None):
    """COMMISSION_TRACE: a header row, then one row per deal and tier slice."""
    cfg = plan_config(config)
    lang = language_of(language, cfg.workbook.language)
    tier_list = _tiers(tiers, cfg)
    tgt = _target_yuan(target)
    g, present, fen = _deal_amounts(amounts)
    rows: list[list] = [list(TRACE_HEADERS[lang])]
    if not len(present):
        return rows
    deals = [Deal(s, "", "", a) for s, a in zip((present + 1).tolist(), np.asarray(fen).tolist())]
    per_deal, trace = engine_commission(deals, {("", ""): tgt}, tier_list, with_trace=True)
    cum = {d.seq: d.cum_after_fen for d in per_deal}
    amount = {d.seq: d.amount_fen for d in per_deal}
    for t in trace:
        seq = int(t.seq)
        rows.append([seq, amount[seq] / 100, cum[seq] / 100, int(t.tier), float(Decimal(t.tier_from)),
                     float(Decimal(t.rate)), int(t.tier_start_fen) / 100,
                     "" if int(t.tier_end_fen) < 0 else int(t.tier_end_fen) / 100,
                     int(t.base_fen) / 100, int(t.commission_fen) / 100, TRACE_RULE[lang]])
    return rows


AWARD_NAMES = {"zh": {"breakthrough": "重大突破", "conquest": "新客户conquest"},
               "en": {"breakthrough": "major breakthrough", "conquest": "new-customer conquest"}}


def _same_size(g: Grid, other: Grid, name: str) -> Grid:
    if other.size == 1 and g.size > 1:
        return Grid(other.name, g.rows, g.cols, other.flat * g.size)  # one flag for every row
    if other.size != g.size:
        raise value_error(f"{name} has {other.size} cells but {g.name} has {g.size}: give one per row")
    return other


def awards(first_deal_amount, is_new_customer, detail=None, config=None):
    """AWARDS: whole yuan per first deal (with the award names when detail is TRUE)."""
    cfg = plan_config(config)
    g = vector(first_deal_amount, "first_deal_amount")
    flags = booleans(_same_size(g, vector(is_new_customer, "is_new_customer"), "is_new_customer"), blank=False)
    values = numbers(g, blank="nan", what="an amount in yuan")
    present = np.flatnonzero(~np.isnan(values))
    neg = present[values[present] < 0]
    if len(neg):
        raise value_error(f"{g.where(int(neg[0]))} is {values[neg[0]]:.15g}; an amount must be ≥ 0")
    fen = to_fen(values[present])
    a = cfg.awards
    line = min(a.conquest_threshold, a.breakthrough_threshold) * 100
    candidate = flags[present] & (fen > line)  # only these can earn anything: one engine call for them
    earned: dict[int, list] = {}
    if candidate.any():
        pos = present[candidate]
        deals = [Deal(p + 1, "", str(p), f, str(p), True)
                 for p, f in zip(pos.tolist(), np.asarray(fen[candidate]).tolist())]
        for award in first_deal_awards(deals, a):
            earned.setdefault(int(award.rep), []).append(award)
    lang = cfg.workbook.language
    show = boolean(detail, "detail", False)
    out = []
    for i in range(g.size):
        if np.isnan(values[i]):
            out.append(["", ""] if show else "")
            continue
        got = earned.get(i, [])
        total = xl_number(sum(x.amount_fen for x in got) // 100)
        names = "、".join(AWARD_NAMES[lang].get(x.award, x.award) for x in got)
        out.append([total, names] if show else total)
    return out if show else shaped(out, g)


def discount_ok(quote, list_price, is_first_quote, config=None):
    """DISCOUNT_OK: TRUE/FALSE per quote, shaped like the quotes."""
    cfg = plan_config(config)
    q = grid(quote, "quote")
    lp = _same_size(q, grid(list_price, "list_price"), "list_price")
    first = booleans(_same_size(q, grid(is_first_quote, "is_first_quote"), "is_first_quote"), blank=False)
    qv = numbers(q, blank="nan", what="a price in yuan")
    lv = numbers(lp, blank="nan", what="a price in yuan")
    present = np.flatnonzero(~np.isnan(qv) & ~np.isnan(lv))
    out: list = [""] * q.size
    if len(present):
        ok = discount_ok_vector(to_fen(qv[present]), to_fen(lv[present]), first[present], cfg)
        for p, v in zip(present.tolist(), ok.tolist()):
            out[p] = bool(v)
    return shaped(out, q)


def discount_ok_vector(quote_fen: np.ndarray, list_fen: np.ndarray, first: np.ndarray,
                       cfg: PlanConfig) -> np.ndarray:
    """The engine's R9 floor rule (salesplan.engine.risks.discount_ok) over arrays."""
    r = cfg.risks
    return np.array([engine_discount_ok(q, lp, f, r) for q, lp, f in
                     zip(np.asarray(quote_fen).tolist(), np.asarray(list_fen).tolist(),
                         np.asarray(first).tolist())], dtype=bool)
