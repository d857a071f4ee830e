"""The month's risk checks and which of them are triggered — the 风险预警 sheet's register and
the ribbon's 风险检查 button list the same flags because both come from here.

Every check names the actuals key of its flag cell (region tabs' phase flags R10, the
R3 duplicate-name flag, the deals' R9 flags and the R11 unknown-rep flag), in the
register's order: phases by region, duplicate names by region, then deals by row.
"""
from __future__ import annotations

from dataclasses import dataclass

# kind -> (rule, actuals flag name)
PHASE_CHECKS = (("missed", "R10", "missed_flag"), ("complaint", "R10", "complaint_flag"),
                ("inventory", "R10", "inventory_flag"))
DEAL_CHECKS = (("report", "R9", "report_flag"), ("discount", "R9", "discount_flag"),
               ("support", "R9", "support_flag"), ("green", "R9", "green_flag"), ("unknown", "R11", "unknown_flag"))


@dataclass(frozen=True)
class RiskCheck:
    rule: str           # R3 | R9 | R10 | R11
    kind: str           # missed | complaint | inventory | dup | report | discount | support | green | unknown
    region: str         # the region tab ("" for a deal)
    index: int          # phase (0-based) or deal row (0-based); -1 for a region-wide check
    key: tuple          # the actuals key of the flag cell (truthy when triggered)


def risk_checks(plan, n_deals: int) -> list[RiskCheck]:
    """Every check of a workbook of ``plan`` with ``n_deals`` deal rows, in the register's order."""
    out = []
    for rg in plan.config.regions:
        for j in range(len(plan.phases)):
            out += [RiskCheck(rule, kind, rg.name, j, ("phase", rg.name, j, flag)) for kind, rule, flag in PHASE_CHECKS]
    out += [RiskCheck("R3", "dup", rg.name, -1, ("region", rg.name, "dup_flag")) for rg in plan.config.regions]
    for i in range(n_deals):
        out += [RiskCheck(rule, kind, "", i, ("deal", i, flag)) for kind, rule, flag in DEAL_CHECKS]
    return out


def triggered(checks: list[RiskCheck], actuals: dict) -> list[RiskCheck]:
    """The checks whose flag is set in ``actuals`` (:func:`compute_actuals`), in order."""
    return [c for c in checks if actuals.get(c.key)]


def risk_flags(plan, inputs) -> list[RiskCheck]:
    """The triggered checks of ``inputs`` (the typed workbook) under ``plan``.

    Only what the flags depend on is computed — the phase tables, the names on the region
    tabs and the deals (the engine's ``deal_flags`` over the payouts' deals) —
    not KPI scores or payouts, so it stays fast on a 5,000-rep plan; the tests check it
    against :func:`compute_actuals` and the recalculated sheet.
    """
    from salesplan.engine.actuals.basis import deal_basis
    from salesplan.engine.actuals.cells import later_duplicates, rep_slots
    from salesplan.engine.actuals.basis import counted_deals
    from salesplan.engine.actuals.payouts import valid_deal_flags
    from salesplan.engine.actuals.region import region_phases
    values: dict = {}
    for region in plan.config.regions:
        region_phases(plan, inputs, region, values)
    for region, _slot in later_duplicates(rep_slots(plan, inputs)):
        values[("region", region, "dup_flag")] = True
    basis = deal_basis(plan, inputs)
    flags = valid_deal_flags(plan, inputs, counted_deals(inputs.deals))
    for i, ok in enumerate(basis.valid):
        for kind, _rule, flag in DEAL_CHECKS:
            values[("deal", i, flag)] = ok and (not basis.known[i] if kind == "unknown" else
                                                _DEAL_CODES[kind] in flags.get(i, ()))
    return triggered(risk_checks(plan, len(inputs.deals)), values)


_DEAL_CODES = {"report": "report_large_order", "support": "support_priority", "discount": "discount_below_floor",
               "green": "green_channel"}
