"""The month's calendar as an iCalendar file (RFC 5545), written with the stdlib.

* ``METHOD:PUBLISH``, one ``VTIMEZONE`` for Asia/Shanghai (UTC+8 all year, no DST
  since 1991), every timed event as ``DTSTART;TZID=Asia/Shanghai:...``.
* Every dated event of the plan (R5: briefings, trainings, the Thursday 15:00
  sharing, salons, the kick-off on the 2nd, the analysis meeting on the 25th, the
  support list before the month, ...), every phase (R4) as an all-day span, the
  month's statutory holidays and make-up working days, and the Spring Festival
  sensitive period (R10) when the month overlaps it.
* An event without a time is an all-day event (``VALUE=DATE``). A timed event lasts
  :data:`DEFAULT_DURATION_MIN` minutes *(assumption; the source gives no
  durations)*, except a deadline (the plan release "before 11:00"), which is a point
  in time with a reminder 30 minutes before.
* UIDs are stable (month + event key + date), so re-importing an updated plan
  updates the events instead of duplicating them.
* Lines are CRLF-terminated and folded at 75 octets without splitting a UTF-8
  character; TEXT values are escaped.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from salesplan.announce.content import Announcement, build_announcement, one_line, yuan

TZID = "Asia/Shanghai"
PRODID = "-//salesplan//Sales battle plan//ZH"
DEFAULT_DURATION_MIN = 60     # (assumption) length of a timed event
DEADLINE_KEYS = frozenset({"plan_release"})
DEADLINE_ALARM_MIN = 30

VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    f"X-LIC-LOCATION:{TZID}",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0800",
    "TZOFFSETTO:+0800",
    "TZNAME:CST",
    "DTSTART:19700101T000000",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def escape_text(value: object) -> str:
    """RFC 5545 §3.3.11 TEXT escaping."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets (continuations start with one space)."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts, current, limit = [], b"", 75
    for ch in line:
        b = ch.encode("utf-8")
        if len(current) + len(b) > limit:
            parts.append(current.decode("utf-8"))
            current, limit = b"", 74          # the leading space takes one octet
        current += b
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _d(value: date) -> str:
    return value.strftime("%Y%m%d")


def _dt(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def _uid(month: str, key: str, day: date, n: int = 0) -> str:
    suffix = f"-{n}" if n else ""
    return f"{month}-{key}-{_d(day)}{suffix}@salesplan"


class _Writer:
    def __init__(self, stamp: datetime):
        self.lines: list[str] = []
        self.stamp = stamp.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.uids: set[str] = set()

    def add(self, name: str, value: str) -> None:
        self.lines.append(f"{name}:{value}")

    def event(self, *, month: str, key: str, day: date, summary: str, description: str = "",
              start_time: str = "", end: date | None = None, categories: str = "", transparent: bool = False,
              deadline: bool = False) -> None:
        uid, n = _uid(month, key, day), 0
        while uid in self.uids:
            n += 1
            uid = _uid(month, key, day, n)
        self.uids.add(uid)
        self.add("BEGIN", "VEVENT")
        self.add("UID", uid)
        self.add("DTSTAMP", self.stamp)
        if start_time:
            hh, mm = (int(x) for x in start_time.split(":"))
            start = datetime(day.year, day.month, day.day, hh, mm)
            self.lines.append(f"DTSTART;TZID={TZID}:{_dt(start)}")
            if not deadline:
                self.lines.append(f"DTEND;TZID={TZID}:{_dt(start + timedelta(minutes=DEFAULT_DURATION_MIN))}")
        else:
            self.lines.append(f"DTSTART;VALUE=DATE:{_d(day)}")
            self.lines.append(f"DTEND;VALUE=DATE:{_d((end or day) + timedelta(days=1))}")
        self.add("SUMMARY", escape_text(summary))
        if description:
            self.add("DESCRIPTION", escape_text(description))
        if categories:
            self.add("CATEGORIES", escape_text(categories))
        self.add("TRANSP", "TRANSPARENT" if transparent else "OPAQUE")
        self.add("STATUS", "CONFIRMED")
        if deadline:
            self.add("BEGIN", "VALARM")
            self.add("ACTION", "DISPLAY")
            self.add("DESCRIPTION", escape_text(summary))
            self.add("TRIGGER", f"-PT{DEADLINE_ALARM_MIN}M")
            self.add("END", "VALARM")
        self.add("END", "VEVENT")


def render_ics(plan_or_announcement, *, stamp: datetime | None = None, lang: str | None = None) -> str:
    """The .ics text for a Plan (or an already built Announcement plus its plan)."""
    if isinstance(plan_or_announcement, Announcement):
        raise TypeError("render_ics needs the Plan (events carry rule/assumption flags the announcement drops)")
    plan = plan_or_announcement
    ann = build_announcement(plan, lang=lang)
    L, d, zh = ann.labels, ann.data, ann.lang == "zh"
    month = d["month"]
    w = _Writer(stamp or datetime.now(timezone.utc))
    w.add("BEGIN", "VCALENDAR")
    w.add("VERSION", "2.0")
    w.add("PRODID", PRODID)
    w.add("CALSCALE", "GREGORIAN")
    w.add("METHOD", "PUBLISH")
    w.add("X-WR-CALNAME", escape_text(ann.title))
    w.add("X-WR-TIMEZONE", TZID)
    w.lines.extend(VTIMEZONE)
    category = "销售作战方案" if zh else "Sales plan"

    for e in sorted(plan.events, key=lambda e: (e.date, e.time or "99:99", e.key)):
        summary = one_line(e.name_zh if zh else e.name_en)
        desc = [one_line(e.name_en) if zh else one_line(e.name_zh), f"{ann.title} · {e.rule}"]
        if e.assumption:
            desc.append("日期/时间为假设（方案原文未给出）" if zh else "date/time is an assumption (not in the source plan)")
        w.event(month=month, key=e.key, day=e.date, summary=summary, description="\n".join(desc),
                start_time=e.time or "", categories=category, transparent=not e.time,
                deadline=e.key in DEADLINE_KEYS and bool(e.time))

    for pt in plan.phases:
        ph = pt.phase
        name = one_line(ph.name_zh if zh else ph.name_en)
        summary = (f"阶段{ph.number} {name}" if zh else f"Phase {ph.number}: {name}")
        desc = [f"{L['target_amount']}: {yuan(pt.revenue)} ({ph.working_days} {L['days']})"]
        desc += [f"{one_line(r)}: {yuan(v)}" for r, v in pt.regions.items()]
        goals = ph.goals_zh if zh else ph.goals_en
        if goals:
            desc.append(f"{L['goals']}:")
            desc += [f"- {g}" for g in goals]
        w.event(month=month, key=f"phase{ph.number}", day=ph.start, end=ph.end, summary=summary,
                description="\n".join(desc), categories=category, transparent=True)

    for h in plan.holidays:
        w.event(month=month, key="holiday", day=h.date, summary=f"{L['holiday']}: {one_line(h.name)}",
                categories=L["holiday"], transparent=True)
    for day in plan.makeup_workdays:
        w.event(month=month, key="makeup", day=day, summary=L["makeup"], categories=L["makeup"])

    if plan.sensitive_window:
        start, end = plan.sensitive_window
        alert = next((a.message for a in plan.alerts if a.code == "sensitive_period"), "")
        w.event(month=month, key="sensitive_period", day=start, end=end,
                summary=(f"{L['sensitive']}：大客户保号预案" if zh else f"{L['sensitive']}: key-account retention plan"),
                description=one_line(alert), categories=category, transparent=True)

    w.add("END", "VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in w.lines)


def write_ics(plan, path: str | Path, *, stamp: datetime | None = None, lang: str | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_ics(plan, stamp=stamp, lang=lang).encode("utf-8"))
    return path
