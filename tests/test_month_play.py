"""The month, played end to end (issue 6, "How it is shown").

generate → import two CRM files with tricky rows (`salesplan deals import … --into`) →
split → every regional manager types reps (name, new hire, weight) and hundreds of
random inputs through openpyxl → consolidate → the incentives equal an independent hand
computation from the deal list, both in the engine (``compute_bonuses`` on the deals;
``compute_actuals`` on the consolidated master's own inputs) and in the master's 激励 and
个人奖金明细 sheets after a LibreOffice recalculation (Σ statements = Σ 激励 = the engine's
total, to the fen); a directory of malformed files is refused/rejected one by one with
named reasons and nothing crashes. Late arrivals: an old copy of a regional file is a
conflict on the cells the newer one changed, nothing lost; a file edited again and re-saved
by LibreOffice headless (the module's one soffice call) merges its edit only.

The expected values below are computed in plain Python with ``Decimal`` from the deal
rows as written in this file (each CRM amount is given next to its hand-read value);
nothing of salesplan is called to compute them.
"""
from __future__ import annotations

import csv
import random
import shutil
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest

from lo_recalc import error_cells, load_values, recalc
from test_regional_hazards import saved_at

D = Decimal
MONTH = "2026-12"
REGION_REVENUE = {"华东区": 1_050_000, "华南区": 820_000, "西南区": 550_000, "北方区": 580_000}   # R3 defaults
TIERS = [(D("0"), D("0.02")), (D("0.8"), D("0.04")), (D("1.0"), D("0.06")), (D("1.2"), D("0.08"))]  # R8 defaults
CONQUEST, CONQUEST_LINE = D(5_000), D(1_000_000)
BREAKTHROUGH, BREAKTHROUGH_LINE = D(20_000), D(10_000_000)
RETENTION, RETENTION_MAX = D(2_000 + 500), D("0.08")        # retention bonus + full attendance, churn ≤ 8%

# What each manager types on the rep table: name, new hire, weight (None = blank = 1), churn
REPS = {
    "华东区": [("钱东一", "是", 2, 0.05), ("孙东二", "否", 1.5, 0.08), ("周东三", "否", None, 0.081)],
    "华南区": [("吴南一", "是", 1, 0.2), ("郑南二", "否", 0.333333, None)],
    "西南区": [("冯西一", "否", 3, 0.0), ("陈西二", "是", 1, 0.5)],
    "北方区": [("褚北一", "否", 1, 0.07), ("卫北二", "否", 1, None), ("蒋北三", "是", 1, 0.08)],
}

HEADER = ["成交日期", "销售", "区域", "客户", "新客户", "产品线", "金额", "合同编号", "已盖章"]
OLD_REGION, LO_REGION = "华南区", "华东区"     # an old copy arrives late; a file re-saved by LibreOffice


@dataclass
class Row:
    date: str
    rep: str
    region: str
    customer: str
    new: str
    product: str
    amount_text: str     # as the CRM writes it
    amount: Decimal      # read by hand
    contract: str
    stamped: str


# file 1: a GBK CSV (the full-width ￥: U+00A5 is not in GBK)
FILE1 = [
    Row("2026-12-01", "钱东一", "华东区", '=HYPERLINK("http://evil","点我")', "否", "产品A", "300,000.00", D(300_000), "HT-001", "是"),
    Row("2026/12/2", "吴南一", "华南区", "新客甲", "是", "产品B", "90万", D(900_000), "HT-002", "是"),
    Row("2026-12-03", "钱东一", "华东区", "@SUM(1,1)", "否", "产品A", "12.5万", D(125_000), "HT-003", "是"),
    Row("2026-12-03", "孙东二", "华东区", "未盖章客户", "是", "产品B", "9,999,999", D(9_999_999), "HT-004", "否"),
    Row("2026年12月4日", "冯西一", "西南区", "新客乙", "是", "行业解决方案", "1.2亿", D(120_000_000), "HT-005", "是"),
    Row("2026-12-05", "褚北一", "北方区", "-2+3", "否", "产品C", "￥1,234.25", D("1234.25"), "HT-006", "√"),
    Row("2026-12-05", "钱东一", "华东区", "重复", "否", "产品A", "1", D(1), "ht-003", "是"),           # dup in file
    Row("2026-12-06", "钱东一", "华东区", "+86 138 0000", "否", "产品A", "1234.25", D("1234.25"), "HT-007", "是"),
    Row("2026-12-07", "陈西二", "西南区", "新客丙", "是", "产品C", "１００万", D(1_000_000), "HT-008", "是"),
    Row("20261208", "孙东二", "华东区", "新客甲", "是", "产品B", "200万", D(2_000_000), "HT-009", "是"),
]
# file 2: an XLSX (¥ U+00A5, a duplicate of file 1 across files, an unstamped row with garbage)
FILE2 = [
    Row("2026-12-10", "钱东一", "华东区", "新客丁", "是", "产品A", "１２０万", D(1_200_000), "HT-010", "是"),
    Row("2026-12-11", "郑南二", "华南区", "普通客户", "否", "产品B", "¥38,000.55", D("38000.55"), "HT-011", "是"),
    Row("2026-12-12", "冯西一", "西南区", "跨文件重复", "否", "产品C", "7777", D(7777), "ＨＴ-005", "是"),  # dup across
    Row("2026-12-12", "卫北二", "北方区", "未盖章", "否", "产品A", "abc", D(0), "HT-012", "否"),
    Row("2026-12-13", "蒋北三", "北方区", "小单", "否", "产品A", "0.25", D("0.25"), "HT-013", "是"),
    Row("2026-12-14", "孙东二", "华东区", "新客戊", "是", "产品B", "100,000.50", D("100000.50"), "HT-014", "是"),
    Row("2026-12-15", "卫北二", "北方区", "新客己", "是", "产品C", "1,000,000.01", D("1000000.01"), "HT-015", "是"),
    Row("2026-12-16", "周东三", "华东区", "=1+1", "否", "产品A", "233,333", D(233_333), "HT-016", "是"),
    Row("2026-12-17", "周东三", "华东区", "老客户", "否", "产品A", "46,667.5", D("46667.5"), "HT-017", "是"),
]


def write_csv(path: Path, rows: list[Row]) -> Path:
    with open(path, "w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for r in rows:
            w.writerow([r.date, r.rep, r.region, r.customer, r.new, r.product, r.amount_text, r.contract, r.stamped])
    return path


def write_xlsx(path: Path, rows: list[Row]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append([r.date, r.rep, r.region, r.customer, r.new, r.product, r.amount_text, r.contract, r.stamped])
    for row in ws.iter_rows(min_row=2):
        for c in row:
            if isinstance(c.value, str):
                c.data_type = "s"
    wb.save(path)
    return path


# ----------------------------------------------------------------------------- the hand computation

def round_half_away(x: Decimal, places: str) -> Decimal:
    q = D(places)
    return x.quantize(q, rounding=ROUND_HALF_UP) if x >= 0 else -((-x).quantize(q, rounding=ROUND_HALF_UP))


def hand_deals() -> list[Row]:
    """R11: unstamped rows are not entered; a contract number counts once (first in report order)."""
    seen, out = set(), []
    for r in FILE1 + FILE2:                       # report order: file order, then row order
        if r.stamped not in ("是", "√"):
            continue
        key = unicodedata.normalize("NFKC", r.contract).strip().casefold()
        if key in seen:
            continue
        seen.add(key)
        out.append(r)
    return out


def hand_targets() -> dict[tuple[str, str], Decimal]:
    """Personal targets: region target split by weights (6 decimals, blank = 1), largest remainder,
    ties to the earlier row."""
    out = {}
    for region, reps in REPS.items():
        total = D(REGION_REVENUE[region])
        w = [round_half_away(D(str(x if x is not None else 1)) * 1_000_000, "1") for _, _, x, _ in reps]
        exact = [total * wi / sum(w) for wi in w]
        base = [e.to_integral_value(rounding=ROUND_FLOOR) for e in exact]
        left = int(total - sum(base))
        order = sorted(range(len(reps)), key=lambda i: (-(exact[i] - base[i]), i))
        for i in order[:left]:
            base[i] += 1
        for (name, *_), t in zip(reps, base):
            out[(region, name)] = t
    return out


def hand_incentives() -> dict[tuple[str, str], dict[str, Decimal]]:
    targets = hand_targets()
    pay = {k: {"revenue": D(0), "commission": D(0), "conquest": D(0), "breakthrough": D(0), "retention": D(0)}
           for k in targets}
    cum: dict[tuple[str, str], Decimal] = {k: D(0) for k in targets}
    first_seen: set[str] = set()
    for r in hand_deals():
        k = (r.region, r.rep)
        t = targets[k]
        bounds = [round_half_away(t * start, "1") for start, _ in TIERS] + [None]
        before, after = cum[k], cum[k] + r.amount
        for i, (_, rate) in enumerate(TIERS):
            lo = max(before, bounds[i])
            hi = after if bounds[i + 1] is None else min(after, bounds[i + 1])
            if hi > lo:
                pay[k]["commission"] += round_half_away((hi - lo) * rate, "0.01")
        cum[k] = after
        pay[k]["revenue"] += r.amount
        if r.new == "是" and r.customer not in first_seen:       # the new customer's first deal
            first_seen.add(r.customer)
            earned = []
            if r.amount > BREAKTHROUGH_LINE:
                earned.append(("breakthrough", BREAKTHROUGH))
            if r.amount > CONQUEST_LINE:
                earned.append(("conquest", CONQUEST))
            if len(earned) == 2:                                  # not stacked (default): the larger only
                earned = [max(earned, key=lambda e: e[1])]
            for award, amount in earned:
                pay[k][award] += amount
    for region, reps in REPS.items():
        for name, _, _, churn in reps:
            if churn is not None and D(str(churn)) <= RETENTION_MAX:
                pay[(region, name)]["retention"] += RETENTION
    for v in pay.values():
        v["total"] = v["commission"] + v["conquest"] + v["breakthrough"] + v["retention"]
    return pay


def test_hand_computation_is_what_the_rules_say():
    """A few numbers worked out on paper, so the hand computation itself is checked."""
    t = hand_targets()
    assert t[("华东区", "钱东一")] == 466_667 and t[("华东区", "孙东二")] == 350_000
    assert t[("华东区", "周东三")] == 233_333
    assert [t[("北方区", n)] for n in ("褚北一", "卫北二", "蒋北三")] == [193_334, 193_333, 193_333]
    assert sum(t.values()) == sum(REGION_REVENUE.values())
    pay = hand_incentives()
    # 钱东一 (target 466,667; tiers start at 0 / 373,334 / 466,667 / 560,000), deals in report order:
    # 300,000 → t1 6,000.00; 125,000 → t1 73,334×2% = 1,466.68 + t2 51,666×4% = 2,066.64;
    # 1,234.25 → t2 49.37; 1,200,000 → t2 40,432.75×4% = 1,617.31 + t3 93,333×6% = 5,599.98
    #                                  + t4 1,066,234.25×8% = 85,298.74
    assert pay[("华东区", "钱东一")]["commission"] == (D("6000.00") + D("1466.68") + D("2066.64") + D("49.37")
                                                     + D("1617.31") + D("5599.98") + D("85298.74"))
    assert pay[("华东区", "钱东一")]["conquest"] == 5_000                      # 新客丁 1,200,000 > 1,000,000
    assert pay[("西南区", "冯西一")]["breakthrough"] == 20_000                  # 1.2亿: not stacked with conquest
    assert pay[("西南区", "冯西一")]["conquest"] == 0
    assert pay[("西南区", "陈西二")]["conquest"] == 0                          # exactly 1,000,000 is not > 1,000,000
    assert pay[("华东区", "孙东二")]["conquest"] == 0                          # 新客甲's second deal
    assert pay[("北方区", "卫北二")]["conquest"] == 5_000                      # 1,000,000.01
    assert pay[("北方区", "褚北一")]["commission"] == D("24.69")               # 24.685 rounds half away
    assert pay[("北方区", "蒋北三")]["commission"] == D("0.01")                # 0.005 rounds half away
    assert pay[("华东区", "孙东二")]["retention"] == RETENTION                 # churn exactly 8%
    assert pay[("华东区", "周东三")]["retention"] == 0                         # 8.1%


# ----------------------------------------------------------------------------- playing the month

KNOWN_FIELDS = {"coaching", "kpi:retention", "kpi:followups", "kpi:reads", "kpi:focus", "new_customers",
                "complaints", "response_hours", "satisfaction", "inventory"}


def random_value(rng: random.Random, f):
    lo = float(f.minimum) if f.minimum is not None else 0.0
    hi = float(f.maximum) if f.maximum is not None else 1e6
    if f.kind == "integer":
        return rng.randint(int(lo), int(min(hi, 50)))
    if f.kind == "percent":
        return round(rng.uniform(lo, hi), 4)
    if f.kind == "choice":
        return rng.choice(f.choices)
    return rng.choice([rng.randint(int(lo), int(min(hi, 500_000))), round(rng.uniform(lo, min(hi, 1000)), 2)])


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """Play the month once; the tests below look at its results."""
    from salesplan.cli import main
    from salesplan.config import load_config
    from salesplan.regional.manifest import SplitManifest, sidecar_path
    from salesplan.regional.workflow import consolidate, split_plan
    from salesplan.workbook_templates import generate_workbook

    d = tmp_path_factory.mktemp("month")
    config = load_config(None, month=MONTH)
    master = d / "plan.xlsx"
    generate_workbook(config, master)
    files = [write_csv(d / "crm-1.csv", FILE1), write_xlsx(d / "crm-2.xlsx", FILE2)]
    assert main(["deals", "import", *map(str, files), "--into", str(master)]) == 0

    split = split_plan(master, d / "regions")
    # a copy as split, saved before the managers' edits: it arrives again after the consolidation
    (d / "old").mkdir()
    old_copy = saved_at(Path(shutil.copy(split.files[OLD_REGION], d / "old")), "2026-11-30T09:00:00Z")
    rng = random.Random(20261201)
    typed: dict[tuple, object] = {}
    for region, path in split.files.items():
        m = SplitManifest.load(sidecar_path(master, region))
        by_key = {f.key: f for f in m.inputs}
        wb = openpyxl.load_workbook(path)
        for i, (name, new_hire, weight, churn) in enumerate(REPS[region]):
            who = f"#{i + 1}"
            for field, value in (("name", name), ("new_hire", new_hire), ("weight", weight), ("churn", churn)):
                f = by_key[("reps", region, who, field)]
                wb[f.sheet][f.cell] = value
                typed[("reps", region, i, field)] = value
        for f in m.inputs:
            key = f.key
            if key[0] == "reps":
                slot = int(str(key[2]).lstrip("#")) - 1
                if slot >= len(REPS[region]) or key[3] not in KNOWN_FIELDS:
                    continue
                v = random_value(rng, f)
                wb[f.sheet][f.cell] = v
                typed[("reps", region, slot, key[3])] = v
            elif key[0] == "phases" and (key[3] in KNOWN_FIELDS or str(key[3]).startswith("rev:")):
                v = random_value(rng, f)
                wb[f.sheet][f.cell] = v
                typed[key] = v
            elif key[0] == "focus_target":
                v = random_value(rng, f)
                wb[f.sheet][f.cell] = v
                typed[key] = v
        wb.save(path)
    report = consolidate(master, list(split.files.values()))
    # the manager opens the merged file once more, types one value and sends it re-saved by
    # LibreOffice (the `recalculated` fixture converts it with the master)
    m = SplitManifest.load(sidecar_path(master, LO_REGION))
    f = next(f for f in m.inputs if f.key == ("reps", LO_REGION, "#1", "coaching"))
    lo_edit = (("reps", LO_REGION, 0, "coaching"), 1 if typed[("reps", LO_REGION, 0, "coaching")] != 1 else 2)
    (d / "lo-in").mkdir()
    lo_in = Path(shutil.copy(split.files[LO_REGION], d / "lo-in"))
    wb = openpyxl.load_workbook(lo_in)
    wb[f.sheet][f.cell] = lo_edit[1]
    wb.save(lo_in)
    return {"dir": d, "config": config, "master": master, "files": files, "split": split, "typed": typed,
            "report": report, "old_copy": old_copy, "lo_in": lo_in, "lo_edit": lo_edit}


def test_deals_landed_in_report_order(month):
    from salesplan.workbook_templates.inputs import read_inputs
    from salesplan.xlsx.openpyxl_reader import OpenpyxlReader

    with OpenpyxlReader(month["master"]) as rd:
        _, inputs = read_inputs(rd)
    deals = [x for x in inputs.deals if x.rep not in (None, "")]
    expected = hand_deals()
    assert [x.contract_id for x in deals] == [r.contract for r in expected]
    assert [D(str(x.amount)) for x in deals] == [r.amount for r in expected]
    assert [x.customer for x in deals] == [r.customer for r in expected]      # formula-looking text kept


def test_regional_files_hold_no_other_regions_deals(month):
    """Split after the import: every part of each region's zip is free of the other
    regions' deals — contract numbers, customers, amounts with fen — not only of their
    names; and the region's own deals are there."""
    from salesplan.regional.scan import scan_for_names

    deals = hand_deals()
    for region, path in month["split"].files.items():
        def marks(rows):
            return {r.contract for r in rows} | {r.customer for r in rows} | {   # amounts as a sheet stores them
                repr(float(r.amount)) for r in rows if r.amount != r.amount.to_integral_value() and r.amount > 1000}
        own = marks([r for r in deals if r.region == region])
        other = marks([r for r in deals if r.region != region])
        # a mark that is also part of this region's own data could not be told apart
        needles = sorted(n for n in other - own if len(n) >= 3 and not any(n in o for o in own))
        assert len(needles) >= 10, (region, needles)
        assert scan_for_names(path, needles) == [], region
        mine = sorted(own)                  # the needles' forms are the ones a file holds
        assert {h.needle for h in scan_for_names(path, mine)} == set(mine), region


def lost_values(master: Path, typed: dict) -> list:
    """(key, typed, in the master) of every typed value the master does not hold."""
    from salesplan.workbook_templates.inputs import read_inputs
    from salesplan.xlsx.openpyxl_reader import OpenpyxlReader

    with OpenpyxlReader(master) as rd:
        _, inputs = read_inputs(rd)
    lost = []
    for key, v in typed.items():
        if key[0] == "reps":
            _, region, slot, field = key
            row = inputs.regions[region].reps[slot]
            got = row.kpi.get(field[4:]) if field.startswith("kpi:") else getattr(row, field)
        elif key[0] == "phases":
            _, region, n, field = key
            row = inputs.regions[region].phases[n - 1]
            got = row.revenue.get(field[4:]) if field.startswith("rev:") else getattr(row, field)
        else:
            got = inputs.regions[key[1]].focus_target
        if not (got == v or (v in (None, "") and got in (None, ""))):
            lost.append((key, v, got))
    return lost


def test_hundreds_of_random_manager_inputs_survive(month):
    report, typed = month["report"], month["typed"]
    assert report.ok and report.saved, report.details()
    assert len(report.merged) == 4
    assert len(typed) >= 300
    assert lost_values(month["master"], typed) == []


def late_master(month, tmp_path: Path) -> Path:
    """A copy of the consolidated master with its split record, for a later consolidation."""
    master = Path(shutil.copy(month["master"], tmp_path / "plan.xlsx"))
    shutil.copytree(month["dir"] / "plan.splits", tmp_path / "plan.splits")
    return master


def test_an_old_copy_arriving_after_the_newer_file_is_a_conflict_nothing_lost(month, tmp_path):
    from salesplan.regional.workflow import consolidate

    master = late_master(month, tmp_path)
    report = consolidate(master, [month["old_copy"]])
    f, = report.files
    typed_here = {k: v for k, v in month["typed"].items() if k[1] == OLD_REGION and v not in (None, "")}
    assert len(typed_here) >= 50
    assert f.applied == [] and len(f.conflicts) >= len(typed_here) // 2, report.details()[:5]
    assert {p.code for p in f.problems} == {"older_copy"} and not report.ok
    p = f.problems[0]
    assert month["old_copy"].name in p.expected and "2026-11-30T09:00:00+00:00" in p.expected
    assert lost_values(master, month["typed"]) == []


def test_a_file_resaved_by_libreoffice_merges_its_edit_nothing_else(month, recalculated, tmp_path):
    from salesplan.regional.workflow import consolidate

    master = late_master(month, tmp_path)
    resaved = month["dir"] / "recalc" / month["lo_in"].name
    report = consolidate(master, [resaved])
    f, = report.files
    assert f.status == "merged" and f.problems == [] and not f.conflicts, report.details()[:5]
    key, value = month["lo_edit"]
    assert [c.regional for c in f.applied] == [value] and report.ok
    assert lost_values(master, {**month["typed"], key: value}) == []


def test_incentives_equal_the_hand_computation_in_the_engine(month):
    from salesplan.commands.deals import read_deal_files
    from salesplan.deals.reader import engine_deals
    from salesplan.engine.bonuses import compute_bonuses
    from salesplan.workbook_templates import read_config_from_workbook

    config = read_config_from_workbook(month["master"])
    deals = engine_deals(read_deal_files(month["files"], month=MONTH).deals)
    targets = {k: int(v) for k, v in hand_targets().items()}
    churn = {(region, name): c for region, reps in REPS.items() for name, _, _, c in reps}
    result = compute_bonuses(config, deals, targets, churn=churn)
    expected = hand_incentives()
    st = {(s.region, s.rep): s for s in result.statements}
    for k, want in expected.items():
        row = st[k]
        got = {"revenue": D(row.revenue_fen) / 100, "commission": D(row.commission_fen) / 100,
               "conquest": D(row.conquest_fen) / 100, "breakthrough": D(row.breakthrough_fen) / 100,
               "retention": D(row.retention_fen) / 100, "total": D(row.total_fen) / 100}
        assert got == want, k
    assert result.champion is not None and (result.champion.region, result.champion.rep) == ("西南区", "冯西一")


@pytest.fixture(scope="module")
def recalculated(month):
    """The consolidated master as LibreOffice recalculates it (values only); the same soffice
    call re-saves the manager's late regional file (``dir/recalc/<its name>``)."""
    out, _ = recalc([month["master"], month["lo_in"]], month["dir"] / "recalc")
    return load_values(out)


def fen_of(v) -> int:
    """A money cell or engine figure (a float of yuan) in whole fen, rounded half away from zero."""
    return int(round_half_away(D(repr(float(v or 0))) * 100, "1"))


def test_engine_on_the_consolidated_master_pays_the_hand_computation(month):
    """The engine run on what consolidation left in the master — its 成交明细, the reps,
    weights and churn the managers typed in their files — as the add-in runs it
    (compute_actuals over the workbook's inputs), not on this test's own tables: targets,
    every statement line and the reconciliation equal the hand computation."""
    from salesplan.engine.actuals import compute_actuals
    from salesplan.engine.plan import compute_plan
    from salesplan.workbook_templates import read_config_from_workbook
    from salesplan.workbook_templates.inputs import read_inputs
    from salesplan.xlsx.openpyxl_reader import OpenpyxlReader

    plan = compute_plan(read_config_from_workbook(month["master"]))
    with OpenpyxlReader(month["master"]) as rd:
        _, inputs = read_inputs(rd)
    act = compute_actuals(plan, inputs)
    expected, targets = hand_incentives(), hand_targets()
    for region, reps in REPS.items():
        for i, (name, *_) in enumerate(reps):
            k, s = (region, name), ("srep", region, i)
            want = expected[k]
            assert act[("rep", region, i, "name")] == name
            assert act[("rep", region, i, "target")] == targets[k], k
            assert fen_of(act[s + ("revenue",)]) == want["revenue"] * 100, k
            assert fen_of(act[s + ("commission",)]) == want["commission"] * 100, k
            assert fen_of(act[s + ("first_awards",)]) == (want["conquest"] + want["breakthrough"]) * 100, k
            assert fen_of(act[s + ("retention",)]) == want["retention"] * 100, k
            assert fen_of(act[s + ("total",)]) == fen_of(act[s + ("inc_payout",)]) == want["total"] * 100, k
            assert act[s + ("check",)] == "✓", k
    team = sum(v["total"] for v in expected.values()) * 100
    assert fen_of(act[("recon", "statements")]) == fen_of(act[("recon", "incentives")]) == team
    assert act[("recon", "check")] == "recon_ok"


def test_statements_equal_incentives_equal_the_engine_in_the_workbook(recalculated):
    """个人奖金明细 after LibreOffice: each rep's statement total equals their 激励 payout
    and the hand computation; Σ statements = Σ 激励 = the engine's total, to the fen;
    the sheet's own reconciliation says ✓."""
    expected = hand_incentives()
    team = sum(v["total"] for v in expected.values())
    ws = recalculated["个人奖金明细"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    h = next(i for i, r in enumerate(rows) if "明细合计" in r and "“激励”应发" in r)
    col = {name: j for j, name in enumerate(rows[h]) if isinstance(name, str)}
    got = {}
    for r in rows[h + 1:]:
        if r[col["区域"]] not in REGION_REVENUE:       # the summary block ends (the deal lines follow)
            break
        if r[col["姓名"]] not in (None, ""):
            got[(r[col["区域"]], r[col["姓名"]])] = r
    assert set(got) == set(expected)
    for k, want in expected.items():
        r = got[k]
        assert fen_of(r[col["明细合计"]]) == fen_of(r[col["“激励”应发"]]) == want["total"] * 100, k
        assert r[col["检查"]] == "✓", k
    inc = [list(r) for r in recalculated["激励"].iter_rows(values_only=True)]
    ih = next(i for i, r in enumerate(inc) if "姓名" in r and "应发合计" in r)
    icol = {name: j for j, name in enumerate(inc[ih]) if isinstance(name, str)}
    inc_total = sum(fen_of(r[icol["应发合计"]]) for r in inc[ih + 1:]
                    if r[icol["区域"]] in REGION_REVENUE and r[icol["姓名"]] not in (None, ""))
    assert sum(fen_of(r[col["明细合计"]]) for r in got.values()) == inc_total == team * 100
    label = {r[0]: r for r in rows[:h] if isinstance(r[0], str)}
    assert fen_of(label["Σ 个人奖金明细"][4]) == fen_of(label["“激励”应发合计"][4]) == team * 100
    assert label["核对结果"][4] == "✓ 一致"


def test_incentives_equal_the_hand_computation_in_the_workbook(recalculated):
    """The master's 激励 sheet, recalculated by LibreOffice, pays what the hand computation pays."""
    wb = recalculated
    assert error_cells(wb) == []
    ws = wb["激励"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    h = next(i for i, r in enumerate(rows) if "姓名" in r and "应发合计" in r)
    col = {name: j for j, name in enumerate(rows[h]) if isinstance(name, str)}
    expected = hand_incentives()
    targets = hand_targets()
    got = {}
    for r in rows[h + 1:]:
        if r[col["区域"]] in REGION_REVENUE and r[col["姓名"]] not in (None, ""):
            got[(r[col["区域"]], r[col["姓名"]])] = r
    assert set(got) == set(expected)

    def money(v) -> Decimal:
        return round_half_away(D(repr(float(v or 0))), "0.01")

    for k, want in expected.items():
        r = got[k]
        assert money(r[col["个人目标"]]) == targets[k], k
        assert money(r[col["成交明细销售额"]]) == want["revenue"], k
        assert money(r[col["提成合计"]]) == want["commission"], k
        assert money(r[col["新客户攻克奖"]]) == want["conquest"], k
        assert money(r[col["重大突破奖"]]) == want["breakthrough"], k
        assert money(r[col["客户留存奖"]]) == want["retention"], k
        assert money(r[col["应发合计"]]) == want["total"], k          # champion prize value is ¥0 by default
        assert (r[col["销售冠军"]] or "").startswith("★") == (k == ("西南区", "冯西一")), k


def sheet_part(path: Path, name: str) -> str:
    """The zip part of the sheet called ``name``."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        wb, rels = z.read("xl/workbook.xml").decode(), z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(r'<sheet [^>]*name="%s"[^>]*r:id="([^"]+)"' % re.escape(name), wb).group(1)
    target = re.search(r'<Relationship [^>]*Id="%s"[^>]*Target="([^"]+)"' % rid, rels)
    if target is None:
        target = re.search(r'<Relationship [^>]*Target="([^"]+)"[^>]*Id="%s"' % rid, rels)
    t = target.group(1).lstrip("/")
    return t if t.startswith("xl/") else f"xl/{t}"


def test_malformed_directory_is_rejected_file_by_file(month, tmp_path):
    """Every hostile or foreign file gets its own named reason; the good file still merges."""
    import re
    import zipfile

    from test_preflight import rewrite as _rewrite
    from test_regional_consolidate import hostile_directory

    from salesplan.regional.manifest import Stamp, read_stamp, stamp_xlsx
    from salesplan.regional.workflow import consolidate, expand
    from salesplan.xlsx.lxml_reader import XlsxFile

    master = tmp_path / "plan.xlsx"
    shutil.copy(month["master"], master)
    shutil.copytree(month["dir"] / "plan.splits", tmp_path / "plan.splits")
    good = month["split"].files["华东区"]
    bad = tmp_path / "bad"
    expected = hostile_directory(good, bad)              # refused by the preflight, one reason each
    with zipfile.ZipFile(good) as z:                      # the writer's sheets carry a <dimension> already
        sheet = z.read("xl/worksheets/sheet2.xml")
    absurd = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', sheet, count=1)
    assert absurd != sheet
    (bad / "absurd.xlsx").unlink()
    _rewrite(good, bad / "absurd.xlsx", replace={"xl/worksheets/sheet2.xml": absurd})
    # a sheet cut short inside an intact zip is refused as corrupt, whichever sheet it is
    region_part = sheet_part(good, "华东区")
    with zipfile.ZipFile(good) as z:
        tab = z.read(region_part)
    (bad / "badxml.xlsx").unlink()
    _rewrite(good, bad / "badxml.xlsx", replace={region_part: tab[: len(tab) // 2]})
    _rewrite(good, bad / "cut-setup.xlsx", replace={"xl/worksheets/sheet2.xml": sheet[: len(sheet) // 2]})
    openpyxl.Workbook().save(bad / "plain.xlsx")          # not a regional file
    shutil.copy(month["master"], bad / "master-copy.xlsx")
    other = shutil.copy(good, bad / "other-month.xlsx")   # a regional file stamped for another month
    with XlsxFile(other) as x:
        s = read_stamp(x)
    stamp_xlsx(other, Stamp("2026-11", s.region, s.plan_version, s.layout_version, s.split_id, s.manifest_digest))
    shutil.copy(good, bad / "zz-good.xlsx")
    report = consolidate(master, expand([bad]))
    by_name = {Path(f.file).name: f for f in report.files}
    assert len(by_name) == len(expected) + 5
    assert (by_name["cut-setup.xlsx"].status, by_name["cut-setup.xlsx"].reason) == ("refused", "corrupt")
    for name, reason in expected.items():
        assert (by_name[name].status, by_name[name].reason) == ("refused", reason), name
    assert (by_name["plain.xlsx"].status, by_name["plain.xlsx"].reason) == ("rejected", "not_regional")
    assert (by_name["master-copy.xlsx"].status, by_name["master-copy.xlsx"].reason) == ("rejected", "not_regional")
    assert (by_name["other-month.xlsx"].status, by_name["other-month.xlsx"].reason) == ("rejected", "month_mismatch")
    assert by_name["zz-good.xlsx"].status == "merged"
    text = "\n".join(report.details())
    for name, reason in expected.items():
        assert f"{name}: refused ({reason})" in text
