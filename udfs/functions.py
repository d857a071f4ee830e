"""salesplan's worksheet functions for Excel (category "SalesPlan", 销售作战).

Thin xlwings adapters over the engine: every number comes from
``salesplan.engine`` (KPI scores from ``kpi.kpi_scores``, splits from
``allocation.largest_remainder``, commission from ``commission``, awards from
``awards``, calendar from ``calendar``), so a cell, the CLI and the generated
workbook agree. Arguments pass through ``salesplan.udfs.convert`` (validation,
empty cells, error texts); results are plain values or lists of lists that
spill as native dynamic arrays (no legacy ``expand``).

In Excel: add ``salesplan.udfs.functions`` to the xlwings "UDF Modules" and
click "Import Functions" (or install the salesplan add-in). In Python the
decorators change nothing: ``KPI_SCORE([[60, 55, 0.9, 800]], ...)`` just works.
Full reference with examples: docs/udfs.md.
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

import numpy as np
import pandas as pd
import xlwings as xw

from salesplan.config.model import CommissionTier, Kpi, PlanConfig, SCORING_TYPES
from salesplan.engine import calendar as cal
from salesplan.engine.allocation import largest_remainder
from salesplan.engine.awards import first_deal_awards
from salesplan.engine.commission import commission as engine_commission
from salesplan.engine.commission import commission_for_amounts, rate_ppm
from salesplan.engine.gap import tier_position
from salesplan.engine.kpi import kpi_scores, percent, region_weights, weight_total_problem
from salesplan.engine.risks import quotes_within_floor
from salesplan.engine.month import Month
from salesplan.engine.plan import phase_revenues
from salesplan.engine.targets import overall_targets
from salesplan.udfs.convert import (
    BLANK, NA, NUM, NUMBER, Grid, UdfError, bad_message, boolean, booleans, column,
    error_text, exact_decimal, excel_udf, grid, is_error_text, is_missing, language,
    number, numbers, scalar, shaped, text, to_date, to_fen, to_month, value_error, vector, whole,
    xl_number, MONTH_RE,
)
from salesplan.udfs.plans import holiday_calendar, plan_config
from salesplan.workbook_templates.labels import choice_code

__all__ = [
    "KPI_SCORE", "KPI_WEIGHTS", "TARGET_SPLIT", "PHASE_OF", "PHASE_TARGET", "WORKDAYS",
    "COMMISSION", "COMMISSION_TRACE", "COMMISSION_IF", "NEXT_TIER_GAP", "AWARDS", "DISCOUNT_OK", "SPRING_FESTIVAL",
    "SENSITIVE_PERIOD", "SENSITIVE_WINDOW",
]

CATEGORY = "SalesPlan"
#: every range argument: always a list of lists; error cells arrive as their text ("#N/A")
RANGE = {"ndim": 2, "err_to_str": True}
#: single-cell arguments: error cells arrive as their text too
CELL = {"err_to_str": True}
CONFIG_DOC = "Optional: full path of a plan .toml; default $SALESPLAN_CONFIG or the built-in plan."
DEFAULT_CAP = float(Kpi.cap)  # the model's default KPI cap, 1.2


# ============================================================================ KPI (R6–R7)

@xw.func(category=CATEGORY)
@xw.arg("actuals", doc="Actual KPI values: one row per rep, one column per KPI (a single row = one rep). "
                       "Empty cells score 0; an all-empty row returns empty.", **RANGE)
@xw.arg("targets", doc="Target of each KPI, one row or column, same order as the actuals' columns; each > 0.",
        **RANGE)
@xw.arg("weights", doc="Weight of each KPI (e.g. 15%). Normalised to 100% when the plan says so (R6).", **RANGE)
@xw.arg("scoring", doc='Optional: "linear", "threshold" or "lower_is_better", one for all KPIs or one per KPI. '
                       'Default "linear".', **RANGE)
@xw.arg("cap", doc="Optional: highest attainment credited (1.2 = 120%), one for all or one per KPI. "
                   "Default 1.2.", **RANGE)
@xw.arg("normalize", doc="Optional: TRUE scales weights to 100%, FALSE uses them as written. "
                         "Default: the plan's weights.normalize (TRUE).", **CELL)
@excel_udf
def KPI_SCORE(actuals, targets, weights, scoring=None, cap=None, normalize=None):
    """KPI score 0–100 (R6 绩效得分) = 100 × Σ weight × KPI score. One row of actuals per rep; a block gives one score per row, spilling down. Scoring per KPI: linear, threshold or lower_is_better."""
    cfg = plan_config()
    t = vector(targets, "targets")
    w = vector(weights, "weights")
    n = t.size
    if w.size != n:
        raise value_error(f"weights has {w.size} values but targets has {n}: give one weight per KPI")
    target_values = numbers(t, what="a target > 0")
    _require(target_values > 0, t, "a target must be > 0")
    final_weights = _kpi_weights(w, boolean(normalize, "normalize", cfg.weights.normalize))
    scorings = _per_kpi(scoring, "scoring", n, _scoring_name, "linear")
    caps = _per_kpi(cap, "cap", n, _cap_value, DEFAULT_CAP)

    a = grid(actuals, "actuals")
    if a.cols != n:
        if a.cols == 1 and a.rows == n:
            a = a.transpose()  # one rep typed down a column
        else:
            raise value_error(f"actuals has {a.cols} column(s) but there are {n} KPI targets: "
                              f"one column per KPI, one row per rep")
    kinds = a.kinds.reshape(a.rows, n)
    values = a.values.reshape(a.rows, n)
    # blanks are NaN, which the engine scores 0; rows with text etc. are replaced below
    with np.errstate(over="ignore", divide="ignore"):  # tiny lower_is_better actuals: capped anyway
        scores = kpi_scores(values, target_values, final_weights, scorings, caps, cfg.weights.score_max)
    out: list = scores.tolist()
    for r in np.flatnonzero((kinds == BLANK).all(axis=1)):
        out[r] = ""
    bad = (kinds != NUMBER) & (kinds != BLANK)
    for r in np.flatnonzero(bad.any(axis=1)):
        c = int(np.flatnonzero(bad[r])[0])
        err = bad_message(a, r * n + c, "a number")
        out[r] = error_text(err.code, err.message)
    return column(out)


def _require(ok: np.ndarray, g: Grid, message: str) -> None:
    bad = np.flatnonzero(~ok)
    if len(bad):
        i = int(bad[0])
        raise value_error(f"{g.where(i)} is {g.values[i]:.15g}: {message}")


def _kpi_weights(w: Grid, normalize: bool) -> list[float]:
    """R6: the weights as given, or scaled to 100% exactly (as the engine's region tables)."""
    values = numbers(w, what="a weight ≥ 0")
    _require(values >= 0, w, "a weight must be ≥ 0")
    exact = [Fraction(exact_decimal(x)) for x in values]
    total = sum(exact, Fraction(0))
    problem = weight_total_problem(total, normalize)  # the plan's rule (config check, plan)
    if problem:
        raise value_error(f"weights sum to {percent(total)}; expected {problem}")
    if normalize:
        return [float(x / total) for x in exact]
    return [float(x) for x in exact]


def _scoring_name(v, where: str) -> str:
    if not isinstance(v, str) or is_error_text(v):
        raise value_error(f"{where} is not a scoring name; expected linear, threshold or lower_is_better")
    # the plan workbook's 设置 shows the method as a word of its language (线性 / 达标制 / 越低越好)
    name = choice_code("scoring", v.strip()).lower().replace("-", "_").replace(" ", "_")
    if name not in SCORING_TYPES:
        raise value_error(f"{where} is '{v}'; expected linear (线性), threshold (达标制) or lower_is_better (越低越好)")
    return name


def _cap_value(v, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise value_error(f"{where} is not a number; expected a cap ≥ 1 such as 1.2")
    if not v >= 1:
        raise value_error(f"{where} is {v:.15g}; a cap must be ≥ 1 (1.2 = 120%)")
    return float(v)


def _per_kpi(value, name: str, n: int, parse, default) -> list:
    """An optional per-KPI setting: omitted, one value for all, or one per KPI (empty = default)."""
    if is_missing(value):
        return [default] * n
    g = vector(value, name)
    if g.size not in (1, n):
        raise value_error(f"{name} has {g.size} values; give one for all KPIs or one per KPI ({n})")
    out = []
    for i in range(g.size):
        v = g.flat[i]
        if g.kinds[i] == BLANK:
            out.append(default)
        elif is_error_text(v):
            raise UdfError(v.split(" ")[0], f"{g.where(i)} is {v.split(' ')[0]}")
        else:
            out.append(parse(v, g.where(i)))
    return out * n if g.size == 1 else out


@xw.func(category=CATEGORY)
@xw.arg("region", doc="Region name as in the plan, e.g. 华东区 (华东 also works).", **CELL)
@xw.arg("detail", doc="Optional: TRUE adds the target, scoring and cap columns (KPI_SCORE's inputs). "
                      "Default FALSE.", **CELL)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def KPI_WEIGHTS(region, detail=None, config=None):
    """Region's final KPI weight table (R6–R7 区域KPI权重): base KPIs plus the region's focus KPI, normalised as the plan says. Spills rows of KPI name and weight."""
    cfg = plan_config(config)
    reg = _region(cfg, text(region, "region"))
    rows = []
    for w in region_weights(cfg, reg):
        row = [w.name, w.weight_float]
        if boolean(detail, "detail", False):
            row += [float(w.target), w.scoring, float(w.cap)]
        rows.append(row)
    return rows


def _region(cfg: PlanConfig, name: str):
    for r in cfg.regions:
        if r.name == name:
            return r
    loose = [r for r in cfg.regions if r.name.casefold().startswith(name.casefold()) or r.manager == name]
    if len(loose) == 1:
        return loose[0]
    raise UdfError(NA, f"region '{name}' is not in the plan; known: " + ", ".join(r.name for r in cfg.regions))


# ============================================================================ targets (R1–R4)

@xw.func(category=CATEGORY)
@xw.arg("total", doc="Whole amount to split, e.g. 3000000 (yuan) or 80 (customers).", **CELL)
@xw.arg("weights", doc="Weights or shares, one row or column (e.g. 40%,30%,20%,10% or region revenues); "
                       "each ≥ 0, empty cells are an error.", **RANGE)
@excel_udf
def TARGET_SPLIT(total, weights):
    """Split a whole total by weights exactly (R3 目标分解): whole parts that sum to the total, largest-remainder rounding, ties to the earlier part. Spills in the weights' orientation."""
    tot = whole(number(total, "total"), "total", "a whole number of yuan (or a whole count)")
    w = vector(weights, "weights")
    values = numbers(w, what="a weight ≥ 0 (enter 0 to give a part nothing)")
    _require(values >= 0, w, "a weight must be ≥ 0")
    if not values.any():
        raise value_error("weights sum to 0: nothing to split by")
    parts = largest_remainder(tot, [exact_decimal(x) for x in values])
    return shaped([xl_number(p) for p in parts], w)


@xw.func(category=CATEGORY)
@xw.arg("on_date", doc="A date, or a range of dates (one result row per date).", **RANGE)
@xw.arg("language", doc='Optional: "zh" (default, the plan\'s language) or "en" phase names.', **CELL)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def PHASE_OF(on_date, language=None, config=None):
    """Battle phase of a date (R4 关键战役): spills the phase number and name, e.g. 3 | 重点客户突破周. Phases start on days 1, 6, 11, 16, 21, 26 unless the plan says otherwise."""
    cfg = plan_config(config)
    lang = _language(language, cfg)
    g = grid(on_date, "on_date")
    starts = cfg.calendar.phase_starts
    memo: dict = {}  # a column of dates repeats: each distinct cell value is worked out once

    def one(i: int) -> list:
        try:
            d = to_date(g.flat[i], g.where(i))
            p = _phases(cfg, Month.of(d))[cal.phase_of(d, starts) - 1]
            return [p.number, p.name_zh if lang == "zh" else p.name_en]
        except UdfError as exc:
            return [error_text(exc.code, exc.message), ""]

    rows = []
    for i in range(g.size):
        if g.kinds[i] == BLANK:
            rows.append(["", ""])
            continue
        key = (type(g.flat[i]), g.flat[i])
        row = memo.get(key)
        if row is None:
            row = one(i)
            if not isinstance(row[0], str):  # error texts name their cell: never reused
                memo[key] = row
        rows.append(list(row))
    return rows


def _language(value, cfg: PlanConfig) -> str:
    return language(value, cfg.workbook.language)


def _phases(cfg: PlanConfig, month: Month) -> list[cal.Phase]:
    return _month_phases(month, tuple(cfg.calendar.phase_starts), tuple(cfg.calendar.extra_holidays),
                         tuple(cfg.calendar.extra_workdays))


@lru_cache(maxsize=256)
def _month_phases(month: Month, starts: tuple, holidays: tuple, workdays: tuple) -> list[cal.Phase]:
    return cal.month_phases(month, cal.HolidayCalendar(holidays, workdays), starts)


@xw.func(category=CATEGORY)
@xw.arg("plan_month", doc='The month, e.g. "2026-12" (text) or any date in it.', **CELL)
@xw.arg("phase", doc="Phase number 1–6, or a range of phase numbers.", **RANGE)
@xw.arg("total", doc="Optional: the month's revenue target in whole yuan. Default: the plan's (¥3,000,000).",
        **CELL)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def PHASE_TARGET(plan_month, phase, total=None, config=None):
    """Revenue target of a battle phase (R4 阶段目标): the month's target split by each phase's working days (mainland-China calendar), whole yuan, phases summing exactly to the total."""
    cfg = plan_config(config)
    month = to_month(scalar(plan_month, "plan_month"), "plan_month")
    phases = _phases(cfg, month)
    if is_missing(total):
        tot = overall_targets(cfg).revenue
    else:
        tot = whole(number(total, "total"), "total", "a whole number of yuan")
    amounts = phase_revenues(tot, phases)
    g = vector(phase, "phase")
    out = []
    for i in range(g.size):
        if g.kinds[i] == BLANK:
            out.append("")
            continue
        if g.kinds[i] != NUMBER:
            err = bad_message(g, i, f"a phase number 1–{len(phases)}")
            out.append(error_text(err.code, err.message))
            continue
        n = g.values[i]
        if not (float(n).is_integer() and 1 <= n <= len(phases)):
            out.append(error_text(NUM, f"{g.where(i)} is {n:.15g}; {month} has phases 1–{len(phases)}"))
            continue
        out.append(xl_number(amounts[int(n) - 1]))
    return shaped(out, g)


@xw.func(category=CATEGORY)
@xw.arg("plan_month", doc='The month, e.g. "2026-12" (text) or any date in it; a range gives one count per cell.',
        **RANGE)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def WORKDAYS(plan_month, config=None):
    """Working days in a month under the mainland-China calendar (R4 工作日): statutory holidays and make-up working days (调休), plus the plan's extra holidays and working days."""
    cfg = plan_config(config)
    calendar = holiday_calendar(cfg)
    g = grid(plan_month, "plan_month")
    out = []
    for i in range(g.size):
        if g.kinds[i] == BLANK:
            out.append("")
            continue
        try:
            m = to_month(g.flat[i], g.where(i))
        except UdfError as exc:
            out.append(error_text(exc.code, exc.message))
            continue
        out.append(len(calendar.working_days(m.first_day, m.last_day)))
    return shaped(out, g)


# ============================================================================ commission (R8)

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


@xw.func(category=CATEGORY)
@xw.arg("amounts", doc="The rep's deal amounts in yuan, in the order of the monthly report (one row or column). "
                       "Empty cells are skipped.", **RANGE)
@xw.arg("target", doc="The rep's personal monthly target in whole yuan (tiers are shares of it).", **CELL)
@xw.arg("tiers", doc="Optional: two columns, tier start (attainment) and rate, e.g. {0,2%;80%,4%;100%,6%;120%,8%}. "
                     "Default: the plan's tiers.", **RANGE)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def COMMISSION(amounts, target, tiers=None, config=None):
    """Multi-level commission per deal (R8 多级提成), deals in report order on the rep's cumulative revenue; a deal crossing a tier is split. Yuan to the fen; spills one value per deal."""
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


@xw.func(category=CATEGORY)
@xw.arg("revenue", doc="The rep's revenue so far this month in yuan (empty: empty result).", **CELL)
@xw.arg("target", doc="The rep's personal monthly target in whole yuan (tiers are shares of it).", **CELL)
@xw.arg("tiers", doc="Optional: two columns, tier start (attainment) and rate. Default: the plan's tiers.", **RANGE)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def NEXT_TIER_GAP(revenue, target, tiers=None, config=None):
    """Yuan still needed to reach the next commission tier (冲刺: 距下一档) = ROUND(target × tier start) − revenue; empty in the top tier."""
    cfg = plan_config(config)
    tier_list = _tiers(tiers, cfg)
    tgt = _target_yuan(target)
    rev = _one_amount(revenue, "revenue")
    if rev is None:
        return ""
    _, gap_fen = tier_position(rev, tgt, tier_list)
    return "" if gap_fen is None else gap_fen / 100


@xw.func(category=CATEGORY)
@xw.arg("amounts", doc="The rep's deals so far in yuan, in the order of the monthly report (one row or column). "
                       "Empty cells are skipped.", **RANGE)
@xw.arg("target", doc="The rep's personal monthly target in whole yuan (tiers are shares of it).", **CELL)
@xw.arg("new_amount", doc="The next deal's amount in yuan (empty: empty result).", **CELL)
@xw.arg("tiers", doc="Optional: two columns, tier start (attainment) and rate. Default: the plan's tiers.", **RANGE)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def COMMISSION_IF(amounts, target, new_amount, tiers=None, config=None):
    """Commission one more deal would earn after the deals already reported (R8 what-if), split across the tiers it crosses. Yuan to the fen."""
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


@xw.func(category=CATEGORY)
@xw.arg("amounts", doc="The rep's deal amounts in yuan, in the order of the monthly report. Empty cells are "
                       "skipped; 'deal' is the position in this range.", **RANGE)
@xw.arg("target", doc="The rep's personal monthly target in whole yuan.", **CELL)
@xw.arg("tiers", doc="Optional: two columns, tier start (attainment) and rate. Default: the plan's tiers.",
        **RANGE)
@xw.arg("language", doc='Optional: "zh" (default) or "en" column headers.', **CELL)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def COMMISSION_TRACE(amounts, target, tiers=None, language=None, config=None):
    """Commission trace table (R8 提成明细): one row per deal and tier slice — deal, amount, cumulative revenue, tier, rate, tier bounds, base and commission. Spills with a header row."""
    cfg = plan_config(config)
    lang = _language(language, cfg)
    tier_list = _tiers(tiers, cfg)
    tgt = _target_yuan(target)
    g, present, fen = _deal_amounts(amounts)
    rows: list[list] = [list(TRACE_HEADERS[lang])]
    if not len(present):
        return rows
    deals = pd.DataFrame({"seq": present + 1, "region": "", "rep": "", "amount_fen": fen})
    per_deal, trace = engine_commission(deals, {("", ""): tgt}, tier_list, with_trace=True)
    cum = dict(zip(per_deal["seq"].tolist(), per_deal["cum_after_fen"].tolist()))
    amount = dict(zip(per_deal["seq"].tolist(), per_deal["amount_fen"].tolist()))
    for t in trace.itertuples(index=False):
        seq = int(t.seq)
        rows.append([seq, amount[seq] / 100, cum[seq] / 100, int(t.tier), float(Decimal(t.tier_from)),
                     float(Decimal(t.rate)), int(t.tier_start_fen) / 100,
                     "" if int(t.tier_end_fen) < 0 else int(t.tier_end_fen) / 100,
                     int(t.base_fen) / 100, int(t.commission_fen) / 100, TRACE_RULE[lang]])
    return rows


# ============================================================================ awards (R8)

AWARD_NAMES = {"zh": {"breakthrough": "重大突破", "conquest": "新客户conquest"},
               "en": {"breakthrough": "major breakthrough", "conquest": "new-customer conquest"}}


def _same_size(g: Grid, other: Grid, name: str) -> Grid:
    if other.size == 1 and g.size > 1:
        return Grid(other.name, g.rows, g.cols, other.flat * g.size)  # one flag for every row
    if other.size != g.size:
        raise value_error(f"{name} has {other.size} cells but {g.name} has {g.size}: give one per row")
    return other


@xw.func(category=CATEGORY)
@xw.arg("first_deal_amount", doc="Amount in yuan of each customer's first deal (one row or column). "
                                 "Empty cells give empty results.", **RANGE)
@xw.arg("is_new_customer", doc="TRUE for a new customer (also 1/0, 是/否), one per amount or one for all; "
                               "empty = FALSE.", **RANGE)
@xw.arg("detail", doc="Optional: TRUE adds a column naming the award. Default FALSE.", **CELL)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def AWARDS(first_deal_amount, is_new_customer, detail=None, config=None):
    """First-deal awards in whole yuan (R8 激励): new-customer conquest ¥5,000 when the first deal is over ¥1,000,000, major breakthrough ¥20,000 over ¥10,000,000; not stacked unless the plan says so."""
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
        deals = pd.DataFrame({"seq": pos + 1, "region": "", "rep": [str(p) for p in pos.tolist()],
                              "customer": pos, "amount_fen": fen[candidate], "is_new_customer": True})
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


# ============================================================================ authority (R9)

@xw.func(category=CATEGORY)
@xw.arg("quote", doc="Quoted price in yuan (a cell or a range).", **RANGE)
@xw.arg("list_price", doc="List price in yuan, same shape as quote (or one cell for all).", **RANGE)
@xw.arg("is_first_quote", doc="TRUE for the customer's first quote (also 1/0, 是/否); one per quote or one "
                              "for all; empty = FALSE.", **RANGE)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def DISCOUNT_OK(quote, list_price, is_first_quote, config=None):
    """TRUE when a quote needs no approval (R9 折扣权限): a first quote over ¥3,000,000 may go down to 92% of list, any other quote to 95%. FALSE = below the floor, needs approval."""
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
    """The engine's R9 floor rule over arrays (salesplan.engine.risks.quotes_within_floor)."""
    return quotes_within_floor(quote_fen, list_fen, first, cfg.risks)


# ============================================================================ calendar (R10)

@xw.func(category=CATEGORY)
@xw.arg("cal_year", doc="Gregorian year 1900–2099, or a range of years.", **RANGE)
@excel_udf
def SPRING_FESTIVAL(cal_year):
    """Date of Spring Festival 春节 (lunar new year's day 正月初一) in a year, from the lunar calendar. Format the cell as a date."""
    g = grid(cal_year, "cal_year")
    out = []
    for i in range(g.size):
        k = g.kinds[i]
        if k == BLANK:
            out.append("")
            continue
        if k != NUMBER:
            err = bad_message(g, i, "a year such as 2027")
            out.append(error_text(err.code, err.message))
            continue
        y = g.values[i]
        if not (float(y).is_integer() and y in cal.LUNAR_YEARS):
            out.append(error_text(NUM, f"{g.where(i)} is {y:.15g}; the lunar calendar covers years 1900–2099"))
            continue
        out.append(cal.spring_festival(int(y)))
    return shaped(out, g)


@lru_cache(maxsize=512)
def _window(year: int, months_before: int):
    return cal.sensitive_window(year, months_before)


def _in_window(d, months_before: int) -> bool:
    for year in (d.year, d.year + 1):
        if year in cal.LUNAR_YEARS:
            start, end = _window(year, months_before)
            if start <= d <= end:
                return True
    return False


@xw.func(category=CATEGORY)
@xw.arg("on_date", doc='A date (or a range of dates); text "2027-01" asks whether any day of that month is in '
                       'the period.', **RANGE)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def SENSITIVE_PERIOD(on_date, config=None):
    """TRUE inside the sensitive period before Spring Festival (R10 春节前敏感期: the month before it, when the key-account retention plan 大客户保号预案 is active), else FALSE."""
    cfg = plan_config(config)
    months_before = cfg.risks.sensitive_months_before
    g = grid(on_date, "on_date")
    out: list = []
    for i in range(g.size):
        v = g.flat[i]
        if g.kinds[i] == BLANK:
            out.append("")
            continue
        try:
            if isinstance(v, str) and MONTH_RE.match(v):
                month = to_month(v, g.where(i))
                if not {month.year, month.year + 1} <= set(cal.LUNAR_YEARS):
                    raise UdfError(NUM, f"{g.where(i)} is outside 1900–2098")
                out.append(cal.sensitive_overlap(month, months_before) is not None)
            else:
                out.append(_in_window(to_date(v, g.where(i)), months_before))
        except UdfError as exc:
            out.append(error_text(exc.code, exc.message))
    return shaped(out, g)


@xw.func(category=CATEGORY)
@xw.arg("cal_year", doc="The year of the Spring Festival, 1900–2099.", **CELL)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def SENSITIVE_WINDOW(cal_year, config=None):
    """First and last day of the sensitive period before that year's Spring Festival (R10 敏感期), spilling two dates: from the same day one month earlier to the day before the festival."""
    cfg = plan_config(config)
    y = whole(number(cal_year, "cal_year", what="a year such as 2027"), "cal_year", "a year such as 2027")
    if y not in cal.LUNAR_YEARS:
        raise UdfError(NUM, f"cal_year is {y}; the lunar calendar covers years 1900–2099")
    start, end = _window(y, cfg.risks.sensitive_months_before)
    return [[start, end]]
