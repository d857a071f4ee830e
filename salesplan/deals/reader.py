"""Import the CRM's deals from CSV or XLSX into a validated DataFrame.

Policy (R8, R11):

* **Report order is kept.** ``seq`` numbers the imported deals 1..n in the order of
  the file; the multi-level commission takes deals in that order.
* **Unstamped contracts are excluded** (R11) and counted: ``report.excluded_unstamped``
  and ``report.unstamped_rows``. Their other cells are not validated (they are not
  entered at all), but a stamped cell that is neither yes nor no is an error.
* **Duplicate contract numbers** (compared after trimming, full-width folding and
  case folding) are reported in ``report.duplicates`` as ``(contract_id, rows)``; the
  first row in report order is kept, later ones are dropped, never double-counted.
  When the copies differ (amount, date, rep, customer …) a warning names the fields.
* **Errors are all-or-nothing.** Every bad cell becomes a :class:`Problem` whose
  ``where`` is ``"<file name>: row N, column <header>"`` (N as Excel shows it: the
  header is row 1 when it is the first line). By default (``strict=True``)
  :func:`import_deals` raises :class:`DealsError` with *all* problems and nothing is
  imported. With ``strict=False`` the problems are returned in ``report.errors``
  and ``deals`` holds only the rows without problems. At most ``max_errors``
  problems are kept (``report.error_count`` has the true number).
* **Strings are kept verbatim** (trimmed). Formula-looking text such as
  ``=HYPERLINK(...)`` stays a string; writers must store it with
  :mod:`salesplan.deals.sanitize`.
* XLSX files go through :func:`salesplan.xlsx.preflight.preflight_xlsx` first and
  are refused with :class:`UnsafeFileError` before any parser sees them.

DataFrame schema (``DEALS_COLUMNS``, in this order):

==================  ===================  =========================================
column              dtype                meaning
==================  ===================  =========================================
seq                 int64                1-based report order of imported deals
source_row          int64                row in the file as Excel shows it
date                datetime64[ns]       deal date at midnight (time of day dropped)
rep                 str                  sales rep
region              str                  region
customer            str                  customer
is_new_customer     bool                 新客户 (False when the column is absent)
product             str                  product line
amount_fen          int64                amount in fen (1 yuan = 100 fen), exact
contract_id         str                  contract number as written
stamped             bool                 always True for imported deals
quote_fen           Int64 (nullable)     报价 in fen, <NA> when blank/absent
list_price_fen      Int64 (nullable)     目录价 in fen, <NA> when blank/absent
first_quote         bool                 首次报价 (False when blank/absent)
customer_region     str                  客户区域 (R9 green channel); "" when blank/absent
==================  ===================  =========================================

``date`` is ``datetime64[ns]`` rather than ``datetime.date`` objects: vectorised
grouping by week / phase / month is what the engine needs, and ``.dt.date`` gives
dates back when a caller wants them.
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

from salesplan.deals.amounts import AMOUNT_EXPECTED, amounts_to_fen
from salesplan.deals.columns import BOOL_EXPECTED, FIELDS, OPTIONAL, ColumnMap, parse_bool
from salesplan.xlsx.preflight import UnsafeFileError, preflight_xlsx
from salesplan.errors import DealsError, Problem

__all__ = [
    "DEALS_COLUMNS",
    "Duplicate",
    "ImportReport",
    "DealsImport",
    "import_deals",
    "detect_encoding",
    "UnsafeFileError",
]

DEALS_COLUMNS: tuple[str, ...] = (
    "seq", "source_row", "date", "rep", "region", "customer", "is_new_customer", "product",
    "amount_fen", "contract_id", "stamped", "quote_fen", "list_price_fen", "first_quote",
    "customer_region",
)

DATE_EXPECTED = "a date such as 2024-05-03, 2024/5/3, 2024年5月3日 or 20240503 (year first)"
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
    if p.suffix.lower() in (".xlsx", ".xlsm") or head.startswith((b"PK", _OLE2_MAGIC)):
        preflight_xlsx(p, **dict(preflight_options or {}))
        rows, report.sheet = _read_xlsx(p, cmap, sheet)
        table = _Table.from_rows(rows)
    else:
        enc = encoding or detect_encoding(p)
        report.encoding = enc
        table = _read_csv(p, enc, name)
    return _build(table, cmap, name, report, strict=strict, max_errors=max_errors, source=str(p))


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
    raise DealsError([Problem(f"{Path(path).name}: encoding", "undecodable bytes",
                              "a CSV in UTF-8 (with or without BOM), UTF-16 or GBK/GB18030", "encoding")],
                     source=str(path))


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
                held = len(exc.object) - len(chunk)
                at = done - held + exc.start
                return at, exc.object[exc.start]
            if not chunk:
                return None
            done += len(chunk)


# --------------------------------------------------------------------------- reading

class _Table:
    """Header-less grid: ``cols[i]`` is an object ndarray of column i for all rows."""

    def __init__(self, cols: list[np.ndarray], nrows: int, all_str: bool = False):
        self.cols = cols
        self.nrows = nrows
        self.all_str = all_str  # every cell is a str (CSV): cheaper checks

    @classmethod
    def from_rows(cls, rows: list[list[Any]]) -> "_Table":
        width = max((len(r) for r in rows), default=0)
        cols = []
        for j in range(width):
            cols.append(np.array([r[j] if j < len(r) else "" for r in rows], dtype=object))
        return cls(cols, len(rows))

    def row(self, i: int) -> list[Any]:
        return [c[i] for c in self.cols]


def _sniff_delimiter(p: Path, enc: str) -> str:
    with open(p, "r", encoding=enc, errors="replace", newline="") as fh:
        sample = fh.read(64 * 1024)
    first = sample.splitlines()[0] if sample else ""
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(p: Path, enc: str, name: str) -> _Table:
    sep = _sniff_delimiter(p, enc)
    try:
        df = pd.read_csv(
            p, sep=sep, header=None, dtype=str, encoding=enc, keep_default_na=False, na_filter=False,
            skip_blank_lines=False, engine="c", quotechar='"', doublequote=True,
        )
    except pd.errors.EmptyDataError:
        return _Table([], 0)
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        raise DealsError([Problem(f"{name}: CSV structure", str(exc).strip(),
                                  "one header line and the same number of fields on every line", "csv")],
                         source=str(p)) from None
    cols = [df[c].to_numpy(dtype=object) for c in df.columns]
    return _Table(cols, len(df), all_str=True)


def _read_xlsx(p: Path, cmap: ColumnMap, sheet: str | None) -> tuple[list[list[Any]], str]:
    import python_calamine as pc

    try:
        wb = pc.load_workbook(str(p))
        try:
            names = list(wb.sheet_names)
            if sheet is not None:
                if sheet not in names:
                    raise DealsError([Problem(f"{p.name}: sheet", sheet, "one of " + ", ".join(names),
                                              "missing_sheet")], source=str(p))
                return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False), sheet
            first = None
            for nm in names:
                rows = wb.get_sheet_by_name(nm).to_python(skip_empty_area=False)
                if first is None:
                    first = (rows, nm)
                if any(cmap.score(r) >= 3 for r in rows[:_HEADER_SCAN_ROWS]):
                    return rows, nm
            return first if first else ([], names[0] if names else "")
        finally:
            wb.close()
    except DealsError:
        raise
    except Exception as exc:  # CalamineError, PanicException-as-Exception, ...
        raise UnsafeFileError(p, "corrupt", f"the workbook could not be read: {type(exc).__name__}: {exc}") from None
    except BaseException as exc:  # pyo3's PanicException derives from BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        raise UnsafeFileError(p, "corrupt", f"the reader crashed: {type(exc).__name__}") from None


# --------------------------------------------------------------------------- building

def _is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and v != v)


def _as_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        if v != v:
            return ""
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))  # 20240001.0 from an XLSX number cell
        return repr(v)
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.isoformat()
    return str(v).strip()


def _text_column(values: np.ndarray, all_str: bool) -> np.ndarray:
    return _by_unique(values, _as_text)


_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DATE8_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = _dt.date(1899, 12, 30)


def _parse_date_one(v: Any) -> _dt.date:
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        # an Excel serial date in a number-formatted cell
        if v == v and float(v).is_integer() and 1 <= v < 2_958_466:
            return _EXCEL_EPOCH + _dt.timedelta(days=int(v))
        raise ValueError("not a date")
    if isinstance(v, str):
        s = v.translate({0xFF10 + i: 48 + i for i in range(10)}).strip()
        m = _DATE_RE.match(s) or _DATE8_RE.match(s)
        if m:
            return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError("not a date")


def _dates(values: np.ndarray) -> tuple[np.ndarray, dict[int, Any]]:
    """datetime64[ns] per row (NaT where bad) and the positions that failed."""
    out = np.full(values.size, np.datetime64("NaT"), dtype="datetime64[ns]")
    errors: dict[int, Any] = {}
    if values.size == 0:
        return out, errors
    is_str = np.fromiter((type(v) is str for v in values), dtype=bool, count=values.size)
    todo = ~is_str
    if is_str.any():
        idx = np.flatnonzero(is_str)
        fast = pd.to_datetime(pd.Series(values[idx], dtype=object), format="%Y-%m-%d", errors="coerce")
        fast_ns = fast.to_numpy(dtype="datetime64[ns]")
        good = ~np.isnat(fast_ns)
        out[idx[good]] = fast_ns[good]
        todo[idx[~good]] = True
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
    for j, u in enumerate(uniques):
        mapped[j] = fn(u)
    mapped[-1] = fn(None)  # code -1: None / NaN
    return mapped[codes]


_BAD = object()


def _bool_or_bad(v: Any) -> Any:
    try:
        return parse_bool(v)
    except (ValueError, TypeError):
        return _BAD


def _bools(values: np.ndarray) -> tuple[np.ndarray, dict[int, Any]]:
    mapped = _by_unique(values, _bool_or_bad)
    bad_mask = mapped == _BAD
    out = np.where(bad_mask, False, mapped).astype(bool)
    errors = {int(i): values[i] for i in np.flatnonzero(bad_mask)}
    return out, errors


def _find_header(table: _Table, cmap: ColumnMap) -> int:
    best, best_i = -1, 0
    for i in range(min(table.nrows, _HEADER_SCAN_ROWS)):
        sc = cmap.score(table.row(i))
        if sc > best:
            best, best_i = sc, i
    return best_i


def _contract_key(s: str) -> str:
    return unicodedata.normalize("NFKC", s).strip().casefold()


def _build(table: _Table, cmap: ColumnMap, name: str, report: ImportReport, *,
           strict: bool, max_errors: int, source: str) -> DealsImport:
    problems: list[Problem] = []
    count = [0]

    def add(where: str, value: Any, expected: str, code: str) -> None:
        count[0] += 1
        if len(problems) < max_errors:
            problems.append(Problem(where, value, expected, code))

    if table.nrows == 0:
        raise DealsError([Problem(f"{name}", "an empty file", "a header row and deal rows", "empty")], source=source)
    h = _find_header(table, cmap)
    report.header_row = h + 1
    header = [_as_text(v) for v in table.row(h)]
    positions, col_problems = cmap.resolve(header, where=name)
    if h:
        col_problems = [Problem(pr.where.replace("row 1 header", f"row {h + 1} header"), pr.value, pr.expected,
                                pr.code) for pr in col_problems]
    if col_problems:
        raise DealsError(col_problems, source=source)
    report.columns = {f: header[i] for f, i in positions.items()}
    report.missing_optional = [f for f in FIELDS if f in OPTIONAL and f not in positions]

    start = h + 1
    n = table.nrows - start
    col = {f: table.cols[i][start:] for f, i in positions.items()}
    source_row = np.arange(start + 1, table.nrows + 1, dtype=np.int64)

    # blank rows: every mapped cell empty
    blank = np.ones(n, dtype=bool)
    for f, v in col.items():
        blank &= (v == "") if table.all_str else _by_unique(v, _is_blank).astype(bool)
        if not blank.any():
            break
    report.blank_rows = int(blank.sum())
    keep = ~blank
    report.rows_read = int(keep.sum())
    col = {f: v[keep] for f, v in col.items()}
    source_row = source_row[keep]

    def where(f: str, i: int) -> str:
        return f"{name}: row {int(source_row[i])}, column {report.columns[f]}"

    # R11: unstamped contracts are not entered
    stamped, bad = _bools(col["stamped"])
    for i, v in bad.items():
        add(where("stamped", i), v, BOOL_EXPECTED, "bool")
    unstamped = ~stamped
    bad_stamp = np.zeros(stamped.size, dtype=bool)
    bad_stamp[list(bad)] = True
    unstamped &= ~bad_stamp
    report.excluded_unstamped = int(unstamped.sum())
    report.unstamped_rows = [int(r) for r in source_row[unstamped]]
    sel = stamped  # bad stamp cells are False too; their error is already recorded
    col = {f: v[sel] for f, v in col.items()}
    source_row = source_row[sel]
    m = int(sel.sum())
    row_bad = np.zeros(m, dtype=bool)

    fen, amount_errors = amounts_to_fen(col["amount"])
    for i, exc in amount_errors.items():
        add(where("amount", i), exc.value, f"{AMOUNT_EXPECTED} ({exc.reason})", exc.code)
        row_bad[i] = True

    dates, date_errors = _dates(col["date"])
    for i, v in date_errors.items():
        add(where("date", i), v, DATE_EXPECTED, "date")
        row_bad[i] = True

    texts: dict[str, np.ndarray] = {}
    for f in _TEXT_FIELDS:
        t = _text_column(col[f], table.all_str)
        texts[f] = t
        empty = np.flatnonzero(t == "")
        for i in empty:
            add(where(f, int(i)), col[f][i], f"a non-blank {report.columns[f]}", "blank")
        row_bad[empty] = True

    flags: dict[str, np.ndarray] = {}
    for f in ("new_customer", "first_quote"):
        if f in col:
            flags[f], bad = _bools(col[f])
            for i, v in bad.items():
                add(where(f, i), v, BOOL_EXPECTED, "bool")
                row_bad[i] = True
        else:
            flags[f] = np.zeros(m, dtype=bool)

    # optional text: 客户区域 (R9 green channel); "" when the column is absent or blank
    customer_region = (_text_column(col["customer_region"], table.all_str) if "customer_region" in col
                       else np.full(m, "", dtype=object))

    prices: dict[str, pd.arrays.IntegerArray] = {}
    for f in ("quote", "list_price"):
        na = np.ones(m, dtype=bool)
        vals = np.zeros(m, dtype=np.int64)
        if f in col:
            present = ~_by_unique(col[f], _is_blank).astype(bool)
            idx = np.flatnonzero(present)
            pf, perr = amounts_to_fen(col[f][idx])
            vals[idx] = pf
            na[idx] = False
            for j, exc in perr.items():
                i = int(idx[j])
                add(where(f, i), exc.value, f"blank or {AMOUNT_EXPECTED} ({exc.reason})", exc.code)
                row_bad[i] = True
        prices[f] = pd.arrays.IntegerArray(vals, na)

    # duplicates among stamped rows (contract numbers compared loosely)
    keys = pd.Series(_by_unique(texts["contract_id"], lambda s: _contract_key(s or "")), dtype=object)
    dup_mask = keys.duplicated(keep=False).to_numpy() & (texts["contract_id"] != "")
    drop_dup = np.zeros(m, dtype=bool)
    if dup_mask.any():
        groups: dict[str, list[int]] = {}
        for i in np.flatnonzero(dup_mask):
            groups.setdefault(keys.iat[i], []).append(int(i))
        for key, idxs in groups.items():
            report.duplicates.append(Duplicate(str(texts["contract_id"][idxs[0]]),
                                               tuple(int(source_row[i]) for i in idxs)))
            good = [i for i in idxs if not row_bad[i]]
            for i in good[1:]:
                drop_dup[i] = True
            if len(good) > 1:
                differ = [f for f, arr in (("amount", fen), ("date", dates), ("rep", texts["rep"]),
                                           ("customer", texts["customer"]), ("region", texts["region"]),
                                           ("product", texts["product"]))
                          if len({arr[i] for i in good}) > 1]
                if differ:
                    report.warnings.append(Problem(
                        f"{name}: rows {', '.join(str(int(source_row[i])) for i in good)}, column "
                        f"{report.columns['contract_id']}", texts["contract_id"][good[0]],
                        f"identical copies; they differ in {', '.join(differ)}. Only row "
                        f"{int(source_row[good[0]])} is imported", "duplicate_conflict"))
    report.duplicates_dropped = int(drop_dup.sum())

    report.error_count = count[0]
    if count[0] > len(problems):
        problems.append(Problem(name, f"{count[0] - len(problems)} more problem(s)",
                                "a file with fewer errors (only the first ones are listed)", "too_many_errors"))
    report.errors = problems
    report.error_rows = int(row_bad.sum()) + int(bad_stamp.sum())
    if problems and strict:
        raise DealsError(problems, source=source)

    ok = ~row_bad & ~drop_dup
    k = int(ok.sum())
    deals = pd.DataFrame({
        "seq": np.arange(1, k + 1, dtype=np.int64),
        "source_row": source_row[ok].astype(np.int64),
        "date": pd.Series(dates[ok], dtype="datetime64[ns]"),
        "rep": _str_series(texts["rep"][ok]),
        "region": _str_series(texts["region"][ok]),
        "customer": _str_series(texts["customer"][ok]),
        "is_new_customer": flags["new_customer"][ok],
        "product": _str_series(texts["product"][ok]),
        "amount_fen": fen[ok].astype(np.int64),
        "contract_id": _str_series(texts["contract_id"][ok]),
        "stamped": np.ones(k, dtype=bool),
        "quote_fen": pd.Series(prices["quote"][ok], dtype="Int64"),
        "list_price_fen": pd.Series(prices["list_price"][ok], dtype="Int64"),
        "first_quote": flags["first_quote"][ok],
        "customer_region": _str_series(customer_region[ok]),
    }, columns=list(DEALS_COLUMNS))
    report.imported = k
    return DealsImport(deals, report)


def _str_series(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype="str")
