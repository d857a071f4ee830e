"""Typed exceptions shared by every face of salesplan (CLI, UDFs, macros, writer).

Every error names *where* (file, sheet, cell or config key), *what* was found and
*what was expected*, so a sales-ops person can fix the input without reading code.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located precisely."""

    where: str          # e.g. "plan.toml: products[2].share" or "华东区!C12"
    value: object       # what was found
    expected: str       # what would be accepted
    code: str = "invalid"

    def __str__(self) -> str:
        # a decimal as people type it (1.5), not as Python spells it (Decimal('1.5'))
        got = str(self.value) if isinstance(self.value, Decimal) else repr(self.value)
        return f"{self.where}: got {got}; expected {self.expected}"


class SalesPlanError(Exception):
    """Base of every error salesplan raises on purpose."""


class InputError(SalesPlanError):
    """One or more inputs are invalid; carries *all* problems found, not the first."""

    def __init__(self, problems: list[Problem], source: str = ""):
        self.problems = list(problems)
        self.source = source
        head = f"{len(self.problems)} problem(s)" + (f" in {source}" if source else "")
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class ConfigError(InputError):
    """The plan configuration (TOML or the workbook's setup sheet) is invalid."""


class WorkbookError(InputError):
    """A workbook is not what salesplan expects (wrong month, edited formulas, ...)."""


class DealsError(InputError):
    """A CRM deals file has rows that cannot be imported."""
