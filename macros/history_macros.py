"""The macros behind the 结账 Close ribbon group (docs/history.md).

Each one only hands the book to the action of the same name in
``salesplan.macros.history_actions`` (imported at call time, so the registry and the
ribbon tests never depend on the workbook or history layers).
"""
from __future__ import annotations

import importlib
from typing import Any

from .registry import macro


def _action(name: str):
    return getattr(importlib.import_module("salesplan.macros.history_actions"), name)


@macro(
    "close_month",
    label_zh="结账",
    label_en="Close the month",
    screentip="锁定本月：检查无误后把配置、输入、成交、每笔奖金及其计算依据存为不可更改的版本；之后不能再导入成交或合并区域文件，除非重新开账。"
    "Locks the month: when nothing is wrong, stores the configuration, inputs, deals and every payout with its "
    "trace as an immutable version; deals import and consolidation are refused until it is reopened.",
)
def close_month(book: Any) -> Any:
    return _action("close_month")(book)


@macro(
    "diff_last_month",
    label_zh="对比上月",
    label_en="Compare with last month",
    screentip="把本方案与上月已结账的版本对比：目标、输入、成交（按合同号）以及每位销售的奖金变化和原因。"
    "Compares this plan with last month's closed version: targets, inputs, deals (by contract number) and "
    "each rep's payout change with the reasons.",
)
def diff_last_month(book: Any) -> Any:
    return _action("diff_last_month")(book)
