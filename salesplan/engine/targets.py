"""R1–R3: overall targets, product and region breakdowns, region×product, reps.

All money is whole yuan and every breakdown sums exactly (largest remainder).
Strategy B (R10) swaps in its own revenue/new-customer targets; region amounts are
then re-allocated in proportion to the configured region amounts.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from salesplan.engine.params import PlanConfig, Rep
from salesplan.engine.allocation import allocate_matrix, largest_remainder
from salesplan.money import round_yuan


@dataclass(frozen=True)
class OverallTargets:
    revenue: int
    new_customers: int
    repurchase_rate: Decimal
    average_order_value: int

    @property
    def implied_orders(self) -> int:
        """revenue / AOV, rounded half away from zero (R1: 78.9 → 79)."""
        return round_yuan(Fraction(self.revenue, self.average_order_value))


@dataclass(frozen=True)
class ProductTarget:
    name: str
    share: Decimal
    revenue: int


@dataclass(frozen=True)
class RegionTarget:
    name: str
    manager: str
    revenue: int
    new_customers: int
    products: dict[str, int]        # product name -> yuan, row sums to revenue


@dataclass(frozen=True)
class RepTarget:
    name: str
    new_hire: bool
    weight: Decimal
    revenue: int


def overall_targets(config: PlanConfig) -> OverallTargets:
    t = config.targets
    if config.strategy == "B":
        b = config.strategy_b
        return OverallTargets(b.revenue or t.revenue, b.new_customers or t.new_customers,
                              t.repurchase_rate, t.average_order_value)
    return OverallTargets(t.revenue, t.new_customers, t.repurchase_rate, t.average_order_value)


def product_targets(config: PlanConfig, overall: OverallTargets | None = None) -> list[ProductTarget]:
    overall = overall or overall_targets(config)
    amounts = largest_remainder(overall.revenue, [p.share for p in config.products])
    return [ProductTarget(p.name, p.share, a) for p, a in zip(config.products, amounts)]


def region_revenues(config: PlanConfig, overall: OverallTargets | None = None) -> list[int]:
    overall = overall or overall_targets(config)
    configured = [r.revenue for r in config.regions]
    if sum(configured) == overall.revenue:
        return configured
    return largest_remainder(overall.revenue, configured)


def region_targets(config: PlanConfig, overall: OverallTargets | None = None,
                   products: list[ProductTarget] | None = None) -> list[RegionTarget]:
    overall = overall or overall_targets(config)
    products = products or product_targets(config, overall)
    revenues = region_revenues(config, overall)
    new_customers = largest_remainder(overall.new_customers, revenues) if sum(revenues) else [0] * len(revenues)
    matrix = allocate_matrix(revenues, [p.revenue for p in products])
    return [
        RegionTarget(r.name, r.manager, rev, nc, {p.name: matrix[i][j] for j, p in enumerate(products)})
        for i, (r, rev, nc) in enumerate(zip(config.regions, revenues, new_customers))
    ]


def rep_targets(region_revenue: int, reps: tuple[Rep, ...] | list[Rep]) -> list[RepTarget]:
    """R3: personal targets inside a region from the manager's weights (exact sum)."""
    if not reps:
        return []
    amounts = largest_remainder(region_revenue, [r.weight for r in reps])
    return [RepTarget(r.name, r.new_hire, r.weight, a) for r, a in zip(reps, amounts)]
