"""Reading a plan workbook: its salesplan meta, the configuration as the director edited it in
设置, and every typed input — from one parse, without the writer (a command that only reads a
plan, like ``salesplan gap``, loads none of the sheet builders or openpyxl's writer)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from salesplan.config.loader import validate as validate_config
from salesplan.engine.params import PlanConfig
from salesplan.engine.records import WorkbookInputs
from salesplan.errors import ConfigError, Problem, SalesPlanError, WorkbookError
from salesplan.workbook_templates.inputs import read_inputs, read_registry
from salesplan.workbook_templates.labels import SHEETS
from salesplan.workbook_templates.setup_read import read_setup, setup_problems
from salesplan.xlsx import open_book as open_reader

MASTER_ENGINE = "lxml"      # the reader of a master given as a path (docs/xlsx.md: why)


#: the registry sheet's inflated size at most (it holds a few rows a table: kilobytes)
_REGISTRY_CAP = 16 * 1024 * 1024


def read_meta(path: str | Path) -> dict[str, str] | None:
    """The salesplan meta of an existing file, or None when it is not a salesplan workbook."""
    # Only the workbook part, its relationships and the hidden registry sheet are read (3–7 ms
    # on a 20 × 100 master; openpyxl's read-only open parsed every sheet's head: 70–100 ms).
    # The lxml engine without the whole-file preflight still caps every part it inflates,
    # refuses a DOCTYPE/ENTITY and never resolves an entity; a command that reads the plan's
    # inputs preflights the whole file then.
    rd = open_reader(path, engine="lxml", preflight=False, max_uncompressed=_REGISTRY_CAP)
    try:
        with rd:
            meta, _ = read_registry(rd)
            return meta
    except WorkbookError:          # an .xlsx, but no salesplan registry in it
        return None
    except SalesPlanError:         # refused by the preflight (a hostile file): its own words
        raise
    except Exception as exc:   # a damaged workbook
        raise WorkbookError([Problem(str(path), type(exc).__name__, "a salesplan .xlsx workbook", "unreadable")]) \
            from exc


def plan_month(plan: str | Path) -> str:
    """The month of a salesplan workbook; WorkbookError when it is none."""
    return plan_meta(plan)["month"]


def plan_meta(plan: str | Path) -> dict[str, str]:
    """The salesplan meta of a plan workbook (its month, layout, language, 已结账 mark);
    WorkbookError when it is none."""
    path = Path(plan)
    if not path.is_file():
        raise WorkbookError([Problem(str(path), "missing", "an existing plan workbook (salesplan generate)",
                                     "missing")])
    meta = read_meta(path)
    if meta is None or not meta.get("month"):
        raise WorkbookError([Problem(str(path), "not a salesplan workbook",
                                     "a plan workbook written by salesplan generate", "not-salesplan")])
    return {**meta, "month": str(meta["month"])}


def duplicate_rep_problems(inputs: WorkbookInputs) -> list[Problem]:
    """A Problem per region where two rep rows carry the same name (payouts cannot be told apart)."""
    from salesplan.engine.actuals.cells import present, text
    out = []
    for region, ri in inputs.regions.items():
        names = [text(r.name) for r in ri.reps if present(r.name)]
        dups = sorted({n for n in names if names.count(n) > 1})
        if dups:
            out.append(Problem(f"{region}: reps", ", ".join(dups), "unique rep names within a region",
                               "duplicate-rep"))
    return out


@dataclass(frozen=True)
class PlanBook:
    """A plan workbook read once: its salesplan meta, the configuration as the director edited
    it in 设置, and every typed input."""

    path: Path | None
    meta: dict[str, str]
    config: PlanConfig
    inputs: WorkbookInputs


def read_plan_book(book, *, month: str | None = None, config: PlanConfig | None = None,
                   engine: str | None = None) -> PlanBook:
    """The one way to read a master: meta, configuration and inputs from a single parse.

    ``book`` is a path, a path-backed book (the macros') or an xlwings Book; ``config``,
    when given, is used instead of the 设置 sheet (the sheet is then not read). Only the
    sheets holding inputs, 设置 and ``_salesplan`` are read. ``engine``: the reader for
    a path (see docs/xlsx.md; the default reads a path with :data:`MASTER_ENGINE`)."""
    if engine is None and isinstance(book, (str, Path)):
        engine = MASTER_ENGINE
    reader = open_reader(book, engine=engine)
    try:
        meta, inputs = read_inputs(reader)
        grid = None
        if config is None:
            setup = next((s for s in reader.sheet_names() if s in SHEETS["setup"]), None)
            if setup is None:
                raise WorkbookError([Problem("workbook", reader.sheet_names(), "a 设置/Setup sheet", "layout")])
            grid = reader.read_used_range(setup)
    finally:
        reader.close()
    source = getattr(book, "path", book)
    if config is None:
        read = read_setup(grid, inputs)
        data = read.data
        wb_month = data.pop("month", None) or meta.get("month")
        try:
            config = validate_config(data, source=f"{source} ({setup})", month=month or wb_month)
        except ConfigError as exc:
            lang = "zh" if setup == SHEETS["setup"][0] else "en"
            raise ConfigError(setup_problems(exc.problems, str(source), setup, read, lang),
                              exc.source) from None
    return PlanBook(Path(source) if isinstance(source, (str, Path)) else None, meta, config, inputs)


def read_config_from_workbook(book, *, month: str | None = None) -> PlanConfig:
    """The plan configuration as the director edited it in 设置 (and the region tabs' focus targets)."""
    return read_plan_book(book, month=month).config
