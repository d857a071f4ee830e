"""The master plan seen from some of its regions (the regional files of ``salesplan split``).

    region_view(plan, ["华东区"])        → a Plan holding only 华东区, every number the master's
    regional_inputs(inputs, view, …)    → that region's typed inputs, deals, quiz places, referrals

Nothing is recomputed: the region's revenue, new-customer, region × product and
region × phase targets and KPI weight tables are copied from the master plan
(computed once from the full configuration), so a regional file shows exactly the
master's figures. The view's "company" totals are the sums over the kept regions
(for one region: the region's own targets), so no company-wide total — and nothing
from which another region's figures follow — is in the file.

Another region's name can reach a regional file only as a *value* (a deal's customer
region, the green channel's regions in the configuration); such values are replaced by
neutral aliases (``其他区域1`` …), consistently in the configuration and the deal rows,
so the green-channel flag still fires on the same deals as in the master.
"""
from __future__ import annotations

import copy
import dataclasses
from typing import Iterable

from salesplan.engine.actuals.cells import present, text
from salesplan.engine.records import DealRow, WorkbookInputs
from salesplan.engine.plan import PhaseTarget, Plan
from salesplan.engine.targets import OverallTargets, ProductTarget
from salesplan.errors import Problem, WorkbookError

__all__ = ["region_view", "regional_inputs", "RegionView"]


@dataclasses.dataclass
class RegionView:
    plan: Plan                          # the view (only the kept regions)
    regions: tuple[str, ...]            # kept region names, master order
    aliases: dict[str, str]             # another region's value -> neutral alias
    lang: str = "zh"

    def alias(self, v):
        """A cell value with any region name not kept replaced by its alias."""
        if not present(v):
            return v
        t = text(v)
        if t in self.regions:
            return v
        if t not in self.aliases:
            self.aliases[t] = self._new_alias()
        return self.aliases[t]

    def _new_alias(self) -> str:
        n = len(self.aliases) + 1
        while True:
            a = f"其他区域{n}" if self.lang == "zh" else f"Other region {n}"
            if a not in self.regions and a not in self.aliases.values():
                return a
            n += 1


def region_view(plan: Plan, regions: Iterable[str], *, lang: str | None = None) -> RegionView:
    """``plan`` restricted to ``regions`` (kept in the master's order); raises on an unknown name."""
    wanted = list(dict.fromkeys(regions))
    names = [r.name for r in plan.regions]
    unknown = [r for r in wanted if r not in names]
    if unknown or not wanted:
        raise WorkbookError([Problem("regions", r, f"one of {', '.join(names)}", "unknown_region")
                             for r in unknown] or [Problem("regions", [], "at least one region", "unknown_region")])
    keep = tuple(n for n in names if n in wanted)
    cfg = plan.config
    rts = [r for r in plan.regions if r.name in keep]
    revenue = sum(r.revenue for r in rts)
    new_customers = sum(r.new_customers for r in rts)
    targets = OverallTargets(revenue, new_customers, plan.targets.repurchase_rate, plan.targets.average_order_value)
    products = [ProductTarget(p.name, p.share, sum(r.products[p.name] for r in rts)) for p in plan.products]
    phases = [PhaseTarget(pt.phase, sum(pt.regions[n] for n in keep), {n: pt.regions[n] for n in keep})
              for pt in plan.phases]
    by_name = {r.name: r for r in rts}
    c_regions = tuple(dataclasses.replace(r, revenue=by_name[r.name].revenue) for r in cfg.regions if r.name in keep)
    c_targets = dataclasses.replace(cfg.targets, revenue=revenue, new_customers=new_customers)
    sb = cfg.strategy_b
    if cfg.strategy == "B":
        sb = dataclasses.replace(sb, revenue=revenue, new_customers=new_customers)
    vcfg = dataclasses.replace(cfg, regions=c_regions, targets=c_targets, strategy_b=sb)
    view = dataclasses.replace(plan, config=vcfg, targets=targets, products=products, regions=rts,
                               kpi_weights={n: plan.kpi_weights[n] for n in keep}, phases=phases,
                               reps={n: v for n, v in plan.reps.items() if n in keep})
    rv = RegionView(view, keep, {}, lang or cfg.workbook.language)
    risks = cfg.risks
    green = dataclasses.replace(risks, green_channel_customer_region=rv.alias(risks.green_channel_customer_region),
                                green_channel_via_region=rv.alias(risks.green_channel_via_region))
    rv.plan = dataclasses.replace(view, config=dataclasses.replace(vcfg, risks=green))
    return rv


def regional_inputs(inputs: WorkbookInputs, rv: RegionView, *, spare_deal_rows: int = 5) -> WorkbookInputs:
    """The kept regions' inputs (copies): region tabs, their deals (report order kept, customer
    regions aliased), quiz places and partner referrals; plus ``spare_deal_rows`` blank deal rows."""
    missing = [n for n in rv.regions if n not in inputs.regions]
    if missing:
        raise WorkbookError([Problem(f"{n}: inputs", None, "a region tab in the master", "layout") for n in missing])
    keep = set(rv.regions)
    regions = {n: copy.deepcopy(inputs.regions[n]) for n in rv.regions}
    deals = [dataclasses.replace(d, customer_region=rv.alias(d.customer_region))
             for d in inputs.deals if text(d.region) in keep]
    deals += [DealRow() for _ in range(spare_deal_rows)]
    quiz = [copy.copy(q) for q in inputs.quiz if text(q.region) in keep]
    referrals = [copy.copy(x) for x in inputs.referrals if text(x.region) in keep]
    return WorkbookInputs(regions, deals, quiz, referrals)
