# mp-heap: 512k
# P1 / DSMR telegrams on real MicroPython: every capture of tests/captures/p1
# decoded to its asserted registers, bad CRCs rejected, the streaming framer
# (garbage, split chunks, truncation) and the Reader's protocol detection.
import gc
import json

import mptest
from protocols.errors import HanError
from protocols.p1 import P1Framer, decode_telegram
from protocols.decoder import Reader


def expected():
    return json.loads(mptest.read_data("p1/expected.json"))


def test_captures_decode_to_expected():
    exp = expected()
    names = sorted(exp)
    for name in names:
        e = exp[name]
        data = mptest.read_data("p1/" + name)
        if "error" in e:
            try:
                decode_telegram(data)
            except HanError as err:
                assert err.kind == e["error"], (name, err.kind)
            else:
                raise AssertionError(name + ": expected an error")
            continue
        got = json.loads(decode_telegram(data).to_json())
        assert got["meter"] == e["meter"], (name, got["meter"])
        assert got["time"] == e["time"], (name, got["time"])
        g = got["registers"]
        x = e["registers"]
        assert len(g) == len(x), (name, len(g), len(x))
        for a, b in zip(g, x):
            assert (a["obis"], a["value"], a["unit"]) == (b["obis"], b["value"], b["unit"]), (name, a, b)
        got = g = x = data = None
        gc.collect()


def test_framer_garbage_and_chunks():
    # (the CRC-less DSMR 2.2 telegram first: after one with a CRC it would be rejected)
    names = ("dsmr22-iskra-mt382.txt", "dsmr50-iskra-mt382.txt", "dsmr50-iskra-mt382-badcrc.txt",
             "aidon-6534-se-95cb.txt", "kamstrup-omnia-se-gh578-1.txt", "dsmr22-iskra-mt382.txt")
    blob = bytearray()
    for n in names:
        blob += b"\x00\xff junk /"  # a '/' that is no header
        blob += mptest.read_data("p1/" + n)
    for step in (1, 7, 64, 1000):
        f = P1Framer(max_frame=2048)
        out = []
        for i in range(0, len(blob), step):
            out += f.feed(blob[i : i + step])
        f.flush()
        assert len(out) == 4, (step, len(out))
        assert f.checksum_errors == 1 and f.no_crc == 2 and f.format_errors == 1, f.counters()
        assert f.discarded > 0


def test_truncated_and_oversize():
    t = mptest.read_data("p1/aidon-6534-digest-example.txt")
    f = P1Framer(max_frame=256)
    out = f.feed(t[:60] + t)  # a telegram cut short by the next header
    assert len(out) == 1 and f.truncated == 1, f.counters()
    big = b"/ABC5 x\r\n\r\n" + b"1-0:1.8.0(1)\r\n" * 40
    out = f.feed(big + t)
    assert len(out) == 1 and f.oversize == 1, f.counters()


def test_reader_detects_p1():
    t = mptest.read_data("p1/lg-e360-se-gh382-1.txt")
    r = Reader()
    out = r.feed(b"\x13\x37" + t + t)
    assert r.protocol == "p1"
    assert len(out) == 2
    assert out[0]["1-0:1.7.0.255"] == 4190  # 0004.190 kW, in W
    assert r.status()[0] == "ok"


if __name__ == "__main__":
    mptest.main(globals())
