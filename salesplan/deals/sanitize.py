"""Write untrusted strings (CRM data, user input) into workbooks as *text*, never formulas.

What openpyxl does (3.1, ``Cell._bind_value``): assigning a ``str`` that starts with
``=`` (and is longer than one character) makes the cell a formula
(``data_type == "f"``), and a ``str`` equal to an error literal such as ``#N/A`` makes
it an error cell (``"e"``). Strings starting with ``+``, ``-``, ``@``, tab or CR are
stored as strings, but Excel re-parses them as formulas as soon as someone edits the
cell (F2, Enter), and other tools that round-trip the sheet may too. openpyxl also
refuses XML-illegal control characters with ``IllegalCharacterError``.

Policy chosen here (keeps the visible text identical):

1. :func:`as_safe_text` turns any value into the exact text to show: ``None`` → ``""``,
   other values → ``str``; the only change is removing control characters that XML
   cannot hold (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F), which no one can see.
2. :func:`write_text` assigns it to an openpyxl cell, then forces ``data_type = "s"``
   (a string cell: ``=1+1`` is stored as the characters ``=1+1``), and for
   formula-looking text also sets the cell style's ``quotePrefix`` — Excel's own
   "this is text" flag (the apostrophe Excel shows only in the formula bar), so an
   edit in Excel keeps it text. No character is added to the value.
3. :func:`excel_input_text` is for writers that go through Excel's *input* parser
   (xlwings / COM ``Range.Value``, VBA): it prefixes an apostrophe to every non-empty
   string, which Excel swallows into ``PrefixCharacter``; the cell shows the original
   text (not testable here: no Excel on this machine).

Never use a ``'`` prefix with openpyxl: there it would be a visible character.
"""
from __future__ import annotations

import re
from typing import Any

__all__ = [
    "FORMULA_TRIGGERS",
    "is_formula_like",
    "as_safe_text",
    "write_text",
    "text_cell",
    "excel_input_text",
]

#: Leading characters that make Excel, LibreOffice or a CSV consumer start a formula.
#: Full-width forms are included: East Asian Excel converts them while typing.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

_ERROR_LITERALS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                             "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!",
                             "#CONNECT!", "#BUSY!", "#PYTHON!"})
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def is_formula_like(text: str) -> bool:
    """True when ``text`` would be taken for a formula (or an error literal) by a spreadsheet."""
    return bool(text) and (text.startswith(FORMULA_TRIGGERS) or text.strip().upper() in _ERROR_LITERALS)


def as_safe_text(value: Any) -> str:
    """The text to show for an untrusted value: identical, minus XML-illegal control chars."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return _ILLEGAL_XML.sub("", text)


def write_text(cell: Any, value: Any) -> Any:
    """Store ``value`` in an openpyxl cell as a plain string, whatever it starts with.

    Works for normal and write-only (``WriteOnlyCell``) cells. Returns the cell.
    """
    text = as_safe_text(value)
    cell.value = text
    cell.data_type = "s"
    if is_formula_like(text):
        cell.quotePrefix = True
    return cell


def text_cell(ws: Any, value: Any) -> Any:
    """A ``WriteOnlyCell`` holding ``value`` as text, for ``ws.append([...])`` in write-only mode."""
    from openpyxl.cell import WriteOnlyCell

    return write_text(WriteOnlyCell(ws), value)


def excel_input_text(value: Any) -> str:
    """Text for Excel's input parser (xlwings/COM/VBA): apostrophe-prefixed.

    Every non-empty string is prefixed, not only formula-looking ones, because that
    parser also turns ``00123`` into 123, ``1/2`` into a date and ``TRUE`` into a
    boolean. Excel stores the apostrophe as the cell's ``PrefixCharacter``; ``Value``
    and the displayed text are the original string.
    """
    text = as_safe_text(value)
    return "'" + text if text else text
