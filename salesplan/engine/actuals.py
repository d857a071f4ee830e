"""Actuals: what the month's workbook computes from what people type — in pure Python.

The generated workbook recalculates everything that reacts to typed inputs with
native Excel formulas. This module computes *the same values* from the plan and a
typed :class:`WorkbookInputs`, on top of the engine's own functions
(``largest_remainder``, ``kpi_scores``, ``commission``, ``first_deal_awards``,
``champion``, ``deal_flags``, ``missed_streaks``, ``inventory_alert``,
``complaint_violation``, ``coaching_report``). The LibreOffice recalculation test
compares every computed cell of the workbook with :func:`compute_actuals`.

Semantics (identical in the sheet):

* A rep slot counts when its name is not blank. Weights are read to 6 decimals
  (``ROUND(w·10⁶)``); a blank weight is 1, a negative one 0. Personal targets are
  the largest-remainder split of the region target (exact sum, ties → earlier row).
* Rep revenue comes from the deals sheet (成交明细): the sum of valid deals
  (rep, region and a numeric amount) whose region and rep match exactly
  (case-sensitive). Region weekly revenue is what the manager types per phase.
* The "sales-plan completion" KPI (key ``completion``) is the rep's attainment
  (deals revenue / personal target); every other KPI actual is typed.
* A phase ("week" of R10) is judged only when at least one product revenue is typed.
* Deals are taken in row order (= the monthly report's order). Deals of a rep who
  is not on a region tab earn no commission and are flagged ``unknown_rep``.

Values are returned in a flat ``dict`` keyed by tuples (see :func:`compute_actuals`);
money is returned in yuan as ``float`` computed from exact integer fen, blanks as None.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from salesplan.config.model import CommissionTier
from salesplan.engine import risks as risks_mod
from salesplan.engine.allocation import largest_remainder
from salesplan.engine.bonuses import compute_bonuses
from salesplan.engine.coaching import coaching_report
from salesplan.engine.commission import rate_ppm
from salesplan.engine.kpi import kpi_scores, score_curve
from salesplan.errors import SalesPlanError
from salesplan.money import excel_round, to_decimal
from salesplan.money import to_fen as money_to_fen

YES, NO = "是", "否"
WEIGHT_SCALE = 1_000_000
COMPLETION_KEY = "completion"




class InternalError(SalesPlanError, ArithmeticError):
    """Two computations that must agree (the sheet's semantics vs an engine function) do not: a bug."""


# ----------------------------------------------------------------------------- inputs model

@dataclass
class RepRow:
    """One rep slot of a region tab (what the regional manager types)."""

    name: Any = None
    new_hire: Any = None          # "是"/"否" (or bool)
    weight: Any = None
    kpi: dict[str, Any] = field(default_factory=dict)   # KPI key (incl. "focus") -> actual
    coaching: Any = None          # coaching sessions this month
    churn: Any = None             # annual natural churn of the rep's customers


@dataclass
class PhaseRow:
    """One phase ("week") row of a region tab."""

    revenue: dict[str, Any] = field(default_factory=dict)   # product name -> yuan
    new_customers: Any = None
    complaints: Any = None
    response_hours: Any = None    # the phase's longest complaint response time
    satisfaction: Any = None
    inventory: Any = None         # customer inventory occupancy (0.30 = 30%)


@dataclass
class RegionInput:
    reps: list[RepRow] = field(default_factory=list)
    phases: list[PhaseRow] = field(default_factory=list)
    focus_target: Any = None


@dataclass
class DealRow:
    """One row of the deals sheet (成交明细); row order is the report order."""

    seq: Any = None
    date: Any = None
    rep: Any = None
    region: Any = None
    customer: Any = None
    new_customer: Any = None
    product: Any = None
    amount: Any = None            # yuan, up to 2 decimals
    contract_id: Any = None
    quote: Any = None
    list_price: Any = None
    first_quote: Any = None
    customer_region: Any = None   # 客户区域: where the customer is (R9 green channel)


@dataclass
class QuizRow:
    """One place of one week's product quiz (R8): week and place are layout, region + rep typed."""

    week: Any = None
    place: Any = None
    region: Any = None
    rep: Any = None


@dataclass
class ReferralRow:
    """One partner referral (R8): the partner, the referral level 1..n and the referred deal's amount."""

    region: Any = None
    partner: Any = None
    level: Any = None
    amount: Any = None            # yuan, up to 2 decimals
    reference: Any = None         # free text: deal #, customer (not computed)


@dataclass
class WorkbookInputs:
    regions: dict[str, RegionInput] = field(default_factory=dict)
    deals: list[DealRow] = field(default_factory=list)
    quiz: list[QuizRow] = field(default_factory=list)
    referrals: list[ReferralRow] = field(default_factory=list)


DEFAULT_REFERRAL_ROWS = 20
BLANK_DATE = 99999999         # a missing deal date sorts after every real one (champion tie-break)


def quiz_weeks(plan) -> list:
    """The dates of the month's weekly product quiz (R5 events), one per quiz week."""
    return [e.date for e in plan.events if e.key == "product_quiz"]


def quiz_slots(plan) -> list[QuizRow]:
    """Blank quiz rows: every quiz week × places 1..quiz_top_n."""
    n = max(0, plan.config.awards.quiz_top_n)
    return [QuizRow(week=w + 1, place=p + 1) for w in range(len(quiz_weeks(plan))) for p in range(n)]


def default_inputs(plan, rep_rows: int | None = None, deal_rows: int = 0,
                   referral_rows: int = DEFAULT_REFERRAL_ROWS) -> WorkbookInputs:
    """The inputs of a freshly generated workbook: config reps pre-filled, everything else blank."""
    cfg = plan.config
    n_default = rep_rows if rep_rows is not None else cfg.workbook.rep_rows
    regions = {}
    for r in cfg.regions:
        reps = [RepRow(name=x.name, new_hire=YES if x.new_hire else NO, weight=_plain(x.weight)) for x in r.reps]
        reps += [RepRow() for _ in range(max(n_default, len(reps)) - len(reps))]
        regions[r.name] = RegionInput(reps=reps, phases=[PhaseRow() for _ in plan.phases],
                                      focus_target=_plain(r.focus_target))
    return WorkbookInputs(regions, [DealRow() for _ in range(deal_rows)], quiz_slots(plan),
                          [ReferralRow() for _ in range(referral_rows)])


def _plain(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


# ----------------------------------------------------------------------------- cell semantics

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
    return v is True or v == YES


def excel_serial(d: date | datetime) -> float:
    base = datetime(1899, 12, 30)
    if isinstance(d, datetime):
        return (d - base).total_seconds() / 86400
    return float((d - base.date()).days)


def to_fen(v: Any) -> int:
    """ROUND(amount*100, 0) for a numeric cell (the deals sheet's fen column); 0 otherwise."""
    x = num(v)
    return 0 if x is None else money_to_fen(x)


def sum_fen(values) -> int:
    """ROUND(SUM(cells), 2) in fen: the exact decimal sum of the numeric cells, rounded once."""
    return money_to_fen(sum((to_decimal(x) for x in (num(v) for v in values) if x is not None), Decimal(0)))


def text(v: Any) -> str:
    """How a formula sees a text cell (blank → "")."""
    if v is None:
        return ""
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    return str(v)


# ----------------------------------------------------------------------------- main entry

def rep_slots(plan, inputs: WorkbookInputs) -> list[tuple[str, int, RepRow]]:
    """Every (region, slot, row) in sheet order — the incentives/coaching row order."""
    return [(r.name, i, row) for r in plan.config.regions for i, row in enumerate(inputs.regions[r.name].reps)]


def compute_actuals(plan, inputs: WorkbookInputs) -> dict[tuple, Any]:
    """Every value the workbook computes, keyed by a stable tuple.

    Keys (r = region name, i = rep slot, j = phase index, d = deal row index, k = tier index):
      ("rep", r, i, f)       f in W q rem rank target revenue attainment score:<kpi> kpi_score
                             min_coaching coaching_short name new_hire sessions
      ("phase", r, j, f)     f in total attainment status streak missed_flag complaint_flag inventory_flag
      ("region", r, f)       month totals and summary figures (see the code)
      ("deal", d, f)         f in fen known target cum_before cum_after tier:k commission first_new
                             breakthrough conquest report_flag support_flag discount_flag
      ("inc", r, i, f)       incentives row; ("coach", ...) coaching; ("team", f) team totals
    """
    cfg = plan.config
    out: dict[tuple, Any] = {}
    region_targets = {rt.name: rt for rt in plan.regions}
    weights = plan.kpi_weights
    score_max = float(cfg.weights.score_max)

    # ------------------------------------------------------------------ deals (fen, validity)
    deals = inputs.deals
    valid = [present(d.rep) and present(d.region) and num(d.amount) is not None for d in deals]
    fen = [to_fen(d.amount) for d in deals]
    rep_keys = {(r, text(row.name)) for r, _, row in rep_slots(plan, inputs) if present(row.name)}

    # ------------------------------------------------------------------ region tabs: reps
    rep_target: dict[tuple[str, str], int] = {}
    rep_kpi: dict[tuple[str, str], float] = {}
    for r in cfg.regions:
        rin = inputs.regions[r.name]
        T = region_targets[r.name].revenue
        named = [present(row.name) for row in rin.reps]
        W = []
        for row, nm in zip(rin.reps, named):
            if not nm:
                W.append(0)
                continue
            w = num(row.weight)
            W.append(WEIGHT_SCALE if w is None else max(0, int(excel_round(to_decimal(w) * WEIGHT_SCALE))))
        S = sum(W)
        q = [(T * w) // S if S else 0 for w in W]
        rem = [T * w - qi * S for w, qi in zip(W, q)]
        left = T - sum(q)
        rank = [sum(1 for x in rem if x > rem[i]) + sum(1 for x in rem[:i] if x == rem[i]) for i in range(len(rem))]
        if S:
            lr = largest_remainder(T, W)          # the engine's split must agree with q/rem/rank
            mine = [qi + (1 if rk < left else 0) for qi, rk in zip(q, rank)]
            if not all(a == b for a, b, w in zip(lr, mine, W) if w):
                raise InternalError(f"{r.name}: largest_remainder gives {lr}, the sheet's split gives {mine}")
        out[("region", r.name, "S")] = S
        out[("region", r.name, "focus_target_ref")] = num(rin.focus_target) or 0.0
        out[("region", r.name, "left")] = left
        table = weights[r.name]
        for kw in table:
            pk = ("param", r.name, kw.key)
            out[pk + ("target",)] = (num(rin.focus_target) or 0.0) if kw.key == "focus" else float(kw.target)
            out[pk + ("scoring",)] = kw.scoring
            out[pk + ("cap",)] = float(kw.cap)
        region_scores = []
        for i, row in enumerate(rin.reps):
            k = ("rep", r.name, i)
            out[k + ("W",)], out[k + ("q",)], out[k + ("rem",)], out[k + ("rank",)] = W[i], q[i], rem[i], rank[i]
            if not named[i]:
                for f in ("name", "new_hire", "target", "revenue", "attainment", "kpi_score", "min_coaching",
                          "coaching_short", "sessions"):
                    out[k + (f,)] = None
                for kw in table:
                    out[k + ("score:" + kw.key,)] = None
                    if kw.key == COMPLETION_KEY:
                        out[k + ("kpi:" + kw.key,)] = None
                continue
            name = text(row.name)
            target = (q[i] + (1 if rank[i] < left else 0)) if S else 0
            rep_target.setdefault((r.name, name), target)      # a duplicated name: the FIRST slot counts
            rev_fen = sum(f for d, f, ok in zip(deals, fen, valid)
                          if ok and text(d.region) == r.name and text(d.rep) == name)
            revenue = rev_fen / 100
            att = revenue / target if target > 0 else 0.0
            out[k + ("name",)] = name
            out[k + ("new_hire",)] = YES if yes(row.new_hire) else NO
            out[k + ("target",)] = target
            out[k + ("revenue",)] = revenue
            out[k + ("attainment",)] = att
            actual_row = []
            focus_t = num(inputs.regions[r.name].focus_target)
            for kw in table:
                if kw.key == COMPLETION_KEY:
                    a = att
                    out[k + ("kpi:" + kw.key,)] = att
                else:
                    a = num(row.kpi.get(kw.key))
                t = focus_t if kw.key == "focus" else float(kw.target)
                actual_row.append(np.nan if a is None else a)
                s = _score_one(a, t, kw.scoring, float(kw.cap))
                out[k + ("score:" + kw.key,)] = s
            ts = [(focus_t if kw.key == "focus" else float(kw.target)) for kw in table]
            if all(t is not None and t > 0 for t in ts):
                total = float(kpi_scores(np.array([actual_row]), ts, [kw.weight for kw in table],
                                         [kw.scoring for kw in table], [kw.cap for kw in table], score_max)[0])
            else:  # a non-positive focus target: score what can be scored (the sheet does the same)
                total = min(score_max, score_max * sum(float(kw.weight) * (out[k + ("score:" + kw.key,)] or 0)
                                                       for kw in table))
            out[k + ("kpi_score",)] = total
            rep_kpi.setdefault((r.name, name), total)
            region_scores.append(total)
            sessions = num(row.coaching) or 0.0
            minimum = cfg.coaching.new_hire_min if yes(row.new_hire) else cfg.coaching.veteran_min
            out[k + ("sessions",)] = sessions
            out[k + ("min_coaching",)] = minimum
            out[k + ("coaching_short",)] = max(0.0, minimum - sessions)
        names_txt = [text(row.name) if nm else None for row, nm in zip(rin.reps, named)]
        for i, nm in enumerate(names_txt):
            out[("rep", r.name, i, "dup")] = int(nm is not None and names_txt.count(nm) > 1)
        out[("region", r.name, "dup_names")] = sum(out[("rep", r.name, i, "dup")] for i in range(len(rin.reps)))
        out[("region", r.name, "dup_flag")] = out[("region", r.name, "dup_names")] > 0
        targets_named = [out[("rep", r.name, i, "target")] for i in range(len(rin.reps)) if named[i]]
        out[("region", r.name, "rep_target_sum")] = sum(targets_named)
        out[("region", r.name, "rep_count")] = sum(named)
        out[("region", r.name, "deals_revenue")] = sum(
            round((out[("rep", r.name, i, "revenue")] or 0.0) * 100) for i in range(len(rin.reps)) if named[i]) / 100
        out[("region", r.name, "avg_kpi")] = (sum(region_scores) / len(region_scores)) if region_scores else None

    # ------------------------------------------------------------------ region tabs: phases
    risks = cfg.risks
    for r in cfg.regions:
        rin = inputs.regions[r.name]
        products = [p.name for p in plan.products]
        phase_targets = [pt.regions[r.name] for pt in plan.phases]
        # money sums in fen (the sheet: ROUND(SUM(...), 2)), compared with the target in fen
        totals_fen, judged = [], []
        for j, (ph, pt) in enumerate(zip(rin.phases, phase_targets)):
            vals = [ph.revenue.get(p) for p in products]
            judged.append(any(num(v) is not None for v in vals))
            totals_fen.append(sum_fen(vals))
        totals = [t / 100 for t in totals_fen]
        streak_flags = risks_mod.missed_streaks([t if jd else None for t, jd in zip(totals_fen, judged)],
                                                [pt * 100 for pt in phase_targets], risks.missed_weeks)
        streak = 0
        for j, ph in enumerate(rin.phases):
            k = ("phase", r.name, j)
            pt = phase_targets[j]
            missed = totals_fen[j] < pt * 100
            streak = (streak + 1 if missed else 0) if judged[j] else 0
            out[k + ("total",)] = totals[j]
            out[k + ("attainment",)] = totals[j] / pt if judged[j] and pt > 0 else None
            out[k + ("status",)] = (("missed" if missed else "met") if judged[j] else None)
            out[k + ("streak",)] = streak
            if streak_flags[j] != (streak >= risks.missed_weeks):
                raise InternalError(f"{r.name} phase {j + 1}: risks.missed_streaks says {streak_flags[j]} but the "
                                    f"sheet's streak is {streak} (missed_weeks={risks.missed_weeks})")
            out[k + ("missed_flag",)] = streak_flags[j]
            hours = num(ph.response_hours)
            out[k + ("complaint_flag",)] = hours is not None and risks_mod.complaint_violation(hours, risks)
            occ = num(ph.inventory)
            out[k + ("inventory_flag",)] = occ is not None and risks_mod.inventory_alert(occ, risks)
        # month totals
        for p in products:
            p_fen = sum_fen([ph.revenue.get(p) for ph in rin.phases])
            out[("region", r.name, "product_actual_fen", p)] = p_fen
            out[("region", r.name, "product_actual", p)] = p_fen / 100
            tgt = region_targets[r.name].products[p]
            out[("region", r.name, "product_attainment", p)] = (
                out[("region", r.name, "product_actual", p)] / tgt if tgt > 0 else None)
        month_total = sum(totals_fen) / 100
        out[("region", r.name, "weekly_revenue_fen")] = sum(totals_fen)
        T = region_targets[r.name].revenue
        out[("region", r.name, "weekly_revenue")] = month_total
        out[("region", r.name, "attainment")] = month_total / T if T > 0 else None
        nc = [num(ph.new_customers) for ph in rin.phases]
        out[("region", r.name, "new_customers")] = sum(v for v in nc if v is not None)
        ncT = region_targets[r.name].new_customers
        out[("region", r.name, "new_customers_attainment")] = (
            out[("region", r.name, "new_customers")] / ncT if ncT > 0 else None)
        cp = [num(ph.complaints) for ph in rin.phases]
        out[("region", r.name, "complaints")] = sum(v for v in cp if v is not None)
        hrs = [num(ph.response_hours) for ph in rin.phases if num(ph.response_hours) is not None]
        out[("region", r.name, "max_hours")] = max(hrs) if hrs else None
        sat = [num(ph.satisfaction) for ph in rin.phases if num(ph.satisfaction) is not None]
        out[("region", r.name, "satisfaction")] = sum(sat) / len(sat) if sat else None
        inv = [num(ph.inventory) for ph in rin.phases if num(ph.inventory) is not None]
        out[("region", r.name, "max_inventory")] = max(inv) if inv else None
        out[("region", r.name, "flags")] = sum(
            int(bool(out[("phase", r.name, j, f)])) for j in range(len(rin.phases))
            for f in ("missed_flag", "complaint_flag", "inventory_flag"))

    # ------------------------------------------------------------------ R8 payouts: one engine call
    tiers = cfg.commission.tiers
    a_cfg = cfg.awards
    known = [ok and (text(d.region), text(d.rep)) in rep_keys for d, ok in zip(deals, valid)]
    rows = [i for i, k in enumerate(known) if k]
    vrows = [i for i, ok in enumerate(valid) if ok]
    bdf = pd.DataFrame({"seq": vrows, "region": [text(deals[i].region) for i in vrows],
                        "rep": [text(deals[i].rep) for i in vrows],
                        "customer": [text(deals[i].customer) for i in vrows],
                        "is_new_customer": [yes(deals[i].new_customer) for i in vrows],
                        "date": [_as_date(deals[i].date) for i in vrows],
                        "amount_fen": np.array([fen[i] for i in vrows], dtype=np.int64)})
    slots = rep_slots(plan, inputs)
    churn_map: dict[tuple[str, str], float | None] = {}
    for r, i, row in slots:
        if present(row.name):
            churn_map.setdefault((r, text(row.name)), num(row.churn))
    quiz_ok = [quiz_valid(plan, q, rep_keys) for q in inputs.quiz]
    places = [(text(q.region), text(q.rep), int(q.week), int(q.place)) for q, ok in zip(inputs.quiz, quiz_ok) if ok]
    ref_ok = [referral_valid(cfg, x) for x in inputs.referrals]
    refs = [(text(x.region), text(x.partner), int(num(x.level)), to_fen(x.amount))
            for x, ok in zip(inputs.referrals, ref_ok) if ok]
    bonus = compute_bonuses(cfg, bdf, rep_target, kpi_scores=rep_kpi, churn=churn_map, quiz_places=places,
                            referrals=refs, known_only=True)
    per_deal, trace, champ = bonus.per_deal, bonus.trace, bonus.champion
    comm_by_row = dict(zip(per_deal["seq"], per_deal.itertuples(index=False)))
    tier_by_row: dict[tuple[int, int], int] = {}
    base_by_row: dict[tuple[int, int], int] = {}
    for t in trace.itertuples(index=False):
        tier_by_row[(int(t.seq), int(t.tier) - 1)] = int(t.commission_fen)
        base_by_row[(int(t.seq), int(t.tier) - 1)] = int(t.base_fen)
    # awards on new customers' first deals: paid ones (rep on the roster) by deal row
    first_awards: dict[int, dict[str, int]] = {}
    for a in bonus.awards:
        if a.award in ("conquest", "breakthrough"):
            first_awards.setdefault(int(a.seq), {})[a.award] = a.amount_fen
    first_new: set[int] = set()
    if vrows:
        nd = bdf[bdf["is_new_customer"]].sort_values("seq", kind="stable").drop_duplicates("customer", keep="first")
        first_new = set(int(s) for s in nd["seq"])
    # R9 flags
    flag_codes: dict[int, set[str]] = {}
    if vrows:
        fdf = pd.DataFrame({"seq": vrows, "region": [text(deals[i].region) for i in vrows],
                            "customer_region": [text(deals[i].customer_region) for i in vrows],
                            "amount_fen": np.array([fen[i] for i in vrows], dtype=np.int64),
                            "quote_fen": [(to_fen(deals[i].quote) if num(deals[i].quote) is not None else np.nan)
                                          for i in vrows],
                            "list_price_fen": [(to_fen(deals[i].list_price) if num(deals[i].list_price) is not None
                                                else np.nan) for i in vrows],
                            "first_quote": [yes(deals[i].first_quote) for i in vrows]})
        for f in risks_mod.deal_flags(fdf, risks).itertuples(index=False):
            flag_codes.setdefault(int(f.seq), set()).add(f.code)
    deal_fields = ("known", "target", "cum_before", "cum_after", "commission", "first_new", "breakthrough",
                   "conquest", "report_flag", "support_flag", "discount_flag", "green_flag")
    for i, d in enumerate(deals):
        k = ("deal", i)
        out[k + ("fen",)] = fen[i]
        if not valid[i]:
            for f in deal_fields:
                out[k + (f,)] = None
            for t in range(len(tiers)):
                out[k + (f"tier:{t}",)] = None
            out[k + ("unknown_flag",)] = False
            continue
        out[k + ("known",)] = YES if known[i] else NO
        out[k + ("target",)] = rep_target.get((text(d.region), text(d.rep)), 0)
        key = (text(d.region), text(d.rep))
        before = sum(fen[x] for x in range(i) if valid[x] and (text(deals[x].region), text(deals[x].rep)) == key)
        if known[i]:
            if int(comm_by_row[i].cum_before_fen) != before:
                raise InternalError(f"deal row {i + 1}: cumulative revenue before is {before} fen, "
                                    f"the commission engine says {int(comm_by_row[i].cum_before_fen)}")
        out[k + ("cum_before",)] = before
        out[k + ("cum_after",)] = before + fen[i]
        total = 0
        for t in range(len(tiers)):
            c = tier_by_row.get((i, t), 0) if known[i] else 0
            out[k + (f"tier:{t}",)] = c / 100
            total += c
        if known[i]:
            if total != int(comm_by_row[i].commission_fen):
                raise InternalError(f"deal row {i + 1}: tier slices sum to {total} fen, "
                                    f"the commission engine says {int(comm_by_row[i].commission_fen)}")
        out[k + ("commission",)] = total / 100
        out[k + ("commission_fen",)] = total
        out[k + ("first_new",)] = YES if i in first_new else NO
        aw_ = first_awards.get(i, {})
        out[k + ("breakthrough",)] = aw_.get("breakthrough", 0) / 100
        out[k + ("conquest",)] = aw_.get("conquest", 0) / 100
        codes = flag_codes.get(i, set())
        out[k + ("report_flag",)] = "report_large_order" in codes
        out[k + ("support_flag",)] = "support_priority" in codes
        out[k + ("discount_flag",)] = "discount_below_floor" in codes
        out[k + ("green_flag",)] = "green_channel" in codes
        out[k + ("unknown_flag",)] = not known[i]

    # ------------------------------------------------------------------ quiz places and partner referrals
    q_award = {(a.region, a.rep, a.basis): a.amount_fen for a in bonus.awards if a.award == "quiz"}
    for s, (q, ok) in enumerate(zip(inputs.quiz, quiz_ok)):
        k = ("quiz", s)
        if not present(q.rep):
            out[k + ("award",)] = None
            out[k + ("unknown_flag",)] = False
            continue
        on_roster = (text(q.region), text(q.rep)) in rep_keys
        amt = q_award.get((text(q.region), text(q.rep), f"week {int(q.week)}: place {int(q.place)}"), 0) if ok else 0
        out[k + ("award",)] = amt / 100
        out[k + ("unknown_flag",)] = not on_roster
    ref_award = [a for a in bonus.awards if a.award == "referral"]
    n = 0
    for s, (x, ok) in enumerate(zip(inputs.referrals, ref_ok)):
        k = ("ref", s)
        if not ok:
            out[k + ("rate",)] = None
            out[k + ("award",)] = None
            continue
        a = ref_award[n]
        n += 1
        out[k + ("rate",)] = float(a_cfg.referral_rates[int(num(x.level)) - 1])
        out[k + ("award",)] = a.amount_fen / 100

    # ------------------------------------------------------------------ incentives & coaching
    st = bonus.statements.set_index(["region", "rep"]) if len(bonus.statements) else None
    later = later_duplicates(slots)
    for r, i, row in slots:
        k = ("inc", r, i)
        base = ("rep", r, i)
        if (r, i) in later:      # a repeated name is paid on its first slot; this one shows 0 (R3 flag)
            for f in ("deal_count", "commission", "conquest", "breakthrough", "retention", "quiz", "champion_prize",
                      "payout", "payout_fen", "h_rev", "h_date"):
                out[k + (f,)] = 0
            for t in range(len(tiers)):
                out[k + (f"tier:{t}",)] = 0
            out[k + ("champion",)] = False
            out[k + ("h_kpi",)] = out[base + ("kpi_score",)]
            out[k + ("h_row",)] = None
            continue
        if not present(row.name):
            for f in ("deal_count", "commission", "conquest", "breakthrough", "retention", "quiz", "champion",
                      "champion_prize", "payout"):
                out[k + (f,)] = None
            for t in range(len(tiers)):
                out[k + (f"tier:{t}",)] = None
            out[k + ("h_rev",)] = 0
            out[k + ("h_kpi",)] = 0
            out[k + ("h_row",)] = None
            out[k + ("h_date",)] = 0
            out[k + ("better",)] = None
            continue
        name = text(row.name)
        srow = st.loc[(r, name)]
        mine = [x for x in range(len(deals)) if known[x] and text(deals[x].region) == r and text(deals[x].rep) == name]
        out[k + ("deal_count",)] = len(mine)
        tot = 0
        for t in range(len(tiers)):
            c = sum(tier_by_row.get((x, t), 0) for x in mine)
            out[k + (f"tier:{t}",)] = c / 100
            tot += c
        if tot != int(srow["commission_fen"]):
            raise InternalError(f"{r} / {name}: deal commissions sum to {tot} fen, "
                                f"the statement says {int(srow['commission_fen'])}")
        out[k + ("commission",)] = tot / 100
        for f in ("conquest", "breakthrough", "retention", "quiz", "champion"):
            out[k + ((f if f != "champion" else "champion_prize"),)] = int(srow[f + "_fen"]) / 100
        out[k + ("champion",)] = champ is not None and (champ.region, champ.rep) == (r, name)
        out[k + ("payout",)] = int(srow["total_fen"]) / 100
        out[k + ("payout_fen",)] = int(srow["total_fen"])
        # tie-break helpers as the sheet computes them
        out[k + ("h_rev",)] = sum(fen[x] for x in mine)
        out[k + ("h_kpi",)] = out[base + ("kpi_score",)]
        last = max(mine) if mine else None
        out[k + ("h_row",)] = last  # deal row index (the writer maps it to a sheet row)
        out[k + ("h_date",)] = (num(deals[last].date) if num(deals[last].date) is not None else BLANK_DATE) \
            if last is not None else 0
    # ranking helper: candidates ahead of each rep (revenue, configured tie-breaks, report order)
    cands = [(r, i) for r, i, row in slots if present(row.name) and out[("inc", r, i, "deal_count")]]

    def ahead(a, b) -> bool:   # is candidate a ranked ahead of b?
        ka, kb = ("inc",) + a, ("inc",) + b
        if out[ka + ("h_rev",)] != out[kb + ("h_rev",)]:
            return out[ka + ("h_rev",)] > out[kb + ("h_rev",)]
        for rule in a_cfg.champion_tiebreak:
            if rule == "kpi_score" and out[ka + ("h_kpi",)] != out[kb + ("h_kpi",)]:
                return out[ka + ("h_kpi",)] > out[kb + ("h_kpi",)]
            if rule == "earliest_total_date" and out[ka + ("h_date",)] != out[kb + ("h_date",)]:
                return out[ka + ("h_date",)] < out[kb + ("h_date",)]
        return (out[ka + ("h_row",)] or 0) < (out[kb + ("h_row",)] or 0)

    for r, i, row in slots:
        if present(row.name):
            out[("inc", r, i, "better")] = sum(1 for c in cands if c != (r, i) and ahead(c, (r, i)))
    sums = ["deal_count", "commission", "conquest", "breakthrough", "retention", "quiz", "champion_prize",
            "payout"] + [f"tier:{t}" for t in range(len(tiers))]
    for f in sums:
        vals = [out[("inc", r, i, f)] for r, i, row in slots if present(row.name)]
        out[("team", f)] = (sum(vals) if f == "deal_count" else sum(round(v * 100) for v in vals) / 100)

    # ------------------------------------------------------------------ rep statements (个人奖金明细)
    _statements(out, plan, inputs, deals, fen, known, rows, slots, tier_by_row, base_by_row, first_awards, bonus)
    # dashboard
    avgs = {r.name: out[("region", r.name, "avg_kpi")] for r in cfg.regions}
    for r in cfg.regions:
        a = avgs[r.name]
        out[("region", r.name, "kpi_rank")] = None if a is None else 1 + sum(
            1 for b in avgs.values() if b is not None and b > a)
    for p in plan.products:
        act = sum(out[("region", r.name, "product_actual_fen", p.name)] for r in cfg.regions) / 100
        out[("product", p.name, "actual")] = act
        out[("product", p.name, "attainment")] = act / p.revenue if p.revenue > 0 else None
    cum_fen = 0
    for j, _ in enumerate(plan.phases):
        cum_fen += sum(round(out[("phase", r.name, j, "total")] * 100) for r in cfg.regions)
        out[("burnup", j)] = cum_fen / 100
    out[("team", "champion")] = None if champ is None else f"{champ.region} {champ.rep}"
    report = coaching_report([(r, text(row.name), yes(row.new_hire), int(num(row.coaching) or 0))
                              for r, i, row in slots if present(row.name)], cfg.coaching)
    out[("team", "coaching_total")] = float(sum(num(row.coaching) or 0 for r, i, row in slots
                                                if present(row.name)))
    out[("team", "coaching_minimum")] = report.team_minimum
    out[("team", "coaching_short")] = max(0.0, report.team_minimum - out[("team", "coaching_total")])
    out[("team", "reps_short")] = sum(1 for r, i, row in slots if present(row.name)
                                      and out[("rep", r, i, "coaching_short")] > 0)
    out[("team", "payout")] = sum(out[("inc", r, i, "payout_fen")] for r, i, row in slots if present(row.name)) / 100
    out[("team", "commission")] = sum(round(out[("inc", r, i, "commission")] * 100) for r, i, row in slots
                                      if present(row.name)) / 100
    return out


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


def quiz_valid(plan, q: QuizRow, rep_keys) -> bool:
    """A quiz place that pays: a rep on the roster, a place the config rewards."""
    a = plan.config.awards
    return (present(q.rep) and (text(q.region), text(q.rep)) in rep_keys and q.place is not None
            and 1 <= int(q.place) <= min(a.quiz_top_n, len(a.quiz_awards)))


def referral_valid(cfg, x: ReferralRow) -> bool:
    """A referral row that pays: a partner, a whole level 1..len(rates), a numeric amount."""
    lv = num(x.level)
    return (present(x.partner) and lv is not None and lv == int(lv) and 1 <= lv <= len(cfg.awards.referral_rates)
            and num(x.amount) is not None)


def _statements(out, plan, inputs, deals, fen, known, rows, slots, tier_by_row, base_by_row, first_awards,
                bonus) -> None:
    """The 个人奖金明细 sheet: deal lines grouped by rep (slot order, then report order), one
    summary row per rep, and the reconciliation block."""
    cfg = plan.config
    n_t = len(cfg.commission.tiers)
    slot_of: dict[tuple[str, str], int] = {}
    for n, (r, i, row) in enumerate(slots):
        if present(row.name):
            slot_of.setdefault((r, text(row.name)), n + 1)   # the first slot of a name (as the sheet's INDEX)
    order = sorted(rows, key=lambda x: (slot_of[(text(deals[x].region), text(deals[x].rep))], x))
    for x in range(len(deals)):
        out[("stmt_key", x)] = (slot_of[(text(deals[x].region), text(deals[x].rep))] * 1_000_000 + x + 1
                                if known[x] else None)
    prev_key, running = None, 0
    for k in range(len(deals)):
        s = ("stmt", k)
        if k >= len(order):
            for f in ("row", "region", "rep", "seq", "date", "customer", "amount", "cum_before", "cum_after",
                      "commission", "award", "rule", "line_total", "running"):
                out[s + (f,)] = None
            for t in range(n_t):
                out[s + (f"slice:{t}",)] = None
                out[s + (f"tier:{t}",)] = None
            continue
        x = order[k]
        d = deals[x]
        key = (text(d.region), text(d.rep))
        out[s + ("row",)] = x + 1
        out[s + ("region",)] = key[0]
        out[s + ("rep",)] = key[1]
        out[s + ("seq",)] = d.seq if present(d.seq) else None
        out[s + ("date",)] = num(d.date)
        out[s + ("customer",)] = text(d.customer)
        out[s + ("amount",)] = fen[x] / 100
        out[s + ("cum_before",)] = out[("deal", x, "cum_before")] / 100
        out[s + ("cum_after",)] = out[("deal", x, "cum_after")] / 100
        for t in range(n_t):
            out[s + (f"slice:{t}",)] = base_by_row.get((x, t), 0) / 100
            out[s + (f"tier:{t}",)] = tier_by_row.get((x, t), 0) / 100
        comm = out[("deal", x, "commission_fen")]
        aw_ = first_awards.get(x, {})
        award = aw_.get("conquest", 0) + aw_.get("breakthrough", 0)
        out[s + ("commission",)] = comm / 100
        out[s + ("award",)] = award / 100
        out[s + ("rule",)] = tuple(a for a in ("breakthrough", "conquest") if aw_.get(a, 0) > 0)
        running = (running if key == prev_key else 0) + comm + award
        prev_key = key
        out[s + ("line_total",)] = (comm + award) / 100
        out[s + ("running",)] = running / 100
    st = bonus.statements.set_index(["region", "rep"]) if len(bonus.statements) else None
    later = later_duplicates(slots)
    for r, i, row in slots:
        s = ("srep", r, i)
        if (r, i) in later:      # paid on the name's first slot
            for f in ("deal_count", "revenue", "commission", "first_awards", "retention", "quiz", "quiz_places",
                      "champion_prize", "total", "inc_payout"):
                out[s + (f,)] = 0
            out[s + ("churn",)] = num(row.churn)
            out[s + ("check",)] = "✓"
            continue
        if not present(row.name):
            for f in ("deal_count", "revenue", "commission", "first_awards", "retention", "churn", "quiz",
                      "quiz_places", "champion_prize", "total", "inc_payout", "check"):
                out[s + (f,)] = None
            continue
        name = text(row.name)
        srow = st.loc[(r, name)]
        mine = [x for x in order if (text(deals[x].region), text(deals[x].rep)) == (r, name)]
        out[s + ("deal_count",)] = len(mine)
        out[s + ("revenue",)] = int(srow["revenue_fen"]) / 100
        out[s + ("commission",)] = int(srow["commission_fen"]) / 100
        out[s + ("first_awards",)] = (int(srow["conquest_fen"]) + int(srow["breakthrough_fen"])) / 100
        out[s + ("retention",)] = int(srow["retention_fen"]) / 100
        out[s + ("churn",)] = num(row.churn)
        out[s + ("quiz",)] = int(srow["quiz_fen"]) / 100
        out[s + ("quiz_places",)] = sum(1 for q in inputs.quiz if (text(q.region), text(q.rep)) == (r, name)
                                        and present(q.rep))
        out[s + ("champion_prize",)] = int(srow["champion_fen"]) / 100
        out[s + ("total",)] = int(srow["total_fen"]) / 100
        out[s + ("inc_payout",)] = out[("inc", r, i, "payout_fen")] / 100
        out[s + ("check",)] = "✓" if int(srow["total_fen"]) == out[("inc", r, i, "payout_fen")] else "✗"
    t = bonus.totals
    named = [(r, i) for r, i, row in slots if present(row.name)]
    for f in ("deal_count", "revenue", "commission", "first_awards", "retention", "quiz", "champion_prize", "total",
              "inc_payout"):
        vals = [out[("srep", r, i, f)] for r, i in named]
        out[("stmt_team", f)] = sum(vals) if f == "deal_count" else sum(round(v * 100) for v in vals) / 100
    stmt_sum = sum(round(out[("srep", r, i, "total")] * 100) for r, i in named)
    # (a duplicated name — flagged R3 — is paid on its first slot only, so Σ rows = the engine's statements)
    out[("recon", "statements")] = stmt_sum / 100
    out[("recon", "incentives")] = sum(out[("inc", r, i, "payout_fen")] for r, i in named) / 100
    out[("recon", "trace")] = t["trace_fen"] / 100
    out[("recon", "awards")] = t["awards_fen"] / 100
    out[("recon", "trace_plus_awards")] = (t["trace_fen"] + t["awards_fen"]) / 100
    ok = stmt_sum == t["trace_fen"] + t["awards_fen"] == round(out[("recon", "incentives")] * 100)
    out[("recon", "check")] = "recon_ok" if ok else "recon_bad"
    out[("recon", "referral")] = t["referral_fen"] / 100
    out[("recon", "payout")] = t["payout_fen"] / 100


def _score_one(actual: float | None, target: float | None, scoring: str, cap: float) -> float:
    if actual is None:
        return 0.0
    if target is None or target <= 0:
        return 0.0
    return float(score_curve([actual], target, scoring, cap)[0])


def _as_date(v: Any):
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    x = num(v)
    return None if x is None else x


def tier_ppm(tiers: tuple[CommissionTier, ...]) -> list[tuple[int, int]]:
    """(from ppm, rate ppm) per tier, as the setup sheet's helper cells hold them."""
    return [(rate_ppm(t.start), rate_ppm(t.rate)) for t in tiers]
