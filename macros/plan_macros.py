"""The macros behind the ribbon buttons of the 销售作战 tab.

Each one only unpacks the context and calls the workbook action of the same
name in ``salesplan.macros.actions`` (``generate_plan``, ``recalculate``,
``check_risks``, ``open_settings``), which reads the calling workbook through
``salesplan.xlsx`` and raises SalesPlanError subclasses for anything the user must fix.
"""
from __future__ import annotations

import importlib
from typing import Any

from .registry import macro


def _action(name: str):
    # Imported at call time so the registry (and the ribbon tests) never depend
    # on the workbook layer being importable.
    return getattr(importlib.import_module("salesplan.macros.actions"), name)


@macro(
    "generate_plan",
    label_zh="生成月度方案",
    label_en="Generate monthly plan",
    screentip="按设置生成本月作战方案工作簿：目标、日历、KPI、奖金。"
    "Builds this month's plan workbook from the settings: targets, calendar, KPIs, bonuses.",
)
def generate_plan(book: Any) -> Any:
    return _action("generate_plan")(book)


@macro(
    "recalculate",
    label_zh="重新计算",
    label_en="Recalculate / refresh incentives",
    screentip="读取当前方案的成交与进度，重新计算KPI与激励。"
    "Re-reads the plan's deals and progress and refreshes KPIs and incentives.",
)
def recalculate(book: Any) -> Any:
    return _action("recalculate")(book)


@macro(
    "check_risks",
    label_zh="风险检查",
    label_en="Check risks",
    screentip="列出风险预警页的全部已触发预警：重名销售、大单上报、折扣、技术支持、财务绿色通道、连续未达标、投诉、库存、未知销售。"
    "Lists every triggered flag of the Risks sheet: duplicate names, large orders, discounts, support, "
    "the finance green channel, missed weeks, complaints, inventory, unknown reps.",
)
def check_risks(book: Any) -> Any:
    return _action("check_risks")(book)


@macro(
    "open_settings",
    label_zh="打开设置",
    label_en="Open settings",
    screentip="打开方案设置页（月份、团队、目标、奖金规则）。"
    "Opens the plan's settings sheet (month, team, targets, bonus rules).",
)
def open_settings(book: Any) -> Any:
    return _action("open_settings")(book)
