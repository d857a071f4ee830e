"""VBA text generated at build time: string expressions in ASCII (``ChrW()`` for
everything else) and the Application.MacroOptions calls that describe the UDFs."""
from __future__ import annotations

import re
import struct
from typing import Any

__all__ = ["vba_string_expr", "assign", "macro_options_vba", "DEFAULT_CATEGORY"]


def vba_string_expr(text: str, width: int = 200) -> list[str]:
    """VBA expression pieces whose concatenation is ``text``, ASCII only:
    printable ASCII in string literals, everything else as ChrW(code). Returned
    as groups of at most ~``width`` characters, one per assignment line."""
    pieces: list[str] = []
    run = ""
    for ch in text:
        code = ord(ch)
        if 32 <= code < 127:
            run += '""' if ch == '"' else ch
            if len(run) >= width // 2:
                pieces.append(f'"{run}"')
                run = ""
            continue
        if run:
            pieces.append(f'"{run}"')
            run = ""
        units = [code] if code < 0x10000 else list(struct.unpack("<2H", ch.encode("utf-16-le")))
        pieces += [f"ChrW({u})" for u in units]
    if run:
        pieces.append(f'"{run}"')
    groups: list[str] = []
    current: list[str] = []
    length = 0
    for p in pieces:
        if current and length + len(p) + 3 > width:
            groups.append(" & ".join(current))
            current, length = [], 0
        current.append(p)
        length += len(p) + 3
    if current:
        groups.append(" & ".join(current))
    return groups or ['""']


def assign(var: str, text: str) -> list[str]:
    groups = vba_string_expr(text)
    lines = [f"    {var} = {groups[0]}"]
    lines += [f"    {var} = {var} & {g}" for g in groups[1:]]
    return lines


def _clean_doc(text: str | None) -> str:
    return " ".join((text or "").split())[:255]


DEFAULT_CATEGORY = "SalesPlan"
_XLWINGS_DEFAULT_DOC = re.compile(r"^Python function '[^']*' defined in '.*'\.$", re.S)


def macro_options_vba(functions: list[dict[str, Any]], module_name: str = "") -> tuple[list[str], list[str]]:
    """(calls, procedures): VBA lines registering each UDF with
    Application.MacroOptions, from xlwings' ``__xlfunc__`` metadata, the same
    fields xlwings' import_udfs uses (docstring, category, argument docs).

    Two departures keep the output useful and reproducible: xlwings' default
    description (which embeds the absolute path of the .py file) becomes
    "Python function NAME (module)", and xlwings' default category "xlwings"
    becomes DEFAULT_CATEGORY."""
    calls: list[str] = []
    procs: list[str] = []
    for i, f in enumerate(functions, 1):
        if f.get("sub"):
            continue
        proc = f"Describe{i:03d}"
        calls.append(f"    {proc}")
        args = [a for a in f["args"] if not a["vba"]]
        category = f.get("category")
        if category == "xlwings":
            category = DEFAULT_CATEGORY
        doc = f["ret"]["doc"] or ""
        if _XLWINGS_DEFAULT_DOC.match(doc):
            doc = f"Python function {f['name']}" + (f" ({module_name})" if module_name else "")
        lines = [f"' {f['name']}", f"Private Sub {proc}()", "    Dim d As String"]
        if isinstance(category, str):
            lines.append("    Dim c As String")
        lines += [f"    Dim a{j} As String" for j in range(len(args))]
        lines += assign("d", _clean_doc(doc))
        if isinstance(category, str):
            lines += assign("c", category[:255])
            cat = "c"
        else:
            cat = str(int(category or 14))  # 14 = "User Defined"
        for j, a in enumerate(args):
            lines += assign(f"a{j}", _clean_doc(a["doc"]))
        macro = f'MacroName("{f["name"]}")'
        if args:
            arr = ", ".join(f"a{j}" for j in range(len(args)))
            lines += [
                "    If Val(Application.Version) >= 14 Then",
                f"        Application.MacroOptions Macro:={macro}, Description:=d, Category:={cat}, _",
                f"            ArgumentDescriptions:=Array({arr})",
                "    Else",
                f"        Application.MacroOptions Macro:={macro}, Description:=d, Category:={cat}",
                "    End If",
            ]
        else:
            lines.append(f"    Application.MacroOptions Macro:={macro}, Description:=d, Category:={cat}")
        lines += ["End Sub", ""]
        procs += lines
    return calls, procs
