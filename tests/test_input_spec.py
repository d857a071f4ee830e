"""One input specification: the docs' field table, the workbook's validations and the
registry of typed fields all come from salesplan.engine.input_spec."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl.utils.cell import range_boundaries

from salesplan.config import load_config
from salesplan.engine.plan import compute_plan
from salesplan.engine import input_spec as spec
from salesplan.workbook_templates.writer import build_models

ROOT = Path(__file__).resolve().parents[1]
TABLE_OF = {"reps": "reps", "phases": "phases", "scalar": "scalar", "deals": "deals", "quiz": "quiz",
            "referrals": "referrals"}


def test_docs_field_table_is_the_spec():
    text = (ROOT / "docs" / "workbook.md").read_text("utf-8")
    begin, end = "<!-- input-fields:begin -->\n", "<!-- input-fields:end -->"
    assert text[text.index(begin) + len(begin):text.index(end)].strip() == spec.markdown_table().strip()


def test_field_spec_shape_for_consolidation():
    assert spec.field_spec("reps", "name") == ("text", None, Decimal(60), ())
    assert spec.field_spec("reps", "new_hire") == ("choice", None, None, ("是", "否"))
    assert spec.field_spec("reps", "kpi:retention") == ("number", Decimal(0), Decimal(1_000_000_000), ())
    assert spec.field_spec("phases", "rev:产品A") == ("number", Decimal(0), Decimal(100_000_000_000), ())
    assert spec.field_spec("phases", "inventory") == ("percent", Decimal(0), Decimal(1), ())
    assert spec.field_spec("scalar", "focus_target") == ("number", Decimal(0), Decimal(1_000_000_000), ())
    assert spec.field_spec("reps", "unknown") == ("number", None, None, ())


def test_yes_no_fields_offer_the_workbook_words():
    for f in spec.FIELDS:
        if f.yes_no:
            assert f.kind == "choice" and f.choices == ("是", "否") and spec.parse_yes_no(f.choices[0]) is True


@pytest.fixture(scope="module")
def built():
    return build_models(compute_plan(load_config(None, month="2026-12")))


def _validations_by_cell(model):
    out = {}
    for v in model.validations:
        for sq in v.sqref:
            c1, r1, c2, r2 = range_boundaries(sq)
            for c in range(c1, c2 + 1):
                for r in range(r1, r2 + 1):
                    out.setdefault((r, c), []).append(v)
    return out


def test_every_typed_field_has_a_spec_and_its_validation(built):
    models = {m.name: m for m in built.models}
    checked = 0
    for t in built.ctx.registry.tables:
        by_cell = _validations_by_cell(models[t.sheet])
        for name, col in t.fields.items():
            if t.kind == "quiz" and name in ("week", "place"):
                continue          # laid out by the writer, not typed
            f = spec.spec(TABLE_OF[t.kind], name)
            assert f is not None, (t.kind, name)
            names = tuple(x.name for x in built.ctx.cfg.regions) if f.choices_from == "regions" else \
                tuple(p.name for p in built.ctx.cfg.products) if f.choices_from == "products" else ()
            want = spec.validation(f, names=names)
            got = [(v.kind, v.formula1, v.formula2) for v in by_cell.get((t.first_row, col), [])]
            if want is None:
                assert got == [], (t.kind, name, got)
            else:
                assert got == [want[:3]], (t.kind, name, got)
                checked += 1
    assert checked > 20
