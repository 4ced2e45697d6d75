# protocols/declarations.py: the wire formats, declared once for two engines.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Wire formats in construct's vocabulary, one factory per format.

Each factory takes the construct namespace ``c``: the real ``construct``
package on CPython, or ``tests/mp/cs.py`` (a construct-compatible subset,
a test engine that is not shipped) in the MicroPython differential tests::

    import construct
    import cs                          # tests/mp on the path
    from protocols import declarations as d
    host = d.build(construct)          # reference decoder, frame builder
    dev = d.build(cs)                  # the same declarations on MicroPython
    frame = host.hdlc_frame.build(d.frame(info))
    dev.hdlc_frame.parse(frame).info == info

Section numbers (§) refer to ``shared/docs/han-protocol.md``.

The hand-written hot path (``hdlc.parse_frame``, ``apdu.parse_apdu``,
``axdr.decode``) accepts exactly what these declarations accept, with
equal values (``to_native``), except where its documented limits apply;
``tests/test_differential.py`` checks this on generated and mutated input:

* ``axdr.decode`` stops at ``max_depth`` (16) nested arrays/structures and
  ``max_count`` (1024) elements; the declarations have no such limit (real
  construct is bounded by Python's recursion limit instead).
* ``axdr.decode`` returns where the value ends and ignores what follows;
  so does ``axdr_data.parse``. The APDU and frame declarations end in
  ``Terminated``: trailing bytes are rejected, as by the lean path.
* Strings (tags 10 and 12) are decoded as UTF-8 by both: the lean path
  raises ``FormatError``, construct and ``cs`` raise ``StringError``. On
  MicroPython, ``str(b, "utf-8")`` accepts some sequences CPython rejects
  (encoded surrogates ``ED A0 80``, overlong ``C0 80``, code points above
  U+10FFFF); both ``cs`` and the lean path use it there, so they still agree
  with each other, but accept more than on CPython.
* The lean path takes the A-XDR length form ``83`` (3 length bytes, §4.2);
  so does ``axdr_length`` (its last alternative, never used for building).
"""

from .axdr import tag_name
from .cosem import BitString, Date, DateTime, Time
from .crc import crc16_x25


def tag_of(name):
    """The A-XDR tag of a Blue Book type name (``-`` or ``_``: ``double_long``,
    ``octet-string``), from the one tag table, ``axdr.tag_name``'s.

    :raises ValueError: not a type name."""
    n = name.replace("_", "-")
    for tag in range(28):
        if n == tag_name(tag) and n != "?":
            return tag
    raise ValueError("A-XDR type: expected a Blue Book type name, found %r" % (name,))

# Data-Notification date-time forms (§3.1): first byte -> apdu.py's name.
FORMS = {0x00: "none", 0x0C: "octets", 0x09: "tagged", 0x19: "typed"}


def axdr_length(c):
    """A-XDR length (§4.2): one byte < 0x80, or 0x80|n then n bytes, big-endian.

    Building tries the alternatives in order, so it writes the shortest
    form (same bytes as ``axdr.encode_length``); ``83`` is parse-only.
    """
    return c.Select(
        c.ExprValidator(c.Int8ub, c.obj_ < 0x80),
        c.FocusedSeq("v", c.Const(b"\x81"), "v" / c.Int8ub),
        c.FocusedSeq("v", c.Const(b"\x82"), "v" / c.Int16ub),
        c.FocusedSeq("v", c.Const(b"\x84"), "v" / c.Int32ub),
        c.FocusedSeq(
            "v", c.Const(b"\x83"), "hi" / c.Int8ub, "lo" / c.Int16ub, "v" / c.Computed((c.this.hi << 16) | c.this.lo)
        ),
    )


def axdr_data(c, length=None):
    """One A-XDR ``Data`` value (§4.1): ``tag`` then the value it announces.

    Arrays and structures (§4.1 tags 1, 2) are a count then the elements,
    each a ``Data`` again (``LazyBound``); a bit-string (tag 4) counts bits;
    date-time/date/time (25-27) are 12/5/4 raw bytes (§3.2). Tag 19
    (compact-array), 7, 8, 11, 14 and > 27 hit ``Error``.
    """
    n = length or axdr_length(c)
    seq = c.PrefixedArray(n, c.LazyBound(lambda: data))
    text = c.PascalString(n, "utf8")
    data = c.Struct(
        "tag" / c.Int8ub,
        "value"
        / c.Switch(
            c.this.tag,
            {
                0: c.Pass,
                1: seq,
                2: seq,
                3: c.Flag,
                4: c.Struct("bits" / n, "data" / c.Bytes((c.this.bits + 7) // 8)),
                5: c.Int32sb,
                6: c.Int32ub,
                9: c.Prefixed(n, c.GreedyBytes),
                10: text,
                12: text,
                13: c.Int8ub,
                15: c.Int8sb,
                16: c.Int16sb,
                17: c.Int8ub,
                18: c.Int16ub,
                20: c.Int64sb,
                21: c.Int64ub,
                22: c.Int8ub,
                23: c.Float32b,
                24: c.Float64b,
                25: c.Bytes(12),
                26: c.Bytes(5),
                27: c.Bytes(4),
            },
            default=c.Error,
        ),
    )
    return data


def cosem_datetime(c):
    """COSEM date-time, 12 bytes (§3.2); deviation is signed minutes."""
    return c.Struct(
        "year" / c.Int16ub,
        "month" / c.Int8ub,
        "day" / c.Int8ub,
        "weekday" / c.Int8ub,
        "hour" / c.Int8ub,
        "minute" / c.Int8ub,
        "second" / c.Int8ub,
        "hundredths" / c.Int8ub,
        "deviation" / c.Int16sb,
        "status" / c.Int8ub,
    )


def data_notification(c, data=None, datetime=None):
    """Data-Notification (§3.1): ``0F | invoke-id | date-time | body``.

    ``form`` is the first date-time byte, peeked on parse and given on
    build: ``00`` absent; ``0C`` + 12 bytes; Kaifa's ``09 0C`` + 12 (or
    ``09 00``); ``19`` + 12 (a typed date-time). ``datetime`` is the
    ``cosem_datetime`` Container or None.
    """
    data = data or axdr_data(c)
    dt = datetime or cosem_datetime(c)
    octets = c.FocusedSeq("v", c.Const(b"\x0c"), "v" / dt)
    absent = c.FocusedSeq("v", c.Const(b"\x00"), "v" / c.Computed(None))
    return c.Struct(
        c.Const(b"\x0f"),
        "invoke_id" / c.Int32ub,
        "form" / c.Peek(c.Int8ub),
        "datetime"
        / c.Switch(
            c.this.form,
            {
                0x00: absent,
                0x0C: octets,
                0x09: c.FocusedSeq("v", c.Const(b"\x09"), "v" / c.Select(octets, absent)),
                0x19: c.FocusedSeq("v", c.Const(b"\x19"), "v" / dt),
            },
            default=c.Error,
        ),
        "body" / data,
        c.Terminated,
    )


def _cipher_overhead(ctx):
    # SC(1) + counter(4), plus the 12-byte tag when SC bit 4 (A) is set (§3.3).
    return 17 if ctx.security_control & 0x10 else 5


def ciphered_apdu(c, length=None):
    """general-glo/ded-ciphering (§3.3): ``DB|DC 08 title len SC counter ct [tag]``.

    ``length`` covers SC, counter, ciphertext and tag; building computes it.
    """
    n = length or axdr_length(c)
    return c.Struct(
        "tag" / c.ExprValidator(c.Int8ub, (c.obj_ == 0xDB) | (c.obj_ == 0xDC)),
        c.Const(b"\x08"),
        "system_title" / c.Bytes(8),
        "length"
        / c.Rebuild(n, lambda ctx: len(ctx.ciphertext) + _cipher_overhead(ctx)),
        "security_control" / c.Int8ub,
        "invocation_counter" / c.Int32ub,
        "ciphertext" / c.Bytes(lambda ctx: ctx.length - _cipher_overhead(ctx)),
        "auth_tag" / c.If(c.this.security_control & 0x10, c.Bytes(12)),
        c.Terminated,
    )


def _hdlc_format(ctx):
    # §2.1: type 0xA, S bit (§2.7), 11-bit length of everything between the
    # flags: format(2) + addresses + control(1) + HCS(2) + info + FCS(2).
    n = 7 + len(ctx.dest) + len(ctx.src) + len(ctx._.info)
    if n > 0x7FF:
        return -1  # fails the format validator: a frame holds at most 2047 bytes
    return 0xA000 | (0x0800 if ctx.segmented else 0) | n


def _last_address_byte(x, lst, ctx):
    return x & 1  # §2.3: bit 0 set marks the last byte of an address


def hdlc_frame(c, crc=crc16_x25):
    """HDLC frame format type 3 (§2.1-2.5), one whole frame ``7E ... 7E``.

    Build from ``frame(info, dest, src, control, segmented)``. Addresses are
    lists of their encoded bytes, 1, 2 or 4 of them (§2.3); HCS and FCS are
    CRC-16/X.25, low byte first (§2.5).
    """
    address = c.ExprValidator(
        c.RepeatUntil(_last_address_byte, c.Int8ub), lambda obj, ctx: len(obj) in (1, 2, 4)
    )
    return c.Struct(
        c.Const(b"\x7e"),
        "header"
        / c.RawCopy(
            c.Struct(
                "format"
                / c.Rebuild(c.ExprValidator(c.Int16ub, (c.obj_ >> 12) == 0xA), _hdlc_format),
                "segmented" / c.Computed(lambda ctx: bool(ctx.format & 0x0800)),
                "frame_length" / c.Computed(c.this.format & 0x07FF),
                "dest" / address,
                "src" / address,
                "control" / c.Int8ub,
            )
        ),
        "hcs" / c.Checksum(c.Int16ul, crc, c.this.header.data),
        "info" / c.Bytes(c.this.header.value.frame_length - c.this.header.length - 4),
        "fcs"
        / c.Checksum(
            c.Int16ul,
            crc,
            lambda ctx: ctx.header.data + bytes((ctx.hcs & 0xFF, ctx.hcs >> 8)) + ctx.info,
        ),
        c.Const(b"\x7e"),
        c.Terminated,
    )


class Declarations:
    """All declarations instantiated for one engine (see ``build``)."""

    def __init__(self, c, crc=crc16_x25):
        self.engine = c
        self.axdr_length = n = axdr_length(c)
        self.axdr_data = d = axdr_data(c, n)
        self.cosem_datetime = dt = cosem_datetime(c)
        self.data_notification = data_notification(c, d, dt)
        self.ciphered_apdu = ciphered_apdu(c, n)
        self.hdlc_frame = hdlc_frame(c, crc)


_CACHE = []  # type: list


def build(c):
    """The ``Declarations`` for engine ``c`` (``construct`` or ``cs``), cached."""
    for k, v in _CACHE:
        if k is c:
            return v
    v = Declarations(c)
    _CACHE.append((c, v))
    return v


# -- values for building -------------------------------------------------------


def typed(tag, *args):
    """The buildable form of one A-XDR value: ``{"tag": t, "value": v}``.

    ``typed(2, a, b)`` a structure of typed values; ``typed(4, nbits, data)``;
    ``typed(25, DateTime or 12 bytes)``; ``typed(0)`` null-data.
    """
    if tag == 1 or tag == 2:
        v = list(args)
    elif tag == 0:
        v = None
    elif tag == 4:
        v = {"bits": args[0], "data": bytes(args[1])}
    else:
        v = args[0]
        if tag == 25 and isinstance(v, DateTime):
            v = v.to_bytes()
        elif (tag == 26 or tag == 27) and not isinstance(v, (bytes, bytearray)):
            v = v.raw
    return {"tag": tag, "value": v}


class _T:
    """``T.double_long_unsigned(1362)``, ``T.structure(T.octet_string(b".."), ...)``."""

    def __getattr__(self, name):
        tag = tag_of(name)

        def make(*args):
            return typed(tag, *args)

        return make


T = _T()


def from_typed(v):
    """``("structure", [("octet-string", b".."), ("long-unsigned", 5)])`` -> buildable.

    A type is a name (``-`` or ``_``) or a tag number; dicts pass through.
    """
    if isinstance(v, dict):
        return v
    name, val = v
    tag = name if isinstance(name, int) else tag_of(name)
    if tag == 1 or tag == 2:
        return typed(tag, *[from_typed(x) for x in val])
    if tag == 0:
        return typed(0)
    if tag == 4:
        return typed(4, val[0], val[1])
    return typed(tag, val)


def datetime_fields(dt):
    """A ``cosem.DateTime`` (or 12 bytes) as the ``cosem_datetime`` fields."""
    b = dt.to_bytes() if isinstance(dt, DateTime) else dt
    dev = (b[9] << 8) | b[10]
    return {
        "year": (b[0] << 8) | b[1],
        "month": b[2],
        "day": b[3],
        "weekday": b[4],
        "hour": b[5],
        "minute": b[6],
        "second": b[7],
        "hundredths": b[8],
        "deviation": dev - 0x10000 if dev >= 0x8000 else dev,
        "status": b[11],
    }


def datetime_from_fields(f):
    """The ``cosem.DateTime`` of a parsed ``cosem_datetime`` (or None)."""
    if f is None:
        return None
    y = f["year"]
    d = f["deviation"] & 0xFFFF
    return DateTime.from_bytes(
        bytes(
            (
                y >> 8,
                y & 0xFF,
                f["month"],
                f["day"],
                f["weekday"],
                f["hour"],
                f["minute"],
                f["second"],
                f["hundredths"],
                d >> 8,
                d & 0xFF,
                f["status"],
            )
        )
    )


def notification(body, invoke_id=0x40000000, datetime=None, form=None):
    """Build object for ``data_notification``; ``body`` is typed (``T``/``from_typed``).

    ``form``: 0x00, 0x0C, 0x09 or 0x19 (default 0x0C with a datetime, else 0x00).
    """
    if form is None:
        form = 0x00 if datetime is None else 0x0C
    if datetime is not None and not isinstance(datetime, dict):
        datetime = datetime_fields(datetime)
    return {"invoke_id": invoke_id, "form": form, "datetime": datetime, "body": from_typed(body)}


def ciphered(system_title, security_control, invocation_counter, ciphertext, auth_tag=None, tag=0xDB):
    """Build object for ``ciphered_apdu``."""
    return {
        "tag": tag,
        "system_title": bytes(system_title),
        "security_control": security_control,
        "invocation_counter": invocation_counter,
        "ciphertext": bytes(ciphertext),
        "auth_tag": auth_tag,
    }


def frame(info, dest=b"\x41", src=b"\x08\x83", control=0x13, segmented=False):
    """Build object for ``hdlc_frame``; addresses are encoded bytes (``hdlc.encode_address``)."""
    return {
        "header": {
            "value": {
                "dest": list(dest),
                "src": list(src),
                "control": control,
                "segmented": segmented,
            }
        },
        "info": bytes(info),
    }


# -- parsed containers -> the lean path's Python values --------------------------


def to_native(p):
    """A parsed ``axdr_data`` -> what ``axdr.decode`` returns for the same bytes.

    array -> list, structure -> tuple, octet-string -> bytes, strings -> str,
    bit-string -> BitString, date-time/date/time -> DateTime/Date/Time,
    null -> None, boolean -> bool, numbers -> int/float.
    """
    tag = p["tag"]
    v = p["value"]
    if tag == 1:
        return [to_native(x) for x in v]
    if tag == 2:
        return tuple([to_native(x) for x in v])
    if tag == 4:
        return BitString(v["bits"], v["data"])
    if tag == 25:
        return DateTime.from_bytes(v)
    if tag == 26:
        return Date(v)
    if tag == 27:
        return Time(v)
    return v


def _address_value(lst):
    v = 0
    for b in lst:
        v = (v << 7) | (b >> 1)
    return v


def notification_native(p):
    """Parsed ``data_notification`` -> (invoke_id, DateTime|None, body, form name),
    the fields of ``apdu.DataNotification``."""
    return (p["invoke_id"], datetime_from_fields(p["datetime"]), to_native(p["body"]), FORMS[p["form"]])


def ciphered_native(p):
    """Parsed ``ciphered_apdu`` -> (tag, system_title, SC, counter, ciphertext, auth_tag)."""
    return (
        p["tag"],
        p["system_title"],
        p["security_control"],
        p["invocation_counter"],
        p["ciphertext"],
        p["auth_tag"],
    )


def frame_native(p):
    """Parsed ``hdlc_frame`` -> (segmented, dest, src, control, info) as ``hdlc.Frame`` has them."""
    h = p["header"]["value"]
    return (h["segmented"], _address_value(h["dest"]), _address_value(h["src"]), h["control"], p["info"])
