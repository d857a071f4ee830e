"""Preflight an untrusted XLSX before any parser touches it (the reasons it refuses a
file: docs/xlsx.md).

Only ``zipfile`` and lxml are used, and every part is streamed through a byte budget, so
a zip bomb is never inflated in memory. Parsers that can abort the process on a hostile
file (calamine) must only ever see files that passed :func:`preflight_xlsx`.
"""
from __future__ import annotations

import functools
import hashlib
import io
import os
import posixpath
import re
import stat
import threading
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from salesplan.errors import SalesPlanError

__all__ = ["UnsafeFileError", "preflight_xlsx", "EXCEL_MAX_ROWS", "EXCEL_MAX_COLS"]

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384

_HOLD_MAX = 64 * 1024 * 1024        # files up to this size are read into memory once
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 1 << 20

_NS_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class UnsafeFileError(SalesPlanError):
    """A file was refused before parsing. ``reason`` is a stable short code."""

    def __init__(self, path: str | os.PathLike, reason: str, detail: str = ""):
        self.path, self.reason, self.detail = str(path), reason, detail
        super().__init__(f"{self.path}: refused ({reason})" + (f": {detail}" if detail else ""))


class Inflated(dict):
    """``{part name: bytes}`` of the parts a preflight kept; ``names``: every entry, in order;
    ``sha256``: of the whole file as it was read (None when the file was too large to hold);
    ``trees``: the structural parts it parsed (``{name: lxml root}``, by :func:`xml_parser`)."""

    names: tuple[str, ...] = ()
    sha256: str | None = None
    trees: dict[str, Any] = {}


# entity expansion, DTD loading and network access are off; huge_tree stays off so
# libxml2's own depth / text-size limits apply as a second line behind the preflight.
XML_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          dtd_validation=False, remove_comments=True, remove_pis=True)
_LOCAL = threading.local()


def xml_parser() -> etree.XMLParser:
    """This thread's safe lxml parser (one per thread, reused: making one per part costs
    as much as parsing a small part; lxml parsers may not be shared between threads)."""
    p = getattr(_LOCAL, "parser", None)
    if p is None:
        p = _LOCAL.parser = etree.XMLParser(**XML_PARSER_OPTIONS)
    return p


def _col_number(letters: bytes) -> int:
    return functools.reduce(lambda n, ch: n * 26 + ch - 64, letters, 0)


_REF = re.compile(rb"^\$?([A-Z]{1,7})\$?(\d{1,12})$")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_ROW_R = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr\s*=\s*[\"'](\d+)[\"']")
# a cell reference beyond column XFD; one with a row of 7+ digits (checked numerically)
_CELL_COL_BEYOND = re.compile(rb"\sr\s*=\s*[\"'](?:[A-Z]{4,}|[YZ][A-Z]{2}|X[G-Z][A-Z]|XF[E-Z])\d")
_CELL_BIG_ROW = re.compile(rb"\sr\s*=\s*[\"'][A-Z]{1,3}(\d{7,})")
# The same with a literal prefix (' r="', '<row') the regex engine finds by substring
# search, for windows where no other spelling can occur.
_ROW_R_FAST = re.compile(rb'<row\b[^>]*? r="(\d+)"')
_CELL_COL_BEYOND_FAST = re.compile(rb' r="(?:[A-Z]{4,}|[YZ][A-Z]{2}|X[G-Z][A-Z]|XF[E-Z])\d')
_CELL_BIG_ROW_FAST = re.compile(rb' r="[A-Z]{1,3}(\d{7,})')
# either of the two above, in one pass (the common case: neither occurs)
_CELL_SUSPECT_FAST = re.compile(rb' r="(?:[A-Z]{4,}|[YZ][A-Z]{2}|X[G-Z][A-Z]|XF[E-Z]|[A-Z]{1,3}\d{7,})')
# any of these bytes means an unusual spelling may be present: use the slow patterns
_UNUSUAL_BY_FIRST = ((b"\t", b"\tr"), (b"\n", b"\nr"), (b"\r", b"\rr"), (b"'", b"r='"))
_UNUSUAL_SPACED = re.compile(rb"r(?: =|= )")
_UNUSUAL_PREFIXED = re.compile(rb":(?:row|c[ >])")


def _unusual(window: bytes) -> bool:
    """Is any unusual spelling present? The whitespace and quote tokens are found by
    their rare first byte (memchr) before the token itself (about 7× faster)."""
    if any(first in window and tok in window for first, tok in _UNUSUAL_BY_FIRST):
        return True
    return _UNUSUAL_SPACED.search(window) is not None or _UNUSUAL_PREFIXED.search(window) is not None
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# A worksheet cut short (a half-written save, a truncated copy) is still a valid zip
# entry; the fast cell readers would take the cells before the cut for the whole sheet.
_SHEET_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?worksheet\s*>\s*\Z")
_XML_DECL_ENC = re.compile(rb"^<\?xml[^>]*\bencoding\s*=\s*[\"']([^\"']+)[\"']")


def _sheet_refs(window: bytes, fast: bool) -> tuple[int, bool, int]:
    """(top row of the row tags, a cell reference beyond XFD?, top row of a cell reference
    of 7+ digits) of a window of worksheet XML; 0 for none. ``fast``: no unusual spelling
    in the window (:func:`_unusual`), so the literal-prefix patterns see every reference."""
    row_r, col_beyond, big_row = ((_ROW_R_FAST, _CELL_COL_BEYOND_FAST, _CELL_BIG_ROW_FAST) if fast
                                  else (_ROW_R, _CELL_COL_BEYOND, _CELL_BIG_ROW))
    rows = row_r.findall(window)
    top = max(map(int, rows)) if rows else 0
    if fast and not _CELL_SUSPECT_FAST.search(window):
        return top, False, 0
    big = big_row.findall(window)
    return top, col_beyond.search(window) is not None, max(map(int, big)) if big else 0


_BAD_NAME = re.compile(r"^[/\\]|^[A-Za-z]:|[\\\x00]|(?:^|/)\.\.(?:/|$)")


def _check_name(path: str, name: str, seen: set[str]) -> None:
    if not name or _BAD_NAME.search(name):
        raise UnsafeFileError(path, "path_traversal", f"entry name {name!r}")
    if name.lower() in seen:
        raise UnsafeFileError(path, "path_traversal", f"entry {name!r} appears twice")
    seen.add(name.lower())


def preflight_xlsx(path: str | os.PathLike, *, max_file_size: int = 512 << 20, max_uncompressed: int = 2 << 30,
                   max_ratio: float = 1000.0, max_entries: int = 10_000, max_rows: int = EXCEL_MAX_ROWS,
                   max_cells: int = 30_000_000, keep: Callable[[str], bool] | None = None,
                   keep_max: int = 64 << 20) -> Inflated | None:
    """Raise :class:`UnsafeFileError` unless ``path`` is an XLSX that is safe to parse.

    ``max_ratio`` applies to entries over 1 MiB; ``max_cells`` bounds the dense area
    (last row × last column) from the ``<dimension>`` and the references present.
    ``keep``: a predicate on part names; the bytes of the parts it accepts (up to
    ``keep_max`` in all, inflated by the checks anyway) are returned as :class:`Inflated`
    once the *whole* file has passed, so a reader need not inflate them again.
    """
    p = Path(path)
    whole = _read_head(path, p, max_file_size, hold=min(keep_max, _HOLD_MAX))
    try:
        zf = zipfile.ZipFile(p if whole is None else io.BytesIO(whole))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise UnsafeFileError(path, "not_zip", f"unreadable zip: {exc}") from None
    kept: Inflated | None = Inflated() if keep is not None else None
    with zf:
        _check_archive(path, zf, max_uncompressed, max_ratio, max_entries)
        read: dict[str, bytes] = {}      # structural parts already inflated (and DTD-checked)
        trees: dict[str, Any] = {}       # ... and parsed
        sheets = _check_structure(path, zf, read, trees)
        budget = [max_uncompressed]
        room = keep_max
        for info in zf.infolist():
            name = info.filename
            want = kept is not None and keep(name) and info.file_size <= room
            is_xml = name.lower().endswith((".xml", ".rels", ".vml"))
            data = _stream_part(path, zf, info, budget, max_ratio, is_xml=is_xml,
                                sheet=name in sheets, max_rows=max_rows, max_cells=max_cells,
                                data=read.get(name), collect=want)
            if want and data is not None and len(data) <= room:
                kept[name] = data
                room -= len(data)
    if kept is not None:
        kept.names = tuple(i.filename for i in zf.infolist())
        kept.sha256 = hashlib.sha256(whole).hexdigest() if whole is not None else None
        kept.trees = trees
    return kept


def _read_head(path, p: Path, max_file_size: int, hold: int) -> bytes | None:
    """The file's kind from its first bytes; the whole file when it is small enough to
    hold (read once: the zip is then read from memory and its digest is free)."""
    try:
        st = p.stat()
    except OSError:
        raise UnsafeFileError(path, "missing", "no such file") from None
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFileError(path, "missing", "not a regular file")
    if st.st_size == 0:
        raise UnsafeFileError(path, "empty", "the file has 0 bytes")
    if st.st_size > max_file_size:
        raise UnsafeFileError(path, "zip_bomb", f"{st.st_size:,} bytes on disk > {max_file_size:,}")
    with open(p, "rb") as fh:
        whole = fh.read(st.st_size + 1) if st.st_size <= hold else None
        head = whole[:8] if whole is not None else fh.read(8)
    if head.startswith(_OLE2_MAGIC):
        if _ole_has_encrypted_package(p):
            raise UnsafeFileError(path, "encrypted", "a password-protected workbook; save it without a password")
        raise UnsafeFileError(path, "legacy_format", "an OLE2 compound file (old .xls?); save it as .xlsx or CSV")
    if not head.startswith(b"PK"):
        raise UnsafeFileError(path, "not_zip", "not a zip archive, so not an .xlsx")
    return whole


def _ole_has_encrypted_package(p: Path) -> bool:
    """OLE2 directory entries hold UTF-16LE names; look for 'EncryptedPackage'."""
    needle = "EncryptedPackage".encode("utf-16-le")
    tail = b""
    with open(p, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle):]
    return False


def _check_archive(path, zf: zipfile.ZipFile, max_uncompressed: int, max_ratio: float, max_entries: int) -> None:
    infos = zf.infolist()
    if len(infos) > max_entries:
        raise UnsafeFileError(path, "zip_bomb", f"{len(infos):,} entries > {max_entries:,}")
    seen: set[str] = set()
    total = 0
    for info in infos:
        _check_name(path, info.filename, seen)
        if info.flag_bits & 0x1:
            raise UnsafeFileError(path, "encrypted", f"zip entry {info.filename!r} is encrypted")
        total += info.file_size
        if total > max_uncompressed:
            raise UnsafeFileError(path, "zip_bomb", f"declared uncompressed size over {max_uncompressed:,} bytes")
        if info.file_size > (1 << 20) and info.file_size > max_ratio * max(info.compress_size, 1):
            raise UnsafeFileError(path, "zip_bomb",
                                  f"{info.filename!r} expands {info.file_size / max(info.compress_size, 1):,.0f}×")


_SMALL_CAP = 16 * 1024 * 1024
_STRUCTURAL = ("[Content_Types].xml", "xl/_rels/workbook.xml.rels", "xl/workbook.xml")
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError)


def _read_small(path, zf: zipfile.ZipFile, name: str, cap: int = _SMALL_CAP) -> bytes:
    """A structural part, size-capped and checked for DTDs before any XML parsing."""
    try:
        with zf.open(name) as fh:
            data = fh.read(cap + 1)
    except _ZIP_ERRORS as exc:
        raise UnsafeFileError(path, "corrupt", f"{name!r}: {exc}") from None
    if len(data) > cap:
        raise UnsafeFileError(path, "zip_bomb", f"{name!r} is over {cap:,} bytes")
    _check_xml_head(path, name, data)
    if _DTD.search(data):
        raise UnsafeFileError(path, "xml_entities", f"{name!r} declares a DOCTYPE/ENTITY")
    return data


def _parse(path, name: str, data: bytes) -> Any:
    try:
        return etree.fromstring(data, xml_parser())  # no DTD can be present: checked by _read_small
    except etree.XMLSyntaxError as exc:
        raise UnsafeFileError(path, "corrupt", f"{name!r} is not well-formed XML: {exc}") from None


def _check_structure(path, zf: zipfile.ZipFile, read: dict[str, bytes], trees: dict[str, Any]) -> set[str]:
    """Required parts exist; returns the worksheet part names the workbook references.

    The structural parts it inflates are put into ``read`` (so they are not inflated
    twice; :func:`_stream_part` still runs every check on them), those it parses into
    ``trees`` (so a reader need not parse them again)."""
    names = frozenset(zf.namelist())
    for required in _STRUCTURAL:
        if required not in names:
            raise UnsafeFileError(path, "missing_part", f"{required} is missing")
    for part in _STRUCTURAL:
        read[part] = _read_small(path, zf, part)
    rels = trees["xl/_rels/workbook.xml.rels"] = _parse(path, "xl/_rels/workbook.xml.rels",
                                                        read["xl/_rels/workbook.xml.rels"])
    targets = _rel_targets(path, rels)
    wb = trees["xl/workbook.xml"] = _parse(path, "xl/workbook.xml", read["xl/workbook.xml"])
    sheets: set[str] = set()
    sheet_elems = list(wb.iter(f"{{{_NS_MAIN}}}sheet"))
    if not sheet_elems:
        raise UnsafeFileError(path, "missing_part", "xl/workbook.xml lists no sheets")
    for sh in sheet_elems:
        rid = sh.get(f"{{{_NS_R}}}id")
        target = targets.get(rid or "")
        if target is None:
            raise UnsafeFileError(path, "missing_part", f"sheet {sh.get('name')!r} has no relationship {rid!r}")
        if target not in names:
            raise UnsafeFileError(path, "missing_part", f"sheet {sh.get('name')!r}: {target} is missing")
        sheets.add(target)
    return sheets


def _rel_targets(path, rels) -> dict[str, str]:
    """``{relationship id: part name}``; a target outside the package is refused."""
    targets: dict[str, str] = {}
    for rel in rels.iter(f"{{{_NS_REL}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        joined = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        resolved = posixpath.normpath(joined)
        if resolved.startswith("../") or resolved == "..":
            raise UnsafeFileError(path, "path_traversal", f"relationship target {target!r}")
        targets[rel.get("Id") or ""] = resolved
    return targets


def _check_xml_head(path, name: str, head: bytes) -> None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
        raise UnsafeFileError(path, "xml_encoding", f"{name!r} is UTF-16; only UTF-8 parts are accepted")
    h = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    m = _XML_DECL_ENC.match(h.lstrip())
    if m and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise UnsafeFileError(path, "xml_encoding", f"{name!r} declares encoding {m.group(1).decode(errors='replace')!r}")


_SST_UNIQUE = re.compile(rb"<(?:\w+:)?sst\b[^>]*?\suniqueCount\s*=\s*[\"'](\d+)")


def _check_sst(path, name: str, head: bytes, size: int) -> None:
    """A reader reserves room for the strings a shared-string table declares, up front:
    more than its part can hold (``<si/>`` is 5 bytes) is refused before that happens."""
    m = _SST_UNIQUE.search(head) if b"uniqueCount" in head else None
    if m and int(m.group(1)) > size // 5 + 1:
        raise UnsafeFileError(path, "absurd_dimensions", f"{name}: declares {int(m.group(1)):,} strings in {size:,} bytes")


def _dims(path, name: str, ref: bytes, max_rows: int, max_cells: int) -> None:
    refs = [_REF.match(part.strip()) for part in ref.strip().split(b":")]
    text = ref.decode(errors="replace")
    if not all(refs):
        raise UnsafeFileError(path, "absurd_dimensions", f"{name}: dimension {text!r}")
    _limit(path, name, f"dimension {text}", max(int(m.group(2)) for m in refs),
           max(_col_number(m.group(1)) for m in refs), max_rows, max_cells)


def _limit(path, name: str, what: str, row: int, col: int, max_rows: int, max_cells: int) -> None:
    if row > EXCEL_MAX_ROWS or col > EXCEL_MAX_COLS:
        beyond = f"beyond Excel's {EXCEL_MAX_ROWS:,} rows × {EXCEL_MAX_COLS:,} columns"
        raise UnsafeFileError(path, "absurd_dimensions", f"{name}: {what} is {beyond}")
    if row > max_rows:
        raise UnsafeFileError(path, "absurd_dimensions", f"{name}: {what} has more than {max_rows:,} rows")
    if row * col > max_cells:
        raise UnsafeFileError(path, "absurd_dimensions", f"{name}: {what} spans {row:,} × {col:,} cells > {max_cells:,}")


# the letters of every cell reference of 1-3 letters (4+ letters are refused before)
_COL_ANY = re.compile(rb"\sr\s*=\s*[\"']([A-Z]{1,3})\d")
_COL_ANY_FAST = re.compile(rb' r="([A-Z]{1,3})\d')


def _widest(window: bytes, cur_col: int, fast: bool) -> int:
    """Widest column referenced so far (one findall; for equal-length letters the
    largest string is the largest column)."""
    found = set((_COL_ANY_FAST if fast else _COL_ANY).findall(window))
    return max(cur_col, *(_col_number(x) for x in found)) if found else cur_col


class _SheetScan:
    """The extent of one worksheet, window by window: refused as soon as it is absurd."""

    def __init__(self, path, name: str, max_rows: int, max_cells: int):
        self.path, self.name, self.max_rows, self.max_cells = path, name, max_rows, max_cells
        self.max_row = self.max_col = 0

    def window(self, window: bytes) -> None:
        m = _DIMENSION.search(window) if b"dimension" in window else None
        if m:
            _dims(self.path, self.name, m.group(1), self.max_rows, self.max_cells)
        fast = not _unusual(window)          # one scan serves the row and the column checks
        top, beyond, top_big = _sheet_refs(window, fast)
        if beyond:
            raise UnsafeFileError(self.path, "absurd_dimensions", f"{self.name}: a cell reference beyond column XFD")
        for row, what in ((top, "row"), (top_big, "cell in row")):
            self.max_row = max(self.max_row, row)
            if row and self.max_row > min(self.max_rows, EXCEL_MAX_ROWS):
                _limit(self.path, self.name, f"{what} {self.max_row:,}", self.max_row, 1, self.max_rows, self.max_cells)
        self.max_col = _widest(window, self.max_col, fast)

    def end(self, tail: bytes) -> None:
        if not _SHEET_END.search(tail):
            raise UnsafeFileError(self.path, "corrupt", f"{self.name!r} is cut short: it does not end with </worksheet>")
        if self.max_row and self.max_col:
            _limit(self.path, self.name, f"cells up to row {self.max_row:,}, column {self.max_col:,}", self.max_row,
                   self.max_col, self.max_rows, self.max_cells)


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes | None):
    if data is not None:                     # already inflated by _read_small
        yield from (data[i:i + _CHUNK] for i in range(0, len(data), _CHUNK))
        return
    with zf.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def _stream_part(path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int], max_ratio: float, *,
                 is_xml: bool, sheet: bool, max_rows: int, max_cells: int,
                 data: bytes | None = None, collect: bool = False) -> bytes | None:
    """Inflate one entry chunk by chunk under the remaining byte budget; scan XML.

    ``data``: the entry's complete content when :func:`_read_small` already inflated
    it; every check below runs on it the same way. ``collect``: return the bytes."""
    name = info.filename
    produced = 0
    tail = b""
    scan = _SheetScan(path, name, max_rows, max_cells) if sheet else None
    parts: list[bytes] | None = [] if collect else None
    try:
        for chunk in _chunks(zf, info, data):
            if parts is not None:
                parts.append(chunk)
            produced += len(chunk)
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise UnsafeFileError(path, "zip_bomb", "the parts inflate beyond the size limit")
            if produced > (1 << 20) and produced > max_ratio * max(info.compress_size, 1):
                raise UnsafeFileError(path, "zip_bomb", f"{name!r} inflates over {max_ratio:,.0f}×")
            if not is_xml:
                continue
            if not produced - len(chunk):
                _check_xml_head(path, name, chunk[:256])
                _check_sst(path, name, chunk[:1024], info.file_size)
            window = tail + chunk    # an overlap, so a token split across chunks is still seen
            # "<!" opens every declaration _DTD looks for, and is rare (formulas' "!" is not
            # preceded by "<"): the regex runs only then
            if b"<!" in window and _DTD.search(window):
                raise UnsafeFileError(path, "xml_entities", f"{name!r} declares a DOCTYPE/ENTITY")
            if scan is not None:
                scan.window(window)
            tail = window[-512:]
    except _ZIP_ERRORS as exc:
        raise UnsafeFileError(path, "corrupt", f"{name!r}: {exc}") from None
    if scan is not None:
        scan.end(tail)
    if parts is None:
        return None
    return data if data is not None else b"".join(parts)
