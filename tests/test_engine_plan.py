"""The whole plan: the seed's golden numbers, exact totals, config validation, engine purity."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from salesplan.cli import main
from salesplan.config import load_config, load_default, parse_config
from salesplan.engine.plan import compute_plan
from salesplan.errors import ConfigError

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


def test_seed_plan_golden_numbers():
    d = compute_plan(load_default("2026-12")).to_dict()
    assert d["month"] == "2026-12" and d["strategy"] == "A"
    assert d["targets"] == {"revenue": 3000000, "new_customers": 80, "repurchase_rate": 0.65,
                            "average_order_value": 38000, "implied_orders": 79}
    assert [(p["name"], p["revenue"]) for p in d["products"]] == [
        ("产品A", 1200000), ("产品B", 900000), ("产品C", 600000), ("行业解决方案", 300000)]
    assert [(r["name"], r["manager"], r["revenue"], r["new_customers"]) for r in d["regions"]] == [
        ("华东区", "张明", 1050000, 28), ("华南区", "李强", 820000, 22),
        ("西南区", "王芳", 550000, 15), ("北方区", "刘伟", 580000, 15)]
    assert d["regions"][0]["products"]["产品A"] == 420000
    assert d["working_days"] == 23
    thursdays = [e["date"] for e in d["events"] if e["key"] == "champion_sharing"]
    assert thursdays == ["2026-12-03", "2026-12-10", "2026-12-17", "2026-12-24", "2026-12-31"]
    assert all(e["time"] == "15:00" for e in d["events"] if e["key"] == "champion_sharing")
    assert d["warnings"][0]["code"] == "kpi_weights_not_100"
    assert d["sensitive_period"] is None


def test_default_month_is_next_month():
    assert str(load_default(today=date(2026, 11, 28)).month) == "2026-12"
    assert str(load_default(today=date(2026, 12, 31)).month) == "2027-01"


@pytest.mark.parametrize("month", ["2026-12", "2027-01", "2026-10", "2026-02"])
@pytest.mark.parametrize("source", [None, DATA / "five_regions.toml"])
def test_every_total_is_exact(source, month):
    plan = compute_plan(load_config(source, month=month))
    d = plan.to_dict()
    revenue = d["targets"]["revenue"]
    assert sum(p["revenue"] for p in d["products"]) == revenue
    assert sum(r["revenue"] for r in d["regions"]) == revenue
    assert sum(r["new_customers"] for r in d["regions"]) == d["targets"]["new_customers"]
    assert sum(p["revenue"] for p in d["phases"]) == revenue
    for r in d["regions"]:
        assert sum(r["products"].values()) == r["revenue"]
        assert sum(r["phases"].values()) == r["revenue"]
        if r["reps"]:
            assert sum(x["revenue"] for x in r["reps"]) == r["revenue"]
        assert sum(r["kpi_weights"].values()) == pytest.approx(1.0, abs=1e-5)
    for p in d["products"]:
        assert sum(r["products"][p["name"]] for r in d["regions"]) == p["revenue"]
    for ph in d["phases"]:
        assert sum(r["phases"][str(ph["number"])] for r in d["regions"]) == ph["revenue"]


def test_five_regions_three_thirds():
    d = compute_plan(load_config(DATA / "five_regions.toml")).to_dict()
    assert [p["revenue"] for p in d["products"]] == [333300, 333300, 333401]
    assert len(d["regions"]) == 5
    assert d["regions"][0]["reps"][0]["revenue"] + d["regions"][0]["reps"][1]["revenue"] \
        + d["regions"][0]["reps"][2]["revenue"] == 200001


BAD = """
month = "2026-13"
strategy = "C"
[targets]
revenue = 3000000
new_customers = -1
repurchase_rate = 1.5
average_order_value = 38000
[[products]]
name = "产品A"
share = 0.59
[[products]]
name = "产品B"
share = 0.40
[[regions]]
name = "华东区"
manager = "张明"
revenue = 2999999
focus_kpi = "x"
focus_weight = 0.05
[[kpis]]
key = "k"
name = "K"
weight = 0.5
target = 10
scoring = "exponential"
[commission]
tiers = [ { from = 0.0, rate = 0.02 }, { from = 0.0, rate = 0.04 } ]
[awards]
conquest_amount = 5000
conquest_threshold = 1000000
breakthrough_amount = 20000
breakthrough_threshold = 10000000
retention_max_churn = 0.08
[risks]
report_threshold = 2000000
special_discount_threshold = 3000000
special_discount_floor = 0.92
standard_discount_floor = 0.95
support_priority_threshold = 3000000
inventory_alert = 0.30
missed_weeks = 2
extra_support_staff = 2
complaint_max_hours = 3
sensitive_months_before = 1
[calendar]
phase_starts = [1, 10, 5]
extra_holidays = ["2026-12-40"]
colour = "red"
"""


def test_invalid_config_names_every_bad_key():
    with pytest.raises(ConfigError) as err:
        parse_config(BAD, source="bad.toml")
    paths = [p.where for p in err.value.problems]
    for key in ["month", "strategy", "targets.new_customers", "targets.repurchase_rate", "products[*].share",
                "regions[*].revenue", "kpis[0] K .scoring", "commission.tiers[1].from", "calendar.phase_starts",
                "calendar.extra_holidays[0]", "calendar.colour"]:
        assert any(key in p for p in paths), key
    assert all(p.startswith("bad.toml: ") for p in paths)


def test_cli_invalid_config_exits_nonzero_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD, encoding="utf-8")
    before = set(tmp_path.iterdir())
    assert main(["plan", "--config", str(bad), "--format", "json"]) == 2
    out, errtext = capsys.readouterr()
    assert out == ""
    assert "products[*].share" in errtext and "kpis[0] K .scoring" in errtext
    assert set(tmp_path.iterdir()) == before


def test_cli_plan_json_contract(capsys):
    assert main(["plan", "--month", "2026-12", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    for key in ["month", "strategy", "targets", "products", "regions", "phases", "working_days", "events",
                "alerts", "warnings"]:
        assert key in d
    assert set(d["targets"]) >= {"revenue", "new_customers", "repurchase_rate", "average_order_value",
                                 "implied_orders"}
    assert set(d["regions"][0]) >= {"name", "manager", "revenue", "new_customers", "products", "kpi_weights"}
    assert set(d["phases"][0]) >= {"number", "name", "start", "end", "working_days", "revenue"}
    assert set(d["events"][0]) >= {"date", "time", "name"}
    assert isinstance(d["targets"]["revenue"], int)


def test_print_default_round_trips(capsys):
    assert main(["config", "--print-default"]) == 0
    text = capsys.readouterr().out
    assert "(assumption)" in text and "# " in text
    assert parse_config(text, month="2026-12", source="<built-in default>") == load_default("2026-12")


def test_every_command_has_help():
    for args in (["--help"], ["plan", "--help"], ["config", "--help"]):
        r = subprocess.run([sys.executable, "-m", "salesplan.cli", *args], capture_output=True, text=True)
        assert r.returncode == 0 and "usage:" in r.stdout


def test_engine_imports_no_excel_library():
    """The engine (with the input records and their specification) and config are pure: importing them pulls in no Excel library and no
    higher layer (workbook writer, commands) — nor pandas or numpy (the commission tiers import numpy when
    there are deals to compute)."""
    code = ("import sys, pkgutil, importlib, salesplan.config, salesplan.engine as e;"
            "[importlib.import_module(m.name) for p in (e,) for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.')];"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('xlwings', 'openpyxl', 'pandas', 'numpy')"
            " or m.startswith(('salesplan.workbook_templates', 'salesplan.commands', 'salesplan.regional',"
            " 'salesplan.xlsx', 'salesplan.deals'))];"
            "print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    for path in (ROOT / "salesplan" / "engine").rglob("*.py"):
        text = path.read_text("utf-8")
        assert "import xlwings" not in text and "import openpyxl" not in text and "from openpyxl" not in text, path


def test_a_month_with_deals_is_generated_and_read_without_pandas(tmp_path):
    """pandas (half a second of every start-up) is the CRM import's library, not the plan's: generating a
    month with deals and asking its gap and a what-if never import it."""
    code = ("import sys\n"
            "sys.path.insert(0, sys.argv[2])\n"
            "from workbook_helpers import random_inputs\n"
            "from salesplan.cli import main\n"
            "from salesplan.config import load_config\n"
            "from salesplan.engine.plan import compute_plan\n"
            "from salesplan.workbook_templates.writer import generate_workbook\n"
            "cfg = load_config(None, month='2027-03')\n"
            "generate_workbook(cfg, sys.argv[1], inputs=random_inputs(compute_plan(cfg), seed=3))\n"
            "assert main(['generate', '--month', '2027-03', '-o', sys.argv[1]]) == 0\n"
            "assert main(['gap', sys.argv[1], '--format', 'json']) == 0\n"
            "assert main(['whatif', sys.argv[1], '--deal', '华东区/李03=1000:new', '--format', 'json']) == 0\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pandas')[:3])\n"
            "sys.exit(1 if 'pandas' in sys.modules else 0)\n")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "plan.xlsx"), str(ROOT / "tests")],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]


def test_gap_reads_a_plan_without_loading_the_writer(tmp_path):
    """A command that only reads a plan (like gap) loads the reader, not the writer's sheet
    builders: ``salesplan.workbook_templates`` hands out each entry point from its own module."""
    plan = tmp_path / "plan.xlsx"
    from salesplan.cli import main
    assert main(["generate", "--month", "2027-03", "-o", str(plan)]) == 0
    code = ("import sys\n"
            "from salesplan.cli import main\n"
            "assert main(['gap', sys.argv[1], '--format', 'json']) == 0\n"
            "loaded = sorted(m for m in sys.modules if m.startswith('salesplan.workbook_templates.'))\n"
            "print(loaded, file=sys.stderr)\n"
            "sys.exit(1 if 'salesplan.workbook_templates.writer' in loaded else 0)\n")
    r = subprocess.run([sys.executable, "-c", code, str(plan)], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "salesplan.workbook_templates.reader" in r.stderr


def test_the_engine_is_the_bottom_layer():
    """engine ← config/inputs ← …: no engine module imports the config loader, the input
    layer or anything above, and each engine module imports first, on its own (no cycle)."""
    import re as _re
    higher = _re.compile(r"^\s*(from|import) salesplan\.(config|inputs|workbook_templates|commands|regional|xlsx|"
                         r"deals|history|announce|udfs|macros|addin)\b", _re.M)
    engine = ROOT / "salesplan" / "engine"
    for path in engine.rglob("*.py"):
        assert not higher.search(path.read_text("utf-8")), path
    names = ["salesplan.engine." + ".".join(p.relative_to(engine).with_suffix("").parts).replace(".__init__", "")
             for p in engine.rglob("*.py") if p.name != "__init__.py" or p.parent != engine]
    # One interpreter imports the third-party libraries once, then forks a child per engine
    # module: each child starts with no salesplan module loaded, as a fresh process would.
    code = ("import importlib, os, sys, traceback, numpy, pandas\n"
            "bad = []\n"
            "for name in sys.argv[1:]:\n"
            "    pid = os.fork()\n"
            "    if pid == 0:\n"
            "        try:\n"
            "            assert not any(m.startswith('salesplan') for m in sys.modules)\n"
            "            importlib.import_module(name)\n"
            "        except BaseException:\n"
            "            traceback.print_exc()\n"
            "            os._exit(1)\n"
            "        os._exit(0)\n"
            "    if os.waitpid(pid, 0)[1] != 0:\n"
            "        bad.append(name)\n"
            "print(bad)\n"
            "sys.exit(1 if bad else 0)\n")
    r = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True)
    assert r.returncode == 0, f"{r.stdout} {r.stderr[-2000:]}"
    assert len(names) > 20
