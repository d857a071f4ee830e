"""Consolidation core, independent of how the master workbook is laid out.

:func:`consolidate_snapshots` takes the regional files, a way to find each region's split
manifest (the sidecar JSON), and the master's current input values keyed like the
manifests' inputs. For every file, one by one:

1. preflight + open with the raw reader (:mod:`salesplan.regional.xlsxread`); a hostile or
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable, Mapping

from salesplan.errors import Problem
from salesplan.progress import NullProgress, Progress
from salesplan.regional.checks import REJECT_CODES, WARNING_CODES, check_cells_aligned, check_stamp
from salesplan.regional.manifest import SplitManifest, Stamp, now_iso, read_stamp
from salesplan.regional.merge import NOT_SENT, Change, merge_aligned
from salesplan.regional.xlsxread import UnsafeFileError, XlsxFile

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


@dataclass
class ConsolidationResult:
    report: ConsolidationReport
    updates: dict[Hashable, Any]                  # key -> value to write into the master
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
    updates: dict[Hashable, Any] = {}               # this run's applied values, over the master's
    applied_families: set[Hashable] = set()         # key families of the records that applied values
    manifests: dict[str, SplitManifest] = {}
    report = ConsolidationReport()

    def lookup(stamp: Stamp) -> SplitManifest | None:
        # a manifest already updated by an earlier file of this run (same region) wins
        m = manifests.get(stamp.region)
        return m if m is not None else find_manifest(stamp)

    run_time = now_iso()                            # the history's time of every file of this run
    with _gc_paused():
        for path in files:
            _consolidate_one(path, report, updates, applied_families, manifests, master_values, lookup, run_time,
                             month=month, plan_version=plan_version, layout_version=layout_version,
                             check_version=check_version)
            progress.advance(1, path.name)
    progress.finish(report.summary())
    return ConsolidationResult(report, updates, manifests)


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


def _consolidate_one(path: Path, report: ConsolidationReport, updates: dict, applied_families: set,
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
            res = merge_aligned(keys, base, master_values.get, sent)
            families = m.key_families()
            if not families.isdisjoint(applied_families) and not updates.keys().isdisjoint(res.changed_keys()):
                # the region came twice in this run: its earlier file's values are the master's now
                def master(key: Hashable, master_get=master_values.get, updates_get=updates.get) -> Any:
                    v = updates_get(key, NOT_SENT)
                    return master_get(key) if v is NOT_SENT else v

                res = merge_aligned(keys, base, master, sent)
            outcome.status = "merged"
            outcome.inputs_read = len(sent) - res.not_sent
            outcome.kept = res.kept
            outcome.applied, outcome.converged, outcome.conflicts = res.applied, res.converged, res.conflicts
            updates.update(res.applied_values)      # dict.update(dict) reuses the key hashes
            if res.applied_values:
                # a later file can hit these keys only if its record shares one of these families
                applied_families.update(families)
            if res.new_base is not None:
                m.set_base_aligned(res.new_base)
            m.history.append({"time": run_time, "file": path.name, "sha256": rr.digest,
                              "applied": len(res.applied), "conflicts": len(res.conflicts),
                              "errors": len([p for p in rr.problems if p.code not in WARNING_CODES])})
            manifests[m.region] = m
    report.files.append(outcome)
