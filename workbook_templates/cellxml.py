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

A row is a list of plain ``(column, kind, value, style id, cached value)`` tuples (no
per-cell objects: kind is openpyxl's data type — ``f`` formula, ``s`` text, ``n`` number,
``b`` boolean, ``d`` date); the XML is the same as openpyxl's lxml cell writer otherwise.

Checked against openpyxl 3.1.0–3.1.5 (pyproject pins ``openpyxl>=3.1,<3.2``); it relies on
``WriteOnlyWorksheet._values_to_row`` / ``._get_writer()`` / ``._writer.write_row(xf, row,
row_idx)``. ``tests/test_workbook_stored.py`` checks the version range and reads the
values back with openpyxl and python-calamine.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal

from openpyxl.utils import get_column_letter

OPENPYXL_CHECKED = ((3, 1), (3, 2))       # [from, to): the versions this writer was checked against
ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
NO_VALUE = object()                       # a formula without a known value: written <v/> as openpyxl does

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_COLS = [""] + [get_column_letter(i) for i in range(1, 16385)]
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


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


def make_row_writer(ws):
    """A replacement for ``ws._writer.write_row``: one lxml element per row of cell tuples."""
    from lxml.etree import Element, SubElement
    from openpyxl.compat import safe_string
    from openpyxl.utils.datetime import to_excel

    dims = ws.row_dimensions
    epoch = ws.parent.epoch
    isfinite = math.isfinite

    def write_row(xf, row, row_idx):
        rs = str(row_idx)
        attrs = {"r": rs}
        attrs.update(dims.get(row_idx, {}))
        rel = Element("row", attrs)
        for col, kind, v, style, cached in row:
            a = {"r": _COLS[col] + rs}
            if style is not None:
                a["s"] = style
            if kind == "f":
                tc = type(cached)
                if tc is float and isfinite(cached):          # the common case, inline
                    text = repr(cached)
                elif cached is NO_VALUE:
                    c = SubElement(rel, "c", a)
                    SubElement(c, "f").text = v[1:]
                    SubElement(c, "v")
                    continue
                else:
                    t, text = cached_xml(cached, epoch)
                    if t is not None:
                        a["t"] = t
                c = SubElement(rel, "c", a)
                SubElement(c, "f").text = v[1:]
                SubElement(c, "v").text = text
            elif kind == "s":
                a["t"] = "inlineStr"
                c = SubElement(rel, "c", a)
                if v:
                    t = SubElement(SubElement(c, "is"), "t")
                    if v != v.strip():
                        t.set(_XML_SPACE, "preserve")
                    t.text = v
            elif kind == "d":
                a["t"] = "n"
                SubElement(SubElement(rel, "c", a), "v").text = safe_string(to_excel(v, epoch))
            else:
                a["t"] = kind
                c = SubElement(rel, "c", a)
                if v is not None:
                    SubElement(c, "v").text = safe_string(v)
        xf.write(rel)

    return write_row


def _rows_as_given(values, row_idx):
    """Replacement for ``WriteOnlyWorksheet._values_to_row``: rows arrive as cell tuples."""
    return values


def install(ws) -> None:
    """Make ``ws`` (a write-only sheet) take rows of cell tuples (lxml is a dependency)."""
    ws._values_to_row = _rows_as_given
    ws._get_writer()                       # writes the sheet head (cols, views) now
    ws._writer.write_row = make_row_writer(ws)
