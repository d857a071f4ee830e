"""Shared state while building the workbook model: plan, labels, sheet names, geometry,
defined names and the input registry."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from salesplan.engine.records import WorkbookInputs
from salesplan.engine.kpi import KpiWeight
from salesplan.workbook_templates.inputs import InputRegistry
from salesplan.workbook_templates.labels import SHEETS, Labels

LAYOUT_VERSION = "1"
GAP_COLS = ("to_next", "to_100", "to_champion", "daily")     # the rep table's 冲刺 columns (sheets/region.py)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def safe_sheet_name(name: str, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("_", str(name)).strip().strip("'") or "Region"
    base = base[:31]
    candidate, n = base, 2
    while candidate.casefold() in taken or candidate.casefold() == "history":
        suffix = f"_{n}"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(candidate.casefold())
    return candidate


@dataclass
class RegionGeom:
    """Where everything is on one region tab (rows/cols are 1-based)."""

    sheet: str
    n_phases: int
    n_products: int
    table: list[KpiWeight]
    n_reps: int
    # summary
    r_sum: int = 5
    # phase table
    r_phase_hdr: int = 12
    c_ph_target: int = 5
    c_prod0: int = 6

    def __post_init__(self):
        P = self.n_products
        self.r_phase0 = self.r_phase_hdr + 1
        self.r_phase_total = self.r_phase0 + self.n_phases
        self.r_prod_target = self.r_phase_total + 1
        self.r_prod_att = self.r_phase_total + 2
        c = self.c_prod0 + P
        names = ["total", "attainment", "status", "streak", "new_customers", "complaints", "response_hours",
                 "satisfaction", "inventory", "flag_missed", "flag_complaint", "flag_inventory"]
        self.pc = {n: c + i for i, n in enumerate(names)}
        # rep table
        self.r_rep_section = self.r_prod_att + 2
        self.r_param0 = self.r_rep_section + 1          # weight, target, scoring, cap
        self.r_rep_hdr = self.r_param0 + 4
        self.r_rep0 = self.r_rep_hdr + 1
        self.r_rep_last = self.r_rep0 + self.n_reps - 1
        K = len(self.table)
        self.rc = {"no": 1, "name": 2, "new_hire": 3, "weight": 4, "target": 5, "revenue": 6, "attainment": 7}
        self.c_kpi0 = 8
        self.c_score0 = self.c_kpi0 + K
        c = self.c_score0 + K
        for i, n in enumerate(["kpi_score", "coaching", "min_coaching", "coaching_short", "churn",
                               "W", "q", "rem", "rank", "dup", *GAP_COLS]):
            self.rc[n] = c + i
        self.last_col = max(self.rc[GAP_COLS[-1]], self.pc["flag_inventory"])
        # summary cells: (row, value col)
        s = self.r_sum
        self.cell = {
            "month_target": (s, 3), "weekly_revenue": (s, 7), "attainment": (s, 11),
            "nc_target": (s + 1, 3), "nc_actual": (s + 1, 7), "nc_attainment": (s + 1, 11),
            "focus_kpi": (s + 2, 3), "focus_target": (s + 2, 7), "avg_kpi": (s + 2, 11),
            "deals_revenue": (s + 3, 3), "rep_target_sum": (s + 3, 7), "flag_count": (s + 3, 11),
            "rep_count": (s + 4, 3), "dup_names": (s + 4, 7), "dup_flag": (s + 4, 9),
        }

    def kpi_col(self, i: int) -> int:
        return self.c_kpi0 + i

    def score_col(self, i: int) -> int:
        return self.c_score0 + i

    def rep_row(self, i: int) -> int:
        return self.r_rep0 + i


@dataclass
class DealsGeom:
    sheet: str
    n_rows: int
    n_tiers: int
    r_hdr: int = 4

    def __post_init__(self):
        self.r0 = self.r_hdr + 1
        self.r_last = self.r0 + self.n_rows - 1
        self.c = {n: i + 1 for i, n in enumerate(
            ["seq", "date", "rep", "region", "customer", "customer_region", "new_customer", "product", "amount",
             "contract_id", "quote", "list_price", "first_quote", "fen", "known", "target", "cum_before",
             "cum_after"])}
        c = self.c["cum_after"] + 1
        self.c_tier0 = c
        c += self.n_tiers
        for n in ["commission", "first_new", "breakthrough", "conquest", "report_flag", "discount_flag",
                  "support_flag", "green_flag", "unknown_flag", "slot", "mirror", "prev", "newkey"]:
            self.c[n] = c
            c += 1
        self.last_col = c - 1

    def row(self, i: int) -> int:
        return self.r0 + i


@dataclass
class IncGeom:
    sheet: str
    slots: list[tuple[str, int]]      # (region, rep slot) in row order
    n_tiers: int
    r_hdr: int = 5

    def __post_init__(self):
        self.r0 = self.r_hdr + 1
        self.r_last = self.r0 + len(self.slots) - 1
        self.r_total = self.r_last + 1
        self.c = {n: i + 1 for i, n in enumerate(
            ["region", "name", "new_hire", "target", "revenue", "attainment", "kpi_score", "deal_count"])}
        c = self.c["deal_count"] + 1
        self.c_tier0 = c
        c += self.n_tiers
        for n in ["commission", "conquest", "breakthrough", "retention", "quiz", "champion", "champion_prize", "payout",
                  "h_rev", "h_kpi", "h_row", "h_date", "better"]:
            self.c[n] = c
            c += 1
        self.last_col = c - 1
        self.row_of = {s: self.r0 + i for i, s in enumerate(self.slots)}


@dataclass
class AwardsInGeom:
    """竞赛与推荐: the weekly quiz places (week × place) and the partner referral rows."""

    sheet: str
    n_quiz: int
    n_ref: int
    r_quiz_hdr: int = 5

    def __post_init__(self):
        self.q0 = self.r_quiz_hdr + 1
        self.q_last = self.q0 + self.n_quiz - 1
        self.qc = {n: i + 1 for i, n in enumerate(["week", "date", "place", "region", "rep", "award", "flag"])}
        self.r_ref_hdr = self.q0 + max(self.n_quiz, 1) + 3
        self.f0 = self.r_ref_hdr + 1
        self.f_last = self.f0 + self.n_ref - 1
        self.fc = {n: i + 1 for i, n in enumerate(["no", "region", "partner", "level", "amount", "reference",
                                                   "rate", "award"])}
        self.r_ref_total = self.f0 + max(self.n_ref, 1)


@dataclass
class StmtGeom:
    """个人奖金明细: reconciliation block, one summary row per rep slot, deal lines grouped by rep."""

    sheet: str
    n_slots: int
    n_lines: int
    n_tiers: int
    r_recon: int = 4

    def __post_init__(self):
        self.recon = {n: self.r_recon + i for i, n in enumerate(
            ["statements", "incentives", "trace", "awards", "trace_plus_awards", "check", "referral", "payout"])}
        self.r_sum_hdr = self.r_recon + len(self.recon) + 2
        self.s0 = self.r_sum_hdr + 1
        self.s_last = self.s0 + self.n_slots - 1
        self.r_sum_total = self.s0 + max(self.n_slots, 1)
        self.sc = {n: i + 1 for i, n in enumerate(
            ["region", "name", "deal_count", "revenue", "commission", "first_awards", "retention", "churn", "quiz",
             "quiz_places", "champion_prize", "total", "inc_payout", "check"])}
        self.r_line_hdr = self.r_sum_total + 3
        self.l0 = self.r_line_hdr + 1
        self.l_last = self.l0 + self.n_lines - 1
        names = ["region", "rep", "seq", "date", "customer", "amount", "cum_before", "cum_after"]
        self.lc = {n: i + 1 for i, n in enumerate(names)}
        c = len(names) + 1
        self.c_slice0 = c
        c += 2 * self.n_tiers          # per tier: slice, commission
        for n in ["commission", "award", "rule", "line_total", "running", "row"]:
            self.lc[n] = c
            c += 1
        self.last_col = c - 1
        # hidden, right of the printed area: the line's rep slot; per slot its deal count, the lines
        # before it, its binary-search key and its last deal (the deal lines in linear work)
        self.hc = {n: c + i for i, n in enumerate(["lslot", "cnt", "off", "skey", "last"])}

    def slice_col(self, t: int) -> int:
        return self.c_slice0 + 2 * t

    def tier_col(self, t: int) -> int:
        return self.c_slice0 + 2 * t + 1


@dataclass
class Ctx:
    plan: object
    lang: str
    inputs: WorkbookInputs
    L: Labels = None
    names: dict[str, str] = field(default_factory=dict)          # defined name -> target
    sheet: dict[str, str] = field(default_factory=dict)          # role -> sheet name
    region_sheet: dict[str, str] = field(default_factory=dict)   # region name -> sheet name
    region_geom: dict[str, RegionGeom] = field(default_factory=dict)
    deals: DealsGeom = None
    inc: IncGeom = None
    awards_in: AwardsInGeom = None
    stmt: StmtGeom = None
    registry: InputRegistry = field(default_factory=InputRegistry)
    setup_kpi: dict[str, dict[str, str]] = field(default_factory=dict)   # kpi key -> field -> abs ref
    setup_region: dict[str, dict[str, str]] = field(default_factory=dict)
    tier_refs: list[tuple[str, str]] = field(default_factory=list)       # (from_ppm ref, rate_ppm ref)
    banners: dict[str, str] = field(default_factory=dict)                # banner name -> abs ref
    scope: tuple[str, ...] | None = None     # a regional file: the regions it holds (plan is their view)
    as_of: date | None = None                # 冲刺指引's stored values: as of this day (default today), clamped
    as_of_fixed: bool = False

    def __post_init__(self):
        self.L = Labels(self.lang)
        cfg = self.plan.config
        taken = set()
        for role in SHEETS:
            self.sheet[role] = self.L.sheet(role)
            taken.add(self.sheet[role].casefold())
        taken.add("_salesplan")
        for r in cfg.regions:
            self.region_sheet[r.name] = safe_sheet_name(r.name, taken)
        for r in cfg.regions:
            self.region_geom[r.name] = RegionGeom(
                self.region_sheet[r.name], len(self.plan.phases), len(self.plan.products),
                self.plan.kpi_weights[r.name], len(self.inputs.regions[r.name].reps))
        n_tiers = len(cfg.commission.tiers)
        self.deals = DealsGeom(self.sheet["deals"], len(self.inputs.deals), n_tiers)
        slots = [(r.name, i) for r in cfg.regions for i in range(len(self.inputs.regions[r.name].reps))]
        self.inc = IncGeom(self.sheet["incentives"], slots, n_tiers)
        self.awards_in = AwardsInGeom(self.sheet["awards_in"], len(self.inputs.quiz), len(self.inputs.referrals))
        self.stmt = StmtGeom(self.sheet["statements"], len(slots), len(self.inputs.deals), n_tiers)

    @property
    def cfg(self):
        return self.plan.config

    @property
    def regional(self) -> bool:
        """A regional file (``salesplan split``): one region's view of the master plan."""
        return self.scope is not None
