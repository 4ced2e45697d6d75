# protocols/decoder.py: bytes in, readings out: one frame, one APDU, or a stream.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The top of the shared core.

    >>> r = decode_frame(frame_bytes)          # one HDLC frame -> Reading
    >>> reader = Reader()
    >>> for reading in reader.feed(chunk): ... # a byte stream -> Readings

Decryption hooks in through ``decrypt``: a callable ``(Ciphered) ->
(plaintext_apdu, authenticated)`` supplied by the host (``cryptography``)
or the device (``cryptolib``); without one a ciphered APDU raises
EncryptedError.
"""

from .apdu import BlockTransfer, Ciphered, DataNotification, parse_apdu
from .dialects import decode_notification
from .errors import ApduError, EncryptedError, HanError
from .hdlc import Frame, HdlcFramer, parse_frame


def decode_apdu(apdu, decrypt=None, _depth=0):
    """Reading for one APDU (``0F …`` or a ciphered envelope)."""
    a = parse_apdu(apdu)
    if isinstance(a, DataNotification):
        return decode_notification(a)
    if isinstance(a, Ciphered):
        if decrypt is None:
            raise EncryptedError(
                "APDU 0x%02X is encrypted (system title %s, security 0x%02X): no key is set"
                % (a.tag, a.system_title.hex().upper(), a.security_control),
                0,
            )
        plain, authenticated = decrypt(a)
        if _depth:
            raise ApduError("a ciphered APDU inside a ciphered APDU", 0)
        inner = parse_apdu(plain)
        if not isinstance(inner, DataNotification):
            raise ApduError("expected a data-notification inside the ciphered APDU", 0)
        r = decode_notification(inner, a.manufacturer)
        r.authenticated = authenticated
        r.frame_counter = a.invocation_counter
        return r
    if isinstance(a, BlockTransfer):
        raise ApduError("general-block-transfer block %d outside a stream" % a.block_number, 0)
    raise ApduError("unexpected APDU", 0)  # pragma: no cover


def decode_frame(frame, decrypt=None):
    """Reading for one HDLC frame (bytes ``7E … 7E`` or a verified Frame)."""
    if not isinstance(frame, Frame):
        frame = parse_frame(frame)
    return decode_apdu(frame.apdu, decrypt)


class Reader:
    """A byte stream in, readings out, with the framer's counters.

    ``feed(chunk)`` returns the readings completed by ``chunk``. A frame
    that verifies but does not decode is counted in ``decode_errors`` and
    reported through ``on_reject`` like a checksum failure; the stream goes
    on either way.
    """

    def __init__(self, decrypt=None, on_reject=None, max_frame=1024, on_frame=None):
        self.decrypt = decrypt
        self.on_reject = on_reject
        self.on_frame = on_frame
        self.framer = HdlcFramer(max_frame=max_frame, on_reject=on_reject)
        self.decode_errors = 0
        self.readings = 0

    def feed(self, data):
        out = []
        for f in self.framer.feed(data):
            if self.on_frame is not None:
                self.on_frame(f)
            try:
                out.append(decode_apdu(f.apdu, self.decrypt))
                self.readings += 1
            except HanError as e:
                self.decode_errors += 1
                if self.on_reject is not None:
                    self.on_reject(e)
        return out

    def flush(self):
        self.framer.flush()

    def counters(self):
        return self.framer.counters() + [
            ("decode_errors", self.decode_errors),
            ("readings", self.readings),
        ]
