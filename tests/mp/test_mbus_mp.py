# mp-heap: 320k
# Wired M-Bus long frames on real MicroPython: checksums, segment reassembly,
# the Sagemcom L-overflow quirk, the streaming framer, GBT, and the Reader
# detecting M-Bus and decrypting (Netz NOe sample key) to asserted values.
import mptest
from protocols import gbt, mbus
from protocols.apdu import BlockTransfer
from protocols.decoder import Reader
from protocols.errors import HanError
from protocols.security import make_decryptor


read_hex = mptest.read_hex


NAMES = ("els-single-segment-kmswest.hex", "netznoe-kaifa-ma309m-sample.hex",
         "sagemcom-t210d-gh155-2.hex", "stoen-kaifa-ma309-gh905-1.hex")
SEGMENTS = (1, 2, 2, 2)
APDU_LEN = (11 + 0x4D, 260, 0, 13 + 0x155)  # 0: not checked


def test_frames_checksums_and_reassembly():
    for name, nseg, alen in zip(NAMES, SEGMENTS, APDU_LEN):
        data = read_hex("mbus/" + name)
        frames = mbus.parse_frames(data)
        assert len(frames) == nseg, name
        apdu = mbus.reassemble(frames)
        assert apdu[0] == 0xDB and apdu[1] == 8, name
        if alen:
            assert len(apdu) == alen, (name, len(apdu))


def test_sagemcom_l_overflow():
    data = read_hex("mbus/sagemcom-t210d-gh155-2.hex")
    assert data[1] == 1 and data[2] == 1
    f, p = mbus.parse_frame(data)
    assert f.size == 263 and p == 263 and f.segment == 0 and not f.last


def test_bad_checksum_rejected():
    data = bytearray(read_hex("mbus/netznoe-kaifa-ma309m-sample.hex"))
    data[20] ^= 0x01
    try:
        mbus.parse_frames(data)
    except HanError as e:
        assert e.kind == "checksum", e.kind
    else:
        raise AssertionError("no checksum error")


def test_framer_stream_chunks_and_garbage():
    blob = bytearray()
    for name in NAMES:
        blob += b"\x68\x00\x16 noise \x68\x05\x05"  # false starts
        blob += read_hex("mbus/" + name)
    for step in (1, 5, 100, 4000):
        f = mbus.MbusFramer()
        out = []
        for i in range(0, len(blob), step):
            out += f.feed(blob[i : i + step])
        f.flush()
        assert len(out) == 4, (step, len(out), f.counters())
        assert f.segments == 7


def test_segment_gap_rejected():
    data = read_hex("mbus/stoen-kaifa-ma309-gh905-1.hex")
    frames = mbus.parse_frames(data)
    second = data[frames[0].size :]
    f = mbus.MbusFramer()
    assert f.feed(second) == []  # a continuation without its start
    assert f.format_errors == 1
    assert len(f.feed(data)) == 1


def test_gbt_assembler():
    g = gbt.GbtAssembler()
    assert g.add(BlockTransfer(False, True, 1, 1, 0, b"\x0f\x00")) is None
    assert g.add(BlockTransfer(True, True, 1, 2, 0, b"\x01\x02")) == b"\x0f\x00\x01\x02"
    g.add(BlockTransfer(False, True, 1, 1, 0, b"ab"))
    try:
        g.add(BlockTransfer(True, True, 1, 3, 0, b"cd"))
    except HanError as e:
        assert e.kind == "format"
    else:
        raise AssertionError("gap not detected")


def test_reader_detects_mbus_and_decrypts():
    data = read_hex("mbus/netznoe-kaifa-ma309m-sample.hex")
    r = Reader(decrypt=make_decryptor("36C66639E48A8CA4D6BC8B282A793BBB"))
    out = r.feed(b"\x00\x00" + data)
    assert r.protocol == "mbus"
    assert len(out) == 1
    x = out[0]
    assert x["1-0:1.8.0.255"] == 12937
    assert x["1-0:32.7.0.255"] == 233.7
    assert x.meter.id == "181220000009"
    assert x.time_text == "2021-09-27T09:47:15+02:00"
    assert x.frame_counter == 35 and x.authenticated is False
    # the same frames again: the counter did not move forward
    assert r.feed(data) == [] and r.replays == 1
    assert r.status()[0] == "replay"


def test_reader_no_key_and_wrong_key_status():
    data = read_hex("mbus/stoen-kaifa-ma309-gh905-1.hex")
    r = Reader()
    assert r.status()[0] == "no_data"
    r.feed(b"\x55" * 300)
    assert r.status()[0] == "no_frames"
    r.feed(data)
    assert r.status()[0] == "encrypted", r.status()
    r = Reader(decrypt=make_decryptor("00" * 16))
    r.feed(data)
    assert r.status()[0] == "wrong_key", r.status()
    assert dict(r.counters())["key_errors"] == 1


if __name__ == "__main__":
    mptest.main(globals())
