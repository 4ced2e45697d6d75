"""protocols/declarations.py with both engines, against the spec and the lean path.

Every value is built with the real ``construct``; the built bytes must equal
what ``cs`` (tests/mp/cs.py, the MicroPython test engine) builds and what an independent reference encoder (the
digest's tables, written out below) gives; then construct, cs and the lean
path (``axdr.decode``, ``apdu.parse_apdu``, ``hdlc.parse_frame``) parse them
back to equal Python values (``declarations.to_native`` and friends).

The strategies here are reused by tests/test_differential.py.
"""

import os
import struct

import construct
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mp import cs  # tests/mp/cs.py: the test engine (not shipped)
from protocols import apdu, axdr, hdlc
from protocols import declarations as d
from protocols.cosem import BitString, Date, DateTime, Time
from protocols.crc import crc16_x25

C = d.build(construct)  # the reference engine
S = d.build(cs)  # the device engine
ENGINES = (("construct", C), ("cs", S))

QUICK = os.environ.get("HYPOTHESIS_PROFILE") == "quick"


def cfg(n):
    """Per-test settings: ``n`` examples (50 under HYPOTHESIS_PROFILE=quick)."""
    return settings(
        max_examples=min(n, 50) if QUICK else n,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


H = bytes.fromhex

# Digest 2.8: Aidon list 2, single phase, from the Aidon interface document.
AIDON_FRAME = H(
    "7EA0D2410883 1382D6E6E7000F40000000000109 0202090601010002 81FF0A0B4149444F4E5F5630303031"
    "0202090600006001 00FF0A1037333539393932383930393431373432020209060000600107FF0A0436353135"
    "02030906010001 0700FF060000055202020F00161B020309060100020700FF060000000002020F00161B"
    "020309060100030700FF06000003E402020F00161D020309060100040700FF060000000002020F00161D"
    "0203090601001F0700FF10005D02020F FF1621020309060100200700FF1209C402020FFF1623E0C47E".replace(" ", "")
)

# Digest 3.4 (a): Green Book test vector, SC = 0x30, as an APDU.
GREEN_BOOK_APDU = H(
    "DB084D4D4D0000BC614E1E3001234567411312FF935A47566827C467BC7D825C3BE4A77C3FCC056B6B"
)


def netz_noe_plaintext():
    """Digest 3.4 (b): the decrypted Netz NÖ Kaifa MA309 push, spelled out."""
    dt = "07E5091B01092F0F00FF8880"
    rows = [
        ("0100010800FF", "0600003289", "0F001E"),
        ("0100020800FF", "0600000000", "0F001E"),
        ("0100010700FF", "0600000000", "0F001B"),
        ("0100020700FF", "0600000000", "0F001B"),
        ("0100200700FF", "120921", "0FFF23"),
        ("0100340700FF", "120000", "0FFF23"),
        ("0100480700FF", "120000", "0FFF23"),
        ("01001F0700FF", "120000", "0FFE21"),
        ("0100330700FF", "120000", "0FFE21"),
        ("0100470700FF", "120000", "0FFE21"),
        ("01000D0700FF", "1203E8", "0FFDFF"),
    ]
    body = "0223" + "090C" + dt
    for obis, value, su in rows:
        body += "0906" + obis + value + "0202" + su[:4] + "16" + su[4:]
    body += "090C313831323230303030303039"
    return H("0F8006870E0C" + dt + body)


# -- comparing values -------------------------------------------------------------


def same(a, b):
    """Deep equality that also demands equal types and treats NaN as equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (a != a and b != b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def plain(x):
    """A parse result of either engine as plain dicts/lists (``_`` keys dropped)."""
    if isinstance(x, (construct.Container, cs.Container)):
        return {k: plain(v) for k, v in x.items() if not k.startswith("_")}
    if isinstance(x, list):
        return [plain(v) for v in x]
    return x


def lean_notification(n):
    return (n.invoke_id, n.datetime, n.body, n.datetime_form)


def lean_ciphered(c):
    return (c.tag, c.system_title, c.security_control, c.invocation_counter, c.ciphertext, c.auth_tag)


def lean_frame(f):
    return (f.segmented, f.dest, f.src, f.control, f.info)


# -- an independent reference encoder (digest 4.1, 4.2) ---------------------------

_FMT = {5: ">i", 6: ">I", 13: ">B", 15: ">b", 16: ">h", 17: ">B", 18: ">H", 20: ">q", 21: ">Q", 22: ">B", 23: ">f", 24: ">d"}


def ref_length(n):
    if n < 0x80:
        return bytes((n,))
    for k in (1, 2, 4):
        if n < 1 << (8 * k):
            return bytes((0x80 | k,)) + n.to_bytes(k, "big")
    raise ValueError(n)


def ref_encode(t):
    tag, v = t["tag"], t["value"]
    head = bytes((tag,))
    if tag in (1, 2):
        return head + ref_length(len(v)) + b"".join(ref_encode(x) for x in v)
    if tag == 0:
        return head
    if tag == 3:
        return head + (b"\x01" if v else b"\x00")
    if tag == 4:
        return head + ref_length(v["bits"]) + v["data"]
    if tag == 9:
        return head + ref_length(len(v)) + v
    if tag in (10, 12):
        e = v.encode("utf-8")
        return head + ref_length(len(e)) + e
    if tag in (25, 26, 27):
        return head + v
    return head + struct.pack(_FMT[tag], v)


# -- strategies: (typed value for building, native value axdr.decode returns) ------


def _ints(tag, lo, hi):
    return st.integers(lo, hi).map(lambda v: (d.typed(tag, v), v))


def _bitstring(n):
    k = (n + 7) // 8
    return st.binary(min_size=k, max_size=k).map(lambda b: (d.T.bit_string(n, b), BitString(n, b)))


_VISIBLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)

LEAVES = st.one_of(
    st.just((d.T.null_data(), None)),
    st.booleans().map(lambda v: (d.T.boolean(v), v)),
    st.one_of(st.integers(0, 40), st.integers(0, 2100)).flatmap(_bitstring),
    _ints(5, -(2**31), 2**31 - 1),
    _ints(6, 0, 2**32 - 1),
    _ints(13, 0, 255),
    _ints(15, -128, 127),
    _ints(16, -(2**15), 2**15 - 1),
    _ints(17, 0, 255),
    _ints(18, 0, 2**16 - 1),
    _ints(20, -(2**63), 2**63 - 1),
    _ints(21, 0, 2**64 - 1),
    _ints(22, 0, 255),
    st.floats(width=32).map(lambda v: (d.T.float32(v), v)),
    st.floats().map(lambda v: (d.T.float64(v), v)),
    st.one_of(st.binary(max_size=20), st.binary(min_size=120, max_size=300)).map(
        lambda b: (d.T.octet_string(b), b)
    ),
    st.text(_VISIBLE, max_size=140).map(lambda s: (d.T.visible_string(s), s)),
    st.text(max_size=40).map(lambda s: (d.T.utf8_string(s), s)),
    st.binary(min_size=12, max_size=12).map(lambda b: (d.T.date_time(b), DateTime.from_bytes(b))),
    st.binary(min_size=5, max_size=5).map(lambda b: (d.T.date(b), Date(b))),
    st.binary(min_size=4, max_size=4).map(lambda b: (d.T.time(b), Time(b))),
)


def _containers(children):
    items = st.lists(children, max_size=6)
    return st.one_of(
        items.map(lambda xs: (d.T.array(*[x[0] for x in xs]), [x[1] for x in xs])),
        items.map(lambda xs: (d.T.structure(*[x[0] for x in xs]), tuple(x[1] for x in xs))),
    )


# A long array (counts 0x80-0x1FF need the 81/82 length forms).
LONG_ARRAY = st.integers(120, 300).map(
    lambda n: (d.T.array(*[d.T.unsigned(i & 0xFF) for i in range(n)]), [i & 0xFF for i in range(n)])
)

# One value in ten is a long array; the rest nest up to 20 leaves.
NESTED = st.recursive(LEAVES, _containers, max_leaves=20)
TYPED = st.integers(0, 9).flatmap(lambda k: LONG_ARRAY if k == 0 else NESTED)

DT12 = st.binary(min_size=12, max_size=12)


@st.composite
def notifications(draw):
    """(build object, expected bytes, expected lean fields) of a Data-Notification."""
    body, native = draw(TYPED)
    invoke = draw(st.integers(0, 2**32 - 1))
    form = draw(st.sampled_from([0x00, 0x0C, 0x09, 0x19]))
    dt = None if form == 0 else draw(st.one_of(DT12, st.none()) if form == 0x09 else DT12)
    wire = {0x00: b"\x00", 0x0C: b"\x0c", 0x19: b"\x19", 0x09: b"\x09\x0c" if dt else b"\x09\x00"}[form]
    blob = b"\x0f" + struct.pack(">I", invoke) + wire + (dt or b"") + ref_encode(body)
    fields = (invoke, DateTime.from_bytes(dt) if dt else None, native, d.FORMS[form])
    return d.notification(body, invoke, dt, form), blob, fields


@st.composite
def ciphered_apdus(draw):
    tag = draw(st.sampled_from([0xDB, 0xDC]))
    title = draw(st.binary(min_size=8, max_size=8))
    sc = draw(st.one_of(st.sampled_from([0x20, 0x21, 0x30, 0x31]), st.integers(0, 255)))
    counter = draw(st.integers(0, 2**32 - 1))
    ct = draw(st.one_of(st.binary(max_size=40), st.binary(min_size=100, max_size=600)))
    auth = draw(st.binary(min_size=12, max_size=12)) if sc & 0x10 else None
    rest = bytes((sc,)) + struct.pack(">I", counter) + ct + (auth or b"")
    blob = bytes((tag, 8)) + title + ref_length(len(rest)) + rest
    return d.ciphered(title, sc, counter, ct, auth, tag), blob, (tag, title, sc, counter, ct, auth)


def _address(draw):
    size = draw(st.sampled_from([1, 2, 4]))
    value = draw(st.integers(0, (1 << (7 * size)) - 1))
    return hdlc.encode_address(value, size), value


@st.composite
def frames(draw):
    dest, dv = _address(draw)
    src, sv = _address(draw)
    control = draw(st.integers(0, 255))
    seg = draw(st.booleans())
    info = draw(st.one_of(st.binary(max_size=60), st.binary(min_size=200, max_size=700)))
    blob = hdlc.build_frame(info, dest, src, control, seg)
    return d.frame(info, dest, src, control, seg), blob, (seg, dv, sv, control, info)


# -- known frames ---------------------------------------------------------------------


@pytest.mark.parametrize("name,D", ENGINES)
def test_aidon_frame_digest_2_8(name, D):
    f = D.hdlc_frame.parse(AIDON_FRAME)
    fields = d.frame_native(f)
    assert fields == lean_frame(hdlc.parse_frame(AIDON_FRAME))
    assert fields[:4] == (False, 0x20, (4 << 7) | 0x41, 0x13)
    assert f.hcs == 0xD682 and f.fcs == 0xC4E0
    apdu_bytes = fields[4][3:]
    n = D.data_notification.parse(apdu_bytes)
    got = d.notification_native(n)
    assert same(got, lean_notification(apdu.parse_apdu(apdu_bytes)))
    body = got[2]
    assert body[0] == (H("0101000281FF"), "AIDON_V0001")
    assert body[3] == (H("0100010700FF"), 1362, (0, 27))
    assert body[8] == (H("0100200700FF"), 2500, (-1, 35))
    # Rebuilt from the parsed containers: the same bytes, by both engines.
    assert D.data_notification.build(n) == apdu_bytes
    assert D.hdlc_frame.build(f) == AIDON_FRAME
    h = f.header.value
    again = d.frame(fields[4], bytes(h.dest), bytes(h.src), h.control, h.segmented)
    assert C.hdlc_frame.build(again) == S.hdlc_frame.build(again) == AIDON_FRAME


@pytest.mark.parametrize("name,D", ENGINES)
def test_green_book_ciphered_digest_3_4a(name, D):
    p = D.ciphered_apdu.parse(GREEN_BOOK_APDU)
    assert d.ciphered_native(p) == lean_ciphered(apdu.parse_apdu(GREEN_BOOK_APDU))
    assert p.length == 0x1E and p.security_control == 0x30
    assert p.auth_tag == H("7D825C3BE4A77C3FCC056B6B")
    assert D.ciphered_apdu.build(d.ciphered(*d.ciphered_native(p)[1:], tag=0xDB)) == GREEN_BOOK_APDU


@pytest.mark.parametrize("name,D", ENGINES)
def test_netz_noe_plaintext_digest_3_4b(name, D):
    blob = netz_noe_plaintext()
    got = d.notification_native(D.data_notification.parse(blob))
    lean = apdu.parse_apdu(blob)
    assert same(got, lean_notification(lean))
    assert got[1].isoformat() == "2021-09-27T09:47:15+02:00" and got[3] == "octets"
    assert got[2][1] == H("0100010800FF") and got[2][2] == 12937
    assert got[2][-1] == b"181220000009"
    assert D.data_notification.build(D.data_notification.parse(blob)) == blob


def test_kaifa_tagged_and_typed_datetime_forms():
    dt = DateTime.from_bytes(H("07E5031702123200FFFFC400"))
    body = d.T.structure(d.T.visible_string("KFM_001"), d.T.double_long_unsigned(5))
    for form, wire in ((0x09, "090C"), (0x19, "19"), (0x0C, "0C")):
        blob = C.data_notification.build(d.notification(body, 0x40000000, dt, form))
        assert blob == H("0F40000000" + wire + "07E5031702123200FFFFC400" + "02020A074B464D5F3030310600000005")
        assert S.data_notification.build(d.notification(body, 0x40000000, dt, form)) == blob
        for _, D in ENGINES:
            assert d.notification_native(D.data_notification.parse(blob))[1] == dt
        assert apdu.parse_apdu(blob).datetime == dt


# -- round trips ------------------------------------------------------------------------


@cfg(400)
@given(st.one_of(st.integers(0, 300), st.integers(0, 2**32 - 1)))
def test_axdr_length_roundtrip(n):
    blob = C.axdr_length.build(n)
    assert blob == S.axdr_length.build(n) == axdr.encode_length(n) == ref_length(n)
    assert C.axdr_length.parse(blob) == S.axdr_length.parse(blob) == n
    assert axdr.decode_length(blob, 0) == (n, len(blob))


def test_axdr_length_forms():
    for blob, n in ((b"\x7f", 127), (b"\x81\x80", 128), (b"\x81\xf8", 248), (b"\x82\x01\xd0", 464),
                    (b"\x83\x01\x00\x00", 65536), (b"\x84\x00\x01\x00\x00", 65536), (b"\x81\x05", 5)):
        for _, D in ENGINES:
            assert D.axdr_length.parse(blob) == n
        assert axdr.decode_length(blob, 0) == (n, len(blob))
    for bad in (b"\x80", b"\x85\x00\x00\x00\x00\x00", b"\x82\x01", b""):
        for mod, D in ((construct, C), (cs, S)):
            with pytest.raises(mod.SelectError):
                D.axdr_length.parse(bad)
    for mod, D in ((construct, C), (cs, S)):
        with pytest.raises(mod.SelectError):
            D.axdr_length.build(2**32)


@cfg(700)
@given(TYPED)
def test_axdr_data_roundtrip(value):
    typed, native = value
    blob = C.axdr_data.build(typed)
    assert blob == S.axdr_data.build(typed) == ref_encode(typed)
    for _, D in ENGINES:
        assert same(d.to_native(D.axdr_data.parse(blob)), native)
    got, end = axdr.decode(blob, 0, max_depth=64)
    assert same(got, native) and end == len(blob)


@cfg(400)
@given(notifications())
def test_data_notification_roundtrip(case):
    obj, blob, fields = case
    assert C.data_notification.build(obj) == blob
    assert S.data_notification.build(obj) == blob
    for _, D in ENGINES:
        assert same(d.notification_native(D.data_notification.parse(blob)), fields)
    assert same(lean_notification(apdu.parse_apdu(blob, max_depth=64)), fields)


@cfg(400)
@given(ciphered_apdus())
def test_ciphered_roundtrip(case):
    obj, blob, fields = case
    assert C.ciphered_apdu.build(obj) == S.ciphered_apdu.build(obj) == blob
    for _, D in ENGINES:
        assert d.ciphered_native(D.ciphered_apdu.parse(blob)) == fields
    assert lean_ciphered(apdu.parse_apdu(blob)) == fields


@cfg(400)
@given(frames())
def test_hdlc_frame_roundtrip(case):
    obj, blob, fields = case
    assert C.hdlc_frame.build(obj) == S.hdlc_frame.build(obj) == blob
    for _, D in ENGINES:
        p = D.hdlc_frame.parse(blob)
        assert d.frame_native(p) == fields
        assert p.hcs == crc16_x25(blob[1 : p.header.length + 1])
    assert lean_frame(hdlc.parse_frame(blob)) == fields


def test_hdlc_frame_too_long_is_a_build_error():
    obj = d.frame(bytes(2040))
    with pytest.raises(construct.ValidationError):
        C.hdlc_frame.build(obj)
    with pytest.raises(cs.ValidationError):
        S.hdlc_frame.build(obj)
    with pytest.raises(hdlc.OversizeError):
        hdlc.build_frame(bytes(2040))


# -- the cs engine itself -----------------------------------------------------------------


def test_error_classes_mirror_construct():
    for name in cs._ERRORS:
        ours, theirs = getattr(cs, name), getattr(construct, name)
        assert ours.__name__ == theirs.__name__ == name
        assert ours.__bases__ == (cs.ConstructError,) and theirs.__bases__ == (construct.ConstructError,)
    assert cs.StreamError is cs.StreamError
    with pytest.raises(AttributeError):
        cs.NoSuchError


@pytest.mark.parametrize("mod", [construct, cs])
def test_container_and_expressions(mod):
    s = mod.Struct(
        "items" / mod.Int8ub,
        "keys" / mod.Bytes(mod.this["items"]),
        "inner" / mod.Struct("x" / mod.Computed(mod.this._["items"] * 2 + 1), "y" / mod.Computed(mod.this._.items >= 2)),
        "z" / mod.Computed(lambda ctx: ctx.inner.x // 2 - 1),
    )
    p = s.parse(b"\x02ab")
    assert list(k for k in p if not k.startswith("_")) == ["items", "keys", "inner", "z"]
    assert p["items"] == 2 and p["keys"] == b"ab" and p.inner.x == 5 and p.inner.y is True and p.z == 1
    assert plain(p) == {"items": 2, "keys": b"ab", "inner": {"x": 5, "y": True}, "z": 1}
    assert s.build({"items": 2, "keys": b"ab"}) == b"\x02ab"
    e = (mod.this.a + 3) * 2 - 1
    assert e({"a": 1}) == 7
    assert ((mod.this.a & 0x10) | (mod.this.a >> 4) << 1)({"a": 0x30}) == 0x16
    assert [f({"a": 5}) for f in (mod.this.a == 5, mod.this.a != 5, mod.this.a < 6, mod.this.a <= 4, mod.this.a > 4)] == [True, False, True, False, True]
    assert mod.Struct("a" / mod.Int8ub, "b" / mod.Int16ub).sizeof() == 3


@pytest.mark.parametrize(
    "make,obj,err",
    [
        (lambda m: m.Int8ub, 256, "FormatFieldError"),
        (lambda m: m.Int16sb, -40000, "FormatFieldError"),
        (lambda m: m.Int8ub, None, "FormatFieldError"),
        (lambda m: m.Const(b"\x7e"), b"\x7f", "ConstError"),
        (lambda m: m.Bytes(2), b"abc", "StreamError"),
        (lambda m: m.Bytes(2), "ab", "StringError"),
        (lambda m: m.PascalString(m.Int8ub, "utf8"), b"ab", "StringError"),
        (lambda m: m.RepeatUntil(lambda x, lst, ctx: x & 1, m.Int8ub), [2, 4], "RepeatError"),
        (lambda m: m.RawCopy(m.Int8ub), {}, "RawCopyError"),
        (lambda m: m.Error, None, "ExplicitError"),
        (lambda m: m.Select(m.Int8ub, m.Int16ub), 70000, "SelectError"),
        (lambda m: m.ExprValidator(m.Int8ub, m.obj_ < 5), 7, "ValidationError"),
    ],
)
def test_build_errors_have_the_same_class(make, obj, err):
    for mod in (construct, cs):
        with pytest.raises(mod.ConstructError) as info:
            make(mod).build(obj)
        assert type(info.value).__name__ == err


def test_typed_helpers():
    assert d.from_typed(("structure", [("octet-string", b"\x01"), ("long_unsigned", 5), ("null-data", None)])) == d.T.structure(
        d.T.octet_string(b"\x01"), d.T.long_unsigned(5), d.T.null_data()
    )
    dt = DateTime(2024, 1, 2, 3, 4, 5, 0, -60, 0, 2)
    assert d.datetime_from_fields(d.datetime_fields(dt)) == dt
    blob = C.axdr_data.build(d.from_typed(("array", [("date-time", dt), ("bit-string", (12, b"\xab\xc0"))])))
    assert axdr.decode(blob)[0] == [dt, BitString(12, b"\xab\xc0")]
