"""HDLC type 3: parse, build, and the streaming framer (digest section 2)."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capture_data import hdlc_frames, plain_cases
from protocols.errors import FcsError, FormatError, HcsError, LengthError, TruncatedError
from protocols.hdlc import HdlcFramer, build_frame, encode_address, parse_frame, strip_llc

FRAMES = hdlc_frames()
# Aidon list 2 from the Aidon HAN interface description v11A §3.3.1 (digest 2.8).
AIDON = FRAMES[[n for n, _, _ in plain_cases()].index("aidon/doc-example-list2.hex")]


def test_parse_aidon_doc_frame_fields():
    f = parse_frame(AIDON)
    assert (f.dest, f.src, f.control, f.segmented) == (0x20, (0x04 << 7) | 0x41, 0x13, False)
    assert len(AIDON) == 212 and len(f.info) == 200
    assert f.info[:3] == b"\xe6\xe7\x00" and f.apdu[:1] == b"\x0f"


@pytest.mark.parametrize("frame", FRAMES)
def test_every_capture_rebuilds_byte_exact(frame):
    f = parse_frame(frame)
    # Recover the address bytes as sent, then rebuild the frame around info.
    n = 3
    while not frame[n] & 1:
        n += 1
    dest = frame[3 : n + 1]
    m = n + 1
    while not frame[m] & 1:
        m += 1
    src = frame[n + 1 : m + 1]
    assert build_frame(f.info, dest, src, f.control, f.segmented) == frame


def test_encode_address():
    assert encode_address(0x20) == b"\x41"
    assert encode_address((0x04 << 7) | 0x41, 2) == b"\x08\x83"
    assert encode_address(16) == b"\x21"


@pytest.mark.parametrize(
    "mutate,err",
    [
        (lambda b: b.__setitem__(7, b[7] ^ 1), HcsError),
        (lambda b: b.__setitem__(100, b[100] ^ 0x10), FcsError),
        (lambda b: b.__setitem__(-2, b[-2] ^ 1), FcsError),
        (lambda b: b.__setitem__(0, 0x7D), FormatError),
        (lambda b: b.__setitem__(-1, 0x00), LengthError),
    ],
)
def test_parse_rejects_with_specific_error(mutate, err):
    b = bytearray(AIDON)
    mutate(b)
    with pytest.raises(err):
        parse_frame(bytes(b))


def test_parse_truncated_and_messages():
    with pytest.raises(TruncatedError) as e:
        parse_frame(AIDON[:100])
    assert "needs 212 bytes, input has 100" in str(e.value)
    b = bytearray(AIDON)
    b[100] ^= 0x10
    with pytest.raises(FcsError) as e:
        parse_frame(bytes(b))
    assert str(e.value).startswith("frame check sequence: expected 0x") and "found 0xC4E0" in str(e.value)


def test_strip_llc_only_when_present():
    assert strip_llc(b"\xe6\xe7\x00\x0f") == b"\x0f"
    assert strip_llc(b"\xff\xe7\x00\x0f") == b"\x0f"
    assert strip_llc(b"\x0f\x00") == b"\x0f\x00"


# -- the framer -------------------------------------------------------------


def feed_all(framer, data, sizes):
    out = []
    i = 0
    for s in sizes:
        out += framer.feed(data[i : i + s])
        i += s
    out += framer.feed(data[i:])
    return out


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(1, 300), max_size=40), st.randoms(use_true_random=False))
def test_any_split_yields_the_same_frames(sizes, rnd):
    stream = b"".join(rnd.choice(FRAMES) for _ in range(6))
    ref = [f.info for f in HdlcFramer().feed(stream)]
    got = [f.info for f in feed_all(HdlcFramer(), stream, sizes)]
    assert got == ref and len(ref) == 6


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=80), min_size=4, max_size=4), st.randoms(use_true_random=False))
def test_frames_between_garbage_are_all_recovered(garbage, rnd):
    picks = [rnd.choice(FRAMES) for _ in range(3)]
    stream = garbage[0] + picks[0] + garbage[1] + picks[1] + garbage[2] + picks[2] + garbage[3]
    fr = HdlcFramer()
    got = [f.info for f in feed_all(fr, stream, [rnd.randint(1, 64) for _ in range(200)])]
    want = [parse_frame(p).info for p in picks]
    # Garbage can by chance hold a valid frame only with a 2^-32 CRC match.
    assert got == want
    assert fr.accepted == 3


@settings(max_examples=400)
@given(st.integers(0, 212 * 8 - 1))
def test_a_flipped_bit_is_never_decoded(bit):
    b = bytearray(AIDON)
    b[bit // 8] ^= 1 << (bit % 8)
    fr = HdlcFramer()
    got = fr.feed(bytes(b) + AIDON)
    fr.flush()
    # Only the intact copy comes out; the damaged one is rejected or not a frame.
    assert [f.info for f in got] == [parse_frame(AIDON).info]


def test_bad_length_field_does_not_swallow_good_frames():
    # A header claiming 2000 bytes (its HCS made valid) followed by good frames.
    info = b"\xe6\xe7\x00"
    hdr = bytearray(build_frame(info))
    bogus = bytearray(hdr[:9])
    bogus[1] = 0xA7
    bogus[2] = 0xD0
    from protocols.crc import crc16_x25

    c = crc16_x25(bogus[1:7])
    bogus[7], bogus[8] = c & 0xFF, c >> 8
    fr = HdlcFramer(max_frame=2049)
    got = fr.feed(bytes(bogus) + AIDON + AIDON + b"\x00" * 2100)
    assert len(got) == 2
    assert fr.length_errors == 1


def test_counters_and_shared_flags():
    fr = HdlcFramer()
    garbage = b"\x01\x02\x03"
    shared = AIDON + AIDON[1:]  # the closing flag doubles as the next opening flag
    got = fr.feed(garbage + shared + b"\x7e\x7e" + AIDON)
    assert len(got) == 3
    # Every byte outside an accepted frame is counted: the garbage and the
    # two extra flags between the frames (issue 12 item 3).
    assert fr.accepted == 3 and fr.discarded == 3 + 2 and fr.rejected == 0
    bad = bytearray(AIDON)
    bad[50] ^= 0xFF
    fr.feed(bytes(bad))
    assert fr.fcs_errors == 1 and fr.rejected == 1
    # All but its closing flag, which is kept: it may open the next frame.
    assert fr.discarded == 5 + len(AIDON) - 1


def test_on_reject_reports_kind_and_reason():
    seen = []
    fr = HdlcFramer(on_reject=seen.append)
    bad = bytearray(AIDON)
    bad[7] ^= 1
    fr.feed(bytes(bad) + AIDON[:150])
    fr.flush()
    assert [e.kind for e in seen] == ["hcs", "truncated"]
    assert "input ends inside a frame: 150 of 212 bytes" in str(seen[1])
    assert fr.truncated == 1


def test_oversize_is_counted_and_skipped():
    big = build_frame(b"\xe6\xe7\x00" + bytes(1500))
    fr = HdlcFramer(max_frame=1024)
    got = fr.feed(big + AIDON)
    assert len(got) == 1 and fr.oversize == 1


def test_buffer_never_grows():
    fr = HdlcFramer(max_frame=1024)
    cap = len(fr._buf)
    rnd = random.Random(7)
    for _ in range(200):
        fr.feed(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 3000))))
        assert len(fr._buf) == cap and fr._n <= cap
    assert len(fr.feed(AIDON)) == 1


def test_megabyte_feed():
    fr = HdlcFramer()
    got = fr.feed(AIDON * 5000)
    assert len(got) == 5000 and fr.discarded == 0


def test_segmented_frames_are_reassembled():
    apdu = parse_frame(AIDON).info
    parts = [apdu[:70], apdu[70:140], apdu[140:]]
    frames = [build_frame(p, segmented=i < 2) for i, p in enumerate(parts)]
    fr = HdlcFramer()
    got = fr.feed(b"".join(frames) + AIDON)
    assert len(got) == 2
    assert got[0].info == apdu and got[0].segments == 3
    assert fr.segments == 3


def test_broken_segment_sequence_is_abandoned():
    apdu = parse_frame(AIDON).info
    first = build_frame(apdu[:100], segmented=True)
    second = bytearray(build_frame(apdu[100:]))
    second[20] ^= 1
    fr = HdlcFramer()
    got = fr.feed(first + bytes(second) + AIDON)
    assert [f.info for f in got] == [apdu]
    assert fr.fcs_errors == 1


def _broken_stream():
    """Three real frames, the second with its FCS broken, after 5 bytes of noise."""
    name, frame, _ = plain_cases()[0]
    bad = bytearray(frame)
    bad[-2] ^= 0xFF  # FCS low byte
    return b"\x00\x11\x22\x33\x44" + frame + bytes(bad) + frame, len(frame)


def test_reader_holds_rejects_until_the_lock_with_stream_offsets():
    from protocols.decoder import Reader

    data, n = _broken_stream()
    got = []
    r = Reader(on_reject=got.append)
    # The noise and the good frame: the HDLC framer locks, nothing rejected.
    assert len(r.feed(data[: 5 + n])) == 1 and r.protocol == "hdlc"
    assert len(r.feed(data[5 + n :])) == 1
    assert [(e.kind, e.stream_offset) for e in got] == [("fcs", 5 + n)]


def test_reader_reports_held_rejects_at_flush_when_nothing_locked():
    from protocols.decoder import Reader

    data, n = _broken_stream()
    bad_only = data[5 + n : 5 + 2 * n]  # just the broken frame, four times
    got = []
    r = Reader(on_reject=got.append, pending=3)
    assert r.feed(bad_only * 4) == [] and r.protocol is None
    assert got == []  # held while the protocol is unknown
    r.flush()
    assert [(e.kind, e.stream_offset) for e in got] == [("fcs", 0), ("fcs", n), ("fcs", 2 * n)]
    r.flush()
    assert len(got) == 3  # reported once
