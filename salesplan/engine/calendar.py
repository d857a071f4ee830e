"""The plan's calendar: working days, Spring Festival window, phases (R4), events (R5).

Working days follow the mainland-China schedule:

* Published years use the official table in ``salesplan/data/holidays_cn.toml``
  (statutory holidays plus the make-up working days 调休).
* Unpublished years are *estimated* by the statutory rule: the law's holiday days
  (from 2025: 元旦 1, 春节 除夕-初三 4, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3;
  before 2025: 春节 初一-初三 and 劳动节 May 1 only), and a statutory day that falls
  on a weekend, or on another holiday, gives a substitute rest day (补休) on the next
  free weekday, as the law requires. No make-up working days are guessed: they are
  decided each year by the State Council. ``HolidayCalendar.is_published`` lets
  callers warn that a month's figures rest on such an estimate.
* Config overrides (the workbook's holiday table) win over both.

Recurring events (R5) are dated by :mod:`salesplan.engine.calendar_events`.
"""
from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib.resources import files
from typing import Any

import lunardate

from salesplan.engine.month import Month

DATA_PACKAGE = "salesplan.data"
LUNAR_YEARS = range(1900, 2100)  # what lunardate can convert
#: The months a plan can be made for. Every year a month's calendar touches must be in the
#: lunar table: its own, and the next one (a December or January plan looks at the next
#: Spring Festival for R10's window); from 2000 on the holiday estimate's statutory rule holds.
FIRST_PLAN_MONTH, LAST_PLAN_MONTH = Month(2000, 1), Month(LUNAR_YEARS.stop - 2, 12)
CONFIG_HOLIDAY_ZH, CONFIG_HOLIDAY_EN = "自定义假日", "Configured holiday"


def _read_toml(name: str) -> dict[str, Any]:
    return tomllib.loads(files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8"))


def _as_date(value: object, what: str = "date") -> date:
    # datetime is a date subclass but never equals a date: normalise it away.
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"{what} must be a date, got {value!r}")


def _each_day(start: date, end: date) -> Iterator[date]:
    """Every day from start to end inclusive (nothing when end < start)."""
    for i in range((end - start).days + 1):
        yield start + timedelta(days=i)


# --------------------------------------------------------------------------- lunar


def spring_festival(year: int) -> date:
    """Lunar new year's day 正月初一 of `year` (1900..2099)."""
    return _lunar_to_solar(year, 1, 1)


def _lunar_to_solar(year: int, month: int, day: int) -> date:
    if not isinstance(year, int) or year not in LUNAR_YEARS:
        raise ValueError(
            f"lunar dates are only known for years {LUNAR_YEARS.start}..{LUNAR_YEARS.stop - 1}, got {year!r}"
        )
    return lunardate.LunarDate(year, month, day).to_solar_date()


def qingming(year: int) -> date:
    """The Qingming solar term 清明 (sun at 15°), by the standard 寿星 formula.

    [Y*D + C] - [Y/4] with Y = year % 100, D = 0.2422, C = 5.59 (1900s) or 4.81
    (2000s); exact for 1900..2099, the range this program needs.
    """
    if not isinstance(year, int) or not 1900 <= year <= 2099:
        raise ValueError(f"Qingming is only computed for years 1900..2099, got {year!r}")
    y = year % 100
    c = 5.59 if year < 2000 else 4.81
    return date(year, 4, int(y * 0.2422 + c) - y // 4)


def plan_month_problem(month: Month) -> str | None:
    """What a plan month must be, when ``month`` is outside the supported range (else None)."""
    if FIRST_PLAN_MONTH <= month <= LAST_PLAN_MONTH:
        return None
    return (f"a month from {FIRST_PLAN_MONTH} to {LAST_PLAN_MONTH} (the holiday and lunar tables cover "
            f"{LUNAR_YEARS.start}..{LUNAR_YEARS.stop - 1}, and a plan also uses the next year's Spring Festival)")


def sensitive_window(year: int, months_before: int = 1) -> tuple[date, date]:
    """R10's sensitive period before Spring Festival of `year`: [SF - months, SF - 1 day]."""
    if not isinstance(months_before, int) or not 1 <= months_before <= 11:
        raise ValueError(f"months_before must be an integer 1..11, got {months_before!r}")
    sf = spring_festival(year)
    month = Month.of(sf)
    for _ in range(months_before):
        month = month.prev()
    # Clamp the day: "one month before Mar 31" is the last day of February.
    start = date(month.year, month.month, min(sf.day, month.length))
    return start, sf - timedelta(days=1)


def sensitive_overlap(month: Month, months_before: int = 1) -> tuple[date, date] | None:
    """The part of `month` inside a sensitive window, or None.

    Checks the Spring Festival of the month's year (January/February) and of the
    next year (a December can precede a late-January festival).
    """
    if not (month.year in LUNAR_YEARS and month.year + 1 in LUNAR_YEARS):   # both Spring Festivals are needed
        raise ValueError(f"the Spring Festival window of {month} needs lunar dates of {month.year} and "
                         f"{month.year + 1}; they are known for {LUNAR_YEARS.start}..{LUNAR_YEARS.stop - 1}")
    for year in (month.year, month.year + 1):
        start, end = sensitive_window(year, months_before)
        lo, hi = max(start, month.first_day), min(end, month.last_day)
        if lo <= hi:
            return lo, hi
    return None


# ------------------------------------------------------------------------ holidays


@dataclass(frozen=True)
class Holiday:
    date: date
    name: str               # Chinese label (the workbook's default language)
    source: str             # "official" | "estimated" | "config"
    name_en: str = ""


class _OfficialTable:
    """holidays_cn.toml, indexed by date."""

    def __init__(self, data: Mapping[str, Any], where: str = "holidays_cn.toml"):
        self.holidays: dict[date, tuple[str, str]] = {}
        self.workdays: dict[date, tuple[str, str]] = {}
        years: set[int] = set()
        for entry in data.get("year", []):
            year = entry["year"]
            if year in years:
                raise ValueError(f"{where}: year {year} is listed twice")
            years.add(year)
            for block in entry["holidays"]:
                names = (block["name_zh"], block["name_en"])
                first, last = block["first"], block["last"]
                if not (isinstance(first, date) and isinstance(last, date) and first <= last):
                    raise ValueError(f"{where}: {year} {names[0]}: first/last must be dates, first <= last")
                for d in _each_day(first, last):
                    if d in self.holidays:
                        raise ValueError(f"{where}: {d} is in two holiday blocks")
                    self.holidays[d] = names
                for d in block["workdays"]:
                    if d.weekday() < 5:
                        raise ValueError(f"{where}: make-up working day {d} is not a weekend day")
                    self.workdays[d] = names
        both = sorted(self.holidays.keys() & self.workdays.keys())
        if both:
            raise ValueError(f"{where}: dates both holiday and working day: {[str(d) for d in both]}")
        self.years = frozenset(years)


@lru_cache(maxsize=1)
def _official_table() -> _OfficialTable:
    return _OfficialTable(_read_toml("holidays_cn.toml"))


@lru_cache(maxsize=256)
def _estimated_by_date(year: int) -> dict[date, Holiday]:
    return {h.date: h for h in estimated_holidays(year)}


def estimated_holidays(year: int) -> list[Holiday]:
    """The rest days of `year` by the statutory rule (see the module docstring)."""
    sf = spring_festival(year)
    revised = year >= 2025  # the 2024 revision added 除夕 and May 2
    statutory: list[tuple[date, str, str]] = [(date(year, 1, 1), "元旦", "New Year's Day")]
    statutory += [(sf + timedelta(days=i), "春节", "Spring Festival") for i in range(-1 if revised else 0, 3)]
    statutory.append((qingming(year), "清明节", "Qingming Festival"))
    statutory += [(date(year, 5, d), "劳动节", "Labour Day") for d in ((1, 2) if revised else (1,))]
    statutory.append((_lunar_to_solar(year, 5, 5), "端午节", "Dragon Boat Festival"))
    statutory.append((_lunar_to_solar(year, 8, 15), "中秋节", "Mid-Autumn Festival"))
    statutory += [(date(year, 10, d), "国庆节", "National Day") for d in (1, 2, 3)]

    names: dict[date, list[tuple[str, str]]] = {}
    owed: list[tuple[date, str, str]] = []  # statutory days that need a substitute rest day
    for d, zh, en in statutory:
        if d.weekday() >= 5 or d in names:
            owed.append((d, zh, en))
        names.setdefault(d, []).append((zh, en))
    result = {
        d: Holiday(d, "、".join(zh for zh, _ in pairs), "estimated", " & ".join(en for _, en in pairs))
        for d, pairs in names.items()
    }
    # Substitutes are placed after all statutory days are known, so one never lands on another.
    for d, zh, en in owed:
        sub = d
        while sub.weekday() >= 5 or sub in result:
            sub += timedelta(days=1)
        result[sub] = Holiday(sub, f"{zh}（补休）", "estimated", f"{en} (substitute day)")
    return sorted(result.values(), key=lambda h: h.date)


def _named_dates(values: Iterable[date] | Mapping[date, str], what: str) -> dict[date, str]:
    """Config days as {date: name}; a plain iterable gets empty names."""
    if isinstance(values, Mapping):
        return {_as_date(d, what): str(name or "") for d, name in values.items()}
    return {_as_date(d, what): "" for d in values}


class HolidayCalendar:
    """Which days the team works: official table, else estimate, with config on top."""

    def __init__(
        self,
        extra_holidays: Iterable[date] | Mapping[date, str] = (),
        extra_workdays: Iterable[date] = (),
    ):
        self._extra_holidays = _named_dates(extra_holidays, "extra_holidays")
        self._extra_workdays = frozenset(_named_dates(extra_workdays, "extra_workdays"))
        clash = sorted(self._extra_holidays.keys() & self._extra_workdays)
        if clash:
            raise ValueError(f"dates configured both as holiday and as working day: {[str(d) for d in clash]}")
        self._official = _official_table()

    def is_published(self, year: int) -> bool:
        """True when the official schedule of `year` is in the built-in table."""
        return year in self._official.years

    def _builtin_holiday(self, d: date) -> Holiday | None:
        if d in self._official.holidays:
            zh, en = self._official.holidays[d]
            return Holiday(d, zh, "official", en)
        if not self.is_published(d.year) and d.year in LUNAR_YEARS:
            return _estimated_by_date(d.year).get(d)
        return None  # published year, or a year too far out to estimate: weekends only

    def is_working_day(self, d: date) -> bool:
        d = _as_date(d)
        if d in self._extra_workdays:
            return True
        if d in self._extra_holidays:
            return False
        if d in self._official.workdays:
            return True
        if self._builtin_holiday(d) is not None:
            return False
        return d.weekday() < 5

    def working_days(self, start: date, end: date) -> list[date]:
        """Working days from start to end inclusive."""
        return [d for d in _each_day(_as_date(start), _as_date(end)) if self.is_working_day(d)]

    def holidays(self, start: date, end: date) -> list[Holiday]:
        """Named rest days in range: statutory blocks (weekends inside them too) and config days.

        Ordinary weekends are not listed; a day overridden as a working day is not listed.
        """
        out: list[Holiday] = []
        for d in _each_day(_as_date(start), _as_date(end)):
            if self.is_working_day(d):
                continue
            if d in self._extra_holidays:
                name = self._extra_holidays[d]
                out.append(Holiday(d, name or CONFIG_HOLIDAY_ZH, "config", name or CONFIG_HOLIDAY_EN))
            elif (holiday := self._builtin_holiday(d)) is not None:
                out.append(holiday)
        return out

    def makeup_workdays(self, start: date, end: date) -> list[date]:
        """Weekend days in range that are working days (调休, or configured)."""
        return [d for d in self.working_days(start, end) if d.weekday() >= 5]

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        return self._step(_as_date(d), 1)

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before `d`."""
        return self._step(_as_date(d), -1)

    def _step(self, d: date, step: int) -> date:
        for i in range(1, 367):  # bounded: a misconfigured year of holidays must not hang
            candidate = d + timedelta(days=step * i)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within a year {'after' if step > 0 else 'before'} {d}")


# -------------------------------------------------------------------------- phases


@dataclass(frozen=True)
class PhaseDefinition:
    number: int
    start_day: int
    name_zh: str
    name_en: str
    goals_zh: tuple[str, ...]
    goals_en: tuple[str, ...]
    assumption: bool
    note: str = ""


@dataclass(frozen=True)
class Phase:
    number: int
    name_zh: str
    name_en: str
    start: date
    end: date
    working_days: int
    goals_zh: tuple[str, ...]
    goals_en: tuple[str, ...]
    assumption: bool


def validate_phase_starts(starts: Sequence[int]) -> tuple[int, ...]:
    """Start days must begin with 1, rise strictly and stay <= 28 (every month has them)."""
    values = tuple(starts)
    if not values or any(not isinstance(s, int) or isinstance(s, bool) for s in values):
        raise ValueError(f"phase start days must be a non-empty list of integers, got {list(values)!r}")
    if values[0] != 1:
        raise ValueError(f"the first phase must start on day 1, got {values[0]}")
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"phase start days must be strictly increasing, got {list(values)}")
    if values[-1] > 28:
        raise ValueError(f"phase start days must be <= 28 so every month has every phase, got {values[-1]}")
    return values


def parse_phase_definitions(data: Mapping[str, Any], where: str = "phases.toml") -> tuple[PhaseDefinition, ...]:
    defs = []
    for i, item in enumerate(data.get("phase", []), 1):
        try:
            d = PhaseDefinition(
                number=int(item["number"]),
                start_day=int(item["start_day"]),
                name_zh=str(item["name_zh"]),
                name_en=str(item["name_en"]),
                goals_zh=tuple(map(str, item.get("goals_zh", ()))),
                goals_en=tuple(map(str, item.get("goals_en", ()))),
                assumption=bool(item.get("assumption", False)),
                note=str(item.get("note", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{where}: phase #{i}: missing or invalid field {exc}") from exc
        if d.number != i:
            raise ValueError(f"{where}: phase #{i} has number {d.number}; phases must be numbered 1, 2, 3, ...")
        defs.append(d)
    validate_phase_starts([d.start_day for d in defs])
    return tuple(defs)


@lru_cache(maxsize=1)
def load_phase_definitions() -> tuple[PhaseDefinition, ...]:
    """The R4 phases from salesplan/data/phases.toml."""
    return parse_phase_definitions(_read_toml("phases.toml"))


def _starts_or_default(starts: Sequence[int] | None) -> tuple[int, ...]:
    if starts is None:
        return tuple(d.start_day for d in load_phase_definitions())
    return validate_phase_starts(starts)


def phase_of(d: date, starts: Sequence[int] | None = None) -> int:
    """The phase number (1-based) of day `d`; starts default to phases.toml (1, 6, 11, 16, 21, 26)."""
    return sum(1 for s in _starts_or_default(starts) if s <= _as_date(d).day)


def month_phases(month: Month, calendar: HolidayCalendar, starts: Sequence[int] | None = None) -> list[Phase]:
    """The month cut into phases; the last phase ends on the month's last day.

    Names and goals come from phases.toml by position; phases beyond the file get a
    generic name and are flagged as assumptions.
    """
    values = _starts_or_default(starts)
    defs = load_phase_definitions()
    ends = [s - 1 for s in values[1:]] + [month.length]
    phases = []
    for number, (first, last) in enumerate(zip(values, ends), 1):
        start, end = date(month.year, month.month, first), date(month.year, month.month, last)
        known = defs[number - 1] if number <= len(defs) else None
        phases.append(Phase(
            number=number,
            name_zh=known.name_zh if known else f"第{number}阶段",
            name_en=known.name_en if known else f"Phase {number}",
            start=start,
            end=end,
            working_days=len(calendar.working_days(start, end)),
            goals_zh=known.goals_zh if known else (),
            goals_en=known.goals_en if known else (),
            assumption=known.assumption if known else True,
        ))
    return phases
