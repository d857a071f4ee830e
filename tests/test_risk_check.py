"""The ribbon's 风险检查 and the 风险预警 sheet list the same flags (one engine function,
:func:`salesplan.engine.actuals.risks.risk_flags`, behind both): random typed workbooks, the
button read from the saved file, the sheet valued by the engine's actuals — and once by
LibreOffice's recalculation of the sheet itself."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesplan.config import load_config
from salesplan.engine.actuals import compute_actuals
from salesplan.engine.plan import compute_plan
from salesplan.macros import actions
from salesplan.workbook_templates.writer import build_models, write_built
from workbook_helpers import random_inputs, second_config


def _write(plan, inputs, folder: Path, name: str):
    built = build_models(plan, inputs=inputs)
    path = folder / name
    write_built(built, path)
    return built, path


def _register(built):
    """(first row, [(row, flag key)]) of the 风险预警 sheet's register of every check."""
    risks = built.by_role()["risks"]
    rows = sorted((r, k[1]) for r, c, _v, k in risks.formula_keys() if c == 6 and k and k[0] == "flag")
    return risks, rows


def _button(path):
    return [c.key for c in actions.check_risks(actions.PathBook(path))]


@pytest.mark.parametrize("config", ["seed", "second"])
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 100_000))
def test_button_lists_the_sheets_flags(config, seed):
    cfg = load_config(None, month="2026-12") if config == "seed" else second_config()
    plan = compute_plan(cfg)
    inputs = random_inputs(plan, seed)
    with tempfile.TemporaryDirectory() as tmp:
        built, path = _write(plan, inputs, Path(tmp), "plan.xlsx")
        button = _button(path)
    actuals = compute_actuals(plan, inputs)
    _risks, rows = _register(built)
    sheet = [key for _r, key in rows if actuals[key]]
    assert button == sheet
    assert {k[-1] for k in button} >= {"report_flag", "green_flag"}    # R9 incl. the finance green channel


@pytest.mark.libreoffice
def test_button_lists_the_recalculated_sheets_flags(tmp_path):
    from lo_recalc import load_values, recalc
    jobs = []
    for tag, cfg in (("seed", load_config(None, month="2026-12")), ("second", second_config())):
        plan = compute_plan(cfg)
        inputs = random_inputs(plan, seed=11)
        last = inputs.regions[cfg.regions[-1].name].reps      # an R3 duplicate name too
        last[-1].name = last[-2].name = "Dup"
        built, path = _write(plan, inputs, tmp_path, f"{tag}.xlsx")
        jobs.append((built, path, _button(path)))
    outs = recalc([p for _b, p, _f in jobs], tmp_path / "out")
    for (built, _path, button), out in zip(jobs, outs):
        risks, rows = _register(built)
        ws = load_values(out)[risks.name]
        sheet = [key for r, key in rows if ws.cell(r, 6).value not in (None, "")]
        assert sheet == button and len(button) > 5
        assert any(k[-1] == "dup_flag" for k in button) and any(k[-1] == "green_flag" for k in button)
