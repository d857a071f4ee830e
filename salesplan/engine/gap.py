"""What it takes (冲刺指引): how far each rep and region is, and what one more deal would pay.

Pure engine: plan + typed figures in, exact figures out (money in integer fen). Every
payout figure comes from :func:`salesplan.engine.bonuses.compute_bonuses` (commission
tiers, champion tie-break, first-deal awards), so no R8 rule is written twice here:
a what-if *is* "append the deal and recompute".

Definitions (the JSON contract in docs/gap.md repeats them):

* **as of** — a date inside the plan month (a date outside is clamped to it). Deals
  dated after it are not counted; undated deals are.
* **tier** — the commission tier the rep's *next* yuan earns: the highest tier whose
  boundary ROUND(target × from, 0) ≤ revenue (the commission engine's slices are
  [start, end), so at exactly a boundary the higher tier applies).
* **to next tier** — next boundary − revenue; ``None`` in the top tier.
* **to 80 / 100 / 120** — ROUND(target × p, 0) − revenue, never below 0 (the same
  rounding as a tier boundary).
* **to champion** — the smallest deal which, reported after every other deal and dated
  the as-of date, would make the rep champion: leader's revenue − rep's revenue when the
  configured tie-break (KPI score, then the date that reached the total, then report
  order) would give the tie to the rep, else one fen more. 0 for the champion; with no
  deals at all, one fen.
* **daily needed** — to 100 % ÷ working days strictly after the as-of date (China
  calendar with the plan's extra holidays / working days), ROUND to the fen; ``None``
  when no working day is left and the target is not yet met.
* **region** — revenue = its reps' deals; to target; the phase holding the as-of date
  and **to phase target** = Σ phase targets up to and including that phase − revenue
  (where the region should stand at the phase's end), never below 0; new customers
  needed = the region's new-customer target − new customers typed on its tab.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from datetime import date, timedelta
from decimal import Decimal

from salesplan.engine.params import CommissionTier, PlanConfig
from salesplan.engine import awards as aw
from salesplan.engine.awards import date_key
from salesplan.engine.bonuses import REP_AWARD_KINDS, BonusResult, compute_bonuses, paid_deals, revenue_by_rep
from salesplan.engine.commission import boundary_fen
from salesplan.engine.deal import Deal
from salesplan.engine.plan import Plan, holiday_calendar
from salesplan.money import excel_round, round_div_half_away, to_decimal

NEAR_TIER_SHARE = Decimal("0.1")     # "close to the next tier": to_next_tier ≤ 10 % of that tier's boundary
MARKS = (("to_80", Decimal("0.8")), ("to_100", Decimal("1")), ("to_120", Decimal("1.2")))
WHATIF_CUSTOMER = "（假设新客户 what-if new customer {n}）"
EXCEL_EPOCH = date(1899, 12, 30)


# ----------------------------------------------------------------------------- inputs

@dataclass(frozen=True)
class RepInput:
    """One rep on a region tab: the personal target and what the tie-break / retention need."""

    region: str
    rep: str
    target_yuan: int
    kpi_score: float = 0.0
    churn: float | None = None


@dataclass(frozen=True)
class GapInputs:
    """The month's typed figures, as the engine needs them (``deals``: the rows that count; a
    date is a ``datetime.date``, an Excel serial number, or None)."""

    reps: tuple[RepInput, ...]
    deals: tuple[Deal, ...]
    new_customers: Mapping[str, int] = field(default_factory=dict)   # region -> typed new customers
    quiz_places: tuple[tuple[str, str, int, int], ...] = ()
    referrals: tuple[tuple[str, str, int, int], ...] = ()

    def rep_targets(self) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for r in self.reps:
            out.setdefault((r.region, r.rep), r.target_yuan)       # a duplicated name: the first counts
        return out

    def kpi_scores(self) -> dict[tuple[str, str], float]:
        out: dict[tuple[str, str], float] = {}
        for r in self.reps:
            out.setdefault((r.region, r.rep), float(r.kpi_score))
        return out

    def churn(self) -> dict[tuple[str, str], float | None]:
        out: dict[tuple[str, str], float | None] = {}
        for r in self.reps:
            out.setdefault((r.region, r.rep), r.churn)
        return out


def near_next_tier(r: "RepGap") -> bool:
    """Within :data:`NEAR_TIER_SHARE` of the next tier: to_next_tier ≤ 10 % of the next boundary
    (revenue + to_next_tier). The workbook's conditional formatting uses the same test."""
    if r.to_next_tier_fen is None:
        return False
    return r.to_next_tier_fen <= NEAR_TIER_SHARE * (r.revenue_fen + r.to_next_tier_fen)


def clamp_as_of(plan: Plan, as_of: date | None = None) -> date:
    """The as-of date: ``as_of`` (default today) clamped into the plan month."""
    d = as_of or date.today()
    month = plan.config.month
    return min(max(d, month.first_day), month.last_day)


def working_days_left(plan: Plan, as_of: date) -> int:
    """Working days strictly after ``as_of`` up to the month's last day (China calendar)."""
    last = plan.config.month.last_day
    if as_of >= last:
        return 0
    return len(holiday_calendar(plan.config).working_days(date.fromordinal(as_of.toordinal() + 1), last))


def deals_as_of(deals: Sequence[Deal], as_of: date) -> tuple[Deal, ...]:
    """Deals dated on or before ``as_of``; undated deals always count."""
    return tuple(d for d in deals if (day := _day(d.date)) is None or day <= as_of)


def _day(v) -> date | None:
    """A deal's date as a calendar day: a date, or an Excel serial number's day."""
    if isinstance(v, date):
        return v
    return EXCEL_EPOCH + timedelta(days=int(v)) if isinstance(v, (int, float)) else None


def bonuses(config: PlanConfig, gi: GapInputs, deals: Sequence[Deal] | None = None) -> BonusResult:
    """The R8 payouts of ``gi`` (or of ``deals`` instead of its own) — the workbook's semantics."""
    return compute_bonuses(config, gi.deals if deals is None else deals, gi.rep_targets(),
                           kpi_scores=gi.kpi_scores(), churn=gi.churn(), quiz_places=gi.quiz_places,
                           referrals=gi.referrals, known_only=True)


def typed_gap_inputs(plan: Plan, inputs, values: Mapping, deals: Sequence[Deal] | None = None) -> GapInputs:
    """The engine's inputs from a workbook's typed inputs (``salesplan.engine.records.WorkbookInputs``)
    and the values the workbook computes from them (``compute_actuals``: each rep's personal
    target and KPI score, each region's typed new customers) — the workbook's own semantics."""
    from salesplan.engine import actuals as act
    deals = act.counted_deals(inputs.deals) if deals is None else tuple(deals)
    reps: list[RepInput] = []
    rep_keys = set()
    for region, i, row in act.rep_slots(plan, inputs):
        name = values.get(("rep", region, i, "name"))
        if name is None:
            continue
        rep_keys.add((region, name))
        reps.append(RepInput(region, name, int(values[("rep", region, i, "target")]),
                             float(values[("rep", region, i, "kpi_score")] or 0.0), act.num(row.churn)))
    quiz = tuple((act.text(q.region), act.text(q.rep), int(q.week), int(q.place)) for q in inputs.quiz
                 if act.quiz_valid(plan, q, rep_keys))
    refs = tuple((act.text(x.region), act.text(x.partner), int(act.num(x.level)), act.to_fen(x.amount))
                 for x in inputs.referrals if act.referral_valid(plan.config, x))
    new_customers = {r.name: int(excel_round(to_decimal(values.get(("region", r.name, "new_customers")) or 0)))
                     for r in plan.config.regions}
    return GapInputs(tuple(reps), deals, new_customers, quiz, refs)


# ----------------------------------------------------------------------------- gap figures

@dataclass(frozen=True)
class RepGap:
    region: str
    rep: str
    revenue_fen: int
    target_yuan: int
    attainment: Decimal | None        # revenue / target to 4 decimals; None for a zero target
    tier: int                         # 1-based commission tier the next yuan earns
    tier_rate: Decimal
    to_next_tier_fen: int | None
    next_tier_rate: Decimal | None
    to_80_fen: int
    to_100_fen: int
    to_120_fen: int
    to_champion_fen: int
    daily_needed_fen: int | None


@dataclass(frozen=True)
class RegionGap:
    region: str
    revenue_fen: int
    target_yuan: int
    to_target_fen: int
    phase: int
    phase_name: str
    phase_target_yuan: int            # cumulative: phases 1..phase
    to_phase_target_fen: int
    new_customers: int
    new_customers_target: int
    new_customers_needed: int


@dataclass(frozen=True)
class Gap:
    as_of: date
    working_days_left: int
    reps: list[RepGap]
    regions: list[RegionGap]
    champion: aw.Champion | None


def tier_position(revenue_fen: int, target_yuan: int, tiers: Sequence[CommissionTier]) -> tuple[int, int | None]:
    """(1-based tier the next yuan earns, fen to the next tier's boundary or None in the top tier)."""
    bounds = _tier_bounds(target_yuan, tuple(t.start for t in tiers))
    k = max(i for i, b in enumerate(bounds) if b <= revenue_fen) if bounds[0] <= revenue_fen else 0
    return k + 1, (bounds[k + 1] - revenue_fen if k + 1 < len(bounds) else None)


# A team's targets repeat (a region's reps often share one): each distinct target's
# boundaries are computed once — the commission engine's own boundary_fen.
@lru_cache(maxsize=4096)
def _tier_bounds(target_yuan: int, starts: tuple[Decimal, ...]) -> tuple[int, ...]:
    """ROUND(target × start, 0) yuan of each start, in fen (a tier's boundary; also the 80 % /
    100 % / 120 % marks, a rep's distance to which is never below 0)."""
    return tuple(boundary_fen(target_yuan, s) for s in starts)


_MARK_SHARES = tuple(share for _, share in MARKS)


class _ChampionGap:
    """Fen a rep needs to become champion; the tie itself is decided by :func:`awards.champion`."""

    def __init__(self, config: PlanConfig, deals: Sequence[Deal], champ: aw.Champion | None,
                 kpi: Mapping[tuple[str, str], float], as_of: date):
        self.champ, self.kpi, self.tiebreak = champ, kpi, config.awards.champion_tiebreak
        self._wins: dict[int, bool] = {}
        if champ is not None:
            last = max((d for d in deals if (d.region, d.rep) == (champ.region, champ.rep)), key=lambda d: d.seq)
            self._leader_row = (last.seq, date_key(last.date))
            self._next_seq = max(d.seq for d in deals) + 1
            self._as_of_key = date_key(as_of)

    def __call__(self, key: tuple[str, str], revenue_fen: int) -> int:
        c = self.champ
        if c is None:
            return 1
        if key == (c.region, c.rep):
            return 0
        need = c.revenue_fen - revenue_fen
        if need <= 0:
            return 1     # already level and lost the tie: any further deal passes
        return need if self._wins_tie(key) else need + 1

    def _wins_tie(self, key: tuple[str, str]) -> bool:
        # The rule is lexicographic on (KPI score, reaching date, report order) and the rep's
        # hypothetical deal has a fixed date and seq: only the KPI comparison varies.
        c = self.champ
        mine, theirs = float(self.kpi.get(key, 0.0)), float(self.kpi.get((c.region, c.rep), 0.0))
        sign = (mine > theirs) - (mine < theirs)
        if sign not in self._wins:
            pair = [Deal(self._leader_row[0], "L", "L", c.revenue_fen, date=self._leader_row[1]),
                    Deal(self._next_seq, "X", "X", c.revenue_fen, date=self._as_of_key)]
            got = aw.champion(pair, {("L", "L"): theirs, ("X", "X"): theirs + sign}, self.tiebreak)
            self._wins[sign] = got is not None and got.rep == "X"
        return self._wins[sign]


def compute_gap(plan: Plan, gi: GapInputs, as_of: date | None = None, *, every_deal: bool = False) -> Gap:
    """Every rep's and region's gap as of ``as_of`` (default today, clamped to the month).

    ``every_deal`` — count every typed deal whatever its date (the workbook's gap columns and
    冲刺指引 sheet stand on the region tabs' revenue, which counts every deal); the as-of date
    then sets only the working days left, the current phase and the champion what-if's date."""
    cfg = plan.config
    day = clamp_as_of(plan, as_of)
    left = working_days_left(plan, day)
    deals = gi.deals if every_deal else deals_as_of(gi.deals, day)
    targets, kpi = gi.rep_targets(), gi.kpi_scores()
    # what R8 counts (compute_bonuses' own steps): the gap needs revenue and the champion, not payouts
    paid = paid_deals(deals, targets, known_only=True)
    revenue = revenue_by_rep(paid)
    champ = aw.champion(paid, kpi, cfg.awards.champion_tiebreak)
    to_champ = _ChampionGap(cfg, deals, champ, kpi, day)
    tiers = cfg.commission.tiers
    reps: list[RepGap] = []
    for key, target in targets.items():
        r = revenue.get(key, 0)
        tier, to_next = tier_position(r, target, tiers)
        to80, to100, to120 = (max(0, b - r) for b in _tier_bounds(target, _MARK_SHARES))
        daily = 0 if to100 == 0 else (round_div_half_away(to100, left) if left else None)
        att = (Decimal(r) / (Decimal(target) * 100)).quantize(Decimal("0.0001")) if target > 0 else None
        reps.append(RepGap(key[0], key[1], r, target, att, tier, tiers[tier - 1].rate, to_next,
                           tiers[tier].rate if to_next is not None else None,
                           to80, to100, to120, to_champ(key, r), daily))
    return Gap(day, left, reps, region_gaps(plan, gi, revenue, day), champ)


def region_gaps(plan: Plan, gi: GapInputs, revenue: Mapping[tuple[str, str], int], day: date) -> list[RegionGap]:
    phase_index = next((j for j, pt in enumerate(plan.phases) if pt.phase.start <= day <= pt.phase.end),
                       len(plan.phases) - 1)
    current = plan.phases[phase_index].phase
    by_region: dict[str, int] = {}
    for (region, _), v in revenue.items():
        by_region[region] = by_region.get(region, 0) + v
    out = []
    for rt in plan.regions:
        rev = by_region.get(rt.name, 0)
        upto = sum(pt.regions[rt.name] for pt in plan.phases[: phase_index + 1])
        nc = int(gi.new_customers.get(rt.name, 0))
        out.append(RegionGap(rt.name, rev, rt.revenue, max(0, rt.revenue * 100 - rev), current.number,
                             current.name_zh, upto, max(0, upto * 100 - rev), nc, rt.new_customers,
                             max(0, rt.new_customers - nc)))
    return out


# ----------------------------------------------------------------------------- what a deal would pay

@dataclass(frozen=True)
class NewDeal:
    region: str
    rep: str
    amount_fen: int
    new_customer: bool = False


def with_deals(gi: GapInputs, new: Iterable[NewDeal], on: date) -> tuple[GapInputs, list[int]]:
    """``gi`` with ``new`` appended after every deal in report order, dated ``on``.

    A new customer's deal gets a customer name of its own (so it is that customer's first
    deal); any other what-if deal is an existing customer's (no first-deal award).
    Returns the new inputs and the report-order numbers (seq) of the added deals.
    """
    base = gi.deals
    start = max(d.seq for d in base) + 1 if base else 1
    added = tuple(Deal(start + n, d.region, d.rep, int(d.amount_fen),
                       WHATIF_CUSTOMER.format(n=n + 1) if d.new_customer else "", bool(d.new_customer), on)
                  for n, d in enumerate(new))
    return replace(gi, deals=tuple(base) + added), [d.seq for d in added]


@dataclass(frozen=True)
class RepWhatif:
    region: str
    rep: str
    before: dict[str, int]            # statement fields in fen: commission_fen, <award>_fen, total_fen
    after: dict[str, int]
    slices: list[dict]                # the added deals' commission slices (tier, rate, base_fen, commission_fen)
    awards_before: list[aw.Award]
    awards_after: list[aw.Award]

    @property
    def delta_fen(self) -> int:
        return self.after["total_fen"] - self.before["total_fen"]


STATEMENT_FIELDS = ("revenue_fen", "commission_fen") + tuple(f"{k}_fen" for k in REP_AWARD_KINDS) + ("total_fen",)


def whatif(config: PlanConfig, before: GapInputs, after: GapInputs, added_seqs: Sequence[int],
           touched: Iterable[tuple[str, str]] = ()) -> list[RepWhatif]:
    """Payout before and after for the ``touched`` reps and every rep whose payout changed
    (a new champion dethrones the old one), in statement order."""
    b, a = bonuses(config, before), bonuses(config, after)
    rows_b, rows_a = _statement_rows(b), _statement_rows(a)
    wanted = set(touched)
    added = set(int(s) for s in added_seqs)
    out = []
    for key in dict.fromkeys(list(rows_a) + list(rows_b)):
        sb = rows_b.get(key, dict.fromkeys(STATEMENT_FIELDS, 0))
        sa = rows_a.get(key, dict.fromkeys(STATEMENT_FIELDS, 0))
        if key not in wanted and sa == sb:
            continue
        tr = a.trace
        slices = [{"seq": s, "tier": k, "rate": Decimal(rate), "base_fen": base, "commission_fen": paid}
                  for s, region, rep, k, rate, base, paid in zip(tr.seq, tr.region, tr.rep, tr.tier, tr.rate,
                                                                 tr.base_fen, tr.commission_fen)
                  if s in added and (region, rep) == key]
        out.append(RepWhatif(key[0], key[1], sb, sa, slices,
                             [x for x in b.awards if (x.region, x.rep) == key and x.award != "referral"],
                             [x for x in a.awards if (x.region, x.rep) == key and x.award != "referral"]))
    return out


def _statement_rows(result: BonusResult) -> dict[tuple[str, str], dict[str, int]]:
    return {(s.region, s.rep): {f: getattr(s, f) for f in STATEMENT_FIELDS} for s in result.statements}


# ----------------------------------------------------------------------------- the JSON contract (docs/gap.md)

def yuan_text(fen: int | None) -> str | None:
    """Money in the JSON contract: yuan with exactly 2 decimals, as a string (exact; None stays None)."""
    if fen is None:
        return None
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(int(fen)) // 100}.{abs(int(fen)) % 100:02d}"


def _dec(d: Decimal | None) -> str | None:
    return None if d is None else str(d)


def rep_gap_dict(r: RepGap) -> dict:
    return {"region": r.region, "rep": r.rep, "revenue": yuan_text(r.revenue_fen),
            "target": yuan_text(r.target_yuan * 100), "attainment": _dec(r.attainment), "tier": r.tier,
            "tier_rate": _dec(r.tier_rate), "to_next_tier": yuan_text(r.to_next_tier_fen),
            "next_tier_rate": _dec(r.next_tier_rate), "to_80": yuan_text(r.to_80_fen),
            "to_100": yuan_text(r.to_100_fen), "to_120": yuan_text(r.to_120_fen),
            "to_champion": yuan_text(r.to_champion_fen), "daily_needed": yuan_text(r.daily_needed_fen)}


def region_gap_dict(r: RegionGap) -> dict:
    return {"region": r.region, "revenue": yuan_text(r.revenue_fen), "target": yuan_text(r.target_yuan * 100),
            "to_target": yuan_text(r.to_target_fen), "phase": r.phase, "phase_name": r.phase_name,
            "phase_target": yuan_text(r.phase_target_yuan * 100), "to_phase_target": yuan_text(r.to_phase_target_fen),
            "new_customers": r.new_customers, "new_customers_target": r.new_customers_target,
            "new_customers_needed": r.new_customers_needed}


def gap_dict(plan: Plan, gap: Gap) -> dict:
    c = gap.champion
    return {"month": str(plan.config.month), "as_of": gap.as_of.isoformat(),
            "working_days_left": gap.working_days_left,
            "champion": None if c is None else {"region": c.region, "rep": c.rep, "revenue": yuan_text(c.revenue_fen),
                                                "decided_by": c.decided_by},
            "reps": [rep_gap_dict(r) for r in gap.reps], "regions": [region_gap_dict(r) for r in gap.regions]}


def _statement_dict(s: Mapping[str, int]) -> dict:
    return {f[:-4]: yuan_text(s[f]) for f in STATEMENT_FIELDS}


def _award_dict(a: aw.Award) -> dict:
    return {"award": a.award, "amount": yuan_text(a.amount_fen), "rule": a.rule, "basis": a.basis}


def whatif_dict(r: RepWhatif) -> dict:
    return {"region": r.region, "rep": r.rep, "before": _statement_dict(r.before), "after": _statement_dict(r.after),
            "delta": yuan_text(r.delta_fen),
            "slices": [{"seq": s["seq"], "tier": s["tier"], "rate": str(s["rate"]), "base": yuan_text(s["base_fen"]),
                        "commission": yuan_text(s["commission_fen"])} for s in r.slices],
            "awards_before": [_award_dict(a) for a in r.awards_before],
            "awards_after": [_award_dict(a) for a in r.awards_after]}
