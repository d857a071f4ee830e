"""Leak scanner (every part, every encoding) and the progress reporter."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from salesplan.progress import CallbackProgress, CliProgress, NullProgress, Progress, RecordingProgress
from salesplan.regional.scan import scan_bytes, scan_for_names


@pytest.mark.parametrize("part,data,how", [
    ("xl/sharedStrings.xml", "<si><t>华南区</t></si>".encode(), "xml"),
    ("xl/worksheets/sheet1.xml", b"<t>&#21326;&#21335;&#21306;</t>", "xml"),                # char refs
    ("xl/sharedStrings.xml", "<si><r><t>华</t></r><r><t>南区</t></r></si>".encode(), "xml-text"),  # split runs
    ("xl/sharedStrings.xml", "<t>_x534E__x5357__x533A_</t>".encode(), "xml"),                # Excel escapes
    ("xl/vbaProject.bin", b"\x00\x01" + "华南区".encode("utf-16-le") + b"\x00", "utf-16-le"),
    ("xl/embeddings/oleObject1.bin", b"..." + "华南区".encode("gb18030") + b"...", "gb18030"),
    ("xl/pivotCache/pivotCacheRecords1.xml", '<s v="华南区"/>'.encode(), "xml"),
])
def test_needle_found_in_any_encoding(part, data, how):
    hits = scan_bytes(part, data, ["华南区"])
    assert [(h.part, h.needle) for h in hits] == [(part, "华南区")]
    assert hits[0].how == how


def test_clean_part_has_no_hits():
    assert scan_bytes("xl/workbook.xml", "<sheet name=\"华东区\"/>".encode(), ["华南区", "李强"]) == []


def test_nested_workbook_and_file_scan(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", "<t>李强</t>")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "华东区"
    wb.active.title = "华东区"
    p = tmp_path / "a.xlsx"
    wb.save(p)
    with zipfile.ZipFile(p, "a") as z:
        z.writestr("xl/embeddings/Workbook1.xlsx", inner.getvalue())
    hits = scan_for_names(p, ["李强", "华南区"])
    assert [(h.part, h.needle) for h in hits] == [("xl/embeddings/Workbook1.xlsx/xl/sharedStrings.xml", "李强")]
    assert scan_for_names(p, ["华南区"]) == []


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_cli_progress_bar_on_tty_and_summary():
    s = FakeTTY()
    p = CliProgress(s, interval=0)
    p.start(4, "合并")
    for i in range(4):
        p.advance(1, f"f{i}.xlsx")
    p.finish("files read: 4")
    out = s.getvalue()
    assert "4/4" in out and "100%" in out and out.endswith("files read: 4\n")


def test_cli_progress_quiet_when_not_a_tty():
    s = io.StringIO()
    p = CliProgress(s)
    p.start(3)
    p.advance(3)
    p.finish("done")
    assert s.getvalue() == "done\n"
    q = io.StringIO()
    CliProgress(q, show_summary=False).finish("done")
    assert q.getvalue() == ""


def test_callback_progress_sets_and_restores_status_bar():
    seen = []
    p = CallbackProgress(seen.append, interval=0)
    p.start(2, "合并区域文件")
    p.advance(1, "a.xlsx")
    p.advance(1, "b.xlsx")
    p.finish("summary")
    assert seen[0].startswith("合并区域文件") and "a.xlsx" in seen[1] and "2/2" in seen[2]
    assert seen[-1] is None                          # give the status bar back to Excel


@pytest.mark.parametrize("cls", [NullProgress, CliProgress, RecordingProgress])
def test_protocol(cls):
    assert isinstance(cls(), Progress)


def test_latin_names_match_whole_words_only():
    """A manager called "Bo" is a leak when written as a name, not inside SP_RetentionBonus."""
    from salesplan.regional.scan import scan_bytes
    assert scan_bytes("xl/workbook.xml", b'<definedName name="SP_RetentionBonus">x</definedName>', ["Bo"]) == []
    assert [h.needle for h in scan_bytes("xl/sharedStrings.xml", b"<si><t>Bo</t></si>", ["Bo"])] == ["Bo"]
    assert [h.needle for h in scan_bytes("bin", "Bo Li".encode("utf-16-le"), ["Bo"])] == ["Bo"]


def test_references_decode_as_html_unescape_does():
    """The scan's fast decoding of character references equals html.unescape, also on awkward
    text: named entities with and without ';', out-of-range and surrogate code points,
    Windows-1252 remaps, a reference that decodes to '&'."""
    import html
    import random

    from salesplan.regional.scan import _unescape
    samples = ["&#21326;&#19996;&#21306; &#8212; a&amp;b &lt;x&gt; &#x4e2d; &ampx &notin; &notit; &#0; &#x110000; "
               "&#128; &#55296; &quot &#38;#21326; plain", "&", "&&&#;", "no refs", ""]
    rnd = random.Random(7)
    samples += ["".join(rnd.choice("&#x;0123456789abcdefAMPamplt gt;quot华") for _ in range(rnd.randrange(30)))
                for _ in range(5000)]
    assert [_unescape(s) for s in samples] == [html.unescape(s) for s in samples]
