"""Where the announcement's Plan comes from — the one small function to change.

``load_plan(workbook, config=..., month=...)``:

* with a plan workbook and the workbook layer's
  ``salesplan.workbook_templates.read_config_from_workbook`` available: the plan is
  computed from the configuration stored in the workbook (``--month``, if given,
  must match the workbook's month);
* otherwise from ``--config``/``--month`` (built-in seed plan when no config file);
  a workbook given then is only attached to the e-mail, and saying neither
  ``--config`` nor ``--month`` is an error, so the wrong month is never announced.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from salesplan.config import load_config
from salesplan.engine.month import Month
from salesplan.engine.plan import Plan, compute_plan
from salesplan.errors import Problem, SalesPlanError, WorkbookError


@dataclass
class PlanSource:
    plan: Plan
    workbook: Path | None = None
    notes: list[str] = field(default_factory=list)


def workbook_reader():
    """``read_config_from_workbook(path) -> PlanConfig`` from the workbook layer, or None."""
    try:
        module = importlib.import_module("salesplan.workbook_templates")
    except ImportError:
        return None
    return getattr(module, "read_config_from_workbook", None)


def load_plan(workbook: str | Path | None = None, *, config: str | Path | None = None,
              month: str | None = None) -> PlanSource:
    notes: list[str] = []
    path = Path(workbook) if workbook else None
    if path is not None:
        if not path.is_file():
            raise FileNotFoundError(f"plan workbook not found: {path}")
        reader = workbook_reader()
        if reader is not None and config is None:
            cfg = reader(path)
            if month is not None:
                wanted = Month.parse(month)
                if wanted != cfg.month:
                    raise WorkbookError([Problem(str(path), str(cfg.month), f"the month given with --month "
                                                                           f"({wanted})", "month")], str(path))
            return PlanSource(compute_plan(cfg), path, notes)
        if config is None and month is None:
            raise SalesPlanError(
                f"cannot read the plan from {path.name}: the workbook reader "
                "(salesplan.workbook_templates.read_config_from_workbook) is not available in this install; "
                "say which plan it is with --config FILE and/or --month YYYY-MM")
        notes.append(f"plan computed from {'--config ' + str(config) if config else 'the built-in seed plan'}"
                     f"{' for ' + month if month else ''}; {path.name} is attached as is")
    cfg = load_config(config, month=month)
    return PlanSource(compute_plan(cfg), path, notes)
