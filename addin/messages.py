"""What the add-in's VBA says to a person, bilingual, and the constants baked into it.

The VBA sources are ASCII-only, so these texts are generated into
``SalesPlanSetup.Message`` at build time (non-ASCII as ``ChrW()``). ``{1}``,
``{2}``, ``{3}`` are filled in by the VBA (and by :mod:`salesplan.addin.runtime`,
which shows the same mismatch text from the Python side).
"""
from __future__ import annotations

import re

__all__ = ["MESSAGES", "fill", "messages_vba", "constants_vba", "check_version"]

MESSAGES: dict[str, str] = {
    "no_workbook": (
        "请先打开销售作战方案工作簿，再点这个按钮。"
        "从钉钉或邮件打开的文件处于“受保护的视图”：请先点击“启用编辑”。\n\n"
        "Open the plan workbook first, then click the button again. A file opened from "
        "DingTalk or e-mail is in Protected View: click Enable Editing first."
    ),
    "xlwings_mismatch": (
        "SalesPlan.xlam 是为 xlwings {1} 生成的，但它使用的 Python（{3}）装的是 xlwings {2}。"
        "Excel 函数和按钮需要两者一致：请用这个 Python 运行 salesplan addin install，然后重启 Excel。\n\n"
        "SalesPlan.xlam was built for xlwings {1}, but the Python it runs ({3}) has xlwings {2}. "
        "The functions and buttons need the same version: run 'salesplan addin install' with that "
        "Python, then restart Excel."
    ),
    "action_failed": (
        "按钮“{1}”没能运行（错误 {2}：{3}）。\n"
        "如果刚升级过 xlwings 或 Python，请运行 salesplan addin install 并重启 Excel；"
        "否则请把这条信息发给维护加载项的同事。\n\n"
        "The button '{1}' could not run (error {2}: {3}). After an upgrade of xlwings or Python, "
        "run 'salesplan addin install' again and restart Excel; otherwise send this message to "
        "whoever maintains the add-in."
    ),
}

_VERSION = re.compile(r"[0-9A-Za-z.+\-]{1,40}")


def fill(key: str, *args: str) -> str:
    text = MESSAGES[key]
    for i, a in enumerate(args, 1):
        text = text.replace("{%d}" % i, a)
    return text


def check_version(version: str) -> str:
    """A version safe to write into VBA and Python string literals."""
    if not _VERSION.fullmatch(version):
        raise ValueError(f"unexpected xlwings version text {version!r}")
    return version


def messages_vba(assign) -> list[str]:
    """``Case`` branches of SalesPlanSetup.Message; ``assign(var, text)`` gives VBA lines."""
    lines: list[str] = []
    for key, text in MESSAGES.items():
        lines.append(f'    Case "{key}"')
        lines += ["    " + line for line in assign("s", text)]
    return lines


def constants_vba(xlwings_version: str) -> list[str]:
    return [
        "' The xlwings this add-in was built for: its VBA module, DLL and AppleScript names.",
        f'Public Const BUILT_FOR_XLWINGS As String = "{check_version(xlwings_version)}"',
    ]
