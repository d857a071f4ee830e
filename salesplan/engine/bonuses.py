"""R8 payouts from the month's data: commission + awards → one statement per rep.

The statement is what finance pays and what a rep checks by hand: every yuan traces
to a deal (commission slices) or an award row (rule, basis). Totals reconcile exactly:
Σ statements = Σ commission trace + Σ awards.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from salesplan.config.model import PlanConfig
from salesplan.engine import awards as aw
from salesplan.engine.commission import commission

AWARD_KINDS = ("champion", "conquest", "breakthrough", "retention", "quiz", "referral")


@dataclass(frozen=True)
class BonusResult:
    per_deal: pd.DataFrame            # seq, region, rep, amount_fen, cum_before_fen, cum_after_fen, commission_fen
    trace: pd.DataFrame               # one row per deal × tier slice
    awards: list[aw.Award]
    champion: aw.Champion | None
    statements: pd.DataFrame          # one row per rep: revenue, target, commission, each award, total (fen)
    totals: dict[str, int] = field(default_factory=dict)


def compute_bonuses(config: PlanConfig, deals: pd.DataFrame, rep_targets: Mapping[tuple[str, str], int], *,
                    kpi_scores: Mapping[tuple[str, str], float] | None = None,
                    churn: Mapping[tuple[str, str], float | None] | None = None,
                    quiz_places: Iterable[tuple[str, str, int, int]] = (),
                    referrals: Iterable[tuple[str, str, int, int]] = ()) -> BonusResult:
    """Everything R8 pays for the month. ``deals`` must already exclude unstamped contracts (R11)."""
    per_deal, trace = commission(deals, rep_targets, config.commission.tiers)
    champ = aw.champion(deals, kpi_scores, config.awards.champion_tiebreak)
    award_rows: list[aw.Award] = []
    if champ is not None:
        award_rows.append(aw.Award(champ.region, champ.rep, "champion", config.awards.champion_prize_value * 100,
                                   "R8 销售champion",
                                   f"rank 1 on revenue ¥{champ.revenue_fen / 100:,.2f} (decided by {champ.decided_by}); "
                                   f"prize: {config.awards.champion_prize}"))
    award_rows += aw.first_deal_awards(deals, config.awards)
    award_rows += aw.retention_awards(churn or {}, config.awards)
    award_rows += aw.quiz_awards(quiz_places, config.awards)
    award_rows += aw.referral_awards(referrals, config.awards)

    keys = list(dict.fromkeys(list(rep_targets) + [(a.region, a.rep) for a in award_rows]))
    st = pd.DataFrame(keys, columns=["region", "rep"]) if keys else pd.DataFrame(columns=["region", "rep"])
    st["target_yuan"] = [int(rep_targets.get(k, 0)) for k in keys]
    revenue = per_deal.groupby(["region", "rep"])["amount_fen"].sum()
    comm = per_deal.groupby(["region", "rep"])["commission_fen"].sum()
    idx = pd.MultiIndex.from_frame(st[["region", "rep"]]) if keys else pd.MultiIndex.from_tuples([], names=["region", "rep"])
    st["revenue_fen"] = revenue.reindex(idx, fill_value=0).to_numpy(dtype="int64")
    st["commission_fen"] = comm.reindex(idx, fill_value=0).to_numpy(dtype="int64")
    for kind in AWARD_KINDS:
        sums: dict[tuple[str, str], int] = {}
        for a in award_rows:
            if a.award == kind:
                sums[(a.region, a.rep)] = sums.get((a.region, a.rep), 0) + a.amount_fen
        st[f"{kind}_fen"] = [sums.get(k, 0) for k in keys]
    st["total_fen"] = st["commission_fen"] + st[[f"{k}_fen" for k in AWARD_KINDS]].sum(axis=1)
    totals = {
        "commission_fen": int(per_deal["commission_fen"].sum()),
        "trace_fen": int(trace["commission_fen"].sum()) if len(trace) else 0,
        "awards_fen": sum(a.amount_fen for a in award_rows),
        "statements_fen": int(st["total_fen"].sum()),
    }
    if totals["statements_fen"] != totals["commission_fen"] + totals["awards_fen"] \
            or totals["trace_fen"] != totals["commission_fen"]:  # pragma: no cover - a bug, never data
        raise ArithmeticError(f"bonus totals do not reconcile: {totals}")
    return BonusResult(per_deal, trace, award_rows, champ, st, totals)
