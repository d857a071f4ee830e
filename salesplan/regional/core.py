"""Consolidation core, independent of how the master workbook is laid out.

:func:`consolidate_snapshots` takes the regional files, a way to find each region's split
manifest (the sidecar JSON), and the master's current input values keyed like the
manifests' inputs. For every file, one by one:

1. preflight + open with the raw reader (:mod:`salesplan.xlsx.lxml_reader`); a hostile or
   broken file is *refused* with the preflight's named reason (``zip_bomb``,
   ``xml_entities``, ``encrypted``, ``not_zip``, ``missing_part``, ``absurd_dimensions``…);
2. read the stamp and find the manifest; identity problems *reject* the file
   (``not_regional``, ``split_mismatch``, ``month_mismatch``, ``version_mismatch``…);
3. read the split's sheets in one pass each and check formulas, locked cells and input
   validation (:mod:`salesplan.regional.checks`);
4. three-way merge the valid inputs (base = manifest, master = current values,
   regional = file) (:mod:`salesplan.regional.merge`).

Nothing here writes: the caller applies :attr:`ConsolidationResult.updates` to the master
and saves :attr:`ConsolidationResult.manifests` (moved bases, history) after the master
is safely written. No exception escapes for a bad file: anything unexpected while
reading an untrusted file becomes a ``corrupt`` refusal of that file only.
"""
from __future__ import annotations

import contextlib
import gc
import hashlib
import os
from collections.abc import ItemsView
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable, Iterator, Mapping

from salesplan.errors import Problem
from salesplan.progress import NullProgress, Progress
from salesplan.regional.checks import REJECT_CODES, WARNING_CODES, check_cells_aligned, check_stamp
from salesplan.regional.manifest import SplitManifest, Stamp, now_iso, read_stamp
from salesplan.regional.merge import NOT_SENT, Change, merge_aligned
from salesplan.xlsx.lxml_reader import UnsafeFileError, XlsxFile

__all__ = ["FileOutcome", "ConsolidationReport", "ConsolidationResult", "consolidate_snapshots",
           "read_regional_file"]


@dataclass
class FileOutcome:
    file: str
    status: str                      # "merged" | "rejected" | "refused"
    region: str | None = None
    reason: str = ""                 # refusal reason / first rejecting code
    detail: str = ""
    problems: list[Problem] = field(default_factory=list)
    inputs_read: int = 0
    kept: int = 0
    applied: list[Change] = field(default_factory=list)
    converged: list[Change] = field(default_factory=list)
    conflicts: list[Change] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.code not in WARNING_CODES]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.code in WARNING_CODES]


@dataclass
class ConsolidationReport:
    files: list[FileOutcome] = field(default_factory=list)
    master: str = ""
    saved: bool = False

    @property
    def files_read(self) -> int:
        return len(self.files)

    @property
    def merged(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "merged"]

    @property
    def excluded(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status != "merged"]

    @property
    def rows_imported(self) -> int:
        return sum(len(f.applied) for f in self.files)

    @property
    def inputs_read(self) -> int:
        return sum(f.inputs_read for f in self.files)

    @property
    def errors(self) -> list[Problem]:
        return [p for f in self.files for p in f.errors]

    @property
    def conflicts(self) -> list[tuple[str, Change]]:
        return [(f.file, c) for f in self.files for c in f.conflicts]

    @property
    def ok(self) -> bool:
        return not self.excluded and not self.errors and not self.conflicts

    def summary(self) -> str:
        return (f"files read: {self.files_read} ({len(self.merged)} merged, {len(self.excluded)} excluded); "
                f"inputs read: {self.inputs_read}; imported (changed inputs applied): {self.rows_imported}; "
                f"errors: {len(self.errors)}; conflicts: {len(self.conflicts)}")

    def details(self) -> list[str]:
        out = []
        for f in self.files:
            if f.status == "refused":
                out.append(f"{f.file}: refused ({f.reason}): {f.detail}")
            elif f.status == "rejected":
                out.append(f"{f.file}: rejected ({f.reason})")
            for p in f.problems:
                out.append(f"  {p.code}: {p}")
            for c in f.conflicts:
                out.append(f"  conflict {_key_text(c.key)}: base {_show(c.base)}, master {_show(c.master)}, "
                           f"regional {_show(c.regional)} — master kept")
        return out

    def to_json(self) -> dict[str, Any]:
        def prob(p: Problem) -> dict[str, Any]:
            v = p.value if isinstance(p.value, (str, int, float, bool)) or p.value is None else str(p.value)
            return {"where": p.where, "value": v, "expected": p.expected, "code": p.code}

        def chg(c: Change) -> dict[str, Any]:
            return {"key": list(c.key) if isinstance(c.key, tuple) else c.key,
                    "base": _show(c.base), "master": _show(c.master), "regional": _show(c.regional)}

        return {
            "master": self.master, "saved": self.saved,
            "summary": {"files_read": self.files_read, "merged": len(self.merged),
                        "excluded": len(self.excluded), "inputs_read": self.inputs_read,
                        "rows_imported": self.rows_imported, "errors": len(self.errors),
                        "conflicts": len(self.conflicts)},
            "files": [{"file": f.file, "status": f.status, "region": f.region, "reason": f.reason,
                       "detail": f.detail, "inputs_read": f.inputs_read, "kept": f.kept,
                       "applied": [chg(c) for c in f.applied], "converged": len(f.converged),
                       "conflicts": [chg(c) for c in f.conflicts],
                       "problems": [prob(p) for p in f.problems]} for f in self.files],
        }


def _show(v: Any) -> Any:
    from decimal import Decimal

    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else str(v)
    return v


def _key_text(key: Hashable) -> str:
    if isinstance(key, tuple):
        return "/".join("" if k is None else str(k) for k in key)
    return str(key)


class RunUpdates(Mapping):
    """A run's applied values (key -> value to write into the master), kept file by file:
    each merged file's own dict, a later file winning where two hold a key (the same
    region sent twice). Iterating gives each key once; when no two files may share a key
    (their key families never met) that is the files' dicts one after another, so a run
    of hundreds of files never builds one table of all its values — the caller filters
    and applies them as it goes. A lookup builds that table once (later files win)."""

    def __init__(self) -> None:
        self._parts: list[dict[Hashable, Any]] = []
        self._may_overlap = False
        self._merged: dict[Hashable, Any] | None = None

    def add(self, values: dict[Hashable, Any], may_overlap: bool) -> None:
        """One more file's applied values (``may_overlap``: it may hold a key of an earlier file)."""
        if values:
            self._parts.append(values)
            self._may_overlap = self._may_overlap or may_overlap
            self._merged = None

    def _table(self) -> dict[Hashable, Any]:
        if self._merged is None:
            merged: dict[Hashable, Any] = {}
            for part in self._parts:
                merged.update(part)
            self._merged = merged
        return self._merged

    def __getitem__(self, key: Hashable) -> Any:
        return self._table()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._table()

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._table()) if self._may_overlap else chain.from_iterable(self._parts)

    def __len__(self) -> int:
        return len(self._table()) if self._may_overlap else sum(map(len, self._parts))

    def items(self):  # type: ignore[override]
        if self._may_overlap:
            return self._table().items()
        return _Items(self)

    def __repr__(self) -> str:
        return f"RunUpdates({dict(self.items())!r})"


class _Items(ItemsView):
    """The items of a RunUpdates whose files share no key: each file's, in order."""

    def __iter__(self) -> Iterator[tuple[Hashable, Any]]:
        return chain.from_iterable(part.items() for part in self._mapping._parts)


@dataclass
class ConsolidationResult:
    report: ConsolidationReport
    updates: RunUpdates                           # key -> value to write into the master (a Mapping)
    manifests: dict[str, SplitManifest]           # region -> manifest with moved base + history


@dataclass
class RegionalRead:
    stamp: Stamp | None
    manifest: SplitManifest | None
    values: list[Any]                # aligned with manifest.input_keys(); NOT_SENT: none accepted
    problems: list[Problem]
    digest: str


def _file_digest(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()[:32]


def read_regional_file(path: str | os.PathLike, find_manifest: Callable[[Stamp], SplitManifest | None], *,
                       month: str | None = None, plan_version: str | None = None,
                       layout_version: str | None = None, check_version: bool = True) -> RegionalRead:
    """Preflight, open, identify and check one regional file (raises UnsafeFileError when refused)."""
    name = Path(path).name
    with XlsxFile(path) as x:
        stamp = read_stamp(x)
        manifest = find_manifest(stamp) if stamp is not None else None
        problems = check_stamp(name, stamp, manifest, month=month, plan_version=plan_version,
                               layout_version=layout_version, check_version=check_version)
        if problems:
            return RegionalRead(stamp, manifest, [], problems, "")
        assert manifest is not None
        present = set(x.sheet_names)
        sheets = {s: x.read_sheet_lazy(s) for s in (manifest.sheets or present) if s in present}
        values, problems = check_cells_aligned(name, manifest, sheets, x.is_locked)
        if manifest.sheets:
            # a sheet the manager added: what they typed there stays in their file only — say so
            known = set(manifest.sheets)
            problems += [Problem(f"{name}: {s}", None, "only the split's sheets: nothing typed in this added sheet "
                                 "is merged into the master", "sheet_added") for s in x.sheet_names if s not in known]
        manifest.drop_lookups()
        digest = x.sha256[:32] if x.sha256 else _file_digest(path)
    return RegionalRead(stamp, manifest, values, problems, digest)


def consolidate_snapshots(files: Iterable[str | os.PathLike], *, master_values: Mapping[Hashable, Any],
                          find_manifest: Callable[[Stamp], SplitManifest | None],
                          month: str | None = None, plan_version: str | None = None,
                          layout_version: str | None = None, check_version: bool = True,
                          progress: Progress | None = None) -> ConsolidationResult:
    files = [Path(f) for f in files]
    progress = progress or NullProgress()
    progress.start(len(files), "合并区域文件 consolidate")
    updates = RunUpdates()                          # this run's applied values, over the master's
    # family -> [(file's place in the run, its applied values)] of the files with keys of that family
    applied_by_family: dict[Hashable, list[tuple[int, dict[Hashable, Any]]]] = {}
    manifests: dict[str, SplitManifest] = {}
    report = ConsolidationReport()

    def lookup(stamp: Stamp) -> SplitManifest | None:
        # a manifest already updated by an earlier file of this run (same region) wins
        m = manifests.get(stamp.region)
        return m if m is not None else find_manifest(stamp)

    run_time = now_iso()                            # the history's time of every file of this run
    with _gc_paused():
        for path in files:
            _consolidate_one(path, report, updates, applied_by_family, manifests, master_values, lookup, run_time,
                             month=month, plan_version=plan_version, layout_version=layout_version,
                             check_version=check_version)
            progress.advance(1, path.name)
    progress.finish(report.summary())
    return ConsolidationResult(report, updates, manifests)


def _earlier_values(families: frozenset, applied_by_family: dict) -> list[dict[Hashable, Any]]:
    """The applied values of this run's earlier files that share a key family with
    ``families``, oldest first, each file's once (``applied_by_family``: family ->
    [(the file's place in the run, its applied values)])."""
    found = {n: part for fam in families for n, part in applied_by_family.get(fam, ())}
    return [found[n] for n in sorted(found)]


@contextlib.contextmanager
def _gc_paused():
    """The cyclic garbage collector off for the run (and back on after, if it was on).

    A run allocates hundreds of thousands of small container objects (changes, keys,
    values) that all stay alive, so the collector's periodic full passes over them find
    nothing and cost ~10% of the run; nothing here creates reference cycles. At the end
    the survivors go straight to the oldest generation (freeze, then unfreeze): else
    the first young-generation pass after the run would walk every one of them."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if gc.get_freeze_count() == 0:      # (never unfreeze what a host process froze)
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def _consolidate_one(path: Path, report: ConsolidationReport, updates: RunUpdates, applied_by_family: dict,
                     manifests: dict, master_values: Mapping[Hashable, Any],
                     lookup: Callable[[Stamp], SplitManifest | None], run_time: str, *,
                     month: str | None, plan_version: str | None, layout_version: str | None,
                     check_version: bool) -> None:
    """Read, check and merge one file into the run's state (never raises for a bad file)."""
    outcome = FileOutcome(str(path), "rejected")
    try:
        rr = read_regional_file(path, lookup, month=month, plan_version=plan_version,
                                layout_version=layout_version, check_version=check_version)
    except UnsafeFileError as exc:
        outcome.status, outcome.reason, outcome.detail = "refused", exc.reason, exc.detail
    except Exception as exc:  # noqa: BLE001 - an untrusted file must never crash the run
        outcome.status, outcome.reason = "refused", "corrupt"
        outcome.detail = f"{type(exc).__name__}: {exc}"
    else:
        outcome.region = rr.stamp.region if rr.stamp else None
        outcome.problems = rr.problems
        rejects = [p for p in rr.problems if p.code in REJECT_CODES]
        if rejects:
            outcome.status, outcome.reason = "rejected", rejects[0].code
            outcome.detail = str(rejects[0])
        else:
            m = rr.manifest
            assert m is not None
            keys = m.input_keys()
            base = m.base_aligned()
            sent = rr.values
            # (a record's input keys are distinct: the applied values are read from the changes)
            res = merge_aligned(keys, base, master_values.get, sent, distinct_keys=True)
            families = m.key_families()
            # a later file can hit an earlier file's keys only if they share a key family
            earlier = _earlier_values(families, applied_by_family)
            if earlier:
                changed = set(res.changed_keys())
                if any(not part.keys().isdisjoint(changed) for part in earlier):
                    # the region came twice in this run: its earlier file's values are the master's now
                    def master(key: Hashable, master_get=master_values.get, newest_first=earlier[::-1]) -> Any:
                        for part in newest_first:
                            v = part.get(key, NOT_SENT)
                            if v is not NOT_SENT:
                                return v
                        return master_get(key)

                    res = merge_aligned(keys, base, master, sent, distinct_keys=True)
            outcome.status = "merged"
            outcome.inputs_read = len(sent) - res.not_sent
            outcome.kept = res.kept
            outcome.applied, outcome.converged, outcome.conflicts = res.applied, res.converged, res.conflicts
            updates.add(res.applied_values, may_overlap=bool(earlier))
            if res.applied_values:
                for fam in families:
                    applied_by_family.setdefault(fam, []).append((len(report.files), res.applied_values))
            if res.new_base is not None:
                m.set_base_aligned(res.new_base)
            m.history.append({"time": run_time, "file": path.name, "sha256": rr.digest,
                              "applied": len(res.applied), "conflicts": len(res.conflicts),
                              "errors": len([p for p in rr.problems if p.code not in WARNING_CODES])})
            manifests[m.region] = m
    report.files.append(outcome)
