"""`salesplan announce PLAN.xlsx --gap`: the daily 冲刺 message, rendered and posted to a local DingTalk robot."""
from __future__ import annotations

import json

import pytest

from salesplan.cli import main
from salesplan.config import load_default
from salesplan.engine.plan import compute_plan
from salesplan.workbook_templates.writer import generate_workbook
from test_announce_send import SECRET, Robot
from tests.test_gap_cli import MONTH, typed_inputs


@pytest.fixture
def book(tmp_path):
    cfg = load_default(MONTH)
    path = tmp_path / "plan.xlsx"
    generate_workbook(cfg, path, inputs=typed_inputs(compute_plan(cfg)))
    return path


@pytest.fixture
def robot(monkeypatch):
    r = Robot()
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("SALESPLAN_DINGTALK_WEBHOOK", r.url)
    monkeypatch.setenv("SALESPLAN_DINGTALK_SECRET", SECRET)
    yield r
    r.close()


def test_renders_regions_closest_reps_and_days_left(book, tmp_path, capsys):
    assert main(["announce", str(book), "--gap", "--as-of", "2027-03-15", "-o", str(tmp_path / "out")]) == 0
    assert "not sent" in capsys.readouterr().out
    text = (tmp_path / "out" / "冲刺-2027-03-15.md").read_text("utf-8")
    assert "本月剩余 **12** 个工作日" in text
    assert "华东区：已完成 ¥850,000.50 / ¥1,050,000.00（81.0%），距目标 **¥199,999.50**" in text
    assert "新客户尚需 24 家" in text
    closest = text.split("**最接近下一档**")[1]
    assert closest.index("陈一：再签 **¥20,000.00** 进入第2档") < closest.index("周二：再签 **¥74,999.50**")
    assert "当前销冠：华东区 周二 ¥450,000.50" in text
    payload = json.loads((tmp_path / "out" / "冲刺-2027-03-15.dingtalk.json").read_text("utf-8"))
    assert payload["msgtype"] == "markdown" and payload["markdown"]["text"] == text.rstrip("\n")


def test_send_posts_once_a_day(book, tmp_path, robot, capsys):
    argv = ["announce", str(book), "--gap", "--as-of", "2027-03-15", "-o", str(tmp_path / "out"), "--send",
            "--lang", "en"]
    assert main(argv) == 0
    assert "sent: posted to" in capsys.readouterr().out
    assert len(robot.received) == 1 and robot.rejected == []
    assert "12** working day(s) left" in robot.received[0]["markdown"]["text"]
    assert main(argv) == 0 and "skipped" in capsys.readouterr().out and len(robot.received) == 1
    assert main(argv + ["--force"]) == 0 and len(robot.received) == 2
    assert main(argv[:4] + ["2027-03-16"] + argv[5:]) == 0 and len(robot.received) == 3


def test_send_failure_exits_3_and_missing_webhook_exits_2(book, tmp_path, robot, monkeypatch, capsys):
    robot.mode = "http403"
    argv = ["announce", str(book), "--gap", "--as-of", "2027-03-15", "-o", str(tmp_path / "out"), "--send"]
    assert main(argv) == 3
    assert "HTTP 403" in capsys.readouterr().err
    monkeypatch.delenv("SALESPLAN_DINGTALK_WEBHOOK")
    assert main(argv) == 2
    assert "SALESPLAN_DINGTALK_WEBHOOK" in capsys.readouterr().err


def test_gap_needs_a_workbook(capsys):
    assert main(["announce", "--gap"]) == 2
    assert "PLAN.xlsx" in capsys.readouterr().err
