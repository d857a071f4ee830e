"""The one adapter from a plan workbook to the gap engine's inputs (``gap``, ``whatif``, ``announce --gap``).

It reads the workbook once through ``read_plan_book`` (the 设置 sheet and the typed
inputs) and takes every
rep's personal target and KPI score from ``region_tab_values`` (the workbook's own
semantics: weights, duplicate names, the completion KPI). A what-if deal is appended
to the typed deals as one more row and everything is recomputed, so a what-if is
exactly "type the deal and recalculate".
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from salesplan.engine.params import PlanConfig
from salesplan.engine import actuals as act
from salesplan.engine import gap as g
from salesplan.engine.deal import Deal
from salesplan.engine.plan import Plan, compute_plan
from salesplan.errors import InputError, Problem



@dataclass
class PlanSource:
    path: Path
    config: PlanConfig
    plan: Plan
    inputs: act.WorkbookInputs
    _typed: g.GapInputs | None = field(default=None, repr=False)

    def gap_inputs(self, extra: list[act.DealRow] = ()) -> g.GapInputs:
        """The engine's inputs, with ``extra`` deal rows appended after every typed row."""
        if extra:
            return gap_inputs(self.plan, replace(self.inputs, deals=list(self.inputs.deals) + list(extra)))
        if self._typed is None:
            self._typed = gap_inputs(self.plan, self.inputs)
        return self._typed

    def roster(self) -> list[tuple[str, str]]:
        return list(self.gap_inputs().rep_targets())


def load(path: str | Path, *, month: str | None = None) -> PlanSource:
    from salesplan.workbook_templates import read_plan_book

    p = Path(path)
    if not p.is_file() and not p.is_dir():
        raise FileNotFoundError(2, "No such file or directory", str(p))
    book = read_plan_book(p, month=month)
    return PlanSource(p, book.config, compute_plan(book.config), book.inputs)


def gap_inputs(plan: Plan, inputs: act.WorkbookInputs) -> g.GapInputs:
    deals = act.counted_deals(inputs.deals)
    values = act.region_tab_values(plan, replace(inputs, deals=_per_rep_totals(deals)))
    return g.typed_gap_inputs(plan, inputs, values, deals)


def _per_rep_totals(deals: tuple[Deal, ...]) -> list[act.DealRow]:
    """One deal row per (region, rep) holding the rep's total.

    ``region_tab_values`` is asked only for what the region tabs compute — each rep's
    target (weights) and KPI score (whose completion KPI is revenue ÷ target) — and those
    depend on a rep's deals only through their sum. Its per-rep revenue scan is
    reps × deal rows, so handing it one row per rep keeps 100,000 deals affordable.
    """
    sums: dict[tuple[str, str], int] = {}
    for d in deals:
        sums[d.region, d.rep] = sums.get((d.region, d.rep), 0) + d.amount_fen
    return [act.DealRow(region=r, rep=p, amount=f // 100 if f % 100 == 0 else f / 100)
            for (r, p), f in sums.items()]


def find_rep(source: PlanSource, name: str, *, where: str) -> tuple[str, str]:
    """``NAME`` or ``REGION/NAME`` → (region, rep) on the region tabs, or an InputError naming ``where``."""
    roster = source.roster()
    region, _, rep = name.rpartition("/")
    hits = [k for k in roster if k[1] == rep.strip() and (not region or k[0] == region.strip())]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        known = ", ".join(f"{r}/{p}" for r, p in roster[:20]) + (" …" if len(roster) > 20 else "")
        raise InputError([Problem(where, name, f"a rep on a region tab of {source.path.name} ({known})",
                                  "unknown-rep")])
    raise InputError([Problem(where, name, "REGION/NAME: the name is on more than one region tab "
                                           f"({', '.join(r for r, _ in hits)})", "ambiguous-rep")])
