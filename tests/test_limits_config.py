"""Issue 18.7: a configuration that ``config --check`` calls OK must generate.

Every hostile configuration is built here by code: out-of-range months, control
characters in names, amounts Excel's 15 digits cannot hold, sizes beyond the stated
capacity (docs/capacity.md). Each is refused with its key named and exit 2, never a
traceback; and a property test generates random configurations and checks that every
one the validator accepts computes and writes a workbook.
"""
from __future__ import annotations

import copy
import io
import subprocess
import sys
import time
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesplan.cli import main
from salesplan.config import default_config_text, parse_config, validate
from salesplan.config.defaults import fill_defaults
from salesplan.config.limits import (
    MAX_KPIS, MAX_PRODUCTS, MAX_REGIONS, MAX_REPS, MAX_REPS_PER_REGION, MAX_YUAN, NAME_MAX,
)
from salesplan.engine.plan import compute_plan
from salesplan.errors import ConfigError
from salesplan.workbook_templates.writer import build_models, write_built


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


def toml_str(s: str) -> str:
    """A TOML basic string for any text (control characters as \\uXXXX escapes)."""
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def regions_toml(names: list[str], revenue: int = 3_000_000, reps: int = 0, manager: str = "经理") -> str:
    """``[targets] revenue`` and ``names`` as regions splitting it exactly (other keys: default)."""
    each = [revenue // len(names) + (1 if i < revenue % len(names) else 0) for i in range(len(names))]
    out = [f"[targets]\nrevenue = {revenue}\n"]
    for i, name in enumerate(names):
        out.append(f"[[regions]]\nname = {toml_str(name)}\nmanager = {toml_str(manager)}\nrevenue = {each[i]}\n"
                   f'focus_kpi = "重点"\nfocus_weight = 0.05\n')
        out += [f'[[regions.reps]]\nname = "R{i}-{j}"\n' for j in range(reps)]
    return "\n".join(out)


def write_workbook(cfg) -> bytes:
    """The plan's workbook, written in memory exactly as ``generate`` writes it."""
    buf = io.BytesIO()
    write_built(build_models(compute_plan(cfg), deal_rows=3), buf)
    return buf.getvalue()


def refused(text: str, month: str | None = None) -> list[str]:
    """The ``where`` of every problem of a refused plan text (fails when it is accepted)."""
    with pytest.raises(ConfigError) as info:
        parse_config(text, month=month)
    return [p.where for p in info.value.problems]


# ------------------------------------------------------------------------ months

@pytest.mark.parametrize("month", ["2099-12", "2100-01", "0001-01", "9999-12", "2099-01", "1999-12"])
def test_month_outside_the_calendar_is_refused_by_check(tmp_path, capsys, month):
    f = tmp_path / "plan.toml"
    f.write_text(f'month = "{month}"\n', "utf-8")
    code, err = run(capsys, "config", "--check", str(f))
    assert code == 2
    assert "plan.toml: month" in err and "2000-01 to 2098-12" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["plan", "generate"])
@pytest.mark.parametrize("month", ["2099-12", "2100-01", "0001-01", "9999-12"])
def test_month_argument_goes_through_the_same_check(tmp_path, capsys, monkeypatch, command, month):
    monkeypatch.chdir(tmp_path)
    code, err = run(capsys, command, "--month", month)
    assert code == 2
    assert "--month" in err and "2000-01 to 2098-12" in err
    assert list(tmp_path.iterdir()) == []          # generate wrote nothing


def test_month_argument_in_a_real_process_is_one_clean_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "salesplan", "plan", "--month", "2100-01"], capture_output=True,
                          text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "--month" in proc.stderr


@pytest.mark.parametrize("month", ["2000-01", "2098-12", "2098-01"])
def test_the_edges_of_the_month_range_generate(month):
    assert write_workbook(parse_config("", month=month))


def test_extra_holidays_outside_the_calendar(tmp_path):
    where = refused('[calendar]\nextra_holidays = ["0001-01-01", "2026-12-25"]\nextra_workdays = ["9999-12-31"]\n')
    assert any(w.endswith("calendar.extra_holidays[0]") for w in where)
    assert any(w.endswith("calendar.extra_workdays[0]") for w in where)
    assert len(where) == 2


# ------------------------------------------------------------------------ names

NAMED_KEYS = {
    "region name": (lambda bad: regions_toml(["华东", bad]), "regions[1]", ".name"),
    "manager": (lambda bad: regions_toml(["华东"], manager=bad), "regions[0] 华东", ".manager"),
    "product name": (lambda bad: f'[[products]]\nname = {toml_str(bad)}\nshare = 1\n', "products[0]", ".name"),
    "rep name": (lambda bad: regions_toml(["华东"]) + f"[[regions.reps]]\nname = {toml_str(bad)}\n",
                 "regions[0] 华东 .reps[0]", ".name"),
    "focus KPI": (lambda bad: regions_toml(["华东"]).replace('focus_kpi = "重点"', f"focus_kpi = {toml_str(bad)}"),
                  "regions[0] 华东", ".focus_kpi"),
    "prize": (lambda bad: f"[awards]\nchampion_prize = {toml_str(bad)}\n", "awards", ".champion_prize"),
}


@pytest.mark.parametrize("char", ["\x01", "\x07", "\x1b", "\x7f", "\x85", "\ufffe"])
@pytest.mark.parametrize("key", NAMED_KEYS)
def test_control_characters_in_any_name_are_refused_with_the_key(key, char):
    make, item, field = NAMED_KEYS[key]
    where = refused(make(f"东{char}区"))
    assert len(where) == 1 and where[0].startswith("<string>: " + item) and where[0].endswith(field), where


def test_control_character_message_names_the_character(tmp_path, capsys):
    f = tmp_path / "plan.toml"
    f.write_text(regions_toml(["华\x01东"]), "utf-8")
    code, err = run(capsys, "config", "--check", str(f))
    assert code == 2 and "U+0001" in err and ".name" in err and "Traceback" not in err


def test_names_longer_than_a_rep_name_cell_are_refused():
    long = "区" * (NAME_MAX + 1)
    assert refused(regions_toml([long]))[0].endswith(".name")
    assert parse_config(regions_toml(["区" * NAME_MAX])).regions[0].name == "区" * NAME_MAX
    huge = "奖" * 32_768                              # more than an Excel cell holds
    assert refused(f"[awards]\nchampion_prize = {toml_str(huge)}\n")[0].endswith("awards.champion_prize")


# ------------------------------------------------------------------------ numbers

@pytest.mark.parametrize("revenue", ["100000000000000000", "1e17", "1e30", "1000000000000000000000000000000",
                                     str(MAX_YUAN + 1)])
def test_revenue_beyond_what_excel_holds_is_refused(revenue):
    text = regions_toml(["华东"], revenue=1000).replace("revenue = 1000\n", f"revenue = {revenue}\n", 1)
    where = refused(text)
    assert any(w.endswith("targets.revenue") for w in where)


def test_numbers_with_more_than_15_significant_digits_are_refused():
    where = refused('[[kpis]]\nkey = "a"\nname = "甲"\nweight = 0.7\ntarget = 1.0000000000000001\n'
                    '[[kpis]]\nkey = "b"\nname = "乙"\nweight = 0.3\ntarget = 5\n')
    assert where == ["<string>: kpis[0] 甲 .target"]


def test_the_largest_revenue_generates_cells_excel_holds_exactly():
    """At MAX_YUAN the engine's numbers (the LibreOffice report was 11666666666666700 for
    …667) all stay below 10^15, which Excel shows to the last digit."""
    import openpyxl

    cfg = parse_config(regions_toml(["华东", "华南", "西南"], revenue=MAX_YUAN, reps=3), month="2026-12")
    wb = openpyxl.load_workbook(io.BytesIO(write_workbook(cfg)), read_only=True)
    biggest = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            biggest = max([biggest, *(abs(v) for v in row if isinstance(v, (int, float)) and not isinstance(v, bool))])
    assert MAX_YUAN <= biggest < 10**15


# ------------------------------------------------------------------------ capacity

@pytest.mark.parametrize("make, key", [
    (lambda: regions_toml([f"区{i}" for i in range(MAX_REGIONS + 1)]), "[[regions]]"),
    (lambda: regions_toml(["华东"], reps=MAX_REPS_PER_REGION + 1), "regions[0] 华东 .reps"),
    (lambda: regions_toml([f"区{i}" for i in range(MAX_REPS // 450 + 1)], reps=450), "[[regions]].reps"),
    (lambda: regions_toml([f"区{i}" for i in range(MAX_REGIONS)]) + f"[workbook]\nrep_rows = {MAX_REPS // 40}\n",
     "[[regions]].reps"),
    (lambda: "".join(f'[[products]]\nname = "P{i}"\nshare = {"1" if i == 0 else "0"}\n'
                     for i in range(MAX_PRODUCTS + 1)), "[[products]]"),
    (lambda: "".join(f'[[kpis]]\nkey = "k{i}"\nname = "K{i}"\nweight = {"0.7" if i == 0 else "0"}\ntarget = 1\n'
                     for i in range(MAX_KPIS + 1)), "[[kpis]]"),
])
def test_sizes_beyond_the_stated_capacity_are_refused_with_the_key(make, key):
    with pytest.raises(ConfigError) as info:
        parse_config(make())
    capacity = [p for p in info.value.problems if p.code == "capacity"]
    assert [p.where for p in capacity] == [f"<string>: {key}"]
    assert "docs/capacity.md" in capacity[0].expected


def test_ten_thousand_regions_cost_a_message_not_minutes(tmp_path, capsys):
    f = tmp_path / "plan.toml"
    f.write_text(regions_toml([f"区域{i:05d}" for i in range(10_000)]), "utf-8")
    t = time.perf_counter()
    code, err = run(capsys, "config", "--check", str(f))
    assert code == 2 and "[[regions]]" in err and "at most 50 regions" in err
    code, err = run(capsys, "generate", "--config", str(f), "-o", str(tmp_path / "x.xlsx"))
    assert code == 2 and not (tmp_path / "x.xlsx").exists()
    assert time.perf_counter() - t < 30


def test_a_plan_file_beyond_any_capacity_is_not_parsed(tmp_path, capsys):
    f = tmp_path / "plan.toml"
    f.write_bytes(b"# " + b"x" * (9 << 20) + b"\n")
    code, err = run(capsys, "config", "--check", str(f))
    assert code == 2 and "bytes" in err and "docs/capacity.md" in err


def test_deal_rows_beyond_capacity(capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--deal-rows", "10000000"])
    assert "at most 5,000 deal rows" in capsys.readouterr().err


# ------------------------------------------------------------------------ property

DEFAULT = tomllib.loads(default_config_text(), parse_float=Decimal)
NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=NAME_MAX + 5)
NICE = st.text("华东南西北区甲乙丙 -_ABCxyz0123", min_size=1, max_size=12)
NAME = st.one_of(NICE, NICE, NICE, NICE, NAMES)      # mostly plain, sometimes anything


@st.composite
def configs(draw) -> dict:
    """Plan data near and beyond the limits: months anywhere in 1..9999, names with any
    character, revenues up to 10^20, up to 4 regions × 3 reps, products and tiers."""
    data = copy.deepcopy(DEFAULT)
    year = draw(st.one_of(st.integers(1, 9999), st.integers(1998, 2101), st.integers(2000, 2098)))
    data["month"] = f"{year:04d}-{draw(st.integers(1, 12)):02d}"
    revenue = draw(st.one_of(st.integers(1, 10**7), st.integers(10**11, 10**12), st.integers(1, 10**20)))
    n = draw(st.integers(1, 4))
    names = draw(st.lists(NAME, min_size=n, max_size=n, unique_by=str.strip))
    each = [revenue // n + (1 if i < revenue % n else 0) for i in range(n)]
    data["targets"]["revenue"] = revenue
    data["regions"] = [{"name": nm, "manager": draw(NAME), "revenue": each[i],
                        "focus_kpi": draw(NICE), "focus_weight": Decimal("0.05"),
                        "reps": [{"name": f"{nm.strip()[:40]}{j}", "new_hire": j == 0}
                                 for j in range(draw(st.integers(0, 3)))]}
                       for i, nm in enumerate(names)]
    k = draw(st.integers(1, 3))
    shares = [Decimal(1) / k] * k if k != 3 else [Decimal("0.4"), Decimal("0.3"), Decimal("0.3")]
    data["products"] = [{"name": draw(NAME), "share": shares[i]} for i in range(k)]
    data["awards"]["conquest_amount"] = draw(st.integers(0, 10**10))
    return data


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_every_config_check_accepts_generates(data):
    merged, defaulted = fill_defaults(data, DEFAULT)
    try:
        cfg = validate(merged, defaulted=defaulted)
    except ConfigError as exc:
        assert all(p.where and p.expected for p in exc.problems)
        return
    assert write_workbook(cfg)


def test_the_property_test_reaches_accepted_configs():
    """The generator is not vacuous: its tame corner is accepted and generates."""
    data = copy.deepcopy(DEFAULT)
    data["month"] = "2098-12"
    data["regions"][0]["name"] = "华东 North-1"
    cfg = validate(fill_defaults(data, DEFAULT)[0])
    assert write_workbook(cfg)


def test_month_objects_and_the_default_month_are_checked_too():
    from datetime import date

    from salesplan.engine.month import Month

    assert refused("", month=Month(2100, 1)) == ["<string>: --month"]
    with pytest.raises(ConfigError) as info:
        parse_config("", today=date(2098, 12, 5))          # next month: 2099-01
    assert [p.where for p in info.value.problems] == ["<string>: month (not given: the month after today)"]
    assert parse_config("", today=date(2026, 11, 5)).month == Month(2026, 12)
