"""Produce the reference expectations TOML from the current writer (then reviewed by hand).

Regenerate workbook_templates/reference_default_2026-12_zh.toml (review the diff before
committing)::

    python -m salesplan.workbook_templates.make_reference
"""
from __future__ import annotations

import json
from pathlib import Path

REFERENCE = Path(__file__).with_name("reference_default_2026-12_zh.toml")

# sheet -> the key cells whose value or formula the reference pins down
KEY_CELLS = {
    "设置": ["A1", "A3", "A4", "A5", "B8", "B9", "B12", "B13", "B14", "B15"],
    "目标分解": ["B4", "B5", "B8", "C12", "C15", "C16", "B16"],
    "华东区": ["C5", "G5", "K5", "G7", "E13", "E29", "F29", "H29", "M29", "R29", "T29", "U29", "V29", "W29", "AB28",
              "AB29", "AC29", "AD29", "AE29"],
    "成交明细": ["N5", "O5", "P5", "Q5", "S5", "V5", "W5", "Y5", "AA5", "AC5", "AD5"],
    "竞赛与推荐": ["F6", "G6", "G25", "H25"],
    "激励": ["B6", "H6", "M6", "Q6", "T6", "V6", "W6", "Y6", "C3"],
    "个人奖金明细": ["E4", "E5", "E6", "E7", "E9", "C15", "L15", "N15", "A66", "F66", "I66", "J66", "V66", "X66"],
    "辅导": ["C3", "C4", "B8", "G8"],
    "冲刺指引": ["B3", "D3", "F3", "H3", "B7", "E7", "G7", "K7", "F14", "G14", "I14"],
    "方案对比": ["C5", "D5", "C6", "D6", "E6", "C45", "D45"],
}


def reference_text() -> str:
    """The reference TOML for the default plan of 2026-12 (zh), as the current writer lays it out."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    from salesplan.config import load_config
    from salesplan.engine.plan import compute_plan
    from salesplan.workbook_templates.writer import build_models

    b = build_models(compute_plan(load_config(None, month="2026-12")))
    out = ['# Reviewed reference expectations for the default plan, 2026-12 (zh).',
           '# tests/test_workbook_reference.py regenerates the workbook with openpyxl and compares these',
           '# sheet names, key cells (values and formulas), defined names, validations and protection.',
           '# Update deliberately: a change here is a change of the workbook contract.', '']
    out.append(f"sheets = {json.dumps([m.name for m in b.models], ensure_ascii=False)}")
    out.append("")
    out.append("[defined_names]")
    for n in sorted(b.names):
        if n.startswith("SP_") and not n.startswith("SP_R"):
            out.append(f'{n} = {json.dumps(b.names[n], ensure_ascii=False)}')
    out.append("")
    for sheet, coords in KEY_CELLS.items():
        m = next(x for x in b.models if x.name == sheet)
        out.append(f'[cells."{sheet}"]')
        for co in coords:
            col, row = coordinate_from_string(co)
            v = m.get(row, column_index_from_string(col))
            if hasattr(v, "isoformat"):
                v = v.isoformat()
            out.append(f'{co} = ""  # blank input' if v is None else f'{co} = {json.dumps(v, ensure_ascii=False)}')
        out.append("")
    out.append("[validations]")
    for m in b.models:
        if m.validations:
            kinds = sorted({v.kind for v in m.validations})
            out.append(f'"{m.name}" = {json.dumps(kinds)}')
    out.append("")
    out.append("[protection]")
    for m in b.models:
        out.append(f'"{m.name}" = {"true" if m.protect else "false"}')
    return "\n".join(out) + "\n"


def main(path: str | Path = REFERENCE) -> Path:
    path = Path(path)
    path.write_text(reference_text(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(main())
