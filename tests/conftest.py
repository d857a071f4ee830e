"""Shared pytest fixtures (kept minimal and generic)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# The commands the tests start as processes (and a fresh venv's first runs) cache their
# bytecode as a user's Python does; with PYTHONDONTWRITEBYTECODE set in the environment every
# process compiled salesplan (and, in the README install test, pandas) from source again.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False
# openpyxl parses with defusedxml's pure-Python parser whenever defusedxml happens to be
# installed (it is no dependency of salesplan: a plain install has not got it) — a fifth of
# the suite's CPU went to it. The workbooks the tests open with openpyxl are the ones they
# wrote; hostile files are salesplan's preflight's to refuse, and tests/test_preflight.py and
# the hostile-file tests hold it to that. Set here, before anything imports openpyxl, and
# inherited by the commands the tests start, so the suite parses alike on every machine.
os.environ.setdefault("OPENPYXL_DEFUSEDXML", "False")

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


#: session fixtures that are expensive to build: the tests using one run on one pytest-xdist
#: worker (``--dist loadgroup``), so each is built once per run, not once per worker. (The
#: PostgreSQL server starts in a few seconds: each worker may start its own, which balances
#: the history tests across workers.)
_SHARED = {"recalculated_plans": "libreoffice-recalc"}


def _module_fixture_group(item) -> str | None:
    """The module's own group when the test uses a module-scoped fixture defined in that module
    (a plan played through a month, a kit of files): its tests then share one worker and the
    fixture is built once, not once per worker."""
    info = getattr(item, "_fixtureinfo", None)
    path = getattr(item, "path", None)
    if info is None or path is None:
        return None
    for name in item.fixturenames:
        for fdef in info.name2fixturedefs.get(name, ()):
            if fdef.scope in ("module", "class") and fdef.baseid and fdef.baseid.split("::")[0].endswith(path.name):
                return "module:" + path.name
    return None


@pytest.hookimpl(tryfirst=True)     # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        group = next((g for f, g in _SHARED.items() if f in getattr(item, "fixturenames", ())), None)
        group = group or _module_fixture_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture
def default_config():
    from salesplan.config import load_config
    return load_config(None, month="2026-12")


@pytest.fixture(autouse=True, scope="session")
def _throwaway_history(tmp_path_factory):
    """No test reads or writes the user's own history store (commands default to a per-user
    SQLite file): the session gets a throwaway one; tests that need their own set SALESPLAN_DB."""
    import os
    os.environ["SALESPLAN_DB"] = str(tmp_path_factory.mktemp("history") / "history.sqlite3")
    yield


@pytest.fixture(scope="session")
def recalculated_plans(tmp_path_factory):
    """Nine generated workbooks recalculated by LibreOffice in ONE soffice call, shared by the session.

    The default plan as ``salesplan generate`` writes it ("seed", "default"), and
    for the seed plan ("seed") and a second, different config ("second"): the plan empty (a
    duplicated rep name, its two rows' KPI actuals exactly the targets and zero), filled with random typed inputs (a later slot repeating a paid rep's name;
    for the seed, a week typed to exactly its target), and the green channel's via region's
    regional file from the filled inputs; and ("seed", "sprint") / ("seed", "sprint_past"): March 2027
    and November 2026 typed to exercise every 冲刺 (gap) figure (tests/gap_helpers.py). ``{(tag, case): (recalculated values workbook, built, inputs, stored values workbook)}``
    with case in "default" (seed only), "empty", "filled", "region"; the stored values are
    the file as written, read without recalculating. Read only: a test that edits a workbook copies it first.
    """
    from lo_recalc import load_values, recalc, require_libreoffice
    from salesplan.config import load_config
    from salesplan.engine.actuals import default_inputs
    from salesplan.engine.plan import compute_plan
    from salesplan.workbook_templates.writer import build_models, write_built
    from workbook_helpers import EXACT_TARGET_WEEK, duplicate_paid_rep, random_inputs, second_config

    require_libreoffice()
    folder = tmp_path_factory.mktemp("recalc")
    jobs = []
    built = build_models(compute_plan(load_config(None, month="2026-12")))   # as `salesplan generate` writes it
    write_built(built, folder / "seed-default.xlsx")
    jobs.append((("seed", "default"), folder / "seed-default.xlsx", built, built.ctx.inputs))
    for tag, cfg in (("seed", load_config(None, month="2026-12")), ("second", second_config())):
        plan = compute_plan(cfg)
        for case in ("empty", "filled"):
            inputs = default_inputs(plan, deal_rows=60) if case == "empty" else random_inputs(plan, seed=7)
            if case == "empty":      # a duplicated rep name (R3 flag), no deals or payouts on it
                last = inputs.regions[cfg.regions[-1].name].reps
                last[-1].name = last[-2].name = "Dup"
                for kw in plan.kpi_weights[cfg.regions[-1].name]:   # KPI actuals on the edges:
                    if kw.key != "completion":                      # exactly the target, and zero
                        last[-1].kpi[kw.key], last[-2].kpi[kw.key] = float(kw.target), 0
            else:
                duplicate_paid_rep(cfg, inputs)
                if tag == "seed":    # typed floats summing to exactly the phase target (182,609): met
                    inputs.regions["华东区"].phases[0].revenue = dict(EXACT_TARGET_WEEK)
            built = build_models(plan, inputs=inputs)
            path = folder / f"{tag}-{case}.xlsx"
            write_built(built, path)
            jobs.append(((tag, case), path, built, inputs))
        # the regional file of the green channel's via region (another region's name is aliased)
        region = cfg.risks.green_channel_via_region
        built = build_models(plan, inputs=jobs[-1][3], regions=[region])
        path = folder / f"{tag}-region.xlsx"
        write_built(built, path)
        jobs.append(((tag, "region"), path, built, built.ctx.inputs))
    # every 冲刺 (gap) figure: tiers' edges, a champion tie, no deals (tests/gap_helpers.py)
    from gap_helpers import MONTH, PAST_MONTH, sprint_inputs
    for case, month in (("sprint", MONTH), ("sprint_past", PAST_MONTH)):
        plan = compute_plan(load_config(None, month=month))
        built = build_models(plan, inputs=sprint_inputs(plan))
        write_built(built, folder / f"seed-{case}.xlsx")
        jobs.append((("seed", case), folder / f"seed-{case}.xlsx", built, built.ctx.inputs))
    outputs = recalc([j[1] for j in jobs], folder / "out")
    plans = _Recalculated({j[0]: (load_values(o), j[2], j[3], load_values(j[1])) for j, o in zip(jobs, outputs)})
    plans.files = {j[0]: (j[1], o) for j, o in zip(jobs, outputs)}
    return plans


class _Recalculated(dict):
    """``recalculated_plans``' values; ``files``: ``{(tag, case): (file as written, file LibreOffice saved)}``."""
    files: dict
