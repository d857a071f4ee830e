"""The plan workbook (销售作战方案-YYYY-MM.xlsx): writer, input registry, reader.

Public entry points (import from here; the modules behind them may move):
``generate_workbook``, ``build_models``, ``write_built``, ``write_deals``, ``default_filename``
(:mod:`.writer`); ``read_plan_book``, ``read_config_from_workbook``, ``read_meta``, ``plan_meta``,
``plan_month`` (:mod:`.reader`). Each is imported when first asked for: a command that only reads a plan does
not load the writer (its sheet builders and openpyxl).
"""
from importlib import import_module

_HOME = {"build_models": "writer", "default_filename": "writer", "generate_workbook": "writer",
         "write_built": "writer", "write_deals": "writer",
         "plan_meta": "reader", "plan_month": "reader", "read_config_from_workbook": "reader", "read_meta": "reader",
         "read_plan_book": "reader"}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    if name in _HOME:
        return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
