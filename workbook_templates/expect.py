"""Expected values of computed cells: resolve a formula cell's key against
:func:`salesplan.engine.actuals.compute_actuals` (used by the recalculation tests and by
``salesplan generate --self-check``)."""
from __future__ import annotations

from typing import Any


def expected_value(key: tuple, actuals: dict, ctx, models_by_role: dict) -> Any:
    kind = key[0]
    if kind == "lit":
        return key[1]
    if kind == "flag":
        return key[2] if actuals[key[1]] else None
    if kind == "label":
        v = actuals[key[1]]
        return None if v is None else ctx.L(v)
    if kind == "awardrule":
        codes = actuals[key[1]]
        if codes is None:
            return None
        a = ctx.cfg.awards
        text = {"breakthrough": f"{ctx.L('breakthrough')} > ¥{a.breakthrough_threshold}",
                "conquest": f"{ctx.L('conquest')} > ¥{a.conquest_threshold}"}
        return "; ".join(text[c] for c in codes)
    if kind == "coachflag":
        v = actuals[key[1]]
        from salesplan.workbook_templates.sheets.common import msg
        return None if not v else f"{msg(ctx, 'short')} {int(v)}"
    if kind == "fen":      # a deal's amount in fen; blank on a row without a numeric amount
        from salesplan.engine.actuals.cells import num
        return actuals[("deal", key[1], "fen")] if num(ctx.inputs.deals[key[1]].amount) is not None else None
    if kind == "dealrow":
        v = actuals[key[1]]
        return 0 if v is None else ctx.deals.row(v)
    if kind == "cumflags":
        checks = models_by_role["risks"].extra_checks
        return sum(1 for k in checks[: key[1]] if actuals[k])
    if kind == "trig":
        risks = models_by_role["risks"]
        trig = [n for n, k in enumerate(risks.extra_checks) if actuals[k]]
        k_, col = key[1], key[2]
        if k_ > len(trig):
            return None
        if col == "n":
            return k_
        n = trig[k_ - 1]
        reg0 = min(r for r, c, v, kk in risks.formula_keys() if kk and kk[0] == "cumflags" and kk[1] == 1)
        if col == 6:
            return expected_value(risks.cells[reg0 + n][6][2], actuals, ctx, models_by_role)
        return risks.cells[reg0 + n][col][0]
    return actuals[key]


def same(a: Any, b: Any, *, rel: float = 1e-9, abs_: float = 1e-6) -> bool:
    """Compare a recalculated cell value with the engine's (blank == "" == None; numbers with tolerance)."""
    if a == "":
        a = None
    if b == "":
        b = None
    from datetime import date, datetime
    if isinstance(a, (date, datetime)) and isinstance(b, (int, float)) and not isinstance(b, bool):
        base = datetime(1899, 12, 30)
        a = (a - base).total_seconds() / 86400 if isinstance(a, datetime) else float((a - base.date()).days)
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= max(abs_, rel * max(abs(a), abs(b)))
    return a == b
