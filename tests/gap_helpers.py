"""A month of typed inputs that exercises every 冲刺 (gap) figure in a workbook.

March 2027 on the default plan (tiers from 0 / 80 / 100 / 120 %). Generated before March 2027
the workbook's as-of (TODAY() kept inside the month) is 1 March. East (华东区, four reps of
¥262,500): one ¥500 below the 80 % tier (highlighted), one exactly at 100 % (an undated
deal included), one in the top tier with a deal dated after the as-of date, one without
deals. South (华南区): two reps level on ¥400,000 — the KPI score decides the champion,
the other needs one fen — and a rep whose KPI score beats the champion's (its distance
to the champion is exact, no extra fen). Typed new customers on the east tab. The same
inputs for a month already over (``PAST_MONTH``): as of its last day, no working day left.
"""
from __future__ import annotations

from datetime import date

from salesplan.engine.actuals import default_inputs
from salesplan.engine.records import DealRow

MONTH = "2027-03"
PAST_MONTH = "2026-11"      # the same month typed in a month already over: no working day left


def sprint_inputs(plan):
    inputs = default_inputs(plan, deal_rows=16)
    east, south = (r.name for r in plan.config.regions[:2])
    kpis = [k for k in plan.kpi_weights[south] if k.key != "completion"]
    for i, name in enumerate(("甲一", "甲二", "甲三", "甲四")):
        row = inputs.regions[east].reps[i]
        row.name, row.weight = name, 1
    for i, (name, share) in enumerate((("乙一", 0.5), ("乙二", None), ("乙三", 1.0))):
        row = inputs.regions[south].reps[i]
        row.name, row.weight = name, 1
        if share is not None:
            row.kpi = {k.key: float(k.target) * share for k in kpis}
    inputs.regions[east].phases[0].new_customers = 3
    inputs.regions[east].phases[1].new_customers = 2
    month = plan.config.month
    d = lambda day: date(month.first_day.year, month.first_day.month, day)  # noqa: E731
    deals = [(east, "甲一", 209500, d(2)), (east, "甲二", 200000, d(2)), (east, "甲二", 62500, None),
             (east, "甲三", 300000, d(1)), (east, "甲三", 41250.55, d(20)),
             (south, "乙一", 150000, d(1)), (south, "乙一", 250000, d(5)), (south, "乙二", 400000, d(3)),
             (south, "乙三", 123456.78, d(4))]
    for n, (region, rep, amount, day) in enumerate(deals):
        inputs.deals[n] = DealRow(seq=n + 1, date=day, rep=rep, region=region, customer=f"客户{n + 1}",
                                  new_customer="否", product=plan.products[0].name, amount=amount)
    return inputs
