"""The ribbon XML: schema-valid customUI 2006/01, and consistent with the VBA
callbacks and the Python macro registry."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

import salesplan.macros  # noqa: F401 - fills the registry
from salesplan.addin import build
from salesplan.macros import registry

ADDIN = Path(build.__file__).parent
SCHEMAS = Path("/work/shared/schemas")
NS = "http://schemas.microsoft.com/office/2006/01/customui"
Q = {"c": NS}


@pytest.fixture(scope="module")
def ribbon():
    return etree.fromstring((ADDIN / "ribbon.xml").read_bytes())


@pytest.fixture(scope="module")
def vba_sources() -> dict[str, str]:
    return {p.stem: p.read_text("ascii") for p in (ADDIN / "vba").iterdir() if p.suffix in (".bas", ".cls")}


def _schema_path() -> Path:
    path = SCHEMAS / "customUI.xsd"
    if not path.is_file():
        pytest.fail(f"{path} is missing")
    return path


def test_ribbon_validates_against_customui_xsd():
    schema = xmlschema.XMLSchema(str(_schema_path()))
    schema.validate(str(ADDIN / "ribbon.xml"))
    assert schema.target_namespace == NS


def test_invalid_ribbon_is_rejected_by_the_schema():
    schema = xmlschema.XMLSchema(str(_schema_path()))
    bad = (ADDIN / "ribbon.xml").read_text("utf-8").replace('size="large"', 'size="huge"', 1)
    assert not schema.is_valid(bad)


def test_tab_groups_and_buttons(ribbon):
    assert ribbon.tag == f"{{{NS}}}customUI"
    tab, = ribbon.findall("c:ribbon/c:tabs/c:tab", Q)
    assert tab.get("label") == "销售作战"
    buttons = tab.findall(".//c:button", Q)
    tags = [b.get("tag") for b in buttons]
    assert {"generate_plan", "recalculate", "check_risks", "open_settings"} <= set(tags)
    labels = {b.get("tag"): b.get("label") for b in buttons}
    assert labels["generate_plan"] == "生成月度方案"
    assert labels["recalculate"] == "重新计算"
    assert labels["check_risks"] == "风险检查"
    assert labels["open_settings"] == "打开设置"
    ids = [e.get("id") for e in ribbon.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    for b in buttons:
        assert b.get("size") == "large"
        assert b.get("imageMso") and b.get("screentip") and b.get("supertip")
        assert b.get("onAction") == "SalesPlanRibbon.OnAction"
    for group in tab.findall("c:group", Q):
        assert group.findall("c:button", Q), "no empty groups"


def _callbacks(ribbon) -> set[str]:
    names = set()
    for el in ribbon.iter():
        for attr, value in el.attrib.items():
            if re.fullmatch(r"on[A-Z]\w*|get[A-Z]\w*|loadImage", attr):
                names.add(value)
    return names


def test_every_callback_is_a_sub_with_the_iribboncontrol_signature(ribbon, vba_sources):
    callbacks = _callbacks(ribbon)
    assert callbacks == {"SalesPlanRibbon.OnAction"}
    for cb in callbacks:
        module, proc = cb.split(".")
        src = vba_sources[module]
        assert re.search(
            rf"^(Public )?Sub {proc}\(control As IRibbonControl\)\s*$", src, re.M | re.I
        ), f"{cb} is not a Sub (control As IRibbonControl)"
        assert not re.search(rf"^Private Sub {proc}\(", src, re.M)
        assert src.startswith(f'Attribute VB_Name = "{module}"')


def test_dispatcher_runs_python_with_the_tag(vba_sources):
    src = vba_sources["SalesPlanRibbon"]
    assert "actionTag = control.Tag" in src
    assert re.search(r'RunPython "import salesplan\.addin\.runtime as r; r\.run\(\'" & actionTag & "\', \'" & _\s+'
                     r'SalesPlanSetup\.BUILT_FOR_XLWINGS & "\'\)"', src)
    assert '"[a-z0-9_]"' in src and "> 64" in src  # same rule as registry.TAG_RE


def test_every_button_tag_resolves_to_a_registered_macro(ribbon):
    for b in ribbon.iter(f"{{{NS}}}button"):
        spec = registry.get(b.get("tag"))
        assert registry.TAG_RE.match(spec.tag)
        assert spec.on_ribbon
        assert b.get("label") == spec.label_zh
        assert b.get("screentip") == spec.ribbon_screentip
        assert b.get("supertip") == spec.screentip


def test_every_macro_is_on_a_button_or_documented_headless_only(ribbon):
    tags = {b.get("tag") for b in ribbon.iter(f"{{{NS}}}button")}
    for tag, spec in registry.REGISTRY.items():
        if spec.on_ribbon:
            assert tag in tags, f"macro {tag!r} has no ribbon button"
        else:
            assert spec.headless_ok and (spec.func.__doc__ or "").strip(), tag
            assert tag not in tags


def test_built_addin_carries_this_ribbon(tmp_path):
    import zipfile

    with pytest.warns(UserWarning):
        data = build.build_addin_bytes(udf_module="salesplan_no_such_udfs_module")
    path = tmp_path / "a.xlam"
    path.write_bytes(data)
    with zipfile.ZipFile(path) as zf:
        assert zf.read("customUI/customUI.xml") == (ADDIN / "ribbon.xml").read_bytes()
        rels = zf.read("_rels/.rels").decode()
    assert 'Type="http://schemas.microsoft.com/office/2006/relationships/ui/extensibility" ' \
           'Target="customUI/customUI.xml"' in rels
