"""Small synthetic regional workbooks (tests and the consolidation benchmark).

A region tab with a rep table like the real one — per rep: name, new-hire flag,
weight, three KPI actuals, coaching sessions and churn (inputs, unlocked) and a
target and a score (formulas, locked) — plus an info sheet of locked labels. Written
with openpyxl's write-only mode, stamped, and described by a sealed
:class:`~salesplan.regional.manifest.SplitManifest` exactly like ``split`` does, so the
whole consolidation path (preflight → raw read → checks → merge) runs on them.
"""
from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Hashable, Mapping

from salesplan.regional.manifest import (
    InputField, SplitManifest, fingerprint_file, new_split_id, now_iso, stamp_xlsx,
)
from salesplan.xlsx.lxml_reader import XlsxFile, column_letter

__all__ = ["REP_FIELDS", "synthetic_inputs", "write_region_file", "region_names", "rep_name"]

# field, header, kind, min, max
REP_FIELDS: list[tuple[str, str, str, Decimal | None, Decimal | None]] = [
    ("name", "姓名", "text", None, None),
    ("new_hire", "新人", "bool", None, None),
    ("weight", "权重", "number", Decimal(0), Decimal(100)),
    ("kpi:retention", "留存客户", "number", Decimal(0), None),
    ("kpi:followups", "跟进客户数", "integer", Decimal(0), Decimal(100000)),
    ("kpi:reads", "日均阅读量", "number", Decimal(0), None),
    ("coaching", "辅导次数", "integer", Decimal(0), Decimal(100)),
    ("churn", "流失率", "percent", Decimal(0), Decimal(1)),
]
HEADER_ROW = 4
FIRST_ROW = 5
# columns: A no. | B..I inputs | J target (formula) | K score (formula)
_INPUT_COL0 = 2


def region_names(i: int) -> tuple[str, str]:
    """A distinctive (region, manager) pair for synthetic region ``i``."""
    return f"测试区{i:03d}", f"经理甲{i:03d}"


def rep_name(region_index: int, j: int) -> str:
    return f"销售员{region_index:03d}x{j:03d}"


def synthetic_inputs(region: str, n_reps: int) -> list[InputField]:
    out = []
    for j in range(n_reps):
        row = FIRST_ROW + j
        for k, (field, header, kind, lo, hi) in enumerate(REP_FIELDS):
            out.append(InputField(("reps", region, j + 1, field), region, f"{column_letter(_INPUT_COL0 + k)}{row}",
                                  kind, lo, hi, (), header))
    out.append(InputField(("focus_target", region), region, "C3", "number", Decimal(0), None, (), "重点KPI目标"))
    return out


def write_region_file(path: str | os.PathLike, region: str, manager: str, n_reps: int, *,
                      month: str = "2025-07", plan_version: str = "vtest", layout_version: str = "1",
                      values: Mapping[Hashable, Any] | None = None, reps: list[str] | None = None,
                      master: str = "plan.xlsx", protect: bool = True) -> SplitManifest:
    """Write one stamped regional file and return its sealed manifest (not saved)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Protection

    path = Path(path)
    values = dict(values or {})
    unlocked = Protection(locked=False)
    wb = Workbook(write_only=True)
    info = wb.create_sheet("说明")
    info.append(["区域", region])
    info.append(["经理", manager])
    info.append(["月份", month])
    ws = wb.create_sheet(region)
    if protect:
        ws.protection.sheet = True
    ws.append([f"{region} 销售作战表", None, None, None, None, None, None, None, None, None, "经理", manager])
    ws.append(["区域目标", 1_000_000])
    focus = WriteOnlyCell(ws, values.get(("focus_target", region)))
    focus.protection = unlocked
    ws.append(["重点KPI目标", None, focus])
    ws.append(["序号"] + [f[1] for f in REP_FIELDS] + ["目标", "得分"])
    last = FIRST_ROW + n_reps - 1
    for j in range(n_reps):
        row = FIRST_ROW + j
        cells: list[Any] = [j + 1]
        for field, _, kind, _, _ in REP_FIELDS:
            key = ("reps", region, j + 1, field)
            default = (reps[j] if reps and j < len(reps) else None) if field == "name" else None
            c = WriteOnlyCell(ws, values.get(key, default))
            c.protection = unlocked
            cells.append(c)
        cells.append(f"=IF(D{row}=\"\",0,ROUND($B$2*D{row}/SUM($D${FIRST_ROW}:$D${last}),0))")
        cells.append(f"=IF(J{row}=0,0,E{row}*0.3+F{row}*0.4+G{row}*0.3)")
        ws.append(cells)
    ws.append(["合计", None, None, f"=SUM(D{FIRST_ROW}:D{last})", None, None, None, None, None,
               f"=SUM(J{FIRST_ROW}:J{last})"])
    wb.save(path)
    inputs = synthetic_inputs(region, n_reps)
    with XlsxFile(path) as x:
        fp = fingerprint_file(x, inputs)
        sheets = x.sheet_names
    m = SplitManifest(new_split_id(), month, region, plan_version, layout_version, now_iso(), master, path.name,
                      inputs, fp.base, fp.formulas, fp.cells, fp.unlocked, sheets,
                      formulas_as_written=fp.formulas_as_written)
    m.seal()
    stamp_xlsx(path, m.stamp())
    return m
