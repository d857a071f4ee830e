"""Deals of reps the plan does not know: named at import, before they silently earn nothing.

A deal counts for a rep when its (region, rep) pair is a named rep row of that region's
tab — the same exact, case-sensitive match the workbook's 成交明细 makes (column 在名单)
and the engine's ``deal_basis``. Deals of any other pair earn no commission and count in
no region; the dashboard shows them as unassigned revenue. This module lists those pairs
by name with their deal count and amount, so the import can warn about them.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from salesplan.deals.amounts import fen_to_decimal
from salesplan.errors import Problem

__all__ = ["UnassignedRep", "unassigned_reps", "unassigned_problems", "roster_of_config", "roster_of_inputs"]


@dataclass(frozen=True)
class UnassignedRep:
    rep: str
    region: str
    deals: int
    amount_fen: int
    on_tabs: tuple[str, ...]      # regions whose tab does list this name (the deal names another region)

    def as_json(self) -> dict:
        return {"rep": self.rep, "region": self.region, "deals": self.deals,
                "amount": str(fen_to_decimal(self.amount_fen)), "on_region_tabs": list(self.on_tabs)}


def roster_of_inputs(inputs) -> frozenset[tuple[str, str]]:
    """(region, rep) of every named rep row of a workbook's region tabs (``WorkbookInputs``)."""
    return frozenset((region, str(row.name).strip() if isinstance(row.name, str) else str(row.name))
                     for region, ri in inputs.regions.items() for row in ri.reps
                     if row.name is not None and str(row.name).strip() != "")


def roster_of_config(config) -> frozenset[tuple[str, str]]:
    """(region, rep) of the reps a plan configuration lists (``[[regions]] reps``)."""
    return frozenset((r.name, rep.name) for r in config.regions for rep in r.reps)


def unassigned_reps(deals: pd.DataFrame, roster: Iterable[tuple[str, str]]) -> list[UnassignedRep]:
    """Per (rep, region) of ``deals`` not on ``roster``: count and Σ amount, largest amount first."""
    known = frozenset(roster)
    if not len(deals):
        return []
    tabs: dict[str, list[str]] = {}
    for region, rep in sorted(known):
        tabs.setdefault(rep, []).append(region)
    out = []
    for (rep, region), group in deals.groupby(["rep", "region"], sort=False):
        if (region, rep) in known:
            continue
        out.append(UnassignedRep(str(rep), str(region), len(group), int(group["amount_fen"].sum()),
                                 tuple(tabs.get(rep, ()))))
    return sorted(out, key=lambda u: (-u.amount_fen, u.rep, u.region))


def unassigned_problems(found: list[UnassignedRep]) -> list[Problem]:
    """One warning per unassigned (rep, region), naming the rep, the count and the amount."""
    out = []
    for u in found:
        where = (f"on the tab of {', '.join(u.on_tabs)}, not of {u.region}" if u.on_tabs
                 else "on no region tab")
        out.append(Problem(f"rep {u.rep} ({u.region})", f"{u.deals} deal(s), ¥{fen_to_decimal(u.amount_fen):,}",
                           f"a rep on the {u.region} tab — this rep is {where}: the deals earn no commission and "
                           "show as unassigned revenue on the dashboard (add the rep to the region tab)",
                           "unassigned_rep"))
    return out
