"""Exact, reader-independent cell values for comparison, hashing and JSON.

The same cell read through openpyxl (the master), through our raw reader (a regional
file saved by Excel) or from a JSON manifest must compare equal when a person would
say it did not change:

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
from typing import Any

__all__ = ["canon", "canon_number", "encode", "decode", "value_hash", "formula_hash", "normalize_formula",
           "to_python"]

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
    t = type(value)
    if value is None or t is Decimal or t is bool:     # exact types: already canonical
        return value
    if t is str:
        return None if not value.strip() else value
    if t is int:
        return Decimal(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return canon_number(value)
    if isinstance(value, (_dt.datetime, _dt.date)):
        return _serial(value)
    if isinstance(value, _dt.time):
        secs = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return canon_number(secs / 86400)
    if isinstance(value, str):
        return None if not value.strip() else value
    return str(value)


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
        except (KeyError, InvalidOperation):
            raise ValueError(f"bad encoded value: {obj!r}") from None
    return canon(obj)


def _h(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def value_hash(value: Any) -> str:
    v = canon(value)
    if v is None:
        tag = "0"
    elif isinstance(v, bool):
        tag = "b" + ("1" if v else "0")
    elif isinstance(v, Decimal):
        tag = "n" + format(v.normalize(), "f") if v == v else "nNaN"
    else:
        tag = "s" + v
    return _h(tag)


_PREFIXES = ("_xlfn.", "_xlws.", "_xludf.")
_PREFIX = re.compile(r"_xl(?:fn|ws|udf)\.", re.IGNORECASE)
_WS = re.compile(r"\s+")
_WS_OP = re.compile(r" ?([(),+\-*/&=<>:;^%{}!]) ?")


def _outside(part: str) -> str:
    if "_" in part and "_xl" in part.lower():
        part = _PREFIX.sub("", part)
    if " " in part or "\n" in part or "\t" in part or "\r" in part:
        part = _WS_OP.sub(lambda m: m.group(1), _WS.sub(" ", part))
    return part.upper()


def normalize_formula(formula: str) -> str:
    """Formula text as Excel, LibreOffice and openpyxl would all save it.

    Leading ``=`` dropped, ``_xlfn.``/``_xlws.`` prefixes dropped; outside string
    literals whitespace runs become one space, spaces next to operators, commas and
    parentheses are dropped (a lone space between ranges, Excel's intersection
    operator, is kept) and letters are upper-cased.
    """
    text = formula.strip()
    if text.startswith("="):
        text = text[1:]
    if '"' not in text:
        return _outside(text)
    # split on quotes: even pieces are outside string literals, odd ones inside ("" too)
    parts = text.split('"')
    for i in range(0, len(parts), 2):
        parts[i] = _outside(parts[i])
    return '"'.join(parts)


_FORMULA_HASHES: dict[str, str] = {}


def formula_hash_of_normalized(normalized: str) -> str:
    """formula_hash of a formula whose normalize_formula text is ``normalized``."""
    return _h("f" + normalized)


def formula_hash(formula: str) -> str:
    """Hash of the normalised formula text (memoised: every regional file of a split
    repeats the same formulas)."""
    h = _FORMULA_HASHES.get(formula)
    if h is None:
        h = formula_hash_of_normalized(normalize_formula(formula))
        if len(_FORMULA_HASHES) >= 200_000:
            _FORMULA_HASHES.clear()
        _FORMULA_HASHES[formula] = h
    return h
