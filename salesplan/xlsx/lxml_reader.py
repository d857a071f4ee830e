"""A fast, safe raw reader for .xlsx files written by openpyxl, Excel or LibreOffice.

Why our own reader: consolidation needs, for each cell, the *formula text* (to detect
edited formulas) and the *style id* (to judge locked-ness from ``styles.xml``) as well
as the value. python-calamine is faster at values but returns only cached values and
no formulas or styles; openpyxl returns everything but is an order of magnitude slower.

Safety: every file goes through :func:`salesplan.xlsx.preflight.preflight_xlsx` first
(zip bombs, DTD/entity declarations, missing parts, absurd dimensions, encryption) and
is then read part by part with ``zipfile`` + ``lxml`` configured with
``resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False``. The
preflight inflates (and checks) every part anyway, so the parts this reader needs —
workbook, relationships, styles, shared strings, custom properties, worksheets, up to
64 MiB in all — are kept from that one pass and handed over only once the *whole* file
has passed; nothing is inflated twice (larger parts are read from the zip again, under
the same caps). Structural parts (relationships, workbook, styles) are parsed once per
distinct content: the regional files of one split share them.

API::

    with XlsxFile(path) as x:                      # preflight + workbook.xml
        x.sheet_names                              # in workbook order
        x.sheets                                   # SheetInfo(name, sheet_id, state, part)
        x.defined_names                            # DefinedName(name, value, local_sheet_id, hidden)
        x.custom_properties                        # {name: value} from docProps/custom.xml
        cells = x.read_sheet("华东区")              # {"A1": Cell(value, formula, style, type, raw)}
        some = x.read_cells("华东区", {"C5", "D5"}) # only those, stops after the last wanted row
        x.is_locked(cells["C5"].style)             # cellXfs protection; locked by default

Values: numbers are ``int`` when the stored text is an integer, else ``float``; ``raw``
keeps the stored text so callers can compare exactly (``Decimal(raw)``). Shared and
inline strings are resolved (``_xHHHH_`` escapes decoded, phonetic runs skipped).
Booleans are ``bool``; errors (``t="e"``) are their text (``"#DIV/0!"``) with
``type == "e"``; dates stay serial numbers unless the cell is typed ``t="d"`` (then a
``datetime``). A formula cell's ``formula`` is the text without ``=``; shared formulas
(Excel writes them for filled ranges) are translated to each cell, so a formula reads
the same whether openpyxl or Excel saved the file.
"""
from __future__ import annotations

import datetime as _dt
import io
import os
import posixpath
import re
import zipfile
from dataclasses import dataclass
from collections.abc import Mapping
from operator import itemgetter
from typing import Any, Iterable, Iterator, NamedTuple

from lxml import etree

from salesplan.xlsx.preflight import XML_PARSER_OPTIONS, UnsafeFileError, preflight_xlsx, xml_parser

_scan_cells = _scan_sheet = _xml_unescape_c = None

__all__ = [
    "Cell",
    "SheetInfo",
    "DefinedName",
    "XlsxFile",
    "UnsafeFileError",
    "split_address",
    "column_letter",
    "column_index",
]

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
NS_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
REL_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
REL_SST = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
REL_STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"

_M = "{%s}" % NS_MAIN
_C, _ROW, _V, _F, _IS, _T, _R, _RPH, _SI = (_M + t for t in ("c", "row", "v", "f", "is", "t", "r", "rPh", "si"))

# the preflight's safe parser options (entities, DTDs and the network off; see preflight)
_PARSER_KW = XML_PARSER_OPTIONS

_INT = re.compile(r"^[+-]?\d+$")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_ADDR = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_ROW_OF = re.compile(r"\d+")
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# one cell in the layout openpyxl, Excel and LibreOffice write: r first, then optional s, t
# (the lazy ``.*?</c>`` is twice as fast in sre as an unrolled ``(?:<(?!/c>)[^<]*)*``; a
# nested or unclosed <c> is caught by the "<c" count check in _fast_scan either way)
_FAST_CELL = re.compile(r'<c r="([A-Z]{1,3}[0-9]+)"(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?([^>/]*)'
                        r'(?:/>|>(.*?)</c>)', re.DOTALL)
_FAST_F = re.compile(r"<f(\s[^>]*?)?(?:/>|>([^<]*)</f>)")
_FAST_V = re.compile(r"<v(?:\s[^>]*)?>([^<]*)</v>")
_FAST_IS = re.compile(r"<is>(.*?)</is>", re.S)
_FAST_T = re.compile(r"<t(?:\s[^>]*)?>([^<]*)</t>")
_RPH = re.compile(r"<rPh\b.*?</rPh>", re.S)
_SI_ATTR = re.compile(r'\bsi="([^"]*)"')
_FIRST = itemgetter(0)


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


def split_address(address: str) -> tuple[str, int]:
    """``"$C$12"`` → ``("C", 12)``."""
    m = _ADDR.match(address)
    if not m:
        raise ValueError(f"not a cell address: {address!r}")
    return m.group(1).upper(), int(m.group(2))


def _unescape(text: str) -> str:
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _rich_text(elem) -> str:
    """Text of an <si> or <is>: direct <t>, or the <t> of each run; phonetic runs skipped."""
    parts = []
    for child in elem:
        tag = child.tag
        if tag == _T:
            parts.append(child.text or "")
        elif tag == _R:
            for t in child:
                if t.tag == _T:
                    parts.append(t.text or "")
    return _unescape("".join(parts))


def _number(text: str) -> int | float:
    if _INT.match(text):
        return int(text)
    return float(text)


_READER_PARTS = frozenset({"xl/workbook.xml", "xl/styles.xml", "xl/sharedStrings.xml", "docProps/custom.xml"})


def _reader_part(name: str) -> bool:
    """The parts :class:`XlsxFile` reads (others are read from the zip if ever needed)."""
    return name in _READER_PARTS or name.endswith(".rels") or name.startswith("xl/worksheets/")


_STRUCT_CACHE: dict[tuple[str, bytes], Any] = {}
_STRUCT_MAX = 256 * 1024           # parts up to this size are memoised by content


def _rels_of(root) -> tuple[tuple[str, str, str], ...]:
    return tuple((rel.get("Id") or "", rel.get("Type") or "", rel.get("Target") or "")
                 for rel in root.iter("{%s}Relationship" % NS_REL) if rel.get("TargetMode") != "External")


def _workbook_of(root) -> tuple[tuple[tuple[str | None, str, str, str], ...], tuple[DefinedName, ...]]:
    sheets = tuple((sh.get("name"), sh.get("sheetId") or "", sh.get("state") or "visible",
                    sh.get("{%s}id" % NS_R) or "") for sh in root.iter(_M + "sheet"))
    names = []
    for dn in root.iter(_M + "definedName"):
        local = dn.get("localSheetId")
        names.append(DefinedName(dn.get("name") or "", dn.text or "",
                                 int(local) if local is not None and local.isdigit() else None,
                                 dn.get("hidden") in ("1", "true")))
    return sheets, tuple(names)


def _xfs_of(root) -> tuple[tuple[bool, bool, int], ...]:
    xfs = []
    cell_xfs = root.find(_M + "cellXfs")
    if cell_xfs is not None:
        for xf in cell_xfs.iter(_M + "xf"):
            prot = xf.find(_M + "protection")
            locked = hidden = None
            if prot is not None:
                locked = prot.get("locked")
                hidden = prot.get("hidden")
            xfs.append((locked not in ("0", "false"), hidden in ("1", "true"), int(xf.get("numFmtId") or 0)))
    return tuple(xfs)


def _resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(base_dir, target))


class XlsxFile:
    """One .xlsx opened for raw reading (see the module docstring)."""

    def __init__(self, path: str | os.PathLike, *, preflight: bool = True, **preflight_limits: Any):
        self.path = str(path)
        self._zip_: zipfile.ZipFile | None = None
        self.sha256: str | None = None        # of the file the preflight read (when it held it)
        # the preflight inflates and checks every part; the parts this reader reads are
        # kept from that pass instead of being opened and inflated a second time
        self._parts: dict[str, bytes] = {}
        self._trees: dict[str, Any] = {}       # structural parts the preflight parsed
        if preflight:
            kept = preflight_xlsx(path, keep=_reader_part, **preflight_limits)
            self._parts = kept
            self._trees = kept.trees
            self._names = set(kept.names)
            self.sha256 = kept.sha256
        else:
            self._names = set(self._zipfile().namelist())
        self._shared: list[str] | None = None
        self._xfs: list[tuple[bool, bool, int]] | None = None
        self._custom: dict[str, Any] | None = None
        self.max_sheet_bytes = int(preflight_limits.get("max_uncompressed", 256 * 1024 * 1024))
        try:
            self._read_workbook()
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ plumbing
    def _zipfile(self) -> zipfile.ZipFile:
        if self._zip_ is None:
            try:
                self._zip_ = zipfile.ZipFile(self.path)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise UnsafeFileError(self.path, "not_zip", f"unreadable zip: {exc}") from None
        return self._zip_

    def close(self) -> None:
        if self._zip_ is not None:
            self._zip_.close()
        self._parts = {}
        self._trees = {}

    def __enter__(self) -> "XlsxFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _open(self, name: str):
        data = self._parts.get(name)
        if data is not None:
            fh = io.BytesIO(data)
            fh.name = name                     # as a zip member's: lxml names it in its messages
            return fh
        if name not in self._names:
            raise UnsafeFileError(self.path, "missing_part", f"{name} is missing")
        try:
            return self._zipfile().open(name)
        except KeyError:
            raise UnsafeFileError(self.path, "missing_part", f"{name} is missing") from None

    def _iter(self, name: str, tag, events=("end",)):
        fh = self._open(name)
        try:
            yield from etree.iterparse(fh, events=events, tag=tag, **_PARSER_KW)
        except etree.XMLSyntaxError as exc:
            raise UnsafeFileError(self.path, "corrupt", f"{name!r} is not well-formed XML: {exc}") from None
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise UnsafeFileError(self.path, "corrupt", f"{name!r}: {exc}") from None
        finally:
            fh.close()

    def _read(self, name: str, cap: int) -> bytes:
        """A part's bytes, at most ``cap + 1`` of them."""
        data = self._parts.get(name)
        if data is not None:
            return data[:cap + 1] if len(data) > cap else data
        with self._open(name) as fh:
            return fh.read(cap + 1)

    def _parse_small(self, name: str):
        return self._parse_bytes(name, self._small_bytes(name))

    def _small_bytes(self, name: str) -> bytes:
        data = self._read(name, 16 * 1024 * 1024)
        if len(data) > 16 * 1024 * 1024:
            raise UnsafeFileError(self.path, "zip_bomb", f"{name!r} is over 16 MiB")
        return data

    def _parse_bytes(self, name: str, data: bytes):
        try:
            return etree.fromstring(data, xml_parser())
        except etree.XMLSyntaxError as exc:
            raise UnsafeFileError(self.path, "corrupt", f"{name!r} is not well-formed XML: {exc}") from None

    def _extract(self, kind: str, name: str, extract):
        """``extract(parsed part)`` (an immutable result), memoised on the part's bytes:
        the regional files of one split share their workbook, relationship and style parts."""
        data = self._small_bytes(name)
        key = (kind, data) if len(data) <= _STRUCT_MAX else None
        if key is not None:
            hit = _STRUCT_CACHE.get(key)
            if hit is not None:
                return hit
        tree = self._trees.get(name)
        result = extract(tree if tree is not None else self._parse_bytes(name, data))
        if key is not None:
            if len(_STRUCT_CACHE) >= 256:
                _STRUCT_CACHE.clear()
            _STRUCT_CACHE[key] = result
        return result

    def _rels(self, name: str) -> dict[str, tuple[str, str]]:
        """rId → (type, resolved target) of a part's relationships (empty when absent)."""
        d, base = posixpath.split(name)
        rels_name = posixpath.join(d, "_rels", base + ".rels")
        if rels_name not in self._names:
            return {}
        out = {}
        for rid, typ, target in self._extract("rels", rels_name, _rels_of):
            out[rid] = (typ, _resolve(d, target))
        return out

    def _read_workbook(self) -> None:
        root_rels = self._rels("")  # _rels/.rels
        self._root_rels = root_rels
        wb_name = "xl/workbook.xml"
        for typ, target in root_rels.values():
            if typ.endswith("/officeDocument"):
                wb_name = target
        self._wb_rels = self._rels(wb_name)
        sheets, names = self._extract("workbook", wb_name, _workbook_of)
        self.sheets: list[SheetInfo] = []
        for name, sheet_id, state, rid in sheets:
            typ_target = self._wb_rels.get(rid)
            if typ_target is None:
                raise UnsafeFileError(self.path, "missing_part", f"sheet {name!r} has no relationship {rid!r}")
            self.sheets.append(SheetInfo(name or "", sheet_id, state, typ_target[1]))
        self.defined_names: list[DefinedName] = list(names)
        self._by_name = {s.name: s for s in self.sheets}

    # ------------------------------------------------------------------ workbook-level parts
    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    @property
    def part_names(self) -> list[str]:
        return self._zipfile().namelist()

    def _part_of_type(self, rels: dict[str, tuple[str, str]], rel_type: str, default: str) -> str | None:
        for typ, target in rels.values():
            if typ == rel_type:
                return target if target in self._names else None
        return default if default in self._names else None

    @property
    def custom_properties(self) -> dict[str, Any]:
        """docProps/custom.xml as ``{name: value}`` (str, int, float, bool, datetime)."""
        if self._custom is None:
            self._custom = {}
            part = self._part_of_type(self._root_rels, REL_CUSTOM, "docProps/custom.xml")
            if part is not None:
                for prop in self._parse_small(part).iter("{%s}property" % NS_CUSTOM):
                    name = prop.get("name")
                    if not name or len(prop) == 0:
                        continue
                    v = prop[0]
                    kind = etree.QName(v).localname
                    text = v.text or ""
                    value: Any = text
                    try:
                        if kind in ("i1", "i2", "i4", "i8", "int", "ui1", "ui2", "ui4", "ui8", "uint"):
                            value = int(text)
                        elif kind in ("r4", "r8", "decimal"):
                            value = float(text)
                        elif kind == "bool":
                            value = text.strip().lower() in ("1", "true")
                        elif kind == "filetime":
                            value = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
                    except ValueError:
                        value = text
                    self._custom[name] = value
        return self._custom

    @property
    def shared_strings(self) -> list[str]:
        if self._shared is None:
            out: list[str] = []
            part = self._part_of_type(self._wb_rels, REL_SST, "xl/sharedStrings.xml")
            if part is not None:
                for _, si in self._iter(part, _SI):
                    out.append(_rich_text(si))
                    si.clear()
            self._shared = out
        return self._shared

    def _styles(self) -> list[tuple[bool, bool, int]]:
        if self._xfs is None:
            part = self._part_of_type(self._wb_rels, REL_STYLES, "xl/styles.xml")
            self._xfs = list(self._extract("styles", part, _xfs_of)) if part is not None else []
        return self._xfs

    def is_locked(self, style: int) -> bool:
        """Locked unless the cell's cellXfs entry has ``<protection locked="0"/>`` (Excel's default)."""
        xfs = self._styles()
        return xfs[style][0] if 0 <= style < len(xfs) else True

    def number_format_id(self, style: int) -> int:
        xfs = self._styles()
        return xfs[style][2] if 0 <= style < len(xfs) else 0

    def sheet_info(self, sheet: str) -> SheetInfo:
        try:
            return self._by_name[sheet]
        except KeyError:
            raise KeyError(f"{self.path}: no sheet {sheet!r} (sheets: {', '.join(self.sheet_names)})") from None

    # ------------------------------------------------------------------ cells
    def _sheet_bytes_text(self, part: str) -> tuple[bytes, str]:
        data = self._read(part, self.max_sheet_bytes)
        if len(data) > self.max_sheet_bytes:
            raise UnsafeFileError(self.path, "zip_bomb", f"{part!r} is over {self.max_sheet_bytes:,} bytes")
        if b"!" in data and _DTD.search(data):     # "!" is rare: memchr first
            raise UnsafeFileError(self.path, "xml_entities", f"{part!r} declares a DOCTYPE/ENTITY")
        try:
            return data, data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UnsafeFileError(self.path, "xml_encoding", f"{part!r} is not UTF-8") from None

    def iter_cells(self, sheet: str, *, rows: set[int] | None = None, max_row: int | None = None,
                   engine: str = "auto") -> Iterator[tuple[str, Cell]]:
        """Every stored cell of ``sheet`` in file order as ``(address, Cell)``.

        ``rows`` limits materialisation to those row numbers; ``max_row`` stops after
        that row. ``engine``: ``"fast"`` (one regular-expression pass over the sheet
        XML, for the ``<c r=… s=… t=…>`` layout every common writer produces),
        ``"lxml"`` (streaming ``iterparse``; any valid layout) or ``"auto"`` (fast,
        falling back to lxml for the whole sheet when a cell does not fit the fast
        layout — cells without ``r``, other attribute orders, prefixed elements).
        """
        part = self.sheet_info(sheet).part
        if engine != "lxml":
            cells = self._fast_cells(sheet, part)
            if cells is not None:
                for addr, cell in cells:
                    if rows is not None or max_row is not None:
                        row = int(_ROW_OF.search(addr).group(0))
                        if max_row is not None and row > max_row:
                            return
                        if rows is not None and row not in rows:
                            continue
                    yield addr, cell
                return
            if engine == "fast":
                raise ValueError(f"{self.path}: sheet {sheet!r} does not fit the fast layout")
        yield from self._lxml_cells(sheet, part, rows, max_row)

    def _fast_found(self, part: str) -> list[tuple[str, str, str, str, str]] | None:
        return self._fast_found_text(part)[1]

    def _fast_found_text(self, part: str) -> tuple[str, list[tuple[str, str, str, str, str]] | None]:
        data, text = self._sheet_bytes_text(part)
        return text, self._fast_scan(text, data)

    @staticmethod
    def _fast_scan(text: str, data: bytes | None = None) -> list[tuple[str, str, str, str, str]] | None:
        if "<sheetData" not in text:
            return None   # prefixed elements (<x:c>) or no cell table: lxml handles those
        if _scan_cells is not None and data is not None:
            # the C tokenizer: the same tuples as _FAST_CELL.findall (tests/test_cellscan.py)
            found = _scan_cells(data[3:] if data[:3] == b"\xef\xbb\xbf" else data)
        else:
            found = _FAST_CELL.findall(text)
        # every match is an "<c " of its own, so when "<c" occurs exactly len(found) times
        # (no <col>, <cfRule> … either) the three counts below cannot differ: one scan
        if text.count("<c") != len(found) and \
                len(found) != text.count("<c ") + text.count("<c>") + text.count("<c/>"):
            return None   # a cell the fast pattern did not match: use lxml for this sheet
        for extra in [m[3] for m in found if m[3]]:
            if "s=" in extra or "t=" in extra or " r=" in extra:
                return None
        return found

    def _fast_cells(self, sheet: str, part: str) -> list[tuple[str, Cell]] | None:
        found = self._fast_found(part)
        if found is None:
            return None
        shared_f: dict[str, tuple[str, str]] = {}
        decode = self._decode
        return [(m[0], decode(sheet, m, shared_f)) for m in found]

    def _decode(self, sheet: str, m: tuple[str, str, str, str, str],
                shared_f: dict[str, tuple[str, str]] | None = None) -> Cell:
        """One fast-path match ``(r, s, t, extra attributes, inner XML)`` → :class:`Cell`."""
        addr, s, t, _extra, inner = m
        style = int(s) if s else 0
        t = t or "n"
        if not inner:
            return Cell(None, None, style, t, None)
        formula = None
        if inner.startswith("<v>") and inner.endswith("</v>") and inner.count("<") == 2:
            raw = inner[3:-4]
        else:
            fm = _FAST_F.search(inner)
            if fm is not None:
                fattrs, ftext = fm.group(1) or "", fm.group(2)
                if ftext is not None:
                    ftext = _xml_unescape(ftext)
                if 't="shared"' in fattrs and shared_f is not None:
                    sim = _SI_ATTR.search(fattrs)
                    si = sim.group(1) if sim else ""
                    if ftext:
                        shared_f[si] = (addr, ftext)
                    elif si in shared_f:
                        ftext = _translate(shared_f[si][1], shared_f[si][0], addr)
                formula = ftext if ftext is not None else ""
            if t == "inlineStr":
                im = _FAST_IS.search(inner)
                raw = _fast_rich(im.group(1)) if im is not None else None
            else:
                vm = _FAST_V.search(inner)
                raw = vm.group(1) if vm is not None else None
        if raw is None or (raw == "" and t not in ("str", "s", "inlineStr")):
            return Cell(None, formula, style, t, None)
        if t == "n":
            value: Any = int(raw) if _INT.match(raw) else float(raw)
        elif t == "inlineStr":
            value = raw
        elif t == "s":
            sst = self.shared_strings
            idx = int(raw)
            if not 0 <= idx < len(sst):
                raise UnsafeFileError(self.path, "corrupt", f"{sheet}!{addr}: shared string {idx} does not exist")
            value = sst[idx]
        else:
            if "&" in raw:
                raw = _xml_unescape(raw)
            value = _typed(t, raw)
        return Cell(value, formula, style, t, raw)

    def read_sheet_lazy(self, sheet: str) -> "Mapping[str, Cell]":
        """Like :meth:`read_sheet`, but each cell is decoded only when it is looked up.

        Blank cells are recognised without decoding (:meth:`LazySheet.nonblank`).
        Falls back to an eager read when the sheet needs lxml or has shared formulas.
        """
        part = self.sheet_info(sheet).part
        if _scan_sheet is not None:
            # in C: the cells by address, None where the fast layout does not hold (as _fast_scan)
            data, text = self._sheet_bytes_text(part)
            raw = _scan_sheet(data[3:] if data[:3] == b"\xef\xbb\xbf" else data) if "<sheetData" in text else None
        else:
            text, found = self._fast_found_text(part)
            raw = None if found is None else dict(zip(map(_FIRST, found), found))
        if raw is None or ('t="shared"' in text and any('t="shared"' in m[4] for m in raw.values() if "<f" in m[4])):
            return self.read_sheet(sheet)
        return LazySheet(self, sheet, raw)

    def _lxml_cells(self, sheet: str, part: str, rows: set[int] | None, max_row: int | None
                    ) -> Iterator[tuple[str, Cell]]:
        shared_f: dict[str, tuple[str, str]] = {}   # si -> (master address, formula text)
        sst = None
        skip_row = False
        cur_row = 0
        cur_col = 0
        for event, el in self._iter(part, (_ROW, _C), events=("start", "end")):
            tag = el.tag
            if tag == _ROW:
                if event == "start":
                    r = el.get("r")
                    cur_row = int(r) if r else cur_row + 1
                    cur_col = 0
                    if max_row is not None and cur_row > max_row:
                        return
                    skip_row = rows is not None and cur_row not in rows
                else:
                    el.clear()
                    # drop already processed rows so memory stays flat on big sheets
                    prev = el.getprevious()
                    while prev is not None:
                        parent = prev.getparent()
                        if parent is None:
                            break
                        parent.remove(prev)
                        prev = el.getprevious()
                continue
            if event == "start":
                continue
            addr = el.get("r")
            if addr:
                m = _ADDR.match(addr)
                cur_col = column_index(m.group(1)) if m else cur_col + 1
            else:
                cur_col += 1
                addr = f"{column_letter(cur_col)}{cur_row}"
            f_el = el.find(_F)
            formula = None
            if f_el is not None:
                ft = f_el.get("t")
                text = f_el.text
                if ft == "shared":
                    si = f_el.get("si") or ""
                    if text:
                        shared_f[si] = (addr, text)
                    elif not skip_row and si in shared_f:
                        text = _translate(shared_f[si][1], shared_f[si][0], addr)
                formula = text if text is not None else ""
            if skip_row:
                continue
            t = el.get("t") or "n"
            s = el.get("s")
            style = int(s) if s else 0
            v_el = el.find(_V)
            raw = v_el.text if v_el is not None else None
            value: Any = None
            if t == "inlineStr":
                is_el = el.find(_IS)
                raw = _rich_text(is_el) if is_el is not None else None
                value = raw
            elif raw is None or (raw == "" and t not in ("str", "s")):
                value = None
                raw = None
            elif t == "n":
                value = _number(raw)
            elif t == "s":
                if sst is None:
                    sst = self.shared_strings
                idx = int(raw)
                if not 0 <= idx < len(sst):
                    raise UnsafeFileError(self.path, "corrupt", f"{sheet}!{addr}: shared string {idx} does not exist")
                value = sst[idx]
            else:
                value = _typed(t, raw)
            yield addr, Cell(value, formula, style, t, raw)

    def read_sheet(self, sheet: str) -> dict[str, Cell]:
        return dict(self.iter_cells(sheet))

    def read_cells(self, sheet: str, addresses: Iterable[str]) -> dict[str, Cell]:
        """Only ``addresses`` (normalised to ``"C12"``); absent cells are left out."""
        wanted = set()
        rows = set()
        for a in addresses:
            col, row = split_address(a)
            wanted.add(f"{col}{row}")
            rows.add(row)
        if not wanted:
            return {}
        out = {}
        for addr, cell in self.iter_cells(sheet, rows=rows, max_row=max(rows)):
            if addr in wanted:
                out[addr] = cell
        return out

    def sheet_protected(self, sheet: str) -> bool:
        """True when the sheet has ``<sheetProtection sheet="1">`` (streams the whole sheet)."""
        part = self.sheet_info(sheet).part
        for _, el in self._iter(part, _M + "sheetProtection"):
            return el.get("sheet") in ("1", "true")
        return False


class LazySheet(Mapping):
    """``{address: Cell}`` decoded on access (see :meth:`XlsxFile.read_sheet_lazy`)."""

    __slots__ = ("_x", "_sheet", "_raw", "_done")

    def __init__(self, x: XlsxFile, sheet: str, raw: dict[str, tuple[str, str, str, str, str]]):
        self._x, self._sheet, self._raw, self._done = x, sheet, raw, {}

    def __getitem__(self, addr: str) -> Cell:
        c = self._done.get(addr)
        if c is None:
            c = self._x._decode(self._sheet, self._raw[addr])
            self._done[addr] = c
        return c

    def get(self, addr, default=None):
        return self[addr] if addr in self._raw else default

    def __contains__(self, addr) -> bool:
        return addr in self._raw

    def __iter__(self):
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def nonblank(self) -> Iterator[str]:
        """Addresses of cells with any content (a value or a formula), without decoding blanks."""
        return (a for a, m in self._raw.items() if m[4])


def _typed(t: str, raw: str) -> Any:
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


_XML_ENT = re.compile(r"&(#[0-9]+|#x[0-9A-Fa-f]+|lt|gt|amp|quot|apos);")
_ENT = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


_ENT_CACHE: dict[str, str] = {}


def _entity(m: re.Match) -> str:
    e = m.group(1)
    c = _ENT_CACHE.get(e)
    if c is None:
        if e[0] == "#":
            c = chr(int(e[2:], 16) if e[1] in "xX" else int(e[1:]))
        else:
            c = _ENT[e]
        if len(_ENT_CACHE) < 65536:
            _ENT_CACHE[e] = c
    return c


def _xml_unescape(text: str) -> str:
    if "&" not in text:
        return text
    if _xml_unescape_c is not None:
        # in C, one pass (tests/test_regional_xlsxread.py compares it with the regex);
        # None: a reference beyond U+10FFFF, for the regex's chr() to refuse
        out = _xml_unescape_c(text)
        if out is not None:
            return out
    if "&#" not in text:
        # the five named entities only (a formula's &quot; and &amp;, mostly): one C
        # pass each instead of a Python call per entity; "&amp;" last, so what it
        # leaves ("&amp;lt;" -> "&lt;") is not read again — the regex's single pass
        return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
                .replace("&apos;", "'").replace("&amp;", "&"))
    return _XML_ENT.sub(_entity, text)


NOT_SIMPLE = object()


def simple_value(m: tuple[str, str, str, str, str]) -> Any:
    """The value of a fast-path match ``(r, s, t, extra, inner)`` when the cell is a plain
    number (``<v>`` only) or a plain inline string (one ``<t>`` run), exactly as
    :meth:`XlsxFile._decode` reads it; :data:`NOT_SIMPLE` for anything else (formulas,
    shared strings, rich text …), which callers then decode in full."""
    t, inner = m[2], m[4]
    if not t or t == "n":
        if inner[:3] != "<v>" or inner[-4:] != "</v>" or inner.count("<") != 2:
            return NOT_SIMPLE
        raw = inner[3:-4]
        if not raw:
            return None
        return int(raw) if _INT.match(raw) else float(raw)
    if t == "inlineStr":
        if inner[:7] != "<is><t>" or inner[-9:] != "</t></is>" or inner.count("<") != 4:
            return NOT_SIMPLE
        return _unescape(_xml_unescape(inner[7:-9]))
    return NOT_SIMPLE


def simple_formula(m: tuple[str, str, str, str, str]) -> str | None:
    """The formula text of a fast-path match whose cell starts with a plain ``<f>…</f>``
    (not shared), as :meth:`XlsxFile._decode` reads it; None for anything else."""
    inner = m[4]
    if inner[:3] != "<f>":
        return None
    end = inner.find("<", 3)
    if end < 0 or inner[end:end + 4] != "</f>":
        return None
    return _xml_unescape(inner[3:end])


def _fast_rich(inner: str) -> str:
    """Text of an <is>/<si> body from its XML source: <t> runs, phonetic runs dropped."""
    if "<rPh" in inner:
        inner = _RPH.sub("", inner)
    return _unescape(_xml_unescape("".join(_FAST_T.findall(inner))))


def _translate(formula: str, origin: str, dest: str) -> str:
    """A shared formula's text moved from its master cell to ``dest`` (Excel's rule)."""
    from openpyxl.formula.translate import Translator

    return Translator("=" + formula, origin=origin).translate_formula(dest)[1:]
