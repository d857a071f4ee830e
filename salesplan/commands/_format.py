"""Plain-text tables for the terminal (CJK characters take two columns)."""
from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator, Sequence


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

    One deal or one rep is one line a script or ``grep`` can take whole. ``default`` as
    json.dumps'. :func:`write_json` writes the same text piece by piece."""
    return "".join(json_pieces(data, default))


def write_json(data, out, default=None) -> None:
    """:func:`dumps` ``data`` to the text stream ``out``, newline-terminated, without holding the
    whole text (a month against the month before is ~70 MB of JSON)."""
    for piece in json_pieces(data, default):
        out.write(piece)
    out.write("\n")


def json_pieces(data, default=None) -> Iterator[str]:
    """:func:`dumps`' text in pieces (a list's items a thousand at a time)."""
    one = _item_encoder(default)

    def pieces(v, pad: str) -> Iterator[str]:
        inner = pad + "  "
        if isinstance(v, dict) and v:
            yield "{\n"
            for n, (k, x) in enumerate(v.items()):
                yield (",\n" if n else "") + f"{inner}{one(k if isinstance(k, str) else one(k))}: "
                yield from pieces(x, inner)
            yield f"\n{pad}}}"
        elif isinstance(v, list) and v:
            yield "[\n"
            sep = ",\n" + inner
            for i in range(0, len(v), 1000):
                yield ("" if i == 0 else sep) + inner * (i == 0) + sep.join(one(x) for x in v[i:i + 1000])
            yield f"\n{pad}]"
        else:
            yield one(v)

    return pieces(data, "")


def _item_encoder(default):
    """One value as compact JSON by json's C encoder, built once for every item: building it per
    item (``JSONEncoder.encode``) was 40 % of printing a 100,000-deal diff. ``indent`` would make
    json use its pure-Python encoder (a 100,000-deal diff took 11 s to print). Falls back to
    ``encode`` where the interpreter has no C encoder."""
    enc = json.JSONEncoder(ensure_ascii=False, default=default)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return enc.encode
    try:
        c = make({}, enc.default, json.encoder.encode_basestring, None, enc.key_separator, enc.item_separator,
                 False, False, True)
    except TypeError:                      # another interpreter's signature: the public way
        return enc.encode

    def one(v) -> str:
        return "".join(c(v, 0))

    return one


def parse_date(text: str, option: str):
    """argparse ``type=`` for ``--as-of YYYY-MM-DD``."""
    import argparse
    from datetime import date
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected a date YYYY-MM-DD ({option})") from None
