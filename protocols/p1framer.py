# protocols/p1framer.py: P1 telegram ends, CRC rules and the streaming framer.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Where a P1 telegram ends and whether its CRC holds (``check_crc``), and
``P1Framer``, which cuts a byte stream into verified telegrams.

Its own module so a device that detects the protocol (protocols/sniff.py)
holds only this while it looks for P1; the values (protocols/p1.py) are
imported once a telegram is decoded.
"""

from .framing import Framer, is_p1_header
from .crc import crc16_arc
from .errors import ChecksumError, FormatError, OversizeError, TruncatedError

is_header = is_p1_header  # (one place for every protocol's signature: protocols.framing)

# The P1 quirks a meter's declaration (protocols/meters, by P1 ident) may
# name; a meter declared without one is held to the rule it relaxes, an
# undeclared ident gets every one (a meter not yet met is still read):
# * ``crc_optional``: telegrams may end in a bare ``!`` (DSMR 2.2/3,
#   EasyMeter, Slovenian AM550); otherwise one without a CRC is ``format``;
# * ``unpadded_crc``: a CRC of 1-3 hex digits, not zero-padded
#   (``/NWA-WARMTELINK`` ``!B9F``); otherwise ``format``;
# * ``unit_without_star``: a value may run into its unit with no ``*``
#   (Fluvius ``(000123.456kWh)``, protocols/p1.py); otherwise kept as text;
# * ``long_clock``: the clock ``0-0:1.0.0`` may be written
#   ``YYYYMMDD hh:mm:ss`` (NES ``(20240111 09:35:00)``, protocols/p1.py);
#   otherwise it is ``format``, as any clock not ``YYMMDDhhmmss[SW]``.
QUIRKS = ("crc_optional", "unpadded_crc", "unit_without_star", "long_clock")
CRC_OPTIONAL = 1  # bit i: QUIRKS[i]
UNPADDED_CRC = 2
UNIT_WITHOUT_STAR = 4
LONG_CLOCK = 8
_ANY = (None, 15)  # an undeclared ident: no manufacturer, every quirk

_DECLARED = {}  # type: dict  # P1 ident (3 letters, upper case) -> (manufacturer or None, quirk bits)


def declared(ident):
    """(manufacturer or None, quirk bits) that the declaration of P1 ident
    ``ident`` (str: the letters after '/'; protocols/meters) gives; for an
    undeclared ident (None, every bit). Read from the index once per ident,
    kept (bounded, small: the device keeps no index row)."""
    ident = ident[:3].upper()
    r = _DECLARED.get(ident)
    if r is None:
        from . import meters

        f = meters.find(4, ident)
        if f is None:
            r = _ANY
        else:
            bits = 0
            for i in range(len(QUIRKS)):
                if QUIRKS[i] in f[6].split(","):
                    bits |= 1 << i
            r = (None if f[1] == "-" else f[1], bits)
        if len(_DECLARED) >= 8:
            _DECLARED.clear()
        _DECLARED[ident] = r
    return r


def allows(data, bit):
    """Whether the telegram ``data`` (from its '/') may show the quirk
    ``bit`` (``CRC_OPTIONAL`` ...): its ident's declaration names it, or the
    ident is not declared."""
    try:
        r = declared(str(bytes(data[1:4]), "ascii"))
    except UnicodeError:
        r = _ANY  # not a declared ident (the byte is rejected as not ASCII)
    return r[1] & bit != 0


def _crc_lf(data, end):
    """CRC-16/ARC of data[:end + 1] with every bare LF read as CR LF (a
    telegram saved with LF line ends: the meter sent CR LF)."""
    crc = 0
    a = 0
    mv = memoryview(data)
    while True:
        k = data.find(b"\n", a, end + 1)
        if k < 0:
            return crc16_arc(mv[a : end + 1], crc)
        if k > a and data[k - 1] == 13:
            crc = crc16_arc(mv[a : k + 1], crc)
        else:
            crc = crc16_arc(b"\r\n", crc16_arc(mv[a:k], crc))
        a = k + 1


def _crc_digits(data, q, n=-1):
    """Index after the hex digits at ``q`` (at most 5 looked at; data[:n])."""
    if n < 0:
        n = len(data)
    k = q
    while k < n and k < q + 5:
        c = data[k]
        if not (48 <= c <= 57 or 65 <= c <= 70 or 97 <= c <= 102):
            break
        k += 1
    return k


def check_crc(data, end=None):
    """Verify the ``!XXXX`` CRC of a telegram; return the CRC or None (not sent).

    ``end``: index of the '!' (found if None). After '!': four hex digits
    (DSMR 4/5, H1, e-MUCS), or none (DSMR 2.2/3, some Slovenian and Swedish
    meters), then CR LF, LF, the next telegram's '/' or the end of the input.
    One to three digits (a meter that does not zero-pad, as dsmr_parser's
    ``TELEGRAM_UNPADDED_CRC``) are accepted only when they check. A CRC
    that fails over the bytes as given is checked once more with each bare
    LF read as CR LF (a telegram saved with LF line ends).
    :raises ChecksumError, FormatError.
    """
    if end is None:
        end = _find_end(data)
    q = end + 1
    k = _crc_digits(data, q)
    if k < len(data) and data[k] not in (13, 10, 0x2F):
        raise FormatError(
            "P1 telegram: expected up to 4 hex CRC digits and a line end after '!', found %r"
            % bytes(data[q : q + 8]), q)
    if k - q > 4:
        raise FormatError("P1 telegram: expected 4 CRC digits after '!', found %r" % bytes(data[q:k]), q)
    if k == q:
        return None
    if k - q < 4 and not allows(data, UNPADDED_CRC):
        raise FormatError("P1 telegram: expected 4 CRC digits after '!' (this meter's declaration"
                          " has no unpadded_crc), found %r" % bytes(data[q:k]), q)
    sent = int(str(bytes(data[q:k]), "ascii"), 16)
    calc = crc16_arc(memoryview(data)[: end + 1])
    if calc != sent and data.find(b"\r\n", 0, end) < 0:
        calc = _crc_lf(data, end)
    if calc != sent:
        raise ChecksumError(
            "P1 telegram CRC-16/ARC: expected 0x%04X, found 0x%04X" % (calc, sent), q
        )
    return sent


def _find_end(data):
    """Index of the '!' that starts a line (the telegram's end)."""
    p = data.find(b"\n!")
    if p < 0:
        if data[:1] == b"!":
            return 0
        raise TruncatedError("P1 telegram: expected '!' and the CRC, input ends", len(data))
    return p + 1


def needs_crc(data, end):
    """True if the telegram says it is DSMR 4.0 or later (``1-3:0.2.8(40)``
    and up), whose telegrams always carry a CRC."""
    k = data.find(b"\n1-3:0.2.8(", 0, end)
    if k < 0:
        return False
    k += 11  # len(b"\n1-3:0.2.8(")
    v = 0
    m = 0
    while k < end and 48 <= data[k] <= 57 and m < 3:
        v = v * 10 + data[k] - 48
        k += 1
        m += 1
    return m > 0 and v >= 40


def crc_missing(data, end, required=False, seen=False):
    """Why a telegram without CRC is rejected, or None: ``required``
    (``require_crc``), ``seen`` (the stream has shown CRCs), DSMR 4 or
    later (``needs_crc``), or a meter declared without ``crc_optional``."""
    if required:
        return "required"
    if seen:
        return "the stream's telegrams have one"
    if needs_crc(data, end):
        return "DSMR 4 and later send one"
    if not allows(data, CRC_OPTIONAL):
        return "this meter's declaration has no crc_optional"
    return None


def _strict_header(buf, j, n):
    """``/`` + three letters + the baud-rate digit (5 bytes held): the only
    header that may end a telegram in the middle of a line."""
    c = buf[j + 4]
    return is_header(buf, j, n) and 0x30 <= c <= 0x39


class P1Framer(Framer):
    """Streaming telegram framer: ``feed(chunk)`` returns verified telegrams (bytes).

    * hunts for a header ``/XXX`` + one more printable byte (FLAG id: three
      letters; the baud-rate digit, or ``-`` as in ``/NWA-WARMTELINK``);
    * inside a telegram accepts only printable ASCII, CR and LF (and control
      bytes in the header line: ``/ISk5\\x02MIE5T-200``); any other byte
      aborts it (``format_errors``) and the hunt resumes after its '/';
    * a new header before the '!' ends the old telegram as ``truncated``:
      at the start of a line any header, in the middle of a line only
      ``/XXX`` + a digit; the decision waits until the five bytes are held,
      so it is the same for any chunking;
    * the telegram ends after ``!`` at the start of a line, up to four hex
      CRC digits and CR LF, LF, a CR alone, the next telegram's ``/`` (no
      line break between telegrams) or the end of the input (``flush``);
    * the CRC is checked with CRC-16/ARC (``checksum_errors``, see
      ``check_crc``); a telegram without one (DSMR 2.2/3) is accepted
      (counted in ``no_crc``) unless ``require_crc``, unless the telegram
      says it is DSMR 4 or later (``1-3:0.2.8``), and unless the stream has
      already shown telegrams with a CRC;
    * the buffer holds at most ``max_frame`` bytes (``oversize`` beyond).

    Counters: ``accepted``, ``checksum_errors``, ``format_errors``,
    ``oversize``, ``truncated``, ``discarded`` (bytes), ``no_crc``.
    """

    def __init__(self, max_frame=4096, on_reject=None, require_crc=False):
        self.max_frame = max_frame
        self.on_reject = on_reject
        self.require_crc = require_crc
        self._in = False  # a telegram starts at buf[0]
        self._j = 0  # next byte to check inside it
        self._bol = False  # buf[_j] is at the start of a line
        self._crc_seen = False  # a telegram with a CRC was accepted
        self._init_buffer(max_frame)

    COUNTERS = (
        "accepted",
        "checksum_errors",
        "format_errors",
        "oversize",
        "truncated",
        "discarded",
        "no_crc",
    )
    REJECTS = ("checksum_errors", "format_errors", "oversize", "truncated")

    def _end(self):
        self._in = False
        self._crc_seen = False

    def _drop(self, p):
        if p:
            Framer._drop(self, p)
            if self._in:
                self._j -= p

    def _restart(self, p):
        """Abandon the telegram at p; hunt again from p + 1."""
        self.discarded += 1
        self._in = False
        return p + 1

    def _end_of(self, buf, j, n, final):
        """End (exclusive) of the telegram whose '!' is at j; -1: wait for
        more bytes; -2: malformed (no line end after the CRC)."""
        k = _crc_digits(buf, j + 1, n)
        if k - j - 1 > 4:
            return -2
        if k >= n:
            return n if final else -1
        t = buf[k]
        if t == 10 or t == 0x2F:
            return k + 1 if t == 10 else k
        if t == 13:
            if k + 1 < n:
                return k + 2 if buf[k + 1] == 10 else k + 1
            return k + 1 if final else -1
        return -2

    def _scan(self, out, final=False):
        buf = self._buf
        n = self._n
        p = 0
        while True:
            if not self._in:
                q = self._hunt(b"/", p)
                if q < 0:
                    p = n
                    break
                p = q
                if n - p < 5:
                    if is_header(buf, p, n) and not final:
                        break  # wait for more
                    p += 1
                    self.discarded += 1
                    continue
                if not is_header(buf, p, n):
                    p += 1
                    self.discarded += 1
                    continue
                self._in = True
                self._j = p + 1
                self._bol = False
            # Inside the telegram starting at p: check bytes from _j.
            j = self._j
            bol = self._bol
            done = False
            wait = False
            restart = -1
            while j < n:
                c = buf[j]
                if c == 10:
                    bol = True
                    j += 1
                    continue
                if c == 13:
                    j += 1
                    continue
                if c < 0x20 or c > 0x7E:
                    if c < 0x20 and buf.find(b"\n", p, j) < 0:
                        j += 1  # a control byte in the header line
                        continue
                    self.format_errors += 1
                    self._reject(FormatError("P1 telegram: byte 0x%02X is not ASCII text" % c, j - p))
                    restart = p
                    break
                if c == 0x2F and is_header(buf, j, n):
                    if n - j < 5:
                        if not final:
                            wait = True  # decided when five bytes are held
                            break
                    elif bol or _strict_header(buf, j, n):
                        self.truncated += 1
                        self._reject(TruncatedError("P1 telegram cut short by a new header", j - p))
                        self.discarded += j - p
                        p = j
                        j = p + 1
                        bol = False
                        continue
                if bol and c == 0x21:  # '!'
                    end = self._end_of(buf, j, n, final)
                    if end == -1:
                        wait = True
                        break
                    if end == -2:
                        self.format_errors += 1
                        self._reject(FormatError("P1 telegram: expected up to 4 CRC digits and a line end after '!'",
                                                 j - p))
                        restart = p
                        break
                    tele = bytes(self._mv[p:end])
                    try:
                        crc = check_crc(tele, j - p)
                        if crc is None:
                            self.no_crc += 1
                            why = crc_missing(tele, j - p, self.require_crc, self._crc_seen)
                            if why:
                                raise FormatError("P1 telegram without CRC (%s)" % why, j - p)
                    except (ChecksumError, FormatError) as e:
                        if isinstance(e, ChecksumError):
                            self.checksum_errors += 1
                        else:
                            self.format_errors += 1
                        self._reject(e)
                        self.discarded += end - p
                        p = end
                        self._in = False
                        done = True
                        break
                    if crc is not None:
                        self._crc_seen = True
                    out.append(tele)
                    self._span(p, end)
                    self.accepted += 1
                    p = end
                    self._in = False
                    done = True
                    break
                bol = False
                j += 1
            if restart >= 0:
                p = self._restart(restart)
                continue
            if done:
                continue
            # Ran out of bytes inside a telegram.
            self._j = j
            self._bol = bol
            if final:
                self.truncated += 1
                self._reject(TruncatedError("input ends inside a P1 telegram (%d bytes)" % (n - p), 0))
                p = self._restart(p)
                continue
            if n - p >= len(buf):
                self.oversize += 1
                self._reject(OversizeError("P1 telegram exceeds %d bytes" % len(buf), 0))
                p = self._restart(p)
                continue
            break
        self._drop(p)
