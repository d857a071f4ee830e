"""Base plan vs a scenario, side by side: targets by region and product, KPI weights, payouts.

Pure: two computed plans (and, optionally, each one's R8 statements under the same
deals) in, a comparison out. The CLI's ``salesplan scenario`` prints it; a workbook
方案对比 sheet can lay out the same rows.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from fractions import Fraction


from salesplan.engine.bonuses import Statement
from salesplan.engine.params import PlanConfig
from salesplan.engine.plan import Plan, compute_plan

WEIGHT_DECIMALS = 6


def _pair(base: int, scen: int) -> dict[str, int]:
    return {"base": int(base), "scenario": int(scen), "delta": int(scen) - int(base)}


def _weight(w: Fraction | None) -> str | None:
    """A final KPI weight as a decimal string to 6 places (half away from zero), None if absent."""
    if w is None:
        return None
    scaled = w * 10 ** WEIGHT_DECIMALS
    n = int(scaled) + (1 if scaled - int(scaled) >= Fraction(1, 2) else 0)
    return f"{n // 10 ** WEIGHT_DECIMALS}.{n % 10 ** WEIGHT_DECIMALS:0{WEIGHT_DECIMALS}d}"


def strategy_plans(config: PlanConfig, computed: Plan | None = None) -> tuple[Plan, Plan]:
    """The month's plan under strategy A and under strategy B (R10), the rest of ``config`` unchanged:
    what the workbook's 方案对比 sheet lays side by side (``compare_plans(a, b)``). ``computed`` —
    ``compute_plan(config)`` when already at hand (its strategy is not computed again)."""
    def plan(s: str) -> Plan:
        if computed is not None and config.strategy == s:
            return computed
        return compute_plan(dataclasses.replace(config, strategy=s))
    return plan("A"), plan("B")


def compare_plans(base: Plan, scen: Plan) -> dict:
    """Targets (whole yuan, customers) and final KPI weights of both plans, row by row.

    Regions, products and KPIs are matched by name (key for KPIs); one that exists in
    only one plan shows 0 / None on the other side.
    """
    bt, st = base.targets, scen.targets
    b_prod = {p.name: p.revenue for p in base.products}
    s_prod = {p.name: p.revenue for p in scen.products}
    b_reg = {r.name: r for r in base.regions}
    s_reg = {r.name: r for r in scen.regions}
    regions = []
    for name in dict.fromkeys(list(b_reg) + list(s_reg)):
        b, s = b_reg.get(name), s_reg.get(name)
        products = dict.fromkeys(list(b.products if b else {}) + list(s.products if s else {}))
        regions.append({
            "region": name,
            "revenue": _pair(b.revenue if b else 0, s.revenue if s else 0),
            "new_customers": _pair(b.new_customers if b else 0, s.new_customers if s else 0),
            "products": {p: _pair((b.products.get(p, 0) if b else 0), (s.products.get(p, 0) if s else 0))
                         for p in products},
        })
    weights = []
    for name in dict.fromkeys(list(base.kpi_weights) + list(scen.kpi_weights)):
        bw = {k.key: k for k in base.kpi_weights.get(name, [])}
        sw = {k.key: k for k in scen.kpi_weights.get(name, [])}
        for key in dict.fromkeys(list(bw) + list(sw)):
            k = bw.get(key) or sw[key]
            weights.append({"region": name, "kpi": key, "name": k.name,
                            "base": _weight(bw[key].weight if key in bw else None),
                            "scenario": _weight(sw[key].weight if key in sw else None)})
    return {
        "month": str(base.config.month),
        "strategy": {"base": base.config.strategy, "scenario": scen.config.strategy},
        "targets": {"revenue": _pair(bt.revenue, st.revenue), "new_customers": _pair(bt.new_customers, st.new_customers)},
        "products": [{"product": p, **_pair(b_prod.get(p, 0), s_prod.get(p, 0))}
                     for p in dict.fromkeys(list(b_prod) + list(s_prod))],
        "regions": regions,
        "kpi_weights": weights,
    }


def compare_payouts(base: Sequence[Statement], scen: Sequence[Statement]) -> list[dict]:
    """Every rep's R8 statement under both plans (same deals): target, commission, awards, total in fen."""
    fields = ("target_yuan", "revenue_fen", "commission_fen", "total_fen")
    b = {(r.region, r.rep): r._asdict() for r in base}
    s = {(r.region, r.rep): r._asdict() for r in scen}
    out = []
    for key in dict.fromkeys(list(b) + list(s)):
        rb, rs = b.get(key, {}), s.get(key, {})
        row: dict = {"region": key[0], "rep": key[1]}
        for f in fields:
            row[f] = _pair(int(rb.get(f, 0)), int(rs.get(f, 0)))
        out.append(row)
    return out


def apply_sets(data: Mapping, sets: Mapping[str, object]) -> dict:
    """A deep copy of a TOML-shaped plan mapping with ``dotted.key = value`` applied.

    List tables are addressed by index or by name (``regions.华东区.revenue``,
    ``products.产品A.share``) / key (``kpis.followups.weight``). Raises KeyError with the
    offending key for a path that does not exist (a new key on a table is allowed).
    """
    import copy
    out = copy.deepcopy(dict(data))
    for dotted, value in sets.items():
        parts = dotted.split(".")
        node = out
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, list):
                node_index = _list_index(node, part)
                if node_index is None:
                    raise KeyError(dotted)
                if last:
                    node[node_index] = value
                else:
                    node = node[node_index]
            elif isinstance(node, dict):
                if last:
                    node[part] = value
                else:
                    if part not in node:
                        node[part] = {}
                    node = node[part]
            else:
                raise KeyError(dotted)
    return out


def _list_index(items: list, part: str) -> int | None:
    if part.isdigit():
        return int(part) if int(part) < len(items) else None
    for i, item in enumerate(items):
        if isinstance(item, dict) and part in (item.get("name"), item.get("key")):
            return i
    return None
