"""Helpers for the workbook tests: a second config, random typed inputs, comparison."""
from __future__ import annotations

import random
from datetime import date, timedelta

from openpyxl.utils import get_column_letter

from salesplan.config.loader import default_config_text, parse_config
from salesplan.engine.actuals import NO, YES, DealRow, compute_actuals, default_inputs
from salesplan.workbook_templates.expect import expected_value, same

SECOND_CONFIG = """
month = "2027-01"
strategy = "B"
[targets]
revenue = 1234567
new_customers = 37
repurchase_rate = 0.6
average_order_value = 41000
[[products]]
name = "=Cloud"
share = 0.55
[[products]]
name = "Hardware"
share = 0.3
[[products]]
name = "Services"
share = 0.15
[[regions]]
name = "East"
manager = "Ann"
revenue = 600001
focus_kpi = "SME share"
focus_weight = 0.05
focus_target = 0.3
focus_scoring = "threshold"
reps = [{ name = "Zoe", new_hire = true, weight = 2 }, { name = "+Max", weight = 1 }]
[[regions]]
name = "West's"
manager = "Bo"
revenue = 400000
focus_kpi = "Industry customers"
focus_weight = 0.02
focus_target = 4
focus_scoring = "lower_is_better"
[[regions]]
name = "North"
manager = "Cy"
revenue = 234566
focus_kpi = "Large accounts"
focus_weight = 0.0
[[kpis]]
key = "retention"
name = "Retained"
category = "Dev"
weight = 0.3
target = 0.6
scoring = "threshold"
unit = "rate"
[[kpis]]
key = "completion"
name = "Completion"
category = "Exec"
weight = 0.4
target = 0.9
scoring = "linear"
cap = 1.5
unit = "rate"
[[kpis]]
key = "response"
name = "Response hours"
category = "Service"
weight = 0.3
target = 2
scoring = "lower_is_better"
cap = 2
unit = "hours"
[weights]
normalize = false
score_max = 100
[commission]
tiers = [{ from = 0.0, rate = 0.015 }, { from = 0.5, rate = 0.035 }, { from = 1.1, rate = 0.07 }]
[awards]
champion_prize = "trip"
champion_prize_value = 3000
champion_tiebreak = ["earliest_total_date", "kpi_score"]
conquest_amount = 6000
conquest_threshold = 50000
breakthrough_amount = 20000
breakthrough_threshold = 150000
stack_breakthrough_and_conquest = true
retention_max_churn = 0.1
retention_bonus = 1000
full_attendance_bonus = 300
quiz_top_n = 3
quiz_awards = [300, 200, 100]
referral_rates = [0.02]
[risks]
report_threshold = 100000
special_discount_threshold = 150000
special_discount_floor = 0.9
standard_discount_floor = 0.97
support_priority_threshold = 120000
inventory_alert = 0.25
missed_weeks = 2
extra_support_staff = 3
complaint_max_hours = 2.5
sensitive_months_before = 1
[strategy_b]
revenue = 1100000
new_customers = 30
kpi_weights = { retention = 0.2 }
[calendar]
phase_starts = [1, 8, 15, 22]
extra_holidays = ["2027-01-04"]
extra_workdays = ["2027-01-09"]
[coaching]
team_total = 6
new_hire_min = 2
veteran_min = 1
[workbook]
language = "en"
rep_rows = 5
protect = true
password = "pw"
"""


def second_config():
    return parse_config(SECOND_CONFIG, source="second")


def random_inputs(plan, seed: int, *, n_deals: int = 40, deal_rows: int = 60):
    """Typical typed inputs: names, weights (ties too), KPI actuals, weekly rows, deals."""
    rnd = random.Random(seed)
    inputs = default_inputs(plan, deal_rows=deal_rows)
    names_by_region = {}
    for region in plan.config.regions:
        ri = inputs.regions[region.name]
        names = []
        for i, row in enumerate(ri.reps):
            if row.name is None and rnd.random() < 0.75:
                row.name = rnd.choice(["=Eve", "王", "李", "张", "Ann", "@Bob", "-Cy", "陈"]) + str(i) + str(seed % 7)
            if row.name is None:
                continue
            names.append(row.name)
            row.new_hire = rnd.choice([YES, NO, None])
            row.weight = rnd.choice([None, 1, 1, 2, 0.5, 1.25, 3, 0.125])
            for kw in plan.kpi_weights[region.name]:
                if kw.key != "completion" and rnd.random() < 0.85:
                    row.kpi[kw.key] = round(rnd.uniform(0, 2) * float(kw.target), 3)
            row.coaching = rnd.choice([None, 0, 1, 2, 3, 4])
            row.churn = rnd.choice([None, 0.05, 0.08, 0.1, 0.2])
        names_by_region[region.name] = names
        ri.focus_target = rnd.choice([ri.focus_target, 0.4, 3])
        for j, ph in enumerate(ri.phases):
            if rnd.random() < 0.8:
                for p in plan.products:
                    if rnd.random() < 0.9:
                        ph.revenue[p.name] = round(rnd.uniform(0, 2) * plan.phases[j].regions[region.name]
                                                   / len(plan.products), rnd.choice([0, 2]))
            ph.new_customers = rnd.choice([None, 0, 1, 3, 5])
            ph.complaints = rnd.choice([None, 0, 1, 2])
            ph.response_hours = rnd.choice([None, 1, 2.5, 2.9, 3, 4.5])
            ph.satisfaction = rnd.choice([None, 80, 92.5, 4.5])
            ph.inventory = rnd.choice([None, 0.1, 0.25, 0.3, 0.31, 0.5])
    regions = [r.name for r in plan.config.regions]
    customers = [f"客户{k}" for k in range(12)] + ["=SUM(A1)", "+C", "c1", "C1"]
    d0 = plan.config.month.first_day
    for i in range(n_deals):
        reg = rnd.choice(regions)
        reps = names_by_region[reg] or ["nobody"]
        rep = rnd.choice(reps + ["Ghost"]) if rnd.random() < 0.95 else rnd.choice(reps)
        amount = rnd.choice([rnd.randint(1, 400000) + rnd.choice([0, 0.5, 0.01, 0.99]),
                             rnd.randint(1000000, 12000000), 2000000, 3000000.01])
        quote = rnd.choice([None, amount, round(amount * rnd.uniform(0.85, 1.0), 2)])
        inputs.deals[i] = DealRow(seq=i + 1, date=d0 + timedelta(days=rnd.randint(0, 27)), rep=rep, region=reg,
                                  customer=rnd.choice(customers), new_customer=rnd.choice([YES, NO]),
                                  product=rnd.choice([p.name for p in plan.products]), amount=amount,
                                  contract_id=f"HT-{i:04d}", quote=quote,
                                  list_price=None if quote is None else round(amount * 1.02, 2),
                                  first_quote=rnd.choice([YES, NO, None]))
    return inputs


def compare(built, wb, inputs):
    """Every formula cell of the model vs the engine; returns (checked, mismatches)."""
    plan = built.ctx.plan
    act = compute_actuals(plan, inputs)
    roles = built.by_role()
    bad, n = [], 0
    for m in built.models:
        ws = wb[m.name]
        for r, c, f, key in m.formula_keys():
            n += 1
            assert key is not None, f"formula without an expected-value key: {m.name}!{get_column_letter(c)}{r}"
            exp = expected_value(key, act, built.ctx, roles)
            got = ws.cell(r, c).value
            if not same(got, exp):
                bad.append((m.name, f"{get_column_letter(c)}{r}", got, exp, key))
    return n, bad
