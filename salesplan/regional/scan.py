"""Leak scanner: does a regional workbook contain anything of another region?

Every part of the zip is searched — XML (sheets, shared strings, defined names in
workbook.xml, pivot caches, comments, docProps, customXml …) and binary parts (VBA
projects, embedded objects, images' metadata). A needle is looked for in:

* XML text as stored, after decoding character references (``&#21326;``),
  predefined entities and Excel's ``_xHHHH_`` escapes;
* XML text with the markup removed, so a name split across rich-text runs
  (``<r><t>华</t></r><r><t>东区</t></r>``) is still found;
* binary parts as UTF-8, UTF-16-LE, UTF-16-BE and GB18030 bytes;
* nested zip archives (an embedded .xlsx), recursively.

Used by the tests and by ``split`` itself as a last check before a file is handed out.
"""
from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

__all__ = ["LeakHit", "scan_for_names", "scan_bytes"]

_TAG = re.compile(r"<[^>]*>")
_XESC = re.compile(r"_x([0-9A-Fa-f]{4})_")
#: html.unescape's own pattern: a reference is replaced as html.unescape replaces it, once per
#: distinct reference (openpyxl stores every CJK character as one, e.g. ``&#21326;``)
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")
_MAX_PART = 256 * 1024 * 1024


@dataclass(frozen=True)
class LeakHit:
    part: str          # e.g. "xl/sharedStrings.xml" or "xl/embeddings/x.xlsx/xl/workbook.xml"
    needle: str
    how: str           # "xml", "xml-text", "utf-8", "utf-16-le", ...

    def __str__(self) -> str:
        return f"{self.part}: {self.needle!r} ({self.how})"


def _looks_xml(name: str, data: bytes) -> bool:
    low = name.lower()
    if low.endswith((".xml", ".rels", ".vml")):
        return True
    head = data[:64].lstrip(b"\xef\xbb\xbf \r\n\t")
    return head.startswith(b"<")


def _unescape(text: str) -> str:
    """``html.unescape(text)``, fast on text made of character references."""
    if "&" not in text:
        return text
    seen: dict[str, str] = {}

    def one(m: re.Match) -> str:
        ref = m.group(0)
        out = seen.get(ref)
        if out is None:
            out = seen[ref] = html.unescape(ref)
        return out
    return _CHARREF.sub(one, text)


def _decode_xml(data: bytes) -> str:
    for enc in ("utf-8", "utf-16"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _finder(needle: str):
    """How to look for a needle: plain substring for CJK names; whole words for Latin
    ones, so a manager called "Bo" is not found inside ``SP_RetentionBonus``."""
    if not needle.isascii():
        return lambda text: needle in text
    pattern = re.compile(r"(?<![A-Za-z0-9_])" + re.escape(needle) + r"(?![A-Za-z0-9_])")
    return lambda text: pattern.search(text) is not None


def _byte_finder(needle: bytes, ascii_word: bool):
    if not ascii_word:
        return lambda data: needle in data
    pattern = re.compile(rb"(?<![A-Za-z0-9_])" + re.escape(needle) + rb"(?![A-Za-z0-9_])")
    return lambda data: pattern.search(data) is not None


def scan_bytes(part: str, data: bytes, needles: Iterable[str], *, depth: int = 0) -> list[LeakHit]:
    needles = [n for n in dict.fromkeys(needles) if n]
    hits: list[LeakHit] = []
    if data[:2] == b"PK" and depth < 3:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as inner:
                for info in inner.infolist():
                    if info.file_size > _MAX_PART:
                        continue
                    hits += scan_bytes(f"{part}/{info.filename}", inner.read(info), needles, depth=depth + 1)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
            pass
    if _looks_xml(part, data):
        raw = _decode_xml(data)
        decoded = _unescape(_XESC.sub(lambda m: chr(int(m.group(1), 16)), raw))
        plain = _unescape(_XESC.sub(lambda m: chr(int(m.group(1), 16)), _TAG.sub("", raw)))
        for n in needles:
            found = _finder(n)
            if found(decoded):
                hits.append(LeakHit(part, n, "xml"))
            elif found(plain):
                hits.append(LeakHit(part, n, "xml-text"))
    for n in needles:
        if any(h.part == part and h.needle == n for h in hits):
            continue
        for enc in ("utf-8", "utf-16-le", "utf-16-be", "gb18030"):
            try:
                b = n.encode(enc)
            except UnicodeEncodeError:
                continue
            if _byte_finder(b, n.isascii() and enc in ("utf-8", "gb18030"))(data):
                hits.append(LeakHit(part, n, enc))
                break
    return hits


def scan_for_names(path: str | Path, needles: Iterable[str]) -> list[LeakHit]:
    """Every (part, needle) found in the workbook at ``path``; empty when clean."""
    needles = list(needles)
    hits: list[LeakHit] = []
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.file_size > _MAX_PART:
                hits.append(LeakHit(info.filename, "<part too large to scan>", "size"))
                continue
            hits += scan_bytes(info.filename, zf.read(info), needles)
    return hits
