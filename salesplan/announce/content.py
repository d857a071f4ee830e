"""What the month's announcement says, independent of the medium.

:func:`build_announcement` turns a computed :class:`~salesplan.engine.plan.Plan`
into an :class:`Announcement`: plain data (already-formatted strings and the plan's
JSON-contract dict) that the PDF summary, the DingTalk markdown, the e-mail and the
.ics renderers all read. The medium-specific files never compute anything.

Labels are Chinese by default and English when the plan's ``[workbook] language``
is "en" (or ``lang="en"`` is passed).
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date

from salesplan.engine.notices import notice

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "doc_title": "销售团队月度绩效作战方案",
        "subject_tag": "【销售作战方案】",
        "strategy": "策略",
        "strategy_A": "A版（常规）",
        "strategy_B": "B版（行业政策变化）",
        "alerts": "风险提示",
        "warnings": "注意事项",
        "targets": "总体目标",
        "revenue": "月度销售额",
        "new_customers": "新客户开发",
        "repurchase_rate": "现有客户复购率",
        "aov": "平均客单价",
        "implied_orders": "预计订单数",
        "products": "产品线目标",
        "product": "产品线",
        "share": "占比",
        "target_amount": "目标金额",
        "regions": "区域目标",
        "region": "区域",
        "manager": "负责人",
        "total": "合计",
        "new_cust_short": "新客户",
        "phases": "关键战役安排",
        "phase": "阶段",
        "name": "名称",
        "start": "开始",
        "end": "结束",
        "working_days": "工作日",
        "goals": "考核要点",
        "kpi": "区域KPI权重",
        "kpi_name": "KPI",
        "awards": "激励方案",
        "award": "奖项",
        "amount": "奖励",
        "condition": "条件",
        "calendar": "本月日程",
        "date": "日期",
        "time": "时间",
        "event": "事项",
        "daily": "每日",
        "households": "家",
        "orders": "单",
        "days": "个工作日",
        "truncated": "（内容较长，已截断；完整方案见邮件附件 PDF 与方案工作簿）",
        "see_attachments": "完整方案见邮件附件（PDF 摘要、方案工作簿、日历 .ics）。",
        "generated": "生成时间",
        "weekday": "一二三四五六日",
        "weekday_prefix": "周",
        "sensitive": "春节前敏感期",
        "holiday": "假日",
        "makeup": "调休上班",
    },
    "en": {
        "doc_title": "Sales team monthly performance plan",
        "subject_tag": "[Sales plan] ",
        "strategy": "Strategy",
        "strategy_A": "A (normal)",
        "strategy_B": "B (industry policy change)",
        "alerts": "Alerts",
        "warnings": "Warnings",
        "targets": "Overall targets",
        "revenue": "Monthly revenue",
        "new_customers": "New customers",
        "repurchase_rate": "Repurchase rate",
        "aov": "Average order value",
        "implied_orders": "Implied orders",
        "products": "Product-line targets",
        "product": "Product line",
        "share": "Share",
        "target_amount": "Target",
        "regions": "Regional targets",
        "region": "Region",
        "manager": "Manager",
        "total": "Total",
        "new_cust_short": "New cust.",
        "phases": "Battle phases",
        "phase": "Phase",
        "name": "Name",
        "start": "Start",
        "end": "End",
        "working_days": "Working days",
        "goals": "Goals",
        "kpi": "KPI weights by region",
        "kpi_name": "KPI",
        "awards": "Incentives",
        "award": "Award",
        "amount": "Reward",
        "condition": "Condition",
        "calendar": "This month's calendar",
        "date": "Date",
        "time": "Time",
        "event": "Event",
        "daily": "Daily",
        "households": "",
        "orders": "orders",
        "days": "working days",
        "truncated": "(Message shortened; the full plan is in the e-mail's PDF and workbook attachments.)",
        "see_attachments": "The full plan is attached to the e-mail (PDF summary, plan workbook, calendar .ics).",
        "generated": "Generated",
        "weekday": "MTWTFSS",
        "weekday_prefix": "",
        "sensitive": "Spring Festival sensitive period",
        "holiday": "Holiday",
        "makeup": "Make-up working day",
    },
}

_TIEBREAK = {
    "zh": {"kpi_score": "KPI得分更高者", "earliest_total_date": "达成总额的成交日期更早者"},
    "en": {"kpi_score": "higher KPI score", "earliest_total_date": "earlier date of the deal that reached the total"},
}


def yuan(amount: int) -> str:
    """¥1,050,000 (amounts are whole yuan)."""
    return f"¥{amount:,}" if amount >= 0 else f"-¥{-amount:,}"


def pct(value: float, digits: int = 1) -> str:
    text = f"{value * 100:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "%"


def one_line(text: object) -> str:
    """Names come from user input: keep them on one line in every medium."""
    return " ".join(str(text).split())


@dataclass(frozen=True)
class Award:
    name: str
    amount: str
    condition: str


@dataclass(frozen=True)
class EventGroup:
    """All dates of one recurring (or one-off) event of the month."""

    key: str
    name: str
    time: str
    dates: tuple[date, ...]


@dataclass(frozen=True)
class Announcement:
    month: str
    lang: str
    labels: dict[str, str]
    title: str                      # "销售团队月度绩效作战方案 2026-12"
    subject: str                    # e-mail subject / DingTalk title
    data: dict                      # Plan.to_dict(): the JSON contract
    phase_goals: dict[int, tuple[str, ...]]
    kpi_names: list[str]            # union of every region's KPI names, in order
    awards: list[Award]
    event_groups: list[EventGroup]
    alerts: list[str]
    warnings: list[str]
    target_lines: list[tuple[str, str]] = field(default_factory=list)

    @property
    def L(self) -> dict[str, str]:  # noqa: N802 - short alias used by the renderers
        return self.labels

    def date_label(self, d: date, *, weekday: bool = False) -> str:
        text = f"{d.month:02d}/{d.day:02d}"
        if weekday:
            text += f"({self.labels['weekday_prefix']}{self.labels['weekday'][d.weekday()]})"
        return text


def _awards(config, lang: str) -> list[Award]:
    """The R8 awards as the announcement lists them; optional ones only when configured."""
    makers = (_champion_award, _conquest_award, _breakthrough_award, _retention_award, _quiz_award,
              _referral_award, _commission_award)
    return [award for make in makers if (award := make(config, lang)) is not None]


def _champion_award(config, lang: str) -> Award:
    a = config.awards
    zh = lang == "zh"
    tb = _TIEBREAK[lang]
    tiebreak = ("，".join(tb.get(t, t) for t in a.champion_tiebreak) if zh
                else ", then ".join(tb.get(t, t) for t in a.champion_tiebreak))
    prize = one_line(a.champion_prize) + (f"（{yuan(a.champion_prize_value)}）" if a.champion_prize_value else "")
    return Award("销售冠军" if zh else "Sales champion", prize,
                 (f"月度销售额第1名；并列时取{tiebreak}" if zh else f"rank 1 on the month's revenue; ties: {tiebreak}")
                 if tiebreak else ("月度销售额第1名" if zh else "rank 1 on the month's revenue"))


def _conquest_award(config, lang: str) -> Award:
    a = config.awards
    zh = lang == "zh"
    return Award("新客户攻克" if zh else "New-customer conquest",
                 f"{yuan(a.conquest_amount)}/{'家' if zh else 'customer'}",
                 f"新客户首单 > {yuan(a.conquest_threshold)}" if zh
                 else f"per new customer whose first deal is > {yuan(a.conquest_threshold)}")


def _breakthrough_award(config, lang: str) -> Award:
    a = config.awards
    zh = lang == "zh"
    stack = ("" if a.stack_breakthrough_and_conquest else
             ("；与新客户攻克奖不叠加，取高者" if zh else "; not stacked with conquest: the larger only"))
    return Award("重大突破" if zh else "Major breakthrough", yuan(a.breakthrough_amount),
                 (f"首次签约 > {yuan(a.breakthrough_threshold)}" if zh
                  else f"first signing > {yuan(a.breakthrough_threshold)}") + stack)


def _retention_award(config, lang: str) -> Award:
    a = config.awards
    zh = lang == "zh"
    retention = (f"奖金 {yuan(a.retention_bonus)} + 全勤奖 {yuan(a.full_attendance_bonus)}" if zh
                 else f"bonus {yuan(a.retention_bonus)} + full attendance {yuan(a.full_attendance_bonus)}")
    return Award("客户留存" if zh else "Customer retention", retention,
                 f"客户年自然流失率 ≤ {pct(float(a.retention_max_churn))}" if zh
                 else f"annual natural churn ≤ {pct(float(a.retention_max_churn))}")


def _quiz_award(config, lang: str) -> Award | None:
    a = config.awards
    zh = lang == "zh"
    if not a.quiz_awards:
        return None
    return Award("产品知识竞赛" if zh else "Product quiz",
                 " / ".join(yuan(x) for x in a.quiz_awards),
                 f"每周前{a.quiz_top_n}名" if zh else f"weekly top {a.quiz_top_n}")


def _referral_award(config, lang: str) -> Award | None:
    a = config.awards
    zh = lang == "zh"
    if not a.referral_rates:
        return None
    return Award("合作伙伴推荐" if zh else "Partner referral",
                 " / ".join(pct(float(r)) for r in a.referral_rates),
                 f"推荐链第1–{len(a.referral_rates)}级" if zh
                 else f"referral chain levels 1–{len(a.referral_rates)}")


def _commission_award(config, lang: str) -> Award | None:
    zh = lang == "zh"
    tiers = config.commission.tiers
    if not tiers:
        return None
    parts = []
    for i, t in enumerate(tiers):
        lo = pct(float(t.start), 0)
        hi = pct(float(tiers[i + 1].start), 0) if i + 1 < len(tiers) else None
        span = f"{lo}–{hi}" if hi else (f"> {lo}" if zh else f"above {lo}")
        parts.append(f"{span} {pct(float(t.rate))}")
    return Award("多级提成" if zh else "Multi-level commission", "；".join(parts) if zh else "; ".join(parts),
                 "按个人目标达成率，成交按月报表顺序累计，跨档拆分" if zh
                 else "by attainment of the rep's target; deals in the order of the monthly report, "
                      "split across tiers")


def _event_groups(plan, lang: str) -> list[EventGroup]:
    groups: OrderedDict[tuple[str, str, str], list[date]] = OrderedDict()
    for e in sorted(plan.events, key=lambda e: (e.date, e.time or "99:99")):
        name = e.name_zh if lang == "zh" else e.name_en
        groups.setdefault((e.key, one_line(name), e.time or ""), []).append(e.date)
    return [EventGroup(k, n, t, tuple(ds)) for (k, n, t), ds in groups.items()]


def build_announcement(plan, *, lang: str | None = None) -> Announcement:
    """The announcement's content for ``plan`` (a computed Plan)."""
    lang = lang or getattr(plan.config.workbook, "language", "zh") or "zh"
    if lang not in LABELS:
        lang = "zh"
    L = LABELS[lang]
    d = plan.to_dict()
    month = d["month"]
    title = f"{L['doc_title']} {month}"
    subject = f"{L['subject_tag']}{month} {L['doc_title']}"
    kpi_names: list[str] = []
    for r in d["regions"]:
        for name in r["kpi_weights"]:
            if name not in kpi_names:
                kpi_names.append(name)
    t = d["targets"]
    unit = L["households"]
    target_lines = [
        (L["revenue"], yuan(t["revenue"])),
        (L["new_customers"], f"{t['new_customers']}{(' ' + unit) if unit else ''}".strip()),
        (L["repurchase_rate"], pct(t["repurchase_rate"])),
        (L["aov"], yuan(t["average_order_value"])),
        (L["implied_orders"], f"{t['implied_orders']} {L['orders']}"),
    ]
    return Announcement(
        month=month, lang=lang, labels=L, title=title, subject=subject, data=d,
        phase_goals={pt.phase.number: (pt.phase.goals_zh if lang == "zh" else pt.phase.goals_en)
                     for pt in plan.phases},
        kpi_names=kpi_names,
        awards=_awards(plan.config, lang),
        event_groups=_event_groups(plan, lang),
        alerts=[one_line(notice(plan, a, lang)) for a in plan.alerts],
        warnings=[one_line(notice(plan, w, lang)) for w in plan.warnings],
        target_lines=target_lines,
    )
