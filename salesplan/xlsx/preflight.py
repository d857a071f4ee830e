"""Preflight an untrusted XLSX before any parser touches it.

Spreadsheet parsers (calamine in particular, a Rust library that can abort the whole
Python process on a hostile file) must only ever see files that passed
:func:`preflight_xlsx`. The checks use only the standard library's ``zipfile`` and
stream every part through a byte cap, so a zip bomb is never inflated in memory.

Each rejection is an :class:`UnsafeFileError` with a short machine ``reason`` and a
sentence for people:

==================  ===========================================================
reason              meaning
==================  ===========================================================
``missing``         the file does not exist / is not a regular file
``empty``           zero bytes
``encrypted``       OLE2 compound file holding an ``EncryptedPackage`` (a
                    password-protected xlsx)
``legacy_format``   any other OLE2 compound file (old binary .xls, .doc …)
``not_zip``         not a zip archive at all (text renamed .xlsx, truncated …)
``zip_bomb``        too many entries, too much uncompressed data, or a
                    compression ratio no spreadsheet has
``path_traversal``  an entry name that is absolute, has ``..``, a drive letter,
                    backslashes or NUL, or a duplicate name
``xml_entities``    a DOCTYPE or ENTITY declaration in an XML part (billion
                    laughs, external entities); OOXML never needs one
``xml_encoding``    an XML part that is not UTF-8 (cannot be scanned reliably)
``missing_part``    [Content_Types].xml, xl/workbook.xml, its relationships or
                    a worksheet the workbook references is absent
``absurd_dimensions``  a ``<dimension>``, row or cell reference beyond Excel's
                    limits (1,048,576 rows × 16,384 columns) or the configured
                    ``max_rows`` / ``max_cells``
``corrupt``         the zip or an XML part cannot be read (bad CRC, bad XML,
                    a worksheet that stops before ``</worksheet>``)
==================  ===========================================================
"""
from __future__ import annotations

import contextlib
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

from salesplan.xlsx.leanzip import LeanEntry, LeanZip
from salesplan.errors import SalesPlanError

_inflate_checked = None

__all__ = [
    "UnsafeFileError",
    "preflight_xlsx",
    "EXCEL_MAX_ROWS",
    "EXCEL_MAX_COLS",
]

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384

_LEAN_MAX = 64 * 1024 * 1024        # files up to this size are read into memory once
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 1 << 20

_NS_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class UnsafeFileError(SalesPlanError):
    """A file was refused before parsing. ``reason`` is a stable short code."""

    def __init__(self, path: str | os.PathLike, reason: str, detail: str = ""):
        self.path = str(path)
        self.reason = reason
        self.detail = detail
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
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


_REF = re.compile(rb"^\$?([A-Z]{1,7})\$?(\d{1,12})$")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_ROW_R = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr\s*=\s*[\"'](\d+)[\"']")
# a cell reference whose column is beyond XFD
_CELL_COL_BEYOND = re.compile(rb"\sr\s*=\s*[\"'](?:[A-Z]{4,}|[YZ][A-Z]{2}|X[G-Z][A-Z]|XF[E-Z])\d")
# a cell reference with a row number of 7+ digits (1,000,000 and more): checked numerically
_CELL_BIG_ROW = re.compile(rb"\sr\s*=\s*[\"'][A-Z]{1,3}(\d{7,})")
# The same with a literal prefix (' r="', '<row'), which the regex engine finds with a
# fast substring search; used for windows where no other spelling can occur.
_ROW_R_FAST = re.compile(rb'<row\b[^>]*? r="(\d+)"')
_CELL_COL_BEYOND_FAST = re.compile(rb' r="(?:[A-Z]{4,}|[YZ][A-Z]{2}|X[G-Z][A-Z]|XF[E-Z])\d')
_CELL_BIG_ROW_FAST = re.compile(rb' r="[A-Z]{1,3}(\d{7,})')
# either of the two above, in one pass (the common case: neither occurs)
_CELL_SUSPECT_FAST = re.compile(rb' r="(?:[A-Z]{4,}|[YZ][A-Z]{2}|X[G-Z][A-Z]|XF[E-Z]|[A-Z]{1,3}\d{7,})')
# any of these bytes means an unusual spelling may be present: use the slow patterns
_UNUSUAL = (b"\tr", b"\nr", b"\rr", b"r =", b"r= ", b"r='", b":row", b":c ", b":c>")
_UNUSUAL_SPACED = re.compile(rb"r(?: =|= )")
_UNUSUAL_PREFIXED = re.compile(rb":(?:row|c[ >])")


def _unusual(window: bytes) -> bool:
    """``any(tok in window for tok in _UNUSUAL)``, about 7× faster: the whitespace and
    quote tokens are found by their rare first byte (memchr) before the token itself."""
    if b"\t" in window and b"\tr" in window:
        return True
    if b"\n" in window and b"\nr" in window:
        return True
    if b"\r" in window and b"\rr" in window:
        return True
    if b"'" in window and b"r='" in window:
        return True
    return _UNUSUAL_SPACED.search(window) is not None or _UNUSUAL_PREFIXED.search(window) is not None
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# A worksheet cut short (a half-written save, a truncated copy) is still a valid zip
# entry; the fast cell readers would take the cells before the cut for the whole sheet.
_SHEET_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?worksheet\s*>\s*\Z")
_XML_DECL_ENC = re.compile(rb"^<\?xml[^>]*\bencoding\s*=\s*[\"']([^\"']+)[\"']")


def _sheet_refs_re(window: bytes) -> tuple[int, bool, int]:
    """(top row of the row tags, a cell reference beyond XFD?, top row of a cell reference
    of 7+ digits) of a window of worksheet XML; 0 for none."""
    fast = not _unusual(window)
    row_r, col_beyond, big_row = ((_ROW_R_FAST, _CELL_COL_BEYOND_FAST, _CELL_BIG_ROW_FAST) if fast
                                  else (_ROW_R, _CELL_COL_BEYOND, _CELL_BIG_ROW))
    rows = row_r.findall(window)
    top = max(map(int, rows)) if rows else 0
    if fast and not _CELL_SUSPECT_FAST.search(window):
        return top, False, 0
    big = big_row.findall(window)
    return top, col_beyond.search(window) is not None, max(map(int, big)) if big else 0


_sheet_refs_c = None


def _sheet_refs(window: bytes) -> tuple[int, bool, int]:
    got = _sheet_refs_c(window) if _sheet_refs_c is not None else None
    return got if got is not None else _sheet_refs_re(window)


def _is_xml_part(name: str) -> bool:
    low = name.lower()
    return low.endswith((".xml", ".rels", ".vml")) or low == "[content_types].xml"


def _check_name(path: str, name: str, seen: set[str]) -> None:
    bad = (
        not name
        or name.startswith(("/", "\\"))
        or "\\" in name
        or "\x00" in name
        or re.match(r"^[A-Za-z]:", name) is not None
        or any(part == ".." for part in name.split("/"))
    )
    if bad:
        raise UnsafeFileError(path, "path_traversal", f"entry name {name!r}")
    key = name.lower()
    if key in seen:
        raise UnsafeFileError(path, "path_traversal", f"entry {name!r} appears twice")
    seen.add(key)


def preflight_xlsx(
    path: str | os.PathLike,
    *,
    max_file_size: int = 512 * 1024 * 1024,
    max_uncompressed: int = 2 * 1024 * 1024 * 1024,
    max_ratio: float = 1000.0,
    max_entries: int = 10_000,
    max_rows: int = EXCEL_MAX_ROWS,
    max_cells: int = 30_000_000,
    keep: Callable[[str], bool] | None = None,
    keep_max: int = 64 * 1024 * 1024,
) -> Inflated | None:
    """Raise :class:`UnsafeFileError` unless ``path`` is an XLSX that is safe to parse.

    ``max_ratio`` applies to entries whose uncompressed size is over 1 MiB (tiny
    parts legitimately compress at odd ratios). ``max_cells`` bounds the dense area a
    parser will allocate: (last row) × (last column), from the ``<dimension>`` and
    from the row and cell references actually present.

    ``keep``: a predicate on part names. The preflight inflates every part anyway; the
    bytes of the parts it accepts (up to ``keep_max`` bytes in all) are returned as
    ``{name: bytes}`` (:class:`Inflated`, whose ``names`` lists every entry) — only once
    the *whole* file has passed — so a reader need not open and inflate them a second
    time. Without ``keep`` nothing is returned.
    """
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        raise UnsafeFileError(path, "missing", "no such file") from None
    if not stat.S_ISREG(st.st_mode):          # (the stat above, not a second one)
        raise UnsafeFileError(path, "missing", "not a regular file")
    if st.st_size == 0:
        raise UnsafeFileError(path, "empty", "the file has 0 bytes")
    if st.st_size > max_file_size:
        raise UnsafeFileError(path, "zip_bomb", f"{st.st_size:,} bytes on disk > {max_file_size:,}")
    whole: bytes | None = None
    with open(p, "rb") as fh:
        if st.st_size <= min(keep_max, _LEAN_MAX):
            whole = fh.read(st.st_size + 1)      # small enough to hold: read the file once
            head = whole[:8]
        else:
            head = fh.read(8)
    if head.startswith(_OLE2_MAGIC):
        if _ole_has_encrypted_package(p):
            raise UnsafeFileError(path, "encrypted",
                                  "a password-protected workbook; save it without a password")
        raise UnsafeFileError(path, "legacy_format",
                              "an OLE2 compound file (old .xls?); save it as .xlsx or CSV")
    if not head.startswith(b"PK"):
        raise UnsafeFileError(path, "not_zip", "not a zip archive, so not an .xlsx")
    if whole is not None and _inflate_checked is not None:
        fast = _preflight_in_memory(path, whole, max_uncompressed=max_uncompressed, max_ratio=max_ratio,
                                    max_entries=max_entries, max_rows=max_rows, max_cells=max_cells, keep=keep,
                                    keep_max=keep_max)
        if fast is not None:
            return fast if keep is not None else None
    try:
        # the plain layout of a file in memory is read by LeanZip (~10× less overhead);
        # anything else by zipfile, which also names what is wrong with a broken archive
        zf = (LeanZip.parse(whole) if whole is not None else None) \
            or zipfile.ZipFile(p if whole is None else io.BytesIO(whole))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise UnsafeFileError(path, "not_zip", f"unreadable zip: {exc}") from None
    kept: Inflated | None = Inflated() if keep is not None else None
    with zf:
        if kept is not None:
            kept.names = tuple(zf.namelist())
            if whole is not None:
                kept.sha256 = hashlib.sha256(whole).hexdigest()
        _check_archive(path, zf, max_uncompressed, max_ratio, max_entries)
        read: dict[str, bytes] = {}      # structural parts already inflated (and DTD-checked)
        trees: dict[str, Any] = {}       # ... and parsed
        sheets = _check_structure(path, zf, read, trees)
        if kept is not None:
            kept.trees = trees
        budget = [max_uncompressed]
        room = keep_max
        for info in zf.infolist():
            name = info.filename
            want = kept is not None and keep(name) and info.file_size <= room
            data = _stream_part(path, zf, info, budget, max_ratio, is_xml=_is_xml_part(name),
                                sheet=name in sheets, max_rows=max_rows, max_cells=max_cells,
                                data=read.get(name), collect=want)
            if want and data is not None and len(data) <= room:
                kept[name] = data
                room -= len(data)
    return kept


def _preflight_in_memory(path, whole: bytes, *, max_uncompressed: int, max_ratio: float, max_entries: int,
                         max_rows: int, max_cells: int, keep: Callable[[str], bool] | None,
                         keep_max: int) -> Inflated | None:
    """:func:`preflight_xlsx` for a file held in memory, its archive and generic part
    checks in one C call (``_leanzip.inflate_checked``: the zip's layout, names, sizes,
    ratios, CRCs, UTF-8 and DTDs of every XML part, every entry inflated once). None when
    C did not pass everything: the caller then runs the whole preflight, which names what
    is wrong. The structural and worksheet checks are the ones below, on the same bytes
    and in the same order as the full preflight, so a file is refused for the same reason."""
    got = _inflate_checked(whole, max_entries, max_uncompressed, max_ratio)
    if got is None:
        return None
    names, compress_sizes, contents = got
    data = dict(zip(names, contents))
    read: dict[str, bytes] = {}
    for name in _STRUCTURAL:
        part = data.get(name)
        if part is not None:
            if len(part) > _SMALL_CAP:
                return None                      # (the full preflight names it)
            read[name] = part
    trees: dict[str, Any] = {}
    sheets = _check_structure(path, None, read, trees, names=frozenset(names))
    budget = [max_uncompressed]
    for name, csize, part in zip(names, compress_sizes, contents):
        if name in sheets:
            entry = LeanEntry(name, len(part), csize, 0, 8, 0, 0)
            _stream_part(path, None, entry, budget, max_ratio, is_xml=True, sheet=True, max_rows=max_rows,
                         max_cells=max_cells, data=part)
    kept = Inflated()
    if keep is None:
        return kept                              # (passed; the caller returns nothing)
    kept.names = names
    kept.sha256 = hashlib.sha256(whole).hexdigest()
    kept.trees = trees
    room = keep_max
    for name, part in zip(names, contents):
        if keep(name) and len(part) <= room:
            kept[name] = part
            room -= len(part)
    return kept


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
            raise UnsafeFileError(path, "zip_bomb",
                                  f"declared uncompressed size over {max_uncompressed:,} bytes")
        if info.file_size > (1 << 20) and info.file_size > max_ratio * max(info.compress_size, 1):
            raise UnsafeFileError(path, "zip_bomb",
                                  f"{info.filename!r} expands {info.file_size / max(info.compress_size, 1):,.0f}×")


_SMALL_CAP = 16 * 1024 * 1024
_STRUCTURAL = ("[Content_Types].xml", "xl/_rels/workbook.xml.rels", "xl/workbook.xml")


def _read_small(path, zf: zipfile.ZipFile | None, name: str, cap: int = _SMALL_CAP,
                data: bytes | None = None) -> bytes:
    """A structural part, size-capped and checked for DTDs before any XML parsing
    (``data``: its bytes, already inflated)."""
    if data is None:
        try:
            with zf.open(name) as fh:
                data = fh.read(cap + 1)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
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


def _check_structure(path, zf: zipfile.ZipFile | None, read: dict[str, bytes] | None = None,
                     trees: dict[str, Any] | None = None, names: frozenset[str] | None = None) -> set[str]:
    """Required parts exist; returns the worksheet part names the workbook references.

    The structural parts it inflates are put into ``read`` (so they are not inflated
    twice; :func:`_stream_part` still runs every check on them), those it parses into
    ``trees`` (so a reader need not parse them again). Parts already in ``read`` (with
    ``names``, every entry's name, and no ``zf``) are taken from there, checked the same."""
    read = {} if read is None else read
    trees = {} if trees is None else trees
    if names is None:
        names = frozenset(i.filename for i in zf.infolist())
    for required in ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        if required not in names:
            raise UnsafeFileError(path, "missing_part", f"{required} is missing")
    for part in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
        read[part] = _read_small(path, zf, part, data=read.get(part))
    rels = trees["xl/_rels/workbook.xml.rels"] = _parse(path, "xl/_rels/workbook.xml.rels",
                                                        read["xl/_rels/workbook.xml.rels"])
    targets: dict[str, str] = {}
    for rel in rels.iter(f"{{{_NS_REL}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        if target.startswith("/"):
            resolved = posixpath.normpath(target.lstrip("/"))
        else:
            resolved = posixpath.normpath(posixpath.join("xl", target))
        if resolved.startswith("../") or resolved == "..":
            raise UnsafeFileError(path, "path_traversal", f"relationship target {target!r}")
        targets[rel.get("Id") or ""] = resolved
    read["xl/workbook.xml"] = _read_small(path, zf, "xl/workbook.xml", data=read.get("xl/workbook.xml"))
    wb = trees["xl/workbook.xml"] = _parse(path, "xl/workbook.xml", read["xl/workbook.xml"])
    sheets: set[str] = set()
    sheet_elems = list(wb.iter(f"{{{_NS_MAIN}}}sheet"))
    if not sheet_elems:
        raise UnsafeFileError(path, "missing_part", "xl/workbook.xml lists no sheets")
    for sh in sheet_elems:
        rid = sh.get(f"{{{_NS_R}}}id")
        target = targets.get(rid or "")
        if target is None:
            raise UnsafeFileError(path, "missing_part",
                                  f"sheet {sh.get('name')!r} has no relationship {rid!r}")
        if target not in names:
            raise UnsafeFileError(path, "missing_part", f"sheet {sh.get('name')!r}: {target} is missing")
        sheets.add(target)
    return sheets


def _check_xml_head(path, name: str, head: bytes) -> None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
        raise UnsafeFileError(path, "xml_encoding", f"{name!r} is UTF-16; only UTF-8 parts are accepted")
    h = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    m = _XML_DECL_ENC.match(h.lstrip())
    if m and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise UnsafeFileError(path, "xml_encoding", f"{name!r} declares encoding {m.group(1).decode(errors='replace')!r}")


def _dims(path, name: str, ref: bytes, max_rows: int, max_cells: int) -> None:
    parts = ref.strip().split(b":")
    rows, cols = [], []
    for part in parts:
        m = _REF.match(part.strip())
        if not m:
            raise UnsafeFileError(path, "absurd_dimensions", f"{name}: dimension {ref.decode(errors='replace')!r}")
        cols.append(_col_number(m.group(1)))
        rows.append(int(m.group(2)))
    r, c = max(rows), max(cols)
    _limit(path, name, f"dimension {ref.decode(errors='replace')}", r, c, max_rows, max_cells)


def _limit(path, name: str, what: str, row: int, col: int, max_rows: int, max_cells: int) -> None:
    if row > EXCEL_MAX_ROWS or col > EXCEL_MAX_COLS:
        raise UnsafeFileError(path, "absurd_dimensions",
                              f"{name}: {what} is beyond Excel's {EXCEL_MAX_ROWS:,} rows × {EXCEL_MAX_COLS:,} columns")
    if row > max_rows:
        raise UnsafeFileError(path, "absurd_dimensions", f"{name}: {what} has more than {max_rows:,} rows")
    if row * col > max_cells:
        raise UnsafeFileError(path, "absurd_dimensions",
                              f"{name}: {what} spans {row:,} × {col:,} cells > {max_cells:,}")


# the letters of every cell reference of 1-3 letters (4+ letters are refused before)
_COL_ANY = re.compile(rb"\sr\s*=\s*[\"']([A-Z]{1,3})\d")
_COL_ANY_FAST = re.compile(rb' r="([A-Z]{1,3})\d')


def _widest(window: bytes, cur_col: int, fast: bool) -> int:
    """Widest column referenced so far (one findall; for equal-length letters the
    largest string is the largest column)."""
    found = (_COL_ANY_FAST if fast else _COL_ANY).findall(window)
    if not found:
        return cur_col
    return max(cur_col, max(_col_number(x) for x in set(found)))


def _chunks_of(data: bytes):
    for i in range(0, len(data), _CHUNK):
        yield data[i:i + _CHUNK]


def _stream_part(path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int], max_ratio: float, *,
                 is_xml: bool, sheet: bool, max_rows: int, max_cells: int,
                 data: bytes | None = None, collect: bool = False) -> bytes | None:
    """Inflate one entry chunk by chunk under the remaining byte budget; scan XML.

    ``data``: the entry's complete content when it was already inflated (size-capped,
    CRC-checked) by :func:`_read_small` (or, from a :class:`LeanZip`, is inflated here in
    one call, capped at the declared size the archive checks passed); every check
    below runs on it the same way.
    ``collect``: return the inflated bytes (when they were all read)."""
    name = info.filename
    produced = 0
    tail = b""
    first = True
    max_row = 0
    max_col = 0
    parts: list[bytes] | None = [] if collect else None
    try:
        if data is None and isinstance(zf, LeanZip):
            data = zf.read(info)             # one zlib call, capped at the declared size
        with (zf.open(info) if data is None else contextlib.nullcontext()) as fh:
            chunks = iter(lambda: fh.read(_CHUNK), b"") if data is None else _chunks_of(data)
            for chunk in chunks:
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
                if first:
                    _check_xml_head(path, name, chunk[:256])
                    first = False
                # keep an overlap so a token split across chunks is still seen
                window = tail + chunk
                # "!" is rare in sheet XML and found by memchr: the regex runs only then
                if b"!" in window and _DTD.search(window):
                    raise UnsafeFileError(path, "xml_entities", f"{name!r} declares a DOCTYPE/ENTITY")
                if sheet:
                    m = _DIMENSION.search(window) if b"dimension" in window else None
                    if m:
                        _dims(path, name, m.group(1), max_rows, max_cells)
                    top, beyond, top_big = _sheet_refs(window)
                    if top:
                        max_row = max(max_row, top)
                        if max_row > min(max_rows, EXCEL_MAX_ROWS):
                            _limit(path, name, f"row {max_row:,}", max_row, 1, max_rows, max_cells)
                    if beyond:
                        raise UnsafeFileError(path, "absurd_dimensions", f"{name}: a cell reference beyond column XFD")
                    if top_big:
                        max_row = max(max_row, top_big)
                        if max_row > min(max_rows, EXCEL_MAX_ROWS):
                            _limit(path, name, f"cell in row {max_row:,}", max_row, 1, max_rows, max_cells)
                    if data is None:                 # streamed: the widest column chunk by chunk
                        max_col = _widest(window, max_col, not _unusual(window))
                tail = window[-512:]
    except UnsafeFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise UnsafeFileError(path, "corrupt", f"{name!r}: {exc}") from None
    if sheet and not _SHEET_END.search(tail):
        raise UnsafeFileError(path, "corrupt", f"{name!r} is cut short: it does not end with </worksheet>")
    if sheet and data is not None and max_row * EXCEL_MAX_COLS > max_cells:
        # held in memory: the widest column is needed only when the rows alone cannot
        # rule out too many cells (every column is ≤ XFD, checked above)
        max_col = _widest(data, 0, not _unusual(data))
    if sheet and max_row and max_col:
        _limit(path, name, f"cells up to row {max_row:,}, column {max_col:,}", max_row, max_col, max_rows, max_cells)
    if parts is None:
        return None
    return data if data is not None else b"".join(parts)
