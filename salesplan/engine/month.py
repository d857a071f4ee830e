"""A calendar month ("2026-12"), the unit every plan is made for."""
from __future__ import annotations

import calendar as _stdlib_calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


@dataclass(frozen=True, order=True)
class Month:
    """One calendar month; ordered and hashable so it can key dicts and sort."""

    year: int
    month: int

    def __post_init__(self) -> None:
        # Validate here so a bad Month can never exist, whichever way it was built.
        if not isinstance(self.year, int) or not 1 <= self.year <= 9999:
            raise ValueError(f"year must be an integer 1..9999, got {self.year!r}")
        if not isinstance(self.month, int) or not 1 <= self.month <= 12:
            raise ValueError(f"month must be an integer 1..12, got {self.month!r}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse "YYYY-MM" (e.g. "2026-12"; "2026-1" is accepted too)."""
        match = _MONTH_RE.match(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"month must look like 'YYYY-MM' (e.g. '2026-12'), got {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, d: date) -> Month:
        """The month containing `d`."""
        return cls(d.year, d.month)

    @classmethod
    def next_after(cls, d: date) -> Month:
        """The month after `d`'s month: the default month to plan for, given today."""
        return cls.of(d).next()

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and (d.year, d.month) == (self.year, self.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, self.length)

    @property
    def length(self) -> int:
        """Number of days in the month (28..31)."""
        return _stdlib_calendar.monthrange(self.year, self.month)[1]

    @property
    def days(self) -> list[date]:
        first = self.first_day
        return [first + timedelta(days=i) for i in range(self.length)]

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def prev(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)
