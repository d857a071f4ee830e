"""Hostile XLSX files are refused with a named reason before any parser sees them.

Every file is built for real in tmp_path. python-calamine is only ever called on
files that passed the preflight.
"""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from salesplan.xlsx.preflight import UnsafeFileError, preflight_xlsx
from salesplan.deals.reader import import_deals
from salesplan.errors import SalesPlanError

HEADERS = ["成交日期", "销售", "区域", "客户", "新客户", "产品线", "金额", "合同编号", "已盖章"]


def good_xlsx(path: Path, rows: int = 3) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "成交明细"
    ws.append(HEADERS)
    for i in range(rows):
        ws.append(["2024-05-0%d" % (i + 1), "张明", "华东区", f"客户{i}", "是", "产品A", 38000 + i, f"HT-{i:03d}", "是"])
    wb.save(path)
    return path


def rewrite(src: Path, dst: Path, *, replace: dict[str, bytes] | None = None, drop: set[str] = frozenset(),
            add: dict[str, bytes] | None = None) -> Path:
    """Copy a zip, replacing / dropping / adding entries (no entry is ever inflated in full twice)."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = replace.get(info.filename)
            zout.writestr(info.filename, data if data is not None else zin.read(info.filename))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def spaces_bomb(src: Path, dst: Path, part: str = "xl/worksheets/sheet1.xml") -> Path:
    """``src`` with ``part`` replaced by 64 MiB of spaces inside a sheet: deflates ~1000:1."""
    rewrite(src, dst, drop={part})
    with zipfile.ZipFile(dst, "a", zipfile.ZIP_DEFLATED) as z, z.open(part, "w") as fh:
        fh.write(b'<?xml version="1.0"?><worksheet><sheetData>')
        chunk = b" " * (1 << 20)
        for _ in range(64):
            fh.write(chunk)
        fh.write(b"</sheetData></worksheet>")
    return dst


def sheet_xml(body: bytes, dimension: bytes = b"A1:B2", prolog: bytes = b"") -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + prolog +
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<dimension ref="' + dimension + b'"/><sheetData>' + body + b"</sheetData></worksheet>")


def refused(path: Path, reason: str, **kw) -> UnsafeFileError:
    with pytest.raises(UnsafeFileError) as info:
        preflight_xlsx(path, **kw)
    assert info.value.reason == reason, str(info.value)
    assert isinstance(info.value, SalesPlanError)
    assert str(path) in str(info.value)
    return info.value


@pytest.fixture
def good(tmp_path) -> Path:
    return good_xlsx(tmp_path / "good.xlsx")


def test_good_file_passes_and_calamine_reads_it(good):
    preflight_xlsx(good)
    import python_calamine as pc  # only ever on a file that passed

    rows = pc.load_workbook(str(good)).get_sheet_by_name("成交明细").to_python()
    assert rows[0] == HEADERS and len(rows) == 4


def test_zip_bomb_by_ratio(good, tmp_path):
    # 64 MiB of one repeated byte inside a sheet: deflate ratio ~1000:1
    bomb = spaces_bomb(good, tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 200_000
    err = refused(bomb, "zip_bomb")
    assert "sheet1.xml" in err.detail


def test_zip_bomb_by_total_size(good):
    refused(good, "zip_bomb", max_uncompressed=2_000)


def test_zip_bomb_by_entry_count(good, tmp_path):
    many = rewrite(good, tmp_path / "many.xlsx", add={f"xl/media/i{i}.bin": b"x" for i in range(300)})
    refused(many, "zip_bomb", max_entries=100)


def test_lying_size_header_is_caught_while_streaming(good, tmp_path):
    # declared sizes say tiny, data inflates to 8 MiB: the byte budget stops it
    big = tmp_path / "liar.xlsx"
    rewrite(good, big, replace={"xl/worksheets/sheet1.xml": sheet_xml(b"<row r=\"1\"/>" + b" " * (8 << 20))})
    refused(big, "zip_bomb", max_uncompressed=4 << 20, max_ratio=1e9)


BILLION_LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
                             for i in range(1, 10))
                  + b"]>")


def test_billion_laughs_in_sheet(good, tmp_path):
    evil = rewrite(good, tmp_path / "laughs.xlsx", replace={
        "xl/worksheets/sheet1.xml": sheet_xml(b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>',
                                              prolog=BILLION_LAUGHS)})
    refused(evil, "xml_entities")


def test_external_entity_in_workbook_part(good, tmp_path):
    wb = zipfile.ZipFile(good).read("xl/workbook.xml")
    evil_wb = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + wb.replace(b"?>", b"?>&xxe;", 0)
    evil = rewrite(good, tmp_path / "xxe.xlsx", replace={"xl/workbook.xml": evil_wb})
    refused(evil, "xml_entities")


def test_entity_split_across_chunks_is_seen(good, tmp_path):
    body = b" " * ((1 << 20) - 5) + b"<!ENTITY a 'b'>"
    evil = rewrite(good, tmp_path / "split.xlsx", replace={"xl/worksheets/sheet1.xml": sheet_xml(body)})
    refused(evil, "xml_entities")


@pytest.mark.parametrize("missing", ["[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                                     "xl/worksheets/sheet1.xml"])
def test_missing_parts(good, tmp_path, missing):
    broken = rewrite(good, tmp_path / "missing.xlsx", drop={missing})
    err = refused(broken, "missing_part")
    assert missing.split("/")[-1] in err.detail


def test_sheet_without_relationship(good, tmp_path):
    wb = zipfile.ZipFile(good).read("xl/workbook.xml").replace(b'r:id="rId1"', b'r:id="rId99"')
    broken = rewrite(good, tmp_path / "norel.xlsx", replace={"xl/workbook.xml": wb})
    refused(broken, "missing_part")


@pytest.mark.parametrize("dimension", [b"A1:XFD1048577", b"A1:XFE1", b"A1:ZZZZ9", b"junk"])
def test_absurd_dimension(good, tmp_path, dimension):
    evil = rewrite(good, tmp_path / "dim.xlsx",
                   replace={"xl/worksheets/sheet1.xml": sheet_xml(b"", dimension=dimension)})
    refused(evil, "absurd_dimensions")


@pytest.mark.parametrize("body", [
    b'<row r="1048577"><c r="A1048577"><v>1</v></c></row>',        # row beyond Excel
    b'<row r="1"><c r="XFE1"><v>1</v></c></row>',                  # column beyond XFD
    b'<row r="1"><c\tr = \'XFE1\'><v>1</v></c></row>',            # same, unusual spelling
    b'<x:row r="1048577"/>',                                       # namespace-prefixed row
    b'<row r="1"><c r="A99999999"><v>1</v></c></row>',             # row in a cell ref
    # inside Excel's limits but a dense 1,048,576 x 16,384 area: a parser would allocate it
    b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
])
def test_absurd_cell_references_with_honest_dimension(good, tmp_path, body):
    evil = rewrite(good, tmp_path / "cells.xlsx", replace={"xl/worksheets/sheet1.xml": sheet_xml(body)})
    refused(evil, "absurd_dimensions")


def test_configured_row_limit(good):
    preflight_xlsx(good, max_rows=4)
    refused(good, "absurd_dimensions", max_rows=3)


def write_ole2(path: Path, stream_name: str) -> Path:
    """A minimal but well-formed OLE2 compound file with one directory entry."""
    sector = 512
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x18:0x1A] = (0x3E).to_bytes(2, "little")     # minor version
    header[0x1A:0x1C] = (3).to_bytes(2, "little")        # major version 3
    header[0x1C:0x1E] = b"\xfe\xff"                      # little endian
    header[0x1E:0x20] = (9).to_bytes(2, "little")        # 512-byte sectors
    header[0x20:0x22] = (6).to_bytes(2, "little")
    header[0x2C:0x30] = (1).to_bytes(4, "little")        # 1 FAT sector
    header[0x30:0x34] = (1).to_bytes(4, "little")        # directory starts at sector 1
    header[0x38:0x3C] = (4096).to_bytes(4, "little")
    header[0x3C:0x40] = (0xFFFFFFFE).to_bytes(4, "little")
    header[0x44:0x48] = (0xFFFFFFFE).to_bytes(4, "little")
    header[0x4C:0x50] = (0).to_bytes(4, "little")        # FAT at sector 0
    for i in range(1, 109):
        header[0x4C + 4 * i:0x50 + 4 * i] = b"\xff\xff\xff\xff"
    fat = bytearray(b"\xff" * sector)
    fat[0:4] = (0xFFFFFFFD).to_bytes(4, "little")       # sector 0: FAT
    fat[4:8] = (0xFFFFFFFE).to_bytes(4, "little")       # sector 1: directory, end of chain
    directory = bytearray(sector)

    def entry(name: str, kind: int, child: int) -> bytes:
        e = bytearray(128)
        raw = name.encode("utf-16-le") + b"\x00\x00"
        e[0:len(raw)] = raw
        e[0x40:0x42] = len(raw).to_bytes(2, "little")
        e[0x42] = kind
        e[0x43] = 1
        e[0x44:0x48] = e[0x48:0x4C] = b"\xff\xff\xff\xff"
        e[0x4C:0x50] = child.to_bytes(4, "little", signed=True) if child >= 0 else b"\xff\xff\xff\xff"
        e[0x74:0x78] = (0xFFFFFFFE).to_bytes(4, "little")
        return bytes(e)

    directory[0:128] = entry("Root Entry", 5, 1)
    directory[128:256] = entry(stream_name, 2, -1)
    path.write_bytes(bytes(header) + bytes(fat) + bytes(directory))
    return path


def test_encrypted_ole2(tmp_path):
    ole = write_ole2(tmp_path / "secret.xlsx", "EncryptedPackage")
    import olefile

    assert olefile.isOleFile(str(ole)) and olefile.OleFileIO(str(ole)).exists("EncryptedPackage")
    err = refused(ole, "encrypted")
    assert "password" in err.detail


def test_really_encrypted_by_office_crypto(good, tmp_path):
    pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    out = tmp_path / "locked.xlsx"
    with open(good, "rb") as src, open(out, "wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    refused(out, "encrypted")


def test_legacy_ole2(tmp_path):
    refused(write_ole2(tmp_path / "old.xlsx", "Workbook"), "legacy_format")


def test_text_renamed_xlsx(tmp_path):
    p = tmp_path / "fake.xlsx"
    p.write_text("成交日期,销售\n2024-05-01,张明\n", encoding="utf-8")
    refused(p, "not_zip")


def test_truncated_zip(good, tmp_path):
    p = tmp_path / "cut.xlsx"
    p.write_bytes(good.read_bytes()[:1000])
    refused(p, "not_zip")


def test_sheet_cut_short_inside_a_valid_zip(good, tmp_path):
    """A half-written sheet part in an intact zip is corrupt, not "the first rows of the sheet"."""
    with zipfile.ZipFile(good) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    cut = rewrite(good, tmp_path / "cut_sheet.xlsx", replace={"xl/worksheets/sheet1.xml": sheet[: len(sheet) // 2]})
    err = refused(cut, "corrupt")
    assert "</worksheet>" in str(err)


def test_empty_and_missing(tmp_path):
    (tmp_path / "empty.xlsx").write_bytes(b"")
    refused(tmp_path / "empty.xlsx", "empty")
    refused(tmp_path / "nope.xlsx", "missing")


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/evil.xml", "xl\\..\\..\\evil.xml", "C:/evil.xml",
                                  "xl/../../evil.xml", "xl/worksheets/sheet1.xml"])
def test_path_traversal_names(good, tmp_path, name):
    # the last one is a duplicate entry name: two parsers could pick different copies
    p = tmp_path / "trav.xlsx"
    rewrite(good, p)
    with zipfile.ZipFile(p, "a") as z:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
            z.writestr(zipfile.ZipInfo(name), b"<x/>")
    refused(p, "path_traversal")


def test_relationship_target_escaping_package(good, tmp_path):
    rels = zipfile.ZipFile(good).read("xl/_rels/workbook.xml.rels").replace(
        b'Target="/xl/worksheets/sheet1.xml"', b'Target="../../../../etc/passwd"')
    assert b"passwd" in rels
    evil = rewrite(good, tmp_path / "rel.xlsx", replace={"xl/_rels/workbook.xml.rels": rels})
    refused(evil, "path_traversal")


def test_utf16_xml_part(good, tmp_path):
    xml = sheet_xml(b"").decode().replace("UTF-8", "UTF-16").encode("utf-16")
    evil = rewrite(good, tmp_path / "u16.xlsx", replace={"xl/worksheets/sheet1.xml": xml})
    refused(evil, "xml_encoding")


def test_import_deals_refuses_without_parsing(good, tmp_path):
    evil = rewrite(good, tmp_path / "evil.xlsx", replace={
        "xl/worksheets/sheet1.xml": sheet_xml(b"", prolog=BILLION_LAUGHS)})
    with pytest.raises(UnsafeFileError) as info:
        import_deals(evil)
    assert info.value.reason == "xml_entities"
    assert import_deals(good).report.imported == 3


def test_cli_keeps_going_after_bad_files(good, tmp_path):
    """Bad files are refused with their reason, the good one is imported, nothing crashes."""
    fake = tmp_path / "fake.xlsx"
    fake.write_text("hello", encoding="utf-8")
    ole = write_ole2(tmp_path / "secret.xlsx", "EncryptedPackage")
    laughs = rewrite(good, tmp_path / "laughs.xlsx", replace={
        "xl/worksheets/sheet1.xml": sheet_xml(b"", prolog=BILLION_LAUGHS)})
    proc = subprocess.run([sys.executable, "-m", "salesplan.cli", "deals", "import", str(fake), str(ole),
                           str(laughs), str(good), "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    import json

    out = json.loads(proc.stdout)
    status = {Path(f["file"]).name: (f["status"], f.get("reason")) for f in out["files"]}
    assert status == {"fake.xlsx": ("refused", "not_zip"), "secret.xlsx": ("refused", "encrypted"),
                      "laughs.xlsx": ("refused", "xml_entities"), "good.xlsx": ("ok", None)}
    assert [d["contract_id"] for d in out["deals"]] == ["HT-000", "HT-001", "HT-002"]
    assert out["deals"][0]["amount"] == "38000.00"


def test_bad_crc_is_refused_by_name(good, tmp_path):
    import struct

    data = bytearray(good.read_bytes())
    eocd = data.rfind(b"PK\x05\x06")
    cd_off = struct.unpack_from("<I", data, eocd + 16)[0]
    struct.pack_into("<I", data, cd_off + 16, 0xDEADBEEF)    # the first entry's CRC
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(bytes(data))
    err = refused(bad, "corrupt")
    assert "CRC" in str(err)
