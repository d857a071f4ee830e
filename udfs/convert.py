"""The one conversion layer between Excel cells and the engine.

Everything a UDF receives from Excel passes through here: xlwings hands over
scalars or lists of lists holding ``None`` (empty cell), ``float``, ``int``,
``str``, ``bool`` and ``datetime``; with ``err_to_str=True`` (set on every range
argument) an error cell arrives as its text, e.g. ``"#N/A"``. This module turns
that into validated numpy arrays, Decimals, fen ints, dates and months, and
raises :class:`UdfError` with a short message that names the argument and the
cell (``"#VALUE! weights: item 3 is text 'abc'"``).

Error values. Classic xlwings UDFs (the COM server) cannot hand a real Excel
error value back to the cell (xlwings issue #776; a Python exception shows its
text in the cell via the wrapper's ``Err.Description``). salesplan therefore
returns **error text that starts with Excel's error code**: ``"#VALUE! …"``,
``"#N/A …"``, ``"#NUM! …"``. Every error text starts with ``#``, so
``=LEFT(A1)="#"`` finds them, and every salesplan UDF treats such a text in its
inputs as an error and passes it on, as Excel does with real error values.

Outputs are plain Python values (``float``, ``int``, ``bool``, ``str``,
``datetime.date``) that COM marshals without surprises; whole numbers outside
the 32-bit range are returned as ``float`` (exact up to 2**53).
"""
from __future__ import annotations

import functools
import logging
import math
import os
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np

from salesplan.engine.month import Month
from salesplan.errors import InputError

log = logging.getLogger("salesplan.udfs")

# ----------------------------------------------------------------------------- errors

VALUE, NA, NUM, DIV0, REF = "#VALUE!", "#N/A", "#NUM!", "#DIV/0!", "#REF!"
ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
               "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!")
#: what pywin32 hands over for an error cell when ``err_to_str`` is off
COM_ERROR_INTS = {-2146826281: "#DIV/0!", -2146826246: "#N/A", -2146826259: "#NAME?",
                  -2146826288: "#NULL!", -2146826252: "#NUM!", -2146826265: "#REF!",
                  -2146826273: "#VALUE!"}
MAX_MESSAGE = 255  # what a cell comfortably shows; Excel's own limit for strings is 32767


class UdfError(Exception):
    """A bad argument: shown in the cell as ``"<code> <message>"``."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code} {self.message}"


def value_error(message: str) -> UdfError:
    return UdfError(VALUE, message)


def error_text(code: str, message: str) -> str:
    """One line, at most MAX_MESSAGE characters, starting with the error code."""
    text = " ".join(f"{code} {message}".split())
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 1] + "…"


def is_error_text(value: object) -> bool:
    """True for an Excel error value passed as text (``"#N/A"``) or a salesplan error text."""
    if not isinstance(value, str) or not value.startswith("#"):
        return False
    return any(value == c or value.startswith(c + " ") for c in ERROR_CODES)


def _describe_exception(exc: BaseException) -> str:
    """The error text for any exception (never a traceback)."""
    if isinstance(exc, UdfError):
        return error_text(exc.code, exc.message)
    if isinstance(exc, InputError):
        first = exc.problems[0] if exc.problems else None
        more = f" (+{len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        return error_text(VALUE, f"{first}{more}" if first else str(exc).splitlines()[0])
    if isinstance(exc, (ValueError, TypeError, ArithmeticError)):
        lines = str(exc).splitlines()
        return error_text(NUM if isinstance(exc, (OverflowError, ArithmeticError)) else VALUE,
                          lines[0] if lines else type(exc).__name__)
    if isinstance(exc, MemoryError):
        return error_text(NUM, "the input is too large for memory")
    if isinstance(exc, (RecursionError, KeyError, LookupError, AttributeError, OSError, RuntimeError)):
        return error_text(VALUE, f"internal error ({type(exc).__name__}: {exc}); see the xlwings log")
    return error_text(VALUE, f"internal error ({type(exc).__name__}); see the xlwings log")


def excel_udf(func: Callable) -> Callable:
    """Make ``func`` safe to call from a cell: any exception becomes an error text.

    Applied innermost (right above ``def``) so xlwings' decorators see the wrapper;
    ``functools.wraps`` keeps the name, docstring and signature xlwings reads.
    """

    @functools.wraps(func)
    def wrapper(*args):
        try:
            return func(*args)
        except UdfError as exc:
            return _describe_exception(exc)
        except Exception as exc:  # noqa: BLE001 - the cell must never see a traceback
            if not isinstance(exc, (InputError, ValueError)):
                log.exception("salesplan UDF %s failed", func.__name__)
            return _describe_exception(exc)

    wrapper.__salesplan_udf__ = True
    return wrapper


# ----------------------------------------------------------------------------- cells

BLANK, NUMBER, BOOL, TEXT, ERROR, DATE = 0, 1, 2, 3, 4, 5
_KIND_NAMES = {BLANK: "empty", NUMBER: "a number", BOOL: "TRUE/FALSE", TEXT: "text", ERROR: "an error",
               DATE: "a date"}


def _slow_kind(value: object) -> int:
    if value is None:
        return BLANK
    if isinstance(value, (bool, np.bool_)):
        return BOOL
    if isinstance(value, (int, float, Decimal, np.integer, np.floating)):
        if isinstance(value, (float, np.floating)) and math.isnan(value):
            return BLANK
        return NUMBER
    if isinstance(value, str):
        if not value.strip():
            return BLANK
        return ERROR if is_error_text(value) else TEXT
    if isinstance(value, (date, datetime, np.datetime64)):
        return DATE
    return TEXT


class _KindTable(defaultdict):
    """type -> kind for the fast path; types that need a look at the value map to -1."""

    def __missing__(self, key):
        if key is bool or key is np.bool_:
            kind = BOOL
        elif key in (int, float, Decimal) or (isinstance(key, type) and issubclass(key, (np.integer, np.floating))):
            kind = NUMBER  # NaN floats are turned into BLANK afterwards, in one numpy pass
        elif key is type(None):
            kind = BLANK
        elif isinstance(key, type) and issubclass(key, (date, np.datetime64)):
            kind = DATE
        else:
            kind = -1  # str (blank / error / text) and anything unusual
        self[key] = kind
        return kind


_KINDS = _KindTable()


def analyse(flat: list) -> tuple[np.ndarray, np.ndarray]:
    """(kind code of every cell, float value of every NUMBER cell else NaN) — vectorised."""
    n = len(flat)
    kinds = np.fromiter(map(_KINDS.__getitem__, map(type, flat)), dtype=np.int8, count=n)
    for i in np.flatnonzero(kinds < 0):  # only strings and exotic objects
        kinds[i] = _slow_kind(flat[i])
    num = kinds == NUMBER
    if num.all():
        values = np.array(flat, dtype=float)
    else:
        values = np.full(n, np.nan)
        if num.any():
            values[num] = np.array(flat, dtype=object)[num].astype(float)
    nan = num & np.isnan(values)
    if nan.any():
        kinds[nan] = BLANK
    return kinds, values


def describe(value: object) -> str:
    """A short, user-facing description of one cell's content."""
    kind = _slow_kind(value)
    if kind == TEXT:
        text = str(value)
        return f"text '{text[:30]}{'…' if len(text) > 30 else ''}'"
    if kind == ERROR:
        return str(value).split(" ")[0]
    if kind == BOOL:
        return "TRUE" if value else "FALSE"
    if kind == DATE:
        return f"a date ({value:%Y-%m-%d})" if hasattr(value, "strftime") else "a date"
    return _KIND_NAMES[kind]


# ----------------------------------------------------------------------------- shapes

class Grid:
    """A rectangular block of cells (rows × columns), flattened row-major."""

    __slots__ = ("name", "rows", "cols", "flat", "_kinds", "_values")

    def __init__(self, name: str, rows: int, cols: int, flat: list):
        self.name, self.rows, self.cols, self.flat = name, rows, cols, flat
        self._kinds: np.ndarray | None = None
        self._values: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows, self.cols

    @property
    def size(self) -> int:
        return self.rows * self.cols

    @property
    def kinds(self) -> np.ndarray:
        """Kind code per cell (BLANK, NUMBER, BOOL, TEXT, ERROR, DATE)."""
        if self._kinds is None:
            self._kinds, self._values = analyse(self.flat)
        return self._kinds

    @property
    def values(self) -> np.ndarray:
        """Float value per cell: NUMBER cells converted, every other cell NaN."""
        if self._values is None:
            self._kinds, self._values = analyse(self.flat)
        return self._values

    @property
    def orient(self) -> str:
        """'cell', 'row' (1×n), 'col' (n×1) or 'block'."""
        if self.rows == 1 and self.cols == 1:
            return "cell"
        if self.rows == 1:
            return "row"
        if self.cols == 1:
            return "col"
        return "block"

    def where(self, i: int) -> str:
        """Where flat cell ``i`` is, in the words a user reads."""
        r, c = divmod(i, self.cols)
        o = self.orient
        if o == "cell":
            return self.name
        if o == "row":
            return f"{self.name}: item {c + 1}"
        if o == "col":
            return f"{self.name}: item {r + 1}"
        return f"{self.name}: row {r + 1}, column {c + 1}"

    def transpose(self) -> Grid:
        flat = [self.flat[r * self.cols + c] for c in range(self.cols) for r in range(self.rows)]
        return Grid(self.name, self.cols, self.rows, flat)

    def row_lists(self) -> list[list]:
        return [self.flat[r * self.cols:(r + 1) * self.cols] for r in range(self.rows)]


def grid(value: Any, name: str) -> Grid:
    """Any xlwings argument (scalar, 1-D list, list of lists, numpy array) as a checked Grid."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list):
        return Grid(name, 1, 1, [value])
    if not value:
        raise value_error(f"{name}: the range is empty")
    if not any(isinstance(r, (list, tuple, np.ndarray)) for r in value):
        return Grid(name, 1, len(value), list(value))  # one row (xlwings ndim=1)
    rows = [list(r) if isinstance(r, (list, tuple, np.ndarray)) else [r] for r in value]
    width = len(rows[0])
    for i, r in enumerate(rows):
        if len(r) != width:
            raise value_error(f"{name}: ragged range, row 1 has {width} cells but row {i + 1} has {len(r)}")
    if width == 0:
        raise value_error(f"{name}: the range is empty")
    flat = [v for r in rows for v in r]
    return Grid(name, len(rows), width, flat)


def vector(value: Any, name: str) -> Grid:
    """A range that must be one row or one column (or one cell)."""
    g = grid(value, name)
    if g.orient == "block":
        raise value_error(f"{name}: must be one row or one column, got {g.rows}×{g.cols} cells")
    return g


def scalar(value: Any, name: str) -> Any:
    """A single-cell argument."""
    g = grid(value, name)
    if g.size != 1:
        raise value_error(f"{name}: one cell expected, got {g.rows}×{g.cols} cells")
    return g.flat[0]


def shaped(values: Sequence, like: Grid) -> Any:
    """Results laid out like the input: a cell gives a value, a row a row, a column a column."""
    o = like.orient
    values = list(values)
    if o == "cell":
        return values[0]
    if o == "row":
        return [values]
    if o == "col":
        return [[v] for v in values]
    return [values[r * like.cols:(r + 1) * like.cols] for r in range(like.rows)]


def column(values: Sequence) -> Any:
    """A single value for one result, else an n×1 column that spills down."""
    values = list(values)
    return values[0] if len(values) == 1 else [[v] for v in values]


def is_missing(value: Any) -> bool:
    """An omitted optional argument or an empty cell / empty text."""
    if value is None:
        return True
    if isinstance(value, str) and not value.strip():
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, list):
        g = grid(value, "")
        return bool((g.kinds == BLANK).all())
    return False


# ----------------------------------------------------------------------------- numbers

def first_bad(g: Grid, allowed: Sequence[int]) -> int | None:
    bad = np.flatnonzero(~np.isin(g.kinds, allowed))
    return int(bad[0]) if len(bad) else None


def bad_message(g: Grid, i: int, expected: str = "a number") -> UdfError:
    v = g.flat[i]
    code = v.split(" ")[0] if is_error_text(v) else VALUE
    hint = " (a number stored as text?)" if _looks_numeric(v) else ""
    return UdfError(code, f"{g.where(i)} is {describe(v)}{hint}; expected {expected}")


def _looks_numeric(v: object) -> bool:
    if not isinstance(v, str):
        return False
    try:
        float(v.replace(",", "").replace("%", ""))
        return True
    except ValueError:
        return False


def numbers(g: Grid, *, blank: str = "error", what: str = "a number") -> np.ndarray:
    """Float array; text, TRUE/FALSE, dates and errors are errors.

    ``blank``: "error" (an empty cell is an error), "nan" (kept as NaN) or "zero".
    """
    allowed = (NUMBER,) if blank == "error" else (NUMBER, BLANK)
    i = first_bad(g, allowed)
    if i is not None:
        if g.kinds[i] == BLANK:
            raise value_error(f"{g.where(i)} is empty; expected {what}")
        raise bad_message(g, i, what)
    out = g.values
    if blank == "zero":
        out = np.where(np.isnan(out), 0.0, out)
    if not np.isfinite(out[~np.isnan(out)]).all():
        raise UdfError(NUM, f"{g.name}: a value is infinite")
    return out


def require(ok: np.ndarray, g: Grid, message: str) -> None:
    """An error naming the first cell of ``g`` where ``ok`` is False (e.g. a weight < 0)."""
    bad = np.flatnonzero(~ok)
    if len(bad):
        i = int(bad[0])
        raise value_error(f"{g.where(i)} is {g.values[i]:.15g}: {message}")


def number(value: Any, name: str, *, what: str = "a number") -> float:
    g = grid(scalar(value, name), name)
    return float(numbers(g, what=what)[0])


def exact_decimal(x: float | int) -> Decimal:
    """The decimal a user typed: floats go through their shortest repr (0.1 -> 0.1)."""
    if isinstance(x, (int, np.integer)):
        return Decimal(int(x))
    return Decimal(repr(float(x)))


def whole(x: float, where: str, what: str = "a whole number") -> int:
    """A float that must be an integer: within a few ulps of one (float noise), never rounded further.

    The tolerance is 4 units in the last place of ``x`` — enough for 0.1+0.2-style
    noise, never enough to round 1000000001.5 (a typed half yuan) to a neighbour.
    """
    if not math.isfinite(x):
        raise UdfError(NUM, f"{where} is not a finite number")
    r = round(x)
    if abs(x - r) > 4 * math.ulp(max(abs(x), 1.0)):   # ulps of 1 near zero (0.3-0.1-0.2 noise)
        raise value_error(f"{where} is {x:.15g}; expected {what}")
    return int(r)


def to_fen(a: np.ndarray) -> np.ndarray:
    """Yuan floats -> int64 fen, each as Excel's ROUND(amount, 2) (half away from zero).

    Amounts typed with at most 2 decimals (the normal case) are converted in one
    numpy pass; the rare others go through Decimal on their shortest repr, which
    is what Excel's ROUND sees.
    """
    if not len(a):
        return np.zeros(0, dtype=np.int64)
    if np.abs(a).max() >= 9e13:  # ¥900 billion: beyond that float yuan lose the fen
        raise UdfError(NUM, "an amount is too large (over ¥900,000,000,000)")
    scaled = a * 100.0
    fen = np.rint(scaled)
    tol = np.maximum(1e-6, 4 * np.spacing(np.abs(scaled)))
    odd = np.flatnonzero(np.abs(scaled - fen) > tol)
    out = fen.astype(np.int64)
    for i in odd:
        out[i] = int((exact_decimal(a[i]) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return out


def xl_number(v: int | float) -> int | float:
    """A whole number COM marshals safely: int inside 32 bits, float outside."""
    if isinstance(v, (int, np.integer)):
        v = int(v)
        return v if -2**31 <= v < 2**31 else float(v)
    return float(v)


# ----------------------------------------------------------------------------- booleans / text

_TRUE = {"true", "yes", "y", "1", "是", "对", "真", "√", "x"}
_FALSE = {"false", "no", "n", "0", "否", "不是", "假", "×"}


def booleans(g: Grid, *, blank: bool | None = False) -> np.ndarray:
    """TRUE/FALSE cells (also 1/0 and yes/no, 是/否 text). ``blank=None`` makes empty an error."""
    kinds = g.kinds
    out = np.zeros(g.size, dtype=bool)
    is_bool = kinds == BOOL
    if is_bool.any():
        out[is_bool] = np.array(g.flat, dtype=object)[is_bool].astype(bool)
    is_num = kinds == NUMBER
    if is_num.any():
        v = g.values[is_num]
        bad = np.flatnonzero(is_num)[(v != 0) & (v != 1)]
        if len(bad):
            raise bad_message(g, int(bad[0]), "TRUE or FALSE (or 1/0)")
        out[is_num] = v == 1
    is_blank = kinds == BLANK
    if is_blank.any():
        if blank is None:
            raise value_error(f"{g.where(int(np.flatnonzero(is_blank)[0]))} is empty; expected TRUE or FALSE")
        out[is_blank] = blank
    for i in np.flatnonzero(~(is_bool | is_num | is_blank)):  # text and the rest: few, checked one by one
        v = g.flat[i]
        word = str(v).strip().lower() if kinds[i] == TEXT else None
        if word in _TRUE or word in _FALSE:
            out[i] = word in _TRUE
        else:
            raise bad_message(g, int(i), "TRUE or FALSE")
    return out


def boolean(value: Any, name: str, default: bool) -> bool:
    if is_missing(value):
        return default
    return bool(booleans(grid(scalar(value, name), name), blank=default)[0])


def text(value: Any, name: str, default: str | None = None) -> str:
    if is_missing(value):
        if default is None:
            raise value_error(f"{name} is empty")
        return default
    v = scalar(value, name)
    if is_error_text(v):
        raise UdfError(v.split(" ")[0], f"{name} is {describe(v)}")
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        raise value_error(f"{name} is {describe(v)}; expected text")
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def language(value: Any, default: str) -> str:
    lang = text(value, "language", default).lower()
    aliases = {"zh": "zh", "cn": "zh", "中文": "zh", "chinese": "zh", "en": "en", "english": "en", "英文": "en"}
    if lang not in aliases:
        raise value_error(f"language is '{lang}'; expected \"zh\" or \"en\"")
    return aliases[lang]


# ----------------------------------------------------------------------------- dates, months

_EXCEL_EPOCH = date(1899, 12, 30)
DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
MONTH_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")


def serial_to_date(serial: float, where: str) -> date:
    """An Excel (1900 date system) serial number as a date; a time of day is ignored."""
    s = int(math.floor(serial))
    if s < 1 or s > 2958465:
        raise UdfError(NUM, f"{where} is {serial:.15g}; not an Excel date (1 … 2958465)")
    if s == 60:
        raise UdfError(NUM, f"{where} is 60, Excel's non-existent 1900-02-29")
    return _EXCEL_EPOCH + timedelta(days=s if s > 60 else s + 1)


def date_to_serial(d: date) -> int:
    days = (d - _EXCEL_EPOCH).days
    return days if days > 60 else days - 1


def to_date(v: Any, where: str) -> date:
    """A date cell, an Excel serial number, or text like 2026-12-03 / 2026年12月3日."""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, np.datetime64):
        return to_date(v.astype("datetime64[D]").item(), where)
    if isinstance(v, bool):
        raise value_error(f"{where} is {describe(v)}; expected a date")
    if isinstance(v, (int, float, np.integer, np.floating)):
        return serial_to_date(float(v), where)
    if isinstance(v, str):
        if is_error_text(v):
            raise UdfError(v.split(" ")[0], f"{where} is {describe(v)}")
        m = DATE_RE.match(v)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError as exc:
                raise value_error(f"{where} is '{v}': {exc}") from None
    raise value_error(f"{where} is {describe(v)}; expected a date such as 2026-12-03")


def to_month(v: Any, where: str) -> Month:
    """A month: text "2026-12" (or 2026/12, 2026年12月), any date in it, or 202612."""
    if isinstance(v, Month):
        return v
    if isinstance(v, str):
        if is_error_text(v):
            raise UdfError(v.split(" ")[0], f"{where} is {describe(v)}")
        m = MONTH_RE.match(v)
        if m:
            try:
                return Month(int(m.group(1)), int(m.group(2)))
            except ValueError as exc:
                raise value_error(f"{where} is '{v}': {exc}") from None
        if DATE_RE.match(v):
            return Month.of(to_date(v, where))
        if re.fullmatch(r"\s*\d{6}\s*", v):
            return to_month(int(v), where)
        raise value_error(f"{where} is {describe(v)}; expected a month such as \"2026-12\"")
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        n = float(v)
        if n.is_integer() and 190001 <= n <= 999912 and 1 <= int(n) % 100 <= 12:
            return Month(int(n) // 100, int(n) % 100)  # 202612
    if v is None:
        raise value_error(f"{where} is empty; expected a month such as \"2026-12\"")
    return Month.of(to_date(v, where))


# ----------------------------------------------------------------------------- config

def config_path(value: Any) -> str | None:
    """The [config] argument: a TOML path, or None for $SALESPLAN_CONFIG / the built-in plan."""
    if is_missing(value):
        env = os.environ.get("SALESPLAN_CONFIG", "").strip()
        return env or None
    path = text(value, "config")
    return str(Path(path).expanduser())
