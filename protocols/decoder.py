# protocols/decoder.py: bytes in, readings out: one frame, one APDU, or a stream.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The top of the shared core.

    >>> r = decode_frame(frame_bytes)          # one HDLC frame -> Reading
    >>> reader = Reader()
    >>> for reading in reader.feed(chunk): ... # a byte stream -> Readings

Decryption hooks in through ``decrypt``: a callable ``(Ciphered) ->
(plaintext_apdu, authenticated)`` supplied by the host
(``hostlib.crypto.Decryptor``, the ``cryptography`` package) or the device
(``protocols.security.make_decryptor``, ``cryptolib``). Errors a user can
act on (digest 3.3):

* no key set and a ciphered APDU arrives: ``EncryptedError`` (``encrypted``);
* the tag does not verify, or the plaintext is not an APDU (encryption-only
  frames have no tag, so that is how a wrong key shows): ``DecryptionError``
  (``key``);
* a frame counter that does not increase: ``ReplayError`` (``replay``);
* no frames at all: ``Reader.status()`` says so.

``Reader`` detects the stream's protocol from its content (digest section
0): HDLC (``7E A…``), wired M-Bus (``68 L L 68``), P1/DSMR ASCII (``/XXX5``)
or bare ciphered APDUs (``DB 08``, Luxembourg Smarty); general block
transfer (``E0``) blocks are reassembled whatever carries them.
"""

from .apdu import BlockTransfer, Ciphered, DataNotification, parse_apdu
from .dialects import decode_notification
from .errors import (
    ApduError,
    DecryptionError,
    EncryptedError,
    FormatError,
    HanError,
    ReplayError,
    TruncatedError,
)
from .hdlc import Frame, HdlcFramer, parse_frame

try:  # CPython: names for the type hints (MicroPython ignores annotations and has no typing)
    from typing import Callable, Dict, List, Optional, Tuple  # noqa: F401

    from .reading import Reading  # noqa: F401
except ImportError:
    pass


def _p1():
    from . import p1  # lazily: not every device reads P1

    return p1


def decode_apdu(apdu: bytes, decrypt: "Optional[Callable]" = None, _depth: int = 0) -> "Reading":
    """Reading for one APDU (``0F …``, a ciphered envelope ``DB``/``DC``)."""
    a = parse_apdu(apdu)
    if isinstance(a, DataNotification):
        return decode_notification(a)
    if isinstance(a, Ciphered):
        if _depth:
            raise ApduError("a ciphered APDU inside a ciphered APDU", 0)
        if not valid_security_control(a.security_control):
            raise FormatError(
                "APDU 0x%02X: security control 0x%02X is not valid (suite %d%s%s): not a ciphered APDU"
                % (a.tag, a.security_control, a.security_control & 0x0F,
                   ", compression" if a.security_control & 0x80 else "",
                   "" if a.security_control & 0x30 else ", neither encrypted nor authenticated"),
                0,
            )
        if decrypt is None:
            raise EncryptedError(
                "APDU 0x%02X is encrypted (system title %s, security 0x%02X): no key is set"
                % (a.tag, a.system_title.hex().upper(), a.security_control),
                0,
            )
        plain, authenticated = decrypt(a)
        r = _decode_plaintext(a, plain, authenticated)
        confirm = getattr(decrypt, "confirm", None)
        if confirm is not None:
            confirm(a)
        r.authenticated = authenticated
        r.frame_counter = a.invocation_counter
        return r
    if isinstance(a, BlockTransfer):
        raise ApduError("general-block-transfer block %d outside a stream" % a.block_number, 0)
    raise ApduError("unexpected APDU", 0)  # pragma: no cover


def _wrong_key(a, why):
    return DecryptionError(
        "the frame from %s (counter %d) does not decrypt to %s: the key is wrong"
        % (a.system_title.hex().upper(), a.invocation_counter, why),
        0,
    )


def _decode_plaintext(a, plain, authenticated):
    """Reading for the plaintext of ciphered APDU ``a``.

    Without a verified tag a plaintext that does not parse means a wrong
    key (``DecryptionError``); with a verified tag the key is right and the
    parse error is reported as it is.
    """
    if len(plain) and plain[0] == 0x2F:  # '/': a DSMR telegram (Luxembourg Smarty)
        try:
            return _p1().decode_telegram(plain)
        except HanError:
            if authenticated:
                raise
            raise _wrong_key(a, "a valid P1 telegram")
    try:
        inner = parse_apdu(plain)
    except HanError:
        if authenticated:
            raise
        raise _wrong_key(a, "a valid APDU")
    if not isinstance(inner, DataNotification):
        if authenticated:
            raise ApduError(
                "expected a data-notification inside the ciphered APDU, found tag 0x%02X" % plain[0],
                0,
            )
        raise _wrong_key(a, "a data-notification")
    return decode_notification(inner, a.manufacturer)


def decode_frame(frame: bytes, decrypt: "Optional[Callable]" = None) -> "Reading":
    """Reading for one HDLC frame (bytes ``7E … 7E`` or a verified Frame)."""
    if not isinstance(frame, Frame):
        frame = parse_frame(frame)
    return decode_apdu(frame.apdu, decrypt)


def _find_mbus(buf):
    """Index of a wired M-Bus long-frame start ``68 L L 68``, or -1."""
    i = buf.find(b"\x68")
    while 0 <= i <= len(buf) - 4:
        if buf[i + 3] == 0x68 and buf[i + 1] == buf[i + 2]:
            return i
        i = buf.find(b"\x68", i + 1)
    return -1


def _alpha(b):
    return 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A


def _find_p1(buf):
    """Index of a P1 telegram header ``/XXX5`` (FLAG id and a baud digit), or -1."""
    i = buf.find(b"/")
    while 0 <= i <= len(buf) - 5:
        if _alpha(buf[i + 1]) and _alpha(buf[i + 2]) and _alpha(buf[i + 3]) and 0x30 <= buf[i + 4] <= 0x39:
            return i
        i = buf.find(b"/", i + 1)
    return -1


def _find_raw(buf):
    return buf.find(b"\xdb\x08")


def valid_security_control(sc):
    """True for a security control byte a meter can send (Green Book 9.2.7.2.2):
    security suite 0, 1 or 2 (bits 0-3), authentication and/or encryption
    (bits 4, 5), no compression (bit 7, never used). Anything else (0xF8 from
    random bytes) is not a ciphered APDU at all: a format error, not a key problem."""
    return (sc & 0x0F) <= 2 and not sc & 0x80 and sc & 0x30 != 0


# Stream protocols (Reader.protocol).
HDLC = "hdlc"
MBUS = "mbus"
P1 = "p1"
RAW = "apdu"  # bare ciphered APDUs, no framing (Luxembourg Smarty)
AUTO = "auto"


class ApduFramer:
    """Bare ciphered APDUs back to back (``DB 08 title len …``), no checksum:
    the GCM tag is the only check, so resynchronisation hunts for ``DB 08``."""

    def __init__(self, max_frame=4096, on_reject=None):
        self.max_frame = max_frame
        self.on_reject = on_reject
        self._buf = bytearray()
        self.accepted = 0
        self.oversize = 0
        self.format_errors = 0
        self.discarded = 0

    def counters(self):
        return [
            ("accepted", self.accepted),
            ("oversize", self.oversize),
            ("format_errors", self.format_errors),
            ("discarded", self.discarded),
        ]

    def feed(self, data):
        buf = self._buf
        buf += data
        out = []
        while True:
            p = buf.find(b"\xdb\x08")
            if p < 0:
                k = len(buf) - 1 if len(buf) and buf[-1] == 0xDB else len(buf)
                self.discarded += k
                buf[0:k] = b""
                break
            if p:
                self.discarded += p
                buf[0:p] = b""
            if len(buf) < 12:
                break
            b = buf[10]
            if b < 0x80:
                ln, hl = b, 1
            elif b in (0x81, 0x82) and len(buf) >= 11 + (b & 0x7F):
                hl = 1 + (b & 0x7F)
                ln = buf[11] if b == 0x81 else (buf[11] << 8) | buf[12]
            elif b in (0x81, 0x82):
                break
            else:
                self.format_errors += 1
                self.discarded += 1
                buf[0:1] = b""
                continue
            total = 10 + hl + ln
            bad_sc = len(buf) > 10 + hl and not valid_security_control(buf[10 + hl])
            if total > self.max_frame or ln < 5 or bad_sc:
                if total > self.max_frame:
                    self.oversize += 1
                else:
                    self.format_errors += 1
                self.discarded += 1
                buf[0:1] = b""
                continue
            if len(buf) < total:
                break
            out.append(bytes(buf[:total]))
            buf[0:total] = b""
            self.accepted += 1
        return out

    def flush(self):
        self.discarded += len(self._buf)
        self._buf = bytearray()


class Reader:
    """A byte stream in, readings out, with the framers' counters.

    ``feed(chunk)`` returns the readings completed by ``chunk``. A frame
    that verifies but does not decode is counted (``decode_errors``, and
    ``encrypted``/``key_errors``/``replays`` by cause) and reported through
    ``on_error`` (or, when that is None, ``on_reject`` like a checksum
    failure); the stream goes on either way. ``set_raw(on)`` switches
    ``keep_raw`` (each message keeps its received bytes) on the live framers.

    ``protocol``: ``"auto"`` (default: detect from the content), ``"hdlc"``,
    ``"mbus"``, ``"p1"`` or ``"apdu"``. While detecting, every framer sees
    the bytes; the first to deliver a verified frame wins and the others
    are dropped. A locked stream that yields nothing for ``relock`` bytes
    goes back to detection (the meter or the port setting changed).
    ``status()`` gives the condition for a status line.

    Rejects made while detecting are held, ``pending`` per framer, and
    reported once that framer's protocol locks; if nothing has locked by
    ``flush()``, the first protocol's (HDLC first) are reported then, so a
    stream of nothing but broken frames still says why. Every reject
    carries ``stream_offset``, its position in the whole stream, when the
    framer knows where in its buffer the fault was.
    """

    def __init__(self, decrypt=None, on_reject=None, max_frame=1024, on_frame=None,
                 protocol=AUTO, relock=8192, p1_std_offset=None, keep_raw=False, pending=8,
                 on_error=None):
        self.decrypt = decrypt
        self.on_reject = on_reject  # framing rejects (and decode errors when on_error is None)
        self.on_error = on_error  # a verified message that did not decode
        self.on_frame = on_frame
        self.max_frame = max_frame
        self.relock = relock
        self.keep_raw = keep_raw  # HDLC frames carry their bytes (Frame.raw)
        self.p1_std_offset = p1_std_offset
        self.pending = pending
        self.decode_errors = 0
        self.readings = 0
        self.encrypted = 0
        self.key_errors = 0
        self.replays = 0
        self.bytes_in = 0
        self.last_error = None
        self._last_was_error = False
        self._gbt = None
        self._fixed = protocol != AUTO
        self._framers = []
        self._pending = None
        self.protocol = None
        if self._fixed:
            self._lock(protocol, self._make(protocol))
        else:
            self._detect()
        # The HDLC framer stays reachable as .framer (existing callers).

    # -- framers -------------------------------------------------------------

    def _make(self, protocol):
        if protocol == HDLC:
            fr = HdlcFramer(max_frame=self.max_frame, keep_raw=self.keep_raw)
        elif protocol == MBUS:
            from .mbus import MbusFramer

            fr = MbusFramer()
        elif protocol == P1:
            fr = _p1().P1Framer()
        elif protocol == RAW:
            fr = ApduFramer()
        else:
            raise ValueError("protocol: expected auto, hdlc, mbus, p1 or apdu, found %r" % protocol)
        fr.on_reject = self._rejector(protocol, fr)
        return fr

    def _detect(self):
        # The HDLC framer (the Nordic case) runs from the start; the others
        # are created, and their modules imported, only once their
        # signature shows up in the stream (see _sniff): a dongle on a
        # Norwegian meter never pays the heap for M-Bus, P1 or GCM code.
        self.protocol = None
        self._pending = {}
        self._framers = [(HDLC, self._make(HDLC))]
        self.framer = self._framers[0][1]
        self._quiet = 0
        self._tail = b""

    def _sniff(self, data):
        """Start the framer of every protocol whose signature is in ``data``
        (or spans the previous chunk's end): ``68 L L 68``, ``/XXX5``, ``DB 08``."""
        tail = self._tail
        # bytes: a memoryview has no find() on MicroPython (only while detecting)
        buf = tail + bytes(data) if tail or type(data) is not bytes else data
        for proto, find in ((MBUS, _find_mbus), (P1, _find_p1), (RAW, _find_raw)):
            started = False
            for p, _ in self._framers:
                if p == proto:
                    started = True
            if started:
                continue
            i = find(buf)
            if i >= 0:
                fr = self._make(proto)
                self._framers.append((proto, fr))
                if i < len(tail):
                    fr.feed(tail[i:])  # the signature began in the last chunk
        self._tail = bytes(buf[-5:]) if len(buf) >= 5 else bytes(buf)

    def _lock(self, protocol, framer):
        self.protocol = protocol
        self._framers = [(protocol, framer)]
        self.framer = framer
        self._quiet = 0
        pending = self._pending.get(protocol) if self._pending else None
        self._pending = None
        if pending and self.on_reject is not None:
            for e in pending:
                self.on_reject(e)

    def _rejector(self, protocol, framer):
        # Before the protocol is known every framer sees every byte, so most
        # of their complaints are about each other's traffic: keep them (a
        # few) and report only the winner's, once it is known.
        def rej(err):
            off = err.offset
            held = getattr(framer, "_n", None)
            if off is not None and held is not None:
                # Exact when fed in slices that fit the framer's spare room.
                err.stream_offset = self.bytes_in - held + off
            if self.protocol is not None:
                if self.protocol == protocol and self.on_reject is not None:
                    self.on_reject(err)
                return
            lst = self._pending.get(protocol)
            if lst is None:
                lst = self._pending[protocol] = []
            if len(lst) < self.pending:
                lst.append(err)

        return rej

    # -- stream ----------------------------------------------------------------

    def feed(self, data: bytes) -> "List[Reading]":
        out = []
        self.bytes_in += len(data)
        if self.protocol is None:
            self._sniff(data)
            for proto, fr in self._framers:
                msgs = fr.feed(data)
                if msgs:
                    self._lock(proto, fr)
                    self._handle(proto, msgs, out)
                    break
            return out
        msgs = self.framer.feed(data)
        if msgs:
            self._quiet = 0
            self._handle(self.protocol, msgs, out)
        else:
            self._quiet += len(data)
            if not self._fixed and self._quiet > self.relock:
                self._detect()
        return out

    def _handle(self, proto, msgs, out):
        for m in msgs:
            if self.on_frame is not None:
                self.on_frame(m)
            try:
                r = self._decode(proto, m)
            except HanError as e:
                self._count_error(e)
                self._last_was_error = True
                continue
            if r is not None:
                out.append(r)
                self.readings += 1
                self._last_was_error = False

    def _decode(self, proto, m):
        if proto == P1:
            if self.p1_std_offset is None:
                return _p1().decode_telegram(m, verify=False)
            return _p1().decode_telegram(m, verify=False, std_offset=self.p1_std_offset)
        apdu = m if proto == RAW else m.apdu
        if len(apdu) and apdu[0] == 0xE0:
            bt = parse_apdu(apdu)
            if self._gbt is None:
                from .mbus import GbtAssembler

                self._gbt = GbtAssembler()
            whole = self._gbt.add(bt)
            if whole is None:
                return None
            apdu = whole
        return decode_apdu(apdu, self.decrypt)

    def _count_error(self, e):
        self.decode_errors += 1
        k = e.kind
        if k == "encrypted":
            self.encrypted += 1
        elif k == "key":
            self.key_errors += 1
        elif k == "replay":
            self.replays += 1
        self.last_error = e
        cb = self.on_error if self.on_error is not None else self.on_reject
        if cb is not None:
            cb(e)

    def set_raw(self, on):
        """Keep each message's received bytes (``Frame.raw``) or stop doing so."""
        self.keep_raw = bool(on)
        for _, fr in self._framers:
            if hasattr(fr, "keep_raw"):
                fr.keep_raw = self.keep_raw

    def flush(self) -> None:
        for _, fr in self._framers:
            fr.flush()
        if self._gbt is not None:
            self._gbt.reset()
        pending = self._pending
        if self.protocol is None and pending:
            # Nothing locked: report the first protocol's rejects (HDLC's
            # first), so a stream of broken frames does not pass in silence.
            self._pending = {}
            for proto in (HDLC, MBUS, P1, RAW):
                if pending.get(proto):
                    if self.on_reject is not None:
                        for e in pending[proto]:
                            self.on_reject(e)
                    break

    # -- reporting -------------------------------------------------------------

    def counters(self) -> "Dict[str, int]":
        """The counters as a dict ``{name: value}``, summed over the live framers."""
        names = (
            "accepted",
            "hcs_errors",
            "fcs_errors",
            "checksum_errors",
            "length_errors",
            "oversize",
            "truncated",
            "format_errors",
            "discarded",
        )
        vals = [0] * len(names)
        for proto, fr in self._framers:
            if self.protocol is None and proto != HDLC:
                continue  # while detecting, count the HDLC framer's view only
            for name, v in fr.counters():
                for i in range(len(names)):
                    if names[i] == name:
                        vals[i] += v
        out = [(names[i], vals[i]) for i in range(len(names))]
        # A dict, as hostlib's HanReader.counters() (an ordered one on CPython).
        return dict(out + [
            ("decode_errors", self.decode_errors),
            ("encrypted", self.encrypted),
            ("key_errors", self.key_errors),
            ("replays", self.replays),
            ("readings", self.readings),
        ])

    def status(self) -> "Tuple[str, str]":
        """(code, text) for a status line: ``no_data``, ``no_frames``,
        ``encrypted`` (no key), ``wrong_key``, ``replay``, ``errors`` or ``ok``."""
        if self.bytes_in == 0:
            return "no_data", "no bytes received: check the cable and the port"
        accepted = 0
        for _, fr in self._framers:
            accepted += fr.accepted
        if self.protocol is None or (accepted == 0 and self.readings == 0 and self.decode_errors == 0):
            return "no_frames", "bytes arrive but no frame verifies: check speed, parity and inversion"
        e = self.last_error
        if e is not None and (self.readings == 0 or self._last_was_error):
            k = e.kind
            if k == "encrypted":
                return "encrypted", "frames arrive but they are encrypted and no key is set"
            if k == "key":
                return "wrong_key", "frames arrive but the key is wrong: " + str(e)
            if k == "replay":
                return "replay", "a frame counter went backwards (possible replay): " + str(e)
            return "errors", "frames arrive but do not decode: " + str(e)
        return "ok", "%d readings (%s)" % (self.readings, self.protocol)
