"""Three-way merge of keyed input snapshots: base (at split), master now, regional now.

Keys are whatever identifies an input independently of its cell address — the input
registry's ``(sheet role, region, rep-or-phase, field)`` tuples. Values are compared
exactly through :func:`salesplan.regional.values.same` (numbers as ``Decimal``,
blank == ``None``, a checkbox is not the number one).

For every key (b = base, m = master, r = regional):

==========================  ===========  ============================================
case                        bucket       merged value
==========================  ===========  ============================================
r == b                      ``kept``     m (the manager did not touch it)
r != b, m == b              ``applied``  r (the manager's change is taken)
r != b, m == r              ``converged`` m (both made the same change)
r != b, m != b, m != r      ``conflicts`` m — listed, never silently overwritten
==========================  ===========  ============================================

A key missing from the regional snapshot is "not sent" (kept); a key missing from base
counts as base ``None``.

:attr:`MergeResult.new_base` is the base to store for the next consolidation of the
same regional file: a key whose regional value the master now holds (applied or
converged) moves its base to that value, so a manager who keeps editing and re-sends
the file gets only the newer changes applied. Conflicting keys keep their old base, so
they stay conflicts until someone resolves them in the master.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Hashable, Mapping, NamedTuple

from salesplan.regional.values import canon, same

__all__ = ["Change", "MergeResult", "three_way_merge"]

_ABSENT = object()


class Change(NamedTuple):
    """One merged key: its base (at split), master and regional values."""
    key: Hashable
    base: Any
    master: Any
    regional: Any


@dataclass
class MergeResult:
    merged: dict[Hashable, Any]
    kept: list[Hashable] = field(default_factory=list)
    applied: list[Change] = field(default_factory=list)
    converged: list[Change] = field(default_factory=list)
    conflicts: list[Change] = field(default_factory=list)
    new_base: dict[Hashable, Any] = field(default_factory=dict)

    @property
    def updates(self) -> dict[Hashable, Any]:
        """What must be written into the master: the applied regional values."""
        return {c.key: c.regional for c in self.applied}


def three_way_merge(base: Mapping[Hashable, Any], master: Mapping[Hashable, Any],
                    regional: Mapping[Hashable, Any]) -> MergeResult:
    """Merge ``regional`` into ``master`` relative to ``base`` (see the module docstring)."""
    result = MergeResult(merged={})
    for key in dict.fromkeys([*base, *master, *regional]):
        b, m = canon(base.get(key)), canon(master.get(key))
        r = regional.get(key, _ABSENT)
        new = b
        if r is _ABSENT or same(r, b):
            result.merged[key] = m
            result.kept.append(key)
        else:
            r = canon(r)
            change = Change(key, b, m, r)
            if same(m, b):
                result.merged[key] = new = r
                result.applied.append(change)
            elif same(m, r):
                result.merged[key], new = m, r
                result.converged.append(change)
            else:
                result.merged[key] = m
                result.conflicts.append(change)
        if key in base or new is not None:
            result.new_base[key] = new
    return result
