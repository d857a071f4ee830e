"""A lean, read-only zip reader for archives held in memory (the preflight's fast path).

Why: ``zipfile`` costs ~1 ms per small .xlsx in Python-level bookkeeping (ZipInfo
objects, ``ZipExtFile`` streams, 8 KiB reads) — as much as python-calamine needs to
read the whole workbook. Consolidation preflights hundreds of small regional files, so
the preflight parses the central directory itself with ``struct`` and inflates each
entry with one ``zlib`` call.

Only the plain layout every spreadsheet writer produces is handled: one disk, no
zip64, no archive-level encryption, entries stored (0) or deflated (8), each local
header where the central directory says, with the same name. :meth:`LeanZip.parse`
returns ``None`` for anything else and the caller uses ``zipfile`` (which then names
whatever is wrong). Entries are inflated at most to their declared size + 1 byte and
their CRC-32 is checked, so a lying size or a damaged stream is an error, never an
unbounded inflation; the caller checks the declared sizes (zip bombs) before opening
any entry, exactly as with ``zipfile``.
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

__all__ = ["LeanZip", "LeanEntry"]

_EOCD = b"PK\x05\x06"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"
_EOCD_SIZE = 22
_CENTRAL_SIZE = 46
_LOCAL_SIZE = 30
_MAX_COMMENT = 0xFFFF
_Z64 = 0xFFFFFFFF


class LeanEntry:
    """The fields of a central-directory entry the preflight reads (as on ``ZipInfo``)."""

    __slots__ = ("filename", "file_size", "compress_size", "flag_bits", "compress_type", "CRC", "_start")

    def __init__(self, filename: str, file_size: int, compress_size: int, flag_bits: int, compress_type: int,
                 crc: int, start: int):
        self.filename = filename
        self.file_size = file_size
        self.compress_size = compress_size
        self.flag_bits = flag_bits
        self.compress_type = compress_type
        self.CRC = crc
        self._start = start          # offset of the entry's data in the buffer


class LeanZip:
    """``infolist()``, ``namelist()`` and ``open(name or entry)`` like ``zipfile.ZipFile``."""

    def __init__(self, buf: bytes, entries: list[LeanEntry]):
        self._buf = buf
        self._entries = entries
        self._by_name = {e.filename: e for e in entries}

    @classmethod
    def parse(cls, buf: bytes) -> "LeanZip | None":
        """The archive in ``buf``, or None when it is not the plain layout (see the module doc)."""
        size = len(buf)
        at = buf.rfind(_EOCD, max(0, size - _EOCD_SIZE - _MAX_COMMENT))
        if at < 0 or at + _EOCD_SIZE > size:
            return None
        _, disk, cd_disk, n_here, n, cd_size, cd_off, comment = struct.unpack_from("<IHHHHIIH", buf, at)
        if disk or cd_disk or n_here != n or n == 0xFFFF or cd_off == _Z64 or cd_size == _Z64 \
                or at + _EOCD_SIZE + comment != size or cd_off + cd_size > at:
            return None
        entries: list[LeanEntry] = []
        spans: list[tuple[int, int]] = []
        pos, end = cd_off, cd_off + cd_size
        unpack_central, unpack_local = struct.Struct("<4s6H3I5H2I").unpack_from, struct.Struct("<4s5H3I2H").unpack_from
        for _ in range(n):
            if pos + _CENTRAL_SIZE > end:
                return None
            (sig, _made, _need, flags, method, _t, _d, crc, csize, usize, nlen, xlen, clen, _disk, _ia, _ea,
             offset) = unpack_central(buf, pos)
            if sig != _CENTRAL or method not in (0, 8) or _Z64 in (csize, usize, offset):
                return None
            raw_name = buf[pos + _CENTRAL_SIZE:pos + _CENTRAL_SIZE + nlen]
            pos += _CENTRAL_SIZE + nlen + xlen + clen
            if pos > end or offset + _LOCAL_SIZE > cd_off:
                return None
            lsig, _v, _lflags, _lmethod, _lt, _ld, _lcrc, _lc, _lu, lnlen, lxlen = unpack_local(buf, offset)
            start = offset + _LOCAL_SIZE + lnlen + lxlen
            if lsig != _LOCAL or buf[offset + _LOCAL_SIZE:offset + _LOCAL_SIZE + lnlen] != raw_name \
                    or start + csize > cd_off or (method == 0 and csize != usize):
                return None
            try:
                name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
            except UnicodeDecodeError:
                return None
            entries.append(LeanEntry(name, usize, csize, flags, method, crc, start))
            spans.append((offset, start + csize))
        if pos != end:
            return None
        spans.sort()
        if any(b[0] < a[1] for a, b in zip(spans, spans[1:])):
            return None             # overlapping entries (a known zip-bomb construction)
        return cls(buf, entries)

    def infolist(self) -> list[LeanEntry]:
        return list(self._entries)

    def namelist(self) -> list[str]:
        return [e.filename for e in self._entries]

    def read(self, name: "str | LeanEntry") -> bytes:
        """The entry's bytes: inflated to at most its declared size + 1, CRC-checked."""
        e = name if isinstance(name, LeanEntry) else self._by_name.get(name)
        if e is None:
            raise KeyError(f"There is no item named {name!r} in the archive")
        if e.flag_bits & 0x1:
            raise NotImplementedError(f"{e.filename!r} is encrypted")
        data = self._buf[e._start:e._start + e.compress_size]
        if e.compress_type == 8:
            out = zlib.decompressobj(-15).decompress(data, e.file_size + 1)
        else:
            out = data
        if len(out) != e.file_size:
            raise zipfile.BadZipFile(f"{e.filename!r}: {len(out):,} bytes inflated, {e.file_size:,} declared")
        if zlib.crc32(out) != e.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {e.filename!r}")
        return out

    def open(self, name: "str | LeanEntry") -> io.BytesIO:
        return io.BytesIO(self.read(name))

    def close(self) -> None:
        self._buf = b""

    def __enter__(self) -> "LeanZip":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
