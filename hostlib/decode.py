# hostlib/decode.py: one frame (or APDU) in, one Reading out, with optional keys.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""``hostlib.decode``: the one-call API."""

from protocols.decoder import decode_apdu
from protocols.errors import FormatError, TruncatedError
from protocols.hdlc import parse_frame


def _keyed_decryptor(key, auth_key):
    if key is None:
        return None
    from .crypto import Decryptor  # imported only when a key is given

    return Decryptor(key, auth_key)


def decode(data, *, key=None, auth_key=None):
    """Decode one frame and return a :class:`protocols.reading.Reading`.

    ``data``: one HDLC frame (``7E … 7E``), or a bare APDU (``0F …``,
    ``DB …``). ``key``/``auth_key``: AES-128 keys (bytes or hex text) for
    ciphered APDUs.

    :raises protocols.errors.HanError: the specific error (``err.kind`` is
        ``hcs``, ``fcs``, ``length``, ``truncated``, ``encrypted``, ...).
    """
    if isinstance(data, str):
        raise TypeError("decode() takes bytes; for hex text use bytes.fromhex()")
    data = bytes(data)
    if not data:
        raise TruncatedError("expected a frame, found no bytes", 0)
    decrypt = _keyed_decryptor(key, auth_key)
    first = data[0]
    if first == 0x7E:
        return decode_apdu(parse_frame(data).apdu, decrypt)
    if first in (0x0F, 0xDB, 0xDC, 0xE0):
        return decode_apdu(data, decrypt)
    if first == 0xE6 or first == 0xFF:
        from protocols.hdlc import strip_llc

        return decode_apdu(strip_llc(data), decrypt)
    raise FormatError(
        "expected an HDLC frame (0x7E) or an APDU (0x0F, 0xDB, 0xDC), found 0x%02X" % first, 0
    )
