"""Workbook labels, Chinese (default) and English. Keys are stable identifiers."""
from __future__ import annotations

import re

SHEETS = {
    "guide": ("使用说明", "Guide"),
    "setup": ("设置", "Setup"),
    "targets": ("目标分解", "Targets"),
    "calendar": ("作战日历", "Calendar"),
    "kpi": ("KPI考核", "KPI"),
    "deals": ("成交明细", "Deals"),
    "awards_in": ("竞赛与推荐", "Quiz & referrals"),
    "incentives": ("激励", "Incentives"),
    "statements": ("个人奖金明细", "Rep statements"),
    "risks": ("风险预警", "Risks"),
    "coaching": ("辅导", "Coaching"),
    "dashboard": ("仪表盘", "Dashboard"),
    "sprint": ("冲刺指引", "What it takes"),
    "compare": ("方案对比", "Strategy A vs B"),
}
META_SHEET = "_salesplan"

_L: dict[str, tuple[str, str]] = {
    # generic
    "title": ("销售团队月度绩效作战方案", "Sales team monthly performance battle plan"),
    "month": ("月份", "Month"),
    "assumption": ("假设", "assumption"),
    "changed": ("已修改", "changed"),
    "total": ("合计", "Total"),
    "target": ("目标", "Target"),
    "actual": ("实际", "Actual"),
    "attainment": ("完成率", "Attainment"),
    "region": ("区域", "Region"),
    "manager": ("区域经理", "Manager"),
    "product": ("产品线", "Product"),
    "share": ("占比", "Share"),
    "amount": ("金额", "Amount"),
    "phase": ("阶段", "Phase"),
    "name": ("名称", "Name"),
    "dates": ("日期", "Dates"),
    "working_days": ("工作日", "Working days"),
    "new_customers": ("新客户", "New customers"),
    "rule": ("规则", "Rule"),
    "note": ("说明", "Note"),
    "value": ("值", "Value"),
    "item": ("项目", "Item"),
    "config_key": ("配置键", "Config key"),
    "input_hint": ("黄色单元格可填写；橙色为“假设”（方案原文没有的默认值），可修改；其余单元格为公式，已锁定。",
                   "Yellow cells are inputs; orange cells are assumptions (defaults not in the source plan) and "
                   "editable; all other cells are locked formulas."),
    # setup
    "setup_title": ("设置 — 方案输入与假设", "Setup — plan inputs and assumptions"),
    "setup_changed_banner": ("项设置已修改：点击“生成月度方案”以更新目标、日历与权重",
                             "setting(s) changed: run “Generate monthly plan” to update targets, calendar and weights"),
    "weights_banner_a": ("⚠ KPI基础权重合计为 ", "⚠ KPI base weights sum to "),
    "weights_banner_norm": ("，不是100%：已按比例归一化至100%（假设，可在“归一化”处修改）",
                            ", not 100%: normalised proportionally to 100% (assumption; see “normalise”)"),
    "weights_banner_raw": ("，不是100%：按原权重计分，KPI得分最高低于满分",
                           ", not 100%: weights used as written, the KPI score tops out below the maximum"),
    "sec_basic": ("基本", "Basics"),
    "sec_r1": ("R1 总体目标", "R1 Overall targets"),
    "sec_r2": ("R2 按产品线分解（占比为输入，合计须为100%）", "R2 Products (shares are the input; must sum to 100%)"),
    "sec_r3": ("R3 区域目标分解 / R7 核心区域KPI（区域目标合计须等于月度销售额）",
               "R3 Regions / R7 focus KPIs (region targets must sum to the monthly revenue)"),
    "sec_r6": ("R6 KPI考核指标", "R6 KPI scorecard"),
    "sec_weights": ("权重规则", "Weight rule"),
    "sec_r8c": ("R8 多级提成（按个人目标完成率分档）", "R8 Multi-level commission (by attainment of personal target)"),
    "sec_r8a": ("R8 激励方案", "R8 Awards"),
    "sec_r9": ("R9/R10 权限与风险", "R9/R10 Authority and risk triggers"),
    "sec_b": ("R10 B版本策略（行业政策变化时启用）", "R10 Strategy B (industry policy change)"),
    "sec_cal": ("R4 阶段与节假日", "R4 Phases and holidays"),
    "sec_coach": ("R11 辅导", "R11 Coaching"),
    "sec_wb": ("工作簿", "Workbook"),
    "sec_other": ("其他设置", "Other settings"),
    "sec_meta": ("版本信息（请勿修改）", "Version (do not edit)"),
    "sum_check": ("合计", "Sum"),
    "extra_holidays": ("自定义假日（公司假日或更正）", "Extra holidays (company days or corrections)"),
    "extra_workdays": ("调休上班日", "Extra working days (make-up days 调休)"),
    "date": ("日期", "Date"),
    # targets
    "targets_title": ("目标分解", "Target breakdown"),
    "implied_orders": ("隐含订单数（销售额 ÷ 客单价）", "Implied orders (revenue ÷ AOV)"),
    "matrix": ("区域 × 产品线（行、列合计均精确）", "Region × product (row and column totals exact)"),
    "region_nc": ("区域新客户目标（按区域销售额占比，最大余数法）",
                  "Region new-customer targets (by revenue share, largest remainder)"),
    # calendar
    "calendar_title": ("作战日历", "Battle calendar"),
    "phases": ("R4 关键战役阶段", "R4 Battle phases"),
    "goals": ("可衡量目标", "Measurable goals"),
    "events": ("R5 日程（按实际日期）", "R5 Recurring calendar (actual dates)"),
    "weekday": ("星期", "Weekday"),
    "time": ("时间", "Time"),
    "holidays": ("节假日与调休", "Holidays and make-up working days"),
    "makeup": ("调休上班", "Make-up working day"),
    "source": ("来源", "Source"),
    "phase_split_note": ("阶段销售目标按阶段内工作日数分配（假设），使用中国大陆法定节假日与调休。",
                         "Phase revenue targets are split by working days (assumption), mainland-China calendar."),
    "sensitive": ("⚠ 春节前敏感期：大客户保号预案启动", "⚠ Spring Festival sensitive period: key-account retention plan active"),
    "daily": ("每日：社交媒体发布50条行业动态", "Daily: 50 industry posts on social media"),
    # kpi
    "kpi_title": ("KPI考核", "KPI scorecard"),
    "base_weights": ("R6 基础权重", "R6 Base weights"),
    "category": ("类别", "Category"),
    "kpi": ("KPI", "KPI"),
    "weight": ("权重", "Weight"),
    "raw_weight": ("原始权重", "Raw weight"),
    "final_weight": ("最终权重", "Final weight"),
    "scoring": ("计分方式", "Scoring"),
    "cap": ("封顶", "Cap"),
    "unit": ("单位", "Unit"),
    "final_tables": ("R7 各区域最终权重表", "R7 Final weight table per region"),
    "scoring_rules": ("计分规则", "Scoring rules"),
    "rule_linear": ("线性：实际/目标，封顶（默认120%）", "linear: actual/target, capped (default 120%)"),
    "rule_threshold": ("达标制：达到目标得满分，否则 实际/目标", "threshold: full score at or above target, else actual/target"),
    "rule_lower": ("越低越好：目标/实际，封顶；实际为0得封顶分", "lower_is_better: target/actual, capped; 0 earns the cap"),
    "rule_total": ("KPI得分 = min(满分, 满分 × Σ 权重 × 单项得分)；未填写的实际值得0分。",
                   "KPI score = min(max, max × Σ weight × score); a blank actual scores 0."),
    # region tab
    "region_targets": ("区域目标与进度", "Region targets and progress"),
    "month_target": ("月度销售目标", "Monthly revenue target"),
    "weekly_revenue": ("周报销售额（经理填写）", "Weekly revenue (typed)"),
    "deals_revenue": ("成交明细销售额", "Revenue from deals"),
    "nc_target": ("新客户目标", "New-customer target"),
    "nc_actual": ("新客户（实际）", "New customers (actual)"),
    "focus_kpi": ("重点KPI", "Focus KPI"),
    "focus_target": ("重点KPI目标（区域经理填写）", "Focus-KPI target (manager)"),
    "avg_kpi": ("平均KPI得分", "Average KPI score"),
    "flag_count": ("风险提示数", "Risk flags"),
    "rep_count": ("销售人数", "Reps"),
    "rep_target_sum": ("个人目标合计", "Sum of personal targets"),
    "phase_table": ("按阶段（周）目标与周报 — 经理每周填写黄色单元格",
                    "Targets and weekly report by phase — the manager fills the yellow cells each week"),
    "phase_target": ("阶段目标", "Phase target"),
    "status": ("状态", "Status"),
    "streak": ("连续未达标", "Missed in a row"),
    "complaints": ("投诉数", "Complaints"),
    "max_hours": ("最长响应(小时)", "Longest response (h)"),
    "satisfaction": ("客户满意度", "Satisfaction"),
    "inventory": ("客户库存占用率", "Inventory occupancy"),
    "flag_missed": ("预警：连续未达标", "Flag: missed weeks"),
    "flag_complaint": ("预警：投诉超时", "Flag: complaint late"),
    "flag_inventory": ("预警：库存", "Flag: inventory"),
    "month_total": ("月合计", "Month"),
    "product_target": ("产品目标", "Product target"),
    "product_attainment": ("产品完成率", "Product attainment"),
    "rep_table": ("销售人员 — 经理填写姓名、新员工、权重与KPI实际值",
                  "Reps — the manager types name, new hire, weight and KPI actuals"),
    "rep_name": ("姓名", "Name"),
    "new_hire": ("新员工(是/否)", "New hire (是/否)"),
    "personal_target": ("个人目标", "Personal target"),
    "kpi_score": ("KPI得分", "KPI score"),
    "score": ("得分", "score"),
    "coaching_sessions": ("辅导次数", "Coaching sessions"),
    "coaching_min": ("最低辅导", "Minimum"),
    "coaching_short": ("缺少", "Short by"),
    "churn": ("年流失率", "Annual churn"),
    "helper": ("辅助", "helper"),
    "met": ("达标", "met"),
    "missed": ("未达标", "missed"),
    "msg_missed": ("连续未达标：取消周末培训，增派市场支持人员", "missed in a row: weekend training cancelled, extra marketing support"),
    "msg_complaint": ("投诉响应超时（三级响应，须<3小时）", "complaint answered too late (three-level response, < 3 h)"),
    "msg_inventory": ("库存占用超限：紧急备货", "inventory occupancy over the limit: emergency stocking"),
    # deals
    "deals_title": ("成交明细（按月报表先后顺序，一行一单；行序即报表顺序）",
                    "Deals (one row per deal, in the monthly report's order)"),
    "seq": ("序号", "Seq"),
    "deal_date": ("成交日期", "Date"),
    "rep": ("销售", "Rep"),
    "customer": ("客户", "Customer"),
    "new_customer": ("新客户(是/否)", "New customer (是/否)"),
    "deal_amount": ("金额", "Amount"),
    "contract_id": ("合同编号", "Contract id"),
    "quote": ("报价", "Quote"),
    "list_price": ("目录价", "List price"),
    "first_quote": ("首次报价(是/否)", "First quote (是/否)"),
    "fen": ("金额(分)", "Amount (fen)"),
    "known": ("区域名单内", "On roster"),
    "rep_target": ("个人目标", "Rep target"),
    "cum_before": ("此前累计(分)", "Cumulative before (fen)"),
    "cum_after": ("此后累计(分)", "Cumulative after (fen)"),
    "tier": ("档", "Tier"),
    "deal_commission": ("本单提成", "Deal commission"),
    "first_new": ("新客户首单", "New customer's first deal"),
    "breakthrough": ("重大突破奖", "Breakthrough award"),
    "conquest": ("新客户攻克奖", "Conquest award"),
    "settings_invalid": ("设置有误", "settings invalid"),
    "settings_banner": ("⚠ 设置有误（{n}处），提成与奖金暂不计算，请先修改：", "⚠ {n} invalid setting(s): payouts are "
                        "not computed until fixed: "),
    "chk_money": ("须为 0 及以上的整数金额", "must be a whole amount ≥ 0"),
    "chk_int": ("须为 0 及以上的整数", "must be a whole number ≥ 0"),
    "chk_pct": ("须为 0%–100% 之间的比例", "must be a rate from 0% to 100%"),
    "chk_dec": ("须为 0 及以上的数", "must be a number ≥ 0"),
    "chk_min": ("须 ≥ {min}", "must be ≥ {min}"),
    "chk_choice": ("须为下拉列表中的值", "must be one of the list's values"),
    "chk_range": ("须为 {min}–{max} 的整数", "must be a whole number from {min} to {max}"),
    "chk_time": ("须为 HH:MM 格式的时间，如 14:00", "must be a time HH:MM, e.g. 14:00"),
    "sec_events": ("R5 日程设置（作战日历按此生成）", "R5 Event settings (the calendar follows them)"),
    "events_note": ("星期与“遇节假日”从下拉列表选择。遇节假日或周末：取消=当天不举行，照常=日期不变，"
                    "顺延=顺延至下一工作日，提前=提前至上一工作日。"
                    "作战日历与竞赛周次按生成时的设置写入：修改后请点击“生成月度方案”重新生成。",
                    "Weekdays mon…sun; on a holiday or weekend: skip, keep (the date stays), next / previous "
                    "working day. The calendar and the quiz weeks are written when the plan is generated: "
                    "after editing, regenerate (生成月度方案)."),
    "chk_tier_pair": ("提成档须同时填写起点和比例", "a commission tier needs both its start and its rate"),
    "chk_tier_first": ("第一档起点须为 0%", "the first tier must start at 0%"),
    "chk_tier_order": ("提成档起点须逐档递增（大于上一档）", "tier starts must increase (above the previous tier)"),
    "chk_shares": ("产品占比合计须为 100%", "product shares must sum to 100%"),
    "chk_regions": ("区域目标合计须等于月度销售额", "region targets must sum to the monthly revenue"),
    "flag_report": ("R9 ≥200万立即上报", "R9 report ≥ ¥2M"),
    "flag_discount": ("R9 折扣低于底线", "R9 discount below floor"),
    "flag_support": ("R9 技术支持优先", "R9 support priority"),
    "flag_unknown": ("销售不在区域名单", "Rep not on a region tab"),
    "yes_report": ("立即上报", "report now"),
    "yes_discount": ("需审批", "needs approval"),
    "yes_support": ("优先排期", "priority"),
    "yes_unknown": ("不在名单", "not on roster"),
    "customer_region": ("客户区域", "Customer region"),
    "flag_green": ("R9 财务绿色通道", "R9 finance green channel"),
    "yes_green": ("绿色通道", "green channel"),
    # quiz & referrals
    "awards_in_title": ("竞赛与推荐 — R8 每周产品知识竞赛名次、合作伙伴推荐（销售运营填写黄色单元格）",
                        "Quiz & referrals — R8 weekly product-quiz places and partner referrals (sales ops fills "
                        "the yellow cells)"),
    "quiz_section": ("每周产品知识竞赛（前几名奖励，金额见“设置”）", "Weekly product quiz (top places rewarded; "
                                                             "amounts in Setup)"),
    "week": ("周", "Week"),
    "quiz_date": ("竞赛日期", "Quiz date"),
    "place": ("名次", "Place"),
    "quiz": ("竞赛奖", "Quiz award"),
    "ref_section": ("合作伙伴推荐（1–3级，比例见“设置”；奖励付给合作伙伴）",
                    "Partner referrals (levels 1–3, rates in Setup; paid to the partner)"),
    "partner": ("合作伙伴", "Partner"),
    "level": ("级别", "Level"),
    "ref_amount": ("推荐成交金额", "Referred deal amount"),
    "reference": ("备注（成交序号/客户）", "Reference (deal #, customer)"),
    "rate": ("比例", "Rate"),
    "reward": ("推荐奖励", "Referral reward"),
    # statements
    "stmt_title": ("个人奖金明细 — 每笔奖金可追溯到成交、规则与比例", "Rep statements — every payout traced to "
                                                            "deals, rule and rate"),
    "stmt_note": ("逐单：累计前/后 → 各档计提额 × 比例 = 提成（四舍五入到分）；首单奖见规则列。汇总行与“激励”核对。",
                  "Per deal: cumulative before/after → each tier's slice × rate = commission (to the fen); "
                  "first-deal awards with their rule. Each rep's summary is checked against Incentives."),
    "recon_section": ("核对（各项合计必须完全一致）", "Reconciliation (the totals must agree exactly)"),
    "recon_statements": ("Σ 个人奖金明细", "Σ rep statements"),
    "recon_incentives": ("“激励”应发合计", "Incentives: total payout"),
    "recon_trace": ("提成明细合计（成交明细各档）", "Commission trace (tier columns of Deals)"),
    "recon_awards": ("奖项合计（首单奖+留存+竞赛+冠军）", "Awards (first deal + retention + quiz + champion)"),
    "recon_tpa": ("提成明细 + 奖项", "Commission trace + awards"),
    "recon_check": ("核对结果", "Check"),
    "recon_referral": ("合作伙伴推荐奖励（付给合作伙伴）", "Partner referral rewards (paid to partners)"),
    "recon_payout": ("本月应发总额（销售 + 合作伙伴）", "Month's total payout (reps + partners)"),
    "recon_ok": ("✓ 一致", "✓ reconciled"),
    "recon_bad": ("✗ 不一致", "✗ does not reconcile"),
    "stmt_summary": ("每位销售汇总", "Per-rep summary"),
    "first_awards": ("首单奖", "First-deal awards"),
    "quiz_places": ("竞赛名次数", "Quiz places"),
    "stmt_total": ("明细合计", "Statement total"),
    "inc_payout": ("“激励”应发", "Incentives payout"),
    "stmt_lines": ("逐单明细（按销售分组，组内按报表顺序）", "Deal lines (grouped by rep, report order within)"),
    "slice": ("计提额", "slice"),
    "award_rule": ("奖项规则", "Award rule"),
    "line_total": ("本行合计", "Line total"),
    "running": ("个人累计", "Rep running total"),
    "deal_row": ("成交明细行", "Deals row"),
    # duplicates
    "dup_names": ("重名人数", "Duplicate names"),
    "msg_dup": ("⚠ 区域内销售姓名重复：提成与奖项无法区分，请改为唯一姓名",
                "⚠ duplicate rep names in the region: payouts cannot be told apart, make names unique"),
    "flag_dup": ("R3 区域内销售重名", "R3 duplicate rep names"),
    # incentives
    "inc_title": ("激励 — 多级提成（逐单分档明细见“成交明细”各档列）与奖项",
                  "Incentives — multi-level commission (per-deal tier trace: the tier columns of Deals) and awards"),
    "deal_count": ("成交单数", "Deals"),
    "commission": ("提成合计", "Commission"),
    "retention": ("客户留存奖", "Retention award"),
    "champion": ("销售冠军", "Champion"),
    "champion_prize": ("冠军奖金", "Champion prize"),
    "payout": ("应发合计", "Total payout"),
    "better": ("排名领先者数", "Ranked ahead"),
    "inc_rules": ("规则：提成按个人累计销售额分档，逐单按报表顺序计算，跨档拆分；每段提成四舍五入到分。",
                  "Rules: commission tiers apply to cumulative revenue in report order; a deal crossing a boundary "
                  "is split; each slice is rounded to the fen."),
    "team_total": ("团队合计", "Team total"),
    "champion_is": ("本月销售冠军", "This month's champion"),
    # risks
    "risks_title": ("风险预警 — 已触发的预警（随输入实时更新）", "Risk flags — triggered flags (live)"),
    "triggered_count": ("已触发", "Triggered"),
    "register": ("全部检查项", "All checks"),
    "check": ("检查", "Check"),
    "where": ("来源单元格", "Source cell"),
    "message": ("内容", "Message"),
    "triggered": ("触发", "triggered"),
    "plan_alerts": ("方案提示", "Plan alerts"),
    # coaching
    "coach_title": ("辅导 — R11：新员工每月≥3次，老员工≥1次，团队每月10次",
                    "Coaching — R11: new hires ≥ 3 a month, veterans ≥ 1, team 10 a month"),
    "team_minimum": ("团队最低", "Team minimum"),
    "reps_short": ("未达最低的人数", "Reps short"),
    # dashboard
    "dash_title": ("仪表盘", "Dashboard"),
    "by_region": ("按区域：目标 vs 实际", "By region: target vs actual"),
    "by_product": ("按产品线：目标 vs 实际", "By product: target vs actual"),
    "burnup": ("阶段累计（燃尽图）", "Phase burn-up"),
    "cum_target": ("累计目标", "Cumulative target"),
    "cum_actual": ("累计实际", "Cumulative actual"),
    "kpi_rank": ("KPI排名（区域平均KPI得分）", "KPI ranking (region average KPI score)"),
    "weekly_attainment": ("经理周报完成率", "Attainment (managers' weekly figures)"),
    "deals_attainment": ("成交明细完成率", "Attainment (deals)"),
    "unassigned": ("未分配（销售不在任何区域表）", "Unassigned (rep on no region tab)"),
    "dash_team_total": ("团队合计（含未分配）", "Team total (incl. unassigned)"),
    "dash_actuals_note": ("两种“实际”来源不同：经理周报完成率 = 经理在区域表逐阶段填写的销售额 ÷ 目标；"
                          "成交明细完成率 = 成交明细（CRM导入）金额 ÷ 目标。周报未填或成交未导入时两者可相差很大，"
                          "并不矛盾。未分配 = 销售姓名不在该成交所填区域的区域表上的成交：不计入任何区域、不计提成，"
                          "计入团队合计；请把该销售加到区域表。",
                          "The two actuals have different sources: weekly attainment = the revenue managers type per "
                          "phase on the region tab ÷ target; deals attainment = the deals (CRM import) ÷ target. They "
                          "can differ widely while weekly figures or deals are not yet in: no contradiction. "
                          "Unassigned = deals whose rep is not on the region tab of the deal's region: counted in no "
                          "region and earning no commission, but in the team total; add the rep to the region tab."),
    "rank": ("排名", "Rank"),
    # guide
    "guide_title": ("使用说明", "Guide"),
    "guide_sheet": ("工作表", "Sheet"),
    "guide_purpose": ("用途", "Purpose"),
    "guide_who": ("谁填写", "Who fills it"),
    "key_dates": ("本月关键日期", "Key dates this month"),
    "alerts": ("提示", "Alerts"),
    # 冲刺指引 (what it takes) and the region tabs' gap columns
    "to_next_tier": ("距下一档", "To next tier"),
    "to_100": ("距达标", "To 100%"),
    "to_champion": ("距销冠", "To champion"),
    "daily_needed": ("日均需完成", "Daily needed"),
    "sprint_title": ("冲刺指引 — 还差多少、下一单带来什么", "What it takes — how far, and what the next deal does"),
    "sprint_note": ("截至日期为今天（限定在方案月内）；业绩为区域页的成交业绩（全部已录入成交）。距下一档在10%以内的销售高亮显示。",
                    "As of today (kept inside the plan month); revenue is the region tabs' (every deal entered). "
                    "Reps within 10% of their next tier are highlighted."),
    "as_of": ("截至日期", "As of"),
    "days_left": ("剩余工作日", "Working days left"),
    "leader": ("当前销冠", "Current leader"),
    "sprint_regions": ("各区域", "Regions"),
    "sprint_reps": ("各销售", "Reps"),
    "to_target": ("距目标", "To target"),
    "current_phase": ("当前阶段", "Current phase"),
    "phase_cum_target": ("阶段累计目标", "Target to phase end"),
    "to_phase_target": ("距阶段目标", "To phase target"),
    "nc_needed": ("尚需新客户", "New customers needed"),
    "tier_now": ("当前档", "Tier"),
    "tier_rate": ("当前提成率", "Tier rate"),
    "next_rate": ("下一档提成率", "Next tier rate"),
    "compare_title": ("方案对比 — A版本 vs B版本（R10）", "Strategy A vs B (R10)"),
    "compare_note": ("两种策略下的目标与KPI权重并列；切换到B版本：在“设置”中把策略改为B，再点击“生成月度方案”。",
                     "Targets and KPI weights under both strategies side by side; to switch, set the strategy to B "
                     "in Setup and regenerate."),
    "strategy_a": ("A版本", "Strategy A"),
    "strategy_b": ("B版本", "Strategy B"),
    "active": ("当前", "active"),
    "delta": ("差额", "Difference"),
    "cmp_totals": ("总体目标", "Overall targets"),
    "cmp_regions": ("区域 × 产品线目标", "Targets by region and product"),
    "cmp_weights": ("各区域KPI权重（最终）", "KPI weights by region (final)"),
}

GUIDE_ROWS = {
    "setup": (("方案的全部输入和假设（橙色），修改后点击“生成月度方案”更新。", "销售总监"),
              ("Every plan input and assumption (orange); regenerate after editing.", "Sales director")),
    "targets": (("R1总体目标、R2产品线、R3区域、区域×产品矩阵、区域新客户目标。", "—（自动）"),
                ("R1 overall targets, R2 products, R3 regions, region × product matrix, new-customer targets.",
                 "— (generated)")),
    "calendar": (("六个战役阶段的日期、工作日与阶段目标；R5日程；节假日与调休。", "—（自动）"),
                 ("The six phases with dates, working days and targets; R5 events; holidays.", "— (generated)")),
    "kpi": (("R6基础权重、R7各区域最终权重表和计分规则。", "—（自动）"),
            ("R6 base weights, R7 final weight table per region, scoring rules.", "— (generated)")),
    "region": (("区域目标（按产品、按阶段）；销售人员与权重→个人目标；每周填写周报与KPI实际值。", "区域经理"),
               ("Region targets by product and phase; reps and weights → personal targets; weekly inputs.",
                "Regional manager")),
    "deals": (("CRM成交明细（已盖章合同）；逐单计算累计、分档提成、R9预警。", "销售运营（导入）"),
              ("CRM deals (stamped contracts); cumulative revenue, tiered commission, R9 flags per deal.",
               "Sales ops (import)")),
    "awards_in": (("R8 每周产品知识竞赛名次（区域+姓名）与合作伙伴推荐（伙伴、级别、金额）。", "销售运营"),
                  ("R8 weekly quiz places (region + name) and partner referrals (partner, level, amount).",
                   "Sales ops")),
    "statements": (("个人奖金明细：逐单分档提成、奖项规则、每人合计，并与“激励”核对（✓/✗）。", "—（自动）"),
                   ("Per-rep statements: tier slices per deal, award rules, totals, reconciled with Incentives.",
                    "— (generated)")),
    "incentives": (("每位销售的多级提成、奖项与应发合计。", "—（自动）"),
                   ("Multi-level commission, awards and payout per rep.", "— (generated)")),
    "risks": (("全部已触发的R9/R10预警及其来源单元格。", "—（自动）"),
              ("Every triggered R9/R10 flag with the cell it comes from.", "— (generated)")),
    "coaching": (("每位销售的辅导次数对比R11最低要求。", "—（自动，次数在区域页填写）"),
                 ("Coaching sessions per rep against the R11 minimums.", "— (sessions typed on region tabs)")),
    "dashboard": (("目标 vs 实际图表、阶段燃尽图、KPI排名。", "—（自动）"),
                  ("Charts: target vs actual, phase burn-up, KPI ranking.", "— (generated)")),
    "sprint": (("冲刺指引：各区域、各销售距目标/下一档/销冠还差多少，每日需完成多少。", "—（自动）"),
               ("What it takes: how far each region and rep is from target, the next tier and the champion; "
                "daily amount needed.", "— (generated)")),
    "compare": (("方案对比：A、B两版策略的区域与产品线目标、KPI权重并列（R10）。", "—（自动）"),
                ("Strategies A and B side by side: targets by region and product, KPI weights (R10).",
                 "— (generated)")),
}

WEEKDAYS = (("一", "二", "三", "四", "五", "六", "日"), ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))


# Choice settings typed in 设置 as words of the workbook's language; the configuration keeps the codes.
CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "scoring": {"linear": ("线性", "linear"), "threshold": ("达标制", "threshold"),
                "lower_is_better": ("越低越好", "lower_is_better")},
    "unit": {"count": ("个数", "count"), "rate": ("比率", "rate"), "hours": ("小时", "hours"), "yuan": ("元", "yuan")},
    # R5 event settings (engine/calendar_events.WEEKDAYS, IF_NOT_WORKING)
    "weekday": {"mon": ("周一", "mon"), "tue": ("周二", "tue"), "wed": ("周三", "wed"), "thu": ("周四", "thu"),
                "fri": ("周五", "fri"), "sat": ("周六", "sat"), "sun": ("周日", "sun")},
    "if_not_working": {"skip": ("取消", "skip"), "keep": ("照常", "keep"), "next": ("顺延", "next"),
                       "previous": ("提前", "previous")},
}
#: R8's champion tie-break, a list typed as words in order (KPI得分、先达成总额); not labels: "kpi_score"
#: is also a column header's label
TIEBREAK = {"kpi_score": ("KPI得分", "kpi_score"), "earliest_total_date": ("先达成总额", "earliest_total_date")}
TIEBREAK_SPLIT = re.compile(r"[,，、\s]+")
#: table columns (设置's R3/R6 tables) typed as words; scalar rows say their kind in setup_sheet.SETUP_ROWS
CHOICE_FIELDS = {"scoring": "scoring", "focus_scoring": "scoring", "unit": "unit"}
for _choices in CHOICES.values():
    _L.update(_choices)
del _choices


def choice_code(field_name: str, value, kind: str | None = None):
    """The configuration code of a 设置 choice cell: either language's word or the code itself,
    any letter case (the sheet's check compares case-insensitively, as Excel's ``=`` does).
    ``kind``: the choice list (a key of CHOICES) when the field name does not say it."""
    choices = TIEBREAK if kind == "tiebreak" else CHOICES.get(kind or CHOICE_FIELDS.get(field_name, ""))
    if choices is None or not isinstance(value, str):
        return value
    typed = value.strip().casefold()
    for code, words in choices.items():
        if typed == code or typed in (w.casefold() for w in words):
            return code
    return value


class Labels:
    def __init__(self, lang: str = "zh"):
        if lang not in ("zh", "en"):
            raise ValueError(f"language must be 'zh' or 'en', got {lang!r}")
        self.lang = lang
        self.i = 0 if lang == "zh" else 1

    def __call__(self, key: str) -> str:
        return _L[key][self.i]

    def sheet(self, role: str) -> str:
        return SHEETS[role][self.i]

    def tiebreak(self, codes) -> str:
        """The champion tie-break as 设置 shows it: KPI得分、先达成总额 (English: the codes)."""
        return ("、" if self.i == 0 else ", ").join(TIEBREAK[c][self.i] if c in TIEBREAK else c for c in codes)

    def choices(self, kind: str) -> str:
        """A 设置 choice cell's list validation: ``choice:word,word`` in this language."""
        return "choice:" + ",".join(w[self.i] for w in CHOICES[kind].values())

    def pick(self, zh: str, en: str) -> str:
        return zh if self.i == 0 else en

    def weekday(self, d) -> str:
        return WEEKDAYS[self.i][d.weekday()]
