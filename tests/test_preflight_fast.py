"""The preflight's in-memory fast path (C: salesplan/deals/_leanzip.c) decides exactly as
the full Python preflight: the same parts, bytes and digest for a file it passes, the
same named reason for a file it refuses — on hostile parts, odd names and random damage
to real workbooks. The C path either passes a file the Python checks pass too, or hands
the file back to them (which then name what is wrong)."""
from __future__ import annotations

import contextlib
import io
import os
import struct
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesplan.deals import preflight
from salesplan.deals.preflight import UnsafeFileError, preflight_xlsx

if preflight._inflate_checked is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI has gcc and zlib: a missing _leanzip is a build failure")
    pytest.skip("the C fast path was not built: the Python preflight runs alone", allow_module_level=True)


def _workbook_bytes() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "成交明细"
    for r in range(1, 30):
        ws.append([r, f"销售员{r}", r * 1.5, f"=A{r}*2", "a & <b>"])
    wb.create_sheet("说明")["A1"] = "说明文字"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


BASE = _workbook_bytes()
PARTS = zipfile.ZipFile(io.BytesIO(BASE)).namelist()


def _zip(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def _entries(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


@contextlib.contextmanager
def _python_only():
    saved = preflight._inflate_checked
    preflight._inflate_checked = None
    try:
        yield
    finally:
        preflight._inflate_checked = saved


def _outcome(path: Path, **kw) -> tuple:
    try:
        got = preflight_xlsx(path, keep=lambda name: True, **kw)
    except UnsafeFileError as exc:
        return ("refused", exc.reason, exc.detail)
    return ("passed", got.names, dict(got), got.sha256, sorted(got.trees))


def _same_both_ways(data: bytes, **kw) -> tuple:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "f.xlsx"
        p.write_bytes(data)
        fast = _outcome(p, **kw)
        with _python_only():
            full = _outcome(p, **kw)
    assert fast == full
    return fast


def test_the_fast_path_is_taken_and_agrees(monkeypatch):
    calls = []
    real = preflight._inflate_checked

    def counting(*args):
        got = real(*args)
        calls.append(got is not None)
        return got

    monkeypatch.setattr(preflight, "_inflate_checked", counting)
    assert _same_both_ways(BASE)[0] == "passed"
    assert calls and calls[0], "a plain workbook passes the C checks"


SHEET = "xl/worksheets/sheet1.xml"
HOSTILE = {
    "dtd": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><worksheet/>',
    "dtd_spaced_lower": b'<?xml version="1.0"?><!  \n doctype x><worksheet/>',
    "entity_late": b"<worksheet>" + b"<x/>" * 3000 + b"<!ENTITY e SYSTEM 'file:///etc/passwd'></worksheet>",
    "utf16_bom": "\ufeff<worksheet/>".encode("utf-16"),
    "utf16_plain": "<worksheet/>".encode("utf-16-le"),
    "latin1": b'<?xml version="1.0" encoding="ISO-8859-1"?><worksheet/>',
    "utf_8_spelling": b"<?xml version='1.0' encoding='UTF_8'?>" + b"<worksheet></worksheet>",
    "two_encodings": b'<?xml version="1.0" encoding="utf-8" encoding="latin-1"?><worksheet/>',
    "encoding_unclosed": b'<?xml version="1.0" encoding="utf-8?><worksheet/>',
    "bom_utf8": b"\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\"?><worksheet></worksheet>",
    "cut_short": b'<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c>',
    "huge_dimension": b'<worksheet><dimension ref="A1:XFD1048576"/><sheetData/></worksheet>',
    "beyond_xfd": b'<worksheet><sheetData><row r="1"><c r="XFE1"><v>1</v></c></row></sheetData></worksheet>',
    "row_too_far": b'<worksheet><sheetData><row r="2000000"><c r="A2000000"/></row></sheetData></worksheet>',
    "comment_only": b"<worksheet><!-- a comment --><sheetData/></worksheet>",
    "not_xml": b"\x00\x01\x02 binary",
}


@pytest.mark.parametrize("payload", sorted(HOSTILE))
@pytest.mark.parametrize("part", [SHEET, "xl/workbook.xml", "[Content_Types].xml", "docProps/app.xml"])
def test_hostile_parts_decided_alike(payload, part):
    entries = [(n, HOSTILE[payload] if n == part else d) for n, d in _entries(BASE)]
    _same_both_ways(_zip(entries))


@pytest.mark.parametrize("name", ["../evil.xml", "/abs.xml", "a\\b.xml", "C:evil.xml", "xl/../../x.xml",
                                  "XL/WORKBOOK.XML", "名字.xml", "x/../y.xml", "a\x00b.xml", ".."])
def test_odd_names_decided_alike(name):
    with zipfile.ZipFile(io.BytesIO(BASE)) as z:
        entries = [(i.filename, z.read(i)) for i in z.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in entries + [(name, b"<x/>")]:
            info = zipfile.ZipInfo("placeholder")
            info.filename = n                   # (ZipInfo would normalise some of these)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, d)
    _same_both_ways(buf.getvalue())


@pytest.mark.parametrize("kw", [dict(max_entries=5), dict(max_uncompressed=20_000), dict(max_rows=10),
                                dict(max_cells=50), dict(max_ratio=1.0)])
def test_limits_decided_alike(kw):
    _same_both_ways(BASE, **kw)
    big = [(n, d + b" " * 3_000_000 if n == SHEET else d) for n, d in _entries(BASE)]
    _same_both_ways(_zip(big), **kw)


def test_stored_entries_and_a_comment_decided_alike():
    stored = _zip(_entries(BASE), zipfile.ZIP_STORED)
    assert _same_both_ways(stored)[0] == "passed"
    buf = io.BytesIO(BASE)
    with zipfile.ZipFile(buf, "a") as z:
        z.comment = b"a comment PK\x05\x06 inside"
    _same_both_ways(buf.getvalue())


def _central(data: bytes) -> int:
    eocd = data.rfind(b"PK\x05\x06")
    return struct.unpack_from("<I", data, eocd + 16)[0]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_damage_decided_alike(data):
    """Bytes flipped anywhere (headers, directory, deflate streams), the file cut short,
    or junk appended: both paths pass it with the same bytes, or refuse it alike."""
    buf = bytearray(BASE)
    how = data.draw(st.sampled_from(["flip", "flip_directory", "cut", "append"]))
    if how == "flip":
        for _ in range(data.draw(st.integers(1, 4))):
            buf[data.draw(st.integers(0, len(buf) - 1))] = data.draw(st.integers(0, 255))
    elif how == "flip_directory":
        at = data.draw(st.integers(_central(BASE), len(buf) - 1))
        buf[at] = data.draw(st.integers(0, 255))
    elif how == "cut":
        buf = buf[:data.draw(st.integers(1, len(buf) - 1))]
    else:
        buf += data.draw(st.binary(min_size=1, max_size=40))
    _same_both_ways(bytes(buf))
