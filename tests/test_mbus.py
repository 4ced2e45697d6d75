"""Wired M-Bus long frames carrying DLMS: checksums, segments, the L-overflow quirk, streaming, GBT."""

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hostlib
from capture_data import CAPTURES, read_hex
from hostlib.crypto import Decryptor
from protocols import gbt, mbus
from protocols.apdu import parse_apdu
from protocols.decoder import Reader
from protocols.errors import HanError

MB = os.path.join(CAPTURES, "mbus")
NAMES = sorted(n for n in os.listdir(MB) if n.endswith(".hex"))
with open(os.path.join(MB, "keys.json")) as f:
    KEYS = json.load(f)


def data(name):
    return read_hex(os.path.join(MB, name))


def build(apdu, seg_size=245, control=0x53):
    """M-Bus long frames for ``apdu`` (the inverse of reassemble)."""
    out = b""
    parts = [apdu[i : i + seg_size] for i in range(0, len(apdu), seg_size)] or [b""]
    for i, p in enumerate(parts):
        ci = (i & 0x0F) | (0x10 if i == len(parts) - 1 else 0)
        body = bytes((control, 0xFF, ci, 0x01, 0x67)) + p
        out += bytes((0x68, len(body) & 0xFF, len(body) & 0xFF, 0x68)) + body + bytes((sum(body) & 0xFF, 0x16))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_capture_frames(name):
    frames = mbus.parse_frames(data(name))
    assert frames[-1].last and all(not f.last for f in frames[:-1])
    apdu = mbus.reassemble(frames)
    c = parse_apdu(apdu)
    assert c.tag == 0xDB
    assert build(apdu, len(frames[0].data)) == data(name)


def test_sagemcom_overflow_and_checksum():
    d = data("sagemcom-t210d-gh155-2.hex")
    f, p = mbus.parse_frame(d)
    assert (d[1], len(f.data), p) == (1, 252, 263)
    bad = bytearray(d)
    bad[100] ^= 0xFF
    with pytest.raises(HanError) as ei:
        mbus.parse_frames(bytes(bad))
    assert ei.value.kind == "checksum"


def test_errors():
    d = data("netznoe-kaifa-ma309m-sample.hex")
    with pytest.raises(HanError) as ei:
        mbus.parse_frame(d[:100])
    assert ei.value.kind == "truncated"
    bad = bytearray(d)
    bad[2] ^= 1
    with pytest.raises(HanError) as ei:
        mbus.parse_frame(bytes(bad))
    assert ei.value.kind == "length"
    frames = mbus.parse_frames(d)
    with pytest.raises(HanError):
        mbus.reassemble(frames[1:])
    with pytest.raises(HanError):
        mbus.reassemble(frames[:1])


@pytest.mark.parametrize("name", sorted(KEYS))
def test_decode_through_hostlib_and_reader(name):
    k = KEYS[name]
    r1 = hostlib.decode(data(name), key=k["key"])
    reader = Reader(decrypt=Decryptor(k["key"]))
    out = reader.feed(b"\x68\x16junk" + data(name))
    assert reader.protocol == "mbus" and len(out) == 1
    assert out[0].to_json() == r1.to_json()
    assert dict(reader.counters())["accepted"] == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4),
       st.lists(st.binary(max_size=20), min_size=4, max_size=4), st.integers(1, 300))
def test_framer_stream_invariant(names, junk, step):
    blob = b"".join(j.replace(b"\x68", b"") + data(n) for j, n in zip(junk, names))
    f = mbus.MbusFramer()
    out = []
    for i in range(0, len(blob), step):
        out += f.feed(blob[i : i + step])
    f.flush()
    assert [m.apdu for m in out] == [mbus.reassemble(mbus.parse_frames(data(n))) for n in names]
    assert f.rejected == 0


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=1, max_size=1500), st.integers(20, 250))
def test_build_reassemble_roundtrip(apdu, seg):
    frames = mbus.parse_frames(build(apdu, seg))
    assert mbus.reassemble(frames) == apdu
    f = mbus.MbusFramer()
    assert [m.apdu for m in f.feed(build(apdu, seg))] == [apdu]


def test_gbt_lgz_via_hostlib():
    enc = os.path.join(CAPTURES, "encrypted")
    with open(os.path.join(enc, "keys.json")) as f:
        keys = json.load(f)
    k = keys["lg-e450-gbt-dlmsparser-2.hex"]
    r = hostlib.decode(read_hex(os.path.join(enc, "lg-e450-gbt-dlmsparser-2.hex")), key=k["key"], auth_key=k["auth_key"])
    assert r.authenticated is True and r["1-0:1.8.0.255"] > 0
    # blocks out of order: reported, not decoded
    g = gbt.GbtAssembler()
    with pytest.raises(HanError):
        g.add(parse_apdu(bytes.fromhex("E0C00003000002AABB")))
