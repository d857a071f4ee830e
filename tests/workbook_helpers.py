"""Helpers for the workbook tests: a second config, random typed inputs, comparison."""
from __future__ import annotations

import random
from datetime import date, timedelta

from openpyxl.utils import get_column_letter

from salesplan.config.loader import default_config_text, parse_config
from salesplan.engine.actuals import NO, YES, DealRow, QuizRow, ReferralRow, compute_actuals, default_inputs
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
green_channel_customer_region = "North"
green_channel_via_region = "East"
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
    """Typical typed inputs: names, weights (ties too), KPI actuals, weekly rows, deals, quiz places,
    partner referrals — plus deliberate cases: deals crossing every tier boundary and landing exactly
    on one, new customers' first deals just over the conquest and breakthrough thresholds (and exactly
    at them), green-channel deals, and a champion tie decided by the configured tie-breaks with a blank
    deal date."""
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
                                  first_quote=rnd.choice([YES, NO, None]),
                                  customer_region=rnd.choice([None, None] + regions))
    _special_deals(plan, inputs, names_by_region, n_deals, rnd)
    # weekly quiz places: roster names, an unknown name, blanks
    for q in inputs.quiz:
        if rnd.random() < 0.7:
            reg = rnd.choice(regions)
            q.region = reg
            q.rep = rnd.choice((names_by_region[reg] or ["Ghost"]) + ["Ghost"])
    # partner referrals: levels in and out of range, a fractional level, blank amounts
    for i, x in enumerate(inputs.referrals[:12]):
        x.region = rnd.choice(regions + [None])
        x.partner = rnd.choice(["合作伙伴甲", "=Partner", "P-2", None]) if i else "合作伙伴甲"
        x.level = rnd.choice([1, 2, 3, 4, 1.5, None]) if i else 1
        x.amount = rnd.choice([rnd.randint(1, 3000000) + 0.5, 1234567.89, None]) if i else 1000000.01
        x.reference = f"#{i}"
    return inputs


def _special_deals(plan, inputs, names_by_region, start, rnd):
    """Deals placed deliberately after the random ones (same rows, report order)."""
    act = compute_actuals(plan, inputs)
    a_cfg = plan.config.awards
    tiers = plan.config.commission.tiers
    regions = [r.name for r in plan.config.regions]
    d0 = plan.config.month.first_day
    row = start

    def add(**kw):
        nonlocal row
        inputs.deals[row] = DealRow(seq=row + 1, contract_id=f"HT-S{row:03d}", product=plan.products[0].name, **kw)
        row += 1

    reps = [(r, i, row_.name) for r in regions for i, row_ in enumerate(inputs.regions[r].reps) if row_.name]
    r1, i1, n1 = reps[0]
    target = act[("rep", r1, i1, "target")]
    # cross every tier boundary of one rep (cumulative after the random deals: start from a fresh rep)
    r2, i2, n2 = reps[-1]
    t2 = act[("rep", r2, i2, "target")]
    for t in tiers[1:]:
        add(date=d0 + timedelta(days=3), rep=n2, region=r2, customer="跨档客户", new_customer=NO,
            amount=round(float(t.start) * t2 * 0.55, 2))
    add(date=d0 + timedelta(days=4), rep=n2, region=r2, customer="跨档客户", new_customer=NO, amount=t2 * 2 + 0.37)
    # new customers' first deals: just over / exactly at the conquest and breakthrough thresholds
    for amt, cust in ((a_cfg.conquest_threshold + 0.01, "新客户-conquest"), (a_cfg.conquest_threshold, "新客户-等于"),
                      (a_cfg.breakthrough_threshold + 0.01, "新客户-突破"), (a_cfg.breakthrough_threshold, "新客户-突破等于")):
        add(date=d0 + timedelta(days=5), rep=n1, region=r1, customer=cust, new_customer=YES, amount=amt)
    add(date=d0 + timedelta(days=6), rep=n1, region=r1, customer="新客户-conquest", new_customer=YES,
        amount=a_cfg.breakthrough_threshold + 5)          # not the first deal: no award
    # a green-channel deal (customer region → via region)
    risks = plan.config.risks
    if risks.green_channel_via_region in names_by_region and names_by_region[risks.green_channel_via_region]:
        add(date=d0 + timedelta(days=7), rep=names_by_region[risks.green_channel_via_region][0],
            region=risks.green_channel_via_region, customer="绿色通道客户", new_customer=NO, amount=12345.67,
            customer_region=risks.green_channel_customer_region)
    # a champion tie: two reps of different regions end on the same top revenue
    act = compute_actuals(plan, inputs)
    cand = [(r, i, n) for r, i, n in reps if act[("rep", r, i, "revenue")] is not None]
    (ra, ia, na), (rb, ib, nb) = cand[0], next(c for c in cand if c[0] != cand[0][0])
    top = max(act[("rep", r, i, "revenue")] for r, i, _ in cand) + 10_000_000
    add(date=None, rep=na, region=ra, customer="并列A", new_customer=NO,
        amount=round(top - act[("rep", ra, ia, "revenue")], 2))
    add(date=d0 + timedelta(days=20), rep=nb, region=rb, customer="并列B", new_customer=NO,
        amount=round(top - act[("rep", rb, ib, "revenue")], 2))
    del target, rnd


def compare(built, wb, inputs):
    """Every formula cell of the model vs the engine; returns (checked, mismatches)."""
    plan = built.ctx.plan
    act = compute_actuals(plan, inputs)
    roles = built.by_role()
    bad, n, memo = [], 0, {}
    for m in built.models:
        ws = wb[m.name]
        for r, c, f, key in m.formula_keys():
            n += 1
            assert key is not None, f"formula without an expected-value key: {m.name}!{get_column_letter(c)}{r}"
            exp = expected_value(key, act, built.ctx, roles, memo)
            got = ws.cell(r, c).value
            if not same(got, exp):
                bad.append((m.name, f"{get_column_letter(c)}{r}", got, exp, key))
    return n, bad


# 84598.92 + 47159.81 + 50850.27 = 182609.00 exactly; as binary floats 182608.99999999997
EXACT_TARGET_WEEK = {"产品A": 84598.92, "产品B": 47159.81, "产品C": 50850.27}


def duplicate_paid_rep(cfg, inputs):
    """A later blank slot of the first region repeats the name of a rep who has deals (and qualifies for
    retention): the deal target is the FIRST slot's, and only the first slot is paid."""
    region = cfg.regions[0].name
    reps = inputs.regions[region].reps
    names = {d.rep for d in inputs.deals if d.region == region}
    first = next(row for row in reps if row.name in names)
    slot = max(i for i, row in enumerate(reps) if not row.name)
    reps[slot].name, reps[slot].weight, reps[slot].churn = first.name, 2, 0.01
    first.churn = 0.01
