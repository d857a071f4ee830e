"""The KPI score's weighted sum is compensated: normalised weights that are not exact
doubles (1/3, 1/4, 1/4, 1/6) still make every-KPI-on-target exactly score_max, in
the engine, in KPI_SCORE and in the workbook's native SUMPRODUCT (LibreOffice)."""
from __future__ import annotations

from fractions import Fraction

import openpyxl
import pytest

from salesplan.config import default_config_text, parse_config
from salesplan.engine.kpi import kpi_score, kpi_scores, region_weights
from salesplan.udfs.functions import KPI_SCORE

RAW = [0.4, 0.3, 0.3, 0.2]
NORMALISED = [float(Fraction(str(w)) / Fraction(12, 10)) for w in RAW]  # 1/3, 1/4, 1/4, 1/6 as doubles


def _config_40_30_30_20():
    text = default_config_text()
    for old, new in (("weight = 0.15", "weight = 0.40"), ("weight = 0.20", "weight = 0.30"),
                     ("weight = 0.25", "weight = 0.30"), ("weight = 0.10", "weight = 0.20")):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return parse_config(text)


def test_a_plain_running_sum_of_the_weights_misses_one():
    total = 0.0
    for w in NORMALISED:
        total += w
    assert total == 0.9999999999999999  # why the sum is compensated


def test_engine_and_udf_score_exactly_100_on_target():
    assert kpi_scores([[1.0] * 4] * 3, [1] * 4, NORMALISED, ["linear"] * 4, [1.2] * 4, 100.0) == [100.0] * 3
    assert KPI_SCORE([[1, 1, 1, 1]], [[1, 1, 1, 1]], [RAW]) == 100.0
    assert KPI_SCORE([[0.5, 0.5, 0.5, 0.5]], [[1, 1, 1, 1]], [RAW]) == 50.0


def test_every_region_table_scores_exactly_100_on_target():
    cfg = _config_40_30_30_20()
    for region in cfg.regions:
        table = region_weights(cfg, region)
        on_target = {k.key: float(k.target) for k in table}
        assert kpi_score(on_target, table) == 100.0, region.name
        got = KPI_SCORE([[float(k.target) for k in table]], [[float(k.target) for k in table]],
                        [[float(k.raw_weight) for k in table]], [[k.scoring for k in table]])
        assert got == 100.0, region.name


@pytest.mark.libreoffice
def test_native_sumproduct_in_libreoffice_gives_what_kpi_score_gives(tmp_path):
    from lo_recalc import load_values, recalc, require_libreoffice

    require_libreoffice()
    cfg = _config_40_30_30_20()
    north = [float(k.weight) for k in region_weights(cfg, cfg.regions[3])]  # 10/31, 15/62, …, 1/31
    rows = [NORMALISED, north]
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, weights in enumerate(rows, start=1):
        for c, w in enumerate(weights, start=1):
            ws.cell(2 * r - 1, c, w)          # the weights row, as the region sheets write them
            ws.cell(2 * r, c, 1.0)            # every KPI's score on target
        last = openpyxl.utils.get_column_letter(len(weights))
        ws.cell(2 * r - 1, 10, f"=MIN(100,100*SUMPRODUCT(A{2 * r - 1}:{last}{2 * r - 1},A{2 * r}:{last}{2 * r}))")
    path = tmp_path / "sum.xlsx"
    wb.save(path)
    out = load_values(recalc([path], tmp_path / "out")[0]).active
    for r, weights in enumerate(rows, start=1):
        native = out.cell(2 * r - 1, 10).value
        udf = KPI_SCORE([[1.0] * len(weights)], [[1.0] * len(weights)], [weights], None, None, False)
        assert native == udf == 100.0, (r, native, udf)
