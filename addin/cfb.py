"""A small, deterministic writer for [MS-CFB] compound files (version 3,
512-byte sectors), enough for a ``vbaProject.bin``. Reading uses olefile.

Layout written (all chains contiguous, so the file is easy to check by eye):
header, mini stream sectors, regular stream sectors, mini FAT, directory, FAT.
Timestamps and CLSIDs are zero, the red-black trees are written all black
(MS-CFB 2.6.4 allows it: the tree is then a plain binary search tree), so the
same input always gives the same bytes.
"""
from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from typing import Mapping

__all__ = ["CfbError", "write_cfb", "read_cfb"]

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
ENTRY = 128
MAXREGSECT = 0xFFFFFFFA
FATSECT = 0xFFFFFFFD
ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
NOSTREAM = 0xFFFFFFFF
SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


class CfbError(ValueError):
    """The tree cannot be written as a compound file."""


@dataclass
class _Node:
    name: str
    is_storage: bool
    data: bytes = b""
    children: dict[str, "_Node"] = field(default_factory=dict)
    sid: int = -1
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    start: int = ENDOFCHAIN
    size: int = 0


def _sort_key(name: str) -> tuple[int, str]:
    # MS-CFB 2.6.4: shorter names first, then upper-cased code point order.
    return (len(name), name.upper())


def _check_name(name: str) -> None:
    if not name or len(name) > 31:
        raise CfbError(f"entry name {name!r} must have 1 to 31 characters")
    if any(ch in name for ch in "/\\:!"):
        raise CfbError(f"entry name {name!r} contains a forbidden character")


def _build_tree(streams: Mapping[str, bytes]) -> _Node:
    root = _Node("Root Entry", True)
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            _check_name(part)
            nxt = node.children.get(part)
            if nxt is None:
                nxt = node.children[part] = _Node(part, True)
            elif not nxt.is_storage:
                raise CfbError(f"{path}: {part} is a stream, not a storage")
            node = nxt
        _check_name(parts[-1])
        if parts[-1] in node.children:
            raise CfbError(f"duplicate entry {path}")
        node.children[parts[-1]] = _Node(parts[-1], False, bytes(data))
    return root


def _number(node: _Node, order: list[_Node]) -> None:
    """Assign stream IDs depth first and link each storage's children as a
    balanced binary search tree."""
    kids = sorted(node.children.values(), key=lambda n: _sort_key(n.name))
    keys = [_sort_key(k.name) for k in kids]
    if len(set(keys)) != len(keys):
        raise CfbError(f"names under {node.name!r} collide case-insensitively")
    for kid in kids:
        kid.sid = len(order)
        order.append(kid)

    def link(lo: int, hi: int) -> int:
        if lo >= hi:
            return NOSTREAM
        mid = (lo + hi) // 2
        kids[mid].left = link(lo, mid)
        kids[mid].right = link(mid + 1, hi)
        return kids[mid].sid

    node.child = link(0, len(kids))
    for kid in kids:
        if kid.is_storage:
            _number(kid, order)


def _sectors(n_bytes: int, unit: int) -> int:
    return (n_bytes + unit - 1) // unit


def write_cfb(streams: Mapping[str, bytes]) -> bytes:
    """Write a compound file holding ``streams`` ({"VBA/dir": b"...", ...});
    storages are implied by the paths. Streams are written in sorted path
    order, so the output depends only on the mapping's content."""
    root = _build_tree(dict(sorted(streams.items())))
    root.sid = 0
    order: list[_Node] = [root]
    _number(root, order)
    stream_nodes = [n for n in order if not n.is_storage]

    # Mini stream: every stream smaller than the cutoff.
    minifat: list[int] = []
    mini = bytearray()
    for n in stream_nodes:
        n.size = len(n.data)
        if n.size == 0:
            n.start = ENDOFCHAIN
            continue
        if n.size < MINI_CUTOFF:
            count = _sectors(n.size, MINI_SECTOR)
            n.start = len(minifat)
            minifat += list(range(n.start + 1, n.start + count)) + [ENDOFCHAIN]
            mini += n.data + b"\x00" * (count * MINI_SECTOR - n.size)

    fat: list[int] = []
    body = bytearray()

    def alloc(data: bytes) -> int:
        if not data:
            return ENDOFCHAIN
        count = _sectors(len(data), SECTOR)
        start = len(fat)
        fat.extend(list(range(start + 1, start + count)) + [ENDOFCHAIN])
        body.extend(data + b"\x00" * (count * SECTOR - len(data)))
        return start

    root.start = alloc(bytes(mini))
    root.size = len(mini)
    for n in stream_nodes:
        if n.size >= MINI_CUTOFF:
            n.start = alloc(n.data)
    minifat_bytes = b"".join(struct.pack("<I", v) for v in minifat)
    n_minifat = _sectors(len(minifat_bytes), SECTOR)
    first_minifat = alloc(minifat_bytes + b"\xff" * (n_minifat * SECTOR - len(minifat_bytes)))

    entries = bytearray()
    for n in order:
        name = n.name.encode("utf-16-le") + b"\x00\x00"
        etype = 5 if n is root else (1 if n.is_storage else 2)
        entries += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name,
            len(name),
            etype,
            1,  # black
            n.left,
            n.right,
            n.child if n.is_storage else NOSTREAM,
            b"\x00" * 16,
            0,
            0,
            0,
            n.start if (not n.is_storage or n is root) else 0,
            n.size if (not n.is_storage or n is root) else 0,
        )
    while len(entries) % SECTOR:
        entries += struct.pack(
            "<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM,
            b"\x00" * 16, 0, 0, 0, 0, 0,
        )
    first_dir = alloc(bytes(entries))

    # FAT sectors describe themselves too.
    n_fat = 1
    while len(fat) + n_fat > n_fat * (SECTOR // 4):
        n_fat += 1
    if n_fat > 109:
        raise CfbError("file too large for a header-only DIFAT (over ~7 MB)")
    fat_start = len(fat)
    fat.extend([FATSECT] * n_fat)
    fat.extend([FREESECT] * (n_fat * (SECTOR // 4) - len(fat)))
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat)
    if len(fat) > MAXREGSECT:
        raise CfbError("too many sectors")

    difat = [fat_start + i for i in range(n_fat)] + [FREESECT] * (109 - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        SIGNATURE,
        b"\x00" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        b"\x00" * 6,
        0,  # directory sectors (must be 0 in version 3)
        n_fat,
        first_dir,
        0,  # transaction signature
        MINI_CUTOFF,
        first_minifat if minifat else ENDOFCHAIN,
        n_minifat,
        ENDOFCHAIN,  # first DIFAT sector
        0,
    ) + b"".join(struct.pack("<I", v) for v in difat)
    assert len(header) == SECTOR
    return header + bytes(body) + fat_bytes


def read_cfb(data: bytes) -> dict[str, bytes]:
    """All streams of a compound file, by "/"-joined path (uses olefile)."""
    import olefile

    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        return {"/".join(p): ole.openstream(p).read() for p in ole.listdir(streams=True)}
