"""The one definition of a blank cell and of a yes/no answer, for every face.

CRM exports, regional files, the workbook's own cells and the Excel functions all read
yes/no and blank through these two functions, so a word accepted in one place is
accepted everywhere.
"""
from __future__ import annotations

import unicodedata
from typing import Any

__all__ = ["YES", "NO", "YES_WORDS", "NO_WORDS", "YES_NO_EXPECTED", "is_blank", "parse_yes_no"]

# how the workbook writes yes and no (its list validations offer exactly these two)
YES, NO = "是", "否"

# compared after NFKC folding (full-width → ASCII), trimming and case folding
YES_WORDS = frozenset({"是", "y", "yes", "true", "t", "1", "1.0", "✓", "✔", "√", "☑", "对", "真", "有", "已",
                       "已盖章", "盖章", "新", "新客户", "首次", "on"})
NO_WORDS = frozenset({"否", "n", "no", "false", "f", "0", "0.0", "✗", "✘", "×", "☐", "不", "不是", "假", "无", "未",
                      "未盖章", "没有", "老", "老客户", "非首次", "off"})
YES_NO_EXPECTED = "yes or no: 是/否, Y/N, yes/no, TRUE/FALSE, 1/0, ✓/✗ (blank = no)"


def is_blank(value: Any) -> bool:
    """None, the empty string and whitespace-only text are blank; 0 and False are not."""
    return value is None or (isinstance(value, str) and not value.strip())


def parse_yes_no(value: Any) -> bool | None:
    """A yes/no cell → True/False; None for a blank cell. ``ValueError`` when it is neither."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = unicodedata.normalize("NFKC", str(value)).strip().casefold()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ValueError(f"{value!r} is not a yes/no value")
