"""The 已结账 mark of a closed month: a red banner (who, when, version) in the title row of the
guide and of every sheet with inputs, every input cell locked (grey, read-only) and every sheet
protected. The mark itself is the workbook property ``salesplan.closed`` (JSON: version, by,
at_utc, at_shanghai), which ``generate``, ``consolidate`` and ``deals import`` read and check
against the history. The mark changes no value: the banner replaces only the title cell.
"""
from __future__ import annotations

import json
from typing import Any

from salesplan.workbook_templates.model import INPUT_STYLES, SheetModel

PROP_CLOSED = "salesplan.closed"
META_KEY = PROP_CLOSED.split(".", 1)[1]      # the key read_meta returns


def banner(mark: dict[str, Any], lang: str) -> str:
    v, by, at = mark.get("version"), mark.get("by"), mark.get("at_shanghai")
    if lang == "zh":
        return f"🔒 已结账 · 第 {v} 版 · {by} · {at}（北京时间）· 输入已锁定，修改须先 salesplan reopen"
    return f"🔒 CLOSED · version {v} · {by} · {at} (Asia/Shanghai) · inputs locked; reopen the month to change them"


def mark_closed(models: list[SheetModel], mark: dict[str, Any], lang: str) -> None:
    """Banner the guide and every input sheet, lock every input cell, protect every sheet."""
    text = banner(mark, lang)
    for m in models:
        if m.hidden:
            continue
        has_inputs = any(s in INPUT_STYLES for cols in m.cells.values() for (_v, s, _k, _t) in cols.values())
        m.lock_inputs()
        m.protect = True
        if has_inputs or m.role == "guide":
            title = m.get(1, 1)
            m.text(1, 1, f"{text} — {title}" if title else text, "banner")     # text: the closer's name is typed
        m.page.header = ("已结账 · " if lang == "zh" else "CLOSED · ") + m.page.header


def mark_json(mark: dict[str, Any]) -> str:
    return json.dumps(mark, ensure_ascii=False, sort_keys=True)


def read_mark(meta: dict[str, str] | None) -> dict[str, Any] | None:
    """The closed mark of a workbook's meta (``read_meta``), or None when it is open."""
    raw = (meta or {}).get(META_KEY)
    if not raw:
        return None
    try:
        mark = json.loads(raw)
    except ValueError:
        return {"version": None, "by": None, "at_utc": None, "at_shanghai": None, "raw": raw}
    return mark if isinstance(mark, dict) else None
