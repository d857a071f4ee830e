"""R8 payouts of the month's workbook: one call to the engine's ``compute_bonuses``.

Every sheet that shows money (成交明细, 激励, 个人奖金明细, 竞赛与推荐) reads it from
the :class:`Payouts` record built here, so commission slices, first-deal awards and the
champion are computed once, by the engine.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from salesplan.engine import risks as risks_mod
from salesplan.engine.actuals.basis import DealBasis, counted_deals
from salesplan.engine.actuals.cells import num, present, rep_slots, text, to_fen, yes
from salesplan.engine.actuals.region import Roster
from salesplan.engine.awards import first_deals
from salesplan.engine.commission import DealCommission
from salesplan.engine.bonuses import BonusResult, compute_bonuses
from salesplan.engine.deal import Deal

__all__ = ["Payouts", "payouts", "quiz_valid", "referral_valid", "statement_rows"]


@dataclass(frozen=True)
class Payouts:
    bonus: BonusResult
    by_row: dict[int, DealCommission]            # deal row -> the engine's per-deal commission (paid deals)
    tier: dict[tuple[int, int], int]             # (deal row, tier index) -> commission fen of that slice
    base: dict[tuple[int, int], int]             # (deal row, tier index) -> revenue fen in that slice
    first_awards: dict[int, dict[str, int]]      # deal row -> {"conquest"/"breakthrough": fen} (paid)
    first_new: frozenset[int]                    # deal rows that are a new customer's first deal
    flags: dict[int, frozenset[str]]             # deal row -> R9 flag codes
    quiz_ok: tuple[bool, ...]
    referral_ok: tuple[bool, ...]


def statement_rows(pay: Payouts) -> dict[tuple[str, str], dict]:
    """The engine's statement of each (region, rep) as a plain dict."""
    return {(s.region, s.rep): s._asdict() for s in pay.bonus.statements}


def quiz_valid(plan, q, rep_keys) -> bool:
    """A quiz place that pays: a rep on the roster, a place the config rewards."""
    a = plan.config.awards
    return (present(q.rep) and (text(q.region), text(q.rep)) in rep_keys and q.place is not None
            and 1 <= int(q.place) <= min(a.quiz_top_n, len(a.quiz_awards)))


def referral_valid(cfg, x) -> bool:
    """A referral row that pays: a partner, a whole level 1..len(rates), a numeric amount."""
    lv = num(x.level)
    return (present(x.partner) and lv is not None and lv == int(lv) and 1 <= lv <= len(cfg.awards.referral_rates)
            and num(x.amount) is not None)


def _money_or_none(v):
    return to_fen(v) if num(v) is not None else None


def valid_deal_flags(plan, inputs, paid: Sequence[Deal]) -> dict[int, frozenset[str]]:
    """R9 flags of every valid deal (the engine's deal_flags)."""
    quotes = []
    for d in paid:
        row = inputs.deals[d.seq]
        quotes.append(risks_mod.DealQuote(d.seq, d.region, d.amount_fen, text(row.customer_region),
                                          _money_or_none(row.quote), _money_or_none(row.list_price),
                                          yes(row.first_quote)))
    codes: dict[int, set[str]] = {}
    for f in risks_mod.deal_flags(quotes, plan.config.risks):
        codes.setdefault(int(f.seq), set()).add(f.code)
    return {k: frozenset(v) for k, v in codes.items()}


def payouts(plan, inputs, basis: DealBasis, roster: Roster) -> Payouts:
    cfg = plan.config
    bdf = counted_deals(inputs.deals)
    churn: dict[tuple[str, str], float | None] = {}
    for r, _, row in rep_slots(plan, inputs):
        if present(row.name):
            churn.setdefault((r, text(row.name)), num(row.churn))
    quiz_ok = tuple(quiz_valid(plan, q, basis.rep_keys) for q in inputs.quiz)
    places = [(text(q.region), text(q.rep), int(q.week), int(q.place)) for q, ok in zip(inputs.quiz, quiz_ok) if ok]
    ref_ok = tuple(referral_valid(cfg, x) for x in inputs.referrals)
    refs = [(text(x.region), text(x.partner), int(num(x.level)), to_fen(x.amount))
            for x, ok in zip(inputs.referrals, ref_ok) if ok]
    bonus = compute_bonuses(cfg, bdf, roster.targets, kpi_scores=roster.kpi, churn=churn, quiz_places=places,
                            referrals=refs, known_only=True)
    tier, base = {}, {}
    for t in bonus.trace:
        tier[(int(t.seq), int(t.tier) - 1)] = int(t.commission_fen)
        base[(int(t.seq), int(t.tier) - 1)] = int(t.base_fen)
    first_awards: dict[int, dict[str, int]] = {}
    for a in bonus.awards:
        if a.award in ("conquest", "breakthrough"):
            first_awards.setdefault(int(a.seq), {})[a.award] = a.amount_fen
    first_new = frozenset(d.seq for d in first_deals(bdf))
    return Payouts(bonus, {d.seq: d for d in bonus.per_deal}, tier, base,
                   first_awards, first_new, valid_deal_flags(plan, inputs, bdf), quiz_ok, ref_ok)
