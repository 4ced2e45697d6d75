# protocols/axdr.py: the lean A-XDR Data walk shared by host and device.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Decode one A-XDR ``Data`` value (Blue Book Table 2; digest section 4).

    >>> decode(bytes.fromhex("020209060100010700FF0600000552"))
    ((b'\\x01\\x00\\x01\\x07\\x00\\xff', 1362), 15)

Python values: null -> None, boolean -> bool, integers/enum/bcd -> int,
float32/64 -> float, octet-string -> bytes, visible/utf8-string -> str,
array -> list, structure -> tuple, bit-string -> BitString, date-time ->
DateTime, date -> Date, time -> Time.

This is the hot path. It is written by hand because interpreting the
construct declaration (``declarations.axdr_data``) costs about a
microsecond per field; the test-suite proves the two equal on generated and
mutated inputs. Limits: nesting depth (``max_depth``) and elements per
array/structure (``max_count``); a count larger than the bytes left is
rejected before anything is built, so no input can make it allocate more
than the input's own size.
"""

import struct

from ._compat import const
from .cosem import BitString, Date, DateTime, Time
from .errors import FormatError, TooDeepError, TooManyError, TruncatedError, UnsupportedTagError

_unpack_from = struct.unpack_from
_StructError = getattr(struct, "error", ValueError)

NULL = const(0)
ARRAY = const(1)
STRUCTURE = const(2)
BOOLEAN = const(3)
BIT_STRING = const(4)
DOUBLE_LONG = const(5)
DOUBLE_LONG_UNSIGNED = const(6)
OCTET_STRING = const(9)
VISIBLE_STRING = const(10)
UTF8_STRING = const(12)
BCD = const(13)
INTEGER = const(15)
LONG = const(16)
UNSIGNED = const(17)
LONG_UNSIGNED = const(18)
COMPACT_ARRAY = const(19)
LONG64 = const(20)
LONG64_UNSIGNED = const(21)
ENUM = const(22)
FLOAT32 = const(23)
FLOAT64 = const(24)
DATE_TIME = const(25)
DATE = const(26)
TIME = const(27)

# Fixed-size scalar tags: (struct format, size).
FIXED = _FIXED = {
    DOUBLE_LONG: (">i", 4),
    DOUBLE_LONG_UNSIGNED: (">I", 4),
    BCD: (">B", 1),
    INTEGER: (">b", 1),
    LONG: (">h", 2),
    UNSIGNED: (">B", 1),
    LONG_UNSIGNED: (">H", 2),
    LONG64: (">q", 8),
    LONG64_UNSIGNED: (">Q", 8),
    ENUM: (">B", 1),
    FLOAT32: (">f", 4),
    FLOAT64: (">d", 8),
}

# Names for error messages, by tag (one string: cheap on the device).
_NAMES = (
    "null-data array structure boolean bit-string double-long double-long-unsigned ? ? "
    "octet-string visible-string ? utf8-string bcd ? integer long unsigned long-unsigned "
    "compact-array long64 long64-unsigned enum float32 float64 date-time date time"
)


def tag_name(tag):
    """The Blue Book name of an A-XDR tag ("?" for invalid ones)."""
    if tag > TIME:
        return "?"
    return _NAMES.split(" ")[tag]


MAX_DEPTH = 16
MAX_COUNT = 1024


def decode_length(buf, p):
    """A-XDR length at ``p`` (digest 4.2): return (length, next position)."""
    n = len(buf)
    if p >= n:
        raise TruncatedError("expected a length byte at %d, input ends" % p, p)
    b = buf[p]
    if b < 0x80:
        return b, p + 1
    k = b & 0x7F
    if k == 0 or k > 4:
        raise FormatError(
            "length: expected 0x00-0x7F or 0x81-0x84, found 0x%02X" % b, p
        )
    if p + 1 + k > n:
        raise TruncatedError(
            "length 0x%02X announces %d more bytes, %d left" % (b, k, n - p - 1), p
        )
    v = 0
    for i in range(p + 1, p + 1 + k):
        v = (v << 8) | buf[i]
    return v, p + 1 + k


def encode_length(n):
    """The canonical A-XDR length encoding of ``n`` (shortest form)."""
    if n < 0x80:
        return bytes((n,))
    if n < 0x100:
        return bytes((0x81, n))
    if n < 0x10000:
        return bytes((0x82, n >> 8, n & 0xFF))
    return bytes((0x84, n >> 24, (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF))


def decode(buf, pos=0, max_depth=MAX_DEPTH, max_count=MAX_COUNT):
    """Decode one Data value at ``pos``; return (value, next position).

    :raises TruncatedError: the input ends inside the value;
    :raises UnsupportedTagError: a tag that is not valid DLMS (7, 8, 11, 14,
        >27) or not supported here (19 compact-array);
    :raises TooDeepError, TooManyError: past the limits;
    :raises FormatError: a bad length form or a string that does not decode.
    """
    if type(buf) is not bytes:
        buf = bytes(buf)  # slices of bytes are bytes: one copy here, none per value
    try:
        return _dec(buf, pos, len(buf), max_depth, max_count)
    except _StructError:
        raise TruncatedError("input ends inside a value", pos)
    except IndexError:
        raise TruncatedError("input ends inside a value", pos)
    except UnicodeError:
        raise FormatError("a string is not valid text", pos)


def _dec(buf, p, n, depth, max_count):
    # Tags in the order HAN frames use them most.
    if p >= n:
        raise TruncatedError("expected a type tag at %d, input ends" % p, p)
    tag = buf[p]
    p += 1
    if tag == STRUCTURE or tag == ARRAY:
        if depth <= 0:
            raise TooDeepError("A-XDR nesting: expected at most the depth limit, found deeper", p - 1)
        cnt = buf[p]
        p += 1
        if cnt >= 0x80:
            cnt, p = decode_length(buf, p - 1)
        if cnt > max_count:
            raise TooManyError(
                "%s of %d elements: at most %d allowed"
                % (tag_name(tag), cnt, max_count),
                p,
            )
        if cnt > n - p:
            raise TruncatedError(
                "%s of %d elements, only %d bytes left" % (tag_name(tag), cnt, n - p), p
            )
        d = depth - 1
        if tag == STRUCTURE and 2 <= cnt <= 3:
            # The shapes HAN lists are made of ({OBIS, value}, {OBIS, value,
            # {scaler, unit}}, {scaler, unit}): the tuple is built directly,
            # without a temporary list (heap on the device), and the usual
            # leaves (an OBIS octet-string, a scaler-unit pair) are read in
            # place rather than by a call per value (time on the host).
            if buf[p] == OCTET_STRING and p + 8 <= n and buf[p + 1] == 6:
                a = buf[p + 2 : p + 8]
                p += 8
            else:
                a, p = _dec(buf, p, n, d, max_count)
            t = buf[p] if p < n else -1
            if t == DOUBLE_LONG_UNSIGNED:
                b = _unpack_from(">I", buf, p + 1)[0]
                p += 5
            elif t == LONG_UNSIGNED:
                b = _unpack_from(">H", buf, p + 1)[0]
                p += 3
            else:
                b, p = _dec(buf, p, n, d, max_count)
            if cnt == 2:
                return (a, b), p
            if (
                p + 6 <= n
                and buf[p] == STRUCTURE
                and buf[p + 1] == 2
                and buf[p + 2] == INTEGER
                and buf[p + 4] == ENUM
            ):
                s = buf[p + 3]
                c = (s - 256 if s > 127 else s, buf[p + 5])
                p += 6
            else:
                c, p = _dec(buf, p, n, d, max_count)
            return (a, b, c), p
        if tag == STRUCTURE and cnt <= 1:
            if cnt == 1:
                a, p = _dec(buf, p, n, d, max_count)
                return (a,), p
            return (), p
        out = [None] * cnt  # one exact-size allocation, no regrowth
        for i in range(cnt):
            t = buf[p] if p < n else -1
            if t == DOUBLE_LONG_UNSIGNED:
                out[i] = _unpack_from(">I", buf, p + 1)[0]
                p += 5
            elif t == OCTET_STRING and p + 8 <= n and buf[p + 1] == 6:
                out[i] = buf[p + 2 : p + 8]
                p += 8
            elif t == LONG_UNSIGNED:
                out[i] = _unpack_from(">H", buf, p + 1)[0]
                p += 3
            else:
                out[i], p = _dec(buf, p, n, d, max_count)
        if tag == STRUCTURE:
            return tuple(out), p
        return out, p
    if tag == OCTET_STRING or tag == VISIBLE_STRING or tag == UTF8_STRING:
        ln = buf[p]
        p += 1
        if ln >= 0x80:
            ln, p = decode_length(buf, p - 1)
        e = p + ln
        if e > n:
            raise TruncatedError(
                "%s of %d bytes, only %d left" % (tag_name(tag), ln, n - p), p
            )
        if tag == OCTET_STRING:
            return buf[p:e], e
        return str(buf[p:e], "utf-8"), e
    f = _FIXED.get(tag)
    if f is not None:
        return _unpack_from(f[0], buf, p)[0], p + f[1]
    if tag == NULL:
        return None, p
    if tag == BOOLEAN:
        if p >= n:
            raise TruncatedError("boolean: input ends", p)
        return buf[p] != 0, p + 1
    if tag == DATE_TIME:
        return DateTime.from_bytes(buf, p), p + 12
    if tag == DATE or tag == TIME:
        k = 5 if tag == DATE else 4
        if p + k > n:
            raise TruncatedError("%s: expected %d bytes, found %d" % (tag_name(tag), k, n - p), p)
        raw = bytes(buf[p : p + k])
        return (Date(raw) if tag == DATE else Time(raw)), p + k
    if tag == BIT_STRING:
        bits, p = decode_length(buf, p)
        k = (bits + 7) >> 3
        if p + k > n:
            raise TruncatedError("bit-string of %d bits, only %d bytes left" % (bits, n - p), p)
        return BitString(bits, buf[p : p + k]), p + k
    raise UnsupportedTagError(
        "A-XDR type tag: expected one of 0-6, 9, 10, 12, 13, 15-18, 20-27, found %d (0x%02X)%s"
        % (tag, tag, " (compact-array is not supported)" if tag == COMPACT_ARRAY else ""),
        p - 1,
    )
