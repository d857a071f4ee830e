"""What every live sheet shares: flag messages, the red flag format, validations from the input spec."""
from __future__ import annotations

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill

from salesplan.inputs import spec as input_spec
from salesplan.workbook_templates.context import Ctx
from salesplan.workbook_templates.model import SheetModel, Validation

RED = (Font(color="9C0006", bold=True), PatternFill("solid", fgColor="FFC7CE"))


def flag_cf(m: SheetModel, sqref: str, first_cell: str) -> None:
    m.cond.append((sqref, FormulaRule(formula=[f'{first_cell}<>""'], font=RED[0], fill=RED[1])))


def red_if(m: SheetModel, sqref: str, formula: str) -> None:
    m.cond.append((sqref, FormulaRule(formula=[formula], font=RED[0], fill=RED[1])))


def msg(ctx: Ctx, key: str) -> str:
    """The exact text a flag cell shows (the tests compare it)."""
    L = ctx.L
    if key == "missed":
        extra = ctx.cfg.risks.extra_support_staff
        return f"⚠ {L('msg_missed')}（+{extra}）" if ctx.lang == "zh" else f"⚠ {L('msg_missed')} (+{extra})"
    return {"complaint": "⚠ " + L("msg_complaint"), "inventory": "⚠ " + L("msg_inventory"),
            "report": L("yes_report"), "discount": L("yes_discount"), "support": L("yes_support"),
            "unknown": L("yes_unknown"), "champion": "★ " + L("champion"), "short": L("coaching_short"),
            "green": L("yes_green"), "dup": L("msg_dup")}[key]


def validate(ctx: Ctx, m: SheetModel, table: str, name: str, cells: list[str], names: tuple[str, ...] = ()) -> None:
    """The data validation of an input field, as :mod:`salesplan.inputs.spec` declares it."""
    f = input_spec.spec(table, name)
    dv = input_spec.validation(f, lang=ctx.lang, names=names) if f is not None else None
    if dv is not None and cells:
        kind, f1, f2, op, prompt = dv
        m.validate(Validation(kind, list(cells), f1, f2, op, prompt=prompt))
