"""The lean A-XDR walk: every tag of digest table 4.1, length forms and limits."""

import math

import pytest

from protocols import axdr
from protocols.cosem import BitString, Date, DateTime, Time
from protocols.errors import (
    FormatError,
    TooDeepError,
    TooManyError,
    TruncatedError,
    UnsupportedTagError,
)

H = bytes.fromhex

CASES = [
    ("00", None),
    ("0300", False),
    ("0301", True),
    ("05FFFFFFFE", -2),
    ("0600000552", 1362),
    ("0903010203", b"\x01\x02\x03"),
    ("0A0B4149444F4E5F5630303031", "AIDON_V0001"),
    ("0C03C3A6C3", None),  # placeholder replaced below (utf-8)
    ("0D12", 0x12),
    ("0FFF", -1),
    ("10FFA6", -90),
    ("11FF", 255),
    ("1209C4", 2500),
    ("14FFFFFFFFFFFFFFFF", -1),
    ("15000000000000FFFF", 65535),
    ("161B", 27),
    ("173FC00000", 1.5),
    ("183FF8000000000000", 1.5),
]
CASES[7] = ("0C04" + "C3A6C3B8", "\u00e6\u00f8")


@pytest.mark.parametrize("hexdata,value", CASES)
def test_scalar_tags(hexdata, value):
    v, end = axdr.decode(H(hexdata))
    assert v == value and type(v) is type(value)
    assert end == len(H(hexdata))


def test_structure_and_array():
    v, end = axdr.decode(H("0102020209060100010700FF06000005520203000F00161B"))
    assert v == [(b"\x01\x00\x01\x07\x00\xff", 1362), (None, 0, 27)]
    assert end == 24


def test_date_time_date_time_bitstring():
    v, _ = axdr.decode(H("1907E5091B01092F0F00FF8880"))
    assert isinstance(v, DateTime) and v.isoformat() == "2021-09-27T09:47:15+02:00"
    assert axdr.decode(H("1A07E8021201"))[0] == Date(H("07E8021201"))
    assert axdr.decode(H("1B0C1E0000"))[0] == Time(H("0C1E0000"))
    assert axdr.decode(H("040AFFC0"))[0] == BitString(10, H("FFC0"))


@pytest.mark.parametrize(
    "prefix,length",
    [("05", 5), ("7F", 127), ("8180", 128), ("81F8", 248), ("820100", 256), ("8401000000", 0x1000000)],
)
def test_length_forms(prefix, length):
    assert axdr.decode_length(H(prefix + "00"), 0) == (length, len(H(prefix)))
    assert axdr.encode_length(length) == H(prefix)


def test_long_octet_string_with_82_length():
    data = H("09820100") + bytes(range(256))
    v, end = axdr.decode(data)
    assert v == bytes(range(256)) and end == len(data)


def test_array_count_with_81_form():
    data = H("018190") + H("1100") * 144
    v, _ = axdr.decode(data)
    assert v == [0] * 144


@pytest.mark.parametrize("bad", ["8000", "85000000000000", "FF00"])
def test_bad_length_forms(bad):
    with pytest.raises(FormatError) as e:
        axdr.decode(H("09") + H(bad))
    assert "expected 0x00-0x7F or 0x81-0x84" in str(e.value)


@pytest.mark.parametrize("tag", [7, 8, 11, 14, 19, 28, 0x80, 0xFF])
def test_unsupported_tags(tag):
    with pytest.raises(UnsupportedTagError) as e:
        axdr.decode(bytes((tag, 0, 0, 0, 0)))
    assert "found %d" % tag in str(e.value)


@pytest.mark.parametrize(
    "hexdata",
    ["", "06000005", "0905010203", "1209", "0202", "02020600000552", "19 07E5".replace(" ", ""), "1AFF", "04100F"],
)
def test_truncated(hexdata):
    with pytest.raises(TruncatedError):
        axdr.decode(H(hexdata))


def test_depth_limit():
    deep = H("0201") * 40 + H("00")
    with pytest.raises(TooDeepError):
        axdr.decode(deep)
    v, _ = axdr.decode(H("0201") * 3 + H("00"), max_depth=3)
    assert v == (((None,),),)
    with pytest.raises(TooDeepError):
        axdr.decode(H("0201") * 4 + H("00"), max_depth=3)


def test_count_limit_and_count_beyond_input():
    with pytest.raises(TooManyError) as e:
        axdr.decode(H("0182FFFF") + H("00") * 10)
    assert "65535 elements" in str(e.value)
    # A count larger than the bytes left is refused before anything is built.
    with pytest.raises(TruncatedError):
        axdr.decode(H("01820400") + H("00") * 10)


def test_float_specials():
    v, _ = axdr.decode(H("187FF8000000000000"))
    assert math.isnan(v)


def test_tag_names():
    assert axdr.tag_name(6) == "double-long-unsigned"
    assert axdr.tag_name(27) == "time"
    assert axdr.tag_name(7) == "?"
