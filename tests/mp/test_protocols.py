# mp-heap: 512k
# The shared core under real MicroPython: the same checks as the CPython
# suite's core tests, on the webassembly VM (32-bit) and the unix port.
# (256k: this module compiles protocols from source inside the VM; the
# firmware's 64k figure is measured on precompiled .mpy, see tools/bench.)
import json

import mptest
from protocols import axdr
from protocols.apdu import parse_apdu
from protocols.crc import crc16_arc, crc16_x25
from protocols.decoder import Reader, decode_apdu, decode_frame
from protocols.errors import (
    FcsError,
    FormatError,
    HanError,
    HcsError,
    TooDeepError,
    TruncatedError,
    UnsupportedTagError,
)
from protocols.hdlc import HdlcFramer, build_frame, parse_frame

H = bytes.fromhex


read_hex = mptest.read_hex


def load_expected(folder):
    return json.loads(mptest.read_data(folder + "/expected.json"))


AIDON = read_hex("aidon/doc-example-list2.hex")


def test_crc_check_values():
    assert crc16_x25(b"123456789") == 0x906E
    assert crc16_arc(b"123456789") == 0xBB3D
    assert crc16_x25(H("A0D241088313")) == 0xD682


def test_parse_and_build_frame():
    f = parse_frame(AIDON)
    assert f.dest == 0x20 and f.control == 0x13 and len(f.info) == 200
    assert build_frame(f.info, b"\x41", b"\x08\x83", 0x13) == AIDON


def test_frame_errors_have_kinds():
    b = bytearray(AIDON)
    b[7] ^= 1
    e = mptest.assert_raises(HcsError, parse_frame, bytes(b))
    assert e.kind == "hcs"
    b = bytearray(AIDON)
    b[100] ^= 1
    e = mptest.assert_raises(FcsError, parse_frame, bytes(b))
    assert "found 0xC4E0" in str(e)
    mptest.assert_raises(TruncatedError, parse_frame, AIDON[:50])


def test_framer_any_split_and_garbage():
    stream = b"\x00\x7e\x01" + AIDON + b"garbage\x7e\x7e" + AIDON + AIDON[1:] + b"\xff" * 5
    ref = [f.info for f in HdlcFramer().feed(stream)]
    assert len(ref) == 3
    seed = 12345
    for size in (1, 2, 3, 7, 64, 211, 500):
        fr = HdlcFramer()
        got = []
        i = 0
        while i < len(stream):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            k = 1 + seed % size
            got += fr.feed(stream[i : i + k])
            i += k
        assert [f.info for f in got] == ref, size
        assert fr.accepted == 3


def test_framer_buffer_is_fixed():
    fr = HdlcFramer(max_frame=512)
    cap = len(fr._buf)
    for _ in range(20):
        fr.feed(bytes(range(256)) * 3)
    assert len(fr._buf) == cap


def test_axdr_tags():
    v, _ = axdr.decode(H("0102020209060100010700FF06000005520203000FFF161B"))
    assert v == [(H("0100010700FF"), 1362), (None, -1, 27)]
    assert axdr.decode(H("10FFA6"))[0] == -90
    assert axdr.decode(H("14FFFFFFFFFFFFFFFF"))[0] == -1
    assert axdr.decode(H("15000000010000FFFF"))[0] == 0x10000FFFF
    assert axdr.decode(H("05FFFFFFFE"))[0] == -2
    assert axdr.decode(H("173FC00000"))[0] == 1.5
    assert axdr.decode(H("0A03414243"))[0] == "ABC"
    assert axdr.decode(H("09820003010203"))[0] == H("010203")
    mptest.assert_raises(UnsupportedTagError, axdr.decode, H("0700"))
    mptest.assert_raises(TooDeepError, axdr.decode, H("0201") * 40 + H("00"))
    mptest.assert_raises(TruncatedError, axdr.decode, H("060000"))
    mptest.assert_raises(FormatError, axdr.decode, H("098000"))


def test_datetime_forms():
    body = "02020906" + "0100010700FF" + "0600000552"
    dt = "07E5091B01092F0F00FF8880"
    for hdr, iso in (("00", None), ("0C" + dt, "2021-09-27T09:47:15+02:00"), ("090C" + dt, "2021-09-27T09:47:15+02:00")):
        n = parse_apdu(H("0F40000000" + hdr + body))
        assert (n.datetime.isoformat() if n.datetime else None) == iso


def _check_folder(folder):
    exp = load_expected(folder)
    names = sorted(exp.keys())
    for name in names:
        r = decode_frame(read_hex(folder + "/" + name))
        got = json.loads(r.to_json())
        want = exp[name]
        assert got["meter"] == want["meter"], name
        assert got["time"] == want["time"], name
        g = [(x["obis"], x["value"], x["unit"]) for x in got["registers"]]
        w = [(x["obis"], x["value"], x["unit"]) for x in want["registers"]]
        assert g == w, name
    return len(names)


def test_aidon_captures():
    assert _check_folder("aidon") >= 10


def test_kaifa_captures():
    assert _check_folder("kaifa") >= 10


def test_kamstrup_captures():
    assert _check_folder("kamstrup") >= 8


def test_malformed_captures_rejected_with_kind():
    exp = load_expected("malformed")
    for name in sorted(exp.keys()):
        try:
            decode_frame(read_hex("malformed/" + name))
        except HanError as e:
            assert e.kind == exp[name]["kind"], (name, e.kind)
        else:
            raise AssertionError("accepted " + name)


def test_reader_stream_counts():
    seen = []
    rd = Reader(on_reject=seen.append)
    bad = bytearray(AIDON)
    bad[60] ^= 4
    out = rd.feed(AIDON + bytes(bad) + b"noise" + AIDON)
    assert len(out) == 2 and out[0]["current_l1"] == 9.3
    c = dict(rd.counters())
    assert c["accepted"] == 2 and c["fcs_errors"] == 1
    assert [e.kind for e in seen] == ["fcs"]


def test_unknown_apdu_content_never_crashes():
    seed = 7
    for i in range(300):
        b = bytearray(parse_frame(AIDON).apdu)
        for _ in range(3):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            b[seed % len(b)] = (seed >> 8) & 0xFF
        try:
            decode_apdu(bytes(b)).to_json()
        except HanError:
            pass


if __name__ == "__main__":
    mptest.main(globals())
