"""R11 coaching: each new hire ≥ 3 sessions a month, each veteran ≥ 1, team total ≥ 10."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from salesplan.engine.params import Coaching


@dataclass(frozen=True)
class CoachingLine:
    region: str
    rep: str
    new_hire: bool
    sessions: int
    minimum: int

    @property
    def short_by(self) -> int:
        return max(0, self.minimum - self.sessions)


@dataclass(frozen=True)
class CoachingReport:
    lines: tuple[CoachingLine, ...]
    team_total: int
    team_minimum: int

    @property
    def team_short_by(self) -> int:
        return max(0, self.team_minimum - self.team_total)

    @property
    def short(self) -> tuple[CoachingLine, ...]:
        return tuple(line for line in self.lines if line.short_by)


def coaching_report(reps: Iterable[tuple[str, str, bool, int | None]], cfg: Coaching) -> CoachingReport:
    """(region, rep, new_hire, sessions) → who is short of their minimum, and the team total."""
    lines = tuple(CoachingLine(region, rep, new_hire, int(sessions or 0),
                               cfg.new_hire_min if new_hire else cfg.veteran_min)
                  for region, rep, new_hire, sessions in reps)
    return CoachingReport(lines, sum(line.sessions for line in lines), cfg.team_total)
