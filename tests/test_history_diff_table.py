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


def test_deal_entries_are_the_stored_rows_by_column_name():
    """Added, removed and changed deals carry every stored column by its name (DEAL_COLUMNS)
    except the report position and the roster flag; a rep's because-lines name them."""
    import dataclasses

    from bench.bench_history import synthetic
    from salesplan.history.diff import diff
    from salesplan.history.schema import DEAL_COLUMNS

    a = synthetic(0, 3, 12)
    deals = list(a.deals)
    removed, changed = deals.pop(4), deals[7]
    moved = tuple(v + 1 if f == "amount_fen" else "客户X" if f == "customer" else v
                  for f, v in zip(DEAL_COLUMNS, changed))
    deals[7] = moved
    added = (99, 99, "HT-NEW-1", "2025-01-09", changed[4], changed[5], "新客户", True, "产品B", 123_45, True, 5_00)
    moved_pay = [(*st[:6], st[6] + 1, *st[7:12], st[12] + 1, st[13]) for st in a.statements]  # every payout moves
    b = dataclasses.replace(a, deals=deals + [added], statements=moved_pay)

    def shown(row):
        return {f: v for f, v in zip(DEAL_COLUMNS, row) if f not in ("pos", "known")}

    doc = diff(a, b)
    assert doc["deals"]["added"] == [shown(added)]
    assert doc["deals"]["removed"] == [shown(removed)]
    [c] = doc["deals"]["changed"]
    assert c == {"contract_id": changed[2], "row": changed[1], "before": shown(changed), "after": shown(moved),
                 "changes": {"customer": [changed[6], "客户X"], "amount_fen": [changed[9], changed[9] + 1]}}
    lines = [r for p in doc["payouts"] for r in p["because"] if "deal" in r]
    assert {"deal": "HT-NEW-1", "change": "added", "amount_fen": 123_45, "commission_fen": 5_00} in lines
    assert {"deal": removed[2], "change": "removed", "amount_fen": removed[9], "commission_fen": removed[11]} in lines
