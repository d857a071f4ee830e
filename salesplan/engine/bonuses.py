"""R8 payouts from the month's data: commission + awards → one statement per rep.

The statement is what finance pays and what a rep checks by hand: every yuan traces
to a deal (commission slices) or an award row (rule, basis). Totals reconcile exactly:
Σ rep statements = Σ commission trace + Σ rep awards, and the month's payout is
Σ rep statements + Σ partner referral rewards (partners are not reps).

This is the one place the R8 payouts are computed: the workbook's semantics
(:func:`salesplan.engine.actuals.compute_actuals`) call it, so no rule is computed twice.

``known_only`` (the workbook's semantics): deals of a rep without a personal target
(not on a region tab) earn no commission and cannot be champion; they still count when
deciding which deal is a new customer's first, but an award on them is not paid — it is
listed in ``unpaid`` (as are quiz places of such names). Without ``known_only`` such a
deal is an input error (the commission engine names it).

Champion tie-break ``earliest_total_date``: a deal without a date cannot prove it came
first, so a missing date sorts after every dated one (among contenders that all lack a
date the rule decides nothing and the next rule applies).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from salesplan.engine.params import PlanConfig
from salesplan.engine import awards as aw
from salesplan.engine.commission import commission

AWARD_KINDS = ("champion", "conquest", "breakthrough", "retention", "quiz", "referral")
REP_AWARD_KINDS = ("champion", "conquest", "breakthrough", "retention", "quiz")


@dataclass(frozen=True)
class BonusResult:
    per_deal: pd.DataFrame            # seq, region, rep, amount_fen, cum_before_fen, cum_after_fen, commission_fen
    trace: pd.DataFrame               # one row per deal × tier slice
    awards: list[aw.Award]            # every paid award (rep awards and partner referrals)
    champion: aw.Champion | None
    statements: pd.DataFrame          # one row per rep: revenue, target, commission, each rep award, total (fen)
    totals: dict[str, int] = field(default_factory=dict)
    partners: pd.DataFrame = None     # one row per (region, partner): referral_fen
    unpaid: list[aw.Award] = field(default_factory=list)   # awards on names not on the roster (known_only)


def date_key(v) -> float:
    """Sort key of a deal date for the champion tie-break: Excel serial; missing → +inf."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return math.inf
    try:
        if pd.isna(v):
            return math.inf
    except (TypeError, ValueError):
        pass
    if isinstance(v, datetime):
        return (v - datetime(1899, 12, 30)).total_seconds() / 86400
    if isinstance(v, date):
        return float((v - date(1899, 12, 30)).days)
    if isinstance(v, pd.Timestamp):
        return date_key(v.to_pydatetime())
    return float(v)


def date_keys(values: list) -> list[float]:
    """:func:`date_key` of each value; a month of deals has few distinct dates, each converted once."""
    cache: dict = {}
    out = []
    for v in values:
        try:
            out.append(cache[v])
        except KeyError:
            out.append(cache.setdefault(v, date_key(v)))
        except TypeError:       # an unhashable cell value
            out.append(date_key(v))
    return out


def compute_bonuses(config: PlanConfig, deals: pd.DataFrame, rep_targets: Mapping[tuple[str, str], int], *,
                    kpi_scores: Mapping[tuple[str, str], float] | None = None,
                    churn: Mapping[tuple[str, str], float | None] | None = None,
                    quiz_places: Iterable[tuple[str, str, int, int]] = (),
                    referrals: Iterable[tuple[str, str, int, int]] = (),
                    known_only: bool = False) -> BonusResult:
    """Everything R8 pays for the month. ``deals`` must already exclude unstamped contracts (R11).

    ``deals`` columns: seq (report order), region, rep, amount_fen, and for the awards
    customer, is_new_customer, date (optional). ``rep_targets`` orders the statements.
    """
    a_cfg = config.awards
    if known_only and len(deals):
        roster = pd.MultiIndex.from_tuples(list(rep_targets)) if rep_targets else None
        hit = (pd.MultiIndex.from_arrays([deals["region"], deals["rep"]]).isin(roster) if roster is not None
               else [False] * len(deals))
        on_roster = pd.Series(hit, index=deals.index, dtype=bool)
    else:
        on_roster = pd.Series(True, index=deals.index, dtype=bool)
    paid_deals = deals[on_roster]
    per_deal, trace = commission(paid_deals, rep_targets, config.commission.tiers)
    cdf = paid_deals
    if "date" in cdf.columns:
        cdf = cdf.assign(date=date_keys(cdf["date"].tolist()))
    champ = aw.champion(cdf, kpi_scores, a_cfg.champion_tiebreak) if len(cdf) else None
    rep_awards = _rep_awards(a_cfg, deals, champ, churn, quiz_places)
    unpaid: list[aw.Award] = []
    if known_only:
        unpaid = [a for a in rep_awards if (a.region, a.rep) not in rep_targets]
        rep_awards = [a for a in rep_awards if (a.region, a.rep) in rep_targets]
    referral_rows = aw.referral_awards(referrals, a_cfg)
    st = _statements(per_deal, rep_targets, rep_awards)
    partners = pd.DataFrame([(r, p, v) for (r, p), v in _sum_by_rep(referral_rows).items()],
                            columns=["region", "partner", "referral_fen"])
    totals = {
        "commission_fen": int(per_deal["commission_fen"].sum()),
        "trace_fen": int(trace["commission_fen"].sum()) if len(trace) else 0,
        "awards_fen": sum(a.amount_fen for a in rep_awards),
        "statements_fen": int(st["total_fen"].sum()),
        "referral_fen": sum(a.amount_fen for a in referral_rows),
        "unpaid_fen": sum(a.amount_fen for a in unpaid),
    }
    totals["payout_fen"] = totals["statements_fen"] + totals["referral_fen"]
    if totals["statements_fen"] != totals["commission_fen"] + totals["awards_fen"] \
            or totals["trace_fen"] != totals["commission_fen"]:  # pragma: no cover - a bug, never data
        raise ArithmeticError(f"bonus totals do not reconcile: {totals}")
    return BonusResult(per_deal, trace, rep_awards + referral_rows, champ, st, totals, partners, unpaid)


def _rep_awards(a_cfg, deals: pd.DataFrame, champ, churn, quiz_places) -> list[aw.Award]:
    """Champion, first-deal, retention and quiz awards (before the roster check)."""
    out: list[aw.Award] = []
    if champ is not None:
        out.append(aw.Award(champ.region, champ.rep, "champion", a_cfg.champion_prize_value * 100,
                            "R8 销售champion",
                            f"rank 1 on revenue ¥{champ.revenue_fen / 100:,.2f} (decided by {champ.decided_by}); "
                            f"prize: {a_cfg.champion_prize}"))
    if len(deals) and {"customer", "is_new_customer"} <= set(deals.columns):
        out += aw.first_deal_awards(deals, a_cfg)
    out += aw.retention_awards(churn or {}, a_cfg)
    out += aw.quiz_awards(quiz_places, a_cfg)
    return out


def _sum_by_rep(awards: Iterable[aw.Award]) -> dict[tuple[str, str], int]:
    sums: dict[tuple[str, str], int] = {}
    for a in awards:
        sums[(a.region, a.rep)] = sums.get((a.region, a.rep), 0) + a.amount_fen
    return sums


def _statements(per_deal: pd.DataFrame, rep_targets, rep_awards: list[aw.Award]) -> pd.DataFrame:
    """One row per rep (targets' order, then award-only names): revenue, commission, each award, total (fen)."""
    keys = list(dict.fromkeys(list(rep_targets) + [(a.region, a.rep) for a in rep_awards]))
    st = pd.DataFrame(keys, columns=["region", "rep"]) if keys else pd.DataFrame(columns=["region", "rep"])
    st["target_yuan"] = [int(rep_targets.get(k, 0)) for k in keys]
    revenue = per_deal.groupby(["region", "rep"])["amount_fen"].sum()
    comm = per_deal.groupby(["region", "rep"])["commission_fen"].sum()
    idx = (pd.MultiIndex.from_frame(st[["region", "rep"]]) if keys
           else pd.MultiIndex.from_tuples([], names=["region", "rep"]))
    st["revenue_fen"] = revenue.reindex(idx, fill_value=0).to_numpy(dtype="int64")
    st["commission_fen"] = comm.reindex(idx, fill_value=0).to_numpy(dtype="int64")
    for kind in REP_AWARD_KINDS:
        sums = _sum_by_rep(a for a in rep_awards if a.award == kind)
        st[f"{kind}_fen"] = [sums.get(k, 0) for k in keys]
    st["total_fen"] = st["commission_fen"] + st[[f"{k}_fen" for k in REP_AWARD_KINDS]].sum(axis=1)
    return st
