"""The VBA as Excel runs it, read back from the built .xlam with olevba: no error
reaches the VBA debugger, a click without a workbook gets a message, MacroOptions
runs only where UDFs exist, and the add-in knows which xlwings it was built for —
checked at start-up (Windows: the DLL) and on every click (Python's xlwings)."""
from __future__ import annotations

import re
import subprocess
import sys
import zipfile

import pytest
import xlwings
from oletools.olevba import VBA_Parser

from salesplan.addin import build, messages, runtime
from salesplan.cli import main as cli_main


@pytest.fixture(scope="module")
def modules(tmp_path_factory) -> dict[str, str]:
    xlam = build.build_addin(tmp_path_factory.mktemp("vba") / "SalesPlan.xlam")
    parser = VBA_Parser(str(xlam))
    try:
        return {name.rsplit(".", 1)[0]: code.replace("\r\n", "\n")
                for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def _proc(src: str, header: str) -> str:
    body = src.split(header, 1)[1]
    return body.split("\nEnd Sub", 1)[0].split("\nEnd Function", 1)[0]


def _vba_string(expr: str) -> str:
    out = []
    for lit, code in re.findall(r'"((?:[^"]|"")*)"|ChrW\((\d+)\)', expr):
        out.append(chr(int(code)) if code else lit.replace('""', '"'))
    return "".join(out)


def test_ribbon_click_guards_no_workbook_and_turns_errors_into_a_message(modules):
    body = _proc(modules["SalesPlanRibbon"], "Public Sub OnAction(control As IRibbonControl)")
    lines = [line.strip() for line in body.splitlines()]
    handler = lines.index("On Error GoTo Failed")
    guard = lines.index("If ActiveWorkbook Is Nothing Then")
    call = next(i for i, line in enumerate(lines) if line.startswith("RunPython "))
    assert handler < guard < call  # the guard runs before xlwings touches ActiveWorkbook (error 91)
    assert lines[guard + 1] == 'MsgBox SalesPlanSetup.Message("no_workbook"), vbExclamation, "SalesPlan"'
    assert lines[guard + 2] == "Exit Sub"
    failed = lines.index("Failed:")
    assert lines[failed - 1] == "Exit Sub" and lines[failed + 1].startswith('MsgBox SalesPlanSetup.Message("action_failed"')
    assert "Err.Description" in lines[failed + 1]
    assert "import salesplan.addin.runtime as r; r.run('\" & actionTag & \"', '\" & _" in body
    assert "SalesPlanSetup.BUILT_FOR_XLWINGS & \"')\"" in body
    # nothing in the add-in's own modules stops in the debugger
    for name in ("SalesPlanRibbon", "SalesPlanSetup", "ThisWorkbook"):
        assert "Stop" not in modules[name].split() and "Debug.Assert" not in modules[name]


def test_workbook_open_never_stops_the_load_and_checks_xlwings(modules):
    body = _proc(modules["ThisWorkbook"], "Private Sub Workbook_Open()")
    code = [line.strip() for line in body.splitlines() if line.strip() and not line.strip().startswith("'")]
    assert code == ["On Error Resume Next", "SalesPlanSetup.RegisterFunctions", "SalesPlanSetup.CheckXlwings"]
    check = _proc(modules["SalesPlanSetup"], "Public Sub CheckXlwings()")
    assert check.index("#If Mac Then") < check.index("#Else") < check.index("On Error GoTo Done")
    assert 'dllName & BUILT_FOR_XLWINGS & ".dll"' in check
    assert 'MsgBox Message("xlwings_mismatch", BUILT_FOR_XLWINGS, found, interpreter)' in check


def test_macro_options_only_where_udfs_exist(modules):
    setup = modules["SalesPlanSetup"]
    register = _proc(setup, "Public Sub RegisterFunctions()")
    mac, windows = register.split("#Else", 1)
    assert "#If Mac Then" in mac and "Describe" not in mac
    calls = re.findall(r"^\s+(Describe\d+)$", windows, re.M)
    assert calls and windows.rstrip().endswith("#End If")
    # every MacroOptions call lives in a Describe procedure, and those run only from the #Else branch
    for line in setup.splitlines():
        if "Application.MacroOptions" in line and not line.lstrip().startswith("'"):
            owner = setup[: setup.index(line)].rsplit("Private Sub ", 1)[1].split("(")[0]
            assert owner in calls
    assert len(re.findall(r"^Private Sub Describe\d+\(\)", setup, re.M)) == len(calls)
    assert "Application.MacroOptions" not in modules["ThisWorkbook"] + modules["SalesPlanRibbon"]


def test_the_addin_carries_the_installed_xlwings_version(modules):
    version = xlwings.__version__
    const = re.findall(r'^Public Const BUILT_FOR_XLWINGS As String = "([^"]*)"$', modules["SalesPlanSetup"], re.M)
    assert const == [version]
    xw = modules["xlwings"]
    assert f'Public Const XLWINGS_VERSION As String = "{version}"' in xw
    dlls = set(re.findall(r'"(xlwings(?:32|64)-[^"]+\.dll)"', xw))
    assert dlls == {f"xlwings64-{version}.dll", f"xlwings32-{version}.dll"}


def test_messages_in_the_vba_are_the_python_texts(modules):
    body = _proc(modules["SalesPlanSetup"], "Public Function Message(")
    got: dict[str, str] = {}
    key = None
    for line in body.splitlines():
        line = line.strip()
        if m := re.fullmatch(r'Case "(\w+)"', line):
            key = m.group(1)
        elif line.startswith("s = s & "):
            got[key] += _vba_string(line[len("s = s & "):])
        elif line.startswith("s = "):
            got[key] = _vba_string(line[len("s = "):])
    assert got == messages.MESSAGES
    assert "salesplan addin install" in got["xlwings_mismatch"] and "启用编辑" in got["no_workbook"]


def test_python_side_refuses_another_xlwings_with_the_same_message():
    assert runtime.xlwings_mismatch(xlwings.__version__) is None
    text = runtime.xlwings_mismatch("0.30.0", interpreter=r"C:\Py\python.exe")
    assert text == messages.fill("xlwings_mismatch", "0.30.0", xlwings.__version__, r"C:\Py\python.exe")
    assert f"built for xlwings 0.30.0, but the Python it runs (C:\\Py\\python.exe) has xlwings " \
           f"{xlwings.__version__}" in text
    # with no Excel to show it in, the run fails with the message on stderr (xlwings shows that text)
    r = subprocess.run([sys.executable, "-c", "import salesplan.addin.runtime as r; r.run('check_risks', '0.30.0')"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "built for xlwings 0.30.0" in r.stderr and "Traceback" not in r.stderr


def test_cli_build_and_install_name_the_xlwings_version(tmp_path, capsys):
    assert cli_main(["addin", "build", "-o", str(tmp_path / "a.xlam")]) == 0
    assert f"for xlwings {xlwings.__version__}" in capsys.readouterr().out
    assert cli_main(["addin", "install", "--dry-run", "--platform", "windows", "--path", str(tmp_path)]) == 0
    assert f"xlwings {xlwings.__version__}" in capsys.readouterr().out


def test_a_bad_version_text_cannot_reach_the_vba():
    with pytest.raises(ValueError):
        messages.constants_vba('0.1"); Shell("calc')
    with zipfile.ZipFile(build.base_addin_path()) as zf:
        base = build.read_vba_project(zf.read("xl/vbaProject.bin"))
    assert build.xlwings_version(base) == xlwings.__version__


def test_install_from_an_activated_conda_environment_sets_xlwings_conda_keys(tmp_path):
    from salesplan.addin import install

    env = {"USERPROFILE": r"C:\Users\a", "APPDATA": r"C:\Users\a\AppData\Roaming",
           "CONDA_EXE": r"C:\Users\a\miniconda3\Scripts\conda.exe", "CONDA_DEFAULT_ENV": "sales"}
    plan = install.plan_install(platform="windows", env=env, interpreter=r"C:\Users\a\miniconda3\envs\sales\python.exe")
    assert plan.config["CONDA PATH"] == r"C:\Users\a\miniconda3" and plan.config["CONDA ENV"] == "sales"
    assert "CONDA PATH" not in install.plan_install(platform="windows", env={"USERPROFILE": r"C:\Users\a"}).config
    assert "CONDA PATH" not in install.plan_install(platform="mac", home=tmp_path, env=env).config
