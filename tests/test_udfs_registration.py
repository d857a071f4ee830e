"""Excel registration of the UDFs, proven on Linux with xlwings' own UDF machinery.

``tests/udf_support.py`` imports the real ``xlwings.udfs`` (stubbing only the
Windows-only modules it imports) and loads ``salesplan.udfs.functions`` under
xlwings' real decorators. These tests then check what Excel will get:

* each function's registered name, arguments (optional ones marked), Function
  Wizard descriptions, category and array handling (``__xlfunc__``);
* the VBA wrapper module ``generate_vba_wrapper`` writes, against the reviewed
  reference tests/reference/udfs_vba_wrapper.bas (regenerate it with
  ``python tests/udf_support.py`` or ``SALESPLAN_UPDATE_REFERENCE=1 pytest
  tests/test_udfs_registration.py`` and review the diff);
* every case of tests/cases/udfs.toml again, through xlwings' argument and
  result conversion as ``call_udf`` runs it.
"""
from __future__ import annotations

import re

import pytest

import udf_support as sup
from test_udfs import CASES, decode, matches

#: name -> (arguments in order, optional arguments). The add-in and users' workbooks
#: depend on these: changing one is a breaking change (regenerate the reference).
SIGNATURES = {
    "AWARDS": (["first_deal_amount", "is_new_customer", "detail", "config"], {"detail", "config"}),
    "COMMISSION": (["amounts", "target", "tiers", "config"], {"tiers", "config"}),
    "COMMISSION_TRACE": (["amounts", "target", "tiers", "language", "config"], {"tiers", "language", "config"}),
    "COMMISSION_IF": (["amounts", "target", "new_amount", "tiers", "config"], {"tiers", "config"}),
    "NEXT_TIER_GAP": (["revenue", "target", "tiers", "config"], {"tiers", "config"}),
    "DISCOUNT_OK": (["quote", "list_price", "is_first_quote", "config"], {"config"}),
    "KPI_SCORE": (["actuals", "targets", "weights", "scoring", "cap", "normalize"], {"scoring", "cap", "normalize"}),
    "KPI_WEIGHTS": (["region", "detail", "config"], {"detail", "config"}),
    "PHASE_OF": (["on_date", "language", "config"], {"language", "config"}),
    "PHASE_TARGET": (["plan_month", "phase", "total", "config"], {"total", "config"}),
    "SENSITIVE_PERIOD": (["on_date", "config"], {"config"}),
    "SENSITIVE_WINDOW": (["cal_year", "config"], {"config"}),
    "SPRING_FESTIVAL": (["cal_year"], set()),
    "TARGET_SPLIT": (["total", "weights"], set()),
    "WORKDAYS": (["plan_month", "config"], {"config"}),
}
#: arguments that take ranges (always 2-D lists, error cells as text); all others take one cell
RANGE_ARGS = {
    "AWARDS": {"first_deal_amount", "is_new_customer"}, "COMMISSION": {"amounts", "tiers"},
    "COMMISSION_TRACE": {"amounts", "tiers"}, "COMMISSION_IF": {"amounts", "tiers"},
    "NEXT_TIER_GAP": {"tiers"}, "DISCOUNT_OK": {"quote", "list_price", "is_first_quote"},
    "KPI_SCORE": {"actuals", "targets", "weights", "scoring", "cap"}, "KPI_WEIGHTS": set(),
    "PHASE_OF": {"on_date"}, "PHASE_TARGET": {"phase"}, "SENSITIVE_PERIOD": {"on_date"},
    "SENSITIVE_WINDOW": set(), "SPRING_FESTIVAL": {"cal_year"}, "TARGET_SPLIT": {"weights"},
    "WORKDAYS": {"plan_month"},
}
CATEGORY = "SalesPlan"
# VBA keywords and statements that cannot name a parameter of the generated wrapper
VBA_RESERVED = {
    "and", "as", "boolean", "byref", "byte", "byval", "call", "case", "close", "const", "currency", "date",
    "debug", "decimal", "declare", "dim", "do", "double", "each", "else", "elseif", "empty", "end", "enum",
    "eqv", "erase", "error", "event", "exit", "false", "for", "friend", "function", "get", "global", "gosub",
    "goto", "if", "imp", "implements", "in", "input", "integer", "is", "let", "like", "lock", "long", "loop",
    "lset", "me", "mod", "name", "new", "next", "not", "nothing", "null", "object", "on", "open", "option",
    "optional", "or", "paramarray", "preserve", "print", "private", "property", "public", "put", "raiseevent",
    "redim", "rem", "resume", "return", "rset", "seek", "select", "set", "single", "static", "step", "stop",
    "string", "sub", "then", "to", "true", "type", "typeof", "unlock", "until", "variant", "wend", "while",
    "with", "withevents", "write", "xor", "len", "mid", "array", "caller",
}


@pytest.fixture(scope="module")
def udf_module():
    return sup.load_udf_module()


@pytest.fixture(scope="module")
def funcs(udf_module):
    return sup.registered(udf_module)


def test_the_real_xlwings_udfs_module_is_used():
    udfs = sup.xlwings_udfs()
    assert udfs.__name__ == "xlwings.udfs" and udfs.__file__.endswith("xlwings/udfs.py")
    import sys
    for name in sup.WINDOWS_ONLY:  # the stubs are gone again (a real pywin32 module has a __file__)
        module = sys.modules.get(name)
        assert module is None or getattr(module, "__file__", None)


def test_exactly_the_documented_functions_are_registered(funcs, udf_module):
    assert sorted(funcs) == sorted(SIGNATURES) == sorted(udf_module.__all__)


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_registration_metadata(funcs, name):
    meta = funcs[name].__xlfunc__
    args, optional = SIGNATURES[name]
    assert meta["name"] == name
    assert meta["category"] == CATEGORY
    assert meta["sub"] is False and meta["volatile"] is False and meta["call_in_wizard"] is True
    assert meta["async_mode"] is None
    assert [a["name"] for a in meta["args"]] == args
    for a in meta["args"]:
        assert a["vararg"] is False and a["vba"] is None
        # optional arguments are marked, with None as the value Excel's omitted argument becomes
        assert ("optional" in a) is (a["name"] in optional)
        if a["name"] in optional:
            assert a["optional"] is None
        # a real description for the Function Wizard, within MacroOptions' 255 characters
        assert not a["doc"].startswith("Positional argument") and 10 <= len(a["doc"]) <= 255, a
        # array handling: ranges always arrive 2-D; error cells arrive as their text
        expected = {"ndim": 2, "err_to_str": True} if a["name"] in RANGE_ARGS[name] else {"err_to_str": True}
        assert a["options"] == expected, (a["name"], a["options"])
        assert a["name"].lower() not in VBA_RESERVED
    # the docstring is the Function Wizard description (MacroOptions keeps 255 characters)
    doc = meta["ret"]["doc"]
    assert doc == funcs[name].__doc__ and 40 <= len(doc) <= 255 and "\n" not in doc
    # results spill as native dynamic arrays: no legacy `expand` (which rewrites cells via COM)
    assert meta["ret"]["options"] == {}


def test_vba_wrapper_matches_the_reviewed_reference(udf_module):
    generated = sup.generate_vba(udf_module)
    if sup.update_requested():                  # a developer's explicit request, never CI's
        sup.write_reference(generated)
    assert sup.REFERENCE.exists(), f"{sup.REFERENCE} is missing: run `python tests/udf_support.py` and review it"
    reference = sup.normalise_newlines(sup.REFERENCE.read_bytes().decode("utf-8"))
    assert generated == reference, (
        "The generated VBA wrapper differs from tests/reference/udfs_vba_wrapper.bas. If the change is "
        "intended, run `python tests/udf_support.py` and review the diff.")


def test_vba_wrapper_declares_every_function_with_its_optional_arguments():
    text = sup.normalise_newlines(sup.REFERENCE.read_bytes().decode("utf-8"))
    assert text.startswith('Attribute VB_Name = "xlwings_udfs"\n')
    declared = re.findall(r"^Function (\w+)\((.*)\)$", text, flags=re.M)
    assert [n for n, _ in declared] == sorted(SIGNATURES)
    for name, params in declared:
        args, optional = SIGNATURES[name]
        assert params == ", ".join(("Optional " if a in optional else "") + a for a in args)
        assert f'XLPy.CallUDF("salesplan.udfs.functions", "{name}", Array({", ".join(args)}), ActiveWorkbook, ' \
               f"Application.Caller)" in text
    assert "expand" not in text.lower() and "Application.Volatile" not in text


def test_reference_is_what_the_addin_build_generates(udf_module):
    """The add-in build (salesplan.addin.xlwings_shim) generates the same module."""
    from salesplan.addin import xlwings_shim as shim
    module = shim.load_udf_module(sup.UDF_MODULE)
    text = shim.generate_udf_wrapper(sup.UDF_MODULE, module, sup.ADDIN_BOOK)
    assert sup.normalise_newlines(text) == sup.generate_vba(udf_module)


# ----------------------------------------------------------------------------- through call_udf's conversion

def to_com(value):
    """Case arguments as VBA hands them over: arrays as tuples of tuples, empty cells None,
    error cells as COM error ints."""
    codes = {v: k for k, v in sup.COM_ERRORS.items()}
    if isinstance(value, list):
        rows = value if value and isinstance(value[0], list) else [value]
        return tuple(tuple(to_com(v) for v in row) for row in rows)
    if isinstance(value, str) and value in codes:
        return codes[value]
    return value


def as_2d(value):
    return value if isinstance(value, list) and value and isinstance(value[0], list) else \
        [value] if isinstance(value, list) else [[value]]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['function']}: {c['name']}" for c in CASES])
def test_case_through_xlwings_conversion(funcs, case):
    fn = funcs[case["function"]]
    raw = []
    for a in case["args"]:
        raw.append(sup.MISSING if a == "<missing>" else to_com(decode(a)))
    result = sup.simulate_call(fn, *raw)
    assert isinstance(result, list) and all(isinstance(r, list) for r in result)  # what COM returns to VBA
    if "error" in case:
        assert result[0][0].startswith(case["error"] + " ") and case.get("message", "") in result[0][0]
    else:
        expected = as_2d(decode(case["expected"]))
        expected = [["" if v is None else v for v in row] for row in expected]
        assert matches(result, expected, case.get("tolerance", 0.0)), (result, expected)


def test_error_cells_arrive_as_text_and_pass_on(funcs):
    na = -2146826246
    result = sup.simulate_call(funcs["TARGET_SPLIT"], 100, ((1.0, na),))
    assert result[0][0].startswith("#N/A weights: item 2")
    assert sup.simulate_call(funcs["TARGET_SPLIT"], na, ((1.0,),))[0][0].startswith("#N/A total")


def test_single_cells_become_2d_for_range_arguments(funcs):
    # a one-cell range for `weights` arrives as [[x]] (ndim=2) and the result is one value
    assert sup.simulate_call(funcs["TARGET_SPLIT"], 550000.0, 1.0) == [[550000]]
    assert sup.simulate_call(funcs["WORKDAYS"], "2026-12") == [[23]]
