"""Exact parsing of money amounts as CRM exports write them (accepted forms: docs/deals.md).

Amounts are held as integer fen; no arithmetic on money is ever done in floating
point. An XLSX number arrives as a binary double: it is read through its shortest
decimal form (``repr``) and, when that has more than 2 decimals, through Excel's 15
significant digits (``0.30000000000000004`` → ``0.3``), which is what the user saw.
Errors are :class:`AmountError` (a ``ValueError`` with ``value``, ``reason``, ``code``).
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterable, Sequence

import numpy as np

__all__ = ["AMOUNT_EXPECTED", "DEFAULT_MAX_YUAN", "AmountError", "parse_amount", "parse_amount_fen",
           "amounts_to_fen", "fen_to_decimal"]

#: What an amount should look like, quoted in every error message.
AMOUNT_EXPECTED = (
    "a non-negative amount in yuan with at most 2 decimals, e.g. 38000, 38,000.00, "
    "¥38,000.00, 120万, 1.2亿"
)

#: Sanity ceiling: 10 trillion yuan. Far above any deal, far below int64 fen overflow.
DEFAULT_MAX_YUAN = 10**13

_MAX_TEXT_LEN = 64  # longer inputs are not amounts; never regex unbounded garbage


class AmountError(ValueError):
    """An amount could not be read exactly. Problem-friendly: ``value``, ``expected``, ``code``."""

    def __init__(self, value: object, reason: str, code: str = "amount"):
        self.value = value
        self.reason = reason
        self.code = code
        self.expected = AMOUNT_EXPECTED
        super().__init__(f"{value!r}: {reason}; expected {AMOUNT_EXPECTED}")


# Full-width forms (and the ideographic space) to their ASCII equivalents. An explicit
# table instead of NFKC, which would also turn ① into 1 or ½ into 1⁄2.
_FULLWIDTH = str.maketrans("０１２３４５６７８９，．。＋－−（）￥\u3000\u00a0\u202f\u2009",   # 。: an IME's decimal point
                           "0123456789,..+--()¥    ")

_PREFIX = re.compile(r"^(?:¥|RMB|CNY|人民币)\s*", re.IGNORECASE)
_SUFFIX_CURRENCY = re.compile(r"\s*(?:元|圆|RMB|CNY)$", re.IGNORECASE)
_UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_NUMBER = re.compile(r"^(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?$")
_BLANK_WORDS = {"nan", "none", "null", "n/a", "na", "#n/a", "-", "--", "—", "/"}


def _from_float(value: float) -> Decimal:
    if value != value or value in (float("inf"), float("-inf")):
        raise AmountError(value, "not a number")
    d = Decimal(repr(value))
    if d.as_tuple().exponent < -2:  # type: ignore[operator]
        # What Excel shows: 15 significant digits.
        d = Decimal(format(value, ".15g"))
    return d


def parse_amount(text: object, *, max_yuan: int = DEFAULT_MAX_YUAN) -> Decimal:
    """The exact amount in yuan (``Decimal`` with 2 decimals) or :class:`AmountError`."""
    if text is None:
        raise AmountError(text, "blank", code="blank")
    if isinstance(text, bool):
        raise AmountError(text, "a yes/no value, not an amount")
    if isinstance(text, Decimal):
        d = text
        if not d.is_finite():
            raise AmountError(text, "not a number")
    elif isinstance(text, int):
        d = Decimal(text)
    elif isinstance(text, float):
        d = _from_float(text)
    elif isinstance(text, (np.integer,)):
        d = Decimal(int(text))
    elif isinstance(text, (np.floating,)):
        d = _from_float(float(text))
    elif isinstance(text, str):
        d = _parse_text(text)
    else:
        raise AmountError(text, f"a {type(text).__name__}, not an amount")
    return _check(d, text, max_yuan)


def _check(d: Decimal, original: object, max_yuan: int) -> Decimal:
    if d < 0 or (d == 0 and d.is_signed()):
        if d != 0:
            raise AmountError(original, "negative amount", code="negative")
        d = Decimal(0)
    fen = d * 100
    if fen != fen.to_integral_value():
        raise AmountError(original, "more than 2 decimals (fen)", code="precision")
    if d > max_yuan:
        raise AmountError(original, f"larger than the ceiling of {max_yuan:,} yuan", code="too_large")
    return d.quantize(Decimal("0.01"))


def _marks(s: str) -> tuple[bool, str, Decimal]:
    """(negative?, the number's text, its unit) once signs, currency marks and 万/亿 are off."""
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s[:1] in "+-":
        negative, s = s[0] == "-" or negative, s[1:].lstrip()
    s = _PREFIX.sub("", s)
    if s[:1] == "-":  # ¥-100
        negative, s = True, s[1:].lstrip()
    s = _SUFFIX_CURRENCY.sub("", s)
    if s and s[-1] in _UNITS:
        return negative, s[:-1].rstrip(), _UNITS[s[-1]]
    return negative, s, Decimal(1)


def _parse_text(raw: str) -> Decimal:
    if len(raw) > _MAX_TEXT_LEN:
        raise AmountError(raw[:_MAX_TEXT_LEN] + "…", "too long to be an amount")
    s = raw.translate(_FULLWIDTH).strip()
    if not s:
        raise AmountError(raw, "blank", code="blank")
    if s.lower() in _BLANK_WORDS:
        raise AmountError(raw, "no amount (a placeholder for a missing value)", code="blank")
    negative, s, unit = _marks(s)
    if re.fullmatch(r"[\d.,]*[eE][+-]?\d+", s):
        raise AmountError(raw, "scientific notation hides digits; export the column as a plain number",
                          code="scientific")
    m = _NUMBER.fullmatch(s)
    if not m:
        if re.fullmatch(r"[\d,]+(?:\.\d+)?", s):
            raise AmountError(raw, "thousands separators must group 3 digits (a decimal comma is ambiguous)")
        raise AmountError(raw, "not a number")
    d = Decimal(m.group("int").replace(",", "") + ("." + m.group("frac") if m.group("frac") else "")) * unit
    if negative and d != 0:
        raise AmountError(raw, "negative amount", code="negative")
    return d


def parse_amount_fen(text: object, *, max_yuan: int = DEFAULT_MAX_YUAN) -> int:
    """The exact amount in integer fen (1 yuan = 100 fen)."""
    return int(parse_amount(text, max_yuan=max_yuan) * 100)


def fen_to_decimal(fen: int) -> Decimal:
    """Integer fen back to yuan with 2 decimals, e.g. 3800050 → Decimal('38000.50')."""
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


# --------------------------------------------------------------------------- vectorised

def _fast_plain_strings(arr: np.ndarray, max_int_digits: int) -> tuple[np.ndarray, np.ndarray]:
    """Fen for strings of the form ``\\d+(\\.\\d{1,2})?`` using integer numpy arithmetic.

    ``arr`` is a numpy unicode array. Returns ``(ok, fen)``: rows where ``ok`` is False
    must go through the exact slow path. No float is ever involved.
    """
    n = arr.shape[0]
    width = arr.dtype.itemsize // 4
    if n == 0 or width == 0:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64)
    codes = arr.view(np.uint32).reshape(n, width)
    digit = (codes >= 48) & (codes <= 57)
    dot = codes == 46
    pad = codes == 0
    ok = np.all(digit | dot | pad, axis=1)
    ok &= ~pad[:, 0]                        # not empty
    ok &= dot.sum(axis=1) <= 1
    # padding only at the end (numpy strips trailing NULs, an inner NUL is a bad char)
    seen_pad = np.logical_or.accumulate(pad, axis=1)
    ok &= ~np.any(seen_pad & ~pad, axis=1)
    after_dot = np.logical_or.accumulate(dot, axis=1) & ~dot
    int_digits = (digit & ~after_dot).sum(axis=1)
    frac_digits = (digit & after_dot).sum(axis=1)
    has_dot = dot.any(axis=1)
    ok &= int_digits >= 1
    ok &= int_digits <= max_int_digits
    ok &= frac_digits <= 2
    ok &= ~has_dot | (frac_digits >= 1)
    ipart = np.zeros(n, dtype=np.int64)
    fpart = np.zeros(n, dtype=np.int64)
    values = codes.astype(np.int64) - 48
    for j in range(width):
        d_int = digit[:, j] & ~after_dot[:, j] & ok
        d_frac = digit[:, j] & after_dot[:, j] & ok
        ipart = np.where(d_int, ipart * 10 + values[:, j], ipart)
        fpart = np.where(d_frac, fpart * 10 + values[:, j], fpart)
    # one fractional digit means tenths: "5.5" → 50 fen
    fpart = np.where(frac_digits == 1, fpart * 10, fpart)
    fen = ipart * 100 + fpart
    return ok, np.where(ok, fen, 0)


def amounts_to_fen(
    values: Sequence[object] | np.ndarray,
    *,
    max_yuan: int = DEFAULT_MAX_YUAN,
    slow_rows: Iterable[int] | None = None,
) -> tuple[np.ndarray, dict[int, AmountError]]:
    """Vectorised :func:`parse_amount_fen` for a whole column.

    Returns ``(fen, errors)``: an int64 array (0 where the row failed) and a dict from
    position to :class:`AmountError`. Plain numeric strings (most CRM rows) take an
    integer-only numpy path; everything else (``1,200,000``, ``120万``, floats from
    XLSX, …) goes through :func:`parse_amount` one by one. Same results either way.
    """
    obj = np.asarray(values, dtype=object)
    n = obj.shape[0]
    fen = np.zeros(n, dtype=np.int64)
    errors: dict[int, AmountError] = {}
    if n == 0:
        return fen, errors
    is_str = np.fromiter((type(v) is str for v in obj), dtype=bool, count=n)
    todo = np.ones(n, dtype=bool)
    if is_str.any():
        idx = np.flatnonzero(is_str)
        strs = obj[idx]
        lengths = np.fromiter((len(s) for s in strs), dtype=np.int64, count=idx.size)
        short = lengths <= 16
        sidx = idx[short]
        if sidx.size:
            arr = np.asarray(obj[sidx].tolist(), dtype="U16")
            max_int_digits = len(str(max_yuan)) - 1  # every such number is < max_yuan
            ok, f = _fast_plain_strings(arr, max_int_digits)
            fen[sidx[ok]] = f[ok]
            todo[sidx[ok]] = False
    for i in np.flatnonzero(todo):
        try:
            fen[i] = parse_amount_fen(obj[i], max_yuan=max_yuan)
        except AmountError as exc:
            errors[int(i)] = exc
    return fen, errors
