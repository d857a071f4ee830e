"""LeanZip, the preflight's in-memory zip reader: the same bytes as zipfile on every
archive it accepts, None (→ zipfile) for any layout it does not handle, and an error —
never a bigger inflation — when an entry lies about its size or CRC."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan.xlsx.leanzip import LeanZip
from salesplan.xlsx.preflight import UnsafeFileError, preflight_xlsx


def zip_bytes(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED, comment: bytes = b"") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries.items():
            z.writestr(name, data)
        z.comment = comment
    return buf.getvalue()


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(st.characters(min_codepoint=48, max_codepoint=0x9fff, blacklist_categories=("Cs",)),
                               min_size=1, max_size=12),
                       st.binary(max_size=3000), min_size=1, max_size=6),
       st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]), st.binary(max_size=40))
def test_same_bytes_as_zipfile(entries, method, comment):
    data = zip_bytes(entries, method, comment)
    lean = LeanZip.parse(data)
    assert lean is not None
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert lean.namelist() == z.namelist()
        for info, e in zip(z.infolist(), lean.infolist()):
            assert (e.filename, e.file_size, e.compress_size, e.flag_bits) == \
                   (info.filename, info.file_size, info.compress_size, info.flag_bits)
            assert lean.read(e.filename) == z.read(info) == lean.open(e).read()


def test_a_real_workbook(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "销售员"
    wb.save(tmp_path / "a.xlsx")
    data = (tmp_path / "a.xlsx").read_bytes()
    lean = LeanZip.parse(data)
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {n: lean.read(n) for n in lean.namelist()} == {n: z.read(n) for n in z.namelist()}


@pytest.mark.parametrize("damage", ["truncated", "garbage", "multi_disk", "bad_local_name", "unknown_method",
                                    "overlap"])
def test_unusual_layouts_go_to_zipfile(damage):
    data = bytearray(zip_bytes({"a.xml": b"<a/>" * 50, "b.xml": b"<b/>" * 50}))
    eocd = data.rfind(b"PK\x05\x06")
    cd_off = struct.unpack_from("<I", data, eocd + 16)[0]
    if damage == "truncated":
        data = data[:-5]
    elif damage == "garbage":
        data = bytearray(b"PK" + b"\x00" * 100)
    elif damage == "multi_disk":
        struct.pack_into("<H", data, eocd + 4, 1)
    elif damage == "bad_local_name":
        data[30] = ord("z")                        # the first local header's name ≠ the central one
    elif damage == "unknown_method":
        struct.pack_into("<H", data, cd_off + 10, 12)   # bzip2
    elif damage == "overlap":
        # the second central entry points at the first entry's data (a zip-bomb trick)
        nlen = struct.unpack_from("<H", data, cd_off + 28)[0]
        xlen, clen = struct.unpack_from("<HH", data, cd_off + 30)
        second = cd_off + 46 + nlen + xlen + clen
        first_off = struct.unpack_from("<I", data, cd_off + 42)[0]
        struct.pack_into("<I", data, second + 42, first_off)
    assert LeanZip.parse(bytes(data)) is None


def test_lying_size_and_crc_are_errors_not_inflation():
    data = bytearray(zip_bytes({"a.xml": b"<a>" + b"x" * 5000 + b"</a>"}))
    eocd = data.rfind(b"PK\x05\x06")
    cd_off = struct.unpack_from("<I", data, eocd + 16)[0]
    small = bytearray(data)
    struct.pack_into("<I", small, cd_off + 24, 100)          # declared 100 bytes: inflation stops at 101
    with pytest.raises(zipfile.BadZipFile, match="declared"):
        LeanZip.parse(bytes(small)).read("a.xml")
    bad_crc = bytearray(data)
    struct.pack_into("<I", bad_crc, cd_off + 16, zlib.crc32(b"other"))
    with pytest.raises(zipfile.BadZipFile, match="CRC"):
        LeanZip.parse(bytes(bad_crc)).read("a.xml")


def test_preflight_refuses_a_bad_crc_by_name(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    p = tmp_path / "a.xlsx"
    wb.save(p)
    data = bytearray(p.read_bytes())
    eocd = data.rfind(b"PK\x05\x06")
    cd_off = struct.unpack_from("<I", data, eocd + 16)[0]
    struct.pack_into("<I", data, cd_off + 16, 0xDEADBEEF)    # the first entry's CRC
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(bytes(data))
    assert LeanZip.parse(bytes(data)) is not None            # the lean path is the one tested
    with pytest.raises(UnsafeFileError) as info:
        preflight_xlsx(bad)
    assert info.value.reason == "corrupt" and "CRC" in str(info.value)
