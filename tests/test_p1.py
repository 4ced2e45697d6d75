"""P1 / DSMR / IEC 62056-21 mode D telegrams: decoding, CRC, the streaming framer."""

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hostlib
from capture_data import CAPTURES
from protocols.crc import crc16_arc
from protocols.decoder import Reader
from protocols.errors import HanError
from protocols.p1 import P1Framer, decode_telegram, parse_telegram

P1_DIR = os.path.join(CAPTURES, "p1")
with open(os.path.join(P1_DIR, "expected.json")) as f:
    EXPECTED = json.load(f)
GOOD = sorted(n for n, e in EXPECTED.items() if "error" not in e)
BAD = sorted(n for n, e in EXPECTED.items() if "error" in e)


def raw(name):
    with open(os.path.join(P1_DIR, name), "rb") as f:
        return f.read()


def framed(name):
    """The capture's telegram as the framer returns it: '/' up to the '!' line's end."""
    t = raw(name)
    k = t.index(b"\n", t.index(b"\n!") + 1)
    return t[: k + 1]


def triples(regs):
    return [(r["obis"], r["value"], r["unit"], r.get("time", "-")) for r in regs]


@pytest.mark.parametrize("name", GOOD)
def test_capture_decodes_to_expected(name):
    exp = EXPECTED[name]
    for r in (decode_telegram(raw(name)), hostlib.decode(raw(name))):
        got = json.loads(r.to_json())
        assert got["meter"] == exp["meter"]
        assert got["time"] == exp["time"]
        assert triples(got["registers"]) == triples(exp["registers"])


@pytest.mark.parametrize("name", BAD)
def test_bad_captures_rejected(name):
    with pytest.raises(HanError) as ei:
        hostlib.decode(raw(name))
    assert ei.value.kind == EXPECTED[name]["error"]
    if ei.value.kind == "checksum":
        decode_telegram(raw(name), verify=False)  # the body itself is fine
    else:
        assert ei.value.kind == "truncated" and b"\n!" not in raw(name)  # amsreader's gh264-1: cut short


def test_digest_example_crc_and_names():
    t = raw("aidon-6534-digest-example.txt")
    assert t.rstrip().endswith(b"!6438")
    assert crc16_arc(t[: t.index(b"!") + 1]) == 0x6438
    r = decode_telegram(t)
    assert r["active_energy_import"] == 12345678  # 12345.678 kWh, exactly
    assert r.register("active_energy_import").unit == "Wh"
    assert r.meter.manufacturer == "Aidon"


def test_multi_value_and_mbus_lines():
    r = decode_telegram(raw("dsmr50-iskra-mt382.txt"))
    gas = r.register("0-1:24.2.1.255")
    assert (gas.value, gas.unit, gas.name) == (0.107, "m3", "mbus_reading")
    assert gas.time == "2017-01-02T16:10:05+01:00"  # its own capture time
    assert r["1-0:99.97.0.255"] == 0  # event log: the count
    assert r["0-1:96.1.0.255"] == "2222ABCD123456789"  # hex-encoded id
    old = decode_telegram(raw("dsmr30-iskra-mt382.txt"))  # DSMR 3: value on its own line
    assert old.register("0-1:24.3.0.255").unit == "m3" and old["0-1:24.3.0.255"] == 1.001
    be = decode_telegram(raw("fluvius-be-emucs171.txt"))
    assert be["1-0:1.6.0.255"] == 2589  # (timestamp)(value*unit): 02.589 kW
    assert be.register("1-0:1.6.0.255").time == "2020-05-09T13:45:58+02:00"
    assert be.register("0-2:24.2.1.255").value == 872.234


def test_no_crc_telegrams():
    for name in ("dsmr22-iskra-mt382.txt", "dsmr30-iskra-mt382.txt"):
        assert parse_telegram(raw(name)).crc is None
    f = P1Framer(require_crc=True)
    assert f.feed(raw("dsmr22-iskra-mt382.txt")) == [] and f.format_errors == 1


def test_non_ascii_body_rejected():
    t = bytearray(raw("aidon-6534-digest-example.txt"))
    t[40] = 0xC3
    with pytest.raises(HanError) as ei:
        decode_telegram(bytes(t), verify=False)
    assert ei.value.kind == "format"
    f = P1Framer()
    assert f.feed(bytes(t) + raw("aidon-6534-digest-example.txt")) != []
    assert f.format_errors == 1


def test_framer_bounded_and_resync():
    f = P1Framer(max_frame=512)
    good = raw("aidon-6534-digest-example.txt")
    junk = b"/XYZ5 big\r\n" + b"1-0:1.8.0(1)\r\n" * 100
    out = f.feed(junk + b"\x00\x7e\xa0" + good + good[:50])
    assert len(out) == 1 and f.oversize == 1
    assert len(f._buf) == 512
    f.flush()
    assert f.truncated == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(GOOD + BAD), min_size=1, max_size=5),
       st.lists(st.binary(max_size=30), min_size=5, max_size=5),
       st.integers(1, 400))
def test_framer_stream_invariant(names, junk, step):
    # Any garbage between telegrams, any chunking: exactly the good telegrams come out.
    # (a cut telegram, amsreader's gh264-1, ends its line: a header in the middle
    # of a line ends a telegram only in the /XXX5 form, and /NWA-WARMTELINK is not)
    blob = b"".join(j.replace(b"/", b"") + raw(n) + (b"" if b"\n!" in raw(n) else b"\r\n")
                    for j, n in zip(junk, names))
    # (what a telegram is in the stream: up to its '!' line; EasyMeter's text after it is not)
    f = P1Framer()
    out = []
    for i in range(0, len(blob), step):
        out += f.feed(blob[i : i + step])
    f.flush()
    # Once the stream has shown a telegram with a CRC, one without is rejected.
    want = []
    crc_seen = False
    for n in names:
        if n in GOOD:
            has_crc = parse_telegram(raw(n)).crc is not None
            if has_crc or not crc_seen:
                want.append(framed(n))
            crc_seen = crc_seen or has_crc
    assert [bytes(t) for t in out] == want
    assert f.checksum_errors == sum(1 for n in names if n in BAD and EXPECTED[n]["error"] == "checksum")


def test_reader_detects_p1_among_protocols():
    r = Reader()
    out = r.feed(b"\xff\x00garbage" + raw("kamstrup-omnia-se-gh578-1.txt") + raw("kamstrup-omnia-se-gh578-1-badcrc.txt"))
    assert r.protocol == "p1" and len(out) == 1
    c = dict(r.counters())
    assert c["accepted"] == 1 and c["checksum_errors"] == 1 and c["readings"] == 1
