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
* the key is wrong: the tag does not verify and the plaintext is not even
  the start of an APDU, or (encryption-only frames have no tag) the
  plaintext is not an APDU: ``DecryptionError`` (``key``);
* the tag does not verify although the key decrypts the frame: the
  authentication key is wrong or the frame was altered:
  ``AuthenticationError`` (``auth``);
* an authentication key is set and a frame has no tag (a downgrade?):
  ``UnauthenticatedError`` (``unauthenticated``);
* a plaintext that starts like an APDU but is cut short or malformed: the
  frame is damaged, its own error (``truncated``, ``format`` …);
* a frame counter that does not increase: ``ReplayError`` (``replay``);
* no frames at all: ``Reader.status()`` says so.

``Reader`` detects the stream's protocol from its content (digest section
0): HDLC (``7E A…``), wired M-Bus (``68 L L 68``), P1/DSMR ASCII (``/XXX5``)
or bare APDUs (``DB 08``, Luxembourg Smarty; a pasted ``0F …`` or
``E6 E7 00 …`` dump); general block transfer (``E0``) blocks are
reassembled whatever carries them. The framers are in ``hdlc``, ``mbus``,
``p1`` and ``apduframer``; where each protocol's messages start is
``sniff.find_signature`` (the detection, loaded while detecting).
"""

# Names for the type hints, for type checkers only: MicroPython compiles this
# block away and ignores annotations. Before the first import, so that no
# function's bytecode changes (tools/fw-mem).
if False:
    from typing import Any  # noqa: F401

from .apdu import XDLMS, BlockTransfer, Ciphered, DataNotification, looks_like_apdu, parse_apdu
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


def _sniff():
    from . import sniff  # while detecting only (see _forget_sniff)

    return sniff


def _forget_sniff():
    """Drop the detection code once a stream is locked: on a device its
    bytecode lives in the heap (a relock imports it again)."""
    import sys

    sys.modules.pop(__name__[: -len("decoder")] + "sniff", None)
    try:
        import protocols

        del protocols.sniff
    except (ImportError, AttributeError, KeyError):  # (MicroPython: KeyError)
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

    With a verified tag the key is right and a parse error is reported as
    it is. Without one, a plaintext that does not even start like an APDU
    (``looks_like_apdu``) means a wrong key (``DecryptionError``); one that
    does but fails later is a damaged frame, reported as it is
    (``truncated``, ``format`` …), not as a wrong key.
    """
    right_key = authenticated or looks_like_apdu(plain)
    if len(plain) and plain[0] == 0x2F:  # '/': a DSMR telegram (Luxembourg Smarty)
        return _p1().decode_telegram(plain)
    if not right_key:
        raise _wrong_key(a, "a valid APDU")
    other = XDLMS.get(plain[0]) if len(plain) else None
    if other is not None:
        raise ApduError(
            "expected a data-notification inside the ciphered APDU, found a %s (0x%02X): "
            "the key decrypts it, but this reader reads only data-notifications" % (other[0], plain[0]),
            0,
        )
    inner = parse_apdu(plain)
    if not isinstance(inner, DataNotification):
        raise ApduError(
            "expected a data-notification inside the ciphered APDU, found tag 0x%02X" % plain[0],
            0,
        )
    return decode_notification(inner, a.manufacturer)


def decode_frame(frame: "bytes | bytearray | memoryview | Frame", decrypt: "Optional[Callable]" = None) -> "Reading":
    """Reading for one HDLC frame (bytes ``7E … 7E`` or a verified Frame)."""
    if not isinstance(frame, Frame):
        frame = parse_frame(frame)
    return decode_apdu(frame.apdu, decrypt)


def wire_bytes(msg: "Any") -> bytes:
    """The bytes of a message as received, for a raw dump, whatever the
    protocol: an HDLC ``Frame`` or M-Bus ``MbusMessage`` (their ``raw``,
    kept when the framer's ``keep_raw`` is on; else the APDU they carry),
    a P1 telegram or a bare APDU (bytes already)."""
    raw = getattr(msg, "raw", None)
    if raw is not None:
        return raw
    if isinstance(msg, Frame):
        return msg.info
    apdu = getattr(msg, "apdu", None)
    if apdu is not None:
        return apdu
    return bytes(msg)


def valid_security_control(sc: int) -> bool:
    """True for a security control byte a meter can send (Green Book 9.2.7.2.2):
    security suite 0, 1 or 2 (bits 0-3), authentication and/or encryption
    (bits 4, 5), no compression (bit 7, never used). Anything else (0xF8 from
    random bytes) is not a ciphered APDU at all: a format error, not a key problem."""
    return (sc & 0x0F) <= 2 and not sc & 0x80 and sc & 0x30 != 0


# Stream protocols (Reader.protocol).
HDLC = "hdlc"
MBUS = "mbus"
P1 = "p1"
RAW = "apdu"  # bare APDUs, no framing (Luxembourg Smarty, pasted dumps)
AUTO = "auto"

class _Run:
    """One framer while the protocol is detected: where it began in the
    stream (``origin``) and the messages it found, held until a decision."""

    __slots__ = ("proto", "fr", "origin", "held")

    def __init__(self, proto, fr, origin):
        self.proto = proto
        self.fr = fr
        self.origin = origin
        self.held = []  # [start, end, message, decoded] in stream positions


class Reader:
    """A byte stream in, readings out, with the framers' counters.

    ``feed(chunk)`` returns the readings completed by ``chunk``; ``flush()``
    (end of input) those still found in what is left: a frame cut short is
    reported ``truncated`` and the frames inside the length it claimed are
    found all the same. A frame that verifies but does not decode is
    counted (``decode_errors``, and ``encrypted``/``key_errors``/``replays``
    by cause) and reported through ``on_error`` (or, when that is None,
    ``on_reject`` like a checksum failure); the stream goes on either way.
    ``set_raw(on)`` (or ``keep_raw = on``) makes every message keep its
    received bytes (``wire_bytes``), whatever the protocol.

    ``protocol``: ``"auto"`` (default: detect from the content), ``"hdlc"``,
    ``"mbus"``, ``"p1"`` or ``"apdu"``. While detecting, every framer sees
    the bytes (those other than HDLC from the first signature of their
    protocol on) and keeps what it finds; the decision depends on where the
    messages lie in the stream, never on how it was cut into chunks:

    * the message that ends first wins, of the framers with a check (HDLC
      HCS/FCS, M-Bus checksum, P1 structure and CRC);
    * bare APDUs have no check: they win only where no framer with a check
      has a message starting before their end, once every such framer has
      judged those bytes, and only two back to back (or one alone at the
      end of the input) that decode, or are ciphered APDUs with a security
      control byte of a real suite (the key may be missing or wrong).

    A locked stream that yields nothing for ``relock`` bytes goes back to
    detection, its framer still running with what it holds and its
    counters (the meter or the port setting may have changed; a gap of
    noise loses nothing).

    ``counters()``: every byte is either in an accepted message or counted
    in ``discarded``, across detection and relocks. ``status()`` gives the
    condition for a status line.

    Rejects made while detecting are held, ``pending`` per framer, and
    reported once that framer's protocol locks; if nothing has locked by
    ``flush()``, the first protocol's (HDLC first) are reported then, so a
    stream of nothing but broken frames still says why. Every reject
    carries ``stream_offset``, its position in the whole stream, when the
    framer knows where in its buffer the fault was.
    """

    def __init__(self, decrypt: "Optional[Callable]" = None,
                 on_reject: "Optional[Callable[[HanError], Any]]" = None, max_frame: int = 1024,
                 on_frame: "Optional[Callable[[Any], Any]]" = None, protocol: str = AUTO, relock: int = 8192,
                 p1_std_offset: "Optional[int]" = None, keep_raw: bool = False, pending: int = 8,
                 on_error: "Optional[Callable[[HanError], Any]]" = None) -> None:
        self.decrypt = decrypt
        self.on_reject = on_reject  # framing rejects (and decode errors when on_error is None)
        self.on_error = on_error  # a verified message that did not decode
        self.on_frame = on_frame
        self.max_frame = max_frame
        self.relock = relock
        self._keep_raw = keep_raw  # messages carry their bytes (``raw``)
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
        self._base = {}  # type: Dict[str, int]  # counters of framers no longer running
        self._pending = None
        self.protocol = None
        if self._fixed:
            run = _Run(protocol, None, 0)
            run.fr = self._make(protocol, run)
            self._runs = [run]
            self._lock(run)
        else:
            run = _Run(HDLC, None, 0)
            run.fr = self._make(HDLC, run)
            _sniff().detect(self, run, 0)
        # The current (or, while detecting, HDLC's) framer is .framer.

    @property
    def keep_raw(self) -> bool:
        return self._keep_raw

    @keep_raw.setter
    def keep_raw(self, on: bool) -> None:
        """Raw mode: every message (HDLC, M-Bus) keeps its bytes (``wire_bytes``)."""
        self._keep_raw = on
        for run in self._runs:
            if hasattr(run.fr, "keep_raw"):
                run.fr.keep_raw = on

    # -- framers -------------------------------------------------------------

    def _make(self, protocol, run, anchored=False):
        if protocol == HDLC:
            fr = HdlcFramer(max_frame=self.max_frame, keep_raw=self._keep_raw)
        elif protocol == MBUS:
            from .mbus import MbusFramer

            fr = MbusFramer(keep_raw=self._keep_raw)
        elif protocol == P1:
            from .p1framer import P1Framer  # (the values, protocols.p1, only when decoding)

            fr = P1Framer()
        elif protocol == RAW:
            from .apduframer import ApduFramer

            fr = ApduFramer(anchored=anchored or self._fixed)
        else:
            raise ValueError("protocol: expected auto, hdlc, mbus, p1 or apdu, found %r" % protocol)
        fr.on_reject = self._rejector(run, fr)
        return fr

    def _lock(self, run):
        prim = getattr(self, "_primary", None)
        if prim is not None and run is not prim:
            # The winner's view replaces the primary's from the detection's
            # start on: keep what the primary counted before it, and count
            # the bytes the winner never saw.
            snap = self._snap
            base = self._base
            if snap is not None:
                for k in snap:
                    base[k] = base.get(k, 0) + snap[k]
            base["discarded"] = base.get("discarded", 0) + run.origin - self._detect_at
        self._primary = None
        self.protocol = run.proto
        self._runs = [run]
        self.framer = run.fr
        run.fr._spans = None
        _forget_sniff()
        self._quiet = 0
        pending = self._pending.get(run.proto) if self._pending else None
        self._pending = None
        if pending and self.on_reject is not None:
            for e in pending:
                self.on_reject(e)

    def _rejector(self, run, framer):
        # Before the protocol is known every framer sees every byte, so most
        # of their complaints are about each other's traffic: keep them (a
        # few) and report only the winner's, once it is known.
        def rej(err):
            off = err.offset
            if off is not None and hasattr(framer, "_fed"):
                err.stream_offset = run.origin + framer.pos(off)
            if self.protocol is not None:
                if self.protocol == run.proto and self.on_reject is not None:
                    self.on_reject(err)
                return
            lst = self._pending.get(run.proto)
            if lst is None:
                lst = self._pending[run.proto] = []
            if len(lst) < self.pending:
                lst.append(err)

        return rej

    # -- stream ----------------------------------------------------------------

    def feed(self, data: bytes) -> "List[Reading]":
        out = []  # type: List[Reading]
        start = self.bytes_in
        self.bytes_in += len(data)
        if self.protocol is None:
            _sniff().feed(self, data, start, out)
            return out
        msgs = self.framer.feed(data)
        if msgs:
            self._quiet = 0
            self._handle(self.protocol, msgs, out)
        else:
            self._quiet += len(data)
            if not self._fixed and self._quiet > self.relock:
                _sniff().detect(self, self._runs[0], self.bytes_in)
        return out

    def _handle(self, proto, msgs, out, res=None):
        for m in msgs:
            if self.on_frame is not None:
                self.on_frame(m)
            if res is not None:
                ok, r = res
                if not ok:
                    self._count_error(r)
                    self._last_was_error = True
                    continue
            else:
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
                from .gbt import GbtAssembler

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
        elif k == "key" or k == "auth":
            self.key_errors += 1
        elif k == "replay":
            self.replays += 1
        self.last_error = e
        cb = self.on_error if self.on_error is not None else self.on_reject
        if cb is not None:
            cb(e)

    def set_raw(self, on: "Any") -> None:
        """Keep each message's received bytes (``wire_bytes``) or stop doing so."""
        self.keep_raw = bool(on)

    def flush(self) -> "List[Reading]":
        """End of input: the readings still found in what the framers hold
        (see the class doc); a frame left incomplete is reported."""
        out = []  # type: List[Reading]
        if self.protocol is None:
            _sniff().flush(self, out)
        else:
            msgs = self.framer.flush()
            if msgs:
                self._handle(self.protocol, msgs, out)
        if self._gbt is not None:
            self._gbt.reset()
        return out

    # -- reporting -------------------------------------------------------------

    def counters(self) -> "Dict[str, int]":
        """The counters as a dict ``{name: value}`` in a fixed order: the
        locked framer's (while detecting, the primary's: HDLC's, or the one
        locked before a relock) plus those of framers no longer running."""
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
        base = self._base
        fr = self._runs[0].fr if self.protocol is not None else self._primary.fr
        got = fr.counters()
        for i in range(len(names)):
            name = names[i]
            v = base.get(name, 0)
            for k, x in got:
                if k == name:
                    v += x
            vals[i] = v
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
        ``encrypted`` (no key), ``wrong_key``, ``auth_failed`` (the tag fails:
        wrong authentication key or altered frames), ``unauthenticated`` (no
        tag although an authentication key is set), ``replay``, ``errors`` or
        ``ok``."""
        if self.bytes_in == 0:
            return "no_data", "no bytes received: check the cable and the port"
        accepted = self._base.get("accepted", 0)
        for run in self._runs:
            accepted += run.fr.accepted
        if self.protocol is None or (accepted == 0 and self.readings == 0 and self.decode_errors == 0):
            return "no_frames", "bytes arrive but no frame verifies: check speed, parity and inversion"
        e = self.last_error
        if e is not None and (self.readings == 0 or self._last_was_error):
            k = e.kind
            if k == "encrypted":
                return "encrypted", "frames arrive but they are encrypted and no key is set"
            if k == "key":
                return "wrong_key", "frames arrive but the key is wrong: " + str(e)
            if k == "auth":
                return "auth_failed", "frames arrive but their authentication tag fails: " + str(e)
            if k == "unauthenticated":
                return "unauthenticated", "frames arrive without authentication: " + str(e)
            if k == "replay":
                return "replay", "a frame counter went backwards (possible replay): " + str(e)
            return "errors", "frames arrive but do not decode: " + str(e)
        return "ok", "%d readings (%s)" % (self.readings, self.protocol)
