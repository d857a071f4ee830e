"""The plan workbook (销售作战方案-YYYY-MM.xlsx): writer, input registry, reader.

Public entry points (import from here; the modules behind them may move):
``generate_workbook``, ``build_models``, ``write_built``, ``write_deals``,
``read_plan_book``, ``read_config_from_workbook``, ``read_meta``, ``plan_month``, ``default_filename``.
"""
from salesplan.workbook_templates.writer import (
    build_models, default_filename, generate_workbook, plan_month, read_config_from_workbook, read_meta,
    read_plan_book, write_built, write_deals,
)

__all__ = ["build_models", "default_filename", "generate_workbook", "plan_month", "read_config_from_workbook",
           "read_meta", "read_plan_book", "write_built", "write_deals"]
