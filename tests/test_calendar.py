"""Tests of the calendar engine: Month, holidays, Spring Festival window, phases, events.

Most cases live in tests/cases/calendar.toml so sales-ops can read and extend them;
this file runs them and adds the structural checks that a table cannot express.
"""
from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from salesplan.engine.calendar import (
    Holiday,
    HolidayCalendar,
    estimated_holidays,
    load_phase_definitions,
    month_phases,
    phase_of,
    qingming,
    sensitive_overlap,
    sensitive_window,
    spring_festival,
)
from salesplan.engine.calendar_events import EventRule, event_rules, month_events
from salesplan.engine.month import Month
from salesplan.engine.params import EventSettings

CASES = tomllib.loads((Path(__file__).parent / "cases" / "calendar.toml").read_text(encoding="utf-8"))


def cases(kind: str):
    return pytest.mark.parametrize("case", CASES[kind], ids=[c["name"] for c in CASES[kind]])


def calendar_for(inp: dict) -> HolidayCalendar:
    return HolidayCalendar(inp.get("extra_holidays", ()), inp.get("extra_workdays", ()))


# ------------------------------------------------------------------ table-driven


@cases("working_days_in_month")
def test_working_days_in_month(case):
    month = Month.parse(case["input"]["month"])
    assert len(calendar_for(case["input"]).working_days(month.first_day, month.last_day)) == case["expected"]


@cases("is_working_day")
def test_is_working_day(case):
    assert calendar_for(case["input"]).is_working_day(case["input"]["date"]) is case["expected"]


@cases("holidays")
def test_holidays(case):
    inp = case["input"]
    found = calendar_for(inp).holidays(inp["start"], inp["end"])
    assert [h.date for h in found] == case["expected"]
    if "expected_names" in case:
        assert sorted({h.name for h in found}) == sorted(case["expected_names"])
    if "expected_source" in case:
        assert {h.source for h in found} == {case["expected_source"]}


@cases("makeup_workdays")
def test_makeup_workdays(case):
    inp = case["input"]
    assert calendar_for(inp).makeup_workdays(inp["start"], inp["end"]) == case["expected"]


@cases("published")
def test_is_published(case):
    cal = HolidayCalendar()
    assert [cal.is_published(y) for y in case["input"]["years"]] == case["expected"]


@cases("spring_festival")
def test_spring_festival(case):
    assert spring_festival(case["input"]["year"]) == case["expected"]


@cases("qingming")
def test_qingming(case):
    assert qingming(case["input"]["year"]) == case["expected"]


@cases("sensitive_window")
def test_sensitive_window(case):
    inp = case["input"]
    assert list(sensitive_window(inp["year"], inp.get("months_before", 1))) == case["expected"]


@cases("sensitive_overlap")
def test_sensitive_overlap(case):
    inp = case["input"]
    found = sensitive_overlap(Month.parse(inp["month"]), inp.get("months_before", 1))
    assert (list(found) if found else []) == case["expected"]


@cases("phases")
def test_month_phases(case):
    inp = case["input"]
    phases = month_phases(Month.parse(inp["month"]), HolidayCalendar(), inp.get("starts"))
    assert [p.start.day for p in phases] == case["expected"]["starts"]
    assert [p.end.day for p in phases] == case["expected"]["ends"]
    assert [p.working_days for p in phases] == case["expected"]["working_days"]


@cases("phase_of")
def test_phase_of(case):
    days = [date(2026, 12, d) for d in case["input"]["days"]]
    assert [phase_of(d) for d in days] == case["expected"]


@cases("events")
def test_events(case):
    inp = case["input"]
    found = [e for e in month_events(Month.parse(inp["month"]), HolidayCalendar()) if e.key == inp["key"]]
    assert [e.date for e in found] == case["expected"]
    if "expected_time" in case:
        assert {e.time for e in found} == {case["expected_time"]}
    if "expected_assumption" in case:
        assert {e.assumption for e in found} == {case["expected_assumption"]}


# ------------------------------------------------------------------------ Month


def test_month_basics():
    m = Month.parse("2026-12")
    assert (m.year, m.month, str(m)) == (2026, 12, "2026-12")
    assert (m.first_day, m.last_day, len(m.days)) == (date(2026, 12, 1), date(2026, 12, 31), 31)
    assert m.days[0] == m.first_day and m.days[-1] == m.last_day
    assert (m.next(), m.prev()) == (Month(2027, 1), Month(2026, 11))
    assert Month(2026, 1).prev() == Month(2025, 12)
    assert str(Month.parse("2026-2")) == "2026-02" and Month(2028, 2).length == 29
    assert date(2026, 12, 31) in m and date(2027, 1, 1) not in m
    assert Month(2026, 11) < m and {m: 1}[Month(2026, 12)] == 1


def test_month_next_after_is_the_default_plan_month():
    assert Month.next_after(date(2026, 11, 28)) == Month(2026, 12)
    assert Month.next_after(date(2026, 12, 31)) == Month(2027, 1)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-12", "2026/12", "December", "", "2026-12-01"])
def test_month_parse_rejects(text):
    with pytest.raises(ValueError, match="YYYY-MM|month must be"):
        Month.parse(text)


# --------------------------------------------------------------------- holidays


def test_holiday_records_carry_names_and_source():
    cal = HolidayCalendar()
    assert cal.holidays(date(2026, 10, 1), date(2026, 10, 1)) == [
        Holiday(date(2026, 10, 1), "国庆节", "official", "National Day")
    ]


def test_config_holiday_can_be_named():
    cal = HolidayCalendar(extra_holidays={date(2026, 12, 31): "公司年会"})
    assert cal.holidays(date(2026, 12, 31), date(2026, 12, 31))[0].name == "公司年会"


def test_config_accepts_datetimes():
    cal = HolidayCalendar(extra_holidays=[datetime(2026, 12, 31, 9, 0)])
    assert not cal.is_working_day(date(2026, 12, 31))


def test_config_conflict_is_an_error():
    with pytest.raises(ValueError, match="both as holiday and as working day"):
        HolidayCalendar(extra_holidays=[date(2026, 12, 31)], extra_workdays=[date(2026, 12, 31)])


def test_reversed_range_is_empty():
    assert HolidayCalendar().working_days(date(2026, 12, 31), date(2026, 12, 1)) == []


@pytest.mark.parametrize("year", range(2020, 2027))
def test_estimation_rule_agrees_with_published_years(year):
    """Every statutory day the estimator produces is a rest day in the official table.

    This checks the lunar dates, Qingming and the law's day list (both before and
    after the 2025 revision) against real schedules.
    """
    cal = HolidayCalendar()
    statutory = [h for h in estimated_holidays(year) if "补休" not in h.name]
    assert statutory and all(not cal.is_working_day(h.date) for h in statutory)


def test_estimated_2027_has_13_statutory_days_and_substitutes():
    days = estimated_holidays(2027)
    statutory = [h for h in days if "补休" not in h.name]
    assert len(statutory) == 13 and {h.source for h in days} == {"estimated"}
    # Every statutory day on a weekend got a weekday substitute.
    weekend = sum(1 for h in statutory if h.date.weekday() >= 5)
    assert len(days) - len(statutory) == weekend


def test_official_table_invariants():
    cal = HolidayCalendar()
    for year in range(2020, 2027):
        assert cal.is_published(year)
        days = cal.holidays(date(year - 1, 12, 25), date(year, 12, 31))
        assert {h.source for h in days} == {"official"}
        for name in ("春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"):
            assert any(name in h.name for h in days if h.date.year == year), (year, name)
        assert all(d.weekday() >= 5 for d in cal.makeup_workdays(date(year, 1, 1), date(year, 12, 31)))


@pytest.mark.parametrize("year", [1899, 2100, "2027"])
def test_lunar_range_errors_are_clear(year):
    with pytest.raises(ValueError, match="1900..2099"):
        spring_festival(year)


def test_sensitive_window_rejects_bad_length():
    with pytest.raises(ValueError, match="months_before"):
        sensitive_window(2027, 0)


# ----------------------------------------------------------------------- phases


def test_phase_definitions_match_r4():
    defs = load_phase_definitions()
    assert [d.start_day for d in defs] == [1, 6, 11, 16, 21, 26]
    assert [d.name_zh for d in defs] == [
        "月初冲刺周", "潜力客户攻坚周", "重点客户突破周", "冲刺收尾周", "复盘优化周", "月末收官",
    ]
    assert [d.assumption for d in defs] == [False] * 5 + [True]
    assert defs[-1].note and all(d.goals_zh and len(d.goals_zh) == len(d.goals_en) for d in defs)


def test_phases_cover_the_month_exactly():
    cal = HolidayCalendar()
    for month in (Month(2026, m) for m in range(1, 13)):
        phases = month_phases(month, cal)
        assert phases[0].start == month.first_day and phases[-1].end == month.last_day
        assert all(a.end + timedelta(days=1) == b.start for a, b in zip(phases, phases[1:]))
        assert sum(p.working_days for p in phases) == len(cal.working_days(month.first_day, month.last_day))


def test_phases_beyond_the_definitions_get_generic_names():
    phases = month_phases(Month(2026, 12), HolidayCalendar(), [1, 5, 9, 13, 17, 21, 25])
    assert (phases[-1].name_zh, phases[-1].name_en, phases[-1].assumption) == ("第7阶段", "Phase 7", True)


@pytest.mark.parametrize("starts, message", [
    ([], "non-empty"), ([2, 10], "day 1"), ([1, 10, 10], "strictly increasing"),
    ([1, 20, 15], "strictly increasing"), ([1, 29], "<= 28"), ([1, 6.5], "integers"),
])
def test_phase_starts_are_validated(starts, message):
    with pytest.raises(ValueError, match=message):
        month_phases(Month(2026, 12), HolidayCalendar(), starts)
    with pytest.raises(ValueError, match=message):
        phase_of(date(2026, 12, 1), starts)


# ----------------------------------------------------------------------- events


def test_event_rules_are_complete():
    rules = event_rules()
    assert {r.key for r in rules} == {
        "policy_briefing", "supervisor_rotation", "online_training", "champion_sharing", "product_quiz",
        "industry_cases", "social_media", "offline_salon", "plan_release", "kickoff_meeting",
        "analysis_meeting", "support_list",
    }
    assert all(r.rule == "R5" and r.name_zh and r.name_en for r in rules)
    # what the source leaves open is an assumption (and a setting: [events])
    assert {r.key for r in rules if r.assumption} == {"product_quiz", "industry_cases", "offline_salon",
                                                      "support_list"}


def test_event_settings_move_the_events():
    settings = EventSettings(quiz_weekday="thu", salon_weeks=(1, 3), salon_time="15:00", analysis_day=20,
                             analysis_if_not_working="next", support_list_workdays_before=2)
    events = month_events(Month(2026, 12), HolidayCalendar(), event_rules(settings))
    by = lambda k: [e for e in events if e.key == k]  # noqa: E731
    assert [e.date.day for e in by("product_quiz")] == [3, 10, 17, 24, 31]
    assert [(e.date.day, e.time) for e in by("offline_salon")] == [(1, "15:00"), (15, "15:00")]
    assert [e.date.day for e in by("analysis_meeting")] == [21]           # the 20th is a Sunday: next
    assert [e.date for e in by("support_list")] == [date(2026, 11, 27)]   # 2nd working day before


def test_weekly_events_fall_only_on_working_days():
    cal = HolidayCalendar()
    weekly = {r.key for r in event_rules() if r.kind == "weekly"}
    month = Month(2020, 1)
    while month <= Month(2027, 12):
        for event in month_events(month, cal):
            if event.key in weekly:
                assert cal.is_working_day(event.date), (str(month), event)
        month = month.next()


def test_weekly_events_not_added_on_makeup_saturdays():
    events = month_events(Month(2026, 2), HolidayCalendar())
    assert not [e for e in events if e.date in (date(2026, 2, 14), date(2026, 2, 28)) and e.key != "support_list"]


def test_events_are_sorted_and_counted_for_december_2026():
    events = month_events(Month(2026, 12), HolidayCalendar())
    assert events == sorted(events, key=lambda e: (e.date, e.time, e.key))
    counts = {k: sum(e.key == k for e in events) for k in {e.key for e in events}}
    assert counts == {
        "policy_briefing": 4, "supervisor_rotation": 4, "online_training": 5, "champion_sharing": 5,
        "product_quiz": 4, "industry_cases": 10, "offline_salon": 2, "plan_release": 1,
        "kickoff_meeting": 1, "analysis_meeting": 1, "support_list": 1,
    }


def test_custom_rules_replace_the_defaults():
    rule = EventRule(key="demo", kind="weekly", name_zh="演示", name_en="Demo", weekdays=(4,), time="10:00")
    events = month_events(Month(2026, 10), HolidayCalendar(), [rule])
    assert [e.date.day for e in events] == [9, 16, 23, 30] and {e.time for e in events} == {"10:00"}


