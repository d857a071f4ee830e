"""salesplan's worksheet functions for Excel (category "SalesPlan", 销售作战).

This is the one module Excel registers (the add-in's UDF module, docs/udfs.md): each
function here is a thin xlwings wrapper — its name, arguments, docstring and
``@xw.func``/``@xw.arg`` metadata are what Excel's Function Wizard and the generated
VBA wrapper (tests/reference/udfs_vba_wrapper.bas) show — and its body is one call
into a module by theme: ``kpi`` (R6–R7), ``calendar`` (R4, R10), ``money``
(R8–R9); TARGET_SPLIT's few lines stay here. The bodies validate arguments through
``salesplan.udfs.convert`` (the one conversion layer) and take every number from
``salesplan.engine``, so a cell, the CLI and the generated workbook agree. Results
are plain values or lists of lists that spill as native dynamic arrays (no legacy
``expand``).

Why the wrappers stay here: xlwings registers only the decorated functions found in
this module's namespace, and both the add-in build and the tests
(``salesplan.addin.xlwings_shim.load_udf_module``) execute a fresh copy of this one
module under xlwings' real decorators; decorated functions imported from another
module would carry no metadata. In a running Excel, xlwings reloads this module when
its file changes, not the theme modules: after editing those, restart the UDF server.

In Excel: add ``salesplan.udfs.functions`` to the xlwings "UDF Modules" and
click "Import Functions" (or install the salesplan add-in). In Python the
decorators change nothing: ``KPI_SCORE([[60, 55, 0.9, 800]], ...)`` just works.
Full reference with examples: docs/udfs.md.
"""
from __future__ import annotations

import xlwings as xw

from salesplan.engine.allocation import largest_remainder
from salesplan.udfs import calendar as _calendar, kpi as _kpi, money as _money
from salesplan.udfs.convert import (
    exact_decimal, excel_udf, number, numbers, require, shaped, value_error, vector, whole, xl_number,
)

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
    return _kpi.kpi_score(actuals, targets, weights, scoring, cap, normalize)


@xw.func(category=CATEGORY)
@xw.arg("region", doc="Region name as in the plan, e.g. 华东区 (华东 also works).", **CELL)
@xw.arg("detail", doc="Optional: TRUE adds the target, scoring and cap columns (KPI_SCORE's inputs). "
                      "Default FALSE.", **CELL)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def KPI_WEIGHTS(region, detail=None, config=None):
    """Region's final KPI weight table (R6–R7 区域KPI权重): base KPIs plus the region's focus KPI, normalised as the plan says. Spills rows of KPI name and weight."""
    return _kpi.kpi_weights(region, detail, config)


# ============================================================================ targets and phases (R3–R4)

@xw.func(category=CATEGORY)
@xw.arg("total", doc="Whole amount to split, e.g. 3000000 (yuan) or 80 (customers).", **CELL)
@xw.arg("weights", doc="Weights or shares, one row or column (e.g. 40%,30%,20%,10% or region revenues); "
                       "each ≥ 0, empty cells are an error.", **RANGE)
@excel_udf
def TARGET_SPLIT(total, weights):
    """Split a whole total by weights exactly (R3 目标分解): whole parts that sum to the total, largest-remainder rounding, ties to the earlier part. Spills in the weights' orientation."""
    # the body stays here: tests/test_udfs.py breaks functions.largest_remainder to check error texts
    tot = whole(number(total, "total"), "total", "a whole number of yuan (or a whole count)")
    w = vector(weights, "weights")
    values = numbers(w, what="a weight ≥ 0 (enter 0 to give a part nothing)")
    require(values >= 0, w, "a weight must be ≥ 0")
    if not values.any():
        raise value_error("weights sum to 0: nothing to split by")
    parts = largest_remainder(tot, [exact_decimal(x) for x in values])
    return shaped([xl_number(p) for p in parts], w)


@xw.func(category=CATEGORY)
@xw.arg("plan_month", doc='The month, e.g. "2026-12" (text) or any date in it.', **CELL)
@xw.arg("phase", doc="Phase number 1–6, or a range of phase numbers.", **RANGE)
@xw.arg("total", doc="Optional: the month's revenue target in whole yuan. Default: the plan's (¥3,000,000).",
        **CELL)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def PHASE_TARGET(plan_month, phase, total=None, config=None):
    """Revenue target of a battle phase (R4 阶段目标): the month's target split by each phase's working days (mainland-China calendar), whole yuan, phases summing exactly to the total."""
    return _calendar.phase_target(plan_month, phase, total, config)


@xw.func(category=CATEGORY)
@xw.arg("on_date", doc="A date, or a range of dates (one result row per date).", **RANGE)
@xw.arg("language", doc='Optional: "zh" (default, the plan\'s language) or "en" phase names.', **CELL)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def PHASE_OF(on_date, language=None, config=None):
    """Battle phase of a date (R4 关键战役): spills the phase number and name, e.g. 3 | 重点客户突破周. Phases start on days 1, 6, 11, 16, 21, 26 unless the plan says otherwise."""
    return _calendar.phase_of(on_date, language, config)


@xw.func(category=CATEGORY)
@xw.arg("plan_month", doc='The month, e.g. "2026-12" (text) or any date in it; a range gives one count per cell.',
        **RANGE)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def WORKDAYS(plan_month, config=None):
    """Working days in a month under the mainland-China calendar (R4 工作日): statutory holidays and make-up working days (调休), plus the plan's extra holidays and working days."""
    return _calendar.workdays(plan_month, config)


# ============================================================================ commission (R8)

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
    return _money.commission(amounts, target, tiers, config)


@xw.func(category=CATEGORY)
@xw.arg("revenue", doc="The rep's revenue so far this month in yuan (empty: empty result).", **CELL)
@xw.arg("target", doc="The rep's personal monthly target in whole yuan (tiers are shares of it).", **CELL)
@xw.arg("tiers", doc="Optional: two columns, tier start (attainment) and rate. Default: the plan's tiers.", **RANGE)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def NEXT_TIER_GAP(revenue, target, tiers=None, config=None):
    """Yuan still needed to reach the next commission tier (冲刺: 距下一档) = ROUND(target × tier start) − revenue; empty in the top tier."""
    return _money.next_tier_gap(revenue, target, tiers, config)


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
    return _money.commission_if(amounts, target, new_amount, tiers, config)


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
    return _money.commission_trace(amounts, target, tiers, language, config)


# ============================================================================ awards (R8)

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
    return _money.awards(first_deal_amount, is_new_customer, detail, config)


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
    return _money.discount_ok(quote, list_price, is_first_quote, config)


# ============================================================================ calendar (R10)

@xw.func(category=CATEGORY)
@xw.arg("cal_year", doc="Gregorian year 1900–2099, or a range of years.", **RANGE)
@excel_udf
def SPRING_FESTIVAL(cal_year):
    """Date of Spring Festival 春节 (lunar new year's day 正月初一) in a year, from the lunar calendar. Format the cell as a date."""
    return _calendar.spring_festival(cal_year)


@xw.func(category=CATEGORY)
@xw.arg("on_date", doc='A date (or a range of dates); text "2027-01" asks whether any day of that month is in '
                       'the period.', **RANGE)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def SENSITIVE_PERIOD(on_date, config=None):
    """TRUE inside the sensitive period before Spring Festival (R10 春节前敏感期: the month before it, when the key-account retention plan 大客户保号预案 is active), else FALSE."""
    return _calendar.sensitive_period(on_date, config)


@xw.func(category=CATEGORY)
@xw.arg("cal_year", doc="The year of the Spring Festival, 1900–2099.", **CELL)
@xw.arg("config", doc=CONFIG_DOC, **CELL)
@excel_udf
def SENSITIVE_WINDOW(cal_year, config=None):
    """First and last day of the sensitive period before that year's Spring Festival (R10 敏感期), spilling two dates: from the same day one month earlier to the day before the festival."""
    return _calendar.sensitive_window(cal_year, config)
