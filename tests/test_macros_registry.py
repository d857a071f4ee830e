"""The macro registry and the RunPython entry point, run headless."""
from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import pytest

import salesplan.macros as macros
from salesplan.errors import InputError, Problem, SalesPlanError
from salesplan.macros import registry, runner


@pytest.fixture
def temp_macros():
    """Register test macros for one test, then remove them again."""
    added: list[str] = []

    def add(tag, func, **kw):
        kw.setdefault("label_zh", "测试")
        kw.setdefault("label_en", "Test")
        kw.setdefault("screentip", "Test macro.")
        registry.macro(tag, **kw)(func)
        added.append(tag)
        return func

    yield add
    for tag in added:
        registry.REGISTRY.pop(tag, None)


class Book:
    """A minimal stand-in for the workbook context a macro receives."""

    def __init__(self, name="plan.xlsx"):
        self.name = name
        self.seen: list[str] = []


def test_decorator_leaves_a_plain_function(temp_macros):
    def hello(book):
        book.seen.append("hello")
        return 42

    assert temp_macros("test_hello", hello) is hello
    assert type(hello) is types.FunctionType and hello.__name__ == "hello"
    b = Book()
    assert hello(b) == 42  # still callable directly
    assert registry.dispatch("test_hello", b) == 42
    assert b.seen == ["hello", "hello"]
    spec = registry.get("test_hello")
    assert spec.qualname.endswith("hello") and spec.headless_ok and spec.on_ribbon


def test_registration_rules(temp_macros):
    def first(book):
        return 1

    def second(book):
        return 2

    temp_macros("test_dup", first)
    with pytest.raises(ValueError, match="already registered"):
        registry.macro("test_dup", label_zh="x", label_en="x", screentip="x")(second)
    # re-registering the same function (a module reload) is fine
    registry.macro("test_dup", label_zh="x", label_en="x", screentip="x")(first)
    for bad in ("Bad", "with space", "x;import os", "", "a" * 65, "1abc"):
        with pytest.raises(ValueError):
            registry.macro(bad, label_zh="x", label_en="x", screentip="x")
    with pytest.raises(ValueError, match="required"):
        registry.macro("test_nolabel", label_zh="", label_en="x", screentip="x")

    def undocumented(book):
        return None

    with pytest.raises(ValueError, match="docstring"):
        registry.macro("test_headless", label_zh="x", label_en="x", screentip="x", on_ribbon=False)(undocumented)

    def documented(book):
        """Called by `salesplan regional split`, not from the ribbon."""

    temp_macros("test_headless", documented, on_ribbon=False)
    assert registry.get("test_headless") not in registry.ribbon_macros()


def test_unknown_tag_is_a_salesplan_error():
    with pytest.raises(registry.UnknownMacroError) as info:
        registry.dispatch("no_such_macro", Book())
    assert isinstance(info.value, SalesPlanError)
    assert "no_such_macro" in str(info.value) and "generate_plan" in str(info.value)


def test_plan_macros_are_registered():
    assert set(runner.load_macros()) >= {"generate_plan", "recalculate", "check_risks", "open_settings"}
    for tag in ("generate_plan", "recalculate", "check_risks", "open_settings"):
        spec = registry.get(tag)
        assert spec.func.__module__ == "salesplan.macros.plan_macros"
        assert spec.label_zh and spec.label_en and spec.screentip


def test_plan_macros_call_the_actions_module(monkeypatch):
    """Each plan macro hands its book to salesplan.macros.actions.<tag> (looked up when it runs) and
    returns what the action returns; run() reports success. The actions' effects on a workbook are
    tested in tests/test_workbook_regen.py and below."""
    from salesplan.macros import actions

    tags = ("generate_plan", "recalculate", "check_risks", "open_settings")
    calls = []
    for tag in tags:
        assert callable(getattr(actions, tag)), tag
        monkeypatch.setattr(actions, tag, lambda book, _t=tag: calls.append((_t, book)) or f"done {_t}")
    book = Book()
    for tag in tags:
        assert registry.dispatch(tag, book) == f"done {tag}"
        assert macros.run(tag, book=book, notify=lambda m, t: pytest.fail(m)) is True
    assert calls == [(t, book) for t in tags for _ in (0, 1)]


def test_run_success_and_engine_error(temp_macros):
    messages: list[tuple[str, str]] = []
    notify = lambda msg, title: messages.append((msg, title))  # noqa: E731

    temp_macros("test_ok", lambda book: book.seen.append("ok"))
    b = Book()
    assert macros.run("test_ok", book=b, notify=notify) is True
    assert b.seen == ["ok"] and messages == []

    err = InputError([Problem("设置!B3", "2024-13", "a month like 2024-05"),
                      Problem("目标!C7", -5, "a target >= 0")], source="plan.xlsx")

    def fails(book):
        raise err

    temp_macros("test_engine_error", fails)
    assert macros.run("test_engine_error", book=b, notify=notify) is False
    (msg, title), = messages
    assert msg == str(err)  # the engine's own clear message, verbatim
    assert "Traceback" not in msg and title == runner.ALERT_TITLE


def test_run_unexpected_error_is_summarised_and_logged(temp_macros, tmp_path, monkeypatch):
    monkeypatch.setenv("SALESPLAN_LOG_DIR", str(tmp_path))
    messages = []

    def boom(book):
        return {}["missing_key"]

    temp_macros("test_boom", boom)
    assert macros.run("test_boom", book=Book(), notify=lambda m, t: messages.append(m)) is False
    msg, = messages
    assert "KeyError" in msg and "missing_key" in msg and "test_boom" in msg
    assert "Traceback" not in msg and str(tmp_path) in msg
    log = (tmp_path / "salesplan-macros.log").read_text("utf-8")
    assert "Traceback" in log and "boom" in log


def test_run_unknown_tag_reports_instead_of_raising():
    messages = []
    assert macros.run("nope_not_here", book=Book(), notify=lambda m, t: messages.append(m)) is False
    assert "nope_not_here" in messages[0]


def test_long_messages_are_shortened_for_a_message_box(temp_macros):
    err = InputError([Problem(f"区域!A{i}", i, "a name") for i in range(200)])
    temp_macros("test_long", lambda book: (_ for _ in ()).throw(err))
    messages = []
    macros.run("test_long", book=Book(), notify=lambda m, t: messages.append(m))
    assert len(messages[0]) <= runner.MAX_MESSAGE
    assert messages[0].startswith("200 problem(s):") and "more line(s)" in messages[0]


def test_runpython_command_from_the_vba_dispatcher_runs_headless(tmp_path):
    """Execute exactly the Python command SalesPlanRibbon.OnAction sends, in a
    fresh interpreter without Excel: the error is reported, no traceback."""
    import xlwings

    bas = (Path(macros.__file__).parents[1] / "addin" / "vba" / "SalesPlanRibbon.bas").read_text("ascii")
    expr = ""
    for line in bas.split("RunPython ", 1)[1].splitlines():  # the statement, with its continuations
        expr += line.strip().removesuffix("_")
        if not line.rstrip().endswith("& _"):
            break
    values = {"actionTag": "no_such_tag", "SalesPlanSetup.BUILT_FOR_XLWINGS": xlwings.__version__}
    command = "".join(p[1:-1] if p.startswith('"') else values[p] for p in map(str.strip, expr.split(" & ")))
    assert command == f"import salesplan.addin.runtime as r; r.run('no_such_tag', '{xlwings.__version__}')"
    proc = subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "SALESPLAN_LOG_DIR": str(tmp_path)})
    assert proc.returncode == 0
    assert "no_such_tag" in proc.stderr and "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- every ribbon macro, headless

DEALS_CSV = ("成交日期,销售,区域,客户,新客户,产品线,金额,合同编号,已盖章\n"
             "2026-12-01,钱东一,华东区,\"=HYPERLINK(\"\"http://x\"\",\"\"x\"\")\",是,产品A,１２０万,HT-1,是\n"
             "2026-12-02,吴南一,华南区,未盖章,否,产品B,5000,HT-2,否\n"
             "2026-12-03,冯西一,西南区,客户丙,否,产品C,\"￥38,000.00\",HT-3,是\n")


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory):
    from salesplan.config import load_config
    from salesplan.workbook_templates import generate_workbook

    d = tmp_path_factory.mktemp("macros")
    generate_workbook(load_config(None, month="2026-12"), d / "plan.xlsx")
    (d / "crm.csv").write_text(DEALS_CSV, encoding="gbk")
    return d


def _deals(path):
    from salesplan.workbook_templates.inputs import read_inputs
    from salesplan.xlsx.openpyxl_reader import OpenpyxlReader

    with OpenpyxlReader(path) as rd:
        _, inputs = read_inputs(rd)
    return inputs, [d for d in inputs.deals if d.rep not in (None, "")]


def _run(tag, book):
    messages = []
    ok = macros.run(tag, book=book, notify=lambda m, t: messages.append(m))
    assert ok, messages
    return book.ui.messages


def test_every_ribbon_macro_runs_headless_with_its_effect(plan_dir, tmp_path):
    """Each ribbon macro, through the same run() RunPython calls, on a generated workbook."""
    import openpyxl
    from salesplan.macros.actions import HeadlessUI, PathBook
    from salesplan.regional.manifest import SplitManifest, sidecar_path

    plan = plan_dir / "plan.xlsx"
    seen: set[str] = set()

    def book(**ui):
        return PathBook(plan, HeadlessUI(**ui))

    # 导入成交: the file dialog answers crm.csv; deals land in 成交明细, text kept as text
    msgs = _run("import_deals", book(files=[plan_dir / "crm.csv"]))
    seen.add("import_deals")
    _, deals = _deals(plan)
    assert [d.contract_id for d in deals] == ["HT-1", "HT-3"]
    assert deals[0].customer == '=HYPERLINK("http://x","x")' and float(deals[0].amount) == 1_200_000
    assert "rows imported: 2" in msgs[-1] and "excluded unstamped (R11): 1" in msgs[-1]

    # 拆分区域文件: one file per region next to the plan
    msgs = _run("split_regions", book())
    seen.add("split_regions")
    regions_dir = plan_dir / "plan.regions"
    files = sorted(regions_dir.glob("*.xlsx"))
    assert len(files) == 4 and "split into 4 regional file(s)" in msgs[-1]

    # a manager types a rep into the 华东区 file; 合并区域文件 brings it into the master
    m = SplitManifest.load(sidecar_path(plan, "华东区"))
    by_key = {f.key: f for f in m.inputs}
    wb = openpyxl.load_workbook(regions_dir / "plan.华东区.xlsx")
    ws = wb["华东区"]
    ws[by_key[("reps", "华东区", "#1", "name")].cell] = "钱东一"
    ws[by_key[("reps", "华东区", "#1", "weight")].cell] = 2
    wb.save(regions_dir / "plan.华东区.xlsx")
    msgs = _run("consolidate_regions", book())
    seen.add("consolidate_regions")
    inputs, deals = _deals(plan)
    assert inputs.regions["华东区"].reps[0].name == "钱东一" and inputs.regions["华东区"].reps[0].weight == 2
    assert [d.contract_id for d in deals] == ["HT-1", "HT-3"]            # the deals survive consolidation
    assert "imported" in msgs[-1]

    # 下发方案: outputs written next to the plan; "send?" answered no
    b = book(yes=False)
    msgs = _run("announce_plan", b)
    seen.add("announce_plan")
    out = plan_dir / "announce-2026-12"
    for name in ("salesplan-2026-12-dingtalk.md", "salesplan-2026-12-email.eml", "salesplan-2026-12.ics",
                 "salesplan-2026-12-summary.pdf"):
        assert (out / name).stat().st_size > 0, name
    assert "dingtalk: not sent" in msgs[-1] and "email: not sent" in msgs[-1]
    assert any("send it to the DingTalk group" in m for m in b.ui.messages)             # it asked before sending
    assert not (plan_dir / "salesplan-sent.json").exists()

    # the plan macros (their effects are tested in tests/test_workbook_regen.py)
    for tag in ("open_settings", "check_risks", "recalculate", "generate_plan"):
        _run(tag, book())
        seen.add(tag)
    seen |= {"close_month", "diff_last_month"}     # run headless with a history in tests/test_history_ribbon.py
    assert seen == {s.tag for s in registry.ribbon_macros()}, "a ribbon macro without a headless run here"


def test_import_macro_validates_everything_before_writing(plan_dir, tmp_path):
    import hashlib

    from salesplan.macros.actions import HeadlessUI, PathBook

    plan = tmp_path / "plan.xlsx"
    plan.write_bytes((plan_dir / "plan.xlsx").read_bytes())
    before = hashlib.sha256(plan.read_bytes()).hexdigest()
    bad = tmp_path / "bad.csv"
    bad.write_text(DEALS_CSV.replace("￥38,000.00", "三十八").replace("钱东一", ""), encoding="utf-8")
    other = tmp_path / "november.csv"
    other.write_text(DEALS_CSV.replace("2026-12-03", "2026-11-03"), encoding="utf-8")
    messages = []
    book = PathBook(plan, HeadlessUI(files=[plan_dir / "crm.csv", bad]))
    assert macros.run("import_deals", book=book, notify=lambda m, t: messages.append(m)) is False
    assert "bad.csv: row 2, column 销售" in messages[0] and "bad.csv: row 4, column 金额" in messages[0]
    # a deal of another month: the question is asked; "no" refuses, "yes" imports
    book = PathBook(plan, HeadlessUI(files=[other], yes=False))
    assert macros.run("import_deals", book=book, notify=lambda m, t: messages.append(m)) is False
    assert "november.csv: row 4, column 成交日期" in messages[-1]
    assert any("Import them anyway?" in m for m in book.ui.messages)
    assert hashlib.sha256(plan.read_bytes()).hexdigest() == before
    # cancelling the file dialog writes nothing and is not an error
    book = PathBook(plan, HeadlessUI(files=None))
    assert macros.run("import_deals", book=book, notify=lambda m, t: messages.append(m)) is True
    assert "cancelled" in book.ui.messages[-1]
    assert hashlib.sha256(plan.read_bytes()).hexdigest() == before
    book = PathBook(plan, HeadlessUI(files=[other], yes=True))
    assert macros.run("import_deals", book=book, notify=lambda m, t: messages.append(m)) is True
    assert [d.contract_id for d in _deals(plan)[1]] == ["HT-1", "HT-3"]


def test_import_deals_macro_reports_progress_as_status_bar_text(plan_dir, tmp_path):
    """导入成交 in Excel shows its progress on the status bar: the same CallbackProgress
    that status_bar_progress gives an xlwings book, here collecting the lines; the last
    call (None) gives the status bar back to Excel."""
    from salesplan.macros.actions import HeadlessUI, PathBook, import_deals
    from salesplan.progress import CallbackProgress

    import shutil

    seen: list[str | None] = []
    plan = shutil.copy(plan_dir / "plan.xlsx", tmp_path / "plan.xlsx")     # the shared plan stays as it is
    import_deals(PathBook(plan, HeadlessUI()), [plan_dir / "crm.csv"], progress=CallbackProgress(seen.append,
                                                                                                  interval=0))
    assert seen[0].startswith("导入成交 import deals") and "0/2" in seen[0]
    assert any("crm.csv" in s for s in seen[1:-1]) and any("写入 成交明细" in s for s in seen[1:-1])
    assert "2/2" in seen[-2] and seen[-1] is None


def test_status_bar_progress_sets_texts_and_gives_the_bar_back():
    """status_bar_progress over an xlwings-shaped book (``book.app.status_bar``: xlwings'
    App property; xlwings cannot start an App without Excel, so the app here is a plain
    object with that one attribute): texts while it runs, ``False`` (Excel's own status
    bar again) at the end, and a status bar that refuses never breaks the run."""
    from salesplan.progress import status_bar_progress

    class App:
        def __init__(self):
            self.shown = []

        @property
        def status_bar(self):
            return self.shown[-1] if self.shown else False

        @status_bar.setter
        def status_bar(self, value):
            self.shown.append(value)

    book = types.SimpleNamespace(app=App())
    p = status_bar_progress(book)
    p.interval = 0
    p.start(2, "合并区域文件")
    p.advance(1, "a.xlsx")
    p.advance(1, "b.xlsx")
    p.finish("done")
    assert book.app.shown[0].startswith("合并区域文件") and "a.xlsx" in book.app.shown[1]
    assert "2/2" in book.app.shown[2] and book.app.shown[-1] is False

    class Refusing:
        @property
        def status_bar(self):
            return False

        @status_bar.setter
        def status_bar(self, value):
            raise RuntimeError("Excel is busy")

    q = status_bar_progress(types.SimpleNamespace(app=Refusing()))
    q.start(1, "x")
    q.advance(1)
    q.finish()
