"""Differential tests: construct vs cs (tests/mp/cs.py) vs the lean path, on bad input too.

Inputs are valid encodings built by the strategies of test_declarations.py,
then MUTATED (bit flips, truncations, insertions, deletions, overwrites with
boundary bytes, duplicated slices; for frames also "re-signed" so HCS/FCS
match again and the parse gets past the checksums; for ciphered APDUs the
length re-fitted), plus plain random bytes. For each input:

1. real construct and cs give the same result, or an error of the same
   class name (both engines raise only ConstructError subclasses here);
2. the lean path accepts exactly when the declaration accepts, with equal
   values, within its documented limits: ``axdr.decode`` raises TooDeepError
   beyond 16 nested arrays/structures and TooManyError beyond 1024 elements
   where the declaration has no limit (only inputs the declaration accepts
   may hit them). Strings: both sides decode UTF-8 the CPython way here, so
   invalid UTF-8 is rejected by both (StringError / FormatError); see
   declarations.py for MicroPython's more lenient decoder.

Counts (CI, HYPOTHESIS_PROFILE=ci): ~4,300 examples of 4 inputs each plus
4 declarations on each random blob: well over 10,000 inputs;
``test_zz_enough_inputs`` checks the total when the whole module ran.
"""

import copy

import construct
from hypothesis import given
from hypothesis import strategies as st
from test_declarations import (
    QUICK,
    TYPED,
    C,
    S,
    cfg,
    ciphered_apdus,
    frames,
    lean_ciphered,
    lean_frame,
    lean_notification,
    notifications,
    plain,
    ref_encode,
    ref_length,
    same,
)

from mp import cs  # tests/mp/cs.py: the test engine (not shipped)
from protocols import apdu, axdr, hdlc
from protocols import declarations as d
from protocols.crc import crc16_x25
from protocols.errors import HanError, TooDeepError, TooManyError

COUNT = {"inputs": 0, "accepted": 0, "tests": 0}
INTERESTING = (0x00, 0x01, 0x02, 0x09, 0x0A, 0x0C, 0x13, 0x19, 0x7E, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0xDB, 0xFF)


def mutate(draw, blob):
    """One mutant of ``blob`` (1-3 edits), drawn with ``draw``."""
    b = bytearray(blob)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.integers(0, 5))
        n = len(b)
        i = draw(st.integers(0, n))
        if op == 0 and n:  # flip a bit
            i = min(i, n - 1)
            b[i] ^= 1 << draw(st.integers(0, 7))
        elif op == 1:  # truncate
            del b[i:]
        elif op == 2:  # insert
            b[i:i] = draw(st.binary(min_size=1, max_size=4))
        elif op == 3 and n:  # delete a slice
            del b[i : i + draw(st.integers(1, 4))]
        elif op == 4 and n:  # overwrite with a boundary/tag byte
            b[min(i, n - 1)] = draw(st.sampled_from(INTERESTING))
        elif op == 5 and n:  # duplicate a slice
            j = draw(st.integers(i, min(n, i + 16)))
            b[j:j] = b[i:j]
    return bytes(b)


@st.composite
def with_mutants(draw, cases, encode):
    """(valid encoding, [3 mutants]) from a strategy of cases."""
    blob = encode(draw(cases))
    return blob, [mutate(draw, blob) for _ in range(3)]


def outcome(decl, data):
    """("ok", value) or ("err", class name) of one engine's parse."""
    try:
        return "ok", plain(decl.parse(data))
    except (construct.ConstructError, cs.ConstructError) as e:
        return "err", type(e).__name__


def lean_outcome(fn, data):
    try:
        return "ok", fn(data)
    except HanError as e:
        return "err", e


def check(name, data, native, lean):
    """The core comparison for one input and one declaration; returns construct's outcome."""
    COUNT["inputs"] += 1
    a = outcome(getattr(C, name), data)
    b = outcome(getattr(S, name), data)
    assert a[0] == b[0] and (same(a[1], b[1]) if a[0] == "ok" else a[1] == b[1]), (data.hex(), a, b)
    lo = lean_outcome(lean, data)
    if a[0] == "ok":
        COUNT["accepted"] += 1
        if lo[0] == "err":
            assert isinstance(lo[1], (TooDeepError, TooManyError)), (data.hex(), a, lo)
        else:
            want = native(getattr(C, name).parse(data))
            assert same(want, lo[1]), (data.hex(), want, lo[1])
            assert same(native(getattr(S, name).parse(data)), lo[1])
    else:
        assert lo[0] == "err", (data.hex(), a, lo)
    return a


# -- lean-path adapters: None (rejected) unless the APDU is of the declaration's kind


def _lean_data(data):
    return axdr.decode(data, 0)[0]


def _lean_notification(data):
    n = apdu.parse_apdu(data)
    if not isinstance(n, apdu.DataNotification):
        raise HanError("not a data-notification")
    return lean_notification(n)


def _lean_ciphered(data):
    c = apdu.parse_apdu(data)
    if not isinstance(c, apdu.Ciphered):
        raise HanError("not a ciphered APDU")
    return lean_ciphered(c)


def _lean_frame(data):
    return lean_frame(hdlc.parse_frame(data))


def _lean_length(data):
    return axdr.decode_length(data, 0)[0]


KINDS = {
    "axdr_data": (d.to_native, _lean_data),
    "data_notification": (d.notification_native, _lean_notification),
    "ciphered_apdu": (d.ciphered_native, _lean_ciphered),
    "hdlc_frame": (d.frame_native, _lean_frame),
    "axdr_length": (lambda v: v, _lean_length),
}


def run(name, data):
    native, lean = KINDS[name]
    return check(name, data, native, lean)


# -- fixers that make a mutated input get past the outer checks ------------------------


def resign_frame(b):
    """Re-fit length and closing flag (sometimes) and recompute HCS/FCS where a parser looks."""
    b = bytearray(b)
    if len(b) < 3:
        return bytes(b)
    q = 3
    for _ in range(2):  # dest, src: up to the byte with bit 0 set
        while q < len(b) and not b[q] & 1:
            q += 1
        q += 1
    q += 1  # control
    if q + 2 <= len(b):
        c = crc16_x25(bytes(b[1:q]))
        b[q], b[q + 1] = c & 0xFF, c >> 8
    fend = (((b[1] << 8) | b[2]) & 0x7FF) - 1
    if q + 2 <= fend and fend + 2 <= len(b):
        c = crc16_x25(bytes(b[1:fend]))
        b[fend], b[fend + 1] = c & 0xFF, c >> 8
    return bytes(b)


def refit_frame_length(b):
    b = bytearray(b)
    if len(b) >= 4 and len(b) - 2 <= 0x7FF:
        n = len(b) - 2
        b[1] = (b[1] & 0xF8) | (n >> 8)
        b[2] = n & 0xFF
        b[-1] = 0x7E
    return resign_frame(b)


def refit_cipher_length(b):
    try:
        _, p = axdr.decode_length(b, 10)
    except HanError:
        return b
    rest = b[p:]
    return b[:10] + ref_length(len(rest)) + rest


# -- the tests -------------------------------------------------------------------------------


@cfg(1600)
@given(with_mutants(TYPED, lambda v: ref_encode(v[0])))
def test_axdr_data_differential(case):
    blob, mutants = case
    COUNT["tests"] += 1
    assert run("axdr_data", blob)[0] == "ok"
    for m in mutants:
        run("axdr_data", m)


@cfg(900)
@given(with_mutants(notifications(), lambda c: c[1]))
def test_data_notification_differential(case):
    blob, mutants = case
    COUNT["tests"] += 1
    assert run("data_notification", blob)[0] == "ok"
    for m in mutants:
        run("data_notification", m)


@cfg(700)
@given(with_mutants(ciphered_apdus(), lambda c: c[1]))
def test_ciphered_differential(case):
    blob, mutants = case
    COUNT["tests"] += 1
    assert run("ciphered_apdu", blob)[0] == "ok"
    for m in mutants:
        run("ciphered_apdu", m)
        run("ciphered_apdu", refit_cipher_length(m))


@cfg(800)
@given(with_mutants(frames(), lambda c: c[1]))
def test_hdlc_frame_differential(case):
    blob, mutants = case
    COUNT["tests"] += 1
    assert run("hdlc_frame", blob)[0] == "ok"
    for m in mutants:
        run("hdlc_frame", m)
        run("hdlc_frame", resign_frame(m))
        run("hdlc_frame", refit_frame_length(m))


@cfg(300)
@given(with_mutants(st.integers(0, 2**32 - 1), ref_length))
def test_axdr_length_differential(case):
    COUNT["tests"] += 1
    for m in case[1]:
        run("axdr_length", m)


_PREFIXES = [b"", b"\x0f\x40\x00\x00\x00", b"\xdb\x08", b"\x7e\xa0", b"\x01", b"\x02"]


@cfg(400)
@given(st.sampled_from(_PREFIXES), st.binary(max_size=48))
def test_random_bytes_differential(prefix, tail):
    COUNT["tests"] += 1
    data = prefix + tail
    for name in ("axdr_data", "data_notification", "ciphered_apdu", "hdlc_frame", "axdr_length"):
        run(name, data)


# -- building: the same bytes or the same error class, for loose (often wrong) objects


def build_outcome(decl, obj):
    try:
        return "ok", decl.build(obj)
    except Exception as e:  # construct lets TypeError/KeyError/ValueError through; so must cs
        return "err", type(e).__name__


def check_build(name, obj):
    COUNT["inputs"] += 1
    a = build_outcome(getattr(C, name), obj)
    b = build_outcome(getattr(S, name), obj)
    assert a == b, (obj, a, b)
    if a[0] == "ok":  # and what was built parses back with both engines
        assert same(plain(getattr(C, name).parse(a[1])), plain(getattr(S, name).parse(a[1])))
    return a


LOOSE_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-300, 300),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.binary(max_size=14),
    st.text(max_size=4),
    st.builds(bytearray, st.binary(max_size=3)),
)
ALL_TAGS = st.sampled_from([0, 1, 2, 3, 4, 5, 6, 9, 10, 12, 13, 15, 16, 17, 18, 20, 21, 22, 23, 24, 25, 26, 27])
LOOSE_TAG = st.one_of(ALL_TAGS, ALL_TAGS, st.integers(-2, 300), LOOSE_SCALAR)


def _loose_typed(children):
    value = st.one_of(
        LOOSE_SCALAR,
        st.lists(children, max_size=3),
        st.fixed_dictionaries({"bits": st.integers(-2, 40), "data": st.binary(max_size=6)}),
    )
    return st.one_of(
        st.fixed_dictionaries({"tag": LOOSE_TAG, "value": value}),
        st.fixed_dictionaries({"tag": LOOSE_TAG}),
        LOOSE_SCALAR,
    )


LOOSE_DATA = st.recursive(st.fixed_dictionaries({"tag": LOOSE_TAG, "value": LOOSE_SCALAR}), _loose_typed, max_leaves=8)


@st.composite
def loosened(draw, cases):
    """A valid build object with one field replaced by something loose, or removed."""
    obj = dict(draw(cases)[0])
    key = draw(st.sampled_from(sorted(obj)))
    if draw(st.booleans()):
        del obj[key]
    else:
        obj[key] = draw(st.one_of(LOOSE_SCALAR, LOOSE_DATA))
    return obj


@st.composite
def loose_frames(draw):
    obj = draw(frames())[0]
    h = dict(obj["header"]["value"])
    addr = st.lists(st.one_of(st.integers(0, 255), st.integers(-2, 300)), max_size=5)
    h["dest"] = draw(st.one_of(st.just(h["dest"]), addr))
    h["src"] = draw(st.one_of(st.just(h["src"]), addr))
    h["control"] = draw(st.one_of(st.just(h["control"]), LOOSE_SCALAR))
    h["segmented"] = draw(st.one_of(st.just(h["segmented"]), LOOSE_SCALAR))
    info = draw(st.one_of(st.just(obj["info"]), LOOSE_SCALAR, st.binary(min_size=2030, max_size=2050)))
    return {"header": {"value": h}, "info": info}


@st.composite
def perturbed(draw):
    """A valid typed value with one node's tag or value replaced by something loose."""
    typed = copy.deepcopy(draw(TYPED)[0])
    nodes = []

    def walk(t):
        nodes.append(t)
        if t["tag"] in (1, 2):
            for x in t["value"]:
                walk(x)

    walk(typed)
    node = draw(st.sampled_from(nodes))
    if draw(st.booleans()):
        node["value"] = draw(LOOSE_SCALAR)
    else:
        node["tag"] = draw(LOOSE_TAG)
    return typed


@cfg(600)
@given(st.one_of(LOOSE_DATA, st.lists(LOOSE_DATA, max_size=2), perturbed(), perturbed()))
def test_build_axdr_data_differential(obj):
    COUNT["tests"] += 1
    check_build("axdr_data", obj)


@cfg(300)
@given(loosened(notifications()), loosened(ciphered_apdus()), loose_frames(), st.one_of(LOOSE_SCALAR, st.integers(0, 2**33)))
def test_build_apdus_frames_differential(notification, ciphered, frame, length):
    COUNT["tests"] += 1
    check_build("data_notification", notification)
    check_build("ciphered_apdu", ciphered)
    check_build("hdlc_frame", frame)
    check_build("axdr_length", length)


def test_known_disagreement_free_edge_cases():
    """Hand-picked inputs at the edges of each documented rule."""
    cases = {
        "axdr_data": [
            b"\x0a\x02\xc3\x28",  # invalid UTF-8: StringError vs FormatError, both reject
            b"\x13\x00",  # compact-array: Error vs UnsupportedTagError
            b"\x04\x83\x00\x00\x09\xff",  # 83 length form: 9 bits
            b"\x01\x81\x00",  # array of 0, non-minimal length: accepted by both
            b"\x03\x05",  # boolean 5 -> True
            b"\x07\x00",  # obsolete tag 7
            b"\x02\x01\x02\x01\x00" + b"\x00",  # trailing byte after a value: ignored by both
        ],
        "data_notification": [
            b"\x0f\x00\x00\x00\x00\x09\x00\x00",  # Kaifa 09 with length 0
            b"\x0f\x00\x00\x00\x00\x09\x19" + bytes(12) + b"\x00",  # 09 then 19: rejected
            b"\x0f\x00\x00\x00\x00\x00\x00\x00",  # trailing byte: rejected by both
            b"\x0f\x00\x00\x00\x00\x00",  # no body
            b"\x0f\x00\x00\x00\x00",  # no date-time
        ],
        "ciphered_apdu": [
            b"\xdb\x08" + bytes(8) + b"\x05\x20\x00\x00\x00\x01",  # empty ciphertext
            b"\xdb\x08" + bytes(8) + b"\x10\x30" + bytes(15),  # SC 0x30, too short for the tag
            b"\xdc\x08" + bytes(8) + b"\x83\x00\x00\x05\x20\x00\x00\x00\x01",
        ],
    }
    for name, items in cases.items():
        for data in items:
            run(name, data)
    # Depth beyond the lean path's limit: the declaration accepts, axdr.decode refuses.
    deep = b"\x01\x01" * 17 + b"\x00"
    assert run("axdr_data", deep)[0] == "ok"
    try:
        axdr.decode(deep)
        raise AssertionError("expected TooDeepError")
    except TooDeepError:
        pass


def test_zz_enough_inputs():
    """At least 10,000 generated and mutated inputs when the whole module ran in CI."""
    if QUICK or COUNT["tests"] < 4000:
        import pytest

        pytest.skip("module not run as a whole with the CI profile (%(tests)d examples)" % COUNT)
    assert COUNT["inputs"] >= 10000, COUNT
    print("differential inputs: %(inputs)d, accepted by the declarations: %(accepted)d" % COUNT)
