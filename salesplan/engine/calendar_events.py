"""The R5 recurring calendar: the events of the plan, dated for the actual month.

What the source plan fixes (Monday briefings, Thursday 15:00 sharing, the plan sent on
the 1st before 11:00 ...) is written here; what it leaves open — the quiz day, the case
update days, the salons' weeks and time, where a meeting moves on a holiday, when the
support list goes out — comes from the plan's ``[events]`` settings
(:class:`~salesplan.engine.params.EventSettings`), so a director changes it in the plan
file or in 设置, never in code.

Weekly events happen only on working days, a deliberate choice: a Monday that is a
holiday gets no policy briefing; a make-up working Saturday (调休) gets no second set of
weekly events. Dated events follow their ``if_not_working`` setting; an event moved to
another day is flagged as an assumption. Daily targets (50 social-media posts) are data,
not listed per day.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from salesplan.engine.calendar import HolidayCalendar
from salesplan.engine.month import Month
from salesplan.engine.params import EventSettings

__all__ = ["WEEKDAYS", "IF_NOT_WORKING", "EVENT_KINDS", "EventRule", "Event", "event_rules", "month_events",
           "time_problem", "TIME_RE"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
IF_NOT_WORKING = ("skip", "keep", "next", "previous")
EVENT_KINDS = ("weekly", "monthly_day", "nth_weekday", "previous_month_working_day", "daily")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def time_problem(value: object) -> str | None:
    """What an event time must be, when ``value`` is not 'HH:MM' (00:00 … 23:59); else None."""
    if isinstance(value, str) and TIME_RE.match(value):
        return None
    return "a time 'HH:MM' from 00:00 to 23:59, e.g. \"14:00\""


@dataclass(frozen=True)
class EventRule:
    key: str
    kind: str
    name_zh: str
    name_en: str
    time: str = ""
    weekdays: tuple[int, ...] = ()   # 0 = Monday, as date.weekday()
    day: int | None = None           # monthly_day: the day; previous_month_working_day: working days before
    nth: tuple[int, ...] = ()
    if_not_working: str = "skip"
    target: int | None = None
    rule: str = "R5"
    assumption: bool = False


@dataclass(frozen=True)
class Event:
    date: date
    time: str
    name_zh: str
    name_en: str
    key: str
    rule: str
    assumption: bool


def _days(names: Sequence[str]) -> tuple[int, ...]:
    return tuple(WEEKDAYS.index(n) for n in names)


def event_rules(settings: EventSettings | None = None) -> tuple[EventRule, ...]:
    """Every R5 event; the open points from ``settings`` (default: the built-in assumptions)."""
    s = settings or EventSettings()
    return (
        EventRule("policy_briefing", "weekly", "市场部行业政策解读", "Marketing: industry policy briefing",
                  weekdays=_days(["mon"])),
        EventRule("supervisor_rotation", "weekly", "AB销售主管轮岗（交换岗位）", "A/B sales supervisor rotation",
                  weekdays=_days(["mon"])),
        EventRule("online_training", "weekly", "产品线上培训（新员工强制参与）",
                  "Online product training (mandatory for new hires)", weekdays=_days(["wed"])),
        EventRule("champion_sharing", "weekly", "销冠分享成功案例", "Sales champion case sharing", time="15:00",
                  weekdays=_days(["thu"])),
        EventRule("product_quiz", "weekly", "产品知识竞赛（前3名额外奖励）", "Product-knowledge quiz (top 3 rewarded)",
                  weekdays=_days([s.quiz_weekday]), assumption=True),
        EventRule("industry_cases", "weekly", "行业案例集锦更新（1份）", "Industry case study update (1 case)",
                  weekdays=_days(s.industry_cases_weekdays), assumption=True),
        EventRule("social_media", "daily", "社交媒体推广（日均50条行业资讯）", "Social media: 50 industry posts a day",
                  if_not_working="keep", target=50),
        EventRule("offline_salon", "nth_weekday", "线下沙龙活动（1v1转化率目标5%）",
                  "Offline salon (1-on-1 conversion target 5%)", time=s.salon_time,
                  weekdays=_days([s.salon_weekday]), nth=tuple(s.salon_weeks),
                  if_not_working=s.salon_if_not_working, assumption=True),
        EventRule("plan_release", "monthly_day", "方案下发至全团队邮箱及钉钉群公告（11:00前）",
                  "Plan sent to the team mailbox and DingTalk group (before 11:00)", time="11:00", day=1,
                  if_not_working="keep"),   # an announcement, not a meeting: the 1st even on a holiday
        EventRule("kickoff_meeting", "monthly_day", "各区域执行启动会", "Regional kick-off meetings",
                  day=s.kickoff_day, if_not_working=s.kickoff_if_not_working),
        EventRule("analysis_meeting", "monthly_day", "销售总监执行分析会（梳理数据，调整为下月计划）",
                  "Sales director's execution analysis meeting (becomes next month's plan)",
                  day=s.analysis_day, if_not_working=s.analysis_if_not_working),
        EventRule("support_list", "previous_month_working_day", "绩效经理向各业务部门主任发送当月支持清单",
                  "Performance manager sends each department head the month's support list",
                  day=s.support_list_workdays_before, if_not_working="keep", assumption=True),
    )


def _rule_dates(rule: EventRule, month: Month, calendar: HolidayCalendar) -> list[date]:
    """The nominal dates of a rule in a month, before the working-day policy."""
    if rule.kind == "weekly":
        return [d for d in month.days if d.weekday() in rule.weekdays]
    if rule.kind == "monthly_day":
        return [date(month.year, month.month, rule.day)]
    if rule.kind == "nth_weekday":
        matching = [d for d in month.days if d.weekday() == rule.weekdays[0]]
        return [matching[n - 1] for n in sorted(set(rule.nth))]
    if rule.kind == "previous_month_working_day":
        d = month.first_day
        for _ in range(rule.day or 1):
            d = calendar.previous_working_day(d)
        return [d]
    return []  # "daily": a target, not a list of 30 identical rows


def month_events(month: Month, calendar: HolidayCalendar, rules: Sequence[EventRule] | None = None
                 ) -> list[Event]:
    """The month's dated events, sorted by (date, time, key); rules default to :func:`event_rules`."""
    events = []
    for rule in event_rules() if rules is None else rules:
        for d in _rule_dates(rule, month, calendar):
            moved = False
            if not calendar.is_working_day(d):
                if rule.if_not_working == "skip":
                    continue
                if rule.if_not_working in ("next", "previous"):
                    forward = rule.if_not_working == "next"
                    d = calendar.next_working_day(d) if forward else calendar.previous_working_day(d)
                    moved = True
            events.append(Event(d, rule.time, rule.name_zh, rule.name_en, rule.key, rule.rule,
                                rule.assumption or moved))
    return sorted(events, key=lambda e: (e.date, e.time, e.key))
