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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from salesplan.engine.params import PlanConfig
from salesplan.engine import awards as aw
from salesplan.engine.commission import Commissions, Trace, commission
from salesplan.engine.deal import Deal

AWARD_KINDS = ("champion", "conquest", "breakthrough", "retention", "quiz", "referral")
REP_AWARD_KINDS = ("champion", "conquest", "breakthrough", "retention", "quiz")


class Statement(NamedTuple):
    """One rep's month: what finance pays (fen), each part named."""
    region: str
    rep: str
    target_yuan: int
    revenue_fen: int
    commission_fen: int
    champion_fen: int
    conquest_fen: int
    breakthrough_fen: int
    retention_fen: int
    quiz_fen: int
    total_fen: int


class PartnerReward(NamedTuple):
    region: str
    partner: str
    referral_fen: int


@dataclass(frozen=True)
class BonusResult:
    per_deal: Commissions             # the paid deals in report order (rows as columns)
    trace: Trace                      # one row per deal × tier slice
    awards: list[aw.Award]            # every paid award (rep awards and partner referrals)
    champion: aw.Champion | None
    statements: list[Statement]       # one per rep: targets' order, then award-only names
    totals: dict[str, int] = field(default_factory=dict)
    partners: list[PartnerReward] = field(default_factory=list)
    unpaid: list[aw.Award] = field(default_factory=list)   # awards on names not on the roster (known_only)


def compute_bonuses(config: PlanConfig, deals: Sequence[Deal], rep_targets: Mapping[tuple[str, str], int], *,
                    kpi_scores: Mapping[tuple[str, str], float] | None = None,
                    churn: Mapping[tuple[str, str], float | None] | None = None,
                    quiz_places: Iterable[tuple[str, str, int, int]] = (),
                    referrals: Iterable[tuple[str, str, int, int]] = (),
                    known_only: bool = False) -> BonusResult:
    """Everything R8 pays for the month. ``deals`` must already exclude unstamped contracts (R11).

    ``rep_targets`` orders the statements.
    """
    a_cfg = config.awards
    paid = paid_deals(deals, rep_targets, known_only)
    per_deal, trace = commission(paid, rep_targets, config.commission.tiers)
    champ = aw.champion(paid, kpi_scores, a_cfg.champion_tiebreak)
    rep_awards = _rep_awards(a_cfg, deals, champ, churn, quiz_places)
    unpaid: list[aw.Award] = []
    if known_only:
        unpaid = [a for a in rep_awards if (a.region, a.rep) not in rep_targets]
        rep_awards = [a for a in rep_awards if (a.region, a.rep) in rep_targets]
    referral_rows = aw.referral_awards(referrals, a_cfg)
    st = _statements(per_deal, revenue_by_rep(paid), rep_targets, rep_awards)
    partners = [PartnerReward(r, p, v) for (r, p), v in _sum_by_rep(referral_rows).items()]
    totals = {
        "commission_fen": sum(per_deal.commission_fen),
        "trace_fen": sum(trace.commission_fen),
        "awards_fen": sum(a.amount_fen for a in rep_awards),
        "statements_fen": sum(s.total_fen for s in st),
        "referral_fen": sum(a.amount_fen for a in referral_rows),
        "unpaid_fen": sum(a.amount_fen for a in unpaid),
    }
    totals["payout_fen"] = totals["statements_fen"] + totals["referral_fen"]
    if totals["statements_fen"] != totals["commission_fen"] + totals["awards_fen"] \
            or totals["trace_fen"] != totals["commission_fen"]:  # pragma: no cover - a bug, never data
        raise ArithmeticError(f"bonus totals do not reconcile: {totals}")
    return BonusResult(per_deal, trace, rep_awards + referral_rows, champ, st, totals, partners, unpaid)


def paid_deals(deals: Sequence[Deal], rep_targets: Mapping[tuple[str, str], int], known_only: bool) -> list[Deal]:
    """The deals that earn commission and count for revenue and champion (``known_only``: a
    rep with a personal target)."""
    return [d for d in deals if (d.region, d.rep) in rep_targets] if known_only else list(deals)


def revenue_by_rep(deals: Iterable[Deal]) -> dict[tuple[str, str], int]:
    """Each rep's revenue (fen): the sum of their paid deals."""
    out: dict[tuple[str, str], int] = {}
    for d in deals:
        key = (d.region, d.rep)
        out[key] = out.get(key, 0) + d.amount_fen
    return out


def _rep_awards(a_cfg, deals: Sequence[Deal], champ, churn, quiz_places) -> list[aw.Award]:
    """Champion, first-deal, retention and quiz awards (before the roster check)."""
    out: list[aw.Award] = []
    if champ is not None:
        out.append(aw.Award(champ.region, champ.rep, "champion", a_cfg.champion_prize_value * 100,
                            "R8 销售champion",
                            f"rank 1 on revenue ¥{champ.revenue_fen / 100:,.2f} (decided by {champ.decided_by}); "
                            f"prize: {a_cfg.champion_prize}"))
    out += aw.first_deal_awards(deals, a_cfg)
    out += aw.retention_awards(churn or {}, a_cfg)
    out += aw.quiz_awards(quiz_places, a_cfg)
    return out


def _sum_by_rep(awards: Iterable[aw.Award]) -> dict[tuple[str, str], int]:
    sums: dict[tuple[str, str], int] = {}
    for a in awards:
        sums[(a.region, a.rep)] = sums.get((a.region, a.rep), 0) + a.amount_fen
    return sums


def _statements(per_deal: Commissions, revenue: Mapping[tuple[str, str], int], rep_targets,
                rep_awards: list[aw.Award]) -> list[Statement]:
    """One per rep (targets' order, then award-only names): revenue, commission, each award, total (fen)."""
    comm: dict[tuple[str, str], int] = {}
    for key, paid in zip(zip(per_deal.region, per_deal.rep), per_deal.commission_fen):
        comm[key] = comm.get(key, 0) + paid
    by_kind = {kind: _sum_by_rep(a for a in rep_awards if a.award == kind) for kind in REP_AWARD_KINDS}
    out = []
    for key in dict.fromkeys(list(rep_targets) + [(a.region, a.rep) for a in rep_awards]):
        parts = [by_kind[kind].get(key, 0) for kind in REP_AWARD_KINDS]
        c = comm.get(key, 0)
        out.append(Statement(key[0], key[1], int(rep_targets.get(key, 0)), revenue.get(key, 0), c, *parts,
                             c + sum(parts)))
    return out
