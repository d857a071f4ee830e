"""Smoke test of the hostile-input run (tests/hostile_run.py): a few crafted files through
the real commands in child processes; the full run's figures are in docs/capacity.md."""
from __future__ import annotations

from hostile_run import hostile_run, total


def test_hostile_run_smoke(tmp_path):
    lines: list[str] = []
    tallies = hostile_run(tmp_path, quick=True, echo=lines.append)
    t = total(tallies)
    assert t.tried >= 5 and t.named >= 3 and t.accepted == 2, "\n".join(lines)    # the two good files
    assert (t.crashes, t.wrong, t.lost) == (0, 0, 0), "\n".join(lines)
    assert 0 < t.peak_mib < 1024
    assert lines[0].split()[:2] == ["command", "tried"]
