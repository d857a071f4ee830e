"""The plan's alerts and warnings in the reader's language, built from the plan's own figures.

The engine's ``Alert``/``Warning_`` messages are the log's text; every face that shows
them to the team (the workbook's guide, calendar and KPI sheets, the DingTalk message,
the e-mail, the PDF summary) shows this text instead, so a Chinese reader never meets an
English half-sentence. A code this module does not know keeps the engine's message.
"""
from __future__ import annotations

import re

from salesplan.engine.kpi import base_weight_total


def notice(plan, item, lang: str = "zh") -> str:
    """The text of an ``Alert`` or ``Warning_`` of ``plan`` (``item.code``) in ``lang``."""
    zh = lang == "zh"
    code = item.code
    if code == "sensitive_period" and plan.sensitive_window:
        (a, b), (c, d) = plan.sensitive_window, plan.sensitive_in_month
        return (f"春节前敏感期 {a.isoformat()} – {b.isoformat()}（本月 {c.isoformat()} – {d.isoformat()}）："
                f"启动大客户保号预案" if zh else
                f"Spring Festival sensitive period {a.isoformat()} – {b.isoformat()} (this month "
                f"{c.isoformat()} – {d.isoformat()}): the key-account retention plan is active")
    if code == "strategy_b":
        return ("B版本销售策略生效（行业政策变化）：适用B版本的目标与KPI权重" if zh else
                "Strategy B is active (industry policy change): strategy B targets and KPI weights apply")
    if code == "kpi_weights_not_100":
        total = f"{base_weight_total(plan.config) * 100:.0f}%"
        if plan.config.weights.normalize:
            return (f"KPI基础权重合计为 {total}，不是100%：已按比例归一化至100%（weights.normalize = true）" if zh else
                    f"KPI base weights sum to {total}, not 100%: normalised proportionally to 100% "
                    f"(weights.normalize = true)")
        return (f"KPI基础权重合计为 {total}，不是100%：按原权重计分（weights.normalize = false）" if zh else
                f"KPI base weights sum to {total}, not 100%: used as written (weights.normalize = false)")
    if code == "holidays_estimated":
        year = re.search(r"\d{4}", item.message)
        y = year.group(0) if year else ""
        return (f"{y}年官方节假日安排尚未收录：法定假日为估算，调休上班日未知；"
                f"请用 [calendar] extra_holidays / extra_workdays 更正" if zh else
                f"The official {y} holiday schedule is not in salesplan's table: statutory days are estimated and "
                f"make-up working days are unknown; correct them with [calendar] extra_holidays / extra_workdays")
    return item.message
