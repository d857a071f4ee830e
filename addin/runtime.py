"""What a ribbon button runs in Python: check that this Python's xlwings is the one
the add-in was built for, then run the macro.

The add-in's VBA, DLL and AppleScript names carry the xlwings version it was built
with (``SalesPlanSetup.BUILT_FOR_XLWINGS``); xlwings in Python must be the same
version. After an upgrade, or with an .xlam built on another machine, the button
says so and what to do (``salesplan addin install``) instead of failing somewhere
inside xlwings.
"""
from __future__ import annotations

import sys

from . import messages

__all__ = ["xlwings_mismatch", "run"]

TITLE = "SalesPlan"


def xlwings_mismatch(built_for: str, installed: str | None = None, interpreter: str | None = None) -> str | None:
    """The message for a person when ``built_for`` is not this Python's xlwings, else None."""
    if installed is None:
        import xlwings

        installed = xlwings.__version__
    if installed == built_for:
        return None
    return messages.fill("xlwings_mismatch", built_for, installed, interpreter or sys.executable)


def run(tag: str, built_for: str) -> bool:
    """The ribbon's entry point (SalesPlanRibbon.OnAction). Never raises."""
    problem = xlwings_mismatch(built_for)
    if problem is None:
        import salesplan.macros

        return salesplan.macros.run(tag)
    try:
        import xlwings as xw

        xw.apps.active.alert(problem, title=TITLE, mode="critical")
    except Exception:  # no Excel to talk to: xlwings shows stderr of a failed run in a message box
        print(problem, file=sys.stderr)
        raise SystemExit(1) from None
    return False
