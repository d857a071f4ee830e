"""A rep's closed statement (个人奖金明细) as text lines, from a stored version."""
from __future__ import annotations

from salesplan.errors import InputError, Problem
from salesplan.history.diff import yuan
from salesplan.history.snapshot import Snapshot, shanghai_time


def find_rep(snap: Snapshot, rep: str, region: str | None = None) -> dict:
    hits = [s for s in snap.statement_dicts() if s["rep"] == rep and (region is None or s["region"] == region)]
    if len(hits) == 1:
        return hits[0]
    names = sorted({f"{s['region']}/{s['rep']}" for s in snap.statement_dicts()})
    if not hits:
        raise InputError([Problem(f"--rep {rep}" + (f" --region {region}" if region else ""), "not in "
                                  f"{snap.label()}", "one of: " + ", ".join(names), "no_rep")])
    raise InputError([Problem(f"--rep {rep}", f"in {len(hits)} regions", "--region to choose one of "
                              + ", ".join(s["region"] for s in hits), "ambiguous_rep")])


def statement_lines(snap: Snapshot, rep: str, region: str | None = None) -> list[str]:
    s = find_rep(snap, rep, region)
    lines = [p for p in snap.payout_dicts() if (p["region"], p["rep"]) == (s["region"], s["rep"])]
    att = f"{s['revenue_fen'] / s['target_fen']:.1%}" if s["target_fen"] else "—"
    out = [f"个人奖金明细  {snap.month} version {snap.version}  {s['region']} {s['rep']}",
           f"closed by {snap.closed_by} at {shanghai_time(snap.closed_at)} (Asia/Shanghai); "
           f"workbook {snap.workbook_name} sha256 {snap.workbook_sha256[:16]}…",
           "",
           f"个人目标 target      {yuan(s['target_fen']):>16}",
           f"成交额 revenue       {yuan(s['revenue_fen']):>16}   attainment {att}   deals {s['deal_count']}",
           "", "Deal lines (report order):"]
    for p in lines:
        if p["deal_row"] is None:
            continue
        slice_ = (f"slice {yuan(p['base_fen'])} × {p['rate_ppm'] / 10_000:g}%" if p["kind"] == "commission"
                  else p["kind"])
        out.append(f"  {p['contract_id'] or '#' + str(p['deal_row']):<12} {slice_:<34} {yuan(p['amount_fen']):>14}"
                   f"  {p['rule']}")
    awards = [p for p in lines if p["deal_row"] is None]
    if awards:
        out += ["", "Awards:"] + [f"  {p['rule']:<48} {yuan(p['amount_fen']):>14}" for p in awards]
    out += ["",
            f"提成 commission      {yuan(s['commission_fen']):>16}",
            f"新客/突破 first-deal {yuan(s['conquest_fen'] + s['breakthrough_fen']):>16}",
            f"留存 retention       {yuan(s['retention_fen']):>16}" + (f"   churn {s['churn']}" if s["churn"] else ""),
            f"竞赛 quiz            {yuan(s['quiz_fen']):>16}",
            f"冠军 champion        {yuan(s['champion_fen']):>16}",
            f"应发合计 total       {yuan(s['total_fen']):>16}"]
    return out


def write_pdf(lines: list[str], pdf_path, *, title: str) -> None:
    """The statement printed to PDF through the announce module's LibreOffice conversion."""
    import shutil
    import tempfile
    from pathlib import Path

    import openpyxl
    from openpyxl.styles import Font

    from salesplan.announce.summary import convert_to_pdf

    pdf_path = Path(pdf_path)
    with tempfile.TemporaryDirectory(prefix="salesplan-stmt-") as tmp:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = title[:31]
        for i, line in enumerate(lines, start=1):
            c = ws.cell(row=i, column=1, value=line)
            c.font = Font(name="Noto Sans Mono CJK SC", size=9, bold=i == 1)
            c.data_type = "s"
        ws.column_dimensions["A"].width = 130
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToHeight = 0
        xlsx = Path(tmp) / (pdf_path.stem + ".xlsx")
        wb.save(xlsx)
        out = convert_to_pdf(xlsx, Path(tmp))
        shutil.move(str(out), pdf_path)
