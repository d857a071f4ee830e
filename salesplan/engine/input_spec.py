"""The input specification: every field a person types into the plan workbook, declared once.

Each :class:`FieldSpec` says what a field accepts — kind, allowed values, minimum and
maximum, maximum length, what a blank means, whether it is a yes/no answer. From it:

* the workbook's data validations (:func:`validation`, used by the sheet builders);
* consolidation's checks of regional files (:func:`field_spec`, the
  ``(kind, min, max, choices)`` shape the regional workflow reads);
* regeneration's merge (:func:`typed_fields`: which fields of a row carry typed values);
* the field table of docs/workbook.md (:func:`markdown_table`; a test keeps them equal).

Kinds: ``text``, ``choice`` (one of ``choices``; a yes/no field offers 是/否), ``number``,
``integer``, ``percent`` (a fraction: 0.3 = 30%), ``date`` (minimum and maximum as Excel
serials). Patterns ``kpi:*`` and ``rev:*`` stand for one column per KPI / product.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from salesplan.engine.calendar_events import IF_NOT_WORKING, WEEKDAYS
from salesplan.engine.words import NO, YES, YES_NO_EXPECTED, is_blank, parse_yes_no

__all__ = ["FieldSpec", "FIELDS", "SETTINGS", "TABLES", "spec", "field_spec", "typed_fields", "validation",
           "markdown_table", "is_blank", "parse_yes_no"]

D = Decimal
MONEY_MAX = D(100_000_000_000)        # ¥100 bn: far above any month, far below Excel's 15 digits
DATE_MIN, DATE_MAX = D(36526), D(73051)    # 2000-01-01 .. 2099-12-31 as Excel serials


@dataclass(frozen=True)
class FieldSpec:
    table: str                    # reps | phases | scalar | deals | quiz | referrals | settings
    name: str                     # field name ("kpi:*", "rev:*": one column per KPI / product)
    kind: str                     # text | choice | number | integer | percent | date
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()  # fixed choices; see choices_from for plan-dependent ones
    choices_from: str = ""         # "regions" | "products": the plan's names
    yes_no: bool = False           # a yes/no answer (是/否; imports also read words.YES_WORDS/NO_WORDS)
    blank: str = "not typed"       # what a blank cell means
    prompt: tuple[str, str] = ("", "")   # the validation's input title (zh, en)
    about: str = ""                # one line for the docs

    def allowed(self) -> str:
        """The allowed values in words (docs and error messages)."""
        if self.yes_no:
            return f"{YES} / {NO}"
        if self.kind == "choice":
            return " / ".join(self.choices) if self.choices else f"a name of the plan's {self.choices_from}"
        if self.kind == "text":
            return f"text, ≤ {self.max_length} characters" if self.max_length else "text"
        if self.kind == "date":
            return f"a date {_serial_date(self.minimum)} … {_serial_date(self.maximum)}"
        what = {"number": "a number", "integer": "a whole number", "percent": "a percentage"}[self.kind]
        lo, hi = (_show(self.minimum, self.kind), _show(self.maximum, self.kind))
        return f"{what} {lo} … {hi}"


def _serial_date(x: Decimal | None) -> str:
    return (date(1899, 12, 30) + timedelta(days=int(x))).isoformat() if x is not None else ""


def _show(x: Decimal | None, kind: str) -> str:
    if x is None:
        return ""
    if kind == "percent":
        return f"{x * 100:g}%"
    return f"{int(x):,}" if x == x.to_integral_value() else str(x)


def _f(table, name, kind, lo=None, hi=None, **kw) -> FieldSpec:
    return FieldSpec(table, name, kind, None if lo is None else D(lo), None if hi is None else D(hi), **kw)


_YN = dict(choices=(YES, NO), yes_no=True)
_MONEY = dict(prompt=("金额（元）", "amount (yuan)"))

FIELDS: tuple[FieldSpec, ...] = (
    # ---------------------------------------------------------------- region tab: rep table
    _f("reps", "name", "text", max_length=60, prompt=("销售姓名", "rep name"), blank="an unused slot",
       about="the rep's name; matched exactly (case-sensitive) with the deals"),
    _f("reps", "new_hire", "choice", blank="否 (a veteran)", about="new hire: the R11 coaching minimum", **_YN),
    _f("reps", "weight", "number", 0, 1_000_000, prompt=("权重（空白=1）", "weight (blank = 1)"), blank="1",
       about="share of the region target (read to 6 decimals)"),
    _f("reps", "kpi:*", "number", 0, 1_000_000_000, blank="scores 0", about="the KPI's actual (rates as fractions)"),
    _f("reps", "coaching", "integer", 0, 1000, blank="0 sessions", about="coaching sessions this month"),
    _f("reps", "churn", "percent", 0, 1, prompt=("0–100%", "0–100%"), blank="no retention award",
       about="annual natural churn of the rep's customers (R8 retention)"),
    # ---------------------------------------------------------------- region tab: phase table
    _f("phases", "rev:*", "number", 0, MONEY_MAX, prompt=("销售额（元）", "revenue (yuan)"),
       blank="the phase is not judged while every product is blank", about="revenue per product (yuan)"),
    _f("phases", "new_customers", "integer", 0, 1_000_000, blank="0", about="new customers signed"),
    _f("phases", "complaints", "integer", 0, 1_000_000, blank="0", about="customer complaints"),
    _f("phases", "response_hours", "number", 0, 10_000, prompt=("小时", "hours"), blank="no R10 check",
       about="the phase's longest complaint response time"),
    _f("phases", "satisfaction", "number", 0, 100, blank="not in the average", about="customer satisfaction"),
    _f("phases", "inventory", "percent", 0, 1, prompt=("0–100%", "0–100%"), blank="no R10 check",
       about="customer inventory occupancy"),
    # ---------------------------------------------------------------- region tab: scalar
    _f("scalar", "focus_target", "number", 0, 1_000_000_000, blank="the focus KPI scores 0",
       about="target of the region's focus KPI"),
    # ---------------------------------------------------------------- 成交明细 deals
    _f("deals", "seq", "text", blank="—", about="the CRM's deal number (not computed)"),
    _f("deals", "date", "date", DATE_MIN, DATE_MAX, blank="sorts last in the champion tie-break",
       about="signing date"),
    _f("deals", "rep", "text", blank="the row does not count", about="the rep, as on the region tab"),
    _f("deals", "region", "choice", choices_from="regions", blank="the row does not count",
       about="the rep's region"),
    _f("deals", "customer", "text", blank="—", about="customer (first deal of a new customer: R8 awards)"),
    _f("deals", "new_customer", "choice", blank="否", about="a new customer", **_YN),
    _f("deals", "product", "choice", choices_from="products", blank="—", about="product"),
    _f("deals", "amount", "number", 0, MONEY_MAX, blank="the row does not count", about="amount (yuan, to the fen)",
       **_MONEY),
    _f("deals", "contract_id", "text", blank="—", about="contract number (stamped contracts only, R11)"),
    _f("deals", "quote", "number", 0, MONEY_MAX, blank="no discount check", about="quoted price (R9)", **_MONEY),
    _f("deals", "list_price", "number", 0, MONEY_MAX, blank="no discount check", about="list price (R9)", **_MONEY),
    _f("deals", "first_quote", "choice", blank="否", about="first quote to the customer (R9 special floor)", **_YN),
    _f("deals", "customer_region", "text", blank="no green channel", about="where the customer is (R9)"),
    # ---------------------------------------------------------------- 竞赛与推荐 quiz places and referrals
    _f("quiz", "region", "choice", choices_from="regions", blank="no place", about="region of the placed rep"),
    _f("quiz", "rep", "text", blank="no place", about="the rep placed (week and place are laid out)"),
    _f("referrals", "region", "text", blank="—", about="region of the referral"),
    _f("referrals", "partner", "text", blank="the row does not count", about="the referring partner"),
    _f("referrals", "level", "integer", 1, 9, prompt=("级别 1–3", "level 1–3"), blank="the row does not count",
       about="referral level (its rate in 设置)"),
    _f("referrals", "amount", "number", 0, MONEY_MAX, blank="the row does not count",
       about="the referred deal's amount (yuan)", **_MONEY),
    _f("referrals", "reference", "text", blank="—", about="free text: deal number, customer"),
)

# 设置 (setup) rows by the kind the setup layout gives them
SETTINGS: dict[str, FieldSpec] = {
    "money": _f("settings", "money", "integer", 0, MONEY_MAX, about="an amount in whole yuan"),
    "int": _f("settings", "int", "integer", 0, MONEY_MAX, about="a count"),
    "pct": _f("settings", "pct", "percent", 0, 1, about="a rate"),
    "dec": _f("settings", "dec", "number", 0, 1_000_000, about="a number"),
    "bool": _f("settings", "bool", "choice", choices=("TRUE", "FALSE"), about="on / off"),
    # R5 event settings ([events])
    "weekday": _f("settings", "weekday", "choice", choices=WEEKDAYS, about="a weekday"),
    "if_not_working": _f("settings", "if_not_working", "choice", choices=IF_NOT_WORKING,
                         about="what an event does on a holiday or weekend"),
    "day": _f("settings", "day", "integer", 1, 28, about="a day of the month every month has"),
    "week": _f("settings", "week", "integer", 1, 4, about="the Nth such weekday of the month"),
    "workdays": _f("settings", "workdays", "integer", 1, 10, about="working days before the month"),
    "time": _f("settings", "time", "text", max_length=5, about="a time HH:MM"),
}

TABLES = ("reps", "phases", "scalar", "deals", "quiz", "referrals")
_BY_KEY = {(f.table, f.name): f for f in FIELDS}


def spec(table: str, name: str) -> FieldSpec | None:
    """The spec of one field (``kpi:<key>`` and ``rev:<product>`` find their pattern)."""
    if table == "scalar":
        name = "focus_target"
    hit = _BY_KEY.get((table, name))
    if hit is None and ":" in name:
        hit = _BY_KEY.get((table, name.split(":", 1)[0] + ":*"))
    return hit


def field_spec(table: str, name: str) -> tuple[str, Decimal | None, Decimal | None, tuple[str, ...]]:
    """(kind, minimum, maximum, choices) of a region-tab field, for consolidation's checks.

    A text field's maximum is its maximum length. An unknown field is a number without limits.
    """
    f = spec(table, name)
    if f is None:
        return "number", None, None, ()
    if f.kind == "text":
        return "text", None, None if f.max_length is None else D(f.max_length), ()
    return f.kind, f.minimum, f.maximum, f.choices


def typed_fields(table: str) -> tuple[str, ...]:
    """The fixed typed fields of a table's row (patterns ``kpi:*`` / ``rev:*`` excluded)."""
    return tuple(f.name for f in FIELDS if f.table == table and not f.name.endswith(":*"))


_DV_KIND = {"number": "decimal", "percent": "decimal", "integer": "whole", "date": "date"}


def validation(f: FieldSpec, *, lang: str = "zh", names: tuple[str, ...] = ()) -> tuple | None:
    """(kind, formula1, formula2, operator, prompt) of the data validation for ``f``, or None.

    ``names``: the plan's regions or products for a ``choices_from`` field; a list that
    Excel cannot hold (a comma in a name, 255 characters) gets no validation.
    """
    prompt = f.prompt[0 if lang == "zh" else 1]
    if f.kind in _DV_KIND:
        return _DV_KIND[f.kind], _num(f.minimum), _num(f.maximum), "between", prompt
    if f.kind == "text":
        return ("textLength", "0", str(f.max_length), "between", prompt) if f.max_length else None
    choices = f.choices or names
    joined = ",".join(choices)
    if not choices or "," in "".join(choices) or len(joined) >= 250:
        return None
    return "list", f'"{joined}"', None, None, prompt


def _num(x: Decimal | None) -> str | None:
    return None if x is None else format(x, "f")


def markdown_table() -> str:
    """The docs' field table (docs/workbook.md, between the ``input-fields`` markers)."""
    rows = ["| table | field | kind | allowed | blank means | what it is |", "|---|---|---|---|---|---|"]
    for f in FIELDS:
        kind = "yes/no" if f.yes_no else f.kind
        rows.append(f"| {f.table} | `{f.name}` | {kind} | {f.allowed()} | {f.blank} | {f.about} |")
    rows.append("")
    rows.append(f"Yes/no fields: the workbook offers {YES}/{NO}; CRM imports and regional files also read "
                f"{YES_NO_EXPECTED}.")
    return "\n".join(rows)
