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
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from salesplan.config.model import CommissionTier
from salesplan.engine import awards as awards_mod
from salesplan.engine import risks as risks_mod
from salesplan.engine.allocation import largest_remainder
from salesplan.engine.coaching import coaching_report
from salesplan.engine.commission import commission as commission_engine
from salesplan.engine.commission import rate_ppm
from salesplan.engine.kpi import kpi_scores, score_curve

YES, NO = "是", "否"
WEIGHT_SCALE = 1_000_000
COMPLETION_KEY = "completion"


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


@dataclass
class WorkbookInputs:
    regions: dict[str, RegionInput] = field(default_factory=dict)
    deals: list[DealRow] = field(default_factory=list)


def default_inputs(plan, rep_rows: int | None = None, deal_rows: int = 0) -> WorkbookInputs:
    """The inputs of a freshly generated workbook: config reps pre-filled, everything else blank."""
    cfg = plan.config
    n_default = rep_rows if rep_rows is not None else cfg.workbook.rep_rows
    regions = {}
    for r in cfg.regions:
        reps = [RepRow(name=x.name, new_hire=YES if x.new_hire else NO, weight=_plain(x.weight)) for x in r.reps]
        reps += [RepRow() for _ in range(max(n_default, len(reps)) - len(reps))]
        regions[r.name] = RegionInput(reps=reps, phases=[PhaseRow() for _ in plan.phases],
                                      focus_target=_plain(r.focus_target))
    return WorkbookInputs(regions, [DealRow() for _ in range(deal_rows)])


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


def round_half_up(x: float | Decimal, digits: int = 0) -> Decimal:
    d = Decimal(repr(x)) if isinstance(x, float) else Decimal(x)
    return d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def to_fen(v: Any) -> int:
    """ROUND(amount*100, 0) for a numeric cell (the deals sheet's fen column); 0 otherwise."""
    x = num(v)
    return 0 if x is None else int(round_half_up(Decimal(repr(x)) * 100))


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
            W.append(WEIGHT_SCALE if w is None else max(0, int(round_half_up(Decimal(repr(w)) * WEIGHT_SCALE))))
        S = sum(W)
        q = [(T * w) // S if S else 0 for w in W]
        rem = [T * w - qi * S for w, qi in zip(W, q)]
        left = T - sum(q)
        rank = [sum(1 for x in rem if x > rem[i]) + sum(1 for x in rem[:i] if x == rem[i]) for i in range(len(rem))]
        if S:
            lr = largest_remainder(T, W)          # the engine's split must agree with q/rem/rank
            mine = [qi + (1 if rk < left else 0) for qi, rk in zip(q, rank)]
            assert all(a == b for a, b, w in zip(lr, mine, W) if w), (lr, mine)
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
            rep_target[(r.name, name)] = target
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
            rep_kpi[(r.name, name)] = total
            region_scores.append(total)
            sessions = num(row.coaching) or 0.0
            minimum = cfg.coaching.new_hire_min if yes(row.new_hire) else cfg.coaching.veteran_min
            out[k + ("sessions",)] = sessions
            out[k + ("min_coaching",)] = minimum
            out[k + ("coaching_short",)] = max(0.0, minimum - sessions)
        targets_named = [out[("rep", r.name, i, "target")] for i in range(len(rin.reps)) if named[i]]
        out[("region", r.name, "rep_target_sum")] = sum(targets_named)
        out[("region", r.name, "rep_count")] = sum(named)
        out[("region", r.name, "deals_revenue")] = sum(
            (out[("rep", r.name, i, "revenue")] or 0.0) for i in range(len(rin.reps)) if named[i])
        out[("region", r.name, "avg_kpi")] = (sum(region_scores) / len(region_scores)) if region_scores else None

    # ------------------------------------------------------------------ region tabs: phases
    risks = cfg.risks
    for r in cfg.regions:
        rin = inputs.regions[r.name]
        products = [p.name for p in plan.products]
        phase_targets = [pt.regions[r.name] for pt in plan.phases]
        totals, judged = [], []
        for j, (ph, pt) in enumerate(zip(rin.phases, phase_targets)):
            vals = [num(ph.revenue.get(p)) for p in products]
            is_judged = any(v is not None for v in vals)
            total = sum(v for v in vals if v is not None)
            totals.append(total)
            judged.append(is_judged)
        streak_flags = risks_mod.missed_streaks([t if jd else None for t, jd in zip(totals, judged)],
                                                phase_targets, risks.missed_weeks)
        streak = 0
        for j, ph in enumerate(rin.phases):
            k = ("phase", r.name, j)
            pt = phase_targets[j]
            streak = (streak + 1 if totals[j] < pt else 0) if judged[j] else 0
            out[k + ("total",)] = totals[j]
            out[k + ("attainment",)] = totals[j] / pt if judged[j] and pt > 0 else None
            out[k + ("status",)] = (("missed" if totals[j] < pt else "met") if judged[j] else None)
            out[k + ("streak",)] = streak
            assert streak_flags[j] == (streak >= risks.missed_weeks)
            out[k + ("missed_flag",)] = streak_flags[j]
            hours = num(ph.response_hours)
            out[k + ("complaint_flag",)] = hours is not None and risks_mod.complaint_violation(hours, risks)
            occ = num(ph.inventory)
            out[k + ("inventory_flag",)] = occ is not None and risks_mod.inventory_alert(occ, risks)
        # month totals
        for p in products:
            vals = [num(ph.revenue.get(p)) for ph in rin.phases]
            out[("region", r.name, "product_actual", p)] = sum(v for v in vals if v is not None)
            tgt = region_targets[r.name].products[p]
            out[("region", r.name, "product_attainment", p)] = (
                out[("region", r.name, "product_actual", p)] / tgt if tgt > 0 else None)
        month_total = sum(totals)
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

    # ------------------------------------------------------------------ deals sheet
    tiers = cfg.commission.tiers
    known = [ok and (text(d.region), text(d.rep)) in rep_keys for d, ok in zip(deals, valid)]
    rows = [i for i, k in enumerate(known) if k]
    per_deal = trace = None
    if rows:
        df = pd.DataFrame({"seq": rows, "region": [text(deals[i].region) for i in rows],
                           "rep": [text(deals[i].rep) for i in rows],
                           "amount_fen": np.array([fen[i] for i in rows], dtype=np.int64)})
        per_deal, trace = commission_engine(df, rep_target, tiers, with_trace=True)
    comm_by_row = {} if per_deal is None else dict(zip(per_deal["seq"], per_deal.itertuples(index=False)))
    tier_by_row: dict[tuple[int, int], int] = {}
    if trace is not None:
        for t in trace.itertuples(index=False):
            tier_by_row[(int(t.seq), int(t.tier) - 1)] = int(t.commission_fen)
    # awards on new customers' first deals, among valid deals
    vrows = [i for i, ok in enumerate(valid) if ok]
    first_awards: dict[int, dict[str, int]] = {}
    first_new: set[int] = set()
    if vrows:
        adf = pd.DataFrame({"seq": vrows, "region": [text(deals[i].region) for i in vrows],
                            "rep": [text(deals[i].rep) for i in vrows],
                            "customer": [text(deals[i].customer) for i in vrows],
                            "is_new_customer": [yes(deals[i].new_customer) for i in vrows],
                            "amount_fen": np.array([fen[i] for i in vrows], dtype=np.int64)})
        nd = adf[adf["is_new_customer"]].sort_values("seq", kind="stable").drop_duplicates("customer", keep="first")
        first_new = set(int(s) for s in nd["seq"])
        seq_of = {(text(deals[i].customer), i) for i in first_new}
        for a in awards_mod.first_deal_awards(adf, cfg.awards):
            # map the award back to its row: the first new-customer deal of that rep & basis
            seq = int(a.basis.split("#")[1].split()[0])
            first_awards.setdefault(seq, {})[a.award] = a.amount_fen
        del seq_of
    # R9 flags
    flag_codes: dict[int, set[str]] = {}
    if vrows:
        fdf = pd.DataFrame({"seq": vrows, "amount_fen": np.array([fen[i] for i in vrows], dtype=np.int64),
                            "quote_fen": [(to_fen(deals[i].quote) if num(deals[i].quote) is not None else np.nan)
                                          for i in vrows],
                            "list_price_fen": [(to_fen(deals[i].list_price) if num(deals[i].list_price) is not None
                                                else np.nan) for i in vrows],
                            "first_quote": [yes(deals[i].first_quote) for i in vrows]})
        for f in risks_mod.deal_flags(fdf, risks).itertuples(index=False):
            flag_codes.setdefault(int(f.seq), set()).add(f.code)
    for i, d in enumerate(deals):
        k = ("deal", i)
        out[k + ("fen",)] = fen[i]
        if not valid[i]:
            for f in ("known", "target", "cum_before", "cum_after", "commission", "first_new", "breakthrough",
                      "conquest", "report_flag", "support_flag", "discount_flag"):
                out[k + (f,)] = None
            for t in range(len(tiers)):
                out[k + (f"tier:{t}",)] = None
            continue
        out[k + ("known",)] = YES if known[i] else NO
        out[k + ("target",)] = rep_target.get((text(d.region), text(d.rep)), 0)
        key = (text(d.region), text(d.rep))
        before = sum(fen[x] for x in range(i) if valid[x] and (text(deals[x].region), text(deals[x].rep)) == key)
        if known[i]:
            pd_row = comm_by_row[i]
            assert int(pd_row.cum_before_fen) == before
        out[k + ("cum_before",)] = before
        out[k + ("cum_after",)] = before + fen[i]
        total = 0
        for t in range(len(tiers)):
            c = tier_by_row.get((i, t), 0) if known[i] else 0
            out[k + (f"tier:{t}",)] = c / 100
            total += c
        if known[i]:
            assert total == int(comm_by_row[i].commission_fen)
        out[k + ("commission",)] = total / 100
        out[k + ("commission_fen",)] = total
        out[k + ("first_new",)] = YES if i in first_new else NO
        aw = first_awards.get(i, {})
        out[k + ("breakthrough",)] = aw.get("breakthrough", 0) / 100
        out[k + ("conquest",)] = aw.get("conquest", 0) / 100
        codes = flag_codes.get(i, set())
        out[k + ("report_flag",)] = "report_large_order" in codes
        out[k + ("support_flag",)] = "support_priority" in codes
        out[k + ("discount_flag",)] = "discount_below_floor" in codes
        out[k + ("unknown_flag",)] = not known[i]
    for i, ok in enumerate(valid):
        if not ok:
            out[("deal", i, "unknown_flag")] = False

    # ------------------------------------------------------------------ incentives & coaching
    slots = rep_slots(plan, inputs)
    a_cfg = cfg.awards
    champ = None
    if rows:
        cdf = pd.DataFrame({"seq": rows, "region": [text(deals[i].region) for i in rows],
                            "rep": [text(deals[i].rep) for i in rows],
                            "date": [_as_date(deals[i].date) for i in rows],
                            "amount_fen": np.array([fen[i] for i in rows], dtype=np.int64)})
        champ = awards_mod.champion(cdf, rep_kpi, a_cfg.champion_tiebreak)
    churn_map = {}
    for r, i, row in slots:
        k = ("inc", r, i)
        base = ("rep", r, i)
        if not present(row.name):
            for f in ("deal_count", "commission", "conquest", "breakthrough", "retention", "champion",
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
        mine = [x for x in range(len(deals)) if known[x] and text(deals[x].region) == r and text(deals[x].rep) == name]
        out[k + ("deal_count",)] = len(mine)
        tot = 0
        for t in range(len(tiers)):
            c = sum(tier_by_row.get((x, t), 0) for x in mine)
            out[k + (f"tier:{t}",)] = c / 100
            tot += c
        out[k + ("commission",)] = tot / 100
        mine_valid = [x for x in range(len(deals)) if valid[x] and text(deals[x].region) == r
                      and text(deals[x].rep) == name]
        conquest = sum(first_awards.get(x, {}).get("conquest", 0) for x in mine_valid)
        breakthrough = sum(first_awards.get(x, {}).get("breakthrough", 0) for x in mine_valid)
        out[k + ("conquest",)] = conquest / 100
        out[k + ("breakthrough",)] = breakthrough / 100
        ch = num(row.churn)
        churn_map[(r, name)] = ch
        ret = awards_mod.retention_awards({(r, name): ch}, a_cfg)
        retention = sum(a.amount_fen for a in ret)
        out[k + ("retention",)] = retention / 100
        is_champ = champ is not None and (champ.region, champ.rep) == (r, name)
        out[k + ("champion",)] = is_champ
        prize = a_cfg.champion_prize_value * 100 if is_champ else 0
        out[k + ("champion_prize",)] = prize / 100
        out[k + ("payout",)] = (tot + conquest + breakthrough + retention + prize) / 100
        out[k + ("payout_fen",)] = tot + conquest + breakthrough + retention + prize
        # tie-break helpers as the sheet computes them
        out[k + ("h_rev",)] = sum(fen[x] for x in mine)
        out[k + ("h_kpi",)] = out[base + ("kpi_score",)]
        last = max(mine) if mine else None
        out[k + ("h_row",)] = last  # deal row index (the writer maps it to a sheet row)
        out[k + ("h_date",)] = num(deals[last].date) if (last is not None and num(deals[last].date) is not None) \
            else 0
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
    sums = ["deal_count", "commission", "conquest", "breakthrough", "retention", "champion_prize", "payout"] + \
        [f"tier:{t}" for t in range(len(tiers))]
    for f in sums:
        vals = [out[("inc", r, i, f)] for r, i, row in slots if present(row.name)]
        out[("team", f)] = (sum(vals) if f == "deal_count" else sum(round(v * 100) for v in vals) / 100)
    # dashboard
    avgs = {r.name: out[("region", r.name, "avg_kpi")] for r in cfg.regions}
    for r in cfg.regions:
        a = avgs[r.name]
        out[("region", r.name, "kpi_rank")] = None if a is None else 1 + sum(
            1 for b in avgs.values() if b is not None and b > a)
    for p in plan.products:
        act = sum(out[("region", r.name, "product_actual", p.name)] for r in cfg.regions)
        out[("product", p.name, "actual")] = act
        out[("product", p.name, "attainment")] = act / p.revenue if p.revenue > 0 else None
    cum = 0.0
    for j, _ in enumerate(plan.phases):
        cum += sum(out[("phase", r.name, j, "total")] for r in cfg.regions)
        out[("burnup", j)] = cum
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
