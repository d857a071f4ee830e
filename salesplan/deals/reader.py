"""Import the CRM's deals from CSV or XLSX into a validated DataFrame.

The policy (report order, unstamped rows, duplicates, all-or-nothing errors), the
accepted values and the DataFrame's columns are described in docs/deals.md. XLSX files
are read through :mod:`salesplan.xlsx` (engine ``calamine``: preflight first, then a
child process), so a hostile file is an :class:`UnsafeFileError`, never a crash.
"""
from __future__ import annotations

import codecs
import csv
import datetime as _dt
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, NamedTuple

import numpy as np
import pandas as pd

from salesplan.config.limits import DEALS_PREFLIGHT, MAX_CSV_COLUMNS, MAX_FILE_BYTES, MAX_FILE_ROWS
from salesplan.deals.amounts import AMOUNT_EXPECTED, amounts_to_fen
from salesplan.deals.columns import FIELDS, OPTIONAL, ColumnMap
from salesplan.engine.deal import Deal
from salesplan.engine.words import YES_NO_EXPECTED, is_blank, parse_yes_no
from salesplan.xlsx import open_book
from salesplan.xlsx.preflight import UnsafeFileError
from salesplan.errors import DealsError, Problem

__all__ = ["DEALS_COLUMNS", "Duplicate", "ImportReport", "DealsImport", "import_deals", "engine_deals", "detect_encoding",
           "UnsafeFileError"]

DEALS_COLUMNS: tuple[str, ...] = (
    "seq", "source_row", "date", "rep", "region", "customer", "is_new_customer", "product",
    "amount_fen", "contract_id", "stamped", "quote_fen", "list_price_fen", "first_quote",
    "customer_region",
)

DATE_EXPECTED = "a date from 1900-01-01 to 2099-12-31 such as 2024-05-03, 2024/5/3, 2024年5月3日 or 20240503"
_TEXT_FIELDS = ("rep", "region", "customer", "product", "contract_id")
_HEADER_SCAN_ROWS = 20
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class Duplicate(NamedTuple):
    """A contract number that appears on several imported rows; the first row is kept."""

    contract_id: str
    rows: tuple[int, ...]


@dataclass
class ImportReport:
    file: str
    rows_read: int = 0               # non-blank data rows below the header
    imported: int = 0
    excluded_unstamped: int = 0
    unstamped_rows: list[int] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    duplicates_dropped: int = 0      # rows not imported because an earlier row has the same contract
    errors: list[Problem] = field(default_factory=list)
    error_count: int = 0
    error_rows: int = 0              # rows left out because of errors (strict=False)
    warnings: list[Problem] = field(default_factory=list)
    blank_rows: int = 0
    header_row: int = 1
    encoding: str | None = None      # CSV only
    sheet: str | None = None         # XLSX only
    columns: dict[str, str] = field(default_factory=dict)   # field -> header found
    missing_optional: list[str] = field(default_factory=list)


@dataclass
class DealsImport:
    deals: pd.DataFrame
    report: ImportReport


# --------------------------------------------------------------------------- public

def engine_deals(deals: pd.DataFrame) -> list[Deal]:
    """Imported deals (a :class:`DealsImport`'s frame) as the engine takes them, in ``seq`` order."""
    cols = [deals[c].tolist() for c in ("seq", "region", "rep", "amount_fen", "customer", "is_new_customer")]
    dates = [None if pd.isna(d) else d.date() for d in deals["date"]]
    return sorted((Deal(int(s), r, p, int(a), c, bool(n), d) for s, r, p, a, c, n, d in zip(*cols, dates)),
                  key=lambda d: d.seq)


def import_deals(
    path: str | os.PathLike,
    columns: ColumnMap | Mapping[str, Any] | None = None,
    *,
    encoding: str | None = None,
    strict: bool = True,
    sheet: str | None = None,
    max_errors: int = 10_000,
    preflight_options: Mapping[str, Any] | None = None,
) -> DealsImport:
    """Read one CRM export (CSV or XLSX). See the module docstring for the policy.

    ``columns`` is a :class:`ColumnMap` or a ``[deals.columns]`` table. ``encoding``
    forces a CSV encoding (default: detected). ``sheet`` picks an XLSX sheet by name
    (default: the first sheet whose top rows hold the deal headers).

    Raises :class:`UnsafeFileError` for a refused file, :class:`DealsError` for bad
    content (all problems at once), ``FileNotFoundError`` for a missing file.
    """
    p = Path(path)
    cmap = columns if isinstance(columns, ColumnMap) else ColumnMap.from_config(columns)
    name = p.name
    report = ImportReport(file=str(p))
    with open(p, "rb") as fh:  # FileNotFoundError / IsADirectoryError propagate
        head = fh.read(8)
    _beyond_capacity(p, "bytes", os.stat(p).st_size, MAX_FILE_BYTES)
    if p.suffix.lower() in (".xlsx", ".xlsm") or head.startswith((b"PK", _OLE2_MAGIC)):
        rows, report.sheet = _read_xlsx(p, cmap, sheet, {**DEALS_PREFLIGHT, **(preflight_options or {})})
        table = _Table.from_rows(rows)
    else:
        _check_text(p, head)
        enc = encoding or detect_encoding(p)
        report.encoding = enc
        table = _read_csv(p, enc, name)
    return _build(table, cmap, name, report, strict=strict, max_errors=max_errors, source=str(p))


_BINARY = {b"%PDF": "a PDF document", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
           b"GIF8": "a GIF image", b"\x1f\x8b": "a gzip archive", b"Rar!": "a RAR archive", b"7z\xbc\xaf": "a 7z archive"}


def _check_text(p: Path, head: bytes) -> None:
    """A file that is not text is named for what it is (not a tokenizer error)."""
    with open(p, "rb") as fh:
        sample = fh.read(64 * 1024)
    what = next((kind for magic, kind in _BINARY.items() if head.startswith(magic)), None)
    if what or (b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))):
        raise DealsError([Problem(p.name, what or "binary data", "a CSV text file (or an .xlsx workbook): save the "
                                  "CRM report as CSV or Excel workbook", "not_csv")], source=str(p))


def detect_encoding(path: str | os.PathLike) -> str:
    """``utf-8-sig`` (BOM), ``utf-16`` (BOM), ``utf-8``, else ``gb18030`` (a superset of GBK).

    The whole file is checked incrementally (1 MiB at a time), so a stray GBK byte
    deep in a large file is not missed. A file valid in none of them is a DealsError.
    """
    with open(path, "rb") as fh:
        head = fh.read(4)
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            # a BOM promises its encoding for the whole file: bytes that break it (a GBK
            # file saved with a UTF-8 BOM by some tool) are an encoding problem, named here
            bad = _first_bad_byte(path, enc)
            if bad is not None:
                raise DealsError([Problem(f"{Path(path).name}: encoding", f"byte {bad[0]:,}: 0x{bad[1]:02X}",
                                          f"{_ENCODING_NAMES[enc]} text throughout, as the file's byte-order mark says "
                                          "(save it again as UTF-8, or as GBK without the mark)", "encoding")],
                                 source=str(path))
            return enc
    for enc in ("utf-8", "gb18030"):
        if _first_bad_byte(path, enc) is None:
            return enc
    raise DealsError([Problem(f"{Path(path).name}: encoding", "undecodable bytes", "a CSV in UTF-8 (with or "
                              "without BOM), UTF-16 or GBK/GB18030", "encoding")], source=str(path))


_ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16"}


def _first_bad_byte(path, enc: str) -> tuple[int, int] | None:
    """(offset in the file, value) of the first byte ``enc`` cannot decode; None when it decodes."""
    dec = codecs.getincrementaldecoder(enc)(errors="strict")
    done = 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(1 << 20)
            try:
                dec.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                # exc.start counts from the data the decoder held back plus this chunk
                return done - (len(exc.object) - len(chunk)) + exc.start, exc.object[exc.start]
            if not chunk:
                return None
            done += len(chunk)


# --------------------------------------------------------------------------- reading

class _Table:
    """Header-less grid: ``cols[i]`` is an object ndarray of column i for all rows."""

    def __init__(self, cols: list[np.ndarray], nrows: int, all_str: bool = False):
        self.cols, self.nrows = cols, nrows
        self.all_str = all_str  # every cell is a str (CSV): cheaper checks

    @classmethod
    def from_rows(cls, rows: list[list[Any]]) -> "_Table":
        width = max((len(r) for r in rows), default=0)
        return cls([np.array([r[j] if j < len(r) else "" for r in rows], dtype=object) for j in range(width)], len(rows))

    def row(self, i: int) -> list[Any]:
        return [c[i] for c in self.cols]


def _sniff_delimiter(p: Path, enc: str) -> str:
    with open(p, "r", encoding=enc, errors="replace", newline="") as fh:
        sample = fh.read(64 * 1024)
    first = sample.splitlines()[0] if sample else ""
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _beyond_capacity(p: Path, what: str, found: int, limit: int) -> None:
    """Refuse a file beyond the stated capacity before it is read (docs/capacity.md)."""
    if found > limit:
        count = "" if what == "rows" else f"{found:,}; "    # rows: reading stopped at the limit
        raise UnsafeFileError(p, "beyond_capacity", f"more than {limit:,} {what} in one deals file "
                              f"({count}the stated capacity, docs/capacity.md)")


def _read_csv(p: Path, enc: str, name: str) -> _Table:
    sep = _sniff_delimiter(p, enc)
    with open(p, "r", encoding=enc, errors="replace", newline="") as fh:
        first = fh.readline(1 << 20)
    # the first line sets the width pandas reads every line with: bounded before parsing
    _beyond_capacity(p, "columns", first.count(sep) + 1, MAX_CSV_COLUMNS)
    try:
        df = pd.read_csv(
            p, sep=sep, header=None, dtype=str, encoding=enc, keep_default_na=False, na_filter=False,
            skip_blank_lines=False, engine="c", quotechar='"', doublequote=True, nrows=MAX_FILE_ROWS + 1,
        )
    except pd.errors.EmptyDataError:
        return _Table([], 0)
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        found = f"line {m[2]} has {m[3]} fields, the lines before it {m[1]}" if m else str(exc).strip()
        raise DealsError([Problem(f"{name}: CSV structure", found,
                                  "one header line and the same number of fields on every line", "csv")],
                         source=str(p)) from None
    _beyond_capacity(p, "rows", len(df), MAX_FILE_ROWS)
    cols = [df[c].to_numpy(dtype=object) for c in df.columns]
    return _Table(cols, len(df), all_str=True)


def _read_xlsx(p: Path, cmap: ColumnMap, sheet: str | None,
               preflight_options: Mapping[str, Any]) -> tuple[list[list[Any]], str]:
    """The rows of the named sheet, or of the first sheet whose top rows hold deal headers."""
    with open_book(p, engine="calamine", **preflight_options) as book:
        names = book.sheet_names()
        if sheet is not None:
            if sheet not in names:
                raise DealsError([Problem(f"{p.name}: sheet", sheet, "one of " + ", ".join(names),
                                          "missing_sheet")], source=str(p))
            return book.read_used_range(sheet), sheet
        for nm in names:
            rows = book.read_used_range(nm)
            if any(cmap.score(r) >= 3 for r in rows[:_HEADER_SCAN_ROWS]):
                return rows, nm
        return (book.read_used_range(names[0]), names[0]) if names else ([], "")


# --------------------------------------------------------------------------- cells

_CONTROL = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0), 0x200B, 0xFEFF])   # C0, DEL, C1, zero-width
TEXT_MAX = 32_767                   # the most characters an Excel cell holds


def _as_text(v: Any) -> str:
    """A cell as text, trimmed; text that is only control characters and spaces is blank."""
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, str):
        t = v.strip()
        return t if t.translate(_CONTROL).strip() else ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))  # 20240001.0 from an XLSX number cell
        return repr(v)
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.isoformat()
    return str(v).strip()


_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DATE8_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = _dt.date(1899, 12, 30)
DATE_MIN, DATE_MAX = _dt.date(1900, 1, 1), _dt.date(2099, 12, 31)    # the plan's calendar


def _parse_date_one(v: Any) -> _dt.date:
    if isinstance(v, _dt.datetime):
        v = v.date()
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        if not (v == v and float(v).is_integer() and 1 <= v < 2_958_466):   # an Excel serial date
            raise ValueError("not a date")
        v = _EXCEL_EPOCH + _dt.timedelta(days=int(v))
    elif isinstance(v, str):
        m = _DATE_RE.match(v.translate({0xFF10 + i: 48 + i for i in range(10)}).strip())
        m = m or _DATE8_RE.match(v.strip())
        if not m:
            raise ValueError("not a date")
        v = _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if not isinstance(v, _dt.date) or not DATE_MIN <= v <= DATE_MAX:
        raise ValueError("not a date in range")
    return v


def _dates(values: np.ndarray) -> tuple[np.ndarray, dict[int, Any]]:
    """datetime64[ns] per row (NaT where bad) and the positions that failed."""
    out = np.full(values.size, np.datetime64("NaT"), dtype="datetime64[ns]")
    is_str = np.fromiter((type(v) is str for v in values), dtype=bool, count=values.size)
    todo = ~is_str
    if is_str.any():
        idx = np.flatnonzero(is_str)
        fast = pd.to_datetime(pd.Series(values[idx], dtype=object), format="%Y-%m-%d", errors="coerce")
        fast_ns = fast.to_numpy(dtype="datetime64[ns]")
        good = (fast_ns >= np.datetime64(DATE_MIN, "ns")) & (fast_ns <= np.datetime64(DATE_MAX, "ns"))
        out[idx[good]] = fast_ns[good]
        todo[idx[~good]] = True
    errors: dict[int, Any] = {}
    for i in np.flatnonzero(todo):
        try:
            out[i] = np.datetime64(_parse_date_one(values[i]), "ns")
        except (ValueError, OverflowError):
            errors[int(i)] = values[i]
    return out, errors


def _by_unique(values: np.ndarray, fn) -> np.ndarray:
    """``fn`` applied once per distinct value (CRM columns repeat a lot), as an object array."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1], mapped[-1] = [fn(u) for u in uniques], fn(None)   # code -1: None / NaN
    return mapped[codes]


_BAD = object()


def _yes_no_or_bad(v: Any) -> Any:
    try:
        return bool(parse_yes_no(v))           # blank means no
    except (ValueError, TypeError):
        return _BAD


def _bools(values: np.ndarray) -> tuple[np.ndarray, dict[int, Any]]:
    mapped = _by_unique(values, _yes_no_or_bad)
    bad_mask = mapped == _BAD
    out = np.where(bad_mask, False, mapped).astype(bool)
    return out, {int(i): values[i] for i in np.flatnonzero(bad_mask)}


def _contract_key(s: str) -> str:
    return unicodedata.normalize("NFKC", s).strip().casefold()


# --------------------------------------------------------------------------- building

class _Rows:
    """The data rows of one file, narrowed step by step (blank rows, unstamped rows),
    with every problem located by file, row (as Excel shows it) and header."""

    def __init__(self, name: str, columns: dict[str, str], col: dict[str, np.ndarray], source_row: np.ndarray,
                 max_errors: int):
        self.name, self.columns, self.col, self.source_row = name, columns, col, source_row
        self.problems: list[Problem] = []
        self.count, self.max_errors = 0, max_errors
        self.bad = np.zeros(source_row.size, dtype=bool)

    def keep(self, mask: np.ndarray) -> None:
        self.col = {f: v[mask] for f, v in self.col.items()}
        self.source_row = self.source_row[mask]
        self.bad = self.bad[mask]

    def error(self, f: str, i: int, value: Any, expected: str, code: str) -> None:
        self.count += 1
        if len(self.problems) < self.max_errors:
            where = f"{self.name}: row {int(self.source_row[i])}, column {self.columns[f]}"
            self.problems.append(Problem(where, value, expected, code))
        self.bad[i] = True


def _build(table: _Table, cmap: ColumnMap, name: str, report: ImportReport, *,
           strict: bool, max_errors: int, source: str) -> DealsImport:
    rows = _header(table, cmap, name, report, source, max_errors)
    _drop_blank_rows(rows, table.all_str, report)
    bad_stamps = _keep_stamped(rows, report)
    fen, _ = _amount_column(rows, "amount")
    dates, date_errors = _dates(rows.col["date"])
    for i, v in date_errors.items():
        rows.error("date", i, v, DATE_EXPECTED, "date")
    texts = {f: _text_column(rows, f, required=True) for f in _TEXT_FIELDS}
    texts["customer_region"] = _text_column(rows, "customer_region", required=False)
    flags = {f: _flag_column(rows, f) for f in ("new_customer", "first_quote")}
    prices = {f: _price_column(rows, f) for f in ("quote", "list_price")}
    drop = _duplicates(rows, texts, fen, dates, report)
    report.error_count = rows.count
    problems = rows.problems
    if rows.count > len(problems):
        problems.append(Problem(name, f"{rows.count - len(problems)} more problem(s)",
                                "a file with fewer errors (only the first ones are listed)", "too_many_errors"))
    report.errors = problems
    report.error_rows = int(rows.bad.sum()) + bad_stamps
    if problems and strict:
        raise DealsError(problems, source=source)
    ok = ~rows.bad & ~drop
    deals = pd.DataFrame({
        "seq": np.arange(1, int(ok.sum()) + 1, dtype=np.int64),
        "source_row": rows.source_row[ok].astype(np.int64),
        "date": pd.Series(dates[ok], dtype="datetime64[ns]"),
        **{f: pd.Series(texts[f][ok], dtype="str") for f in ("rep", "region", "customer", "product", "contract_id")},
        "is_new_customer": flags["new_customer"][ok],
        "amount_fen": fen[ok].astype(np.int64),
        "stamped": np.ones(int(ok.sum()), dtype=bool),
        "quote_fen": pd.Series(prices["quote"][ok], dtype="Int64"),
        "list_price_fen": pd.Series(prices["list_price"][ok], dtype="Int64"),
        "first_quote": flags["first_quote"][ok],
        "customer_region": pd.Series(texts["customer_region"][ok], dtype="str"),
    }, columns=list(DEALS_COLUMNS))
    report.imported = len(deals)
    return DealsImport(deals, report)


def _header(table: _Table, cmap: ColumnMap, name: str, report: ImportReport, source: str,
            max_errors: int) -> _Rows:
    """The header row (the best of the top rows) and the columns below it."""
    if table.nrows == 0:
        raise DealsError([Problem(f"{name}", "an empty file", "a header row and deal rows", "empty")], source=source)
    scores = [cmap.score(table.row(i)) for i in range(min(table.nrows, _HEADER_SCAN_ROWS))]
    h = scores.index(max(scores))
    report.header_row = h + 1
    header = [_as_text(v) for v in table.row(h)]
    positions, problems = cmap.resolve(header, where=name, row=h + 1)
    if problems:
        raise DealsError(problems, source=source)
    report.columns = {f: header[i] for f, i in positions.items()}
    report.missing_optional = [f for f in FIELDS if f in OPTIONAL and f not in positions]
    col = {f: table.cols[i][h + 1:] for f, i in positions.items()}
    return _Rows(name, report.columns, col, np.arange(h + 2, table.nrows + 1, dtype=np.int64), max_errors)


def _drop_blank_rows(rows: _Rows, all_str: bool, report: ImportReport) -> None:
    """A row whose every mapped cell is empty is not a deal (nor an error)."""
    blank = np.ones(rows.source_row.size, dtype=bool)
    for v in rows.col.values():
        blank &= (v == "") if all_str else _by_unique(v, is_blank).astype(bool)
        if not blank.any():
            break
    report.blank_rows = int(blank.sum())
    report.rows_read = int((~blank).sum())
    rows.keep(~blank)


def _keep_stamped(rows: _Rows, report: ImportReport) -> int:
    """R11: unstamped contracts are not entered (counted and listed); returns how many
    rows have a stamped cell that is neither yes nor no (their error is recorded)."""
    stamped, bad = _bools(rows.col["stamped"])
    for i, v in bad.items():
        rows.error("stamped", i, v, YES_NO_EXPECTED, "bool")
    bad_stamp = np.zeros(stamped.size, dtype=bool)
    bad_stamp[list(bad)] = True
    unstamped = ~stamped & ~bad_stamp
    report.excluded_unstamped = int(unstamped.sum())
    report.unstamped_rows = [int(r) for r in rows.source_row[unstamped]]
    rows.keep(stamped)
    return int(bad_stamp.sum())


def _amount_column(rows: _Rows, f: str, blank_ok: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Amounts in fen and where a value is present (``blank_ok``: blank is allowed)."""
    values = rows.col[f]
    idx = (np.flatnonzero(~_by_unique(values, is_blank).astype(bool)) if blank_ok
           else np.arange(values.size))
    fen = np.zeros(values.size, dtype=np.int64)
    got, errors = amounts_to_fen(values[idx])
    fen[idx] = got
    for j, exc in errors.items():
        expected = f"blank or {AMOUNT_EXPECTED}" if blank_ok else AMOUNT_EXPECTED
        rows.error(f, int(idx[j]), exc.value, f"{expected} ({exc.reason})", exc.code)
    present = np.zeros(values.size, dtype=bool)
    present[idx] = True
    return fen, present


def _price_column(rows: _Rows, f: str) -> pd.arrays.IntegerArray:
    """报价 / 目录价 in fen, <NA> when blank or absent."""
    n = rows.source_row.size
    if f not in rows.col:
        return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    fen, present = _amount_column(rows, f, blank_ok=True)
    return pd.arrays.IntegerArray(fen, ~present)


def _text_column(rows: _Rows, f: str, *, required: bool) -> np.ndarray:
    """Trimmed text; blank is an error when ``required``; longer than a cell holds, always."""
    if f not in rows.col:
        return np.full(rows.source_row.size, "", dtype=object)
    raw = rows.col[f]
    texts = _by_unique(raw, _as_text)
    if required:
        for i in np.flatnonzero(texts == ""):
            rows.error(f, int(i), raw[i], f"a non-blank {rows.columns[f]}", "blank")
    for i in np.flatnonzero(_by_unique(texts, lambda t: len(t or "")) > TEXT_MAX):
        rows.error(f, int(i), texts[i][:40] + f"… ({len(texts[i]):,} characters)",
                   f"text of at most {TEXT_MAX:,} characters (what an Excel cell holds)", "too_long")
    return texts


def _flag_column(rows: _Rows, f: str) -> np.ndarray:
    """A yes/no column; False when absent or blank."""
    if f not in rows.col:
        return np.zeros(rows.source_row.size, dtype=bool)
    flags, bad = _bools(rows.col[f])
    for i, v in bad.items():
        rows.error(f, i, v, YES_NO_EXPECTED, "bool")
    return flags


def _duplicates(rows: _Rows, texts: dict[str, np.ndarray], fen: np.ndarray, dates: np.ndarray,
                report: ImportReport) -> np.ndarray:
    """Duplicate contract numbers (compared loosely): listed; the first good row of each
    is kept, the others dropped (the mask returned); differing copies are warned about."""
    ids = texts["contract_id"]
    keys = pd.Series(_by_unique(ids, lambda s: _contract_key(s or "")), dtype=object)
    drop = np.zeros(ids.size, dtype=bool)
    groups: dict[str, list[int]] = {}
    for i in np.flatnonzero(keys.duplicated(keep=False).to_numpy() & (ids != "")):
        groups.setdefault(keys.iat[i], []).append(int(i))
    for idxs in groups.values():
        report.duplicates.append(Duplicate(str(ids[idxs[0]]), tuple(int(rows.source_row[i]) for i in idxs)))
        good = [i for i in idxs if not rows.bad[i]]
        drop[good[1:]] = True
        fields = {"amount": fen, "date": dates, **{f: texts[f] for f in ("rep", "customer", "region", "product")}}
        differ = [f for f, arr in fields.items() if len({arr[i] for i in good}) > 1]
        if len(good) > 1 and differ:
            report.warnings.append(Problem(
                f"{rows.name}: rows {', '.join(str(int(rows.source_row[i])) for i in good)}, column "
                f"{rows.columns['contract_id']}", ids[good[0]],
                f"identical copies; they differ in {', '.join(differ)}. Only row "
                f"{int(rows.source_row[good[0]])} is imported", "duplicate_conflict"))
    report.duplicates_dropped = int(drop.sum())
    return drop
