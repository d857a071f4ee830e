"""Three-way merge of keyed input snapshots: base (at split), master now, regional now.

Keys are whatever identifies an input independently of its cell address — the input
registry's ``(sheet role, region, rep-or-phase, field)`` tuples. Values are compared
exactly through :func:`salesplan.regional.values.canon` (numbers as ``Decimal``,
blank == ``None``).

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

Idempotence: re-running with the same inputs and the master as merged yields no
``applied`` keys. :attr:`MergeResult.new_base` is the base to store for the next
consolidation of the same regional file: a key whose regional value the master now
holds (applied or converged) moves its base to that value, so a manager who keeps
editing and re-sends the file gets only the newer changes applied — and the master's
own earlier absorption of that manager's value is not mistaken for a conflict.
Conflicting keys keep their old base, so they stay conflicts until someone resolves
them in the master.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from itertools import chain
from operator import itemgetter
from collections.abc import ItemsView, Mapping
from typing import Any, Callable, Hashable, Iterator, NamedTuple, Sequence

from salesplan.regional.values import canon

__all__ = ["Change", "MergeResult", "three_way_merge", "AlignedMerge", "AppliedValues", "merge_aligned", "NOT_SENT"]

_ABSENT = object()
_CANONICAL = frozenset({type(None), bool, Decimal})   # canon() returns these unchanged


class Change(NamedTuple):
    """One merged key: its base (at split), master and regional values."""
    key: Hashable
    base: Any
    master: Any
    regional: Any


# Change((key, base, master, regional)) without the generated __new__'s Python frame:
# the merge builds one per changed input, hundreds of thousands in a big run.
_new_change = partial(tuple.__new__, Change)
_KEY = itemgetter(0)          # of a Change


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
    if base.keys() == master.keys() and regional.keys() <= base.keys():
        items: Any = base.items()             # the usual case: one key set, no list built
    else:
        items = ((k, base.get(k)) for k in dict.fromkeys([*base, *master, *regional]))
    result = MergeResult(merged={})
    merged, kept, new_base = result.merged, result.kept, result.new_base
    applied, converged, conflicts = result.applied, result.converged, result.conflicts
    master_get, regional_get = master.get, regional.get
    for key, b in items:
        if type(b) not in _CANONICAL:
            b = canon(b)
        m = master_get(key)
        if type(m) not in _CANONICAL:
            m = canon(m)
        r = regional_get(key, _ABSENT)
        nb = b
        if r is _ABSENT:
            merged[key] = m
            kept.append(key)
        else:
            if type(r) not in _CANONICAL:
                r = canon(r)
            # _same() inlined: None only to None (tested first: Decimal == None is slow), a
            # bool only to a bool, otherwise equal
            if (r is None if b is None else
                    r is not None and r == b and (type(r) is bool) == (type(b) is bool)):
                merged[key] = m
                kept.append(key)
            elif (m is None if b is None else
                    m is not None and m == b and (type(m) is bool) == (type(b) is bool)):
                merged[key] = r
                applied.append(_new_change((key, b, m, r)))
                nb = r
            elif (m is None if r is None else
                    m is not None and m == r and (type(m) is bool) == (type(r) is bool)):
                merged[key] = m
                converged.append(_new_change((key, b, m, r)))
                nb = r
            else:
                merged[key] = m
                conflicts.append(_new_change((key, b, m, r)))
        if nb is not None or key in base:
            new_base[key] = nb
    return result


NOT_SENT = _ABSENT     # in merge_aligned's ``regional``: the file did not send this key

_merge_aligned_c = None


class AppliedValues(Mapping):
    """key -> regional value of a merge's applied changes (what the master must get), read
    from the changes themselves: no table of their keys is built unless someone looks a
    key up (a run of hundreds of files only iterates them, and a key's hash is costly).

    ``distinct``: the changes' keys are known to be distinct (the merge ran over a
    record's distinct input keys), so iterating the changes is iterating the mapping;
    otherwise the table (a later change winning, as in a dict) is built for that too."""

    __slots__ = ("_changes", "_distinct", "_table")

    def __init__(self, changes: list[Change], distinct: bool):
        self._changes = changes
        self._distinct = distinct
        self._table: dict[Hashable, Any] | None = None

    def _dict(self) -> dict[Hashable, Any]:
        if self._table is None:
            self._table = {c[0]: c[3] for c in self._changes}
        return self._table

    def __getitem__(self, key: Hashable) -> Any:
        return self._dict()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._dict()

    def __iter__(self) -> Iterator[Hashable]:
        if self._table is None and self._distinct:
            return map(_KEY, self._changes)
        return iter(self._dict())

    def __len__(self) -> int:
        return len(self._changes) if self._table is None and self._distinct else len(self._dict())

    def __bool__(self) -> bool:
        return bool(self._changes)

    def items(self):  # type: ignore[override]
        if self._table is None and self._distinct:
            return _ChangeItems(self)
        return self._dict().items()

    def __repr__(self) -> str:
        return f"AppliedValues({dict(self.items())!r})"


class _ChangeItems(ItemsView):
    """(key, regional value) of each applied change, in order (distinct keys)."""

    def __iter__(self) -> Iterator[tuple[Hashable, Any]]:
        return map(_KEY_REGIONAL, self._mapping._changes)


_KEY_REGIONAL = itemgetter(0, 3)     # of a Change: (key, regional)


@dataclass
class AlignedMerge:
    """:func:`merge_aligned`'s result: counts and changes, no merged copy of the inputs."""
    kept: int
    applied: list[Change]
    converged: list[Change]
    conflicts: list[Change]
    applied_values: Mapping[Hashable, Any]   # key -> regional value taken (what the master must get)
    new_base: list[Any] | None = None        # the base aligned with the keys after the merge (None: unmoved)
    not_sent: int = 0                        # keys the file did not send (NOT_SENT; counted in kept)

    def changed_keys(self) -> Iterator[Hashable]:
        """The keys the file changed (those the merge asked the master about)."""
        return chain(self.applied_values, map(_KEY, self.converged), map(_KEY, self.conflicts))

    @property
    def moved(self) -> dict[Hashable, Any]:
        """key -> new base: the applied and converged keys move to the regional value."""
        return {**self.applied_values, **{c.key: c.regional for c in self.converged}}


def merge_aligned(keys: Sequence[Hashable], base: Sequence[Any], master: Callable[[Hashable], Any],
                  regional: Sequence[Any], *, distinct_keys: bool = False) -> AlignedMerge:
    """:func:`three_way_merge` over aligned sequences (``base[i]`` is the base of ``keys[i]``…),
    for consolidation's hot path: one pass, nothing built for the kept keys.

    ``regional[i]`` is :data:`NOT_SENT` when the file did not send ``keys[i]`` (kept).
    ``master(key)`` gives the master's current value; it is asked only for the keys the
    file changed (a lookup in the master's big table is the costly step of a merge).
    The buckets and values are exactly those of :func:`three_way_merge` on the same
    data; the new base is the old one updated with :attr:`AlignedMerge.moved`
    (:attr:`AlignedMerge.new_base`: that base aligned with ``keys``, None when none moved).
    ``distinct_keys``: the caller knows ``keys`` are distinct (a record's input keys), so
    :attr:`AlignedMerge.applied_values` is read from the applied changes (an
    :class:`AppliedValues`) instead of being built as a dict.
    """
    if _merge_aligned_c is not None and type(keys) is list and type(base) is list and type(regional) is list \
            and len(keys) == len(base) == len(regional):
        res = AlignedMerge(*_merge_aligned_c(keys, base, master, regional, _ABSENT, Decimal, canon, Change,
                                             not distinct_keys))
        if distinct_keys:
            res.applied_values = AppliedValues(res.applied, True)
        return res
    return _merge_aligned_py(keys, base, master, regional)


def _merge_aligned_py(keys: Sequence[Hashable], base: Sequence[Any], master: Callable[[Hashable], Any],
                      regional: Sequence[Any]) -> AlignedMerge:
    """The merge loop in Python (the C helper in _cellscan does the same, statement for statement)."""
    applied: list[Change] = []
    converged: list[Change] = []
    conflicts: list[Change] = []
    applied_values: dict[Hashable, Any] = {}
    new_base: list[Any] | None = None
    kept = 0
    not_sent = 0
    for i, (key, b, r) in enumerate(zip(keys, base, regional)):
        if r is _ABSENT or r is b:           # not sent, or the very object of the base
            kept += 1
            not_sent += r is _ABSENT
            continue
        if type(b) not in _CANONICAL:
            b = canon(b)
        if type(r) not in _CANONICAL:
            r = canon(r)
        if (r is None if b is None else
                r is not None and r == b and (type(r) is bool) == (type(b) is bool)):
            kept += 1
            continue
        m = master(key)
        if type(m) not in _CANONICAL:
            m = canon(m)
        if (m is None if b is None else
                m is not None and m == b and (type(m) is bool) == (type(b) is bool)):
            applied.append(_new_change((key, b, m, r)))
            applied_values[key] = r
        elif (m is None if r is None else
                m is not None and m == r and (type(m) is bool) == (type(r) is bool)):
            converged.append(_new_change((key, b, m, r)))
        else:
            conflicts.append(_new_change((key, b, m, r)))
            continue
        if new_base is None:
            new_base = list(base)
        new_base[i] = r
    return AlignedMerge(kept, applied, converged, conflicts, applied_values, new_base, not_sent)


def _same(a: Any, b: Any) -> bool:
    # True == 1 in Python and Decimal(1) == True; a checkbox is not the number one.
    return a == b and (a is None) == (b is None) and (type(a) is bool) == (type(b) is bool)
