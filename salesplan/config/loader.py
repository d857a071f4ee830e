"""Load a plan configuration (TOML) and validate it into a :class:`PlanConfig`.

Validation collects **every** problem with its key path and value before raising
one :class:`ConfigError`, so a director fixes the file in one pass.
"""
from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from salesplan.engine.params import (
    SCORING_TYPES, STRATEGIES, Awards, CalendarSettings, Coaching, Commission,
    CommissionTier, Kpi, PlanConfig, Product, Region, Rep, Risks, StrategyB, Targets,
    Weights, WorkbookSettings,
)
from salesplan.config.defaults import fill_defaults
from salesplan.config.events import read_events
from salesplan.config.limits import (
    LONG_TEXT_MAX, MAX_AWARD_YUAN, MAX_CONFIG_BYTES, MAX_COUNT, MAX_REPS_PER_REGION, MAX_YUAN, NAME_MAX, check_capacity, digits_problem,
    text_problem,
)
from salesplan.engine.calendar import FIRST_PLAN_MONTH, LAST_PLAN_MONTH, plan_month_problem
from salesplan.engine.kpi import percent, weight_total_problem
from salesplan.engine.month import Month
from salesplan.errors import ConfigError, Problem

DEFAULT_RESOURCE = "default_plan.toml"


#: Digits after the point a rate may have: the engine works in parts per million
#: (salesplan.engine.commission.rate_ppm, RATE_SCALE = 10**6).
RATE_DECIMALS = 6


def _decimals(value: Decimal) -> int:
    """Digits after the point of a finite Decimal, trailing zeros ignored (exact, no context rounding)."""
    t = value.as_tuple()
    digits, exp = list(t.digits), int(t.exponent)
    while len(digits) > 1 and digits[-1] == 0 and exp < 0:
        digits.pop()
        exp += 1
    return max(0, -exp)


def default_config_text() -> str:
    """The built-in default plan (the seed's numbers), comments included."""
    return resources.files("salesplan.config").joinpath(DEFAULT_RESOURCE).read_text("utf-8")


def load_default(month: str | Month | None = None, *, today: date | None = None) -> PlanConfig:
    return parse_config(default_config_text(), source="<built-in default>", month=month, today=today)


def _default_data() -> dict[str, Any]:
    return tomllib.loads(default_config_text(), parse_float=Decimal)


def load_config(path: str | Path | None = None, *, month: str | Month | None = None,
                today: date | None = None) -> PlanConfig:
    """Load ``path`` (or the built-in default when None); ``month`` overrides the file's."""
    if path is None:
        return load_default(month, today=today)
    p = Path(path)
    size = p.stat().st_size
    if size > MAX_CONFIG_BYTES:   # refused before parsing: a plan within capacity is far smaller
        raise ConfigError([Problem(str(p), f"{size:,} bytes", f"a plan file of at most {MAX_CONFIG_BYTES:,} bytes "
                                   "(docs/capacity.md)", "capacity")], str(p))
    try:
        text = p.read_text("utf-8-sig")  # Notepad and some editors save UTF-8 with a BOM
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(str(p), f"byte {exc.start}", "a UTF-8 TOML file", "encoding")]) from exc
    return parse_config(text, source=str(p), month=month, today=today)


def parse_config(text: str, *, source: str = "<string>", month: str | Month | None = None,
                 today: date | None = None) -> PlanConfig:
    """A plan file's text; keys it leaves out take the built-in default (config.defaults)."""
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"), parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem(source, str(exc), "valid TOML", "syntax")], source) from exc
    data, defaulted = fill_defaults(data, _default_data())
    return validate(data, source=source, month=month, today=today, defaulted=defaulted)


def validate(data: Mapping[str, Any], *, source: str = "<dict>", month: str | Month | None = None,
             today: date | None = None, defaulted: tuple[str, ...] = ()) -> PlanConfig:
    """Turn a complete TOML-shaped mapping into a PlanConfig, or raise ConfigError listing all
    problems. ``defaulted`` names the keys the caller filled from the defaults."""
    return _Validator(data, source).run(month, today or date.today(), defaulted)


def item_path(key: str, index: int, entry: Any) -> str:
    """An array item named by what it is, e.g. ``kpis[1] 跟进客户数 `` (0-based index, then its
    name), so ``kpis[1] 跟进客户数 .scoring`` points at a line a person recognises."""
    name = entry.get("name") if isinstance(entry, Mapping) else None
    return f"{key}[{index}] {name.strip()} " if isinstance(name, str) and name.strip() else f"{key}[{index}]"


# --------------------------------------------------------------------------- internals

_MISSING = object()


class _Validator:
    def __init__(self, data: Mapping[str, Any], source: str):
        self.data = data
        self.source = source
        self.problems: list[Problem] = []

    # -- primitive readers: each records a problem and returns a harmless fallback
    def fail(self, path: str, value: Any, expected: str, code: str = "invalid") -> None:
        self.problems.append(Problem(f"{self.source}: {path}", value, expected, code))

    def get(self, table: Mapping[str, Any], key: str, path: str, default: Any = _MISSING) -> Any:
        if not isinstance(table, Mapping) or key not in table:
            if default is _MISSING:
                self.fail(path, None, "a value (key is missing)", "missing")
                return None
            return default
        return table[key]

    def number(self, table, key, path, *, default=_MISSING, minimum: Decimal | int | None = 0,
               maximum=None, integer=False, allow_equal_min=True, max_decimals: int | None = None) -> Any:
        """A number at ``path``; every problem is recorded (``fail``) and a harmless value returned.

        ``max_decimals`` limits the digits after the point (rates go through
        ``engine.commission.rate_ppm``, which is exact to 6 decimals = parts per million).
        """
        raw = self.get(table, key, path, default)
        if raw is None:
            return Decimal(0) if not integer else 0
        if isinstance(raw, bool) or not isinstance(raw, (int, Decimal, str)):
            self.fail(path, raw, "a number")
            return 0 if integer else Decimal(0)
        try:
            value = Decimal(str(raw).replace(",", "")) if isinstance(raw, str) else Decimal(raw)
        except InvalidOperation:
            self.fail(path, raw, "a number")
            return 0 if integer else Decimal(0)
        if not value.is_finite():
            self.fail(path, raw, "a finite number", "not_finite")
            return 0 if integer else Decimal(0)
        if (too_long := digits_problem(value)) is not None:
            self.fail(path, raw, too_long, "precision")
            return 0 if integer else Decimal(0)
        if max_decimals is not None and not integer and _decimals(value) > max_decimals:
            self.fail(path, raw, f"a number with at most {max_decimals} decimals (rates are exact to "
                                 f"{Decimal(1).scaleb(-max_decimals)})", "precision")
            return Decimal(0)
        if integer and value != value.to_integral_value():
            self.fail(path, raw, "a whole number (whole yuan / count)")
        if minimum is not None and (value < minimum or (not allow_equal_min and value == minimum)):
            self.fail(path, raw, f"a number {'≥' if allow_equal_min else '>'} {minimum}", "range")
        if maximum is not None and value > maximum:
            big = isinstance(maximum, int) and maximum >= 10**6    # the stated ranges of limits.py
            self.fail(path, raw, f"a number ≤ {maximum:,} (Excel keeps 15 digits; docs/capacity.md)" if big
                      else f"a number ≤ {maximum}", "range")
        return int(value) if integer else value

    def text(self, table, key, path, *, default=_MISSING, choices: tuple[str, ...] | None = None,
             max_len: int = NAME_MAX) -> str:
        raw = self.get(table, key, path, default)
        if raw is None:
            return ""
        if not isinstance(raw, str) or not raw.strip():
            self.fail(path, raw, "a non-empty text")
            return str(raw)
        if choices and raw not in choices:
            self.fail(path, raw, "one of " + ", ".join(repr(c) for c in choices), "choice")
        elif (problem := text_problem(raw.strip(), max_len)) is not None:
            self.fail(path, raw if len(raw) <= 80 else raw[:60] + "…", problem, "text")
        return raw.strip()

    def boolean(self, table, key, path, *, default=_MISSING) -> bool:
        raw = self.get(table, key, path, default)
        if not isinstance(raw, bool):
            if raw is not None:
                self.fail(path, raw, "true or false")
            return bool(raw)
        return raw

    def table(self, key: str, *, default=_MISSING) -> Mapping[str, Any]:
        raw = self.get(self.data, key, f"[{key}]", default if default is not _MISSING else _MISSING)
        if raw is None:
            return {}
        if not isinstance(raw, Mapping):
            self.fail(f"[{key}]", raw, "a table")
            return {}
        return raw

    def array_of_tables(self, key: str) -> list[Mapping[str, Any]]:
        raw = self.get(self.data, key, f"[[{key}]]")
        if raw is None:
            return []
        if not isinstance(raw, list) or not all(isinstance(x, Mapping) for x in raw):
            self.fail(f"[[{key}]]", raw, "an array of tables")
            return []
        if not raw:
            self.fail(f"[[{key}]]", raw, "at least one entry", "empty")
        return raw

    def dates(self, table, key, path) -> tuple[date, ...]:
        raw = self.get(table, key, path, [])
        if not isinstance(raw, list):
            self.fail(path, raw, "a list of dates like \"2027-01-29\"")
            return ()
        out = []
        for i, item in enumerate(raw):
            if isinstance(item, date):
                out.append(item)
                continue
            try:
                out.append(date.fromisoformat(str(item)))
            except ValueError:
                self.fail(f"{path}[{i}]", item, "an ISO date like \"2027-01-29\"")
        lo, hi = FIRST_PLAN_MONTH.first_day, date(LAST_PLAN_MONTH.year + 1, 12, 31)
        for i, d in enumerate(out):
            if not lo <= d <= hi:
                self.fail(f"{path}[{i}]", d.isoformat(), f"a date from {lo} to {hi} (the plan months' calendar)",
                          "range")
        return tuple(d for d in out if lo <= d <= hi)

    def unknown_keys(self, table: Mapping[str, Any], allowed: set[str], path: str) -> None:
        for k in table:
            if k not in allowed:
                self.fail(f"{path}.{k}" if path else k, table[k],
                          "one of the known keys: " + ", ".join(sorted(allowed)), "unknown-key")

    # -- sections
    def run(self, month_override, today: date, defaulted: tuple[str, ...] = ()) -> PlanConfig:
        d = self.data
        self.unknown_keys(d, {"month", "strategy", "targets", "products", "regions", "kpis", "weights",
                              "commission", "awards", "risks", "strategy_b", "calendar", "coaching",
                              "workbook", "deals", "events"}, "")
        check_capacity(d, self.fail, item_path)
        month, explicit = self.month(month_override, today)
        strategy = self.text(d, "strategy", "strategy", default="A", choices=STRATEGIES)
        targets = self.targets()
        products = self.products()
        kpis = self.kpis(targets)
        regions = self.regions(targets, kpis)
        weights = self.weights()
        commission = self.commission()
        awards = self.awards()
        risks = self.risks()
        strategy_b = self.strategy_b(kpis)
        calendar = self.calendar()
        coaching = self.coaching()
        workbook = self.workbook()
        deal_columns = self.deal_columns()
        events = read_events(self)
        self.weight_tables(kpis, regions, weights, strategy, strategy_b)
        if self.problems:
            raise ConfigError(self.problems, self.source)
        return PlanConfig(
            month=month, month_explicit=explicit, strategy=strategy, targets=targets,
            products=products, regions=regions, kpis=kpis, weights=weights,
            commission=commission, awards=awards, risks=risks, strategy_b=strategy_b,
            calendar=calendar, coaching=coaching, workbook=workbook,
            deal_columns=deal_columns, events=events, source=self.source, defaulted=defaulted,
        )

    def month(self, override, today: date) -> tuple[Month, bool]:
        raw = override if override is not None else self.data.get("month")
        path = "--month" if override is not None else "month"
        if isinstance(raw, Month):
            month, explicit = raw, True
        elif raw is None:   # the month after today (a clock past 9999-11 keeps its own month)
            this = Month.of(today)
            month = this if (this.year, this.month) == (9999, 12) else this.next()
            explicit, path, raw = False, "month (not given: the month after today)", str(today)
        else:
            try:
                month, explicit = Month.parse(str(raw)), True
            except ValueError:
                self.fail(path, raw, 'a month like "2026-12" (YYYY-MM)')
                return FIRST_PLAN_MONTH, False
        if (problem := plan_month_problem(month)) is not None:
            self.fail(path, raw, problem, "range")
        return month, explicit

    def targets(self) -> Targets:
        t = self.table("targets")
        self.unknown_keys(t, {"revenue", "new_customers", "repurchase_rate", "average_order_value"}, "targets")
        return Targets(
            revenue=self.number(t, "revenue", "targets.revenue", integer=True, minimum=1, maximum=MAX_YUAN),
            new_customers=self.number(t, "new_customers", "targets.new_customers", integer=True, maximum=MAX_COUNT),
            repurchase_rate=self.number(t, "repurchase_rate", "targets.repurchase_rate", maximum=1),
            average_order_value=self.number(t, "average_order_value", "targets.average_order_value",
                                            integer=True, minimum=1, maximum=MAX_YUAN),
        )

    def products(self) -> tuple[Product, ...]:
        out = []
        names = set()
        for i, p in enumerate(self.array_of_tables("products")):
            path = item_path("products", i, p)
            self.unknown_keys(p, {"name", "share"}, path)
            name = self.text(p, "name", f"{path}.name")
            if name in names:
                self.fail(f"{path}.name", name, "a product name not used before", "duplicate")
            names.add(name)
            out.append(Product(name, self.number(p, "share", f"{path}.share", maximum=1)))
        total = sum((p.share for p in out), Decimal(0))
        if out and total != 1:
            shares = " + ".join(str(p.share) for p in out)
            self.fail("products[*].share", f"{shares} = {total}", "shares summing to exactly 1 (100%)", "sum")
        return tuple(out)

    def kpis(self, targets: Targets) -> tuple[Kpi, ...]:
        out = []
        keys = set()
        for i, k in enumerate(self.array_of_tables("kpis")):
            path = item_path("kpis", i, k)
            self.unknown_keys(k, {"key", "name", "category", "weight", "target", "scoring", "cap", "unit"}, path)
            key = self.text(k, "key", f"{path}.key")
            if key in keys or key == "focus":
                self.fail(f"{path}.key", key, "a KPI key used once (and not the reserved 'focus')", "duplicate")
            keys.add(key)
            out.append(Kpi(
                key=key,
                name=self.text(k, "name", f"{path}.name"),
                category=self.text(k, "category", f"{path}.category", default="其他"),
                weight=self.number(k, "weight", f"{path}.weight", maximum=1),
                target=self.number(k, "target", f"{path}.target", allow_equal_min=False, maximum=MAX_YUAN),
                scoring=self.text(k, "scoring", f"{path}.scoring", default="linear", choices=SCORING_TYPES),
                cap=self.number(k, "cap", f"{path}.cap", default=Decimal("1.2"), minimum=1, maximum=1000),
                unit=self.text(k, "unit", f"{path}.unit", default="count", choices=("count", "rate", "hours", "yuan")),
            ))
        if out and sum((k.weight for k in out), Decimal(0)) == 0:
            self.fail("kpis[*].weight", 0, "KPI weights with a positive total", "sum")
        return tuple(out)

    def regions(self, targets: Targets, kpis: tuple[Kpi, ...]) -> tuple[Region, ...]:
        out = []
        names = set()
        for i, r in enumerate(self.array_of_tables("regions")):
            path = item_path("regions", i, r)
            self.unknown_keys(r, {"name", "manager", "revenue", "focus_kpi", "focus_weight",
                                  "focus_target", "focus_scoring", "reps"}, path)
            name = self.text(r, "name", f"{path}.name")
            if name in names:
                self.fail(f"{path}.name", name, "a region name not used before", "duplicate")
            names.add(name)
            out.append(Region(
                name=name,
                manager=self.text(r, "manager", f"{path}.manager"),
                revenue=self.number(r, "revenue", f"{path}.revenue", integer=True, maximum=MAX_YUAN),
                focus_kpi=self.text(r, "focus_kpi", f"{path}.focus_kpi"),
                focus_weight=self.number(r, "focus_weight", f"{path}.focus_weight", maximum=1),
                focus_target=self.number(r, "focus_target", f"{path}.focus_target", default=Decimal(1),
                                         allow_equal_min=False, maximum=MAX_YUAN),
                focus_scoring=self.text(r, "focus_scoring", f"{path}.focus_scoring", default="linear",
                                        choices=SCORING_TYPES),
                reps=self.reps(r, path),
            ))
        total = sum(r.revenue for r in out)
        if out and targets.revenue and total != targets.revenue:
            diff = total - targets.revenue
            self.fail("regions[*].revenue", f"sum {total:,}",
                      f"the regions to sum to targets.revenue {targets.revenue:,} "
                      f"(they are {'over' if diff > 0 else 'short'} by {abs(diff):,})", "sum")
        return tuple(out)

    def reps(self, region: Mapping[str, Any], path: str) -> tuple[Rep, ...]:
        raw = region.get("reps", [])
        if not isinstance(raw, list):
            self.fail(f"{path}.reps", raw, "a list of {name, new_hire, weight}")
            return ()
        reps, names = [], set()
        for j, rep in enumerate(raw):
            rp = item_path(f"{path}.reps", j, rep)
            if not isinstance(rep, Mapping):
                self.fail(rp, rep, "a table {name, new_hire, weight}")
                continue
            self.unknown_keys(rep, {"name", "new_hire", "weight"}, rp)
            name = self.text(rep, "name", f"{rp}.name")
            if name in names:
                self.fail(f"{rp}.name", name, "a rep name used once in the region", "duplicate")
            names.add(name)
            reps.append(Rep(name, self.boolean(rep, "new_hire", f"{rp}.new_hire", default=False),
                            self.number(rep, "weight", f"{rp}.weight", default=Decimal(1), maximum=1000)))
        if reps and sum((r.weight for r in reps), Decimal(0)) == 0:
            self.fail(f"{path}.reps[*].weight", 0, "rep weights with a positive total", "sum")
        return tuple(reps)

    def weight_tables(self, kpis, regions, weights: Weights, strategy: str, strategy_b: StrategyB) -> None:
        """R6's rule on the total of every weight table the plan scores with (the base table
        under the active strategy, and each region's with its focus KPI), as KPI_SCORE applies it."""
        base = {k.key: k.weight for k in kpis}
        where = "kpis[*].weight"
        if strategy == "B" and strategy_b.kpi_weights:
            base.update(strategy_b.kpi_weights)
            where = "strategy_b.kpi_weights"
        total = sum(base.values(), Decimal(0))
        if total <= 0:
            return  # reported by kpis() already
        problem = weight_total_problem(total, weights.normalize)
        if problem:
            self.fail(where, f"a sum of {percent(total)}", problem, "sum")
            return
        for i, r in enumerate(regions):
            with_focus = total + r.focus_weight
            problem = weight_total_problem(with_focus, weights.normalize)
            if problem:
                self.fail(f"{item_path('regions', i, {'name': r.name})}.focus_weight", r.focus_weight,
                          f"{problem} (base {percent(total)} + focus = {percent(with_focus)})", "sum")

    def weights(self) -> Weights:
        w = self.table("weights", default={})
        self.unknown_keys(w, {"normalize", "score_max"}, "weights")
        return Weights(self.boolean(w, "normalize", "weights.normalize", default=True),
                       self.number(w, "score_max", "weights.score_max", default=100, integer=True, minimum=1,
                                   maximum=10_000))

    def commission(self) -> Commission:
        c = self.table("commission")
        self.unknown_keys(c, {"tiers"}, "commission")
        raw = self.get(c, "tiers", "commission.tiers")
        tiers: list[CommissionTier] = []
        if not isinstance(raw, list) or not raw:
            if raw is not None:
                self.fail("commission.tiers", raw, "a non-empty list of {from, rate}")
            return Commission(())
        for i, t in enumerate(raw):
            p = f"commission.tiers[{i}]"
            if not isinstance(t, Mapping):
                self.fail(p, t, "a table {from, rate}")
                continue
            self.unknown_keys(t, {"from", "rate"}, p)
            tiers.append(CommissionTier(self.number(t, "from", f"{p}.from", max_decimals=RATE_DECIMALS),
                                        self.number(t, "rate", f"{p}.rate", maximum=1, max_decimals=RATE_DECIMALS)))
        if tiers and tiers[0].start != 0:
            self.fail("commission.tiers[0].from", tiers[0].start, "0 (the first tier starts at zero)")
        for i in range(1, len(tiers)):
            if tiers[i].start <= tiers[i - 1].start:
                self.fail(f"commission.tiers[{i}].from", tiers[i].start,
                          f"a value above the previous tier's {tiers[i - 1].start} (strictly increasing)", "order")
        return Commission(tuple(tiers))

    def awards(self) -> Awards:
        a = self.table("awards")
        p = "awards."
        n = lambda k, **kw: self.number(a, k, p + k, **kw)  # noqa: E731
        y = {"integer": True, "maximum": MAX_AWARD_YUAN}   # one person's award, in yuan
        tiebreak = self.get(a, "champion_tiebreak", p + "champion_tiebreak", ["kpi_score", "earliest_total_date"])
        allowed = {"kpi_score", "earliest_total_date"}
        if not isinstance(tiebreak, list) or any(t not in allowed for t in tiebreak):
            self.fail(p + "champion_tiebreak", tiebreak, "a list drawn from " + ", ".join(sorted(allowed)))
            tiebreak = []
        quiz = self.get(a, "quiz_awards", p + "quiz_awards", [])
        referral = self.get(a, "referral_rates", p + "referral_rates", [])
        quiz_t = tuple(self.number({"v": q}, "v", f"{p}quiz_awards[{i}]", **y) for i, q in enumerate(quiz)) \
            if isinstance(quiz, list) else ()
        ref_t = tuple(self.number({"v": q}, "v", f"{p}referral_rates[{i}]", maximum=1,
                                   max_decimals=RATE_DECIMALS) for i, q in enumerate(referral)) \
            if isinstance(referral, list) else ()
        if isinstance(referral, list) and len(referral) > 3:
            self.fail(p + "referral_rates", referral, "at most 3 levels (R8: referral chain depth 1–3)")
        awards = Awards(
            champion_prize=self.text(a, "champion_prize", p + "champion_prize", default="利润提成 + jetski",
                                     max_len=LONG_TEXT_MAX),
            champion_prize_value=n("champion_prize_value", **y, default=0),
            champion_tiebreak=tuple(tiebreak),
            conquest_amount=n("conquest_amount", **y),
            conquest_threshold=n("conquest_threshold", integer=True, maximum=MAX_YUAN),
            breakthrough_amount=n("breakthrough_amount", **y),
            breakthrough_threshold=n("breakthrough_threshold", integer=True, maximum=MAX_YUAN),
            stack_breakthrough_and_conquest=self.boolean(a, "stack_breakthrough_and_conquest",
                                                         p + "stack_breakthrough_and_conquest", default=False),
            retention_max_churn=n("retention_max_churn", maximum=1),
            retention_bonus=n("retention_bonus", **y, default=0),
            full_attendance_bonus=n("full_attendance_bonus", **y, default=0),
            quiz_top_n=n("quiz_top_n", integer=True, default=3, maximum=100),
            quiz_awards=quiz_t,
            referral_rates=ref_t,
        )
        self.unknown_keys(a, set(Awards.__dataclass_fields__), "awards")
        return awards

    def risks(self) -> Risks:
        r = self.table("risks")
        self.unknown_keys(r, set(Risks.__dataclass_fields__), "risks")
        n = lambda k, **kw: self.number(r, k, "risks." + k, **kw)  # noqa: E731
        return Risks(
            report_threshold=n("report_threshold", integer=True, maximum=MAX_YUAN),
            special_discount_threshold=n("special_discount_threshold", integer=True, maximum=MAX_YUAN),
            special_discount_floor=n("special_discount_floor", maximum=1, max_decimals=RATE_DECIMALS),
            standard_discount_floor=n("standard_discount_floor", maximum=1, max_decimals=RATE_DECIMALS),
            support_priority_threshold=n("support_priority_threshold", integer=True, maximum=MAX_YUAN),
            inventory_alert=n("inventory_alert", maximum=1),
            missed_weeks=n("missed_weeks", integer=True, minimum=1, maximum=6),
            extra_support_staff=n("extra_support_staff", integer=True, maximum=MAX_COUNT),
            complaint_max_hours=n("complaint_max_hours", allow_equal_min=False, maximum=MAX_COUNT),
            sensitive_months_before=n("sensitive_months_before", integer=True, minimum=1, maximum=3),
            green_channel_customer_region=self.text(r, "green_channel_customer_region",
                                                    "risks.green_channel_customer_region", default="") if
            r.get("green_channel_customer_region") else "",
            green_channel_via_region=self.text(r, "green_channel_via_region", "risks.green_channel_via_region",
                                               default="") if r.get("green_channel_via_region") else "",
        )

    def strategy_b(self, kpis: tuple[Kpi, ...]) -> StrategyB:
        b = self.table("strategy_b", default={})
        self.unknown_keys(b, {"revenue", "new_customers", "kpi_weights"}, "strategy_b")
        weights_raw = self.get(b, "kpi_weights", "strategy_b.kpi_weights", {})
        weights: dict[str, Decimal] = {}
        known = {k.key for k in kpis}
        if isinstance(weights_raw, Mapping):
            for key, w in weights_raw.items():
                if key not in known:
                    self.fail(f"strategy_b.kpi_weights.{key}", w, "a KPI key of [[kpis]]: " + ", ".join(sorted(known)),
                              "unknown-key")
                weights[key] = self.number(weights_raw, key, f"strategy_b.kpi_weights.{key}", maximum=1)
        else:
            self.fail("strategy_b.kpi_weights", weights_raw, "a table {kpi key = weight}")
        return StrategyB(
            revenue=self.number(b, "revenue", "strategy_b.revenue", integer=True, minimum=1, default=0,
                                maximum=MAX_YUAN) if b else 0,
            new_customers=self.number(b, "new_customers", "strategy_b.new_customers", integer=True, default=0,
                                      maximum=MAX_COUNT),
            kpi_weights=weights,
        )

    def calendar(self) -> CalendarSettings:
        c = self.table("calendar", default={})
        self.unknown_keys(c, {"phase_starts", "extra_holidays", "extra_workdays"}, "calendar")
        starts = self.get(c, "phase_starts", "calendar.phase_starts", [1, 6, 11, 16, 21, 26])
        ok = (isinstance(starts, list) and starts and all(isinstance(s, int) and not isinstance(s, bool)
                                                          for s in starts))
        if not ok or starts[0] != 1 or any(b <= a for a, b in zip(starts, starts[1:])) or starts[-1] > 28:
            self.fail("calendar.phase_starts", starts,
                      "strictly increasing whole days starting with 1, none after 28")
            starts = [1, 6, 11, 16, 21, 26]
        holidays = self.dates(c, "extra_holidays", "calendar.extra_holidays")
        workdays = self.dates(c, "extra_workdays", "calendar.extra_workdays")
        for d in set(holidays) & set(workdays):
            self.fail("calendar.extra_holidays/extra_workdays", d.isoformat(), "a date in only one of the two lists")
        return CalendarSettings(tuple(starts), holidays, workdays)

    def coaching(self) -> Coaching:
        c = self.table("coaching", default={})
        self.unknown_keys(c, {"team_total", "new_hire_min", "veteran_min"}, "coaching")
        n = lambda k, d: self.number(c, k, f"coaching.{k}", integer=True, default=d, maximum=10_000)  # noqa: E731
        return Coaching(n("team_total", 10), n("new_hire_min", 3), n("veteran_min", 1))

    def workbook(self) -> WorkbookSettings:
        w = self.table("workbook", default={})
        self.unknown_keys(w, {"language", "rep_rows", "protect", "password"}, "workbook")
        return WorkbookSettings(
            language=self.text(w, "language", "workbook.language", default="zh", choices=("zh", "en")),
            rep_rows=self.number(w, "rep_rows", "workbook.rep_rows", integer=True, default=12, minimum=1,
                                 maximum=MAX_REPS_PER_REGION),
            protect=self.boolean(w, "protect", "workbook.protect", default=True),
            password=self.password(w),
        )

    def password(self, w: Mapping[str, Any]) -> str:
        pw = str(self.get(w, "password", "workbook.password", ""))
        if pw and (problem := text_problem(pw, LONG_TEXT_MAX)) is not None:
            self.fail("workbook.password", "(not shown)", problem, "text")
        return pw

    def deal_columns(self) -> dict[str, str]:
        d = self.table("deals", default={})
        self.unknown_keys(d, {"columns"}, "deals")
        cols = d.get("columns", {}) if isinstance(d, Mapping) else {}
        if not isinstance(cols, Mapping) or not all(isinstance(v, str) for v in cols.values()):
            self.fail("deals.columns", cols, "a table {field = \"CRM column header\"}")
            return {}
        for k in cols:
            self.text(cols, k, f"deals.columns.{k}", max_len=LONG_TEXT_MAX)
        return dict(cols)
