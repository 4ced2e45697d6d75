# hostlib/decode.py: one frame (or APDU, frame set, telegram) in, one Reading out, with optional keys.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""``hostlib.decode``: the one-call API."""

from typing import Callable, Optional, Union

from protocols.decoder import HDLC, MBUS, P1, RAW, Reader, decode_apdu
from protocols.errors import FormatError, HanError, TruncatedError
from protocols.hdlc import parse_frame
from protocols.reading import Reading


def _keyed_decryptor(key, auth_key):
    if key is None:
        if auth_key is not None:
            raise ValueError("auth_key given without key: the encryption key is needed to decrypt")
        return None
    from .crypto import Decryptor  # imported only when a key is given

    return Decryptor(key, auth_key)


def _hdlc_length(data):
    return (((data[1] << 8) | data[2]) & 0x7FF) + 2 if len(data) >= 3 else 0


def decode(data: bytes, *, key: Union[str, bytes, None] = None, auth_key: Union[str, bytes, None] = None,
           decrypt: Optional[Callable] = None) -> Reading:
    """Decode one push and return a :class:`protocols.reading.Reading`.

    ``data`` (bytes) is one of:

    * one HDLC frame (``7E … 7E``), or several back to back that form one
      push (segmented frames, general-block-transfer blocks);
    * wired M-Bus long frames (``68 L L 68 … 16``), all segments of one push;
    * a P1/DSMR telegram (``/ … !CRC``);
    * a bare APDU: ``0F …`` (Data-Notification), ``DB``/``DC …`` (ciphered,
      also the Luxembourg Smarty's encrypted telegram), or an LLC header
      ``E6 E7 00`` and an APDU.

    ``key``/``auth_key``: AES-128 keys (bytes or hex text) for ciphered
    APDUs; ``decrypt``: a ready decryptor instead (keeps frame counters
    across calls).

    :raises protocols.errors.HanError: the specific error (``err.kind`` is
        ``hcs``, ``fcs``, ``checksum``, ``truncated``, ``encrypted`` (no key
        set), ``key`` (wrong key), ``replay``, ...).
    :raises ValueError: a malformed key.
    """
    if isinstance(data, str):
        raise TypeError("decode() takes bytes; for hex text use bytes.fromhex()")
    data = bytes(data)
    if not data:
        raise TruncatedError("expected a frame, found no bytes", 0)
    if decrypt is None:
        decrypt = _keyed_decryptor(key, auth_key)
    first = data[0]
    if first == 0x7E:
        if _hdlc_length(data) >= len(data) - 1:
            # One frame (a trailing idle flag allowed): its own, precise errors.
            try:
                frame = parse_frame(data[: _hdlc_length(data)])
            except TruncatedError:
                # Its length claims more than follows: frames may lie inside
                # the claim (the stream reader's end-of-input rescan finds them).
                try:
                    return _stream(data, HDLC, decrypt, found_first=True)
                except HanError:
                    pass
                raise
            return decode_apdu(frame.apdu, decrypt)
        return _stream(data, HDLC, decrypt)
    if first == 0x68:
        return _stream(data, MBUS, decrypt)
    if first == 0x2F:  # '/'
        from protocols.p1 import decode_telegram

        return decode_telegram(data)
    if first in (0xDB, 0xDC):
        return decode_apdu(data, decrypt)
    if first in (0x0F, 0xE0):
        return decode_apdu(data, decrypt)
    if first == 0xE6 or first == 0xFF:
        from protocols.hdlc import strip_llc

        return decode_apdu(strip_llc(data), decrypt)
    raise FormatError(
        "expected an HDLC frame (0x7E), M-Bus frames (0x68), a P1 telegram ('/') or an APDU "
        "(0x0F, 0xDB, 0xDC), found 0x%02X" % first,
        0,
    )


def _stream(data, protocol, decrypt, found_first=False):
    """The Reading of a multi-frame push (every frame must verify); else the
    first error, decoding errors (``encrypted``, ``key`` ...) before framing ones."""
    # The first decoding error and the first framing error only: memory
    # stays bounded whatever the input (issue 12 item 10).
    first = [None, None]

    def keep(e):
        i = 1 if _is_framing(e) else 0
        if first[i] is None:
            first[i] = e

    reader = Reader(decrypt=decrypt, on_reject=keep, protocol=protocol, max_frame=2049)
    out = reader.feed(data)
    out += reader.flush()
    if out and found_first:
        return out[0]
    if first[0] is not None:
        raise first[0]
    if first[1] is not None:
        raise first[1]
    if out:
        return out[0]
    raise FormatError("no complete %s message found in %d bytes" % (protocol, len(data)), 0)


def _is_framing(e):
    return e.kind in ("hcs", "fcs", "checksum", "length", "truncated", "oversize", "frame")
