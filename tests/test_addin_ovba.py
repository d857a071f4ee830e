"""MS-OVBA and MS-CFB writers, checked against xlwings' real add-in."""
from __future__ import annotations

import io
import random
import zipfile

import olefile
import pytest

from salesplan.addin import build, cfb, ovba


@pytest.fixture(scope="module")
def base_bin() -> bytes:
    with zipfile.ZipFile(build.base_addin_path()) as zf:
        return zf.read("xl/vbaProject.bin")


@pytest.fixture(scope="module")
def base_streams(base_bin) -> dict[str, bytes]:
    with olefile.OleFileIO(io.BytesIO(base_bin)) as ole:
        return {"/".join(p): ole.openstream(p).read() for p in ole.listdir()}


# --- compression (2.4.1) ----------------------------------------------------

SAMPLES = [
    b"",
    b"a",
    b"abc",
    b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa",
    b"Attribute VB_Name = \"Module1\"\r\nSub Foo()\r\n    MsgBox \"Hi\"\r\nEnd Sub\r\n" * 200,
    bytes(range(256)) * 40,  # > one chunk, little redundancy inside 4096 bytes
]


@pytest.mark.parametrize("data", SAMPLES)
@pytest.mark.parametrize("ties", ["farthest", "nearest"])
def test_compress_roundtrip(data, ties):
    assert ovba.decompress(ovba.compress(data, ties=ties)) == data


def test_random_roundtrip():
    rng = random.Random(5)
    for _ in range(30):
        alphabet = bytes(rng.sample(range(256), rng.randint(1, 12)))
        data = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 9000)))
        assert ovba.decompress(ovba.compress(data)) == data


def test_incompressible_chunk_is_raw():
    rng = random.Random(1)
    data = bytes(rng.getrandbits(8) for _ in range(5000))
    out = ovba.compress(data)
    header = int.from_bytes(out[1:3], "little")
    assert header == 0x3FFF  # raw chunk, size 4096 + 2 - 3
    assert ovba.decompress(out)[: len(data)] == data


def test_decompress_rejects_garbage():
    with pytest.raises(ovba.OvbaError):
        ovba.decompress(b"\x02\x00")
    with pytest.raises(ovba.OvbaError):
        ovba.decompress(b"\x01\xff\x0f")  # bad chunk signature


# --- round trip of xlwings' base project -------------------------------------

def test_base_streams_written_by_a_tool_are_byte_identical(base_streams):
    # The dir and xlwings streams were written by xlwings' tooling, not Office:
    # our compressor reproduces them byte for byte.
    for name in ("VBA/dir", "VBA/xlwings"):
        raw = base_streams[name]
        assert ovba.compress(ovba.decompress(raw)) == raw, name


def test_base_dir_records_roundtrip(base_streams):
    dec = ovba.decompress(base_streams["VBA/dir"])
    records = ovba.parse_dir(dec)
    assert ovba.write_dir(records) == dec
    info = ovba.DirInfo.parse(records)
    assert ovba.write_dir(info.to_records()) == dec
    assert info.project_name == "MyAddin"
    assert [m.name for m in info.modules] == [
        "ThisWorkbook", "Dictionary", "RibbonMyAddin", "Sheet2", "xlwings"]


def test_base_project_rebuilt_by_our_writers(base_bin):
    """Decode every module of the base project, rebuild the project with our
    dir/module/PROJECT/CFB writers, and compare."""
    base = build.read_vba_project(base_bin)
    kinds = {"ThisWorkbook": "document", "Sheet2": "document", "Dictionary": "class"}
    modules = [
        build.VbaModule(m.name, kinds.get(m.name, "standard"), base.modules[m.name].source, m.docstring)
        for m in base.dir.modules
    ]
    project_id = base.project.get("ID").strip('"')
    rebuilt = build.read_vba_project(
        build.write_vba_project(base, modules, base.dir.project_name, project_id))
    # identical sources
    assert {n: m.source for n, m in rebuilt.modules.items()} == {
        n: m.source for n, m in base.modules.items()}
    # identical dir records, except MODULEOFFSET (we drop the p-code caches)
    def records(info, zero_offsets):
        recs = info.to_records()
        return [r if not (zero_offsets and r.id == 0x0031) else ovba.Record(0x0031, b"\0" * 4) for r in recs]
    assert records(rebuilt.dir, False) == records(base.dir, True)
    # identical PROJECT and PROJECTwm streams, same CMG/DPB/GC meaning
    assert rebuilt.streams["PROJECTwm"] == base.streams["PROJECTwm"]
    for key in ("CMG", "DPB", "GC"):
        assert ovba.decrypt_data(rebuilt.project.get(key).strip('"'), project_id) == \
            ovba.decrypt_data(base.project.get(key).strip('"'), project_id)
    assert rebuilt.streams["VBA/_VBA_PROJECT"] == base.streams["VBA/_VBA_PROJECT"]
    assert rebuilt.streams["VBA/dir"] == ovba.compress(ovba.write_dir(rebuilt.dir.to_records()))


def test_project_stream_roundtrip(base_streams):
    raw = base_streams["PROJECT"]
    assert ovba.ProjectStream.parse(raw).to_bytes() == raw
    assert ovba.write_projectwm(
        ["ThisWorkbook", "Dictionary", "RibbonMyAddin", "Sheet2", "xlwings"]) == base_streams["PROJECTwm"]


def test_data_encryption_roundtrip(base_streams):
    ps = ovba.ProjectStream.parse(base_streams["PROJECT"])
    pid = ps.get("ID").strip('"')
    assert ovba.decrypt_data(ps.get("CMG").strip('"'), pid) == b"\0\0\0\0"
    assert ovba.decrypt_data(ps.get("DPB").strip('"'), pid) == b"\0"  # no password
    assert ovba.decrypt_data(ps.get("GC").strip('"'), pid) == b"\xff"  # visible
    for seed in range(256):
        text = ovba.encrypt_data(b"\x12\x34", "{ABC}", seed)
        assert ovba.decrypt_data(text, "{ABC}") == b"\x12\x34"
    with pytest.raises(ovba.OvbaError):
        ovba.decrypt_data(ovba.encrypt_data(b"x", "{ABC}", 3), "{ABD}")


# --- compound file (MS-CFB) --------------------------------------------------

def test_cfb_roundtrip_of_base_is_exact_and_deterministic(base_streams):
    out = cfb.write_cfb(base_streams)
    assert cfb.read_cfb(out) == base_streams
    assert cfb.write_cfb(dict(reversed(list(base_streams.items())))) == out
    assert out[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    with olefile.OleFileIO(io.BytesIO(out)) as ole:
        assert ole.exists("VBA/dir") and ole.get_type("VBA") == olefile.STGTY_STORAGE
        assert ole.getmtime("VBA") is None


def test_cfb_big_small_empty_and_many_streams():
    streams = {"big": b"x" * 70000, "S/empty": b"", "S/edge": b"y" * 4096, "S/under": b"z" * 4095}
    streams.update({f"S/T/n{i:03d}": bytes([i % 256]) * (i * 53) for i in range(150)})
    assert cfb.read_cfb(cfb.write_cfb(streams)) == streams


def test_cfb_rejects_bad_names():
    with pytest.raises(cfb.CfbError):
        cfb.write_cfb({"x" * 32: b""})
    with pytest.raises(cfb.CfbError):
        cfb.write_cfb({"A": b"", "a": b""})
