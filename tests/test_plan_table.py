"""`salesplan plan --format table`: columns line up on screen with Chinese text, and the
table carries what a director checks — KPI weights per region and the commission tiers."""
from __future__ import annotations

import unicodedata

from salesplan.cli import main


def width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def blocks(text: str) -> dict[str, list[str]]:
    """Title line ("Products:") -> the table lines under it."""
    out: dict[str, list[str]] = {}
    for block in text.split("\n\n"):
        lines = block.splitlines()
        if lines and lines[0].endswith(":") and len(lines) > 2:
            out[lines[0]] = lines[1:]
    return out


def test_table_columns_line_up_and_show_weights_and_tiers(capsys):
    assert main(["plan", "--month", "2026-12", "--format", "table"]) == 0
    text = capsys.readouterr().out
    tables = blocks(text)
    for title in ("Products:", "Regions (¥):", "KPI weights by region (R6–R7, as scored):",
                  "Commission tiers (attainment of the rep's target, R8):"):
        lines = tables[title]
        # the last column is right-aligned: every row ends at the same screen column
        assert len({width(line) for line in lines}) == 1, (title, lines)
    regions = tables["Regions (¥):"]
    header = regions[0]
    # each product's figures end where its (Chinese) header ends
    for name in ("产品A", "行业解决方案"):
        end = width(header[: header.index(name) + len(name)])
        for row in regions[1:]:
            prefix = ""
            for ch in row:
                if width(prefix) >= end:
                    break
                prefix += ch
            assert prefix[-1].isdigit() and row[len(prefix):len(prefix) + 1] in (" ", ""), (name, row)
    kpi = tables["KPI weights by region (R6–R7, as scored):"]
    assert kpi[0].split() == ["KPI", "华东区", "华南区", "西南区", "北方区"]
    east = {line.split()[0]: line.split()[1] for line in kpi[1:]}
    assert east["跟进客户数"] == "26.7%" and east["中小企业销售额占比"] == "6.7%"  # 20 / 75, 5 / 75
    tiers = [line.split() for line in tables["Commission tiers (attainment of the rep's target, R8):"][1:]]
    assert tiers == [["0%", "80%", "2%"], ["80%", "100%", "4%"], ["100%", "120%", "6%"], ["120%", "and", "above", "8%"]]
