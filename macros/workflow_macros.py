"""The macros behind the 数据 Data, 区域协作 Regions and 下发 Distribute ribbon groups.

Like ``plan_macros``, each one only hands the book to the action of the same name in
``salesplan.macros.actions`` (imported at call time, so the registry and the ribbon
tests never depend on the workbook layer).
"""
from __future__ import annotations

from typing import Any

from .plan_macros import _action
from .registry import macro


@macro(
    "import_deals",
    label_zh="导入成交",
    label_en="Import deals",
    screentip="选择CRM导出的成交文件（CSV/XLSX，可多选），全部校验通过后写入“成交明细”（未盖章合同排除，重复合同号只取第一笔）。"
    "Choose CRM deal exports (CSV/XLSX, several at once); when all are valid they replace the deals sheet "
    "(unstamped contracts excluded, duplicate contract numbers counted once).",
)
def import_deals(book: Any) -> Any:
    return _action("import_deals")(book)


@macro(
    "split_regions",
    label_zh="拆分区域文件",
    label_en="Split regional files",
    screentip="为每个区域生成一份只含本区域的文件，交给区域经理填写。"
    "Writes one file per region, holding only that region, for its manager to fill in.",
)
def split_regions(book: Any) -> Any:
    return _action("split_regions")(book)


@macro(
    "consolidate_regions",
    label_zh="合并区域文件",
    label_en="Consolidate regional files",
    screentip="把区域经理交回的文件合并进本方案：逐个校验，按键三方合并，冲突与错误逐条列出。"
    "Merges the managers' returned files into this plan: each file checked, three-way merged by key, "
    "conflicts and errors listed.",
)
def consolidate_regions(book: Any) -> Any:
    return _action("consolidate_regions")(book)


@macro(
    "announce_plan",
    label_zh="下发方案",
    label_en="Announce the plan",
    screentip="生成方案摘要PDF、钉钉消息、邮件和日历文件，确认后发送到钉钉群和团队邮箱（每月每渠道只发一次）。"
    "Writes the PDF summary, DingTalk message, e-mail and calendar; after confirmation sends them to the "
    "DingTalk group and the team mailbox (once per month and channel).",
)
def announce_plan(book: Any) -> Any:
    return _action("announce_plan")(book)
