"""A small MS-OVBA (VBA project) reader/writer: just enough to write the VBA
project of an Excel add-in from text sources on a machine without Excel.

What is implemented, with the section of [MS-OVBA] it follows:

* ``compress`` / ``decompress``: the compressed container (2.4.1). ``compress``
  follows the spec's algorithm (2.4.1.3.6-2.4.1.3.19) literally, including the
  "nearest of the longest matches" rule of 2.4.1.3.19.4, so the same input
  always gives the same bytes.
* ``parse_dir`` / ``write_dir``: the ``VBA/dir`` stream (2.3.4.2) as a flat list
  of (id, payload) records, which round-trips byte for byte; ``DirInfo`` gives
  a structured view (project name, code page, modules).
* ``ProjectStream``: the ``PROJECT`` text stream (2.3.1) and ``PROJECTwm``
  (2.3.3), plus the CMG/DPB/GC "data encryption" (2.4.3) so a new project ID can
  carry freshly encoded protection state.
* ``module_stream`` / ``module_source``: module streams (2.3.4.3) without a
  PerformanceCache, i.e. "source only": Excel compiles such modules from source
  when the ``_VBA_PROJECT`` stream has version 0xFFFF (2.3.4.1).

The writer never invents binary layouts it cannot check: records it does not
need to change (references, project information) are carried over from a base
project taken from a real file.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

__all__ = [
    "OvbaError",
    "compress",
    "decompress",
    "Record",
    "parse_dir",
    "write_dir",
    "DirInfo",
    "ModuleInfo",
    "MODULE_PROCEDURAL",
    "MODULE_DOCUMENT",
    "build_dir",
    "module_stream",
    "module_source",
    "ProjectStream",
    "write_projectwm",
    "encrypt_data",
    "decrypt_data",
]


class OvbaError(ValueError):
    """A VBA project stream is malformed or a value cannot be encoded."""


# ---------------------------------------------------------------------------
# 2.4.1 Compression and decompression
# ---------------------------------------------------------------------------

_CHUNK = 4096


def _copy_token_help(difference: int) -> tuple[int, int, int]:
    """2.4.1.3.19.1 CopyToken Help: (length_mask, offset_mask, bit_count), and
    the maximum length is ``length_mask + 3``."""
    bit_count = 4
    while (1 << bit_count) < difference:
        bit_count += 1
    length_mask = 0xFFFF >> bit_count
    return length_mask, (~length_mask) & 0xFFFF, bit_count


def decompress(data: bytes) -> bytes:
    """Decompress a CompressedContainer (2.4.1.3.1)."""
    if not data or data[0] != 0x01:
        raise OvbaError("compressed container: signature byte is not 0x01")
    out = bytearray()
    pos = 1
    n = len(data)
    while pos < n:
        if pos + 2 > n:
            raise OvbaError(f"compressed container: truncated chunk header at {pos}")
        (header,) = struct.unpack_from("<H", data, pos)
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != 0b011:
            raise OvbaError(f"compressed container: bad chunk signature at {pos}")
        flag = header >> 15
        chunk_end = min(pos + size, n)
        pos += 2
        chunk_start_out = len(out)
        if flag == 0:
            out += data[pos : pos + 4096]
            pos += 4096
            continue
        while pos < chunk_end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not (flags >> bit) & 1:
                    out.append(data[pos])
                    pos += 1
                else:
                    if pos + 2 > chunk_end:
                        raise OvbaError("compressed container: truncated copy token")
                    (token,) = struct.unpack_from("<H", data, pos)
                    pos += 2
                    length_mask, offset_mask, bit_count = _copy_token_help(
                        len(out) - chunk_start_out
                    )
                    length = (token & length_mask) + 3
                    offset = ((token & offset_mask) >> (16 - bit_count)) + 1
                    src = len(out) - offset
                    if src < chunk_start_out:
                        raise OvbaError("compressed container: copy token before chunk")
                    for i in range(length):  # may overlap: byte by byte
                        out.append(out[src + i])
        pos = chunk_end
    return bytes(out)


def _compress_chunk(data: bytes, start: int, end: int, nearest: bool) -> bytes:
    """Compress ``data[start:end]`` (at most 4096 bytes) into one CompressedChunk
    (header included), per 2.4.1.3.7."""
    body = bytearray()
    heads: dict[bytes, list[int]] = {}  # 3-byte prefix -> positions, ascending
    cur = start
    budget = 4096  # CompressedEnd - (CompressedChunkStart + 2)
    while cur < end and len(body) < budget:
        flag_index = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if cur >= end or len(body) >= budget:
                break
            # 2.4.1.3.19.4 Matching: longest match, nearest candidate on ties.
            best_len = 0
            best_pos = -1
            if cur + 3 <= end:
                key = data[cur : cur + 3]
                cands = heads.get(key)
                if cands:
                    for cand in reversed(cands) if nearest else cands:
                        c, d = cand + 3, cur + 3
                        while d < end and data[c] == data[d]:
                            c += 1
                            d += 1
                        if d - cur > best_len:
                            best_len = d - cur
                            best_pos = cand
                            if d == end:  # cannot get longer
                                break
            if best_len >= 3:
                length_mask, _, bit_count = _copy_token_help(cur - start)
                length = min(best_len, length_mask + 3)
                offset = cur - best_pos
                token = ((offset - 1) << (16 - bit_count)) | (length - 3)
                body += struct.pack("<H", token)
                flags |= 1 << bit
                step = length
            else:
                body.append(data[cur])
                step = 1
            for p in range(cur, cur + step):
                if p + 3 <= end:
                    heads.setdefault(data[p : p + 3], []).append(p)
            cur += step
        body[flag_index] = flags
    if cur < end:
        # 2.4.1.3.10 Compressing a RawChunk: 4096 bytes, zero padded.
        raw = data[start:end] + b"\x00" * (_CHUNK - (end - start))
        return struct.pack("<H", 0x3000 | (_CHUNK - 1)) + raw
    size = len(body) + 2
    return struct.pack("<H", 0xB000 | (size - 3)) + bytes(body)


def compress(data: bytes, *, ties: str = "farthest") -> bytes:
    """Compress bytes into a CompressedContainer (2.4.1.3.6).

    Among equally long matches, the spec's pseudo-code (2.4.1.3.19.4) keeps the
    nearest candidate (``ties="nearest"``). The default, ``"farthest"``, keeps
    the earliest one, which is what the tool that wrote xlwings' quickstart
    add-in did: with it, that file's ``dir`` and ``xlwings`` streams are
    reproduced byte for byte. Both decompress to the same bytes.
    """
    if ties not in ("farthest", "nearest"):
        raise ValueError("ties must be 'farthest' or 'nearest'")
    data = bytes(data)
    out = bytearray(b"\x01")
    for start in range(0, len(data), _CHUNK):
        out += _compress_chunk(data, start, min(start + _CHUNK, len(data)), ties == "nearest")
    return bytes(out)


# ---------------------------------------------------------------------------
# 2.3.4.2 dir stream
# ---------------------------------------------------------------------------

PROJECTVERSION = 0x0009
MODULE_PROCEDURAL = 0x0021
MODULE_DOCUMENT = 0x0022  # document modules and class modules


@dataclass(frozen=True)
class Record:
    """One record of the dir stream: a 2-byte id, then the payload; the 4-byte
    size is derived on write. PROJECTVERSION is the one record whose size field
    (always 4) does not count its 6 payload bytes."""

    id: int
    payload: bytes = b""

    def to_bytes(self) -> bytes:
        if self.id == PROJECTVERSION:
            if len(self.payload) != 6:
                raise OvbaError("PROJECTVERSION payload must be 6 bytes")
            return struct.pack("<HI", self.id, 4) + self.payload
        return struct.pack("<HI", self.id, len(self.payload)) + self.payload


def parse_dir(decompressed: bytes) -> list[Record]:
    """Split a decompressed dir stream into records."""
    records = []
    pos = 0
    n = len(decompressed)
    while pos < n:
        if pos + 6 > n:
            raise OvbaError(f"dir stream: truncated record header at {pos}")
        rid, size = struct.unpack_from("<HI", decompressed, pos)
        pos += 6
        if rid == PROJECTVERSION:
            size = 6
        if pos + size > n:
            raise OvbaError(f"dir stream: record 0x{rid:04X} at {pos - 6} overruns")
        records.append(Record(rid, bytes(decompressed[pos : pos + size])))
        pos += size
    return records


def write_dir(records: list[Record]) -> bytes:
    """Serialize records (uncompressed); compress the result for the stream."""
    return b"".join(r.to_bytes() for r in records)


@dataclass
class ModuleInfo:
    """One module of the dir stream (2.3.4.2.3.2)."""

    name: str
    stream_name: str | None = None
    type: int = MODULE_PROCEDURAL
    docstring: str = ""
    text_offset: int = 0
    help_context: int = 0
    cookie: int = 0xFFFF
    read_only: bool = False
    private: bool = False

    @property
    def is_document(self) -> bool:
        return self.type == MODULE_DOCUMENT


@dataclass
class DirInfo:
    """Structured view of a dir stream: the records up to the modules section
    are kept verbatim (``head``), the modules are parsed."""

    head: list[Record]
    project_cookie: int
    modules: list[ModuleInfo] = field(default_factory=list)

    @property
    def codepage(self) -> int:
        for r in self.head:
            if r.id == 0x0003:
                return struct.unpack("<H", r.payload)[0]
        raise OvbaError("dir stream: no PROJECTCODEPAGE record")

    @property
    def encoding(self) -> str:
        return f"cp{self.codepage}"

    @property
    def project_name(self) -> str:
        for r in self.head:
            if r.id == 0x0004:
                return r.payload.decode(self.encoding)
        raise OvbaError("dir stream: no PROJECTNAME record")

    def with_project_name(self, name: str) -> "DirInfo":
        enc = self.encoding
        head = [Record(r.id, name.encode(enc)) if r.id == 0x0004 else r for r in self.head]
        return DirInfo(head, self.project_cookie, list(self.modules))

    @classmethod
    def parse(cls, records: list[Record]) -> "DirInfo":
        try:
            idx = next(i for i, r in enumerate(records) if r.id == 0x000F)
        except StopIteration:
            raise OvbaError("dir stream: no PROJECTMODULES record") from None
        head = records[:idx]
        count = struct.unpack("<H", records[idx].payload)[0]
        if records[idx + 1].id != 0x0013:
            raise OvbaError("dir stream: PROJECTCOOKIE expected after PROJECTMODULES")
        cookie = struct.unpack("<H", records[idx + 1].payload)[0]
        info = cls(head, cookie)
        enc = info.encoding
        mod: ModuleInfo | None = None
        for r in records[idx + 2 :]:
            p = r.payload
            if r.id == 0x0019:
                mod = ModuleInfo(name=p.decode(enc))
            elif mod is None:
                if r.id == 0x0010:
                    break
                raise OvbaError(f"dir stream: record 0x{r.id:04X} outside a module")
            elif r.id == 0x0047:
                mod.name = p.decode("utf-16-le")
            elif r.id == 0x001A:
                mod.stream_name = p.decode(enc)
            elif r.id == 0x0032:
                mod.stream_name = p.decode("utf-16-le")
            elif r.id == 0x001C:
                mod.docstring = p.decode(enc)
            elif r.id == 0x0048:
                mod.docstring = p.decode("utf-16-le")
            elif r.id == 0x0031:
                mod.text_offset = struct.unpack("<I", p)[0]
            elif r.id == 0x001E:
                mod.help_context = struct.unpack("<I", p)[0]
            elif r.id == 0x002C:
                mod.cookie = struct.unpack("<H", p)[0]
            elif r.id in (MODULE_PROCEDURAL, MODULE_DOCUMENT):
                mod.type = r.id
            elif r.id == 0x0025:
                mod.read_only = True
            elif r.id == 0x0028:
                mod.private = True
            elif r.id == 0x002B:
                info.modules.append(mod)
                mod = None
            else:
                raise OvbaError(f"dir stream: unknown module record 0x{r.id:04X}")
        if len(info.modules) != count:
            raise OvbaError(
                f"dir stream: PROJECTMODULES says {count} modules, found {len(info.modules)}"
            )
        return info

    def to_records(self) -> list[Record]:
        return build_dir(self.head, self.modules, self.project_cookie, self.encoding)


def _name_records(id_mbcs: int, id_unicode: int, text: str, enc: str) -> list[Record]:
    return [Record(id_mbcs, text.encode(enc)), Record(id_unicode, text.encode("utf-16-le"))]


def build_dir(
    head: list[Record], modules: list[ModuleInfo], project_cookie: int, encoding: str
) -> list[Record]:
    """Records of a dir stream: ``head`` (PROJECTINFORMATION and
    PROJECTREFERENCES), then PROJECTMODULES built from ``modules``, then the
    terminator."""
    recs = list(head)
    recs.append(Record(0x000F, struct.pack("<H", len(modules))))
    recs.append(Record(0x0013, struct.pack("<H", project_cookie)))
    for m in modules:
        try:
            name_mbcs = m.name.encode(encoding)
        except UnicodeEncodeError:
            raise OvbaError(f"module name {m.name!r} is not encodable in {encoding}") from None
        recs.append(Record(0x0019, name_mbcs))
        recs.append(Record(0x0047, m.name.encode("utf-16-le")))
        recs += _name_records(0x001A, 0x0032, m.stream_name or m.name, encoding)
        recs += _name_records(0x001C, 0x0048, m.docstring, encoding)
        recs.append(Record(0x0031, struct.pack("<I", m.text_offset)))
        recs.append(Record(0x001E, struct.pack("<I", m.help_context)))
        recs.append(Record(0x002C, struct.pack("<H", m.cookie)))
        recs.append(Record(m.type))
        if m.read_only:
            recs.append(Record(0x0025))
        if m.private:
            recs.append(Record(0x0028))
        recs.append(Record(0x002B))
    recs.append(Record(0x0010))
    return recs


# ---------------------------------------------------------------------------
# 2.3.4.3 module streams
# ---------------------------------------------------------------------------


def module_source(stream: bytes, text_offset: int, encoding: str) -> str:
    """The source text of a module stream (attributes included)."""
    return decompress(stream[text_offset:]).decode(encoding)


def module_stream(source: str, encoding: str) -> bytes:
    """A source-only module stream (no PerformanceCache; MODULEOFFSET 0)."""
    try:
        raw = source.encode(encoding)
    except UnicodeEncodeError as exc:
        raise OvbaError(f"module source is not encodable in {encoding}: {exc}") from None
    return compress(raw)


# ---------------------------------------------------------------------------
# 2.4.3 Data encryption (CMG, DPB, GC of the PROJECT stream)
# ---------------------------------------------------------------------------


def _proj_key(project_id: str) -> int:
    return sum(project_id.encode("ascii")) & 0xFF


def encrypt_data(data: bytes, project_id: str, seed: int) -> str:
    """2.4.3.2 Encryption; returns the hex string written to the PROJECT stream.
    ``seed`` makes it deterministic (Office uses a random byte)."""
    version = 2
    proj_key = _proj_key(project_id)
    out = bytearray()
    out.append(seed & 0xFF)
    version_enc = seed ^ version
    out.append(version_enc)
    proj_key_enc = seed ^ proj_key
    out.append(proj_key_enc)
    unencrypted_byte1 = proj_key
    encrypted_byte1 = proj_key_enc
    encrypted_byte2 = version_enc
    ignored_length = (seed & 6) // 2
    for _ in range(ignored_length):
        temp_value = 7  # any value; fixed for reproducibility
        byte_enc = temp_value ^ ((encrypted_byte2 + unencrypted_byte1) & 0xFF)
        out.append(byte_enc)
        encrypted_byte2 = encrypted_byte1
        encrypted_byte1 = byte_enc
        unencrypted_byte1 = temp_value
    for byte in struct.pack("<I", len(data)) + bytes(data):
        byte_enc = byte ^ ((encrypted_byte2 + unencrypted_byte1) & 0xFF)
        out.append(byte_enc)
        encrypted_byte2 = encrypted_byte1
        encrypted_byte1 = byte_enc
        unencrypted_byte1 = byte
    return out.hex().upper()


def decrypt_data(hex_text: str, project_id: str | None = None) -> bytes:
    """2.4.3.3 Decryption. If ``project_id`` is given, the embedded project key
    must match it."""
    enc = bytes.fromhex(hex_text)
    seed, version_enc, proj_key_enc = enc[0], enc[1], enc[2]
    if seed ^ version_enc != 2:
        raise OvbaError("encrypted data: version is not 2")
    proj_key = seed ^ proj_key_enc
    if project_id is not None and proj_key != _proj_key(project_id):
        raise OvbaError("encrypted data: project key does not match the project ID")
    unencrypted_byte1 = proj_key
    encrypted_byte1 = proj_key_enc
    encrypted_byte2 = version_enc
    ignored_length = (seed & 6) // 2
    pos = 3
    plain = bytearray()
    for byte_enc in enc[pos:]:
        byte = byte_enc ^ ((encrypted_byte2 + unencrypted_byte1) & 0xFF)
        plain.append(byte)
        encrypted_byte2 = encrypted_byte1
        encrypted_byte1 = byte_enc
        unencrypted_byte1 = byte
    plain = plain[ignored_length:]
    (length,) = struct.unpack_from("<I", plain, 0)
    data = bytes(plain[4 : 4 + length])
    if len(data) != length:
        raise OvbaError("encrypted data: shorter than its length field")
    return data


# ---------------------------------------------------------------------------
# 2.3.1 PROJECT stream and 2.3.3 PROJECTwm
# ---------------------------------------------------------------------------


@dataclass
class ProjectStream:
    """The PROJECT stream as ordered (key, value) properties plus the
    ``[Host Extender Info]`` and ``[Workspace]`` sections, each kept as lines."""

    properties: list[tuple[str, str]]
    sections: list[tuple[str, list[str]]]

    @classmethod
    def parse(cls, data: bytes, encoding: str = "cp1252") -> "ProjectStream":
        text = data.decode(encoding)
        props: list[tuple[str, str]] = []
        sections: list[tuple[str, list[str]]] = []
        current: list[str] | None = None
        for line in text.split("\r\n"):
            if line.startswith("[") and line.endswith("]"):
                current = []
                sections.append((line[1:-1], current))
            elif current is not None:
                if line:
                    current.append(line)
            elif line:
                key, sep, value = line.partition("=")
                if not sep:
                    raise OvbaError(f"PROJECT stream: line without '=': {line!r}")
                props.append((key, value))
        return cls(props, sections)

    def to_bytes(self, encoding: str = "cp1252") -> bytes:
        lines = [f"{k}={v}" for k, v in self.properties]
        for name, body in self.sections:
            lines.append("")
            lines.append(f"[{name}]")
            lines += body
        return ("\r\n".join(lines) + "\r\n\r\n").encode(encoding)

    def get(self, key: str) -> str | None:
        for k, v in self.properties:
            if k == key:
                return v
        return None

    def set(self, key: str, value: str) -> None:
        for i, (k, _) in enumerate(self.properties):
            if k == key:
                self.properties[i] = (key, value)
                return
        self.properties.append((key, value))

    def module_entries(self) -> list[tuple[str, str]]:
        """(kind, value) for Document=, Module=, Class=, BaseClass= lines."""
        return [(k, v) for k, v in self.properties if k in ("Document", "Module", "Class", "BaseClass", "Package")]

    def with_modules(self, entries: list[tuple[str, str]]) -> "ProjectStream":
        """Replace the module lines, keeping them before the other properties
        (after ID=) as Office writes them."""
        kinds = ("Document", "Module", "Class", "BaseClass")
        others = [(k, v) for k, v in self.properties if k not in kinds]
        id_part = [p for p in others if p[0] == "ID"]
        rest = [p for p in others if p[0] != "ID"]
        return ProjectStream(id_part + list(entries) + rest, [(n, list(b)) for n, b in self.sections])


def write_projectwm(names: list[str], encoding: str = "cp1252") -> bytes:
    """PROJECTwm (2.3.3): each module name in MBCS and UTF-16, then 0x0000."""
    out = bytearray()
    for name in names:
        out += name.encode(encoding) + b"\x00"
        out += name.encode("utf-16-le") + b"\x00\x00"
    out += b"\x00\x00"
    return bytes(out)
