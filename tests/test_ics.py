"""Issue 7: `salesplan calendar` — the month's .ics, parsed back with the icalendar library."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import icalendar
import pytest

from salesplan.announce.ics import DEFAULT_DURATION_MIN, fold, render_ics
from salesplan.cli import main
from salesplan.config import default_config_text
from salesplan.config.loader import parse_config
from salesplan.engine.plan import compute_plan

STAMP = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)


def plan_for(month: str):
    return compute_plan(parse_config(default_config_text(), month=month))


def parse(text: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(text)


def _tzname(dt: datetime) -> str:
    tz = dt.tzinfo
    return str(getattr(tz, "key", None) or getattr(tz, "zone", None) or tz)


@pytest.mark.parametrize("month", ["2026-12", "2027-01", "2026-10"])
def test_round_trip_every_event_and_phase(month):
    plan = plan_for(month)
    text = render_ics(plan, stamp=STAMP)
    cal = parse(text)
    assert cal["VERSION"] == "2.0" and cal["METHOD"] == "PUBLISH"
    tzs = [c for c in cal.walk("VTIMEZONE")]
    assert [str(t["TZID"]) for t in tzs] == ["Asia/Shanghai"]
    events = cal.walk("VEVENT")
    expected = (len(plan.events) + len(plan.phases) + len(plan.holidays) + len(plan.makeup_workdays)
                + (1 if plan.sensitive_window else 0))
    assert len(events) == expected
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    for e in events:
        assert "DTSTAMP" in e and "SUMMARY" in e

    by_summary: dict[str, list] = {}
    for e in events:
        by_summary.setdefault(str(e["SUMMARY"]), []).append(e)

    for ev in plan.events:
        matches = [e for e in by_summary[ev.name_zh]
                   if (e.decoded("DTSTART").date() if isinstance(e.decoded("DTSTART"), datetime)
                       else e.decoded("DTSTART")) == ev.date]
        assert len(matches) == 1, ev
        start = matches[0].decoded("DTSTART")
        if ev.time:
            assert isinstance(start, datetime)
            assert _tzname(start) == "Asia/Shanghai"
            assert start.utcoffset() == timedelta(hours=8)
            assert start.time() == time.fromisoformat(ev.time)
        else:
            assert type(start) is date
            assert matches[0].decoded("DTEND") == ev.date + timedelta(days=1)

    for pt in plan.phases:
        e = [x for x in events if str(x["UID"]).startswith(f"{month}-phase{pt.phase.number}-")]
        assert len(e) == 1
        assert e[0].decoded("DTSTART") == pt.phase.start
        assert e[0].decoded("DTEND") == pt.phase.end + timedelta(days=1)      # DTEND is exclusive
        assert f"¥{pt.revenue:,}" in str(e[0]["DESCRIPTION"])
        assert pt.phase.name_zh in str(e[0]["SUMMARY"])

    # re-serialising through the library and parsing again keeps every event
    again = parse(cal.to_ical())
    assert len(again.walk("VEVENT")) == expected


def test_thursday_sharing_is_15_00_shanghai_and_an_hour_long():
    cal = parse(render_ics(plan_for("2026-12"), stamp=STAMP))
    sharing = [e for e in cal.walk("VEVENT") if str(e["SUMMARY"]) == "销冠分享成功案例"]
    assert [e.decoded("DTSTART").day for e in sharing] == [3, 10, 17, 24, 31]
    for e in sharing:
        start, end = e.decoded("DTSTART"), e.decoded("DTEND")
        assert start.weekday() == 3 and start.hour == 15
        assert start.astimezone(timezone.utc).hour == 7                   # 15:00 CST = 07:00 UTC
        assert end - start == timedelta(minutes=DEFAULT_DURATION_MIN)


def test_plan_release_deadline_has_reminder():
    cal = parse(render_ics(plan_for("2026-12"), stamp=STAMP))
    (release,) = [e for e in cal.walk("VEVENT") if "钉钉群" in str(e["SUMMARY"])]
    assert release.decoded("DTSTART") == datetime(2026, 12, 1, 11, 0, tzinfo=release.decoded("DTSTART").tzinfo)
    assert "DTEND" not in release
    (alarm,) = release.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-30)


def test_sensitive_period_and_holidays():
    plan = plan_for("2027-01")
    cal = parse(render_ics(plan, stamp=STAMP))
    (sens,) = [e for e in cal.walk("VEVENT") if "保号" in str(e["SUMMARY"])]
    assert sens.decoded("DTSTART") == plan.sensitive_window[0]
    assert sens.decoded("DTEND") == plan.sensitive_window[1] + timedelta(days=1)
    oct_plan = plan_for("2026-10")
    assert oct_plan.holidays
    cal = parse(render_ics(oct_plan, stamp=STAMP))
    hol = [e for e in cal.walk("VEVENT") if str(e["UID"]).startswith("2026-10-holiday-")]
    assert {e.decoded("DTSTART") for e in hol} == {h.date for h in oct_plan.holidays}


def test_rfc5545_lines():
    text = render_ics(plan_for("2026-12"), stamp=STAMP)
    raw = text.encode("utf-8")
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert fold("X:" + "中" * 40).replace("\r\n ", "") == "X:" + "中" * 40


def test_stable_uids_across_runs():
    a = parse(render_ics(plan_for("2026-12"), stamp=STAMP))
    b = parse(render_ics(plan_for("2026-12"), stamp=STAMP + timedelta(days=3)))
    assert [str(e["UID"]) for e in a.walk("VEVENT")] == [str(e["UID"]) for e in b.walk("VEVENT")]


def test_cli_calendar(tmp_path, capsys):
    out = tmp_path / "month.ics"
    assert main(["calendar", "--month", "2026-12", "-o", str(out)]) == 0
    cal = parse(out.read_bytes())
    assert "2026-12" in str(cal["X-WR-CALNAME"])
    assert len(cal.walk("VEVENT")) > 30
    assert main(["calendar", "--month", "2026-12", "--lang", "en", "-o", "-"]) == 0
    stdout = capsys.readouterr().out
    assert "Sales champion case sharing" in stdout


def test_cli_calendar_with_unreadable_workbook_needs_month(tmp_path, capsys, monkeypatch):
    from salesplan.announce import source
    monkeypatch.setattr(source, "workbook_reader", lambda: None)
    wb = tmp_path / "PLAN.xlsx"
    wb.write_bytes(b"x")
    assert main(["calendar", str(wb), "-o", str(tmp_path / "m.ics")]) == 2
    assert "--month" in capsys.readouterr().err
    assert main(["calendar", str(wb), "--month", "2027-02", "-o", str(tmp_path / "m.ics")]) == 0
    assert "2027-02" in str(parse((tmp_path / "m.ics").read_bytes())["X-WR-CALNAME"])
