"""Issue 7: the announcement's renderers (DingTalk markdown, e-mail, summary workbook, PDF)."""
from __future__ import annotations

import email
import email.policy
import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from salesplan.announce import build_announcement
from salesplan.announce import dingtalk, mail, summary
from salesplan.announce.core import announce_plan, output_names
from salesplan.config import default_config_text
from salesplan.config.loader import parse_config
from salesplan.engine.plan import compute_plan


def seed_plan(month: str = "2026-12"):
    return compute_plan(parse_config(default_config_text(), month=month))


def second_config_text() -> str:
    """A different team: other managers, five products, other region amounts, January 2027 (Spring Festival)."""
    text = default_config_text()
    for old, new in [("张明", "陈静"), ("李强", "周杰"), ("王芳", "吴磊"), ("刘伟", "孙丽"),
                     ("revenue = 1050000", "revenue = 1000000"), ("revenue = 820000", "revenue = 870000"),
                     ("share = 0.40", "share = 0.35")]:
        assert old in text, old
        text = text.replace(old, new, 1)
    text = text.replace('name = "行业解决方案"\nshare = 0.10',
                        'name = "行业解决方案"\nshare = 0.10\n\n[[products]]\nname = "产品D"\nshare = 0.05')
    return 'month = "2027-01"\n' + text


def second_plan():
    return compute_plan(parse_config(second_config_text(), source="second.toml"))


def require_soffice() -> str:
    exe = summary.find_soffice()
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required on CI for the PDF tests: apt-get install libreoffice-calc "
                        "fonts-noto-cjk")
        pytest.skip("LibreOffice (soffice) not installed")
    return exe


# --------------------------------------------------------------------------- content


def test_second_config_differs():
    d = second_plan().to_dict()
    assert d["month"] == "2027-01"
    assert [r["manager"] for r in d["regions"]] == ["陈静", "周杰", "吴磊", "孙丽"]
    assert [p["name"] for p in d["products"]][-1] == "产品D"
    assert any(a["code"] == "sensitive_period" for a in d["alerts"])


@pytest.mark.parametrize("make", [seed_plan, second_plan])
def test_dingtalk_markdown_has_the_plan(make):
    plan = make()
    d = plan.to_dict()
    ann = build_announcement(plan)
    text, truncated = dingtalk.render_markdown(ann)
    assert not truncated
    assert len(text.encode("utf-8")) <= dingtalk.MAX_TEXT_BYTES
    assert d["month"] in text
    assert f"¥{d['targets']['revenue']:,}" in text
    for p in d["products"]:
        assert f"{p['name']}：¥{p['revenue']:,}" in text
    for r in d["regions"]:
        assert f"**{r['name']}**（{r['manager']}）：¥{r['revenue']:,}" in text
        assert f"{r['name']}：留存客户" in text           # the region's KPI weight line
    for ph in d["phases"]:
        assert f"{ph['start'][5:].replace('-', '/')}–{ph['end'][5:].replace('-', '/')} {ph['name']}" in text
    for award in ("销售冠军", "新客户攻克", "¥5,000", "重大突破", "¥20,000", "客户留存"):
        assert award in text
    assert "15:00 销冠分享成功案例" in text
    assert ("大客户保号预案" in text) == bool(d["sensitive_period"])
    payload = dingtalk.build_payload(ann)
    assert payload["msgtype"] == "markdown" and payload["markdown"]["text"] == text
    assert d["month"] in payload["markdown"]["title"]
    assert len(dingtalk.encode_payload(payload)) <= dingtalk.MAX_BODY_BYTES


def test_kpi_weights_per_region_in_markdown():
    ann = build_announcement(seed_plan())
    text, _ = dingtalk.render_markdown(ann)
    # R7 East: 15, 20, 25, 10, 5 over 75
    assert "华东区：留存客户 20% · 跟进客户数 26.7% · 销售计划完成率 33.3% · 日均阅读量 13.3% · 中小企业销售额占比 6.7%" in text


def test_markdown_is_capped_gracefully():
    ann = build_announcement(second_plan())
    full, _ = dingtalk.render_markdown(ann)
    for cap in (1500, 2500, len(full.encode("utf-8")) - 10):
        text, truncated = dingtalk.render_markdown(ann, max_bytes=cap)
        assert truncated
        assert len(text.encode("utf-8")) <= cap
        assert text.endswith(ann.labels["truncated"])
        assert text.startswith("### 销售团队月度绩效作战方案 2027-01")
    # the high-priority parts survive a tight cap
    text, _ = dingtalk.render_markdown(ann, max_bytes=2500)
    assert "大客户保号预案" in text and "¥3,000,000" in text


def test_markdown_cap_with_enormous_names():
    # config --check caps names at 60 characters; the renderer must still cap whatever text reaches it
    import dataclasses
    cfg = parse_config(second_config_text())
    regions = tuple(dataclasses.replace(r, manager="很长的名字" * 2500) if r.manager == "陈静" else r for r in cfg.regions)
    assert regions != cfg.regions
    ann = build_announcement(compute_plan(dataclasses.replace(cfg, regions=regions)))
    md, truncated = dingtalk.render_markdown(ann)
    assert truncated and len(md.encode("utf-8")) <= dingtalk.MAX_TEXT_BYTES
    md.encode("utf-8").decode("utf-8")                     # no split character
    assert len(dingtalk.encode_payload(dingtalk.build_payload(ann))) <= dingtalk.MAX_BODY_BYTES


def test_english_labels():
    ann = build_announcement(seed_plan(), lang="en")
    text, _ = dingtalk.render_markdown(ann)
    assert "Regional targets" in text and "Sales champion" in text and "Month-start sprint" in text


def test_signature_matches_dingtalk_reference():
    # HMAC-SHA256(key=secret, msg="{ts}\n{secret}"), base64, URL-encoded in the query
    import base64
    import hashlib
    import hmac
    import urllib.parse
    secret, ts = "SECabc123", 1700000000000
    expected = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()).decode()
    assert dingtalk.sign(secret, ts) == expected
    url = dingtalk.signed_url("https://oapi.dingtalk.com/robot/send?access_token=T", secret, timestamp_ms=ts)
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert q == {"access_token": ["T"], "timestamp": [str(ts)], "sign": [expected]}
    assert "+" not in url.split("sign=")[1] and "/" not in url.split("sign=")[1]


def test_webhook_must_be_https():
    from salesplan.announce.errors import SecretsError
    dingtalk.check_webhook("https://oapi.dingtalk.com/robot/send?access_token=x")
    dingtalk.check_webhook("http://127.0.0.1:9999/robot/send?access_token=x")
    with pytest.raises(SecretsError):
        dingtalk.check_webhook("http://oapi.dingtalk.com/robot/send?access_token=x")


# --------------------------------------------------------------------------- e-mail


def test_email_alternatives_and_attachments(tmp_path):
    plan = second_plan()
    ann = build_announcement(plan)
    wb = tmp_path / "PLAN.xlsx"
    wb.write_bytes(b"PK\x03\x04 not really a workbook")
    ics = tmp_path / "m.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", encoding="utf-8")
    msg = mail.build_message(ann, sender="plan@example.com", recipients=("team@example.com",),
                             attachments=[wb, ics])
    parsed = email.message_from_bytes(bytes(msg), policy=email.policy.default)
    assert parsed["Subject"] == ann.subject and "2027-01" in parsed["Subject"]
    assert parsed.get_content_type() == "multipart/mixed"
    plain = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    for r in plan.to_dict()["regions"]:
        assert r["manager"] in plain and r["manager"] in html
        assert f"¥{r['revenue']:,}" in plain and f"¥{r['revenue']:,}" in html
    assert "大客户保号预案" in plain and "大客户保号预案" in html
    names = [p.get_filename() for p in parsed.iter_attachments()]
    assert names == ["PLAN.xlsx", "m.ics"]
    atts = list(parsed.iter_attachments())
    assert atts[0].get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert atts[0].get_content() == wb.read_bytes()
    assert atts[1].get_content_type() == "text/calendar"


def test_html_escapes_user_text():
    text = default_config_text().replace('manager = "张明"', 'manager = "<script>x</script>"')
    ann = build_announcement(compute_plan(parse_config(text, month="2026-12")))
    html = mail.render_html(ann)
    assert "<script>" not in html and "&lt;script&gt;" in html


# --------------------------------------------------------------------------- summary workbook / PDF


def test_summary_workbook_print_setup(tmp_path):
    text = default_config_text().replace('manager = "张明"', 'manager = "=HYPERLINK(\\"http://x\\")"')
    ann = build_announcement(compute_plan(parse_config(text, month="2026-12")))
    path = summary.write_summary_xlsx(ann, tmp_path / "s.xlsx")
    ws = load_workbook(path).active
    assert int(ws.page_setup.paperSize) == 9                                # A4
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$1:$2"
    assert ws["A1"].value == "销售团队月度绩效作战方案 2026-12"
    assert ws["A1"].font.name == summary.FONT_NAME
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    injected = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert injected and all(c.data_type == "s" for c in injected)          # text, never a formula
    assert not any(c.data_type == "f" for c in cells)
    values = {c.value for c in cells}
    assert {1050000, 820000, 550000, 580000, 3000000, "李强", "王芳", "刘伟"} <= values


def _pdf_text(path: Path) -> tuple[int, str]:
    from pypdf import PdfReader
    reader = PdfReader(str(path))
    text = "\n".join(p.extract_text(extraction_mode="layout") for p in reader.pages)
    return len(reader.pages), text


@pytest.mark.libreoffice
def test_seed_plan_outputs_with_pdf(tmp_path):
    require_soffice()
    plan = seed_plan()
    result = announce_plan(plan, tmp_path / "out")
    names = output_names("2026-12")
    assert {k: p.name for k, p in result.files.items()} == names
    assert [d.status for d in result.deliveries] == ["not sent", "not sent"]
    pages, text = _pdf_text(result.files["pdf"])
    from pypdf import PdfReader
    box = PdfReader(str(result.files["pdf"])).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)       # A4 portrait, in points
    assert 1 <= pages <= 4
    d = plan.to_dict()
    assert "销售团队月度绩效作战方案 2026-12" in text
    for r in d["regions"]:
        assert r["name"] in text and r["manager"] in text and f"¥{r['revenue']:,}" in text
    for p in d["products"]:
        assert p["name"] in text and f"¥{p['revenue']:,}" in text
    for ph in d["phases"]:
        assert ph["name"] in text and ph["start"] in text
    assert "¥3,000,000" in text and "销售冠军" in text and "中小企业销售额占比" in text
    # the .eml carries the PDF
    parsed = email.message_from_bytes(result.files["eml"].read_bytes(), policy=email.policy.default)
    atts = {p.get_filename(): p for p in parsed.iter_attachments()}
    assert atts[names["pdf"]].get_content() == result.files["pdf"].read_bytes()
    assert names["ics"] in atts
    assert json.loads(result.files["dingtalk_json"].read_text("utf-8"))["msgtype"] == "markdown"


def test_load_plan_reads_the_plan_from_the_workbook(tmp_path):
    """A generated workbook of the second team: announce reads its plan from the settings sheet (not
    the seed plan), and a --month that is not the workbook's month is refused."""
    from salesplan.announce import source
    from salesplan.errors import WorkbookError
    from salesplan.workbook_templates import generate_workbook
    cfg = parse_config(second_config_text())
    wb = tmp_path / "PLAN.xlsx"
    generate_workbook(cfg, wb)
    src = source.load_plan(wb)
    assert src.workbook == wb and src.notes == []
    assert src.plan.to_dict() == compute_plan(cfg).to_dict()
    assert src.plan.to_dict() != compute_plan(parse_config(default_config_text(), month="2027-01")).to_dict()
    assert source.load_plan(wb, month="2027-01").plan.to_dict() == src.plan.to_dict()
    with pytest.raises(WorkbookError) as info:
        source.load_plan(wb, month="2027-02")
    assert "2027-02" in str(info.value) and wb.name in str(info.value)
