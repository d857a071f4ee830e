"""R5 event assumptions are plan settings ([events] in the plan file, rows of 设置): a changed
config moves the calendar sheet, the ICS export and 设置; an edited 设置 moves them on
regenerating; an invalid value is refused naming the key (issue 22, point 11). Real files."""
from __future__ import annotations

import shutil
from datetime import date, datetime

import openpyxl
import pytest
from icalendar import Calendar

from salesplan.cli import main

CHANGED = """\
month = "2026-12"
[events]
quiz_weekday = "thu"
salon_time = "15:00"
analysis_day = 20
"""


def _setup_value(ws, key: str):
    return next(ws.cell(r, 2).value for r in range(1, ws.max_row + 1) if ws.cell(r, 12).value == key)


def _calendar_rows(path) -> list[tuple[date, str, str]]:
    """(date, time, name) of the 作战日历 sheet's event rows."""
    ws = openpyxl.load_workbook(path, read_only=True)["作战日历"]       # this sheet only, streamed
    out = []
    for d, _, when, name, *_ in ws.iter_rows(min_col=1, max_col=4, values_only=True):
        if isinstance(d, datetime) and isinstance(name, str):
            out.append((d.date(), when or "", name))
    return out


def _ics(path) -> list[tuple[object, str]]:
    cal = Calendar.from_ical(path.read_bytes())
    return [(e.decoded("DTSTART"), str(e["SUMMARY"])) for e in cal.walk("VEVENT")]


@pytest.fixture(scope="module")
def changed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("events")
    cfg = folder / "plan.toml"
    cfg.write_text(CHANGED, encoding="utf-8")
    book = folder / "plan.xlsx"
    assert main(["generate", "--config", str(cfg), "-o", str(book)]) == 0
    return folder, cfg, book


def test_check_accepts_a_partial_events_table_and_lists_the_defaulted_keys(changed, capsys):
    _, cfg, _ = changed
    assert main(["config", "--check", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "events.salon_weekday" in out and "events.kickoff_day" in out
    assert "events.quiz_weekday" not in out


def test_changed_events_move_the_calendar_sheet_and_setup(changed):
    _, _, book = changed
    rows = _calendar_rows(book)
    quiz = [d for d, _, n in rows if n.startswith("产品知识竞赛")]
    assert quiz == [date(2026, 12, d) for d in (3, 10, 17, 24, 31)]          # Thursdays
    assert {t for _, t, n in rows if n.startswith("线下沙龙")} == {"15:00"}
    # the 20th is a Sunday; the meeting moves to the previous working day
    assert [d for d, _, n in rows if n.startswith("销售总监执行分析会")] == [date(2026, 12, 18)]
    ws = openpyxl.load_workbook(book)["设置"]
    assert _setup_value(ws, "events.quiz_weekday") == "周四"                  # the config's thu, in Chinese
    assert _setup_value(ws, "events.analysis_if_not_working") == "提前"
    assert _setup_value(ws, "events.salon_time") == "15:00"
    assert _setup_value(ws, "events.analysis_day") == 20


def test_ics_from_the_config_and_from_the_workbook(changed):
    folder, cfg, book = changed
    for i, source in enumerate((["--config", str(cfg)], [str(book)])):
        out = folder / f"m{i}.ics"
        assert main(["calendar", *source, "-o", str(out)]) == 0
        events = _ics(out)
        quiz = sorted(d for d, s in events if s.startswith("产品知识竞赛"))
        assert [d.weekday() for d in quiz] == [3] * 5                        # Thursdays
        salons = [d for d, s in events if s.startswith("线下沙龙")]
        assert salons and all((d.hour, d.minute) == (15, 0) for d in salons)
        assert [d for d, s in events if s.startswith("销售总监执行分析会")] == [date(2026, 12, 18)]   # all-day


def test_edited_setup_moves_the_calendar_on_regenerating(changed, tmp_path, monkeypatch):
    book = tmp_path / "销售作战方案-2026-12.xlsx"
    shutil.copy(changed[2], book)
    wb = openpyxl.load_workbook(book)
    ws = wb["设置"]
    # picked from 设置's lists (周三, 照常); a code typed as the plan file spells it is read too
    for key, value in (("events.quiz_weekday", "周三"), ("events.salon_weeks[1]", 3),
                       ("events.salon_if_not_working", "keep"), ("events.analysis_if_not_working", "照常")):
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 12).value == key)
        ws.cell(row, 2).value = value
    wb.save(book)
    monkeypatch.chdir(tmp_path)
    assert main(["generate", "--month", "2026-12", "-o", str(book)]) == 0     # reads 设置, regenerates
    rows = _calendar_rows(book)
    assert [d.weekday() for d, _, n in rows if n.startswith("产品知识竞赛")] == [2] * 5   # Wednesdays
    assert [d for d, _, n in rows if n.startswith("线下沙龙")] == [date(2026, 12, 8), date(2026, 12, 15)]
    assert [d for d, _, n in rows if n.startswith("销售总监执行分析会")] == [date(2026, 12, 20)]   # a Sunday, kept
    ws = openpyxl.load_workbook(book)["设置"]
    assert _setup_value(ws, "events.quiz_weekday") == "周三"
    assert _setup_value(ws, "events.salon_if_not_working") == "照常"


@pytest.mark.parametrize("bad, key, expected", [
    ('quiz_weekday = "friday"', "events.quiz_weekday", "'fri'"),
    ('salon_time = "25:00"', "events.salon_time", "HH:MM"),
    ("salon_time = 14:00:30", "events.salon_time", "HH:MM"),
    ("salon_weeks = [2, 5]", "events.salon_weeks", "1..4"),
    ('industry_cases_weekdays = ["tue", "tue"]', "events.industry_cases_weekdays", "different weekdays"),
    ("analysis_day = 31", "events.analysis_day", "≤ 28"),
    ('kickoff_if_not_working = "later"', "events.kickoff_if_not_working", "'previous'"),
    ("payday = 20", "events.payday", "known keys"),
])
def test_invalid_event_settings_are_refused_naming_the_key(tmp_path, capsys, bad, key, expected):
    cfg = tmp_path / "plan.toml"
    cfg.write_text(f"[events]\n{bad}\n", encoding="utf-8")
    assert main(["config", "--check", str(cfg)]) != 0
    cap = capsys.readouterr()
    text = cap.out + cap.err
    assert key in text and expected in text, text


def test_a_bad_setup_value_is_named_by_its_cell_and_the_words_it_offers(changed, tmp_path, monkeypatch, capsys):
    """The loader speaks the configuration's codes; a value typed in 设置 is reported by its cell,
    as typed, with the words the row offers."""
    book = tmp_path / "销售作战方案-2026-12.xlsx"
    shutil.copy(changed[2], book)
    wb = openpyxl.load_workbook(book)
    ws = wb["设置"]
    cells = {}
    for key, value in (("events.quiz_weekday", "星期五"), ("awards.champion_tiebreak", "KPI分数、先达成总额"),
                       ("targets.revenue", -5)):
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 12).value == key)
        ws.cell(row, 2).value = value
        cells[key] = f"设置!B{row}"
    for r in range(1, ws.max_row + 1):      # table rows: a share as a decimal, a scoring word
        if ws.cell(r, 12).value == "products" and ws.cell(r, 1).value == "产品B":
            ws.cell(r, 2).value = 1.5
            cells["products"] = f"设置!B{r}"
        if ws.cell(r, 12).value == "kpis" and ws.cell(r, 1).value == "reads":
            ws.cell(r, 8).value = "随便"
            cells["kpis"] = f"设置!H{r}"
    wb.save(book)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["generate", "--month", "2026-12", "-o", str(book)]) == 2
    err = capsys.readouterr().err
    assert f"{cells['events.quiz_weekday']} (events.quiz_weekday): got '星期五'; expected one of " \
           "周一、周二、周三、周四、周五、周六、周日" in err
    assert f"{cells['awards.champion_tiebreak']} (awards.champion_tiebreak): got 'KPI分数、先达成总额'; " \
           "expected KPI得分、先达成总额 in the order to compare" in err
    assert f"{cells['targets.revenue']} (targets.revenue): got -5" in err
    assert f"{cells['products']} (products[1] 产品B .share): got 1.5; expected a number ≤ 1" in err   # not Decimal('1.5')
    assert f"{cells['kpis']} (kpis[3] 日均阅读量 .scoring): got '随便'; expected one of 线性、达标制、越低越好" in err
    assert "Traceback" not in err


def _record(ws, table: str, first):
    """The sheet row of the 设置 record of ``table`` whose first cell holds ``first`` (None: the
    first blank record), and the table's field names by column (from its header row)."""
    keyed = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 12).value in (table, f"[[{table}]]")]
    fields = {ws.cell(keyed[0], c).value: c for c in range(1, 12)}
    row = next(r for r in keyed[1:] if ws.cell(r, 1).value == first
               and (first is not None or all(ws.cell(r, c).value is None for c in range(1, 12))))
    return row, fields


# (table, record's first cell, field, value typed) edited in turn; the message expected, where
# {cell} is the last edited cell and {range} that field's column over the table's non-blank records
BAD_TABLE_CELLS = {
    "kpi scoring word": ([("kpis", "reads", "scoring", "linearr")],
                         "{cell} (kpis[3] 日均阅读量 .scoring): got 'linearr'; expected one of 线性、达标制、越低越好 "
                         "(the cell's list; the codes are read too)"),
    "kpi B weight": ([("kpis", "retention", "b_weight", 1.5)],
                     "{cell} (strategy_b.kpi_weights.retention): got 1.5; expected a number ≤ 1"),
    "tier rate": ([("tiers", 0.8, "rate", 1.5)], "{cell} (commission.tiers[1].rate): got 1.5; expected a number ≤ 1"),
    "tier order": ([("tiers", 1, "from", 0.5)],
                   "{cell} (commission.tiers[2].from): got 0.5; expected a value above the previous tier's 0.8"),
    "product share": ([("products", "产品B", "share", 1.5)],
                      "{cell} (products[1] 产品B .share): got 1.5; expected a number ≤ 1"),
    "share after a blank record": ([("products", "产品A", "share", None), ("products", "产品A", "name", None),
                                    ("products", "产品C", "share", -0.2)],          # the index counts non-blank records
                                   "{cell} (products[1] 产品C .share): got -0.2; expected a number ≥ 0"),
    "shares' total": ([("products", "产品A", "share", 0.5)],
                      "{range} (products[*].share): got '0.5 + 0.3 + 0.2 + 0.1 = 1.1'; expected shares summing"),
    "region revenue": ([("regions", "华南区", "revenue", "很多")],
                       "{cell} (regions[1] 华南区 .revenue): got '很多'; expected a number"),
    "region focus weight": ([("regions", "西南区", "focus_weight", 2)],
                            "{cell} (regions[2] 西南区 .focus_weight): got 2; expected a number ≤ 1"),
    "region focus target": ([("regions", "华东区", "focus_target", -3)],      # typed on the region tab
                            "{cell} (regions[0] 华东区 .focus_target): got -3; expected a number > 0"),
    "holiday date": ([("extra_holidays", None, "date", "2026-12-24"), ("extra_holidays", None, "date", "12月25日")],
                     "{cell} (calendar.extra_holidays[1]): got '12月25日'; expected an ISO date"),
    # a partly filled record is refused naming its blank cell, never dropped ("x": a placeholder
    # that finds the record again, cleared by the last edit)
    "tier without a rate": ([("tiers", None, "from", 1.3), ("tiers", 1.3, "rate", None)],
                            "{cell} (commission.tiers[4].rate): got blank; expected a rate for the tier "
                            "that starts at 130% (or clear the row)"),
    "tier without a start": ([("tiers", None, "from", "x"), ("tiers", "x", "rate", 0.1), ("tiers", "x", "from", None)],
                             "{cell} (commission.tiers[4].from): got blank; expected the attainment where the "
                             "tier paying 10% starts (or clear the row)"),
    "holiday without a date": ([("extra_holidays", None, "date", "x"), ("extra_holidays", "x", "name", "公司年会"),
                                ("extra_holidays", "x", "date", None)],
                               "{cell} (calendar.extra_holidays[0]): got blank; expected the date of 公司年会, "
                               "like 2027-01-29 (or clear the row)"),
    "product without a share": ([("products", "产品B", "share", None)],
                                "{cell} (products[1] 产品B .share): got blank; expected a value in this cell, "
                                "as the row's other cells are filled (or clear the row)"),
    "product without a name": ([("products", "产品B", "name", None)],
                               "{cell} (products[1].name): got blank; expected a value in this cell"),
    "kpi without a target": ([("kpis", "reads", "target", None)],
                             "{cell} (kpis[3] 日均阅读量 .target): got blank; expected a value in this cell"),
    "region without a manager": ([("regions", "华南区", "manager", None)],
                                 "{cell} (regions[1] 华南区 .manager): got blank; expected a value in this cell"),
}


@pytest.fixture(scope="module")
def table_errors(changed):
    """Each case's error text and (sheet, cell, range) edited: the workbook is loaded once; cases
    editing different tables share one edited copy (a copy per table edited at most)."""
    from openpyxl.utils import get_column_letter

    from salesplan.errors import ConfigError
    from salesplan.workbook_templates.reader import read_plan_book
    wb = openpyxl.load_workbook(changed[2])
    ws = wb["设置"]
    groups: list[dict[str, tuple]] = []
    for case, (edits, _) in BAD_TABLE_CELLS.items():
        group = next((g for g in groups if all(edits[0][0] != BAD_TABLE_CELLS[c][0][0][0] for c in g)), None)
        if group is None:
            groups.append(group := {})
        group[case] = ()
    out = {}
    for n, group in enumerate(groups):
        undo = []
        for case in group:
            for table, first, name, value in BAD_TABLE_CELLS[case][0]:
                row, fields = _record(ws, table, first)
                sheet, cell = "设置", f"{get_column_letter(fields[name])}{row}"
                if name == "focus_target":          # 设置 shows the region tab's cell: ='华东区'!$G$7
                    sheet, cell = ws[cell].value[1:].replace("$", "").replace("'", "").split("!")
                undo.append((sheet, cell, wb[sheet][cell].value))
                wb[sheet][cell] = value
            col = get_column_letter(fields[name])
            rows = [r for r in range(row - 10, row + 10) if ws.cell(r, 12).value == table and ws.cell(r, 1).value] or [row]
            group[case] = (sheet, cell, f"设置!{col}{rows[0]}:{col}{rows[-1]}")
        book = changed[0] / f"tables{n}.xlsx"
        wb.save(book)
        for sheet, cell, value in reversed(undo):
            wb[sheet][cell] = value
        with pytest.raises(ConfigError) as exc:
            read_plan_book(book)
        out.update({case: (exc.value, book.name, *where) for case, where in group.items()})
    return out


@pytest.mark.parametrize("case", BAD_TABLE_CELLS)
def test_a_bad_setup_table_value_is_named_by_its_cell(table_errors, case):
    """A value in one of 设置's tables is reported by the cell it was typed in (the loader names
    it by list index and name), a total by the column's cells."""
    error, name, sheet, cell, column = table_errors[case]
    text = str(error)
    assert BAD_TABLE_CELLS[case][1].format(cell=f"{name} {sheet}!{cell}", range=f"{name} {column}") in text, text
    assert all("!" in p.where for p in error.problems), text


def test_a_partly_filled_setup_row_stops_generate_naming_the_blank_cell(changed, tmp_path, monkeypatch, capsys):
    """A tier's start typed without its rate (and its rate without a start), a holiday's name
    without its date: ``salesplan generate`` refuses them all at once by their blank cells, exit 2,
    and leaves the workbook as typed (nothing dropped)."""
    book = tmp_path / "销售作战方案-2026-12.xlsx"
    shutil.copy(changed[2], book)
    wb = openpyxl.load_workbook(book)
    ws = wb["设置"]
    tier, _ = _record(ws, "tiers", None)
    ws.cell(tier, 1).value = 1.3
    ws.cell(tier + 1, 2).value = 0.1
    holiday, _ = _record(ws, "extra_holidays", None)
    ws.cell(holiday, 2).value = "公司年会"
    wb.save(book)
    typed = book.read_bytes()
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["generate", "--month", "2026-12", "-o", str(book)]) == 2
    err = capsys.readouterr().err
    assert f"{book.name} 设置!B{tier} (commission.tiers[4].rate): got blank; expected a rate for the tier " \
           "that starts at 130% (or clear the row)" in err, err
    assert f"{book.name} 设置!A{tier + 1} (commission.tiers[5].from): got blank; expected the attainment " \
           "where the tier paying 10% starts (or clear the row)" in err, err
    assert f"{book.name} 设置!A{holiday} (calendar.extra_holidays[0]): got blank; expected the date of 公司年会, " \
           "like 2027-01-29 (or clear the row)" in err, err
    assert err.count(f"设置!A{tier + 1} ") == 1, err          # the missing start is not also an order problem
    assert "3 problem(s)" in err and "Traceback" not in err
    assert book.read_bytes() == typed


def test_a_date_in_both_extra_lists_names_both_cells(changed, tmp_path):
    """The same date typed as an extra holiday and an extra workday: both cells are named."""
    from salesplan.errors import ConfigError
    from salesplan.workbook_templates.reader import read_plan_book
    book = tmp_path / "both.xlsx"
    shutil.copy(changed[2], book)
    wb = openpyxl.load_workbook(book)
    ws = wb["设置"]
    holiday, _ = _record(ws, "extra_holidays", None)
    workday, _ = _record(ws, "extra_workdays", None)
    ws.cell(holiday, 1).value = ws.cell(workday, 1).value = "2026-12-26"
    wb.save(book)
    with pytest.raises(ConfigError) as exc:
        read_plan_book(book)
    assert (f"both.xlsx 设置!A{holiday} and 设置!A{workday} (calendar.extra_holidays/extra_workdays): "
            "got '2026-12-26'; expected a date in only one of the two lists") in str(exc.value), str(exc.value)
