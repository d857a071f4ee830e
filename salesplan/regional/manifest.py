"""The split record: what a regional file was when it left the master.

* **The sidecar JSON is the record** (``<plan folder>/<plan stem>.splits/<region>.json``):
  month, region, plan version, layout version, split id and time; the inputs (key →
  sheet, cell, validation) each with its **base** value; every formula the split wrote
  (sheet → cell → formula text) and every other locked value (sheet → cell → value);
  the cells left unlocked that are no input; the sheet list; the consolidation history.
  It stays with the master, so the base of the three-way merge is something the manager
  could not have edited.
* **The regional file carries only a stamp**, as custom document properties
  (``salesplan.split.*``: month, region, plan version, layout version, split id and the
  record's digest). Custom properties survive saving in Excel, WPS, LibreOffice and
  openpyxl (a customXml part does not survive LibreOffice) and hold only this region's
  own identifiers.

The digest seals the split-time layout (ids, inputs without their moving base,
formulas, locked values): a stamp whose digest is not the record's belongs to another
record.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import os
import re
import tempfile
import uuid
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Hashable, Iterable, Mapping, NamedTuple

from lxml import etree

from salesplan.regional.values import canon, decode, encode, formula_fingerprint, formulas_digest

__all__ = [
    "RECORD_FORMAT", "RECORD_VERSION", "STAMP_PREFIX", "InputField", "Stamp", "SplitManifest",
    "plan_version", "sidecar_dir", "sidecar_path", "read_stamp", "Fingerprint", "fingerprint_file",
    "key_to_json", "key_from_json", "new_split_id", "stamp_xlsx", "safe_name", "now_iso",
]

RECORD_FORMAT = "salesplan.split-record"
RECORD_VERSION = 1
STAMP_PREFIX = "salesplan.split."
KINDS = ("number", "integer", "percent", "text", "bool", "date", "choice")


def key_to_json(key: Hashable) -> Any:
    return [key_to_json(k) for k in key] if isinstance(key, tuple) else key


def key_from_json(obj: Any) -> Hashable:
    return tuple(key_from_json(k) for k in obj) if isinstance(obj, list) else obj


def _dec(x: Any) -> Decimal | None:
    return None if x is None else Decimal(str(x))


class InputField(NamedTuple):
    """One input cell: its stable key, where it is in the *regional* file, and its validation."""
    key: Hashable
    sheet: str
    cell: str
    kind: str = "number"
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    choices: tuple[str, ...] = ()
    label: str = ""
    slot: int | None = None          # 0-based row of the input table (a fallback for finding the row)

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"key": key_to_json(self.key), "sheet": self.sheet, "cell": self.cell, "kind": self.kind}
        if self.minimum is not None:
            d["min"] = str(self.minimum)
        if self.maximum is not None:
            d["max"] = str(self.maximum)
        if self.choices:
            d["choices"] = list(self.choices)
        if self.label:
            d["label"] = self.label
        if self.slot is not None:
            d["slot"] = self.slot
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "InputField":
        kind = d.get("kind", "number")
        if kind not in KINDS or not isinstance(d.get("sheet"), str) or not isinstance(d.get("cell"), str):
            raise ValueError(f"split record: a malformed input {str(d)[:80]!r}")
        return cls(key_from_json(d["key"]), d["sheet"], d["cell"], kind, _dec(d.get("min")), _dec(d.get("max")),
                   tuple(d.get("choices", ())), d.get("label", ""), d.get("slot"))

    def expected(self) -> str:
        what = {"number": "a number", "integer": "a whole number", "percent": "a percentage",
                "text": "text", "bool": "yes/no (是/否)", "date": "a date",
                "choice": "one of " + " / ".join(self.choices)}[self.kind]
        if self.kind == "text" and self.maximum is not None:
            what += f" of at most {self.maximum} characters"
        elif self.minimum is not None and self.maximum is not None:
            what += f" between {self.minimum} and {self.maximum}"
        elif self.minimum is not None:
            what += f" ≥ {self.minimum}"
        elif self.maximum is not None:
            what += f" ≤ {self.maximum}"
        return what + ", or blank"


@dataclass(frozen=True)
class Stamp:
    month: str
    region: str
    plan_version: str
    layout_version: str
    split_id: str
    manifest_digest: str = ""

    _FIELDS = ("month", "region", "plan_version", "layout_version", "split_id", "manifest_digest")

    def properties(self) -> dict[str, str]:
        return {STAMP_PREFIX + f: getattr(self, f) for f in self._FIELDS}

    @classmethod
    def from_properties(cls, props: Mapping[str, Any]) -> "Stamp | None":
        if not all(STAMP_PREFIX + f in props for f in cls._FIELDS[:5]):
            return None
        return cls(*(str(props.get(STAMP_PREFIX + f, "")) for f in cls._FIELDS))


def new_split_id() -> str:
    return uuid.uuid4().hex


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def plan_version(config: Any) -> str:
    """A short, stable hash of the director's plan configuration.

    Excluded: ``source`` (a path) and what regional managers type — each region's
    ``focus_target`` and ``reps`` — so merging a manager's inputs never changes the
    plan version the other regions' files were split under.
    """
    if dataclasses.is_dataclass(config) and hasattr(config, "regions"):
        config = dataclasses.replace(config, regions=tuple(
            dataclasses.replace(r, **{k: v for k, v in (("focus_target", None), ("reps", ()))
                                      if hasattr(r, k)}) for r in config.regions))

    def norm(x: Any) -> Any:
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            return {f.name: norm(getattr(x, f.name)) for f in dataclasses.fields(x) if f.name != "source"}
        if isinstance(x, Mapping):
            return {str(k): norm(v) for k, v in sorted(x.items(), key=lambda kv: str(kv[0]))}
        if isinstance(x, (list, tuple)):
            return [norm(v) for v in x]
        if isinstance(x, (bool, int, str)) or x is None:
            return x
        return str(x)

    text = json.dumps(norm(config), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "v" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_name(text: str) -> str:
    return _UNSAFE.sub("_", text).strip(" .") or "_"


def sidecar_dir(plan_path: str | os.PathLike) -> Path:
    p = Path(plan_path)
    return p.parent / f"{p.stem}.splits"


def sidecar_path(plan_path: str | os.PathLike, region: str) -> Path:
    return sidecar_dir(plan_path) / f"{safe_name(region)}.json"


@dataclass
class SplitManifest:
    split_id: str
    month: str
    region: str
    plan_version: str
    layout_version: str
    split_time: str
    master: str
    regional_file: str
    inputs: list[InputField]
    base: dict[Hashable, Any]                         # key -> canonical value (moves with each consolidation)
    formulas: dict[str, dict[str, str]]               # sheet -> cell -> fingerprint of the formula's meaning
    cells: dict[str, dict[str, Any]]                  # sheet -> cell -> canonical value (locked, no formula)
    unlocked: dict[str, list[str]] = field(default_factory=dict)   # non-input cells left unlocked
    sheets: list[str] = field(default_factory=list)   # the regional workbook's sheets, in order
    history: list[dict[str, Any]] = field(default_factory=list)
    digest: str = ""                                  # of the split-time layout; set by seal()
    # key -> {"file", "saved"}: the file whose change moved the key's base, and its save time
    changed_by: dict[Hashable, dict[str, Any]] = field(default_factory=dict)
    formulas_as_written: dict[str, str] = field(default_factory=dict)   # sheet -> formulas_digest of its formulas

    def stamp(self) -> Stamp:
        return Stamp(self.month, self.region, self.plan_version, self.layout_version, self.split_id, self.digest)

    def input_keys(self) -> list[Hashable]:
        return list(dict.fromkeys(f.key for f in self.inputs))

    def inputs_by_sheet(self) -> dict[str, dict[str, InputField]]:
        """sheet → cell (``"B5"``) → input (a cell registered twice: the later input)."""
        out: dict[str, dict[str, InputField]] = {}
        for f in self.inputs:
            out.setdefault(f.sheet, {})[f.cell.replace("$", "").upper()] = f
        return out

    def _layout(self) -> dict[str, Any]:
        """The split-time content the digest seals (the base moves, so it is left out)."""
        return {
            "split_id": self.split_id, "month": self.month, "region": self.region,
            "plan_version": self.plan_version, "layout_version": self.layout_version,
            "split_time": self.split_time, "master": self.master, "regional_file": self.regional_file,
            "sheets": self.sheets, "inputs": [f.to_json() for f in self.inputs],
            "formulas": self.formulas, "formulas_as_written": self.formulas_as_written, "cells": {s: {a: encode(v) for a, v in c.items()} for s, c in self.cells.items()},
            "unlocked": self.unlocked,
        }

    def seal(self) -> str:
        """Fix the digest of the split-time layout (before the stamp is written)."""
        text = json.dumps(self._layout(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        self.digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
        return self.digest

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"format": RECORD_FORMAT, "format_version": RECORD_VERSION, "digest": self.digest}
        d.update(self._layout())
        for x, f in zip(d["inputs"], self.inputs):
            x["base"] = encode(self.base.get(f.key))
            if f.key in self.changed_by:
                x["changed_by"] = self.changed_by[f.key]
        d["history"] = self.history
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "SplitManifest":
        if not isinstance(d, Mapping) or d.get("format") != RECORD_FORMAT:
            raise ValueError("not a salesplan split record")
        if d.get("format_version") != RECORD_VERSION:
            raise ValueError(f"split record format {d.get('format_version')!r} is not {RECORD_VERSION}: split again")
        raw = d["inputs"]
        if not isinstance(raw, list):
            raise ValueError("split record: inputs are no list")
        inputs = [InputField.from_json(x) for x in raw]
        base = {f.key: decode(x.get("base")) for f, x in zip(inputs, raw)}
        changed_by = {f.key: dict(x["changed_by"]) for f, x in zip(inputs, raw) if isinstance(x.get("changed_by"), dict)}
        return cls(d["split_id"], d["month"], d["region"], d["plan_version"], d["layout_version"],
                   d["split_time"], d.get("master", ""), d.get("regional_file", ""), inputs, base,
                   {s: dict(c) for s, c in d.get("formulas", {}).items()},
                   {s: {a: decode(v) for a, v in c.items()} for s, c in d.get("cells", {}).items()},
                   {s: list(c) for s, c in d.get("unlocked", {}).items()},
                   list(d.get("sheets", [])), list(d.get("history", [])), d.get("digest", ""), changed_by,
                   dict(d.get("formulas_as_written", {})))

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "SplitManifest":
        return cls.from_json(json.loads(Path(path).read_bytes()))


def read_stamp(xfile: Any) -> Stamp | None:
    """The stamp of an opened :class:`~salesplan.xlsx.lxml_reader.XlsxFile` (None when absent)."""
    return Stamp.from_properties(xfile.custom_properties)


@dataclass
class Fingerprint:
    """What a freshly written regional file holds, for its split record."""
    base: dict[Hashable, Any]                   # input key -> value
    formulas: dict[str, dict[str, str]]         # sheet -> cell -> formula_fingerprint
    formulas_as_written: dict[str, str]         # sheet -> formulas_digest
    cells: dict[str, dict[str, Any]]            # sheet -> cell -> value (no input, no formula)
    unlocked: dict[str, list[str]]              # sheet -> non-input cells left unlocked


def fingerprint_file(xfile: Any, inputs: Iterable[InputField]) -> Fingerprint:
    """The :class:`Fingerprint` of an opened file whose inputs are ``inputs``."""
    inputs = list(inputs)
    by_sheet: dict[str, dict[str, InputField]] = {}
    for f in inputs:
        by_sheet.setdefault(f.sheet, {})[f.cell.replace("$", "").upper()] = f
    values: dict[Hashable, Any] = {f.key: None for f in inputs}
    fp = Fingerprint(values, {}, {}, {}, {})
    for sheet in xfile.sheet_names:
        inp = by_sheet.get(sheet, {})
        texts: dict[str, str] = {}
        vs, ul = fp.cells.setdefault(sheet, {}), []
        for addr, c in xfile.iter_cells(sheet):
            f = inp.get(addr)
            if f is not None:
                values[f.key] = canon(c.value) if c.formula is None else None
                continue
            v = canon(c.value)
            if c.formula is not None:
                texts[addr] = c.formula
            elif v is not None:
                vs[addr] = v
            if not xfile.is_locked(c.style) and (c.formula is not None or v is not None):
                ul.append(addr)
        fp.formulas[sheet] = {a: formula_fingerprint(t) for a, t in texts.items()}
        fp.formulas_as_written[sheet] = formulas_digest(texts.items())
        if ul:
            fp.unlocked[sheet] = ul
    return fp


_NS_C = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_NS_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_NS_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
_CT_CUSTOM = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def _custom_xml(old: bytes | None, stamp: Stamp, parser: Any) -> bytes:
    """docProps/custom.xml with the stamp's properties (other custom properties kept)."""
    root = etree.Element(f"{{{_NS_C}}}Properties", nsmap={None: _NS_C, "vt": _NS_VT})
    kept = []
    if old is not None:
        kept = [p for p in etree.fromstring(old, parser).iter(f"{{{_NS_C}}}property")
                if not (p.get("name") or "").startswith(STAMP_PREFIX)]
    for pid, prop in enumerate(kept, start=2):
        prop.set("pid", str(pid))
        root.append(prop)
    for pid, (name, value) in enumerate(stamp.properties().items(), start=len(kept) + 2):
        p = etree.SubElement(root, f"{{{_NS_C}}}property", fmtid=_FMTID, pid=str(pid), name=name)
        etree.SubElement(p, f"{{{_NS_VT}}}lpwstr").text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def stamp_xlsx(path: str | os.PathLike, stamp: Stamp) -> None:
    """Write ``stamp`` into the custom document properties of an .xlsx on disk.

    Rewrites the zip entry by entry (no openpyxl round trip, so nothing else in the
    file changes); ``[Content_Types].xml`` and ``_rels/.rels`` get their entries when
    the part is new. Atomic: written to a temp file, then replaced.
    """
    path = Path(path)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    with zipfile.ZipFile(path) as zin:
        names = zin.namelist()
        custom_name = "docProps/custom.xml"
        rels = etree.fromstring(zin.read("_rels/.rels"), parser)
        for rel in rels.iter(f"{{{_NS_REL}}}Relationship"):
            if rel.get("Type") == _REL_CUSTOM:
                custom_name = (rel.get("Target") or custom_name).lstrip("/")
                break
        else:
            ids = {rel.get("Id") for rel in rels}
            n = next(n for n in range(1, len(ids) + 2) if f"rId{n}" not in ids)
            etree.SubElement(rels, f"{{{_NS_REL}}}Relationship", Id=f"rId{n}", Type=_REL_CUSTOM, Target=custom_name)
        ct = etree.fromstring(zin.read("[Content_Types].xml"), parser)
        if not any(o.get("PartName") == "/" + custom_name for o in ct.iter(f"{{{_NS_CT}}}Override")):
            etree.SubElement(ct, f"{{{_NS_CT}}}Override", PartName="/" + custom_name, ContentType=_CT_CUSTOM)
        custom = _custom_xml(zin.read(custom_name) if custom_name in names else None, stamp, parser)
        fd, tmp = tempfile.mkstemp(prefix=path.stem, suffix=".xlsx.tmp", dir=path.parent)
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
                for info in zin.infolist():
                    if info.filename == custom_name:
                        continue
                    if info.filename == "_rels/.rels":
                        data = etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
                    elif info.filename == "[Content_Types].xml":
                        data = etree.tostring(ct, xml_declaration=True, encoding="UTF-8", standalone=True)
                    else:
                        data = zin.read(info)
                    zout.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                zout.writestr(custom_name, custom)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    os.replace(tmp, path)
