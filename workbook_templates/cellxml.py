"""Sheet rows for openpyxl's write-only mode, each formula cell with its cached value.

Why this module exists: openpyxl writes every formula cell as ``<f>…</f><v/>`` — it has
no way to store the value a formula shows. A file nobody recalculated (phone and mail
previews, Protected View, pandas / python-calamine, BI tools) then shows blanks. XlsxWriter
can store the value, but its per-formula preparation measured ≈ 7× slower than openpyxl's
write-only mode on the 5,000-rep plan. So the workbook keeps openpyxl's write-only
workbook (styles, validations, charts, zip) and replaces only its per-row cell writer
(``WorksheetWriter.write_row``) with one that emits, for a formula cell, the ``<v>`` (and
``t``) Excel itself writes: ``t="str"`` for text (``<v></v>`` for ""), ``t="b"`` for a
boolean, ``t="e"`` for an error value, no ``t`` for a number.

A row arrives as the model's cells, ``[(column, (value, style name, key, is_text))]`` sorted
by column (:class:`~salesplan.workbook_templates.model.SheetModel`; no per-cell objects).
The row's cells are formatted as one XML string (text escaped here: ``&``, ``<``, ``>``,
``\r``; untrusted text also loses the control characters XML cannot hold), checked well-formed by expat (the
standard library's parser) and written to the sheet's file between lxml's writes of the
sheet head and tail (:class:`_RowStreamWriter`). Parsing each row into lxml and serialising
it again cost half of writing a 480,000-cell workbook. The bytes are openpyxl's lxml cell
writer's (``t="n"`` on numbers, ``t="inlineStr"`` text, ``%.16g`` numbers), plus the values.

Checked against openpyxl 3.1.0–3.1.5 (pyproject pins ``openpyxl>=3.1,<3.2``); it relies on
``WriteOnlyWorksheet._values_to_row`` / ``._writer`` (set as ``_get_writer()`` does) /
``._writer.write_row(xf, row, row_idx)`` and ``WorksheetWriter.get_stream`` (the sheet
element around the rows). ``tests/test_workbook_stored.py`` checks the version range and reads the
values back with openpyxl and python-calamine.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal

from lxml.etree import xmlfile
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.constants import SHEET_MAIN_NS

OPENPYXL_CHECKED = ((3, 1), (3, 2))       # [from, to): the versions this writer was checked against
ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
NO_VALUE = object()                       # a formula without a known value: written <v/> as openpyxl does

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class _ColumnLetters(dict):
    """Column number → letters, made when a column is first written (a sheet uses a few
    dozen of Excel's 16,384 columns; making them all would cost every process 0.08 s)."""

    def __missing__(self, col: int) -> str:
        letters = self[col] = get_column_letter(col)
        return letters


_COLS = _ColumnLetters()


def clean_text(value: str) -> str:
    """Text without the control characters XML 1.0 cannot hold."""
    return _ILLEGAL.sub("", value) if _ILLEGAL.search(value) else value


def cached_xml(value, epoch) -> tuple[str | None, str | None]:
    """(``t`` attribute, ``<v>`` text) of a formula's cached value, as Excel writes them."""
    if value is None:
        return "str", ""                       # a formula showing "" (blank)
    t = type(value)
    if t is bool:
        return "b", "1" if value else "0"
    if t is str:
        return ("e", value) if value in ERROR_VALUES else ("str", clean_text(value))
    if t is int or t is Decimal:
        return None, str(value)
    if t is float:
        return (None, repr(value)) if math.isfinite(value) else (None, None)
    if isinstance(value, (date, datetime)):
        from openpyxl.utils.datetime import to_excel
        return None, repr(float(to_excel(value, epoch)))
    if hasattr(value, "item"):                 # a numpy scalar: its Python value
        return cached_xml(value.item(), epoch)
    raise ValueError(f"cannot store {value!r} as a formula's value")


def _esc(s: str) -> str:
    """Text content escaped for XML (``\\r`` as a character reference, as lxml writes it: a
    literal one would be read back as ``\\n``)."""
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    if "\r" in s:
        s = s.replace("\r", "&#13;")
    return s


def _inline(head: str, text: str) -> str:
    if not text:
        return head + ' t="inlineStr"/>'
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'{head} t="inlineStr"><is><t{space}>{_esc(text)}</t></is></c>'


def make_row_writer(ws, sid: dict[str, str], cached):
    """A replacement for ``ws._writer.write_row`` taking a model row (see the module doc)."""
    from xml.parsers.expat import ExpatError, ParserCreate
    dims = ws.row_dimensions
    epoch = ws.parent.epoch
    isfinite = math.isfinite
    raw = ws._writer.raw
    sattr = {None: "", **{name: f' s="{i}"' for name, i in sid.items()}}

    def write_row(xf, row, row_idx):
        rs = str(row_idx)
        dim = dims.get(row_idx)
        head = f'<row r="{rs}"' + ("".join(f' {k}="{v}"' for k, v in dim) if dim else "")
        if not row:
            parts = [head + "/>"]
        else:
            parts = [head + ">"]
            for col, (v, style, key, is_text) in row:
                tv = type(v)
                # the common cases first: a formula with a float value, a plain number
                if tv is str and not is_text and v[:1] == "=" and len(v) > 1:
                    c = NO_VALUE if key is None or cached is None else cached(key)
                    if type(c) is float and isfinite(c):
                        parts.append(f'<c r="{_COLS[col]}{rs}"{sattr[style]}><f>{_esc(v[1:])}</f><v>{c!r}</v></c>')
                        continue
                    if c is NO_VALUE:
                        parts.append(f'<c r="{_COLS[col]}{rs}"{sattr[style]}><f>{_esc(v[1:])}</f><v/></c>')
                        continue
                    t, text = cached_xml(c, epoch)
                    t = "" if t is None else f' t="{t}"'
                    parts.append(f'<c r="{_COLS[col]}{rs}"{sattr[style]}{t}><f>{_esc(v[1:])}</f>'
                                 + ("<v/></c>" if text is None else f"<v>{_esc(text)}</v></c>"))
                elif (tv is int or tv is float) and isfinite(v):
                    parts.append(f'<c r="{_COLS[col]}{rs}"{sattr[style]} t="n"><v>{"%.16g" % v}</v></c>')
                else:
                    xml = _other_cell(f'<c r="{_COLS[col]}{rs}"{sattr[style]}', v, style, is_text, epoch)
                    if xml is not None:
                        parts.append(xml)
            parts.append("</row>")
        data = "".join(parts).encode()
        try:                            # every row is checked well-formed before it is written
            ParserCreate().Parse(data, True)
        except ExpatError as exc:
            raise ValueError(f"{ws.title} row {rs}: not well-formed XML ({exc}): {data[:200]!r}") from None
        xf.flush()                      # lxml's pending output (the <sheetData> tag) first
        raw.write(data)

    return write_row


def _other_cell(head: str, v, style, is_text: bool, epoch) -> str | None:
    """The XML of a cell that is not a formula nor a finite int/float (``head``: ``<c r=.. s=..``);
    None for a cell to leave out (no value, no style)."""
    if v is None:
        return None if style is None else head + ' t="n"/>'
    if is_text:
        return _inline(head, clean_text(str(v)))
    tv = type(v)
    if tv is str:
        return _inline(head, v)
    if tv is bool:
        return f'{head} t="b"><v>{1 if v else 0}</v></c>'
    if tv is int or tv is float or tv is Decimal:
        return f'{head} t="n"><v>{safe_number(v)}</v></c>'
    if isinstance(v, (date, datetime)):
        from openpyxl.utils.datetime import to_excel
        return f'{head} t="n"><v>{safe_number(to_excel(v, epoch))}</v></c>'
    raise ValueError(f"cannot write {v!r}")


def safe_number(v) -> str:
    """A number's ``<v>`` text as openpyxl writes it (``safe_string``: 16 significant digits)."""
    return "" if not math.isfinite(v) else "%.16g" % v


def _rows_as_given(values, row_idx):
    """Replacement for ``WriteOnlyWorksheet._values_to_row``: rows arrive as model rows."""
    return values


class _RowStreamWriter(WorksheetWriter):
    """openpyxl's sheet writer, over a file this module writes the rows to directly.

    openpyxl's ``get_stream`` has lxml open the sheet's temporary file itself; here the file is
    opened first and lxml writes into it, so rows can go to the same file in between (after
    ``xf.flush()``): a row costs one string, not an lxml parse and re-serialisation (half of
    writing a 480,000-cell workbook)."""

    raw = None
    closing = False         # set by close(): the sheet is complete and its end must reach the file

    def get_stream(self):
        try:
            # the encoding declared, as Excel writes its sheets: text is UTF-8, not character references
            with open(self.out, "wb") as self.raw, xmlfile(self.raw, encoding="UTF-8") as xf:
                xf.write_declaration(standalone=True)
                with xf.element("worksheet", xmlns=SHEET_MAIN_NS):
                    try:
                        while True:
                            el = (yield)
                            if el is True:
                                yield xf
                            elif el is not None:
                                xf.write(el)
                    except GeneratorExit:
                        pass
        except OSError:
            if self.closing:
                raise
            # a sheet abandoned after an earlier error (e.g. the disk full) is collected here:
            # its end cannot be written either, and that error was reported already

    def close(self):
        self.closing = True
        super().close()


def install(ws, sid: dict[str, str], cached=None) -> None:
    """Make ``ws`` (a write-only sheet) take model rows; ``sid`` — style name -> openpyxl style
    id; ``cached(key)`` — a formula's value (None: formulas are written without one)."""
    ws._values_to_row = _rows_as_given
    ws._writer = _RowStreamWriter(ws)       # what ws._get_writer() does, over our stream
    ws._writer.write_top()                  # the sheet head (cols, views) now
    ws._writer.write_row = make_row_writer(ws, sid, cached)
