"""Excel macros behind the SalesPlan ribbon (see registry.py and runner.py).

``salesplan.macros.run(tag)`` is what the add-in's VBA dispatcher calls.
"""
from . import history_macros, plan_macros, workflow_macros  # noqa: F401 - register the ribbon macros
from .registry import REGISTRY, dispatch, macro
from .runner import run

__all__ = ["REGISTRY", "dispatch", "macro", "run"]
