"""The Python side of the ribbon: what ``RunPython`` calls.

``SalesPlanRibbon.OnAction`` (VBA) runs
``import salesplan.macros; salesplan.macros.run('<tag>')``. :func:`run` gets
the calling workbook through xlwings, dispatches to the registered macro and
turns every failure into a message box with a clear text: the engine's own
message for :class:`~salesplan.errors.SalesPlanError`, a one-line summary (and
a log file with the traceback) for anything else. It never lets a traceback
reach xlwings' error dialog.
"""
from __future__ import annotations

import datetime as _dt
import importlib
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any, Callable

from salesplan.errors import SalesPlanError

from . import registry

__all__ = ["MACRO_MODULES", "load_macros", "run", "format_error", "log_path", "ALERT_TITLE"]

#: Modules whose import registers macros. Add new macro modules here.
MACRO_MODULES = ("salesplan.macros.plan_macros", "salesplan.macros.workflow_macros")

ALERT_TITLE = "销售作战 SalesPlan"
MAX_MESSAGE = 900  # Excel's MsgBox shows at most ~1024 characters

Notify = Callable[[str, str], Any]


def load_macros() -> dict[str, registry.MacroSpec]:
    for name in MACRO_MODULES:
        importlib.import_module(name)
    return registry.REGISTRY


def log_path() -> Path:
    """Where unexpected errors are logged with their traceback."""
    base = os.environ.get("SALESPLAN_LOG_DIR") or tempfile.gettempdir()
    return Path(base) / "salesplan-macros.log"


def format_error(exc: BaseException, limit: int = MAX_MESSAGE) -> str:
    """The message box text for an error, shortened to fit a message box."""
    text = str(exc).strip() or type(exc).__name__
    if len(text) <= limit:
        return text
    lines = text.splitlines()
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > limit - 40:
            break
        kept.append(line)
        used += len(line) + 1
    if not kept:  # one very long line
        return text[: limit - 1] + "…"
    rest = len(lines) - len(kept)
    return "\n".join(kept) + f"\n… 另有 {rest} 行 ({rest} more line(s))"


def _log_unexpected(tag: str, exc: BaseException) -> Path | None:
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {_dt.datetime.now().isoformat(timespec='seconds')} macro {tag!r}\n")
            fh.write("".join(traceback.format_exception(exc)))
        return path
    except OSError:
        return None


def _alert(book: Any, message: str, notify: Notify | None) -> None:
    if notify is not None:
        notify(message, ALERT_TITLE)
        return
    app = getattr(book, "app", None)
    if app is None:
        try:
            import xlwings as xw

            app = xw.apps.active if xw.apps.count else None
        except Exception:  # no Excel engine on this machine
            app = None
    if app is not None:
        try:
            app.alert(message, title=ALERT_TITLE, mode="critical")
            return
        except Exception:
            pass
    print(f"{ALERT_TITLE}: {message}", file=sys.stderr)


def _caller_book() -> Any:
    import xlwings as xw

    return xw.Book.caller()


def run(tag: str, *, book: Any = None, notify: Notify | None = None) -> bool:
    """Run the macro registered for ``tag`` on ``book`` (default: the workbook
    that called RunPython). Returns True on success; on failure shows the error
    (``notify(message, title)`` if given, else an Excel message box, else
    stderr) and returns False. Never raises."""
    try:
        load_macros()
        spec = registry.get(tag)
        if book is None:
            book = _caller_book()
        spec.func(book)
        return True
    except SalesPlanError as exc:
        _alert(book, format_error(exc), notify)
    except Exception as exc:  # anything else: summary in the box, traceback in the log
        logged = _log_unexpected(tag, exc)
        where = f"\n详情 Details: {logged}" if logged else ""
        summary = format_error(exc, MAX_MESSAGE - 200)
        _alert(
            book,
            f"操作“{tag}”意外失败 / The action '{tag}' failed unexpectedly:\n"
            f"{type(exc).__name__}: {summary}{where}",
            notify,
        )
    return False
