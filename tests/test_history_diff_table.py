"""The diff table of a month against the month before: every deal moved, so each rep shows its
first deal lines and a count of the rest; the JSON document keeps every line."""
from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def test_a_whole_month_of_deals_is_summarised_per_rep_in_the_table():
    from bench.bench_history import synthetic
    from salesplan.history.diff import TABLE_DEALS_PER_REP, diff, render_table

    doc = diff(synthetic(0, 2, 60), synthetic(1, 2, 60))
    assert len(doc["deals"]["added"]) == 60 and len(doc["deals"]["removed"]) == 60
    table = render_table(doc)
    for p in doc["payouts"]:
        deal_lines = [r for r in p["because"] if "deal" in r]
        assert len(deal_lines) > TABLE_DEALS_PER_REP                      # the JSON lists them all
        block = re.split(r"\n  (?=\S)", table.split(f"  {p['region']} {p['rep']}: ", 1)[1], maxsplit=1)[0]
        shown = [line for line in block.splitlines() if line.strip().startswith("because deal")]
        assert len(shown) == TABLE_DEALS_PER_REP, block
        assert f"… {len(deal_lines) - TABLE_DEALS_PER_REP} more deals (--format json lists all)" in block
        rules = [r for r in p["because"] if "rule" in r]
        assert all(f"because {r['label']} " in block for r in rules)       # the rules are always shown
