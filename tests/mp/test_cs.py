# mp-heap: 320k
# cs (tests/mp/cs.py) running protocols.declarations on real MicroPython, checked
# against the lean path (hdlc / apdu / axdr) on the same bytes.
# (320k: the VM compiles cs.py and declarations.py from source, which needs
# far more heap than the modules keep; test_heap_kept prints what they keep.)
import gc

import mptest
import cs
from protocols import axdr, hdlc
from protocols import declarations as d
from protocols.apdu import parse_apdu
from protocols.cosem import BitString, Date, DateTime, Time

H = bytes.fromhex

# Digest 2.8: Aidon list 2, single phase (from the Aidon interface document).
AIDON = H(
    "7EA0D2410883" "1382D6E6E7000F40000000000109" "0202090601010002"
    "81FF0A0B4149444F4E5F56303030310202090600006001"
    "00FF0A1037333539393932383930393431373432020209060000600107FF0A0436353135"
    "02030906010001" "0700FF060000055202020F00161B020309060100020700FF060000000002020F00161B"
    "020309060100030700FF06000003E402020F00161D020309060100040700FF060000000002020F00161D"
    "0203090601001F0700FF10005D02020F" "FF1621020309060100200700FF1209C402020FFF1623E0C47E"
)
GREEN_BOOK = H("DB084D4D4D0000BC614E1E3001234567411312FF935A47566827C467BC7D825C3BE4A77C3FCC056B6B")

D = d.build(cs)


def test_aidon_frame_equals_lean_path():
    f = D.hdlc_frame.parse(AIDON)
    lean = hdlc.parse_frame(AIDON)
    got = d.frame_native(f)
    assert got == (lean.segmented, lean.dest, lean.src, lean.control, lean.info), got
    assert f.hcs == 0xD682 and f.fcs == 0xC4E0
    body = got[4][3:]
    n = D.data_notification.parse(body)
    fields = d.notification_native(n)
    ln = parse_apdu(body)
    assert fields == (ln.invoke_id, ln.datetime, ln.body, ln.datetime_form), fields
    assert fields[2][0][1] == "AIDON_V0001"
    assert fields[2][3] == (H("0100010700FF"), 1362, (0, 27))
    assert fields[2][7] == (H("01001F0700FF"), 93, (-1, 33))


def test_aidon_frame_builds_back():
    f = D.hdlc_frame.parse(AIDON)
    assert D.hdlc_frame.build(f) == AIDON  # from the parsed container
    h = f.header.value
    obj = d.frame(f.info, bytes(h.dest), bytes(h.src), h.control, h.segmented)
    assert D.hdlc_frame.build(obj) == AIDON  # from the helper
    body = f.info[3:]
    assert D.data_notification.build(D.data_notification.parse(body)) == body


def test_ciphered_green_book():
    p = D.ciphered_apdu.parse(GREEN_BOOK)
    c = parse_apdu(GREEN_BOOK)
    assert d.ciphered_native(p) == (c.tag, c.system_title, c.security_control, c.invocation_counter, c.ciphertext, c.auth_tag)
    assert D.ciphered_apdu.build(d.ciphered(p.system_title, 0x30, p.invocation_counter, p.ciphertext, p.auth_tag)) == GREEN_BOOK


def _same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (a != a and b != b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


VALUES = [
    d.T.null_data(),
    d.T.boolean(True),
    d.T.bit_string(12, b"\xab\xc0"),
    d.T.double_long(-5),
    d.T.double_long_unsigned(0xFFFFFFFF),
    d.T.octet_string(bytes(range(200))),  # 81 C8 length form
    d.T.visible_string("7359992890941742"),
    d.T.utf8_string("Måler æøå"),
    d.T.bcd(0x99),
    d.T.integer(-128),
    d.T.long(-32768),
    d.T.unsigned(255),
    d.T.long_unsigned(65535),
    d.T.long64(-(2**63)),
    d.T.long64_unsigned(2**64 - 1),
    d.T.enum(27),
    d.T.float32(1.5),
    d.T.float64(-2.25),
    d.T.date_time(H("07E5091B01092F0F00FF8880")),
    d.T.date(H("07E5091B01")),
    d.T.time(H("092F0F00")),
    d.T.array(*[d.T.unsigned(i) for i in range(130)]),  # 81 82 count
    d.T.structure(d.T.octet_string(H("0100010700FF")), d.T.double_long_unsigned(1362), d.T.structure(d.T.integer(0), d.T.enum(27))),
]


def test_axdr_values_roundtrip_and_equal_lean():
    for v in VALUES:
        blob = D.axdr_data.build(v)
        got = d.to_native(D.axdr_data.parse(blob))
        lean, end = axdr.decode(blob)
        assert end == len(blob)
        assert _same(got, lean), (blob, got, lean)
        assert D.axdr_data.build(D.axdr_data.parse(blob)) == blob
    assert axdr.decode(D.axdr_data.build(VALUES[2]))[0] == BitString(12, b"\xab\xc0")
    assert isinstance(d.to_native(D.axdr_data.parse(D.axdr_data.build(VALUES[18]))), DateTime)
    assert isinstance(d.to_native(D.axdr_data.parse(D.axdr_data.build(VALUES[19]))), Date)
    assert isinstance(d.to_native(D.axdr_data.parse(D.axdr_data.build(VALUES[20]))), Time)


def test_axdr_length_forms_and_range_checks():
    # MicroPython's struct.pack truncates silently: cs must range-check so
    # Select moves on to the longer forms.
    for n, want in ((5, "05"), (0x80, "8180"), (300, "82012C"), (0x10000, "8400010000")):
        assert D.axdr_length.build(n) == H(want), n
        assert D.axdr_length.parse(H(want)) == n
        assert axdr.encode_length(n) == H(want)
    assert D.axdr_length.parse(H("83010000")) == 0x10000
    e = mptest.assert_raises(cs.ConstructError, D.axdr_length.build, 2**32)
    assert type(e).__name__ == "SelectError"
    e = mptest.assert_raises(cs.ConstructError, cs.Int8ub.build, 256)
    assert type(e).__name__ == "FormatFieldError"
    e = mptest.assert_raises(cs.ConstructError, cs.Int16sb.build, 40000)
    assert type(e).__name__ == "FormatFieldError"


def test_signed_fields():
    dt = D.cosem_datetime.parse(H("07E5091B01092F0F00FF8880"))
    assert dt.deviation == -120 and dt.year == 2021 and dt.status == 0x80
    assert D.cosem_datetime.build(dt) == H("07E5091B01092F0F00FF8880")
    assert D.cosem_datetime.sizeof() == 12
    assert cs.Int64sb.parse(H("8000000000000000")) == -(2**63)


def test_notification_forms():
    dt = H("07E5031702123200FFFFC400")
    body = d.T.structure(d.T.visible_string("KFM_001"))
    for form, wire in ((0x00, "00"), (0x0C, "0C"), (0x09, "090C"), (0x19, "19")):
        blob = D.data_notification.build(d.notification(body, 7, None if form == 0 else dt, form))
        assert blob == H("0F00000007" + wire + ("" if form == 0 else "07E5031702123200FFFFC400") + "02010A074B464D5F303031"), blob
        ln = parse_apdu(blob)
        assert d.notification_native(D.data_notification.parse(blob)) == (ln.invoke_id, ln.datetime, ln.body, ln.datetime_form)


def test_errors_match_lean_rejection():
    bad = bytearray(AIDON)
    bad[-3] ^= 1  # FCS
    e = mptest.assert_raises(cs.ConstructError, D.hdlc_frame.parse, bytes(bad))
    assert type(e).__name__ == "ChecksumError"
    mptest.assert_raises(hdlc.FcsError, hdlc.parse_frame, bytes(bad))
    e = mptest.assert_raises(cs.ConstructError, D.axdr_data.parse, b"\x13\x00")
    assert type(e).__name__ == "ExplicitError"
    e = mptest.assert_raises(cs.ConstructError, D.data_notification.parse, AIDON[12:-3] + b"\x00")
    assert type(e).__name__ == "TerminatedError"
    e = mptest.assert_raises(cs.ConstructError, D.axdr_data.parse, b"\x0a\x02\xff\xfe")
    assert type(e).__name__ == "StringError"


def test_container_field_names():
    s = cs.Struct("items" / cs.Int8ub, "keys" / cs.Bytes(cs.this["items"]), "z" / cs.Computed(cs.this.keys))
    p = s.parse(b"\x02ab")
    assert list(p) == ["items", "keys", "z"]  # order kept on MicroPython too
    assert p["items"] == 2 and p["keys"] == b"ab" and p.z == b"ab"
    assert p == {"items": 2, "keys": b"ab", "z": b"ab"} and not (p != {"items": 2, "keys": b"ab", "z": b"ab"})


def test_heap_kept():
    # What importing and instantiating keeps, on this VM (printed for the record).
    if not mptest.IS_MICROPYTHON:
        return
    import sys

    for m in ("protocols.declarations", "cs"):
        sys.modules.pop(m, None)
    gc.collect()
    a = gc.mem_alloc()
    import cs as cs2

    gc.collect()
    b = gc.mem_alloc()
    import protocols.declarations as d2

    gc.collect()
    c = gc.mem_alloc()
    d2.build(cs2)
    gc.collect()
    e = gc.mem_alloc()
    print("heap kept: cs %d, declarations %d, build(cs) %d, total %d bytes" % (b - a, c - b, e - c, e - a))


if __name__ == "__main__":
    mptest.main(globals())
