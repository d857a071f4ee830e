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
4. three-way merge the valid inputs (base = manifest, master = current values with this
   run's earlier files applied, regional = file) (:mod:`salesplan.regional.merge`); a
   change by a file saved before the file that set the value is a conflict
   (``older_copy``): an older copy never erases a newer value.

Nothing here writes: the caller applies :attr:`ConsolidationResult.updates` to the master
and saves :attr:`ConsolidationResult.manifests` (moved bases, history) after the master
is safely written. No exception escapes for a bad file: anything unexpected while
reading an untrusted file becomes a ``corrupt`` refusal of that file only.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable, Mapping

from salesplan.errors import Problem
from salesplan.progress import NullProgress, Progress
from salesplan.regional.checks import REJECT_CODES, WARNING_CODES, check_cells, check_stamp
from salesplan.regional.manifest import SplitManifest, Stamp, now_iso, read_stamp
from salesplan.regional.merge import Change, MergeResult, three_way_merge
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
    values: dict[Hashable, Any]      # the accepted input values (an invalid input is left out)
    problems: list[Problem]
    digest: str                      # of the file's bytes
    saved_at: _dt.datetime | None = None    # when the file was last saved (its own properties)


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
            return RegionalRead(stamp, manifest, {}, problems, "")
        assert manifest is not None
        present = set(x.sheet_names)
        sheets = {s: x.read_sheet(s) for s in (manifest.sheets or x.sheet_names) if s in present}
        values, problems = check_cells(name, manifest, sheets, x.is_locked)
        # a sheet the manager added: what they typed there stays in their file only — say so
        problems += [Problem(f"{name}: {s}", None, "only the split's sheets: nothing typed in this added sheet "
                             "is merged into the master", "sheet_added")
                     for s in x.sheet_names if manifest.sheets and s not in manifest.sheets]
        digest = x.sha256[:32] if x.sha256 else _file_digest(path)
        saved_at = x.saved_at
    return RegionalRead(stamp, manifest, values, problems, digest, saved_at)


def consolidate_snapshots(files: Iterable[str | os.PathLike], *, master_values: Mapping[Hashable, Any],
                          find_manifest: Callable[[Stamp], SplitManifest | None],
                          month: str | None = None, plan_version: str | None = None,
                          layout_version: str | None = None, check_version: bool = True,
                          progress: Progress | None = None) -> ConsolidationResult:
    """Read, check and merge each file in turn (see the module docstring); write nothing."""
    files = [Path(f) for f in files]
    progress = progress or NullProgress()
    progress.start(len(files), "合并区域文件 consolidate")
    run = _Run(master_values, find_manifest, now_iso())
    for path in files:
        run.report.files.append(run.consolidate_one(path, month=month, plan_version=plan_version,
                                                    layout_version=layout_version, check_version=check_version))
        progress.advance(1, path.name)
    progress.finish(run.report.summary())
    return ConsolidationResult(run.report, run.updates, run.manifests)


class _Run:
    """One consolidation run's state: the values applied so far (a later file of the same
    region merges over them, as if it came in a later run) and the records they moved."""

    def __init__(self, master_values: Mapping[Hashable, Any], find_manifest: Callable[[Stamp], SplitManifest | None],
                 time: str):
        self.master_values, self.find_manifest, self.time = master_values, find_manifest, time
        self.updates: dict[Hashable, Any] = {}
        self.manifests: dict[str, SplitManifest] = {}
        self.report = ConsolidationReport()

    def lookup(self, stamp: Stamp) -> SplitManifest | None:
        # a record already moved by an earlier file of this run (same region) wins
        return self.manifests.get(stamp.region) or self.find_manifest(stamp)

    def master(self, key: Hashable) -> Any:
        return self.updates[key] if key in self.updates else self.master_values.get(key)

    def consolidate_one(self, path: Path, **identity: Any) -> FileOutcome:
        """Read, check and merge one file (never raises for a bad file)."""
        outcome = FileOutcome(str(path), "rejected")
        try:
            rr = read_regional_file(path, self.lookup, **identity)
        except UnsafeFileError as exc:
            outcome.status, outcome.reason, outcome.detail = "refused", exc.reason, exc.detail
            return outcome
        except Exception as exc:  # noqa: BLE001 - an untrusted file must never crash the run
            outcome.status, outcome.reason, outcome.detail = "refused", "corrupt", f"{type(exc).__name__}: {exc}"
            return outcome
        outcome.region = rr.stamp.region if rr.stamp else None
        outcome.problems = rr.problems
        rejects = [p for p in rr.problems if p.code in REJECT_CODES]
        if rejects:
            outcome.status, outcome.reason, outcome.detail = "rejected", rejects[0].code, str(rejects[0])
            return outcome
        m = rr.manifest
        assert m is not None
        keys = m.input_keys()
        res = three_way_merge({k: m.base.get(k) for k in keys}, {k: self.master(k) for k in keys}, rr.values)
        self._keep_newer(m, res, path.name, rr.saved_at, outcome.problems)
        outcome.status = "merged"
        outcome.inputs_read = len(rr.values)
        outcome.kept = len(res.kept)
        outcome.applied, outcome.converged, outcome.conflicts = res.applied, res.converged, res.conflicts
        self.updates.update(res.updates)
        m.base.update(res.new_base)
        m.history.append({"time": self.time, "file": path.name, "sha256": rr.digest,
                          "applied": len(res.applied), "conflicts": len(res.conflicts),
                          "errors": len([p for p in rr.problems if p.code not in WARNING_CODES])})
        self.manifests[m.region] = m
        return outcome

    @staticmethod
    def _keep_newer(m: SplitManifest, res: MergeResult, name: str, saved: _dt.datetime | None,
                    problems: list[Problem]) -> None:
        """An older copy never erases a newer value: a change to a key whose value came
        from a file saved later than this one (in this run or an earlier one) becomes a
        conflict naming both files, values and save times; the changes taken are
        remembered with their file and save time."""
        when = _iso(saved)
        for c in list(res.applied):
            by = m.changed_by.get(c.key)
            if by is None or not _older(saved, by.get("saved")):
                continue
            res.applied.remove(c)
            res.conflicts.append(c)
            res.merged[c.key], res.new_base[c.key] = c.master, c.base
            f = next((f for f in m.inputs if f.key == c.key), None)
            problems.append(Problem(
                f"{name}: {f.sheet}!{f.cell}" if f else f"{name}: {'/'.join(map(str, c.key))}", _show(c.regional),
                f"{_show(c.master)}, as {by.get('file')} (saved {by.get('saved') or 'at an unknown time'}) set it; "
                f"this file was saved {when or 'at an unknown time'}, before that change: "
                f"the master keeps {_show(c.master)}", "older_copy"))
        for c in res.applied + res.converged:
            m.changed_by[c.key] = {"file": name, "saved": when}


def _iso(t: _dt.datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _older(saved: _dt.datetime | None, than: str | None) -> bool:
    """Whether a file saved at ``saved`` is older than the change saved at ``than`` (ISO
    time). An unknown time counts as older: a value is never lost on a guess."""
    try:
        t = _dt.datetime.fromisoformat(than) if than else None
    except ValueError:
        t = None
    if saved is None or t is None:
        return True
    return saved < (t if t.tzinfo is not None else t.replace(tzinfo=_dt.timezone.utc))
