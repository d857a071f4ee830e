"""The print-ready summary: a small dedicated .xlsx (one A4 sheet) converted to PDF.

The plan workbook is never touched: :func:`write_summary_xlsx` builds a separate
one-sheet workbook with openpyxl (A4 portrait, fit to one page wide, title rows
repeated on every page, a CJK font), and :func:`convert_to_pdf` runs LibreOffice
headless on it with a throwaway user profile.

LibreOffice is found as ``$SALESPLAN_SOFFICE``, else ``soffice``/``libreoffice`` on
PATH, else the default Windows/macOS install locations.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from salesplan.announce.content import Announcement, one_line
from salesplan.announce.errors import RenderError

FONT_NAME = "Noto Sans CJK SC"      # LibreOffice falls back through fontconfig if absent
MONEY = '"¥"#,##0'
SOFFICE_TIMEOUT = 240               # seconds; a cold LibreOffice start can take a while

_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDE6F0")
_ALERT_FILL = PatternFill("solid", fgColor="FDE2E1")
_WARN_FILL = PatternFill("solid", fgColor="FFF4CE")
_SECTION_FONT = Font(name=FONT_NAME, size=12, bold=True, color="1F3864")


def _font(**kw) -> Font:
    return Font(name=FONT_NAME, size=kw.pop("size", 10), **kw)


class _Sheet:
    """A cursor over the summary sheet; every write is a value, never a formula."""

    def __init__(self, ws, width: int):
        self.ws = ws
        self.width = width
        self.row = 1

    def put(self, row: int, col: int, value, *, bold=False, fmt=None, fill=None, box=True, wrap=False,
            align=None, size=10, color=None):
        cell = self.ws.cell(row=row, column=col, value=value)
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
            cell.data_type = "s"        # untrusted text is text, not a formula
        cell.font = _font(bold=bold, size=size, color=color)
        if fmt:
            cell.number_format = fmt
        if fill:
            cell.fill = fill
        if box:
            cell.border = _BOX
        cell.alignment = Alignment(wrap_text=wrap, vertical="top", horizontal=align)
        return cell

    def banner(self, text: str, *, fill, size=10, bold=False, height=None):
        r = self.row
        self.put(r, 1, text, fill=fill, wrap=True, bold=bold, size=size)
        for c in range(2, self.width + 1):
            self.put(r, c, None, fill=fill)
        self.ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=self.width)
        # merged wrapped cells do not auto-grow: estimate the height (CJK ≈ 2 units/char)
        self.ws.row_dimensions[r].height = height or 15 * _lines(text, self.width) + 3
        self.row += 1

    def section(self, text: str):
        self.row += 1
        self.put(self.row, 1, text, box=False, bold=True, size=12, color="1F3864")
        self.ws.cell(row=self.row, column=1).font = _SECTION_FONT
        self.row += 1

    def header(self, values: list[str]):
        for c, v in enumerate(values, start=1):
            self.put(self.row, c, v, bold=True, fill=_HEAD_FILL, wrap=True, align="center")
        self.row += 1

    def line(self, values: list, fmts: list | None = None, *, spans: list[int] | None = None,
             header: bool = False):
        """One table row; ``spans[i]`` columns for value i (the last one fills to the sheet width)."""
        r, col = self.row, 1
        spans = list(spans or [1] * len(values))
        spans[-1] = max(spans[-1], self.width - sum(spans[:-1])) if spans else 1
        tallest = 1
        for i, v in enumerate(values):
            fmt = fmts[i] if fmts and i < len(fmts) else None
            span = spans[i] if i < len(spans) else 1
            wrap = span > 1 or header
            self.put(r, col, v, fmt=fmt, wrap=wrap, bold=header, fill=_HEAD_FILL if header else None,
                     align="center" if header else None)
            for c in range(col + 1, col + span):
                self.put(r, c, None, fill=_HEAD_FILL if header else None)
            if span > 1:
                self.ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=col + span - 1)
                tallest = max(tallest, _lines(v, span))
            col += span
        if tallest > 1:
            self.ws.row_dimensions[r].height = 14 * tallest + 2
        self.row += 1


def _lines(value, span: int) -> int:
    """Estimated wrapped lines of ``value`` in ``span`` merged columns (CJK ≈ 2 width units)."""
    units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(value or ""))
    return max(1, -(-units // (span * 12)))


def write_summary_xlsx(ann: Announcement, path: Path, *, generated: date | None = None) -> Path:
    """Write the one-sheet summary workbook for ``ann`` to ``path``."""
    d = ann.data
    width = max(8, 2 + len(d["products"]) + 2, 6 + len(d["regions"]), 1 + len(d["regions"]))
    wb = Workbook()
    ws = wb.active
    ws.title = "方案摘要" if ann.lang == "zh" else "Plan summary"
    s = _Sheet(ws, width)
    for part in (_title, _targets, _products, _regions, _phases, _kpi_weights, _awards, _calendar, _warnings):
        part(s, ann, generated)
    _print_setup(ws, width)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _title(s: _Sheet, ann: Announcement, generated: date | None) -> None:
    """Title rows (repeated on every printed page) and the alert banners."""
    L, d, ws = ann.labels, ann.data, s.ws
    s.put(1, 1, ann.title, box=False, bold=True, size=16)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=s.width)
    ws.row_dimensions[1].height = 26
    strat = L.get(f"strategy_{d['strategy']}", d["strategy"])
    sub = f"{L['strategy']}: {strat}    {L['generated']}: {(generated or date.today()).isoformat()}"
    s.put(2, 1, sub, box=False, size=9, color="555555")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=s.width)
    s.row = 3

    for alert in ann.alerts:
        s.banner(f"⚠ {L['alerts']}: {alert}", fill=_ALERT_FILL, bold=True)


def _targets(s: _Sheet, ann: Announcement, _generated=None) -> None:
    """R1 overall targets."""
    L, t = ann.labels, ann.data["targets"]
    s.section(L["targets"])
    s.header([L["revenue"], L["new_customers"], L["repurchase_rate"], L["aov"], L["implied_orders"]])
    s.line([t["revenue"], t["new_customers"], t["repurchase_rate"], t["average_order_value"], t["implied_orders"]],
           [MONEY, "0", "0%", MONEY, "0"])


def _products(s: _Sheet, ann: Announcement, _generated=None) -> None:
    """R2 products."""
    L, d = ann.labels, ann.data
    s.section(L["products"])
    s.header([L["product"], L["share"], L["target_amount"]])
    for p in d["products"]:
        s.line([one_line(p["name"]), p["share"], p["revenue"]], [None, "0.0%", MONEY])
    s.line([L["total"], sum(p["share"] for p in d["products"]), d["targets"]["revenue"]], [None, "0.0%", MONEY])


def _regions(s: _Sheet, ann: Announcement, _generated=None) -> None:
    """R3 regions × products."""
    L, d = ann.labels, ann.data
    products = [p["name"] for p in d["products"]]
    regions = d["regions"]
    s.section(L["regions"])
    s.header([L["region"], L["manager"], *products, L["total"], L["new_cust_short"]])
    for r in regions:
        s.line([one_line(r["name"]), one_line(r["manager"]), *[r["products"][n] for n in products],
                r["revenue"], r["new_customers"]],
               [None, None, *[MONEY] * len(products), MONEY, "0"])
    s.line([L["total"], "", *[p["revenue"] for p in d["products"]], d["targets"]["revenue"],
            sum(r["new_customers"] for r in regions)],
           [None, None, *[MONEY] * len(products), MONEY, "0"])


def _phases(s: _Sheet, ann: Announcement, _generated=None) -> None:
    """R4 phases (with each region's share of the phase) and their goals."""
    L, d = ann.labels, ann.data
    regions = d["regions"]
    s.section(f"{L['phases']}（{d['working_days']} {L['days']}）" if ann.lang == "zh"
              else f"{L['phases']} ({d['working_days']} {L['days']})")
    s.header([L["phase"], L["name"], L["start"], L["end"], L["working_days"], L["target_amount"],
              *[one_line(r["name"]) for r in regions]])
    for ph in d["phases"]:
        s.line([ph["number"], one_line(ph["name"] if ann.lang == "zh" else ph["name_en"]),
                date.fromisoformat(ph["start"]), date.fromisoformat(ph["end"]), ph["working_days"], ph["revenue"],
                *[r["phases"][str(ph["number"])] for r in regions]],
               ["0", None, "yyyy-mm-dd", "yyyy-mm-dd", "0", MONEY, *[MONEY] * len(regions)])
    for ph in d["phases"]:
        goals = ann.phase_goals.get(ph["number"], ())
        if goals:
            s.line([ph["number"], ("；" if ann.lang == "zh" else "; ").join(goals)], ["0"], spans=[1, s.width - 1])


def _kpi_weights(s: _Sheet, ann: Announcement, _generated=None) -> None:
    """R6/R7 KPI weights per region."""
    L, regions = ann.labels, ann.data["regions"]
    s.section(L["kpi"])
    s.header([L["kpi_name"], *[f"{one_line(r['name'])} {one_line(r['manager'])}" for r in regions]])
    for k in ann.kpi_names:
        s.line([one_line(k), *[r["kpi_weights"].get(k, "—") for r in regions]], [None, *["0.0%"] * len(regions)])
    s.line([L["total"], *[sum(r["kpi_weights"].values()) for r in regions]], [None, *["0%"] * len(regions)])


def _awards(s: _Sheet, ann: Announcement, _generated=None) -> None:
    """R8 awards."""
    L, width = ann.labels, s.width
    s.section(L["awards"])
    s.line([L["award"], L["amount"], L["condition"]], spans=[1, 2, width - 3], header=True)
    for a in ann.awards:
        s.line([a.name, a.amount, a.condition], spans=[1, 2, width - 3])


def _calendar(s: _Sheet, ann: Announcement, _generated=None) -> None:
    """R5 calendar: every dated event."""
    L, width = ann.labels, s.width
    s.section(L["calendar"])
    s.line([L["date"], L["time"], L["event"]], spans=[1, 1, width - 2], header=True)
    for e in sorted(ann.data["events"], key=lambda e: (e["date"], e["time"] or "99:99")):
        name = e["name"] if ann.lang == "zh" else e["name_en"]
        day = date.fromisoformat(e["date"])
        s.line([ann.date_label(day, weekday=True) if day.strftime("%Y-%m") == ann.month else day.isoformat(),
                e["time"] or "", one_line(name)], spans=[1, 1, width - 2])


def _warnings(s: _Sheet, ann: Announcement, _generated=None) -> None:
    if ann.warnings:
        s.section(ann.labels["warnings"])
        for w in ann.warnings:
            s.banner(w, fill=_WARN_FILL)


def _print_setup(ws, width: int) -> None:
    """Column widths and A4 portrait, one page wide, title rows on every page."""
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 14
    for c in range(3, width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 13
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:2"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "&P / &N"
    ws.oddFooter.center.font = FONT_NAME
    ws.sheet_view.showGridLines = False


# --------------------------------------------------------------------------- LibreOffice


def find_soffice() -> str | None:
    """The LibreOffice executable, or None."""
    env = os.environ.get("SALESPLAN_SOFFICE")
    if env:
        return env if Path(env).exists() or shutil.which(env) else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    candidates = []
    if sys.platform == "win32":
        for base in (os.environ.get("ProgramFiles", r"C:\Program Files"),
                     os.environ.get("ProgramFiles(x86)", r"C:\Program Files (x86)")):
            candidates.append(Path(base) / "LibreOffice" / "program" / "soffice.exe")
    elif sys.platform == "darwin":
        candidates.append(Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"))
    for c in candidates:
        if c.exists():
            return str(c)
    return None


def convert_to_pdf(xlsx: Path, outdir: Path, *, soffice: str | None = None,
                   timeout: float = SOFFICE_TIMEOUT) -> Path:
    """Convert ``xlsx`` to ``outdir/<stem>.pdf`` with LibreOffice headless; return the PDF path."""
    exe = soffice or find_soffice()
    if not exe:
        raise RenderError("LibreOffice (soffice) is needed to print the PDF summary and was not found: install "
                          "LibreOffice (Debian/Ubuntu: apt-get install libreoffice-calc fonts-noto-cjk) or set "
                          "SALESPLAN_SOFFICE to its soffice executable; or skip the PDF with --no-pdf.")
    xlsx, outdir = Path(xlsx).resolve(), Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="salesplan-lo-") as profile:
        cmd = [exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--invisible",
               "--norestore", "--nologo", "--nodefault", "--nolockcheck",
               "--convert-to", "pdf", "--outdir", str(outdir), str(xlsx)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise RenderError(f"LibreOffice did not convert {xlsx.name} to PDF within {timeout:.0f} s") from exc
        except OSError as exc:
            raise RenderError(f"LibreOffice could not be started ({exe}): {exc}") from exc
    pdf = outdir / (xlsx.stem + ".pdf")
    if proc.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        detail = (proc.stderr or proc.stdout or "").strip()[-800:]
        raise RenderError(f"LibreOffice failed to convert {xlsx.name} to PDF (exit {proc.returncode}): {detail}")
    return pdf


def render_pdf(ann: Announcement, pdf_path: Path, *, generated: date | None = None,
               soffice: str | None = None) -> Path:
    """Build the summary workbook in a temp folder and print it to ``pdf_path``."""
    pdf_path = Path(pdf_path)
    with tempfile.TemporaryDirectory(prefix="salesplan-summary-") as tmp:
        xlsx = write_summary_xlsx(ann, Path(tmp) / (pdf_path.stem + ".xlsx"), generated=generated)
        produced = convert_to_pdf(xlsx, Path(tmp), soffice=soffice)
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(produced), str(pdf_path))
    return pdf_path


__all__ = ["write_summary_xlsx", "convert_to_pdf", "render_pdf", "find_soffice"]
