"""The deals formulas in linear work (issue 18.6), and no circular reference as Excel sees one.

The rep's cumulative, the first new-customer deal and the statement lines follow a chain
(the rep's previous deal, found searching up from the row above) instead of scanning every
row above each deal; LibreOffice's values are checked by the recalculation tests. Excel
builds its dependency graph from the ranges a formula names, not the cells it reads, so a
formula naming a range that (through other formulas) holds its own cell is a circular
reference there even when LibreOffice computes it: the graph below is Excel's.
"""
from __future__ import annotations

import re

from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.utils import column_index_from_string

from salesplan.config import load_config
from salesplan.engine.actuals import default_inputs
from salesplan.engine.plan import compute_plan
from salesplan.workbook_templates.writer import build_models

REF = re.compile(r"^(?:(?:'((?:[^']|'')+)'|([^'!:]+))!)?\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


def ranges(formula: str, here: str):
    """(sheet, col1, row1, col2, row2) of every cell range the formula names."""
    for t in Tokenizer(formula).items:
        if t.type == Token.OPERAND and t.subtype == Token.RANGE:
            m = REF.match(t.value)
            if m:
                sheet = (m.group(1) or "").replace("''", "'") or m.group(2) or here
                c1, r1 = column_index_from_string(m.group(3)), int(m.group(4))
                c2, r2 = (column_index_from_string(m.group(5)), int(m.group(6))) if m.group(5) else (c1, r1)
                yield sheet, c1, r1, c2, r2


def excel_cycle(models) -> list | None:
    """A cycle of Excel's range dependency graph among the given sheets' formula cells, or None."""
    formulas = {}
    for m in models:
        for r, cols in m.cells.items():
            for c, (v, *_) in cols.items():
                if isinstance(v, str) and v.startswith("="):
                    formulas[(m.name, r, c)] = v
    by_col: dict[tuple[str, int], list[int]] = {}
    for s, r, c in formulas:
        by_col.setdefault((s, c), []).append(r)
    edges = {}
    for (s, r, c), v in formulas.items():
        out = []
        for sheet, c1, r1, c2, r2 in ranges(v, s):
            for cc in range(c1, c2 + 1):
                out += [(sheet, rr, cc) for rr in by_col.get((sheet, cc), ()) if r1 <= rr <= r2]
        edges[(s, r, c)] = out
    state: dict = {}
    for start in edges:                       # iterative depth-first search, grey/black marks
        if start in state:
            continue
        stack = [(start, iter(edges[start]))]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [n for n, _ in stack] + [nxt]
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(edges[nxt])))
    return None


def test_deals_and_statements_have_no_circular_reference_for_excel():
    plan = compute_plan(load_config(None, month="2026-12"))
    built = build_models(plan, inputs=default_inputs(plan, deal_rows=40))
    assert excel_cycle(built.models) is None        # every sheet (defined names are leaves)
    roles = built.by_role()
    models = [roles["deals"], roles["statements"]]
    # the check sees one: the cumulative naming the whole cum_after column would be circular
    d = built.ctx.deals
    m = roles["deals"]
    r = d.row(5)
    col = d.c["cum_before"]
    v, *rest = m.cells[r][col]
    q = re.search(r"INDEX\(\$([A-Z]+)\$(\d+):([A-Z]+)(\d+),", v)
    m.cells[r][col] = (v.replace(q.group(0), f"INDEX(${q.group(1)}${q.group(2)}:{q.group(3)}{d.r_last},"), *rest)
    assert excel_cycle(models) is not None


HOSTILE_CUSTOMERS = ["客户*", "客户?", "客户1", "a~b", "A~B", "~", "*", "?", "x" * 300, "X" * 300, "", "c1", "C1",
                     "客户~*"]


def test_lookups_that_read_wildcards_or_ignore_case_agree_with_the_engine(tmp_path):
    """New customers spelled so that MATCH (case-blind, * ? ~ as wildcards, 255 characters at most
    in Excel) finds the wrong row or none, reps typed in another case (not on the roster), one rep
    with most of the deals: LibreOffice's values of every formula cell = the stored (engine's)."""
    import dataclasses

    from lo_recalc import load_values, recalc
    from salesplan.workbook_templates.expect import same
    from salesplan.workbook_templates.writer import write_built
    from workbook_helpers import random_inputs

    plan = compute_plan(load_config(None, month="2026-12"))
    inputs = random_inputs(plan, seed=11, n_deals=60, deal_rows=100)
    busy = next(d for d in inputs.deals if d.rep not in (None, "", "Ghost"))
    for i, d in enumerate(inputs.deals[:60]):
        change = {"customer": HOSTILE_CUSTOMERS[i % len(HOSTILE_CUSTOMERS)], "new_customer": "是" if i % 5 else "否"}
        if i % 3 == 0:
            change.update(rep=busy.rep, region=busy.region)
        elif i % 7 == 0 and d.rep:
            change["rep"] = str(d.rep).swapcase()
        inputs.deals[i] = dataclasses.replace(d, **change)
    built = build_models(plan, inputs=inputs)
    path = tmp_path / "hostile-lookups.xlsx"
    write_built(built, path)
    import openpyxl

    formulas = openpyxl.load_workbook(path)
    stored = load_values(path)
    got = load_values(recalc([path], tmp_path / "lo")[0])
    bad, n = [], 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    n += 1
                    a, b = got[ws.title][c.coordinate].value, stored[ws.title][c.coordinate].value
                    if not same(a, b):
                        bad.append((ws.title, c.coordinate, a, b))
    assert n > 5000 and bad == [], bad[:10]
    deals = built.by_role()["deals"]
    first_new = {deals.cells[built.ctx.deals.row(i)][built.ctx.deals.c["first_new"]][2] for i in range(60)}
    assert len(first_new) == 60       # (the keys of the cells compared above)
