"""Settings edited in 设置 are checked live: an invalid setting shows a red banner naming the cell,
and every payout shows "设置有误" instead of a number (LibreOffice recalculation of edited copies)."""
from __future__ import annotations

import openpyxl
import pytest


pytestmark = pytest.mark.libreoffice


def _setup_rows(ws, key: str) -> list[int]:
    return [r for r in range(1, ws.max_row + 1) if ws.cell(r, 12).value == key]


def _payouts(wb, built):
    """Every payout value of the incentives, deals and statements sheets (by the cells' keys)."""
    from salesplan.workbook_templates.sheets.common import _is_payout
    out = []
    for m in built.models:
        if m.role in ("incentives", "deals", "statements", "awards_in"):
            ws = wb[m.name]
            out += [ws.cell(r, c).value for r, c, _f, k in m.formula_keys() if _is_payout(k)]
    return out


def _save_edited(wb, path, edits):
    """``wb`` saved to ``path`` with ``edits`` typed into 设置, then the cells put back (one
    load of the workbook serves every case)."""
    ws = wb["设置"]
    cells = [ws.cell(_setup_rows(ws, key)[0] if not key.startswith("tiers#") else
                     _setup_rows(ws, "tiers")[int(key[6:])], col) for key, col, _ in edits]
    before = [c.value for c in cells]
    for c, (_, _, value) in zip(cells, edits):
        c.value = value
    wb.save(path)
    for c, v in zip(cells, before):
        c.value = v


def test_invalid_settings_stop_payouts(tmp_path, recalculated_plans):
    from lo_recalc import load_values, recalc
    # the untouched plan: the session's filled seed plan, as LibreOffice recalculated it
    ok, built, _inputs, _stored = recalculated_plans[("seed", "filled")]
    base = recalculated_plans.files[("seed", "filled")][0]
    cases = {"tiers": [("tiers#1", 1, 1.0), ("tiers#2", 1, 0.9)],          # overlapping tiers: 100 % then 90 %
             "rate": [("awards.retention_max_churn", 2, 1.5)],            # a rate above 100 %
             "shares": [("products", 2, 0.5)],                            # product shares no longer 100 %
             "events": [("events.salon_time", 2, "25:00")]}               # not a time (R5 event settings)
    files = []
    wb = openpyxl.load_workbook(base)
    for name, edits in cases.items():
        files.append(tmp_path / f"{name}.xlsx")
        _save_edited(wb, files[-1], edits)
    out = dict(zip(cases, (load_values(p) for p in recalc(files, tmp_path / "out"))))
    assert ok["设置"]["A5"].value in (None, "")
    paid = [v for v in _payouts(ok, built) if v not in (None, "")]
    assert "设置有误" not in paid and sum(isinstance(v, (int, float)) for v in paid) > 100
    setup = wb["设置"]      # every edit put back: the cells as written
    tier_rows = _setup_rows(setup, "tiers")
    expect_cell = {"tiers": f"A{tier_rows[2]}", "rate": f"B{_setup_rows(setup, 'awards.retention_max_churn')[0]}",
                   "shares": "B", "events": f"B{_setup_rows(setup, 'events.salon_time')[0]}"}
    for name in cases:
        wb = out[name]
        banner = wb["设置"]["A5"].value
        assert isinstance(banner, str) and banner.startswith("⚠ 设置有误") and expect_cell[name] in banner, banner
        values = [v for v in _payouts(wb, built) if v not in (None, "")]
        assert values and all(v == "设置有误" for v in values), (name, {v for v in values if v != "设置有误"})
