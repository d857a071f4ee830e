"""Split the plan workbook into one file per region, and consolidate them back.

    split_plan(plan.xlsx, out_dir)            consolidate(plan.xlsx, [files…])
      设置 → config, region tabs → inputs       read config + inputs of the master
      plan computed once (full config)          per file (salesplan.regional.core):
      per region:                                 preflight → stamp → manifest → checks
        build_models(plan, regions=[region])       → three-way merge by key
        → render (writer)                       apply merged values to the master's
        fingerprint → seal manifest               inputs (keyed, never by address)
        stamp (custom properties)               regenerate the master (writer, atomic)
        leak scan → sidecar JSON                move the sidecars' bases, log history

The workbook is built by the writer's public functions
(:func:`salesplan.workbook_templates.writer.build_models` / ``write_built`` /
``generate_workbook``): a regional file is the writer's region-only layout of the master
plan (``build_models(plan, regions=[region])``, see
:mod:`salesplan.workbook_templates.region_view`), so no sheet, defined name, cached
string or pivot cache of another region can exist in it, and every target in it (region,
region × product, region × phase, new customers, personal targets, KPI weights) is the
master's. Only the region tab's inputs are unlocked.

Input keys (stable, address-free): ``("reps", region, who, field)`` where ``who`` is the
rep's name at split time (``"#n"`` for an empty slot n or a duplicated name),
``("phases", region, phase number, field)`` and ``("focus_target", region)``. Deals
are not regional inputs: they come from the CRM import and are read-only (locked) in a
regional file, like 设置; an edit made anyway is reported (``locked_changed``) and never
merged.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Hashable, Iterable, Mapping

from salesplan.engine.input_spec import field_spec
from salesplan.errors import Problem, WorkbookError
from salesplan.engine.words import is_blank
from salesplan.progress import NullProgress, Progress
from salesplan.regional.core import ConsolidationReport, consolidate_snapshots
from salesplan.regional.manifest import (
    InputField, SplitManifest, Stamp, fingerprint_file, new_split_id, now_iso, plan_version, safe_name,
    sidecar_dir, sidecar_path, stamp_xlsx,
)
from salesplan.regional.scan import scan_for_names
from salesplan.regional.values import to_python
from salesplan.workbook_templates.save import FileSet, SaveError, remove_stale, saving, temp_name
from salesplan.xlsx.lxml_reader import XlsxFile, column_letter

__all__ = ["SplitResult", "split_plan", "consolidate", "field_spec", "region_fields", "LeakError",
           "MasterValues", "expand"]



class LeakError(WorkbookError):
    """A regional file would contain another region's names; it is deleted, not handed out."""


def rep_whos(reps: list[Any]) -> list[str]:
    """The stable row key of each rep slot: its name, or ``#n`` (blank or duplicated name)."""
    names = [str(r.name).strip() if not is_blank(r.name) else None for r in reps]
    counts: dict[str, int] = {}
    for n in names:
        if n is not None:
            counts[n] = counts.get(n, 0) + 1
    return [n if n is not None and counts[n] == 1 and not n.startswith("#") else f"#{i + 1}"
            for i, n in enumerate(names)]


def who_rows(reps: list[Any]) -> dict[str, int]:
    """{who: table row} of ``rep_whos`` (the first row of a who, as ``list.index`` finds it)."""
    return {w: i for i, w in reversed(list(enumerate(rep_whos(reps))))}


def region_fields(tables: Iterable[Any], region: str, inputs: Any) -> list[InputField]:
    """InputFields (key → sheet/cell/validation) of one region from the writer's registry tables."""
    out: list[InputField] = []
    rin = inputs.regions[region]
    for t in tables:
        if t.kind == "reps" and tuple(t.key) == ("reps", region):
            whos = rep_whos(rin.reps)
            for i in range(t.n_rows):
                who = whos[i] if i < len(whos) else f"#{i + 1}"
                for f, col in t.fields.items():
                    kind, lo, hi, ch = field_spec("reps", f)
                    out.append(InputField(("reps", region, who, f), t.sheet, f"{column_letter(col)}{t.first_row + i}",
                                          kind, lo, hi, ch, t.headers.get(f, f), i))
        elif t.kind == "phases" and tuple(t.key) == ("phases", region):
            for i in range(t.n_rows):
                for f, col in t.fields.items():
                    kind, lo, hi, ch = field_spec("phases", f)
                    out.append(InputField(("phases", region, i + 1, f), t.sheet,
                                          f"{column_letter(col)}{t.first_row + i}", kind, lo, hi, ch,
                                          t.headers.get(f, f), i))
        elif t.kind == "scalar" and tuple(t.key) == ("focus_target", region):
            kind, lo, hi, ch = field_spec("scalar", "focus_target")
            out.append(InputField(("focus_target", region), t.sheet, f"{column_letter(t.fields['value'])}{t.first_row}",
                                  kind, lo, hi, ch, "focus_target"))
    return out


class _Slot:
    """Where a key lives in a WorkbookInputs: an object and an attribute (or dict entry)."""

    __slots__ = ("obj", "attr", "sub")

    def __init__(self, obj: Any, attr: str, sub: str | None = None):
        self.obj, self.attr, self.sub = obj, attr, sub

    def get(self) -> Any:
        v = getattr(self.obj, self.attr)
        return v.get(self.sub) if self.sub is not None else v

    def set(self, value: Any) -> None:
        if self.sub is not None:
            getattr(self.obj, self.attr)[self.sub] = value
        else:
            setattr(self.obj, self.attr, value)


def _resolve(inputs: Any, key: Hashable, slot: int | None = None,
             who_index: Mapping[str, int] | None = None) -> _Slot | None:
    """The master's place for ``key`` (None when the master has no such region/rep/phase).

    A rep is found by its name; when no rep has that name any more (renamed through an
    earlier consolidation, or a ``#n`` slot that has been filled since), by the table
    row it had at split time (``slot``). ``who_index``: the region's ``rep_whos`` as
    {who: row}, when the caller keeps it (else it is worked out here, from every rep).
    """
    if not isinstance(key, tuple) or not key:
        return None
    if key[0] == "focus_target" and len(key) == 2:
        rin = inputs.regions.get(key[1])
        return _Slot(rin, "focus_target") if rin is not None else None
    if len(key) != 4:
        return None
    kind, region, who, f = key
    rin = inputs.regions.get(region)
    if rin is None:
        return None
    if kind == "reps":
        at = (who_index if who_index is not None else who_rows(rin.reps)).get(who)
        if at is not None:
            row = rin.reps[at]
        else:
            if slot is None and isinstance(who, str) and who.startswith("#") and who[1:].isdigit():
                slot = int(who[1:]) - 1
            if slot is None or not 0 <= slot < len(rin.reps):
                return None
            row = rin.reps[slot]
        if f.startswith("kpi:"):
            return _Slot(row, "kpi", f[4:])
        return _Slot(row, f) if hasattr(row, f) else None
    if kind == "phases":
        if not isinstance(who, int) or not 1 <= who <= len(rin.phases):
            return None
        row = rin.phases[who - 1]
        if f.startswith("rev:"):
            return _Slot(row, "revenue", f[4:])
        return _Slot(row, f) if hasattr(row, f) else None
    return None


class MasterValues(Mapping):
    """The master's current value for each input key (resolved once, before any update).

    Each region's rep rows by who (``rep_whos``) are worked out once, on the first key
    of that region: working them out per key made a region of n reps cost n² (a
    100-rep region: 90,000 name lists per file). Keys are resolved before any value is
    set (``consolidate`` places every update first), so the index is the master's as read.
    """

    def __init__(self, inputs: Any):
        self.inputs = inputs
        self.slots: dict[Hashable, _Slot | None] = {}
        self.hints: dict[Hashable, int] = {}      # key -> table row at split time
        self._who_index: dict[Hashable, dict[str, int]] = {}

    def hint(self, slots: Iterable[tuple[Hashable, int | None]]) -> None:
        """Remember each key's table row at split time (``(key, slot)`` pairs; the first wins)."""
        for key, slot in slots:
            if slot is not None:
                self.hints.setdefault(key, slot)

    def slot(self, key: Hashable) -> _Slot | None:
        if key not in self.slots:
            index = None
            if isinstance(key, tuple) and len(key) == 4 and key[0] == "reps":
                index = self._who_index.get(key[1])
                rin = self.inputs.regions.get(key[1]) if index is None else None
                if rin is not None:
                    index = self._who_index[key[1]] = who_rows(rin.reps)
            self.slots[key] = _resolve(self.inputs, key, self.hints.get(key), index)
        return self.slots[key]

    def __getitem__(self, key):
        s = self.slot(key)
        if s is None:
            raise KeyError(key)
        return s.get()

    def get(self, key, default=None):
        s = self.slot(key)
        return default if s is None else s.get()

    def __iter__(self):
        return iter([k for k, s in self.slots.items() if s is not None])

    def __len__(self) -> int:
        return sum(1 for s in self.slots.values() if s is not None)


def expand(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Regional files named by the user: a folder means every ``*.xlsx`` / ``*.xlsm`` in it
    (Excel's ``~$`` lock files left out), in name order."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(q for q in p.iterdir()
                          if q.suffix.lower() in (".xlsx", ".xlsm") and not q.name.startswith("~$"))
        else:
            out.append(p)
    return out


def _read_master(plan_path: Path, config: Any) -> tuple[Any, dict[str, Any], Any]:
    """(configuration, metadata, inputs) of the master, from one read of the workbook."""
    from salesplan.workbook_templates import read_plan_book

    book = read_plan_book(plan_path, config=config)
    return book.config, book.meta, book.inputs


# ----------------------------------------------------------------------------- split

@dataclass
class SplitResult:
    files: dict[str, Path] = field(default_factory=dict)       # region -> regional file
    manifests: dict[str, Path] = field(default_factory=dict)   # region -> sidecar JSON
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        return f"split into {len(self.files)} regional file(s)" + (
            f"; {len(self.problems)} problem(s)" if self.problems else "")


def _needles(config: Any, inputs: Any, region: str) -> list[str]:
    own: set[str] = set()
    other: set[str] = set()
    for r in config.regions:
        names = {r.name, r.manager} | {x.name for x in r.reps}
        rin = inputs.regions.get(r.name)
        if rin is not None:
            names |= {str(x.name).strip() for x in rin.reps if not is_blank(x.name)}
        (own if r.name == region else other).update(n for n in names if n)
    # a needle that is part of this region's own names cannot be told apart from them
    return sorted(n for n in other - own if len(n) >= 2 and not any(n in o for o in own))


def split_plan(plan_path: str | os.PathLike, out_dir: str | os.PathLike | None = None,
               regions: Iterable[str] | None = None, *, config: Any = None,
               progress: Progress | None = None) -> SplitResult:
    """Write one workbook per region (default: every region) and its sidecar manifest.

    The plan is computed once, from the full configuration; each file is the writer's
    region-only layout of it (``build_models(plan, regions=[region])``), so every target
    in it is the master's to the yuan.
    """
    from salesplan.engine.plan import compute_plan

    plan_path = Path(plan_path)
    out = Path(out_dir) if out_dir is not None else plan_path.parent / f"{plan_path.stem}.regions"
    cfg, meta, master_inputs = _read_master(plan_path, config)
    plan = compute_plan(cfg)
    names = [r.name for r in cfg.regions]
    wanted = list(regions) if regions is not None else names
    unknown = [r for r in wanted if r not in names]
    if unknown:
        raise WorkbookError([Problem(f"{plan_path.name}: regions", r, f"one of {', '.join(names)}", "unknown_region")
                             for r in unknown])
    missing = [r for r in wanted if r not in master_inputs.regions]
    if missing:
        raise WorkbookError([Problem(f"{plan_path.name}: {r}", None, "a region tab in the master", "layout")
                             for r in missing])
    version = plan_version(cfg)
    month = str(cfg.month)
    result = SplitResult()
    progress = progress or NullProgress()
    progress.start(len(wanted), "拆分区域文件 split")
    # All or nothing: every regional file is written into a staging folder inside ``out``
    # and every split record staged next to its target; only when all are written and
    # checked are they renamed into place together (FileSet: a failed rename puts every
    # old file back). A failure leaves ``out`` and the records as they were.
    made_out = not out.exists()
    made_records = not sidecar_dir(plan_path).exists()
    files = FileSet()
    with saving(out, cleanup=[out] if made_out else []):
        out.mkdir(parents=True, exist_ok=True)
        remove_stale(out, f"{plan_path.stem}.split", ".tmp")
        prefix, suffix = temp_name(out / f"{plan_path.stem}.split", ".tmp")
        stage = Path(tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=out))
    try:
        for region in wanted:
            dest = out / f"{plan_path.stem}.{safe_name(region)}.xlsx"
            tmp = stage / dest.name
            with saving(dest):
                m = _write_regional(plan, cfg, meta, master_inputs, region, tmp, dest, plan_path, version, month)
            files.adopt(tmp, dest)
            files.stage(sidecar_path(plan_path, region), m.save)
            result.files[region] = dest
            result.manifests[region] = sidecar_path(plan_path, region)
            progress.advance(1, region)
        files.commit()
    except SaveError as exc:
        _undo_split(files, out if made_out else None, sidecar_dir(plan_path) if made_records else None)
        raise SaveError(exc.path, exc.cause, note="nothing was written: the regional files and split records "
                                                   "are as they were") from None
    except BaseException:
        _undo_split(files, out if made_out else None, sidecar_dir(plan_path) if made_records else None)
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    progress.finish(result.summary())
    return result


def _undo_split(files: FileSet, made_out: Path | None, made_records: Path | None) -> None:
    """Put back what a failed split changed, and remove the folders it created."""
    files.undo()
    if made_out is not None:
        shutil.rmtree(made_out, ignore_errors=True)
    if made_records is not None:
        try:
            made_records.rmdir()        # only when empty: nothing else was in it
        except OSError:
            pass


def _write_regional(plan: Any, cfg: Any, meta: dict[str, Any], master_inputs: Any, region: str, tmp: Path,
                    dest: Path, plan_path: Path, version: str, month: str) -> SplitManifest:
    """Write one region's file to ``tmp`` (stamped, leak-scanned) and return its sealed manifest."""
    from salesplan.workbook_templates.context import LAYOUT_VERSION
    from salesplan.workbook_templates.writer import build_models, write_built

    built = build_models(plan, inputs=master_inputs, regions=[region], lang=meta.get("lang") or None)
    fields = region_fields(built.ctx.registry.tables, region, built.ctx.inputs)
    write_built(built, tmp)
    with XlsxFile(tmp) as x:
        fp = fingerprint_file(x, fields)
        sheets = x.sheet_names
    m = SplitManifest(new_split_id(), month, region, version, str(LAYOUT_VERSION), now_iso(),
                      plan_path.name, dest.name, fields, fp.base, fp.formulas, fp.cells, fp.unlocked, sheets,
                      formulas_as_written=fp.formulas_as_written)
    m.seal()
    stamp_xlsx(tmp, m.stamp())
    hits = scan_for_names(tmp, _needles(cfg, master_inputs, region))
    if hits:
        raise LeakError([Problem(f"{dest.name}: {h.part}", h.needle, "no name of another region", "leak")
                         for h in hits])
    return m


# ----------------------------------------------------------------------------- consolidate

def consolidate(plan_path: str | os.PathLike, region_files: Iterable[str | os.PathLike], *,
                progress: Progress | None = None, config: Any = None, write: bool = True,
                check_version: bool = True, ytd: dict | None = None) -> ConsolidationReport:
    """Merge the managers' files into the master (see the module docstring).

    Bad files are refused/rejected one by one with named reasons; the master is
    regenerated (atomically, by the writer) only when some input changed, so re-running
    the same files leaves it untouched.
    """
    from salesplan.workbook_templates.context import LAYOUT_VERSION

    plan_path = Path(plan_path)
    from salesplan.workbook_templates import read_plan_book
    book = read_plan_book(plan_path, config=config)      # the master, read once (its rewrite reuses it)
    cfg, master_inputs = book.config, book.inputs
    master = MasterValues(master_inputs)

    def find_manifest(stamp: Stamp) -> SplitManifest | None:
        p = sidecar_path(plan_path, stamp.region)
        if not p.is_file():
            return None
        try:
            m = SplitManifest.load(p)
        except (ValueError, KeyError, TypeError, OSError):
            return None
        master.hint((f.key, f.slot) for f in m.inputs)
        return m

    res = consolidate_snapshots(region_files, master_values=master, find_manifest=find_manifest,
                                month=str(cfg.month), plan_version=plan_version(cfg),
                                layout_version=str(LAYOUT_VERSION), check_version=check_version,
                                progress=progress)
    report = res.report
    report.master = str(plan_path)
    unplaceable = [k for k in res.updates if master.slot(k) is None]
    if unplaceable:
        for f in report.files:
            for c in list(f.applied):
                if c.key in unplaceable:
                    f.applied.remove(c)
                    f.conflicts.append(c)
                    f.problems.append(Problem(f"{Path(f.file).name}: {'/'.join(map(str, c.key))}", c.regional,
                                              "a region / rep / phase that still exists in the master", "unplaceable"))
    updates = {k: v for k, v in res.updates.items() if k not in unplaceable}
    if write:
        _commit(plan_path, book, master, updates, res.manifests.values(), report, ytd=ytd)
    return report


def _commit(plan_path: Path, book: Any, master: MasterValues, updates: Mapping[Hashable, Any],
            manifests: Iterable[SplitManifest], report: ConsolidationReport, ytd: dict | None = None) -> None:
    """Save the master and its split records together, or change neither.

    Order: (1) every new split record is written to a temp next to it — an unwritable
    or full ``.splits`` folder stops here, nothing changed; (2) a hard link (or copy) of
    the old master is kept and the master is saved (atomically, by the writer); (3) the
    records are renamed into place. A failure in (3) puts the old records and the old
    master back. A run killed between (2) and (3) leaves the new master with the old
    records: the next consolidation sees the regional values as changes again, finds
    them already in the master and applies nothing twice. The other way round (records
    first) would mark a value as merged before the master holds it, and the next run
    would skip it — so the master always goes first.
    """
    from salesplan.workbook_templates.writer import generate_workbook

    files = FileSet()
    try:
        for m in manifests:
            files.stage(sidecar_path(plan_path, m.region), m.save)
        if updates:
            for key, value in updates.items():
                master.slot(key).set(to_python(value))
            files.backup(plan_path)
            # ``book`` is the master as read (its meta is not read again); ytd: the 年度累计 sheet stays
            generate_workbook(book.config, plan_path, inputs=book.inputs, previous=book, ytd=ytd)
        files.commit()
    except SaveError as exc:
        files.undo()
        raise SaveError(exc.path, exc.cause, note="nothing was changed: the master and its split records "
                                                   "are as they were") from None
    except BaseException:
        files.undo()
        raise
    report.saved = bool(updates)
