"""Plain-text tables for the terminal (CJK characters take two columns)."""
from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, right: Sequence[bool] = ()) -> str:
    """Aligned columns; ``right[i]`` right-aligns column i (numbers). None shows as "—"."""
    cells = [[("—" if v is None else str(v)) for v in r] for r in rows]
    widths = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(vals):
        out = []
        for i, v in enumerate(vals):
            pad = " " * (widths[i] - width(v))
            out.append(pad + v if i < len(right) and right[i] else v + pad)
        return "  ".join(out).rstrip()

    return "\n".join([line(list(headers)), line(["-" * w for w in widths])] + [line(r) for r in cells])


def dumps(data, default=None) -> str:
    """The JSON the commands print: objects indented by two spaces, each list item on one line.

    A list item is written by json's C encoder (``indent`` makes json use its pure-Python one:
    a 100,000-deal diff took 11 s to print), and one deal or one rep is one line a script or
    ``grep`` can take whole. ``default`` as json.dumps'."""
    one = json.JSONEncoder(ensure_ascii=False, default=default).encode   # one encoder for every item

    def indented(v, pad: str) -> str:
        inner = pad + "  "
        if isinstance(v, dict) and v:
            return "{\n" + ",\n".join(f"{inner}{one(k if isinstance(k, str) else one(k))}: {indented(x, inner)}"
                                       for k, x in v.items()) + f"\n{pad}}}"
        if isinstance(v, list) and v:
            return "[\n" + ",\n".join(inner + one(x) for x in v) + f"\n{pad}]"
        return one(v)

    return indented(data, "")


def parse_date(text: str, option: str):
    """argparse ``type=`` for ``--as-of YYYY-MM-DD``."""
    import argparse
    from datetime import date
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected a date YYYY-MM-DD ({option})") from None
