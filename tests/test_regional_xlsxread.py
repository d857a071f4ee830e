"""The raw reader: values, formulas, styles and properties as openpyxl, Excel and
LibreOffice write them; unusual layouts; hostile input refused."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.packaging.custom import IntProperty, StringProperty
from openpyxl.styles import Protection
from openpyxl.workbook.defined_name import DefinedName

from salesplan.xlsx.lxml_reader import Cell, UnsafeFileError, XlsxFile, column_index, column_letter, split_address

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def openpyxl_file(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "华东区"
    ws["A1"] = "标题 & <注意>"
    ws["B1"] = 42
    ws["C1"] = 1.5
    ws["D1"] = True
    ws["E1"] = "=B1*2"
    ws["F1"] = dt.datetime(2025, 7, 3)
    ws["A2"] = 123456789012
    ws["B2"] = "  leading space"
    ws["C2"] = "line1\nline2"
    ws["B1"].protection = Protection(locked=False)
    hidden = wb.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    hidden["A1"] = "x"
    wb.defined_names["销售目标"] = DefinedName("销售目标", attr_text="'华东区'!$B$1")
    wb.custom_doc_props.append(StringProperty(name="salesplan.region", value="华东区"))
    wb.custom_doc_props.append(IntProperty(name="count", value=7))
    wb.save(path)
    return path


def excel_style_file(path: Path) -> Path:
    """Parts written by hand the way Excel writes them: shared strings (rich text,
    phonetic runs, _x000D_ escapes), shared formulas, t=str/b/e/d cells, self-closing cells."""
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           f'<sst xmlns="{NS}" count="4" uniqueCount="4">'
           '<si><t>华南区</t></si>'
           '<si><r><t>李</t></r><r><rPr><b/></rPr><t xml:space="preserve">强 </t></r>'
           '<rPh sb="0" eb="1"><t>リ</t></rPh></si>'
           '<si><t>a_x000D_b &amp; c</t></si>'
           '<si><t/></si></sst>')
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             f'<worksheet xmlns="{NS}"><dimension ref="A1:E4"/><sheetData>'
             '<row r="1"><c r="A1" s="1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
             '<c r="C1" t="s"><v>2</v></c><c r="D1" s="2"/><c r="E1" t="s"><v>3</v></c></row>'
             '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><f t="shared" ref="B2:B4" si="0">A2*2+$A$2</f><v>3</v></c>'
             '<c r="C2" t="str"><f>"x"&amp;A2</f><v>x1</v></c><c r="D2" t="b"><v>1</v></c>'
             '<c r="E2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
             '<row r="3"><c r="A3"><v>2.5</v></c><c r="B3"><f t="shared" si="0"/><v>6</v></c>'
             '<c r="C3" t="d"><v>2025-07-01T00:00:00</v></c><c r="D3" t="inlineStr"><is><t>内联</t></is></c></row>'
             '<row r="4"><c r="A4"><v>-1E-3</v></c><c r="B4" s="1"><f t="shared" si="0"/><v>0</v></c></row>'
             '</sheetData></worksheet>')
    styles = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              f'<styleSheet xmlns="{NS}"><cellXfs count="3"><xf numFmtId="0"/>'
              '<xf numFmtId="0" applyProtection="1"><protection locked="0"/></xf>'
              '<xf numFmtId="14" applyProtection="1"><protection hidden="1"/></xf></cellXfs></styleSheet>')
    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<workbook xmlns="{NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                '<sheets><sheet name="华南区" sheetId="1" r:id="rId1"/></sheets>'
                '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
                "'华南区'!$A$1:$E$4</definedName></definedNames></workbook>")
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            '</Relationships>')
    root_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                 '</Relationships>')
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="xml" ContentType="application/xml"/></Types>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", root_rels)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/sharedStrings.xml", sst)
        z.writestr("xl/styles.xml", styles)
    return path


def test_openpyxl_file_values_formulas_styles_properties(tmp_path):
    p = openpyxl_file(tmp_path / "a.xlsx")
    with XlsxFile(p) as x:
        assert x.sheet_names == ["华东区", "隐藏"]
        assert [s.state for s in x.sheets] == ["visible", "hidden"]
        assert [(d.name, d.value) for d in x.defined_names] == [("销售目标", "'华东区'!$B$1")]
        assert x.custom_properties == {"salesplan.region": "华东区", "count": 7}
        cells = x.read_sheet("华东区")
        assert cells["A1"].value == "标题 & <注意>"
        assert cells["B1"].value == 42 and type(cells["B1"].value) is int
        assert cells["C1"].value == 1.5
        assert cells["D1"].value is True
        assert cells["E1"].formula == "B1*2" and cells["E1"].value is None
        assert isinstance(cells["F1"].value, (int, float))          # dates stay serial numbers
        assert cells["A2"].value == 123456789012 and type(cells["A2"].value) is int
        assert cells["B2"].value == "  leading space"
        assert cells["C2"].value == "line1\nline2"
        assert x.is_locked(cells["B1"].style) is False
        assert x.is_locked(cells["A1"].style) is True
        assert x.is_locked(10_000) is True                             # unknown style: Excel's default
        assert x.read_cells("华东区", {"$B$1", "E1", "Z99"}) == {"B1": cells["B1"], "E1": cells["E1"]}


def test_excel_style_parts(tmp_path):
    p = excel_style_file(tmp_path / "e.xlsx")
    with XlsxFile(p) as x:
        c = x.read_sheet("华南区")
        assert c["A1"] == Cell("华南区", None, 1, "s", "0")
        assert c["B1"].value == "李强 "                      # runs joined, phonetic run skipped
        assert c["C1"].value == "a\rb & c"                  # _x000D_ and &amp; decoded
        assert c["D1"] == Cell(None, None, 2, "n", None)     # self-closing
        assert c["E1"].value == ""
        assert c["B2"].formula == "A2*2+$A$2"
        assert c["B3"].formula == "A3*2+$A$2"                # shared formula translated
        assert c["B4"].formula == "A4*2+$A$2" and c["B4"].style == 1
        assert c["C2"].formula == '"x"&A2' and c["C2"].value == "x1"
        assert c["D2"].value is True
        assert c["E2"].value == "#DIV/0!" and c["E2"].type == "e"
        assert c["C3"].value == dt.datetime(2025, 7, 1)
        assert c["D3"].value == "内联"
        assert c["A4"].value == -0.001
        assert x.is_locked(1) is False and x.is_locked(2) is True
        assert x.defined_names[0].local_sheet_id == 0 and x.defined_names[0].hidden
        assert x.custom_properties == {}


def test_unusual_layout_is_read(tmp_path):
    """Attribute order s-before-r, a cell without r and a prefixed namespace."""
    src = excel_style_file(tmp_path / "e.xlsx")
    odd = tmp_path / "odd.xlsx"
    sheet = (f'<x:worksheet xmlns:x="{NS}"><x:sheetData><x:row r="1">'
             '<x:c s="1" r="A1"><x:v>7</x:v></x:c><x:c><x:v>8</x:v></x:c></x:row></x:sheetData></x:worksheet>')
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(odd, "w") as zout:
        for info in zin.infolist():
            data = sheet.encode() if info.filename == "xl/worksheets/sheet1.xml" else zin.read(info)
            zout.writestr(info.filename, data)
    with XlsxFile(odd) as x:
        cells = x.read_sheet("华南区")
        assert cells == {"A1": Cell(7, None, 1, "n", "7"), "B1": Cell(8, None, 0, "n", "8")}


def test_addresses():
    assert split_address("$AB$12") == ("AB", 12)
    assert column_index("XFD") == 16384 and column_letter(16384) == "XFD"
    assert all(column_index(column_letter(i)) == i for i in range(1, 800))
    with pytest.raises(ValueError):
        split_address("12A")


@pytest.mark.parametrize("body,reason", [
    (b"a,b,c\n1,2,3\n", "not_zip"),
    (b"", "empty"),
])
def test_hostile_bytes_refused_before_parsing(tmp_path, body, reason):
    p = tmp_path / "bad.xlsx"
    p.write_bytes(body)
    with pytest.raises(UnsafeFileError) as info:
        XlsxFile(p)
    assert info.value.reason == reason


def test_entity_declaration_refused_even_without_preflight(tmp_path):
    src = excel_style_file(tmp_path / "e.xlsx")
    evil = tmp_path / "xxe.xlsx"
    sheet = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
             b'<worksheet xmlns="' + NS.encode() + b'"><sheetData><row r="1"><c r="A1" t="inlineStr">'
             b"<is><t>&e;</t></is></c></row></sheetData></worksheet>")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(evil, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, sheet if info.filename == "xl/worksheets/sheet1.xml" else zin.read(info))
    with pytest.raises(UnsafeFileError) as info:
        XlsxFile(evil)
    assert info.value.reason == "xml_entities"
    with XlsxFile(evil, preflight=False) as x:          # the reader's own guards
        with pytest.raises(UnsafeFileError) as info:
            x.read_sheet("华南区")
        assert info.value.reason == "xml_entities"


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_round_trip_keeps_formulas_styles_and_stamp(tmp_path):
    exe = _soffice()
    if exe is None:
        pytest.skip("LibreOffice not installed")
    src = openpyxl_file(tmp_path / "src.xlsx")
    out = tmp_path / "out"
    subprocess.run([exe, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", "xlsx", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=120)
    with XlsxFile(out / "src.xlsx") as x:
        assert x.custom_properties["salesplan.region"] == "华东区"
        c = x.read_sheet("华东区")
        assert c["E1"].formula == "B1*2" and c["E1"].value == 84
        assert c["A1"].value == "标题 & <注意>" and c["A1"].type == "s"
        assert x.is_locked(c["B1"].style) is False and x.is_locked(c["A1"].style) is True


def tricky_cells_file(path: Path) -> Path:
    """Cells hand-written in the spellings applications use (empty values, escapes, rich
    text, phonetic runs, formulas without values, array formulas)."""
    body = ('<row r="1"><c r="A1"><v>7</v></c><c r="B1" t="n"><v>-1.5E+3</v></c><c r="C1"><v></v></c>'
            '<c r="D1" t="n"></c><c r="E1" s="1"/><c r="F1"><v>0012</v></c><c r="G1"><v>1.1000000000000001</v></c>'
            '<c r="H1"><v>12345678901234567890</v></c><c r="I1"><v xml:space="preserve">3</v></c></row>'
            '<row r="2"><c r="A2" t="inlineStr"><is><t>&#38144;&#21806; &amp; &lt;x&gt;</t></is></c>'
            '<c r="B2" t="inlineStr"><is><t></t></is></c><c r="C2" t="inlineStr"><is><t>a_x000D_b</t></is></c>'
            '<c r="D2" t="inlineStr"><is><t xml:space="preserve"> x </t></is></c>'
            '<c r="E2" t="inlineStr"><is><r><t>a</t></r><r><t>b</t></r></is></c>'
            '<c r="F2" t="inlineStr"><is><t>y</t><rPh sb="0" eb="1"><t>z</t></rPh></is></c>'
            '<c r="G2" t="str"><v>s</v></c><c r="H2" t="b"><v>1</v></c><c r="I2" t="e"><v>#N/A</v></c></row>'
            '<row r="3"><c r="A3"><f>SUM(A1:B1)</f><v>1</v></c><c r="B3"><f>"a&amp;b"&amp;A1</f><v></v></c>'
            '<c r="C3"><f></f><v>2</v></c><c r="D3"><f/><v>2</v></c><c r="E3"><f t="array" ref="E3">A1*2</f><v>14</v></c>'
            '<c r="F3" t="str"><f>A2</f><v>x</v></c><c r="G3"><f>A1</f></c></row>')
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{NS}">'
             f'<sheetData>{body}</sheetData></worksheet>')
    src = excel_style_file(path.with_name("src-" + path.name))
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, sheet if info.filename == "xl/worksheets/sheet1.xml" else zin.read(info))
    return path


def test_tricky_cells_read_as_their_applications_meant(tmp_path):
    with XlsxFile(tricky_cells_file(tmp_path / "t.xlsx")) as x:
        c = x.read_sheet("华南区")
    got = {a: (cell.value, cell.formula) for a, cell in c.items()}
    assert got == {
        "A1": (7, None), "B1": (-1500.0, None), "C1": (None, None), "D1": (None, None), "E1": (None, None),
        "F1": (12, None), "G1": (1.1, None), "H1": (12345678901234567890, None), "I1": (3, None),
        "A2": ("销售 & <x>", None), "B2": ("", None), "C2": ("a\rb", None), "D2": (" x ", None), "E2": ("ab", None),
        "F2": ("y", None), "G2": ("s", None), "H2": (True, None), "I2": ("#N/A", None),
        "A3": (1, "SUM(A1:B1)"), "B3": (None, '"a&b"&A1'), "C3": (2, ""), "D3": (2, ""), "E3": (14, "A1*2"),
        "F3": ("x", "A2"), "G3": (None, "A1")}
    assert c["E1"].style == 1 and c["I2"].type == "e" and type(c["B1"].value) is float


@pytest.mark.parametrize("maker", [openpyxl_file, excel_style_file])
def test_parts_kept_from_the_preflight_read_like_parts_read_again(tmp_path, maker):
    """The reader takes the parts the preflight already inflated; with nothing kept
    (keep_max=0) or no preflight it reads them from the zip — the same result."""
    import hashlib

    p = maker(tmp_path / "f.xlsx")
    with XlsxFile(p) as kept, XlsxFile(p, keep_max=0) as again, XlsxFile(p, preflight=False) as bare:
        assert kept._parts and not again._parts
        for x in (again, bare):
            assert x.sheets == kept.sheets and x.defined_names == kept.defined_names
            assert x.custom_properties == kept.custom_properties and x.saved_at == kept.saved_at
            for s in kept.sheet_names:
                assert x.read_sheet(s) == kept.read_sheet(s)
        assert kept.sha256 in (None, hashlib.sha256(p.read_bytes()).hexdigest())


def test_a_big_sheet_is_streamed(tmp_path):
    """Rows are dropped once read: reading 200,000 cells keeps the tree small."""
    p = tmp_path / "big.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("大")
    for r in range(20_000):
        ws.append(list(range(10)))
    wb.save(p)
    with XlsxFile(p) as x:
        n = sum(1 for _ in x.iter_cells("大"))
        assert n == 200_000
        assert x.read_cells("大", {"J20000", "A1"}) == {"A1": Cell(0, None, 0, "n", "0"), "J20000": Cell(9, None, 0, "n", "9")}
