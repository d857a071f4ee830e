"""What every live sheet shares: flag messages, the red flag format, validations from the input spec."""
from __future__ import annotations

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill

from salesplan.engine import input_spec
from salesplan.workbook_templates.context import Ctx
from salesplan.workbook_templates.model import COL, PageSetup, SheetModel, Validation

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
    """The data validation of an input field, as :mod:`salesplan.engine.input_spec` declares it."""
    f = input_spec.spec(table, name)
    dv = input_spec.validation(f, lang=ctx.lang, names=names) if f is not None else None
    if dv is not None and cells:
        kind, f1, f2, op, prompt = dv
        m.validate(Validation(kind, list(cells), f1, f2, op, prompt=prompt))


# A4 minus the margins the renderer sets (0.4" left and right), in mm; 3 % kept for rounding
_PAGE_MM = {True: (297 - 2 * 0.4 * 25.4) * 0.97, False: (210 - 2 * 0.4 * 25.4) * 0.97}
MIN_SCALE = 70       # below this a printed table is unreadable: wider tables continue on the next page


def column_mm(m: SheetModel, first: int, last: int) -> float:
    """Printed width of columns first..last at 100 %: a width of w characters is w × the default font's
    widest digit + 5 px at 96 dpi — 7 px for Calibri, ≈ 9.3 px measured for 等线 in LibreOffice's PDF
    (the wider one is used, so a page never runs over)."""
    px = sum(0 if c in m.hidden_cols else m.widths.get(c, 8.43) * 9.5 + 5 for c in range(first, last + 1))
    return px * 25.4 / 96


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def fit_header_rows(m: SheetModel) -> None:
    """Rows of wrapped headers tall enough for their longest header (a row keeps one line's height
    otherwise, and the wrapped text is cut off): lines = display width / column width, 15 pt a line."""
    for r, cols in m.cells.items():
        lines = 1
        for c, (v, style, _k, _t) in cols.items():
            if style is not None and style == "header" and isinstance(v, str) and v[:1] != "=":
                room = max(1.0, m.widths.get(c, 8.43) / 1.33 - 1)    # LibreOffice's 等线 is ≈ 1.33× Calibri
                lines = max(lines, -(-_display_width(v) // int(room)))
        if lines > 1 and r not in m.heights:
            m.heights[r] = 15.0 * min(lines, 4) + 2


def print_setup(ctx: Ctx, m: SheetModel, last_col: int, last_row: int, *, landscape: bool | None = None,
                title_rows: str | None = None, title_cols: str | None = None,
                fit: tuple[int, int] | None = None) -> None:
    """The sheet's page setup: A4, the rows and columns with content, repeated titles, a scale that
    fits the width on one page when that stays ≥ 70 % (else 70 %, the rest on the next pages), and
    the plan month, the sheet name and "page x of y" in the header and footer. Orientation: portrait
    when the columns fit it at ≥ 85 %, else landscape (unless the sheet asks for one)."""
    fit_header_rows(m)
    width = column_mm(m, 1, last_col)
    if landscape is None:
        landscape = width * 0.85 > _PAGE_MM[False]
    scale = max(MIN_SCALE, min(100, int(_PAGE_MM[landscape] * 100 / width))) if width else 100
    title = f"{ctx.L('title')} {ctx.cfg.month}".replace("&", "&&")
    m.page = PageSetup(landscape=landscape, area=f"A1:{COL(last_col)}{max(last_row, 1)}", title_rows=title_rows,
                       title_cols=title_cols, scale=scale, fit=fit, header=f"{title} · &A",
                       footer=ctx.L.pick("第 &P 页，共 &N 页", "Page &P of &N"))


# Payout cells (their key's field): shown as "设置有误" while a setting in 设置 is invalid (SP_SettingsError)
PAYOUT_FIELDS = frozenset({"commission", "breakthrough", "conquest", "retention", "quiz", "champion_prize", "payout",
                           "total", "inc_payout", "award", "line_total", "running", "first_awards", "check"})


def _is_payout(key) -> bool:
    if not key:
        return False
    if key[0] == "label" and isinstance(key[1], tuple):
        return key[1][0] == "recon"
    if key[0] == "recon":
        return True
    last = key[-1]
    return isinstance(last, str) and (last in PAYOUT_FIELDS or last.startswith("tier:"))


def guard_payouts(ctx: Ctx, m: SheetModel) -> int:
    """Every payout formula of ``m`` shows the settings error instead of a number while 设置 holds an
    invalid setting (IF is lazy: nothing downstream computes with the text). Returns how many."""
    bad = ctx.L("settings_invalid")
    n = 0
    for cols in m.cells.values():
        for c, (value, style, key, is_text) in cols.items():
            if key is not None and not is_text and _is_payout(key):
                cols[c] = (f'=IF(SP_SettingsError<>"","{bad}",{value[1:]})', style, key, is_text)
                n += 1
    return n
