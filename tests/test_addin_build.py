"""The built SalesPlan.xlam: reproducible, decodable by olevba, readable by
LibreOffice, right package parts, and the install/CLI around it."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from oletools.olevba import VBA_Parser

from salesplan.addin import build, install, ovba, xlwings_shim
from salesplan.cli import main as cli_main

FIXTURES = Path(__file__).parent / "fixtures"
VBA_DIR = Path(build.__file__).parent / "vba"
UDF = "salesplan_test_udfs"


@pytest.fixture(scope="module", autouse=True)
def _fixture_path():
    sys.path.insert(0, str(FIXTURES))
    yield
    sys.path.remove(str(FIXTURES))


@pytest.fixture(scope="module")
def xlam(tmp_path_factory) -> Path:
    return build.build_addin(tmp_path_factory.mktemp("addin") / "SalesPlan.xlam", udf_module=UDF)


@pytest.fixture(scope="module")
def parts(xlam) -> dict[str, bytes]:
    with zipfile.ZipFile(xlam) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


@pytest.fixture(scope="module")
def expected_modules() -> dict[str, str]:
    with zipfile.ZipFile(build.base_addin_path()) as zf:
        base = build.read_vba_project(zf.read("xl/vbaProject.bin"))
    return {m.name: m.source for m in build.vba_modules(base, UDF)}


def test_build_is_reproducible(tmp_path, xlam):
    again = build.build_addin(tmp_path / "other.xlam", udf_module=UDF)
    assert again.read_bytes() == xlam.read_bytes()
    into_dir = build.build_addin(tmp_path, udf_module=UDF)
    assert into_dir == tmp_path / "SalesPlan.xlam"
    with zipfile.ZipFile(xlam) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert infos[0].filename == "[Content_Types].xml"
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_olevba_decodes_every_module_to_our_sources(xlam, expected_modules):
    parser = VBA_Parser(str(xlam))
    try:
        assert parser.detect_vba_macros()
        decoded = {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    assert decoded == expected_modules
    assert set(decoded) == {"ThisWorkbook", "Sheet2", "Dictionary", "xlwings",
                            "SalesPlanRibbon", "SalesPlanSetup", "xlwings_udfs"}
    # hand-written modules are exactly the files in addin/vba (CRLF line ends)
    for name in ("SalesPlanRibbon", "ThisWorkbook"):
        path = next(VBA_DIR.glob(f"{name}.*"))
        assert decoded[name] == path.read_text("ascii").replace("\n", "\r\n")


def test_vba_sources_are_ascii(expected_modules):
    for path in VBA_DIR.iterdir():
        path.read_bytes().decode("ascii")  # raises on anything else
    for name, src in expected_modules.items():
        assert src.isascii(), name
        assert src.startswith(f'Attribute VB_Name = "{name}"\r\n')
        assert "\n" not in src.replace("\r\n", "")


def test_vba_project_layout(parts):
    project = build.read_vba_project(parts["xl/vbaProject.bin"])
    assert project.dir.project_name == "SalesPlan"
    assert project.project.get("Name") == '"SalesPlan"'
    # _VBA_PROJECT version 0xFFFF: Excel ignores p-code and compiles from source
    vba_project = project.streams["VBA/_VBA_PROJECT"]
    assert vba_project[:2] == b"\xcc\x61" and vba_project[2:4] == b"\xff\xff"
    assert all(m.text_offset == 0 for m in project.dir.modules)  # source only
    kinds = dict(project.project.module_entries())
    assert ("Document", "ThisWorkbook/&H00000000") in project.project.module_entries()
    assert ("Class", "Dictionary") in project.project.module_entries()
    assert kinds  # parsed
    pid = project.project.get("ID").strip('"')
    assert pid == build.PROJECT_ID
    assert ovba.decrypt_data(project.project.get("DPB").strip('"'), pid) == b"\0"
    xlwings_src = project.modules["xlwings"].source
    assert 'Public Const PROJECT_NAME As String = "salesplan"' in xlwings_src
    assert "myaddin" not in xlwings_src.lower()
    assert "RibbonMyAddin" not in project.modules


def test_udf_wrapper_is_xlwings_own(expected_modules):
    module = xlwings_shim.load_udf_module(UDF)
    buf = io.StringIO()

    class Book:
        Name = "SalesPlan.xlam"

    xlwings_shim.xlwings_udfs().generate_vba_wrapper(UDF, module, buf, Book())
    assert expected_modules["xlwings_udfs"].endswith(buf.getvalue().replace("\n", "\r\n"))
    wrapper = expected_modules["xlwings_udfs"]
    for name in ("TEST_KPI_SCORE", "TEST_COUNT_NAMES", "TEST_TODAY_PLAN"):
        assert re.search(rf"^Function {name}\(", wrapper, re.M)
        assert f'XLPy.CallUDF("{UDF}", "{name}"' in wrapper
    assert "not_a_udf" not in wrapper
    assert "ActiveWorkbook" in wrapper  # add-in: the caller's workbook
    # the normally imported module stays untouched (no-op decorators on Linux)
    import salesplan_test_udfs

    if not sys.platform.startswith("win"):
        assert not hasattr(salesplan_test_udfs.TEST_KPI_SCORE, "__xlfunc__")


def _vba_string(expr: str) -> str:
    """Evaluate our generated string expressions: "..." & ChrW(n) & ..."""
    out = []
    for lit, code in re.findall(r'"((?:[^"]|"")*)"|ChrW\((\d+)\)', expr):
        out.append(chr(int(code)) if code else lit.replace('""', '"'))
    return "".join(out).encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def _assignments(src: str, proc: str) -> dict[str, str]:
    body = src.split(f"Private Sub {proc}()")[1].split("End Sub")[0]
    values: dict[str, str] = {}
    for var, expr in re.findall(r"^    (\w+) = (.*)$", body, re.M):
        if expr.startswith(f"{var} & "):
            values[var] += _vba_string(expr[len(var) + 3:])
        else:
            values[var] = _vba_string(expr)
    return values


def test_macro_options_come_from_the_udf_metadata(expected_modules):
    setup = expected_modules["SalesPlanSetup"]
    funcs = {f["name"]: f for f in xlwings_shim.udf_functions(xlwings_shim.load_udf_module(UDF))}
    procs = re.findall(r"^' (\w+)\r\nPrivate Sub (Describe\d+)\(\)", setup, re.M)
    assert sorted(n for n, _ in procs) == sorted(funcs)
    calls = re.findall(r"^    (Describe\d+)\r$", setup.split("' END GENERATED CALLS")[0], re.M)
    assert calls == [p for _, p in procs]
    for name, proc in procs:
        values = _assignments(setup, proc)
        args = [a for a in funcs[name]["args"] if not a["vba"]]
        assert [values[f"a{i}"] for i in range(len(args))] == [a["doc"] for a in args]
        assert f'MacroName("{name}")' in setup.split(f"Private Sub {proc}()")[1].split("End Sub")[0]
    kpi = _assignments(setup, dict(procs)["TEST_KPI_SCORE"])
    assert kpi["d"] == "KPI score: actual / target, capped at 150%. 月度达成率."
    assert kpi["c"] == "SalesPlan Test"
    assert kpi["a1"] == "目标销售额 (monthly target)"
    today = _assignments(setup, dict(procs)["TEST_TODAY_PLAN"])
    assert today["d"] == f"Python function TEST_TODAY_PLAN ({UDF})"  # no absolute path
    assert today["c"] == build.DEFAULT_CATEGORY
    assert "Workbook_Open" in expected_modules["ThisWorkbook"]
    assert "SalesPlanSetup.RegisterFunctions" in expected_modules["ThisWorkbook"]


def test_vba_string_expr_handles_quotes_long_and_astral_text():
    text = 'say "hi" ' + "销" * 300 + " \U0001F600 end"
    groups = build.vba_string_expr(text)
    assert all(len(g) < 260 and g.isascii() for g in groups)
    assert "".join(_vba_string(g) for g in groups) == text


def test_build_without_udf_module_warns_and_omits_wrapper(tmp_path):
    with pytest.warns(UserWarning, match="not found"):
        data = build.build_addin_bytes(udf_module="salesplan_no_such_udfs_module")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        project = build.read_vba_project(zf.read("xl/vbaProject.bin"))
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "xlwings_udfs" not in project.modules
    assert "Describe001" not in project.modules["SalesPlanSetup"].source
    assert "<row" not in sheet


def test_module_without_udfs_warns():
    with pytest.warns(UserWarning, match="no @xw.func"):
        data = build.build_addin_bytes(udf_module="salesplan.errors")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert "xlwings_udfs" not in build.read_vba_project(zf.read("xl/vbaProject.bin")).modules


def test_package_parts_content_types_and_relationships(parts):
    from lxml import etree

    ct = etree.fromstring(parts["[Content_Types].xml"])
    ns = {"ct": "http://schemas.openxmlformats.org/package/2006/content-types"}
    overrides = {o.get("PartName"): o.get("ContentType") for o in ct.findall("ct:Override", ns)}
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert overrides["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    defaults = {d.get("Extension"): d.get("ContentType") for d in ct.findall("ct:Default", ns)}
    assert defaults["xml"] == "application/xml" and "rels" in defaults
    for part in parts:
        if part.endswith(".rels") or part == "[Content_Types].xml":
            continue
        assert "/" + part in overrides or part.rsplit(".", 1)[-1] in defaults, part

    rel_ns = {"r": "http://schemas.openxmlformats.org/package/2006/relationships"}
    root_rels = {r.get("Type"): r.get("Target") for r in
                 etree.fromstring(parts["_rels/.rels"]).findall("r:Relationship", rel_ns)}
    assert root_rels["http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"] == \
        "customUI/customUI.xml"
    assert root_rels["http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"] == \
        "xl/workbook.xml"
    wb_rels = {r.get("Type"): r.get("Target") for r in
               etree.fromstring(parts["xl/_rels/workbook.xml.rels"]).findall("r:Relationship", rel_ns)}
    assert wb_rels["http://schemas.microsoft.com/office/2006/relationships/vbaProject"] == "vbaProject.bin"
    for target in list(root_rels.values()):
        assert target in parts
    for target in wb_rels.values():
        assert "xl/" + target in parts
    assert parts["customUI/customUI.xml"] == (Path(build.__file__).parent / "ribbon.xml").read_bytes()

    wb = parts["xl/workbook.xml"].decode()
    assert '<sheet name="salesplan.conf"' in wb and "felix" not in wb.lower()
    assert "Felix" not in parts["docProps/core.xml"].decode()
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    assert 'codeName="Sheet2"' in sheet
    sst = parts["xl/sharedStrings.xml"].decode()
    assert "<t xml:space=\"preserve\">UDF Modules</t>" in sst and UDF in sst


def test_config_rows_skip_empty_values(tmp_path):
    data = build.build_addin_bytes(udf_module=UDF, config={"Interpreter_Win": r"C:\py\pythonw.exe",
                                                            "PYTHONPATH": "", "Show Console": True})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sst = zf.read("xl/sharedStrings.xml").decode()
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert r"C:\py\pythonw.exe" in sst and "PYTHONPATH" not in sst
    assert sheet.count("<row") == 3 and 't="b"><v>1</v>' in sheet


# --- LibreOffice ---------------------------------------------------------------

def _soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required when CI=true")
        pytest.skip("LibreOffice (soffice) is not installed")
    return found


@pytest.mark.libreoffice
def test_libreoffice_opens_the_addin_and_lists_the_modules(xlam, tmp_path, expected_modules):
    soffice = _soffice()
    # LibreOffice does not open .xlam packages (not even xlwings' own); the
    # same package with the .xlsm main content type is otherwise unchanged.
    xlsm = tmp_path / "SalesPlan.xlsm"
    xlsm.write_bytes(build.with_main_content_type(xlam.read_bytes()))
    out = tmp_path / "out"
    proc = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--norestore",
         "--convert-to", "ods", "--outdir", str(out), str(xlsm)],
        capture_output=True, text=True, timeout=240,
    )
    ods = out / "SalesPlan.ods"
    assert ods.is_file(), proc.stdout + proc.stderr
    with zipfile.ZipFile(ods) as zf:
        names = zf.namelist()
        lib = zf.read("Basic/SalesPlan/script-lb.xml").decode()
        listed = re.findall(r'library:element library:name="([^"]+)"', lib)
        assert sorted(listed) == sorted(expected_modules)
        from lxml import etree

        for name, source in expected_modules.items():
            assert f"Basic/SalesPlan/{name}.xml" in names
            code = etree.fromstring(zf.read(f"Basic/SalesPlan/{name}.xml")).text or ""
            lo_lines = [l.rstrip() for l in code.splitlines()
                        if not l.startswith(("Rem Attribute", "Option VBASupport", "Option ClassModule"))]
            our_lines = [l.rstrip() for l in source.split("\r\n") if not l.startswith("Attribute ")]
            assert [l for l in lo_lines if l] == [l for l in our_lines if l], name


# --- CLI and install -----------------------------------------------------------

def test_cli_build(tmp_path, capsys):
    assert cli_main(["addin", "build", "-o", str(tmp_path / "x.xlam"), "--udf-module", UDF]) == 0
    assert (tmp_path / "x.xlam").read_bytes()[:2] == b"PK"
    assert "wrote" in capsys.readouterr().out


def test_cli_install_dry_run_changes_nothing(tmp_path, capsys):
    assert cli_main(["addin", "install", "--dry-run", "--platform", "windows",
                     "--path", str(tmp_path / "xlstart"), "--interpreter", r"C:\Py\pythonw.exe"]) == 0
    out = capsys.readouterr().out
    assert "would write" in out and "SalesPlan.xlam" in out and r"C:\Py\pythonw.exe" in out
    assert not (tmp_path / "xlstart").exists()


def test_install_paths_per_platform(tmp_path):
    win = install.plan_install(platform="windows", home=tmp_path, interpreter="py")
    assert win.addin_path == tmp_path / "AppData/Roaming/Microsoft/Excel/XLSTART/SalesPlan.xlam"
    assert win.config_path == tmp_path / ".salesplan/salesplan.conf"
    assert win.config == {"Interpreter_Win": "py"}
    win_env = install.plan_install(platform="windows", env={"APPDATA": r"C:\Users\a\AppData\Roaming",
                                                            "USERPROFILE": r"C:\Users\a"})
    assert str(win_env.addin_path).replace("\\", "/").endswith(
        "C:/Users/a/AppData/Roaming/Microsoft/Excel/XLSTART/SalesPlan.xlam")
    mac = install.plan_install(platform="mac", home=tmp_path, interpreter="/opt/py")
    assert mac.addin_path == tmp_path / ("Library/Group Containers/UBF8T346G9.Office/User Content.localized/"
                                         "Startup.localized/Excel/SalesPlan.xlam")
    assert mac.config_path == tmp_path / "Library/Containers/com.microsoft.Excel/Data/salesplan.conf"
    assert mac.config == {"Interpreter_Mac": "/opt/py"}
    (src, dst), = mac.copies
    assert src.is_file() and dst.parent == tmp_path / "Library/Application Scripts/com.microsoft.Excel"
    with pytest.raises(install.AddinInstallError):
        install.detect_platform("linux")


def test_install_writes_addin_config_and_script(tmp_path):
    conf = tmp_path / "Library/Containers/com.microsoft.Excel/Data/salesplan.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text('"CONDA_PATH","/opt/conda"\n"INTERPRETER_MAC","old"\n')
    lines: list[str] = []
    plan = install.install_addin(platform="mac", home=tmp_path, interpreter="/opt/py/bin/python",
                                 udf_module=UDF, echo=lines.append)
    assert plan.addin_path.is_file()
    assert conf.read_text() == '"CONDA_PATH","/opt/conda"\n"INTERPRETER_MAC","/opt/py/bin/python"\n'
    assert plan.copies[0][1].is_file()
    with zipfile.ZipFile(plan.addin_path) as zf:
        assert "/opt/py/bin/python" in zf.read("xl/sharedStrings.xml").decode()
    assert any("installed" in l for l in lines)
    dry = install.install_addin(platform="windows", home=tmp_path / "w", dry_run=True, echo=lines.append)
    assert not dry.addin_path.exists() and not (tmp_path / "w").exists()
