"""Bad input on the command line: a clear one-line-per-problem error, exit 2, no traceback,
nothing half-written."""
from __future__ import annotations

import errno
import zipfile
from pathlib import Path

import pytest

from salesplan.cli import main


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Path:
    from salesplan.config import load_config
    from salesplan.workbook_templates import generate_workbook
    path = tmp_path_factory.mktemp("plan") / "plan.xlsx"
    generate_workbook(load_config(None, month="2026-12"), path)
    return path


def run(capsys, argv) -> tuple[int, str]:
    try:
        rc = main([str(a) for a in argv])
    except SystemExit as exc:          # argparse usage errors
        rc = exc.code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, err


def _not_workbooks(tmp: Path) -> dict[str, Path]:
    text = tmp / "text.xlsx"
    text.write_text("hello, not a workbook", encoding="utf-8")
    folder = tmp / "folder.xlsx"
    folder.mkdir()
    toml = tmp / "plan.toml"
    toml.write_text("month = '2026-12'\n", encoding="utf-8")
    zipped = tmp / "zip.xlsx"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("a.txt", "x")
    return {"text": text, "folder": folder, "toml": toml, "zip": zipped}


@pytest.mark.parametrize("kind", ["text", "folder", "toml", "zip"])
@pytest.mark.parametrize("command", [["split"], ["consolidate"], ["calendar"], ["announce", "--no-pdf"]])
def test_master_workbook_that_is_not_xlsx(tmp_path, capsys, plan, kind, command):
    bad = _not_workbooks(tmp_path)[kind]
    argv = [command[0], bad, *command[1:]]
    if command[0] == "consolidate":
        argv.append(plan)
    if command[0] == "announce":
        argv += ["-o", tmp_path / "out"]
    before = sorted(p.name for p in tmp_path.iterdir())
    rc, err = run(capsys, argv)
    assert rc == 2, err
    assert bad.name in err
    if kind == "folder" and command[0] in ("calendar", "announce"):
        assert "not found" in err or "directory" in err
    else:        # one wording whichever engine read the master: what the file is, what was expected
        what = {"text": "not a zip package", "toml": "a .toml file", "zip": "a zip file that is not an Excel workbook",
                "folder": "a directory"}[kind]
        assert ("salesplan .xlsx workbook" in err and what in err) or "not found" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before    # nothing written (no .regions folder)


def test_open_workbook_names_what_it_is(tmp_path):
    from salesplan.errors import WorkbookError
    from salesplan.xlsx.openpyxl_reader import OpenpyxlReader
    files = _not_workbooks(tmp_path)
    expected = {"text": "not a zip package", "folder": "a directory", "toml": "a .toml file",
                "zip": "a zip file that is not an Excel workbook"}
    for kind, path in files.items():
        with pytest.raises(WorkbookError) as exc:
            OpenpyxlReader(path)
        (p,) = exc.value.problems
        assert p.where == str(path) and expected[kind] in str(p.value)
        assert p.expected == "a salesplan .xlsx workbook"


@pytest.mark.parametrize("output, needle", [
    ("out.txt", "ending in .xlsx or .xlsm"),
    ("out", "ending in .xlsx or .xlsm"),
    ("missing-folder/out.xlsx", "does not exist"),
    ("adir.xlsx", "a directory"),
])
def test_generate_output_path(tmp_path, capsys, output, needle):
    (tmp_path / "adir.xlsx").mkdir()
    out = tmp_path / output
    rc, err = run(capsys, ["generate", "--month", "2026-12", "-o", out])
    assert rc == 2 and needle in err and str(out) in err
    assert not (tmp_path / "missing-folder").exists()
    assert not out.is_file()


@pytest.mark.parametrize("value", ["0", "-5", "abc", "1.5"])
def test_generate_deal_rows_must_be_positive(capsys, value):
    rc, err = run(capsys, ["generate", "--month", "2026-12", "--deal-rows", value])
    assert rc == 2 and "--deal-rows" in err and "1 or more" in err


def test_calendar_output_folder_must_exist(tmp_path, capsys, plan):
    out = tmp_path / "nope" / "cal.ics"
    rc, err = run(capsys, ["calendar", plan, "-o", out])
    assert rc == 2 and str(out) in err and "does not exist" in err
    assert not out.parent.exists()
    rc, err = run(capsys, ["calendar", plan, "-o", tmp_path])
    assert rc == 2 and "a directory" in err


def test_split_output_folder_checks(tmp_path, capsys, plan):
    out = tmp_path / "nope" / "regions"
    rc, err = run(capsys, ["split", plan, "-o", out])
    assert rc == 2 and "does not exist" in err and not out.parent.exists()
    afile = tmp_path / "afile"
    afile.write_text("x")
    rc, err = run(capsys, ["split", plan, "-o", afile])
    assert rc == 2 and "an existing file" in err


@pytest.mark.parametrize("exc", [
    FileExistsError(errno.EEXIST, "File exists", "/some/where/plan.xlsx"),
    NotADirectoryError(errno.ENOTDIR, "Not a directory", "/some/file.txt/x"),
    OSError(errno.ENOSPC, "No space left on device", "/full/disk.xlsx"),
])
def test_any_oserror_is_one_line_naming_the_file(monkeypatch, capsys, exc):
    from salesplan.commands import generate

    def boom(args):
        raise exc
    monkeypatch.setattr(generate, "run", boom)
    rc, err = run(capsys, ["generate", "--month", "2026-12"])
    assert rc == 2 and exc.filename in err and exc.strerror in err


def test_keyboard_interrupt_still_130(monkeypatch, capsys):
    from salesplan.commands import generate

    def boom(args):
        raise KeyboardInterrupt
    monkeypatch.setattr(generate, "run", boom)
    rc, err = run(capsys, ["generate", "--month", "2026-12"])
    assert rc == 130 and "interrupted" in err


@pytest.mark.parametrize("edit, key, expected", [
    (("{ from = 0.8, rate = 0.04 }", "{ from = 0.8, rate = 0.0412345678 }"), "commission.tiers[1].rate",
     "at most 6 decimals"),
    (("special_discount_floor = 0.92", "special_discount_floor = 0.9212345678"), "risks.special_discount_floor",
     "at most 6 decimals"),
    (("standard_discount_floor = 0.95", "standard_discount_floor = 0.95000001"), "risks.standard_discount_floor",
     "at most 6 decimals"),
    (("{ from = 0.8, rate = 0.04 }", "{ from = 0.8, rate = nan }"), "commission.tiers[1].rate", "a finite number"),
    (("repurchase_rate = 0.65", "repurchase_rate = inf"), "targets.repurchase_rate", "a finite number"),
])
def test_config_rates_and_non_finite_numbers(tmp_path, capsys, edit, key, expected):
    from salesplan.config.loader import default_config_text
    text = default_config_text()
    assert edit[0] in text
    cfg = tmp_path / "plan.toml"
    cfg.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    out = tmp_path / "plan.xlsx"
    rc, err = run(capsys, ["generate", "--month", "2026-12", "--config", cfg, "-o", out])
    assert rc == 2 and key in err and expected in err
    assert not out.exists()


def test_referral_rates_decimals(tmp_path):
    from salesplan.config.loader import default_config_text, parse_config
    from salesplan.errors import ConfigError
    text = default_config_text()
    import re
    new, n = re.subn(r"(?m)^referral_rates\s*=.*$", "referral_rates = [0.1234567]", text)
    if not n:
        new = text.replace("[awards]", "[awards]\nreferral_rates = [0.1234567]", 1)
    with pytest.raises(ConfigError) as exc:
        parse_config(new, month="2026-12")
    assert any(p.where.endswith("awards.referral_rates[0]") and "6 decimals" in p.expected
               for p in exc.value.problems)
