"""Expected values of computed cells: resolve a formula cell's key against
:func:`salesplan.engine.actuals.compute_actuals` — the value the writer stores as each
formula's cached value (:func:`cached_values`), and what the recalculation tests compare
LibreOffice's results with."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

_DERIVED = frozenset({"lit", "flag", "label", "awardrule", "coachflag", "dealrow", "cumflags", "trig", "fen", "gap"})


def cached_values(ctx, models_by_role: dict) -> Callable[[tuple], Any]:
    """``value(key)`` of every formula cell of a built workbook, from the engine's actuals for
    ``ctx.plan`` and ``ctx.inputs`` — what the writer stores as each formula's cached value.
    A key the engine does not know gives NO_VALUE (the cell is written without a value)."""
    from salesplan.engine.actuals import compute_actuals
    from salesplan.workbook_templates.cellxml import NO_VALUE
    actuals = getattr(ctx, "actuals", None)      # computed already by a sheet that needed it (年度累计)
    if actuals is None:
        actuals = compute_actuals(ctx.plan, ctx.inputs)
    memo: dict = {}

    get = actuals.get

    def value(key: tuple) -> Any:
        v = get(key, NO_VALUE)      # derived keys ("lit", "flag", ...) are never actuals' keys
        if v is not NO_VALUE or key[0] not in _DERIVED:
            return v
        try:
            return expected_value(key, actuals, ctx, models_by_role, memo)
        except KeyError:
            return NO_VALUE
    return value


class _RiskList:
    """The risk list's triggered checks, counted once (cells ask for them one by one)."""

    def __init__(self, actuals: dict, risks):
        checks = risks.extra_checks
        self.cum = [0]
        for k in checks:
            self.cum.append(self.cum[-1] + (1 if actuals[k] else 0))
        self.trig = [n for n, k in enumerate(checks) if actuals[k]]
        self.reg0 = min(r for r, c, v, kk in risks.formula_keys() if kk and kk[0] == "cumflags" and kk[1] == 1)


def expected_value(key: tuple, actuals: dict, ctx, models_by_role: dict, memo: dict | None = None) -> Any:
    """The value the formula cell carrying ``key`` shows; ``memo`` (a dict kept across calls for
    the same ``actuals``) saves recounting the risk list per cell."""
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
    if kind == "gap":      # 冲刺指引 and the region tabs' gap columns: salesplan.engine.gap
        from salesplan.workbook_templates.sheets.sprint import expected_gap
        return expected_gap(key, actuals, ctx, {} if memo is None else memo)
    if kind == "dealrow":
        v = actuals[key[1]]
        return 0 if v is None else ctx.deals.row(v)
    if kind in ("cumflags", "trig"):
        risks = models_by_role["risks"]
        memo = {} if memo is None else memo
        lst = memo.get("risks")
        if lst is None:
            lst = memo["risks"] = _RiskList(actuals, risks)
        if kind == "cumflags":
            return lst.cum[min(key[1], len(lst.cum) - 1)]
        k_, col = key[1], key[2]
        if k_ > len(lst.trig):
            return None
        if col == "n":
            return k_
        n = lst.trig[k_ - 1]
        if col == 6:
            return expected_value(risks.cells[lst.reg0 + n][6][2], actuals, ctx, models_by_role, memo)
        return risks.cells[lst.reg0 + n][col][0]
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
