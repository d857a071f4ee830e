"""A director's plan file: only what changes, saved by whatever editor, errors that
name items by what they are — and R6's weight rule answered the same way by
`config --check`, `plan` and KPI_SCORE."""
from __future__ import annotations

from decimal import Decimal

import pytest

from salesplan.cli import main
from salesplan.config import load_config, load_default
from salesplan.errors import ConfigError

PARTIAL = """\
month = "2027-01"
[targets]
new_customers = 90
[awards]
conquest_amount = 6000
"""


def test_a_partial_file_takes_the_defaults_and_check_lists_them(tmp_path, capsys):
    path = tmp_path / "plan.toml"
    path.write_text(PARTIAL, encoding="utf-8")
    cfg = load_config(path)
    default = load_default("2027-01")
    assert cfg.targets.new_customers == 90 and cfg.awards.conquest_amount == 6000
    assert cfg.targets.revenue == default.targets.revenue
    assert cfg.regions == default.regions and cfg.kpis == default.kpis
    assert cfg.commission == default.commission and cfg.strategy_b == default.strategy_b
    assert {"targets.revenue", "[[regions]]", "[[kpis]]", "awards.breakthrough_amount"} <= set(cfg.defaulted)
    assert "targets.new_customers" not in cfg.defaulted and "month" not in cfg.defaulted

    assert main(["config", "--check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "taken from the built-in default" in out and "targets.revenue" in out
    assert "targets.new_customers" not in out


def test_the_full_default_defaults_nothing(tmp_path, capsys):
    assert main(["config", "--print-default"]) == 0
    path = tmp_path / "full.toml"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    assert load_config(path).defaulted == ()


def test_a_replaced_kpi_list_drops_the_defaults_that_name_the_old_kpis(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text('[[kpis]]\nkey = "calls"\nname = "电话量"\nweight = 1\ntarget = 100\n', encoding="utf-8")
    cfg = load_config(path)  # strategy_b.kpi_weights of the default name retention, followups, ...
    assert [k.key for k in cfg.kpis] == ["calls"] and cfg.strategy_b.kpi_weights == {}


def test_a_file_saved_with_a_bom_is_read(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + PARTIAL.encode("utf-8"))
    assert load_config(path).targets.new_customers == 90


def test_errors_name_array_items_by_what_they_are(tmp_path, capsys):
    text = load_default_text().replace('target = 50\nscoring = "linear"', 'target = 50\nscoring = "liner"')
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert [p.where for p in err.value.problems] == [f"{path}: kpis[1] 跟进客户数 .scoring"]
    path.write_text('[[regions]]\nname = "华东区"\nmanager = "张明"\nrevenue = 3000000\nfocus_kpi = "x"\n'
                    'focus_weight = 0.05\nreps = [{ name = "钱东一", weight = "two" }]\n', encoding="utf-8")
    assert main(["config", "--check", str(path)]) == 2
    assert "regions[0] 华东区 .reps[0] 钱东一 .weight" in capsys.readouterr().err


def load_default_text() -> str:
    from salesplan.config import default_config_text
    return default_config_text()


# ----------------------------------------------------------------------------- R6, one rule

OVER = """\
[weights]
normalize = false
[[kpis]]
key = "a"
name = "甲"
weight = 0.7
target = 1
[[kpis]]
key = "b"
name = "乙"
weight = 0.5
target = 1
"""


def test_weights_over_100_used_as_written_are_refused_by_check_plan_and_kpi_score(tmp_path, capsys):
    import salesplan.udfs.functions as F

    path = tmp_path / "over.toml"
    path.write_text(OVER, encoding="utf-8")
    rule = "weights summing to at most 100% when they are used as written (normalize false)"
    assert main(["config", "--check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "kpis[*].weight: got 'a sum of 120%'" in err and rule in err
    assert main(["plan", "--config", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and rule in err and "tops out" not in err
    got = F.KPI_SCORE([[1, 1]], [[1, 1]], [[0.7, 0.5]], None, None, False)
    assert got.startswith("#VALUE! weights sum to 120%") and rule in got


def test_a_region_focus_weight_that_lifts_its_table_over_100_is_named(tmp_path, capsys):
    path = tmp_path / "focus.toml"
    path.write_text(OVER.replace("0.7", "0.47"), encoding="utf-8")  # 97% + focus
    assert main(["config", "--check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "regions[0] 华东区 .focus_weight" in err and "base 97% + focus = 102%" in err
    assert "regions[3] 北方区 .focus_weight" in err and "华南区" not in err


def test_weights_under_100_used_as_written_warn_where_the_score_tops_out(tmp_path, capsys):
    import salesplan.udfs.functions as F

    path = tmp_path / "under.toml"
    path.write_text("[weights]\nnormalize = false\n", encoding="utf-8")
    assert main(["config", "--check", str(path)]) == 0
    assert "tops out at 70 plus the region's focus KPI weight" in capsys.readouterr().err
    assert main(["plan", "--config", str(path), "--format", "json"]) == 0
    assert "tops out at 70" in capsys.readouterr().err
    got = F.KPI_SCORE([[1, 1, 1, 1]], [[1, 1, 1, 1]], [[0.15, 0.2, 0.25, 0.1]], None, None, False)
    assert got == pytest.approx(70.0)
    assert Decimal("0.70") == sum(k.weight for k in load_config(path).kpis)
