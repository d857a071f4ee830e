"""The optional C cell tokenizer returns exactly what the raw reader's regular
expression finds — on random fragments built from the pattern's own pieces (where
backtracking could differ) and on real sheets."""
from __future__ import annotations

import math
import os
import re
import zipfile

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesplan.regional import xlsxread
from salesplan.regional.merge import NOT_SENT

try:
    from salesplan.regional import _cellscan as cellscan
except ImportError:  # no compiler where it was installed: the reader uses the regex
    if os.environ.get("CI"):
        raise           # CI has gcc: a missing tokenizer there is a build failure
    pytest.skip("the C tokenizer was not built (no compiler): the regex is used", allow_module_level=True)

PIECES = ['<c r="', '<c r="A', "A", "AB", "XFD", "ABCD", "1", "12", '"', ' s="', ' t="', "3", "n", "inlineStr",
          ">", "/>", "/", "</c>", "<v>", "</v>", "<f>", "SUM(A1:B2)", "</f>", "<is><t>", "</t></is>", "中文",
          " ", '"x"', "<", "</row>", '<row r="1">', "<c>", ' r="A1"', "&amp;", "\n", "é", " foo=\"1\""]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_same_tuples_as_the_regex_on_fragments(pieces):
    text = "".join(pieces)
    assert cellscan.scan_cells(text.encode("utf-8")) == xlsxread._FAST_CELL.findall(text)


def test_same_tuples_on_real_sheets(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 40):
        ws.append([r, f"销售员{r}", r * 1.5, f"=A{r}*2", None, True, "a & <b>", "=SUM(A1:A3)"])
    wb.save(tmp_path / "a.xlsx")
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        data = z.read("xl/worksheets/sheet1.xml")
    found = cellscan.scan_cells(data)
    assert found == xlsxread._FAST_CELL.findall(data.decode("utf-8")) and len(found) > 200


def test_a_reader_without_it_reads_the_same(tmp_path, monkeypatch):
    from salesplan.regional.synthetic import write_region_file

    write_region_file(tmp_path / "r.xlsx", "华东区", "张明", 12, values={("reps", "华东区", 1, "kpi:reads"): 1.25})
    def read() -> tuple[dict, dict]:
        with xlsxread.XlsxFile(tmp_path / "r.xlsx") as x:
            lazy = {s: x.read_sheet_lazy(s) for s in x.sheet_names}
            return ({s: dict(x.read_sheet(s)) for s in x.sheet_names},
                    {s: (dict(c._raw), dict(c)) for s, c in lazy.items()})

    with_c = read()
    monkeypatch.setattr(xlsxread, "_scan_cells", None)
    monkeypatch.setattr(xlsxread, "_scan_sheet", None)
    without = read()
    assert with_c == without and len(with_c[0]["华东区"]) > 100


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES + [' t="shared"', "<c", "<c>", "<c/>", ' x="s=1"']), max_size=40))
def test_scan_sheet_is_the_fast_path_by_address(pieces):
    """scan_sheet: None exactly where _fast_scan refuses the layout, else its cells by address."""
    text = "<sheetData>" + "".join(pieces)
    found = xlsxread.XlsxFile._fast_scan(text)          # the regex path (no bytes given)
    want = None if found is None else dict(zip([m[0] for m in found], found))
    assert cellscan.scan_sheet(text.encode("utf-8")) == want


# The preflight's worksheet scan (sheet_refs) against its regular expressions.
_USUAL_REFS = ['<row', '<row r="', '<rows r="', ' r="', ' r="A', ' spans="1:3"', '"', '>', '/>', "A", "XFD", "XFE",
               "YAA", "XGA", "ABCD", "Z", "1", "5", "0", "1048576", "1048577", "12345678", "0000001",
               "1234567890123456789", "<c", ' s="2"', "<v>3</v>", "</c>", "</row>", " ", "=", "r", "中", "_",
               '<row r="7">', '<c r="B7"', '<c r="XFE7"', '<c r="C12345678"',
               # the one-pass scan's own edges: a row tag closed or not, its number found or not
               '<row>', '<rowx r="5"', '<row/>', '<row r="12"><c r="A12"', '<row r="0012"', ' r=""', ' r="5x"', '>"']
_UNUSUAL_REFS = ["'", "\t", "\n", ":", ":row", ":c ", "x:c>", "9" * 25]
REF_PIECES = _USUAL_REFS * 8 + _UNUSUAL_REFS       # an unusual spelling now and then


@settings(max_examples=4000, deadline=None)
@given(st.lists(st.sampled_from(REF_PIECES), max_size=40))
def test_sheet_refs_agree_with_the_preflight_regexes(pieces):
    from salesplan.deals.preflight import _sheet_refs_re

    window = "".join(pieces).encode("utf-8")
    got = cellscan.sheet_refs(window)
    if got is None:        # the regexes decide: an unusual spelling, or a number over 18 digits
        assert xlsxread_unusual(window) or any(len(d) > 18 for d in _digit_runs(window))
    else:
        assert got == _sheet_refs_re(window)


def xlsxread_unusual(window: bytes) -> bool:
    from salesplan.deals.preflight import _unusual

    return _unusual(window)


def _digit_runs(window: bytes) -> list[bytes]:
    import re

    return re.findall(rb"\d+", window)


def test_sheet_refs_on_a_real_sheet_and_a_hostile_one(tmp_path):
    from salesplan.deals.preflight import _sheet_refs_re

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 60):
        ws.append([r, f"销售员{r}", f"=A{r}*2"])
    wb.save(tmp_path / "a.xlsx")
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        data = z.read("xl/worksheets/sheet1.xml")
    assert cellscan.sheet_refs(data) == _sheet_refs_re(data) == (59, False, 0)
    hostile = data.replace(b'<c r="C59"', b'<c r="C2000000"').replace(b'<c r="B59"', b'<c r="XFE59"')
    assert cellscan.sheet_refs(hostile) == _sheet_refs_re(hostile) == (59, True, 2000000)


@settings(max_examples=3000, deadline=None)
@given(st.binary(max_size=300), st.lists(st.sampled_from([p.encode() for p in _USUAL_REFS]), max_size=12))
def test_the_c_scanners_take_any_bytes(noise, pieces):
    """Untrusted bytes (the preflight runs sheet_refs before any parser): never a crash,
    the regexes' answer, and a clean UnicodeDecodeError for cells that are not UTF-8."""
    from salesplan.deals.preflight import _sheet_refs_re

    data = noise[: len(noise) // 2] + b"".join(pieces) + noise[len(noise) // 2:]
    got = cellscan.sheet_refs(data)
    assert got is None or got == _sheet_refs_re(data)
    for scan in (cellscan.scan_cells, cellscan.scan_sheet):
        try:
            scan(data)
        except UnicodeDecodeError:
            pass


@settings(max_examples=3000, deadline=None)
@given(st.text(max_size=12), st.one_of(st.none(), st.text(max_size=12)),
       st.sampled_from(["inlineStr", "str", "n", "", "s"]), st.sampled_from(["text", "number", "choice"]))
def test_judge_inputs_takes_only_what_python_would(text, other, t, kind):
    """judge_inputs settles a cell only where _check_inputs_raw's own rule does (a text
    kept exactly as openpyxl writes its base; a memoised verdict; a blank) and leaves
    everything else, untouched, to the Python loop."""
    from salesplan.regional.checks import _REFUSED, _inline_xml
    from salesplan.regional.manifest import InputField

    base_text = text
    inner = _inline_xml(other if other is not None else text) or ("<is><t>" + text + "</t></is>")
    f = InputField(("reps", "R", 1, "name"), "R", "B5", kind)
    memo = {inner: "memo-hit", ("str", inner): _REFUSED}
    raw = {"B5": ("B5", "", t, "", inner)}
    # values and base are aligned with the record's input keys; the input's key is at 1
    values = [NOT_SENT, NOT_SENT]
    left = cellscan.judge_inputs(["B5"], [1], [f], {id(f): memo}, raw, ["other", base_text], values, _REFUSED)
    if t == "inlineStr" and kind == "text":
        # ("" is never a base — canon makes it None — and C leaves it to Python)
        want = base_text if base_text and inner == _inline_xml(base_text) else None
    elif t == "s" or "<f" in inner:
        want = None
    else:
        mk = inner if t in ("", "n") else (t, inner)
        v = memo.get(mk)
        want = v if v is not None and v is not _REFUSED else None
    if want is None:
        assert values == [NOT_SENT, NOT_SENT] and left == [0]
    else:
        assert values == [NOT_SENT, want] and left == []
    # blank and absent cells are None, settled in C
    values = [NOT_SENT, NOT_SENT, NOT_SENT]
    raw = {"B5": ("B5", "", t, "", "")}
    assert cellscan.judge_inputs(["B5", "B6"], [2, 0], [f, f], {id(f): memo}, raw, [None] * 3, values,
                                 _REFUSED) == []
    assert values == [None, NOT_SENT, None]
    # a position outside the lists is an error, not a write anywhere
    with pytest.raises(IndexError):
        cellscan.judge_inputs(["B5"], [3], [f], {id(f): memo}, raw, [None] * 3, values, _REFUSED)


_NUMBER_SPELLINGS = st.one_of(
    st.from_regex(r"[+-]?[0-9]{0,22}(\.[0-9]{0,22})?([eE][+-]?[0-9]{1,4})?", fullmatch=True),
    st.integers(-10**25, 10**25).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet="0123456789+-.eE _xn\n", max_size=14),
    st.sampled_from(["0", "-0", "+5", "007", "-0.0", "1e400", "-1e400", "1e-400", "1.", ".5", "1e5", "2.5E-3",
                     "9223372036854775808", "9223372036854775807.0", "1e19", "1_000", " 1", "1 ", "nan", "inf",
                     "0x10", "1" * 70]))
_BOUNDS = st.sampled_from([None, "0", "1", "-5", "100", "0.5", "2500.5"])


@settings(max_examples=3000, deadline=None)
@given(_NUMBER_SPELLINGS, st.sampled_from(["number", "integer", "percent", "date", "text", "bool", "choice"]),
       _BOUNDS, _BOUNDS, st.sampled_from(["", "n", "str"]))
def test_judge_inputs_numbers_as_python_judges_them(text, kind, lo, hi, t):
    """A plain number the memo has not seen is judged in C exactly as _fresh_verdict does
    (same Decimal, same refusals, remembered in the memo), or left to Python untouched;
    the usual spellings of finite numbers are always judged in C."""
    from decimal import Decimal

    from salesplan.regional.checks import _MEMO_MAX, _REFUSED, _fresh_verdict
    from salesplan.regional.manifest import InputField

    f = InputField(("reps", "R", 1, "kpi"), "R", "B5", kind, None if lo is None else Decimal(lo),
                   None if hi is None else Decimal(hi), ("a", "b") if kind == "choice" else ())
    inner = "<v>" + text + "</v>"
    memo: dict = {}
    raw = {"B5": ("B5", "", t, "", inner)}
    values = [NOT_SENT]
    left = cellscan.judge_inputs(["B5"], [0], [f], {id(f): memo}, raw, [None], values, _REFUSED, Decimal, _MEMO_MAX)
    if not memo:                         # left to Python, nothing written
        assert left == [0] and values == [NOT_SENT]
        strict = (t in ("", "n") and kind in ("number", "integer", "percent", "date") and len(text) <= 64
                  and re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", text) is not None
                  and math.isfinite(float(text)))
        assert not strict, "a plain finite number must be judged in C"
        return
    assert list(memo) == [inner]
    want = _fresh_verdict("f.xlsx", f, f.key, t, inner, None, "B5")
    got = memo[inner]
    if want is _REFUSED:
        assert got is _REFUSED and left == [0] and values == [NOT_SENT]
    else:
        assert type(got) is type(want) and repr(got) == repr(want)
        assert left == [] and values == [got]


def test_judge_inputs_number_memo_is_emptied_when_full():
    """As checks._remember: a memo that holds memo_max verdicts is emptied before the next."""
    from decimal import Decimal

    from salesplan.regional.checks import _REFUSED
    from salesplan.regional.manifest import InputField

    f = InputField(("reps", "R", 1, "kpi"), "R", "B5", "number")
    memo = {"<v>1</v>": Decimal(1), "<v>2</v>": Decimal(2)}
    raw = {"B5": ("B5", "", "", "", "<v>3</v>"), "B6": ("B6", "", "n", "", "<v>2</v>")}
    values = [NOT_SENT, NOT_SENT]
    assert cellscan.judge_inputs(["B5", "B6"], [0, 1], [f, f], {id(f): memo}, raw, [None, None], values, _REFUSED,
                                 Decimal, 2) == []
    assert values == [Decimal(3), Decimal(2)]
    assert memo == {"<v>3</v>": Decimal(3), "<v>2</v>": Decimal(2)}     # emptied, then both remembered
    # without Decimal (the old call), a miss is left to Python as before
    memo.clear()
    values = [NOT_SENT, NOT_SENT]
    assert cellscan.judge_inputs(["B5"], [0], [f], {id(f): memo}, raw, [None, None], values, _REFUSED) == [0]
    assert memo == {} and values == [NOT_SENT, NOT_SENT]


_CELL_XML = st.sampled_from(["<v>1</v>", "<v>2</v>", "<f>A1*2</f><v>2</v>", "<is><t>x</t></is>", "<v>0</v>", ""])


@settings(max_examples=2000, deadline=None)
@given(st.dictionaries(st.sampled_from(["A1", "A2", "B1", "B2", "C7"]), st.sampled_from(["h1", "h2"])),
       st.dictionaries(st.sampled_from(["A1", "A2", "B1", "B2", "C7"]),
                       st.tuples(st.sampled_from(["", "n", "s", "str", "b"]), _CELL_XML)),
       st.dictionaries(st.one_of(_CELL_XML, st.tuples(st.sampled_from(["", "n", "s", "str"]), _CELL_XML)),
                       st.sampled_from(["h1", "h2", None])),
       st.booleans())
def test_unsettled_leaves_exactly_what_the_memo_does_not_settle(expected, cells, memo, by_type):
    """unsettled() returns, in order, the cells the memo loop of _check_formulas (memo by
    inner XML) or _check_fixed (by (type, inner XML), not for shared strings or formulas)
    would not pass as unchanged on a memo hit; it writes nothing."""
    raw = {a: (a, "", t, "", inner) for a, (t, inner) in cells.items()}
    want = []
    for addr, h in expected.items():
        m = raw.get(addr)
        if m is not None:
            t, inner = m[2], m[4]
            if not by_type:
                mk = inner
            else:
                mk = (t, inner) if t != "s" and "<f" not in inner else None
            if mk is not None and mk in memo and memo[mk] == h:
                continue
        want.append(addr)
    before = dict(memo)
    assert cellscan.unsettled(expected, raw, memo, by_type) == want
    assert memo == before


_ENCODED = st.one_of(
    st.none(), st.text(alphabet=" \t\u3000ab是", max_size=4),
    st.builds(lambda t: {"n": t}, st.sampled_from(["1", "1.50", "-0", "1E+3", "2", "1"])),
    st.sampled_from([{"n": 1}, {"n": "x"}, {"m": "1"}, {"n": "1", "x": 2}, {}, 3, 2.5, True, [1]]))


@settings(max_examples=2000, deadline=None)
@given(st.lists(_ENCODED, max_size=12))
def test_decode_column_as_python(col):
    """The C column decoder gives what the Python one gives — equal values of the same
    types, equal numbers as one object — and the same error for a bad number."""
    from salesplan.regional import manifest
    from salesplan.regional.values import decode

    try:
        want = manifest._decode_column_py(col)
    except Exception as exc:  # noqa: BLE001 - the same error is expected from C
        with pytest.raises(type(exc)):
            cellscan.decode_column(col, decode)
        return
    got = cellscan.decode_column(col, decode)
    assert [(type(x), repr(x)) for x in got] == [(type(x), repr(x)) for x in want]
    firsts: dict = {}
    for enc, x in zip(col, got):
        if type(enc) is dict and len(enc) == 1 and type(enc.get("n")) is str:
            assert firsts.setdefault(enc["n"], x) is x


_ADDRS = st.sampled_from(["A1", "A2", "B1", "B2", "C3", "D4", "E5"])


@settings(max_examples=1000, deadline=None)
@given(st.lists(_ADDRS, unique=True), st.lists(st.frozensets(_ADDRS), max_size=3), st.sets(_ADDRS),
       st.dictionaries(_ADDRS, st.just("h")))
def test_unknown_addresses_is_the_set_difference(present, grids, loose, formulas):
    """unknown_addresses gives the present cells in none of the known containers, in order."""
    raw = {a: (a, "", "", "", "") for a in present}
    known = (*grids, frozenset(loose), formulas)
    want = [a for a in present if not any(a in c for c in known)]
    assert cellscan.unknown_addresses(raw, known) == want
    assert set(want) == set(raw.keys()).difference(*known)
    with pytest.raises(TypeError):
        cellscan.unknown_addresses(raw, (["A1"],))


_FORMULA_PIECES = ["SUM(", ")", "A1", "$B$2", ",", "+", "-", "*", "/", "&", "=", "<", ">", ":", "!", "'", "'成交明细'!",
                   "测试01区", "“", "．", "１", "ａ", "Ａ", "é", "ß", "ﬁ", "ǅ", "Σ", "σ", "\u0345", "_xlfn.", "_XLFN.", "_x",
                   "SP_Rate", "sp_rate", "if", "IF", " ", "  ", "\t", "\n", "\u3000", "\u00a0", '"', '""', '"a b"', "x", "1.5"]


def _escape(text: str) -> str:
    """The formula as a writer stores it: &, <, > and every non-ASCII character escaped."""
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return "".join(c if ord(c) < 128 else f"&#{ord(c)};" for c in out)


@settings(max_examples=4000, deadline=None)
@given(st.lists(st.sampled_from(_FORMULA_PIECES), max_size=12).map("".join), st.booleans(), st.booleans(),
       st.sampled_from(["", "<v>3</v>", "<v></v>"]))
def test_formula_text_is_pythons_normalised_formula(text, escaped, lead, value):
    """formula_text in C gives normalize_formula(simple_formula(m)) — or None, and then
    Python normalises it: never a different text. Formulas of a real split take the C path."""
    from salesplan.regional.values import normalize_formula
    from salesplan.regional.xlsxread import simple_formula

    body = ("=" if lead else "") + text
    inner = f"<f>{_escape(body) if escaped else body.replace('&', '&amp;').replace('<', '&lt;')}</f>{value}"
    got = cellscan.formula_text(inner)
    want_text = simple_formula(("A1", "", "", "", inner))
    if got is not None:
        assert want_text is not None and got == normalize_formula(want_text)


def test_formula_text_takes_a_real_splits_formulas(tmp_path):
    """Every formula of a regional file from a real split (names, sheet references and
    texts in Chinese, &#N; escapes) is normalised in C, to what Python gives."""
    from salesplan.config import load_config
    from salesplan.regional.values import normalize_formula
    from salesplan.regional.workflow import split_plan
    from salesplan.regional.xlsxread import simple_formula
    from salesplan.workbook_templates import generate_workbook

    plan = tmp_path / "plan.xlsx"
    generate_workbook(load_config(None, month="2026-12"), plan)
    path = split_plan(plan, tmp_path / "regions").files["华东区"]
    inners = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                inners += re.findall(r"<c [^>]*>(<f>.*?)</c>", z.read(name).decode())
    assert len(inners) > 500
    for inner in inners:
        got = cellscan.formula_text(inner)
        assert got is not None and got == normalize_formula(simple_formula(("A1", "", "", "", inner))), inner
    assert cellscan.formula_text("<f>sum(a1)</f>") == "SUM(A1)"
    assert cellscan.formula_text("<f>=if(a1=&quot;x y&quot;,1,2)</f><v>1</v>") == 'IF(A1="x y",1,2)'
    assert cellscan.formula_text("<f t=\"shared\" si=\"0\"/>") is None           # not a plain <f>
    assert cellscan.formula_text("<f>_xlfn.CONCAT(a1)</f>") is None              # a prefix to drop: Python
    assert cellscan.formula_text("<f>A1 B1</f>") is None                          # whitespace to fold: Python
    assert cellscan.formula_text("<f>straße</f>") is None                         # upper() makes SS: Python
