"""The JSON every command prints (commands/_format.dumps): the same document as json.dumps, objects
indented by two spaces, each list item on one line (written by json's C encoder)."""
from __future__ import annotations

import json
import subprocess
import sys

from salesplan.commands._format import dumps

DOC = {"month": "2027-01", "empty": {}, "none": [], "money_fen": 12345, "ok": True, "why": None,
       "reps": [{"region": "华东区", "rep": "钱东一", "because": [{"deal": "HT-1", "fields": {"amount_fen": [1, 2]}}]},
                {"region": "华南区", "rep": "A\"B\\C\nD", "because": []}],
       "nested": {"numbers": [1, 2.5, -3], 7: "an int key", "t": {"u": [[1, 2], []]}}}


def test_the_document_is_json_dumps_document():
    assert json.loads(dumps(DOC)) == json.loads(json.dumps(DOC))
    assert json.loads(dumps([])) == [] and json.loads(dumps("中")) == "中"


def test_each_list_item_is_one_line_objects_are_indented():
    lines = dumps(DOC).splitlines()
    assert lines[0] == "{" and lines[1] == '  "month": "2027-01",' and lines[-1] == "}"
    rep_lines = [line for line in lines if '"rep":' in line]
    assert len(rep_lines) == 2                                 # one line per rep, because-lines inside it
    for line, rep in zip(rep_lines, DOC["reps"]):
        assert json.loads(line.strip().rstrip(",")) == rep
    assert '    "7": "an int key",' in lines
    assert '"region": "华东区"' in dumps(DOC)                    # CJK as characters, not \\u escapes


def test_plan_json_from_the_command():
    out = subprocess.run([sys.executable, "-m", "salesplan", "plan", "--month", "2027-01", "--format", "json"],
                         capture_output=True, text=True, encoding="utf-8", check=True).stdout
    doc = json.loads(out)
    assert doc["month"] == "2027-01"
    lines = out.splitlines()
    assert [line for line in lines if line.startswith('    {"name": "产品A"')], "a product is one line"
    assert len([line for line in lines if line.startswith('    {"name": ') and '"manager"' in line]) == len(doc["regions"])


def _reference(data, default=None) -> str:
    """The text this format stands for, written the plain way (one json call per item)."""
    one = json.JSONEncoder(ensure_ascii=False, default=default).encode

    def indented(v, pad: str) -> str:
        inner = pad + "  "
        if isinstance(v, dict) and v:
            return "{\n" + ",\n".join(f"{inner}{one(k if isinstance(k, str) else one(k))}: {indented(x, inner)}"
                                       for k, x in v.items()) + f"\n{pad}}}"
        if isinstance(v, list) and v:
            return "[\n" + ",\n".join(inner + one(x) for x in v) + f"\n{pad}]"
        return one(v)

    return indented(data, "")


def test_the_text_is_the_plain_ways_text_and_streams_the_same():
    import io
    from datetime import date

    from salesplan.commands._format import write_json
    big = {"deals": {"added": [{"row": i, "contract_id": f"HT-{i}", "客户": "甲" * (i % 5), "amount_fen": i * 101,
                                "new": i % 3 == 0, "rate": i / 7} for i in range(2_345)], "removed": []},
           "when": date(2027, 1, 31), "payouts": [[i, None] for i in range(1_001)], **DOC}
    text = dumps(big, default=str)
    assert text == _reference(big, default=str)
    out = io.StringIO()
    write_json(big, out, default=str)
    assert out.getvalue() == text + "\n"
    assert dumps(DOC) == _reference(DOC) and dumps([]) == "[]" and dumps({}) == "{}" and dumps("中") == '"中"'
