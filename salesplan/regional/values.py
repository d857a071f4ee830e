"""Exact, reader-independent cell values for comparison and JSON.

The same cell read through openpyxl (the master), through the raw reader (a regional
file saved by Excel, WPS or LibreOffice) or from a sidecar JSON must compare equal when
a person would say it did not change:

* blank: ``None``, ``""`` and whitespace-only strings are all ``None``;
* numbers become ``Decimal``: integer text exactly (``"12345678901234567890"``), other
  numbers through the IEEE double they denote, so Excel's ``1.1000000000000001`` and
  openpyxl's ``1.1`` are the same value; ``Decimal`` equality is numeric (1 == 1.0);
* ``bool`` stays ``bool`` (never the number 1);
* dates and datetimes become their Excel serial number (1900 system), since a file
  saved by Excel stores a date input as a number with a date format;
* strings are kept verbatim (no trimming: a leading space is a keystroke).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from salesplan.engine.words import is_blank

__all__ = ["canon", "canon_number", "same", "encode", "decode", "normalize_formula", "formula_constant",
           "formula_fingerprint", "formulas_digest", "to_python"]

_INT = re.compile(r"^[+-]?\d+$")
_EPOCH = _dt.datetime(1899, 12, 30)


def canon_number(x: Any) -> Decimal:
    if isinstance(x, Decimal):
        return x
    if isinstance(x, int):
        return Decimal(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"not a finite number: {x!r}")
        return Decimal(int(x)) if x.is_integer() and abs(x) < 2 ** 63 else Decimal(repr(x))
    text = str(x).strip()
    if _INT.match(text):
        return Decimal(text)
    try:
        return canon_number(float(text))
    except (ValueError, OverflowError):
        raise ValueError(f"not a number: {x!r}") from None


def _serial(v: _dt.date | _dt.datetime) -> Decimal:
    if isinstance(v, _dt.datetime):
        delta = v.replace(tzinfo=None) - _EPOCH
    else:
        delta = _dt.datetime(v.year, v.month, v.day) - _EPOCH
    days = Decimal(delta.days) + Decimal(delta.seconds * 1_000_000 + delta.microseconds) / Decimal(86_400_000_000)
    return days.normalize() if days != days.to_integral_value() else days.to_integral_value()


def canon(value: Any) -> Any:
    """The comparison form of a cell value: ``None`` | ``bool`` | ``Decimal`` | ``str``."""
    if is_blank(value):
        return None
    if isinstance(value, (bool, Decimal, str)):
        return value
    if isinstance(value, (int, float)):
        return canon_number(value)
    if isinstance(value, (_dt.datetime, _dt.date)):
        return _serial(value)
    if isinstance(value, _dt.time):
        secs = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return canon_number(secs / 86400)
    return str(value)


def same(a: Any, b: Any) -> bool:
    """Canonical values equal as a person means it: a checkbox is not the number one."""
    a, b = canon(a), canon(b)
    if a is None or b is None:
        return a is b
    return (type(a) is bool) == (type(b) is bool) and a == b


def to_python(value: Any) -> Any:
    """A canonical value as something openpyxl writes natively (int/float/str/bool/None)."""
    value = canon(value)
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    return value


def encode(value: Any) -> Any:
    """JSON form of a canonical value: null, true/false, ``{"n": "1.5"}`` or the string."""
    value = canon(value)
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


def decode(obj: Any) -> Any:
    if isinstance(obj, dict):
        try:
            return Decimal(obj["n"])
        except (KeyError, InvalidOperation, TypeError):
            raise ValueError(f"bad encoded value: {obj!r}") from None
    if obj is not None and not isinstance(obj, (str, bool)):
        raise ValueError(f"bad encoded value: {obj!r}")
    return canon(obj)


_PREFIX = re.compile(r"_xl(?:fn|ws|udf)\.", re.IGNORECASE)
_WS = re.compile(r"\s+")
_WS_OP = re.compile(r" ?([(),+\-*/&=<>:;^%{}!]) ?")
_LOGICAL = re.compile(r"\b(TRUE|FALSE)\(\)")


def _outside(part: str) -> str:
    """A piece of formula outside string literals, in its one spelling."""
    if "_" in part:
        part = _PREFIX.sub("", part)
    if not part.isprintable() or " " in part:
        part = _WS_OP.sub(r"\1", _WS.sub(" ", part))
    # $A$3 is A3 in its own cell; a sheet name quoted or not ('设置'!A1, 设置!A1) is the same sheet
    part = part.upper().replace("$", "").replace("'", "")
    return _LOGICAL.sub(r"\1", part) if "()" in part else part


def normalize_formula(formula: str) -> str:
    """Formula text as Excel, WPS, LibreOffice and openpyxl would all save it.

    Leading ``=`` and ``_xlfn.``/``_xlws.`` prefixes dropped; outside string literals
    whitespace runs become one space, spaces next to operators, commas and parentheses
    are dropped (a lone space between ranges, Excel's intersection operator, is kept),
    letters are upper-cased, ``$`` and sheet-name quotes dropped and ``TRUE()`` read
    as ``TRUE``.
    """
    text = formula.strip()
    if text.startswith("="):
        text = text[1:]
    # split on quotes: even pieces are outside string literals, odd ones inside ("" too)
    parts = text.split('"')
    for i in range(0, len(parts), 2):
        parts[i] = _outside(parts[i])
    return '"'.join(parts)


def formula_fingerprint(formula: str) -> str:
    """A short hash of what a formula means (its :func:`normalize_formula` text)."""
    return hashlib.blake2b(normalize_formula(formula).encode("utf-8"), digest_size=8).hexdigest()


def formulas_digest(pairs: Iterable[tuple[str, str | None]]) -> str:
    """One hash of a sheet's formulas as written ((cell, text) pairs in order): a file
    whose formulas are spelled as the split wrote them is recognised in one step."""
    text = "".join(f"{addr}\t{text}\n" if text is not None else f"{addr}\n" for addr, text in pairs)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def formula_constant(formula: str) -> Any:
    """The value of a formula that is a constant (``TRUE()``, ``=1.5``) — how some
    applications re-save a typed TRUE or number — else ``None``."""
    text = normalize_formula(formula)
    if text in ("TRUE", "FALSE"):
        return text == "TRUE"
    try:
        return canon_number(text) if text and text[-1].isdigit() else None
    except ValueError:
        return None
