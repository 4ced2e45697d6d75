# protocols/apdu.py: xDLMS APDUs pushed by meters: Data-Notification and ciphered envelopes.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""xDLMS APDUs (digest section 3).

    >>> n = parse_apdu(bytes.fromhex("0F40000000000101020309060100010700FF06000005520202 0F00161B".replace(" ", "")))
    >>> n.invoke_id, n.datetime, n.body[0][1]
    (1073741824, None, 1362)

* ``DataNotification`` (0x0F): long-invoke-id-and-priority, the optional
  date-time in all three forms meters send (``00``; ``0C`` + 12 bytes;
  Kaifa's ``09 0C`` + 12 bytes; also ``19`` + 12), and the body.
* ``Ciphered`` (0xDB general-glo-ciphering, 0xDC general-ded-ciphering):
  system title, security control, invocation counter, ciphertext, tag.
* ``BlockTransfer`` (0xE0 general-block-transfer).
"""

# Names for the type hints, for type checkers only: MicroPython compiles this
# block away and ignores annotations. Before the first import, so that no
# function's bytecode changes (tools/fw-mem).
if False:
    from typing import Any  # noqa: F401

from . import axdr
from ._compat import const
from .cosem import DateTime
from .errors import ApduError, FormatError, TruncatedError

DATA_NOTIFICATION = const(0x0F)
GLO_CIPHERING = const(0xDB)
DED_CIPHERING = const(0xDC)
GENERAL_CIPHERING = const(0xDD)
BLOCK_TRANSFER = const(0xE0)


class DataNotification:
    """``0F | invoke-id (4) | date-time | body``.

    ``datetime_form`` records how the date-time was encoded: ``"none"``
    (``00``), ``"octets"`` (``0C`` + 12), ``"tagged"`` (Kaifa ``09 0C`` +
    12) or ``"typed"`` (``19`` + 12).
    """

    TAG = DATA_NOTIFICATION
    __slots__ = ("invoke_id", "datetime", "body", "datetime_form")

    def __init__(self, invoke_id: int, datetime: "DateTime | None", body: "Any", datetime_form: str = "none") -> None:
        self.invoke_id = invoke_id
        self.datetime = datetime
        self.body = body
        self.datetime_form = datetime_form

    def __repr__(self):
        return "DataNotification(invoke_id=0x%08X, datetime=%r, body=%r)" % (
            self.invoke_id,
            self.datetime,
            self.body,
        )


class Ciphered:
    """``DB|DC | 08 | system-title(8) | len | SC | counter(4) | ciphertext | [tag(12)]``."""

    __slots__ = (
        "tag",
        "system_title",
        "security_control",
        "invocation_counter",
        "ciphertext",
        "auth_tag",
    )

    def __init__(self, tag: int, system_title: bytes, security_control: int, invocation_counter: int,
                 ciphertext: bytes, auth_tag: "bytes | None") -> None:
        self.tag = tag
        self.system_title = system_title
        self.security_control = security_control
        self.invocation_counter = invocation_counter
        self.ciphertext = ciphertext
        self.auth_tag = auth_tag

    @property
    def authenticated(self) -> bool:
        return bool(self.security_control & 0x10)

    @property
    def encrypted(self) -> bool:
        return bool(self.security_control & 0x20)

    @property
    def manufacturer(self) -> "str | None":
        """The FLAG id in the system title (``KFM``, ``KAM``, ``SAG`` …)."""
        t = self.system_title[:3]
        if all(0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A for b in t):
            return str(t, "ascii")
        return None

    def __repr__(self):
        return "Ciphered(tag=0x%02X, system_title=%s, sc=0x%02X, counter=%d, %d bytes)" % (
            self.tag,
            self.system_title.hex(),
            self.security_control,
            self.invocation_counter,
            len(self.ciphertext),
        )


class BlockTransfer:
    """``E0 | control | block-number(2) | block-number-ack(2) | len | data``."""

    __slots__ = ("last", "streaming", "window", "block_number", "block_ack", "data")

    def __init__(self, last: bool, streaming: bool, window: int, block_number: int, block_ack: int,
                 data: bytes) -> None:
        self.last = last
        self.streaming = streaming
        self.window = window
        self.block_number = block_number
        self.block_ack = block_ack
        self.data = data


# The other xDLMS APDUs a right key can decrypt to (Green Book 9.5): tag ->
# (name, the values their second byte can have: a CHOICE or an OPTIONAL flag).
# Meters push data-notifications; these come from test vectors (the Green
# Book's is a get-request) or a client's traffic, and name what was found.
XDLMS = {
    0x01: ("initiate-request", (0, 1)),
    0x08: ("initiate-response", (0, 1)),
    0xC0: ("get-request", (1, 2, 3)),
    0xC1: ("set-request", (1, 2, 3, 4, 5)),
    0xC2: ("event-notification", (0, 1)),
    0xC3: ("action-request", (1, 2, 3, 4, 5, 6)),
    0xC4: ("get-response", (1, 2, 3)),
    0xC5: ("set-response", (1, 2, 3, 4, 5)),
    0xC7: ("action-response", (1, 2, 3, 4)),
    0xD8: ("exception-response", (1, 2)),
}


def looks_like_apdu(plain: "bytes | bytearray | memoryview") -> bool:
    """True if a decrypted text starts like an unciphered APDU: what meters
    encrypt, a Data-Notification (``0F``), a general-block-transfer block
    (``E0``) or a DSMR telegram (``/``), or another xDLMS APDU (``XDLMS``:
    tag and a valid second byte). With a wrong key the start is random (about
    1 in 80 passes), so a plaintext that fails this means the key is wrong,
    and one that passes means the key is right and anything after is damage
    (or an APDU this reader does not read: ``apdu``)."""
    if len(plain) == 0:
        return False
    t = plain[0]
    if t in (0x0F, 0xE0, 0x2F):
        return True
    x = XDLMS.get(t)
    return x is not None and len(plain) > 1 and plain[1] in x[1]


def parse_apdu(buf: "bytes | bytearray | memoryview", max_depth: int = axdr.MAX_DEPTH,
               max_count: int = axdr.MAX_COUNT) -> "DataNotification | Ciphered | BlockTransfer":
    """Parse one APDU; return DataNotification, Ciphered or BlockTransfer.

    :raises ApduError: an APDU tag this reader does not handle;
    :raises TruncatedError, FormatError and the A-XDR errors.
    """
    n = len(buf)
    if n == 0:
        raise TruncatedError("expected an APDU, found no bytes", 0)
    tag = buf[0]
    if tag == DATA_NOTIFICATION:
        return parse_data_notification(buf, max_depth, max_count)
    if tag == GLO_CIPHERING or tag == DED_CIPHERING:
        return parse_ciphered(buf)
    if tag == BLOCK_TRANSFER:
        return parse_block_transfer(buf)
    raise ApduError(
        "APDU tag: expected 0x0F (data-notification), 0xDB/0xDC (ciphered) or 0xE0 "
        "(block transfer), found 0x%02X" % tag,
        0,
    )


def parse_data_notification(buf: "bytes | bytearray | memoryview", max_depth: int = axdr.MAX_DEPTH,
                            max_count: int = axdr.MAX_COUNT) -> DataNotification:
    n, q = data_notification_at(buf, 0, max_depth, max_count)
    if q != len(buf):
        raise FormatError(
            "data-notification: expected the body to end the APDU, found %d bytes after it"
            % (len(buf) - q),
            q,
        )
    return n


def data_notification_at(buf: "bytes | bytearray | memoryview", s: int, max_depth: int = axdr.MAX_DEPTH,
                         max_count: int = axdr.MAX_COUNT) -> "tuple[DataNotification, int]":
    """(DataNotification, end) for the one starting at ``buf[s]``; bytes may
    follow it (a stream of bare APDUs)."""
    n = len(buf)
    if n - s < 6:
        raise TruncatedError("data-notification: expected at least 6 bytes, found %d" % (n - s), s)
    if buf[s] != DATA_NOTIFICATION:
        raise ApduError("data-notification: expected tag 0x0F, found 0x%02X" % buf[s], s)
    invoke = (buf[s + 1] << 24) | (buf[s + 2] << 16) | (buf[s + 3] << 8) | buf[s + 4]
    p = s + 5
    b = buf[p]
    form = "octets"
    if b == 0x09:  # Kaifa's extra Data tag (a meter bug, digest 3.1)
        form = "tagged"
        p += 1
        if p >= n:
            raise TruncatedError("data-notification: input ends in the date-time", p)
        b = buf[p]
    elif b == 0x19:  # a typed date-time, no length byte
        if p + 13 > n:
            raise TruncatedError("data-notification: input ends in the date-time", p)
        body, q = _body(buf, p + 13, max_depth, max_count)
        return DataNotification(invoke, DateTime.from_bytes(buf, p + 1), body, "typed"), q
    if b == 0:
        dt = None
        if form == "octets":
            form = "none"
        p += 1
    elif b == 12:
        if p + 13 > n:
            raise TruncatedError("data-notification: input ends in the date-time", p)
        dt = DateTime.from_bytes(buf, p + 1)
        p += 13
    else:
        raise FormatError(
            "data-notification date-time: expected length 0 or 12, found %d" % b, p
        )
    body, q = _body(buf, p, max_depth, max_count)
    return DataNotification(invoke, dt, body, form), q


def _body(buf, p, max_depth, max_count):
    if p >= len(buf):
        raise TruncatedError("data-notification: expected a body, input ends", p)
    return axdr.decode(buf, p, max_depth, max_count)


def parse_ciphered(buf: "bytes | bytearray | memoryview") -> Ciphered:
    n = len(buf)
    if n < 2 or buf[1] != 8:
        if n < 2:
            raise TruncatedError("ciphered APDU: expected a system-title length, input ends", 1)
        raise FormatError(
            "ciphered APDU: expected system-title length 8, found %d" % buf[1], 1
        )
    if n < 10:
        raise TruncatedError("ciphered APDU: the system title is cut short", 2)
    title = bytes(buf[2:10])
    ln, p = axdr.decode_length(buf, 10)
    if p + ln > n:
        raise TruncatedError(
            "ciphered APDU: length %d announced, %d bytes follow" % (ln, n - p), 10
        )
    if p + ln < n:
        raise FormatError(
            "ciphered APDU: length %d announced, %d bytes follow" % (ln, n - p), 10
        )
    if ln < 5:
        raise FormatError("ciphered APDU: length %d leaves no room for SC and counter" % ln, 10)
    sc = buf[p]
    counter = (buf[p + 1] << 24) | (buf[p + 2] << 16) | (buf[p + 3] << 8) | buf[p + 4]
    body_end = p + ln
    tag = None
    if sc & 0x10:
        if ln < 5 + 12:
            raise FormatError(
                "ciphered APDU: SC 0x%02X announces a 12-byte tag, only %d bytes after the counter"
                % (sc, ln - 5),
                p,
            )
        tag = bytes(buf[body_end - 12 : body_end])
        body_end -= 12
    return Ciphered(buf[0], title, sc, counter, bytes(buf[p + 5 : body_end]), tag)


def parse_block_transfer(buf: "bytes | bytearray | memoryview") -> BlockTransfer:
    n = len(buf)
    if n < 7:
        raise TruncatedError("general-block-transfer: expected at least 7 bytes, found %d" % n, 0)
    ctl = buf[1]
    blk = (buf[2] << 8) | buf[3]
    ack = (buf[4] << 8) | buf[5]
    ln, p = axdr.decode_length(buf, 6)
    if p + ln > n:
        raise TruncatedError(
            "general-block-transfer: block of %d bytes, %d follow" % (ln, n - p), 6
        )
    return BlockTransfer(
        bool(ctl & 0x80), bool(ctl & 0x40), ctl & 0x3F, blk, ack, bytes(buf[p : p + ln])
    )
