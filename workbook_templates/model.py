"""An in-memory model of the workbook (sheets, cells, styles, validations, charts) and
its renderer to an .xlsx with openpyxl's write-only (streaming) mode.

Builders fill :class:`SheetModel` objects in any order; the renderer then streams
each sheet row by row, which keeps large workbooks (50 regions × 100 reps) within a
small factor of openpyxl's raw write-only speed.

Every formula cell carries a *key* (a tuple understood by
:func:`salesplan.engine.actuals.compute_actuals`): the renderer stores the engine's value
for it as the formula's cached value (:mod:`salesplan.workbook_templates.cellxml`), and
the tests check LibreOffice's recalculated value of each computed cell against it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from salesplan.workbook_templates.cellxml import install

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
        assert formula[:1] == "=", formula
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


@lru_cache(maxsize=4096)
def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


# ------------------------------------------------------------------------------ rendering

class _StylePool:
    """One StyleArray per style, registered once in the workbook; cells share it (read-only)."""

    def __init__(self, wb, ws, cached: Callable[[tuple], Any] | None = None):
        self.ws = ws
        self.cached = cached
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
        self.sid = {name: str(i) for name, i in self.ids.items()}


def render(models: list[SheetModel], path, *, protect: bool = True, password: str = "",
           defined_names: dict[str, str] | None = None, properties: dict[str, str] | None = None,
           active: int = 0, cached: Callable[[tuple], Any] | None = None) -> None:
    """Stream the models to ``path`` (an .xlsx) with openpyxl's write-only workbook.

    ``cached(key)`` — the value of the formula cell carrying ``key``, stored in the file as
    the formula's cached value (see :mod:`salesplan.workbook_templates.cellxml`); without it
    formula cells are written without a value.

    Full calculation on load stays on: Excel (and WPS, LibreOffice) recalculate every
    formula when the file opens, so what a person sees in Excel is always Excel's own
    result even if a stored value were off; the stored values serve everything that does
    not recalculate (previews, Protected View, pandas, BI tools). The price is Excel's
    "save changes?" on close of a file it recalculated.
    """
    from openpyxl import Workbook
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.workbook.properties import CalcProperties

    wb = Workbook(write_only=True)
    for m in models:
        ws = wb.create_sheet(m.name)
        _render_sheet(wb, ws, m, protect=protect, password=password, cached=cached)
    for name, target in (defined_names or {}).items():
        wb.defined_names[name] = DefinedName(name, attr_text=target)
    if properties:
        from openpyxl.packaging.custom import StringProperty
        for k, v in properties.items():
            wb.custom_doc_props.append(StringProperty(name=k, value=str(v)))
    wb.calculation = CalcProperties(fullCalcOnLoad=True, calcMode="auto", calcId=191029)
    wb.active = active
    _save(wb, path)


ZIP_LEVEL = 3   # deflate level: a third of level 6's time on the large workbooks, files ≈ 20 % larger


def _save(wb, path) -> None:
    """openpyxl's save_workbook with a faster deflate level (it offers no such option)."""
    from datetime import timezone
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter
    wb.properties.modified = datetime.now(tz=timezone.utc).replace(tzinfo=None)
    archive = ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=ZIP_LEVEL)
    try:
        ExcelWriter(wb, archive).save()        # writes every part and closes the archive
    finally:
        archive.close()


def _render_sheet(wb, ws, m: SheetModel, *, protect: bool, password: str, cached=None) -> None:
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
    _write_rows(wb, ws, m, cached)


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


_CURRENCY = frozenset("¥$€£")


def _add_chart(wb, ws, m: SheetModel, c: ChartSpec) -> None:
    """A bar/column/line chart that shows its axes in Excel, WPS and LibreOffice.

    openpyxl 3.1 leaves ``<c:delete>`` out of both axes, which Excel may read as deleted
    axes: it is written explicitly (``delete=0``). A currency-only axis title (``¥``) would
    stand rotated on the value axis as a lone glyph: the currency goes into the axis' number
    format instead. Categories are text (region, product, phase names): a string reference.
    """
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.chart.data_source import AxDataSource, StrRef
    chart = BarChart() if c.kind in ("bar", "col") else LineChart()
    if c.kind in ("bar", "col"):
        chart.type = c.kind
    chart.title = c.title
    chart.width, chart.height = c.width, c.height
    x, y = chart.x_axis, chart.y_axis
    x.delete = y.delete = False
    x.axPos, y.axPos = ("l", "b") if c.kind == "bar" else ("b", "l")
    x.majorTickMark = y.majorTickMark = "out"
    x.tickLblPos = y.tickLblPos = "nextTo"
    y_title = (c.y_title or "").strip()
    if y_title and set(y_title) <= _CURRENCY:
        y.number_format, y_title = f'"{y_title}"#,##0', ""
    else:
        y.number_format = "General"
    y.numFmt.sourceLinked = False
    y.title = y_title or None
    x.txPr = y.txPr = _axis_text()
    chart.legend.position = "b"
    src = wb[c.data_sheet] if c.data_sheet != m.name else ws
    for col, hdr, r1, r2 in c.series:
        chart.add_data(Reference(src, min_col=col, min_row=hdr, max_row=r2), titles_from_data=True)
    cats = Reference(src, min_col=c.cats[0], min_row=c.cats[1], max_row=c.cats[2])
    for s in chart.series:
        s.cat = AxDataSource(strRef=StrRef(f=str(cats)))
    ws.add_chart(chart, c.anchor)


def _axis_text():
    """Axis labels at 9 pt, horizontal."""
    from openpyxl.chart.text import RichText
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RichTextProperties
    return RichText(bodyPr=RichTextProperties(rot=0, vert="horz"),
                    p=[Paragraph(pPr=ParagraphProperties(defRPr=CharacterProperties(sz=900)), r=[],
                                 endParaRPr=CharacterProperties(sz=900))])


def _write_rows(wb, ws, m: SheetModel, cached=None) -> None:
    """Stream the cells row by row with the shared style pool and the cached-value row writer."""
    pool = getattr(wb, "_salesplan_pool", None)
    if pool is None:                       # styles are workbook-wide: register them once
        pool = wb._salesplan_pool = _StylePool(wb, ws, cached)
    pool.ws = ws
    ref = used_range(m.cells)
    ws.calculate_dimension = lambda: ref   # openpyxl's writer emits <dimension> when the sheet offers this
    install(ws, pool.sid, cached)
    cells = m.cells
    append = ws.append
    for r in range(1, (max(cells) if cells else 0) + 1):
        row = cells.get(r)
        append(sorted(row.items()) if row else ())


def _written(cell: tuple) -> bool:
    """True for a model cell that reaches the file (a value, or a style on a blank)."""
    return cell[0] is not None or cell[1] is not None


def used_range(cells: dict[int, dict[int, tuple]]) -> str:
    """The sheet's ``<dimension>`` ref ("A1:XX999", "A1" when empty), as Excel writes it.

    Readers size a sheet from it; without one, openpyxl's read-only mode parses the whole
    sheet on open just to find its size.
    """
    rows = [r for r, row in cells.items() if any(map(_written, row.values()))]
    if not rows:
        return "A1"
    lo = hi = None
    for r in rows:
        row = cells[r]
        first, last = min(row), max(row)
        if not (_written(row[first]) and _written(row[last])):      # blank edge cells: the exact span
            cols = [c for c, v in row.items() if _written(v)]
            first, last = min(cols), max(cols)
        lo = first if lo is None or first < lo else lo
        hi = last if hi is None or last > hi else hi
    start, end = f"{COL(lo)}{min(rows)}", f"{COL(hi)}{max(rows)}"
    return start if start == end else f"{start}:{end}"

