"""A streaming lxml reader for .xlsx: values, formulas, styles, properties, names.

Consolidation needs, for each cell, the *formula text* (an edited formula is reported)
and the *style id* (locked-ness comes from ``styles.xml``) as well as the value;
python-calamine returns cached values only, and openpyxl is much slower at reading a
whole workbook.

Safety: every file goes through :func:`salesplan.xlsx.preflight.preflight_xlsx` first
(zip bombs, DTD/entity declarations, missing parts, absurd dimensions, encryption); the
parts are then parsed by lxml with entities, DTDs and the network off
(``resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False``). The
preflight inflates every part anyway, and the parts this reader needs are kept from
that pass; a worksheet is streamed row by row, so memory stays flat on big sheets.

API::

    with XlsxFile(path) as x:                      # preflight + workbook.xml
        x.sheet_names                              # in workbook order
        x.sheets                                   # SheetInfo(name, sheet_id, state, part)
        x.defined_names                            # DefinedName(name, value, local_sheet_id, hidden)
        x.custom_properties                        # {name: value} from docProps/custom.xml
        x.saved_at                                 # dcterms:modified of docProps/core.xml (or None)
        cells = x.read_sheet("华东区")              # {"A1": Cell(value, formula, style, type, raw)}
        some = x.read_cells("华东区", {"C5", "D5"}) # only those
        x.is_locked(cells["C5"].style)             # cellXfs protection; locked by default

Values: numbers are ``int`` when the stored text is an integer, else ``float``; ``raw``
keeps the stored text. Shared and inline strings are resolved (``_xHHHH_`` escapes
decoded, phonetic runs skipped). Booleans are ``bool``; errors (``t="e"``) are their
text with ``type == "e"``; dates stay serial numbers unless the cell is typed ``t="d"``
(then a ``datetime``). A formula's text has no ``=``; shared formulas are translated to
each cell, so a formula reads the same whichever application saved the file.
"""
from __future__ import annotations

import datetime as _dt
import io
import os
import posixpath
import re
import zipfile
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, NamedTuple

from lxml import etree

from salesplan.xlsx.preflight import XML_PARSER_OPTIONS, UnsafeFileError, preflight_xlsx

__all__ = ["Cell", "SheetInfo", "DefinedName", "XlsxFile", "UnsafeFileError", "split_address", "column_letter",
           "column_index"]

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
REL_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
REL_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
REL_SST = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
REL_STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
_MODIFIED = "{http://purl.org/dc/terms/}modified"

_M = "{%s}" % NS_MAIN
_C, _ROW, _V, _F, _IS, _T, _R, _SI = (_M + t for t in ("c", "row", "v", "f", "is", "t", "r", "si"))

_INT = re.compile(r"^[+-]?\d+$")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_ADDR = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_SMALL = 16 * 1024 * 1024          # a structural part (workbook, styles, properties) is at most this


class Cell(NamedTuple):
    value: Any                 # int | float | str | bool | datetime | None
    formula: str | None        # without the leading "="
    style: int                 # index into cellXfs (0 when absent)
    type: str                  # "n", "s", "str", "inlineStr", "b", "e", "d" ("n" when absent)
    raw: str | None            # the stored text of <v> (or the inline string)


@dataclass(frozen=True)
class SheetInfo:
    name: str
    sheet_id: str
    state: str                 # "visible", "hidden", "veryHidden"
    part: str                  # zip entry name, e.g. "xl/worksheets/sheet1.xml"


@dataclass(frozen=True)
class DefinedName:
    name: str
    value: str
    local_sheet_id: int | None
    hidden: bool


def column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def column_letter(index: int) -> str:
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


_COLUMNS = {column_letter(i): i for i in range(1, 703)}      # A … ZZ: a column's number without arithmetic


def split_address(address: str) -> tuple[str, int]:
    """``"$C$12"`` → ``("C", 12)``."""
    m = _ADDR.match(address)
    if not m:
        raise ValueError(f"not a cell address: {address!r}")
    return m.group(1).upper(), int(m.group(2))


def _unescape(text: str) -> str:
    """Excel's ``_xHHHH_`` escapes of characters XML cannot hold."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _rich_text(elem: Any) -> str:
    """Text of an <si> or <is>: direct <t>, or the <t> of each run; phonetic runs skipped."""
    if len(elem) == 1 and elem[0].tag == _T:          # plain text, the usual case
        return _unescape(elem[0].text or "")
    parts = []
    for child in elem:
        if child.tag == _T:
            parts.append(child.text or "")
        elif child.tag == _R:
            parts.extend(t.text or "" for t in child if t.tag == _T)
    return _unescape("".join(parts))


def _typed(t: str, raw: str) -> Any:
    if t == "n":
        return int(raw) if _INT.match(raw) else float(raw)
    if t == "str":
        return _unescape(raw)
    if t == "b":
        return raw.strip() in ("1", "true")
    if t == "d":
        try:
            return _dt.datetime.fromisoformat(raw)
        except ValueError:
            return raw
    return raw  # "e" (errors) and anything unknown: the text


def _translate(formula: str, origin: str, dest: str) -> str:
    """A shared formula's text moved from its master cell to ``dest`` (Excel's rule)."""
    from openpyxl.formula.translate import Translator

    return Translator("=" + formula, origin=origin).translate_formula(dest)[1:]


def _reader_part(name: str) -> bool:
    """The parts :class:`XlsxFile` reads (kept from the preflight's pass)."""
    return name.endswith(".rels") or name.startswith(("xl/", "docProps/"))


def _resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(base_dir, target))


class XlsxFile:
    """One .xlsx opened for raw reading (see the module docstring)."""

    def __init__(self, path: str | os.PathLike, *, preflight: bool = True, **preflight_limits: Any):
        self.path = str(path)
        self._zip: zipfile.ZipFile | None = None
        self._parts: dict[str, bytes] = {}
        self.sha256: str | None = None        # of the file the preflight read (when it held it)
        if preflight:
            kept = preflight_xlsx(path, keep=_reader_part, **preflight_limits) or {}
            self._parts = dict(kept)
            self.sha256 = getattr(kept, "sha256", None)
        self._names = set(self._zipfile().namelist())
        self.max_sheet_bytes = int(preflight_limits.get("max_uncompressed", 256 * 1024 * 1024))
        self._shared: list[str] | None = None
        self._locked: list[bool] | None = None
        self._custom: dict[str, Any] | None = None
        try:
            self._read_workbook()
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ plumbing
    def _zipfile(self) -> zipfile.ZipFile:
        if self._zip is None:
            try:
                self._zip = zipfile.ZipFile(self.path)
            except (FileNotFoundError, PermissionError):     # the caller says so with the file's name
                raise
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise UnsafeFileError(self.path, "not_zip", f"unreadable zip: {exc}") from None
        return self._zip

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        self._parts = {}

    def __enter__(self) -> "XlsxFile":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _read(self, name: str, cap: int) -> bytes:
        """A part's bytes, refused when over ``cap``."""
        data = self._parts.get(name)
        if data is None:
            if name not in self._names:
                raise UnsafeFileError(self.path, "missing_part", f"{name} is missing")
            try:
                with self._zipfile().open(name) as fh:
                    data = fh.read(cap + 1)
            except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
                raise UnsafeFileError(self.path, "corrupt", f"{name!r}: {exc}") from None
        if len(data) > cap:
            raise UnsafeFileError(self.path, "zip_bomb", f"{name!r} is over {cap:,} bytes")
        if b"<!" in data and re.search(rb"<!\s*(?:DOCTYPE|ENTITY)", data, re.IGNORECASE):
            raise UnsafeFileError(self.path, "xml_entities", f"{name!r} declares a DOCTYPE/ENTITY")
        return data

    def _parse(self, name: str) -> Any:
        try:
            return etree.fromstring(self._read(name, _SMALL), etree.XMLParser(**XML_PARSER_OPTIONS))
        except etree.XMLSyntaxError as exc:
            raise UnsafeFileError(self.path, "corrupt", f"{name!r} is not well-formed XML: {exc}") from None

    def _iter(self, name: str, tag: Any) -> Iterator[Any]:
        """Stream the elements ``tag`` of a part (each handed over at its end)."""
        fh = io.BytesIO(self._read(name, self.max_sheet_bytes))
        try:
            for _, el in etree.iterparse(fh, events=("end",), tag=tag, **XML_PARSER_OPTIONS):
                yield el
        except etree.XMLSyntaxError as exc:
            raise UnsafeFileError(self.path, "corrupt", f"{name!r} is not well-formed XML: {exc}") from None

    def _rels(self, name: str) -> dict[str, tuple[str, str]]:
        """rId → (type, resolved target) of a part's relationships (empty when absent)."""
        d, base = posixpath.split(name)
        rels_name = posixpath.join(d, "_rels", base + ".rels")
        if rels_name not in self._names:
            return {}
        return {rel.get("Id") or "": (rel.get("Type") or "", _resolve(d, rel.get("Target") or ""))
                for rel in self._parse(rels_name).iter("{%s}Relationship" % NS_REL)
                if rel.get("TargetMode") != "External"}

    def _part_of_type(self, rels: dict[str, tuple[str, str]], rel_type: str, default: str) -> str | None:
        for typ, target in rels.values():
            if typ == rel_type:
                return target if target in self._names else None
        return default if default in self._names else None

    def _read_workbook(self) -> None:
        self._root_rels = self._rels("")            # _rels/.rels
        wb_name = next((t for typ, t in self._root_rels.values() if typ.endswith("/officeDocument")),
                       "xl/workbook.xml")
        self._wb_rels = self._rels(wb_name)
        root = self._parse(wb_name)
        self.sheets: list[SheetInfo] = []
        for sh in root.iter(_M + "sheet"):
            rid = sh.get("{%s}id" % NS_R) or ""
            if rid not in self._wb_rels:
                raise UnsafeFileError(self.path, "missing_part", f"sheet {sh.get('name')!r} has no relationship {rid!r}")
            self.sheets.append(SheetInfo(sh.get("name") or "", sh.get("sheetId") or "", sh.get("state") or "visible",
                                         self._wb_rels[rid][1]))
        self.defined_names: list[DefinedName] = []
        for dn in root.iter(_M + "definedName"):
            local = dn.get("localSheetId")
            self.defined_names.append(DefinedName(dn.get("name") or "", dn.text or "",
                                                  int(local) if local is not None and local.isdigit() else None,
                                                  dn.get("hidden") in ("1", "true")))
        self._by_name = {s.name: s for s in self.sheets}
        pr = root.find(_M + "workbookPr")
        self.date1904 = pr is not None and pr.get("date1904") in ("1", "true")

    # ------------------------------------------------------------------ workbook-level parts
    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    @property
    def custom_properties(self) -> dict[str, Any]:
        """docProps/custom.xml as ``{name: value}`` (str, int, float, bool, datetime)."""
        if self._custom is None:
            self._custom = {}
            part = self._part_of_type(self._root_rels, REL_CUSTOM, "docProps/custom.xml")
            if part is not None:
                for prop in self._parse(part).iter("{%s}property" % NS_CUSTOM):
                    name = prop.get("name")
                    if name and len(prop):
                        self._custom[name] = _property_value(prop[0])
        return self._custom

    @property
    def saved_at(self) -> _dt.datetime | None:
        """When the file was last saved, as its application wrote it (``dcterms:modified``, UTC)."""
        part = self._part_of_type(self._root_rels, REL_CORE, "docProps/core.xml")
        el = self._parse(part).find(_MODIFIED) if part is not None else None
        try:
            t = _dt.datetime.fromisoformat((el.text or "").strip().replace("Z", "+00:00")) if el is not None else None
        except ValueError:
            return None
        return t.replace(tzinfo=_dt.timezone.utc) if t is not None and t.tzinfo is None else t

    @property
    def shared_strings(self) -> list[str]:
        if self._shared is None:
            part = self._part_of_type(self._wb_rels, REL_SST, "xl/sharedStrings.xml")
            self._shared = []
            if part is not None:
                for si in self._iter(part, _SI):
                    self._shared.append(_rich_text(si))
                    si.clear()
        return self._shared

    def is_locked(self, style: int) -> bool:
        """Locked unless the cell's cellXfs entry has ``<protection locked="0"/>`` (Excel's default)."""
        if self._locked is None:
            self._locked = []
            part = self._part_of_type(self._wb_rels, REL_STYLES, "xl/styles.xml")
            xfs = self._parse(part).find(_M + "cellXfs") if part is not None else None
            for xf in (xfs.iter(_M + "xf") if xfs is not None else ()):
                prot = xf.find(_M + "protection")
                self._locked.append(prot is None or prot.get("locked") not in ("0", "false"))
        return self._locked[style] if 0 <= style < len(self._locked) else True

    def date_styles(self) -> tuple[frozenset[int], frozenset[int]]:
        """(date, duration) cellXfs indices: the styles whose number format openpyxl reads
        as a date / a time span (classed by openpyxl's own ``is_date_format``)."""
        from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format

        part = self._part_of_type(self._wb_rels, REL_STYLES, "xl/styles.xml")
        root = self._parse(part) if part is not None else None
        if root is None:
            return frozenset(), frozenset()
        custom = {f.get("numFmtId"): f.get("formatCode") or "" for f in root.iter(_M + "numFmt")}
        xfs = root.find(_M + "cellXfs")
        dates, spans = set(), set()
        for i, xf in enumerate(xfs.iter(_M + "xf") if xfs is not None else ()):
            fid = xf.get("numFmtId") or "0"
            fmt = custom.get(fid) or (builtin_format_code(int(fid)) if fid.isdigit() else None)
            if fmt and is_date_format(fmt):
                dates.add(i)
                if is_timedelta_format(fmt):
                    spans.add(i)
        return frozenset(dates), frozenset(spans)

    def sheet_info(self, sheet: str) -> SheetInfo:
        try:
            return self._by_name[sheet]
        except KeyError:
            raise KeyError(f"{self.path}: no sheet {sheet!r} (sheets: {', '.join(self.sheet_names)})") from None

    def sheet_protected(self, sheet: str) -> bool:
        """True when the sheet has ``<sheetProtection sheet="1">``."""
        for el in self._iter(self.sheet_info(sheet).part, _M + "sheetProtection"):
            return el.get("sheet") in ("1", "true")
        return False

    # ------------------------------------------------------------------ cells
    def iter_cells(self, sheet: str, *, rows: set[int] | None = None,
                   max_row: int | None = None) -> Iterator[tuple[str, Cell]]:
        """Every stored cell of ``sheet`` in file order as ``(address, Cell)``; ``rows``
        limits the result to those row numbers, ``max_row`` stops after that row."""
        shared_f: dict[str, tuple[str, str]] = {}   # si -> (master address, formula text)
        row_no = 0
        for row in self._iter(self.sheet_info(sheet).part, _ROW):
            r = row.get("r")
            row_no = int(r) if r and r.isdigit() else row_no + 1
            if max_row is not None and row_no > max_row:
                return
            prev = None                  # the previous cell's address (for a cell without one)
            for c in row:
                if c.tag != _C:
                    continue
                addr = c.get("r") or _next_address(prev, row_no)
                prev = addr
                cell = self._cell(sheet, addr, c, shared_f)
                if rows is None or row_no in rows:
                    yield addr, cell
            row.clear()
            while row.getprevious() is not None:           # keep memory flat on big sheets
                del row.getparent()[0]

    def _cell(self, sheet: str, addr: str, c: Any, shared_f: dict[str, tuple[str, str]]) -> Cell:
        t = c.get("t") or "n"
        s = c.get("s")
        style = int(s) if s else 0
        raw = formula = None
        for ch in c:
            tag = ch.tag
            if tag == _V:
                raw = ch.text
            elif tag == _F:
                formula = self._shared_formula(ch, addr, shared_f) if ch.get("t") == "shared" else ch.text or ""
            elif tag == _IS:
                raw = _rich_text(ch)
        if raw is None or (raw == "" and t not in ("str", "s", "inlineStr")):
            return Cell(None, formula, style, t, None)
        if t == "inlineStr":
            return Cell(raw, formula, style, t, raw)
        if t == "s":
            sst = self.shared_strings
            if not raw.isdigit() or int(raw) >= len(sst):
                raise UnsafeFileError(self.path, "corrupt", f"{sheet}!{addr}: shared string {raw} does not exist")
            return Cell(sst[int(raw)], formula, style, t, raw)
        try:
            return Cell(_typed(t, raw), formula, style, t, raw)
        except ValueError:
            raise UnsafeFileError(self.path, "corrupt", f"{sheet}!{addr}: {raw!r} is not a number") from None

    @staticmethod
    def _shared_formula(f: Any, addr: str, shared_f: dict[str, tuple[str, str]]) -> str:
        """A shared formula's text in ``addr`` (translated from its master cell)."""
        text = f.text
        si = f.get("si") or ""
        if text:
            shared_f[si] = (addr, text)
        elif si in shared_f:
            text = _translate(shared_f[si][1], shared_f[si][0], addr)
        return text or ""

    def grid(self, sheet: str, *, dates: frozenset[int] = frozenset(), convert: Any = None,
             columns: Iterable[int] | None = None) -> list[list[Any]]:
        """The sheet's rows as lists of values (row ``i`` at index ``i - 1``, a cell at its
        column's index, gaps ``None``); a formula cell as ``"=" + formula``; a number
        whose style is in ``dates`` as ``convert(number, style)``. ``columns``: only the
        cells of those column numbers (the others are left ``None`` and cost only their
        parse). The whole-sheet read of :class:`salesplan.xlsx.registry.LxmlBook`."""
        wanted = None if columns is None else frozenset(columns)
        shared_f: dict[str, tuple[str, str]] = {}
        out: list[list[Any]] = []
        cols = _COLUMNS
        for row in self._iter(self.sheet_info(sheet).part, _ROW):
            r = row.get("r")
            row_no = int(r) if r and r.isdigit() else len(out) + 1
            line: list[Any] = []
            col = 0
            for c in row:
                if c.tag != _C:
                    continue
                addr = c.get("r")
                if addr:
                    letters = addr.rstrip("0123456789")
                    col = cols.get(letters) or column_index(letters)
                else:
                    col += 1
                    addr = f"{column_letter(col)}{row_no}"
                if wanted is not None and col not in wanted:
                    if len(c) and c[0].tag == _F and c[0].get("t") == "shared":   # a master others may share
                        self._shared_formula(c[0], addr, shared_f)
                    continue
                cell = self._cell(sheet, addr, c, shared_f)
                if cell.formula is not None:
                    v = "=" + cell.formula
                elif cell.type == "n" and cell.value is not None and cell.style in dates:
                    v = convert(cell.value, cell.style)
                else:
                    v = cell.value
                if v is None:
                    continue
                if len(line) < col:
                    line.extend([None] * (col - len(line)))
                line[col - 1] = v
            if row_no > len(out):
                out.extend([] for _ in range(row_no - len(out)))
            out[row_no - 1] = line
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]
        return out

    def read_sheet(self, sheet: str) -> dict[str, Cell]:
        return dict(self.iter_cells(sheet))

    def read_cells(self, sheet: str, addresses: Iterable[str]) -> dict[str, Cell]:
        """Only ``addresses`` (normalised to ``"C12"``); absent cells are left out."""
        wanted = {"%s%d" % split_address(a) for a in addresses}
        if not wanted:
            return {}
        rows = {split_address(a)[1] for a in wanted}
        return {a: c for a, c in self.iter_cells(sheet, rows=rows, max_row=max(rows)) if a in wanted}


def _next_address(prev: str | None, row: int) -> str:
    """The address of a cell stored without one: the column after ``prev`` in ``row``."""
    m = _ADDR.match(prev) if prev else None
    return f"{column_letter(column_index(m.group(1)) + 1 if m else 1)}{row}"


def _property_value(v: Any) -> Any:
    """A custom property's typed value (``vt:i4``, ``vt:bool`` …; text when it does not parse)."""
    kind = etree.QName(v).localname
    text = v.text or ""
    try:
        if kind in ("i1", "i2", "i4", "i8", "int", "ui1", "ui2", "ui4", "ui8", "uint"):
            return int(text)
        if kind in ("r4", "r8", "decimal"):
            return float(text)
        if kind == "bool":
            return text.strip().lower() in ("1", "true")
        if kind == "filetime":
            return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    return text
