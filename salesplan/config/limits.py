"""The product's stated capacity and value ranges (docs/capacity.md), checked on every plan.

A configuration that ``config --check`` accepts must generate: each limit here is one
the engine, the workbook writer or the spreadsheet applications would otherwise break
on, or a size measured to work on a small machine (bench/bench_capacity.py,
bench/bench_generate.py). :func:`check_capacity` reports every excess with its key.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from salesplan.engine.calendar import FIRST_PLAN_MONTH, LAST_PLAN_MONTH

__all__ = [
    "MAX_DEALS", "MAX_DEAL_REP_PAIRS", "MAX_FILE_ROWS", "MAX_FILE_BYTES", "MAX_CSV_COLUMNS", "DEALS_PREFLIGHT", "MAX_REGIONS", "MAX_REPS_PER_REGION", "MAX_REPS", "MAX_PRODUCTS", "MAX_KPIS", "MAX_TIERS",
    "MAX_YUAN", "MAX_AWARD_YUAN", "MAX_COUNT", "MAX_DIGITS", "MAX_CONFIG_BYTES", "NAME_MAX", "TEXT_MAX", "LONG_TEXT_MAX",
    "FIRST_PLAN_MONTH", "LAST_PLAN_MONTH", "text_problem", "digits_problem", "check_capacity",
]

# ---------------------------------------------------------------- capacity (measured)
#: deals in one plan workbook's 成交明细 sheet (all the files of one ``deals import`` together)
MAX_DEALS = 5_000
#: deals × rep rows in one workbook: the deals sheet looks each deal's rep up among all the rep
#: rows, so spreadsheet recalculation grows with this product (docs/capacity.md, measured)
MAX_DEAL_REP_PAIRS = 2_500_000
#: one CRM file of ``deals import``: rows (header, blank and unstamped rows included), bytes on
#: disk, and columns of a CSV; an XLSX also passes the preflight with the limits below. Within
#: them reading any single file costs well under 1 GB (tests/test_limits_memory.py).
MAX_FILE_ROWS = 2 * MAX_DEALS
MAX_FILE_BYTES = 64 << 20
MAX_CSV_COLUMNS = 256
DEALS_PREFLIGHT = {"max_file_size": MAX_FILE_BYTES, "max_uncompressed": 256 << 20, "max_rows": MAX_FILE_ROWS,
                   "max_cells": 2_000_000}
#: regions (one tab each), reps in one region, reps in the plan
MAX_REGIONS = 50
MAX_REPS_PER_REGION = 500
MAX_REPS = 5_000
MAX_PRODUCTS = 20
MAX_KPIS = 20
MAX_TIERS = 10
#: list entries that have no other bound (extra holidays / workdays, quiz places, ...)
MAX_LIST = 400

# ---------------------------------------------------------------- numbers (Excel's doubles)
#: Excel keeps 15 significant digits; a longer number is not the number the engine computed.
MAX_DIGITS = 15
#: any yuan amount of the plan: its fen (×100) and every sum of them stay below 10^15,
#: so Excel shows every cell to the fen and doubles hold them exactly (< 2^53).
MAX_YUAN = 10**12
#: one person's award or bonus: × MAX_REPS × every award stays below 10^15 fen
MAX_AWARD_YUAN = 10**9
#: counts (customers, hours, staff ...)
MAX_COUNT = 10**9

# ---------------------------------------------------------------- text
#: names (regions, managers, reps, products, KPIs): what the rep-name cell of the workbook accepts
NAME_MAX = 60
#: other texts (prize descriptions, password, CRM column headers)
LONG_TEXT_MAX = 255
#: the most characters an Excel cell holds
TEXT_MAX = 32_767
#: a plan file larger than this is refused before it is parsed (5,000 reps take ~0.3 MB)
MAX_CONFIG_BYTES = 8 << 20

# C0 and C1 control characters, DEL, and the non-characters XML cannot carry
_FORBIDDEN = frozenset([*range(0x20), *range(0x7F, 0xA0), 0xFFFE, 0xFFFF])


def text_problem(value: str, max_len: int = NAME_MAX) -> str | None:
    """Why ``value`` cannot be a name in the workbook (None when it can)."""
    bad = next((ch for ch in value if ord(ch) in _FORBIDDEN or 0xD800 <= ord(ch) <= 0xDFFF), None)
    if bad is not None:
        return (f"text without control characters (found U+{ord(bad):04X} at position "
                f"{value.index(bad) + 1}; a spreadsheet cannot hold it)")
    if len(value) > max_len:
        return f"text of at most {max_len} characters (got {len(value):,})"
    return None


def digits_problem(value: Decimal) -> str | None:
    """Why ``value`` cannot be held by a spreadsheet cell as typed (None when it can)."""
    significant = len(value.normalize().as_tuple().digits)   # 1E+17 has 1; 0.1234567890123456 has 16
    if significant > MAX_DIGITS:
        return f"a number of at most {MAX_DIGITS} significant digits (Excel keeps 15; got {significant})"
    return None


def check_capacity(data: Mapping[str, Any], fail: Callable[[str, Any, str, str], None],
                   item_path: Callable[[str, int, Any], str]) -> None:
    """Report (``fail(path, value, expected, "capacity")``) every list over the stated capacity,
    so 10,000 regions cost a message, not a workbook nobody can open."""
    def over(path: str, items: Any, limit: int, what: str) -> None:
        if isinstance(items, list) and len(items) > limit:
            fail(path, f"{len(items):,} {what}", f"at most {limit:,} {what} (the stated capacity, "
                                                  "docs/capacity.md)", "capacity")

    over("[[regions]]", data.get("regions"), MAX_REGIONS, "regions")
    over("[[products]]", data.get("products"), MAX_PRODUCTS, "products")
    over("[[kpis]]", data.get("kpis"), MAX_KPIS, "KPIs")
    commission = data.get("commission")
    if isinstance(commission, Mapping):
        over("commission.tiers", commission.get("tiers"), MAX_TIERS, "tiers")
    regions = data.get("regions")
    workbook = data.get("workbook")
    rows = workbook.get("rep_rows", 12) if isinstance(workbook, Mapping) else 12
    rows = rows if isinstance(rows, int) and not isinstance(rows, bool) else 12
    if isinstance(regions, list):
        total = 0      # the workbook's rep rows: each region has max(workbook.rep_rows, its listed reps)
        for i, r in enumerate(regions[:MAX_REGIONS]):
            reps = r.get("reps") if isinstance(r, Mapping) else None
            if isinstance(reps, list):
                over(f"{item_path('regions', i, r)}.reps", reps, MAX_REPS_PER_REGION, "reps")
            total += max(rows, len(reps) if isinstance(reps, list) else 0)
        if total > MAX_REPS:
            fail("[[regions]].reps", f"{total:,} rep rows in all", f"at most {MAX_REPS:,} reps in the plan "
                 "(each region has max(workbook.rep_rows, its reps) rows; the stated capacity, "
                 "docs/capacity.md)", "capacity")
    for table, key in (("calendar", "extra_holidays"), ("calendar", "extra_workdays"), ("awards", "quiz_awards"),
                       ("calendar", "phase_starts"), ("awards", "champion_tiebreak")):
        t = data.get(table)
        if isinstance(t, Mapping):
            over(f"{table}.{key}", t.get(key), MAX_LIST, "entries")
