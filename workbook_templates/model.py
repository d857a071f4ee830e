"""An in-memory model of the workbook (sheets, cells, styles, validations, charts) and
its renderer to an .xlsx with openpyxl's write-only (streaming) mode.

Builders fill :class:`SheetModel` objects in any order; the renderer then streams
each sheet row by row, which keeps large workbooks (50 regions × 100 reps) within a
small factor of openpyxl's raw write-only speed.

Every formula cell may carry a *key* (a tuple understood by
:func:`salesplan.engine.actuals.compute_actuals`) so tests can check the recalculated
value of each computed cell against the engine.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

COL = get_column_letter

INPUT_FILL = "FFF9E0"        # inputs: light yellow
ASSUMPTION_FILL = "FCE4C8"   # assumptions: light orange
HEADER_FILL = "1F4E79"
SECTION_FILL = "DDEBF7"
BANNER_FILL = "FDE2E1"
HELPER_FONT = "808080"

_thin = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_FONT = "等线"

# style name -> (font kwargs, fill, number format, alignment kwargs, unlocked, border)
_STYLE_DEFS: dict[str, tuple[dict, str | None, str, dict, bool, bool]] = {
    "title": ({"bold": True, "size": 16, "color": "1F4E79"}, None, "General", {}, False, False),
    "section": ({"bold": True, "size": 12, "color": "1F4E79"}, SECTION_FILL, "General", {}, False, False),
    "header": ({"bold": True, "color": "FFFFFF"}, HEADER_FILL, "General",
               {"wrap_text": True, "vertical": "center", "horizontal": "center"}, False, True),
    "label": ({"bold": True}, None, "General", {}, False, True),
    "text": ({}, None, "General", {"wrap_text": False}, False, True),
    "wrap": ({}, None, "General", {"wrap_text": True, "vertical": "top"}, False, True),
    "note": ({"italic": True, "color": "595959"}, None, "General", {"wrap_text": False}, False, False),
    "banner": ({"bold": True, "color": "C00000"}, None, "General", {}, False, False),
    "money": ({}, None, "¥#,##0", {}, False, True),
    "money2": ({}, None, "¥#,##0.00", {}, False, True),
    "pct": ({}, None, "0.0%", {}, False, True),
    "int": ({}, None, "#,##0", {}, False, True),
    "dec": ({}, None, "#,##0.00", {}, False, True),
    "score": ({}, None, "0.0", {}, False, True),
    "date": ({}, None, "yyyy-mm-dd", {"horizontal": "center"}, False, True),
    "flag": ({"bold": True, "color": "C00000"}, None, "General", {}, False, True),
    "total_money": ({"bold": True}, None, "¥#,##0", {}, False, True),
    "total_int": ({"bold": True}, None, "#,##0", {}, False, True),
    "total_pct": ({"bold": True}, None, "0.0%", {}, False, True),
    "helper": ({"color": HELPER_FONT, "size": 9}, None, "General", {}, False, False),
    # inputs (unlocked)
    "in_text": ({}, INPUT_FILL, "@", {}, True, True),
    "in_int": ({}, INPUT_FILL, "#,##0", {}, True, True),
    "in_dec": ({}, INPUT_FILL, "#,##0.00", {}, True, True),
    "in_money": ({}, INPUT_FILL, "¥#,##0", {}, True, True),
    "in_money2": ({}, INPUT_FILL, "¥#,##0.00", {}, True, True),
    "in_pct": ({}, INPUT_FILL, "0.0%", {}, True, True),
    "in_date": ({}, INPUT_FILL, "yyyy-mm-dd", {"horizontal": "center"}, True, True),
    "in_bool": ({}, INPUT_FILL, "General", {"horizontal": "center"}, True, True),
    "in_general": ({}, INPUT_FILL, "General", {}, True, True),
    # assumptions (unlocked, orange)
    "as_text": ({}, ASSUMPTION_FILL, "@", {}, True, True),
    "as_int": ({}, ASSUMPTION_FILL, "#,##0", {}, True, True),
    "as_dec": ({}, ASSUMPTION_FILL, "0.######", {}, True, True),
    "as_money": ({}, ASSUMPTION_FILL, "¥#,##0", {}, True, True),
    "as_pct": ({}, ASSUMPTION_FILL, "0.0%", {}, True, True),
    "as_bool": ({}, ASSUMPTION_FILL, "General", {"horizontal": "center"}, True, True),
    "as_date": ({}, ASSUMPTION_FILL, "yyyy-mm-dd", {}, True, True),
    "as_general": ({}, ASSUMPTION_FILL, "General", {}, True, True),
}
INPUT_STYLES = frozenset(k for k, v in _STYLE_DEFS.items() if v[4])
# read-only copies of the input styles (regional files: the director's inputs, shown but locked)
READONLY_FILL = "EDEDED"
for _k in sorted(INPUT_STYLES):
    _font, _fill, _fmt, _align, _unlocked, _border = _STYLE_DEFS[_k]
    _STYLE_DEFS["ro_" + _k] = (_font, READONLY_FILL, _fmt, _align, False, _border)
del _k, _font, _fill, _fmt, _align, _unlocked, _border


@dataclass
class Validation:
    kind: str                       # "list" | "whole" | "decimal" | "date" | "textLength"
    sqref: list[str]
    formula1: str | None = None
    formula2: str | None = None
    operator: str | None = None
    prompt: str = ""
    error: str = ""


@dataclass
class ChartSpec:
    kind: str                       # "bar" | "col" | "line"
    title: str
    anchor: str
    data_sheet: str
    cats: tuple[int, int, int]      # (col, first_row, last_row)
    series: list[tuple[int, int, int, int]]   # (col, header_row, first_row, last_row)
    y_title: str = ""
    width: float = 16
    height: float = 7.5


@dataclass
class PageSetup:
    """How a sheet prints on A4: orientation, scale or fit, repeated rows/columns, area, header and footer."""
    landscape: bool = True
    area: str | None = None            # "A1:K40": the rows and columns with content
    title_rows: str | None = None      # "5:5": repeated at the top of every page
    title_cols: str | None = None      # "A:B": repeated at the left of every page across
    scale: int = 100                   # percent, when not fitted
    fit: tuple[int, int] | None = None  # (pages wide, pages tall; 0 = as many as needed)
    header: str = ""                   # Excel header/footer codes (&A sheet, &P page, &N pages)
    footer: str = ""


@dataclass
class SheetModel:
    name: str
    role: str
    cells: dict[int, dict[int, tuple]] = field(default_factory=dict)   # row -> col -> (value, style, key, text)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)      # row -> points (wrapped headers)
    hidden_cols: set[int] = field(default_factory=set)
    hidden_rows: set[int] = field(default_factory=set)
    merges: list[str] = field(default_factory=list)
    validations: list[Validation] = field(default_factory=list)
    cond: list[tuple[str, Any]] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)
    freeze: str | None = None
    page: PageSetup = field(default_factory=PageSetup)
    protect: bool = True
    hidden: bool = False
    tab_color: str | None = None

    # -------------------------------------------------------------- writing cells
    def put(self, row: int, col: int, value: Any, style: str | None = None, key: tuple | None = None) -> None:
        """A value or (str starting with '=') a formula — only for trusted, generated text."""
        self.cells.setdefault(row, {})[col] = (value, style, key, False)

    def text(self, row: int, col: int, value: Any, style: str | None = "text") -> None:
        """Untrusted text: always stored as a string, never as a formula."""
        self.cells.setdefault(row, {})[col] = (None if value is None else str(value), style, None, True)

    def f(self, row: int, col: int, formula: str, style: str | None = None, key: tuple | None = None) -> None:
        assert formula.startswith("="), formula
        self.cells.setdefault(row, {})[col] = (formula, style, key, False)

    def get(self, row: int, col: int) -> Any:
        return self.cells.get(row, {}).get(col, (None,))[0]

    def width(self, col: int, w: float) -> None:
        self.widths[col] = w

    def validate(self, v: Validation) -> None:
        self.validations.append(v)

    @property
    def max_row(self) -> int:
        return max(self.cells) if self.cells else 0

    @property
    def max_col(self) -> int:
        return max((max(r) for r in self.cells.values() if r), default=0)

    def lock_inputs(self) -> int:
        """Turn every input cell of this sheet into a locked, grey read-only cell; returns how many."""
        n = 0
        for cols in self.cells.values():
            for c, (v, style, key, is_text) in cols.items():
                if style in INPUT_STYLES:
                    cols[c] = (v, "ro_" + style, key, is_text)
                    n += 1
        return n

    def formula_keys(self):
        for r, cols in self.cells.items():
            for c, (v, _s, k, is_text) in cols.items():
                if not is_text and isinstance(v, str) and v.startswith("="):
                    yield r, c, v, k


def ref(sheet: str, row: int, col: int, absolute: bool = True) -> str:
    """'Sheet'!$C$5 — sheet names are always quoted (Chinese names, spaces)."""
    s = quote_sheet(sheet)
    return f"{s}!${COL(col)}${row}" if absolute else f"{s}!{COL(col)}{row}"


def rng(sheet: str, col: int, r1: int, r2: int, col2: int | None = None) -> str:
    return f"{quote_sheet(sheet)}!${COL(col)}${r1}:${COL(col2 or col)}${r2}"


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


# ------------------------------------------------------------------------------ rendering

class _FastCell(Cell):
    """A write-only cell with its style id and has_style precomputed (no per-cell hashing)."""

    __slots__ = ("style_id", "has_style")


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class _StylePool:
    """One StyleArray per style, registered once in the workbook; cells share it (read-only)."""

    def __init__(self, wb, ws):
        self.ws = ws
        self.arrays = {}
        self.ids = {}
        for name, (font, fill, fmt, align, unlocked, border) in _STYLE_DEFS.items():
            c = WriteOnlyCell(ws)
            c.font = Font(name=_FONT, **font)
            if fill:
                c.fill = PatternFill("solid", fgColor=fill)
            c.number_format = fmt
            if align:
                c.alignment = Alignment(**align)
            if unlocked:
                c.protection = Protection(locked=False)
            if border:
                c.border = _BORDER
            self.arrays[name] = c._style
            self.ids[name] = c.style_id

    def cell(self, col, value, style, is_text):
        c = _FastCell.__new__(_FastCell)
        c.parent = self.ws
        c.column = col
        c._hyperlink = None
        c._comment = None
        if value is None:
            c.data_type = "n"
        elif is_text:
            value = str(value)
            if _ILLEGAL.search(value):
                value = _ILLEGAL.sub("", value)
            c.data_type = "s"
        else:
            t = type(value)
            if t is str:
                c.data_type = "f" if (len(value) > 1 and value[0] == "=") else "s"
            elif t is bool:
                c.data_type = "b"
            elif t in (int, float, Decimal):
                c.data_type = "n"
            elif isinstance(value, (date, datetime)):
                c.data_type = "d"
            else:
                raise ValueError(f"cannot write {value!r}")
        c._value = value
        if style is None:
            c._style = None
            c.style_id = 0
            c.has_style = False
        else:
            c._style = self.arrays[style]
            c.style_id = self.ids[style]
            c.has_style = True
        return c


_COLS = [""] + [get_column_letter(i) for i in range(1, 16385)]
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _make_row_writer(ws):
    """A faster WorksheetWriter.write_row for our prebuilt cells: one lxml element per row.

    Produces the same cell XML as openpyxl's lxml writer (inline strings, formulas,
    numbers, booleans, dates as serials), without per-cell context managers.
    """
    from lxml.etree import Element, SubElement
    from openpyxl.compat import safe_string
    from openpyxl.utils.datetime import to_excel

    dims = ws.row_dimensions
    epoch = ws.parent.epoch

    def write_row(xf, row, row_idx):
        attrs = {"r": str(row_idx)}
        attrs.update(dims.get(row_idx, {}))
        rel = Element("row", attrs)
        rs = attrs["r"]
        for cell in row:
            v = cell._value
            if v is None and not cell.has_style:
                continue
            dt = cell.data_type
            a = {"r": _COLS[cell.column] + rs}
            if cell.has_style:
                a["s"] = str(cell.style_id)
            if dt == "s":
                a["t"] = "inlineStr"
            elif dt == "d":
                a["t"] = "n"
                v = to_excel(v, epoch)
            elif dt != "f":
                a["t"] = dt
            c = SubElement(rel, "c", a)
            if v is None or v == "":
                continue
            if dt == "f":
                SubElement(c, "f").text = v[1:]
                SubElement(c, "v")
            elif dt == "s":
                t = SubElement(SubElement(c, "is"), "t")
                if v != v.strip():
                    t.set(_XML_SPACE, "preserve")
                t.text = v
            else:
                SubElement(c, "v").text = safe_string(v)
        xf.write(rel)

    return write_row


def _fast_values_to_row(values, row_idx):
    """Replacement for WriteOnlyWorksheet._values_to_row: rows are prebuilt cells."""
    for c in values:
        c.row = row_idx
        yield c


def render(models: list[SheetModel], path, *, protect: bool = True, password: str = "",
           defined_names: dict[str, str] | None = None, properties: dict[str, str] | None = None,
           active: int = 0) -> None:
    """Stream the models to ``path`` (an .xlsx) with openpyxl's write-only workbook."""
    from openpyxl import Workbook
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.workbook.properties import CalcProperties

    wb = Workbook(write_only=True)
    for m in models:
        ws = wb.create_sheet(m.name)
        _render_sheet(wb, ws, m, protect=protect, password=password)
    for name, target in (defined_names or {}).items():
        wb.defined_names[name] = DefinedName(name, attr_text=target)
    if properties:
        from openpyxl.packaging.custom import StringProperty
        for k, v in properties.items():
            wb.custom_doc_props.append(StringProperty(name=k, value=str(v)))
    wb.calculation = CalcProperties(fullCalcOnLoad=True, calcMode="auto", calcId=191029)
    wb.active = active
    wb.save(path)


def _render_sheet(wb, ws, m: SheetModel, *, protect: bool, password: str) -> None:
    _layout(ws, m)
    _page_setup(ws, m)
    for v in m.validations:
        dv = DataValidation(type=v.kind, formula1=v.formula1, formula2=v.formula2, operator=v.operator,
                            allow_blank=True, showErrorMessage=True, showInputMessage=bool(v.prompt),
                            prompt=v.prompt or None, error=v.error or None, errorStyle="stop")
        dv.sqref = " ".join(v.sqref)
        ws.data_validations.append(dv)
    for sqref, rule in m.cond:
        ws.conditional_formatting.add(sqref, rule)
    if protect and m.protect:
        _protect(ws, password)
    for c in m.charts:
        _add_chart(wb, ws, m, c)
    _write_rows(wb, ws, m)


def _layout(ws, m: SheetModel) -> None:
    for col, w in m.widths.items():
        ws.column_dimensions[COL(col)].width = w
    for col in m.hidden_cols:
        ws.column_dimensions[COL(col)].hidden = True
    for row in m.hidden_rows:
        ws.row_dimensions[row].hidden = True
    for row, h in m.heights.items():
        ws.row_dimensions[row].height = h
    if m.freeze:
        ws.freeze_panes = m.freeze
    if m.tab_color:
        ws.sheet_properties.tabColor = m.tab_color
    if m.hidden:
        ws.sheet_state = "veryHidden"
    for rng_ in m.merges:
        ws.merged_cells.add(rng_)


def _page_setup(ws, m: SheetModel) -> None:
    from openpyxl.worksheet.page import PageMargins
    from openpyxl.worksheet.properties import PageSetupProperties
    p = m.page
    ws.page_setup.orientation = "landscape" if p.landscape else "portrait"
    ws.page_setup.paperSize = 9  # A4
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.7, bottom=0.7, header=0.3, footer=0.3)
    if p.fit:
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = p.fit
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    else:
        ws.page_setup.scale = p.scale
    if p.area:
        ws.print_area = p.area
    if p.title_rows:
        ws.print_title_rows = p.title_rows
    if p.title_cols:
        ws.print_title_cols = p.title_cols
    if p.header:
        ws.oddHeader.center.text = p.header
    if p.footer:
        ws.oddFooter.center.text = p.footer


def _protect(ws, password: str) -> None:
    p = ws.protection
    p.sheet = True
    if password:
        p.password = password
    p.formatColumns = False
    p.formatRows = False
    p.autoFilter = False
    p.sort = True
    p.selectLockedCells = False
    p.selectUnlockedCells = False


def _add_chart(wb, ws, m: SheetModel, c: ChartSpec) -> None:
    from openpyxl.chart import BarChart, LineChart, Reference
    chart = BarChart() if c.kind in ("bar", "col") else LineChart()
    if c.kind in ("bar", "col"):
        chart.type = c.kind
    chart.title = c.title
    chart.y_axis.title = c.y_title or None
    chart.width, chart.height = c.width, c.height
    src = wb[c.data_sheet] if c.data_sheet != m.name else ws
    for col, hdr, r1, r2 in c.series:
        chart.add_data(Reference(src, min_col=col, min_row=hdr, max_row=r2), titles_from_data=True)
    chart.set_categories(Reference(src, min_col=c.cats[0], min_row=c.cats[1], max_row=c.cats[2]))
    ws.add_chart(chart, c.anchor)


def _write_rows(wb, ws, m: SheetModel) -> None:
    """Stream the cells row by row with the shared style pool (and lxml's writer when present)."""
    pool = getattr(wb, "_salesplan_pool", None)
    if pool is None:                       # styles are workbook-wide: register them once
        pool = wb._salesplan_pool = _StylePool(wb, ws)
    pool.ws = ws
    ws._values_to_row = _fast_values_to_row
    ws._get_writer()                       # writes the sheet head (cols, views) now
    try:
        import lxml  # noqa: F401
        ws._writer.write_row = _make_row_writer(ws)
    except ImportError:  # pragma: no cover - lxml is optional; openpyxl's writer still works
        pass
    cells = m.cells
    last = max(cells) if cells else 0
    append = ws.append
    mk = pool.cell
    for r in range(1, last + 1):
        row = cells.get(r)
        if not row:
            append(())
            continue
        append([mk(c, value, style, is_text) for c, (value, style, _key, is_text) in sorted(row.items())])
