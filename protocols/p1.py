# protocols/p1.py: P1 / DSMR / IEC 62056-21 mode D ASCII telegrams: parse, decode, stream.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""ASCII telegrams (digest 7.1, 7.2)::

    /ISk5\\2MT382-1000        header: '/', FLAG id, baud char, identification
                              (blank line)
    1-0:1.8.1(000004.426*kWh) OBIS(value*unit), one or more value groups
    0-1:24.2.1(170102161005W)(00000.107*m3)
    !6EEE                     '!' + CRC-16/ARC of '/' .. '!' (none on DSMR 2.2/3)

    >>> r = decode_telegram(telegram_bytes)
    >>> r["1-0:1.8.1.255"], r.register("1-0:1.8.1.255").unit
    (4.426, 'kWh')

Decoded into the same ``Reading`` as DLMS pushes: OBIS ``1-0:1.8.0`` becomes
``1-0:1.8.0.255``, names come from ``protocols.obis``, values and units are
kept as sent (``4.426`` ``kWh``: no conversion), text objects (equipment
ids, messages) are hex-decoded when they are printable ASCII, timestamps
``YYMMDDhhmmssX`` become ISO 8601 (``S`` summer = standard offset + 1 h).

Device profile: 115200 8N1, inverted (DSMR 4/5, SE/FI H1, BE, LU); DSMR
2.2/3 meters send 9600 7E1.

``P1Framer`` turns a byte stream into verified telegrams, resynchronising
on garbage, with a bounded buffer and HdlcFramer-style counters.
"""

from .framing import Framer, is_p1_header
from .crc import crc16_arc
from .errors import ChecksumError, FormatError, OversizeError, TruncatedError
from . import meters as _meters
from . import obis as _obis
from .reading import Meter, Reading, Register

# Standard (winter) UTC offset in minutes for timestamps: CET. Finnish
# meters (EET) need 120: pass std_offset to decode_telegram / Reader.
STD_OFFSET = 60

# (C, D) of objects whose value is text, not a number; the second flag says
# whether DSMR hex-encodes it.
_TEXT_CD = (
    (96, 1, True),  # equipment / meter ids
    (96, 13, True),  # messages
    (42, 0, True),  # logical device name (Luxembourg)
    (0, 2, False),  # versions (1-3:0.2.8 DSMR version)
    (96, 14, False),  # tariff indicator "0002"
)
_ID_CDE = ((96, 1, 1), (96, 1, 0), (42, 0, 0))


class Telegram:
    """A parsed telegram: ``header`` (text after '/'), ``lines`` as
    ``(obis_text, [group, ...])``, ``crc`` (int or None when not sent)."""

    __slots__ = ("header", "lines", "crc")

    def __init__(self, header, lines, crc):
        self.header = header
        self.lines = lines
        self.crc = crc

    @property
    def flag_id(self):
        return self.header[:3]

    def __repr__(self):
        return "Telegram(/%s, %d lines, crc=%s)" % (
            self.header,
            len(self.lines),
            "none" if self.crc is None else "%04X" % self.crc,
        )


def _is_hex(s):
    for ch in s:
        if not ("0" <= ch <= "9" or "A" <= ch <= "F" or "a" <= ch <= "f"):
            return False
    return True


def check_crc(data, end=None):
    """Verify the ``!XXXX`` CRC of a telegram; return the CRC or None (not sent).

    ``end``: index of the '!' (found if None).
    :raises ChecksumError, FormatError.
    """
    if end is None:
        end = _find_end(data)
    q = end + 1
    n = len(data)
    k = q
    while k < n and data[k] not in (13, 10):
        k += 1
    digits = bytes(data[q:k]).strip()
    if not digits:
        return None
    if len(digits) != 4:
        raise FormatError(
            "P1 telegram: expected 4 CRC digits after '!', found %r" % digits, q
        )
    try:
        sent = int(digits, 16)
    except ValueError:
        raise FormatError("P1 telegram: CRC digits %r are not hex" % digits, q)
    calc = crc16_arc(memoryview(data)[: end + 1])
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


def parse_telegram(data, verify=True):
    """Telegram for one ``/ … !CRC`` telegram (bytes).

    :raises FormatError (no '/' header, non-ASCII bytes), TruncatedError (no
        '!'), ChecksumError (CRC mismatch; ``verify=False`` skips the check).
    """
    data = bytes(data)
    if data[:1] != b"/":
        raise FormatError("P1 telegram: expected '/' first, found %r" % data[:1], 0)
    end = _find_end(data)
    crc = check_crc(data, end) if verify else None
    for i in range(end):
        b = data[i]
        if b > 0x7E or (b < 0x20 and b != 13 and b != 10):
            raise FormatError("P1 telegram: non-ASCII byte 0x%02X" % b, i)
    text = str(data[:end], "ascii")
    rows = text.split("\n")
    header = rows[0].rstrip("\r")[1:]
    lines = []
    for row in rows[1:]:
        row = row.rstrip("\r")
        if not row:
            continue
        if row[0] == "(" and lines:
            # DSMR 2.2/3: the gas value continues on its own line.
            lines[-1][1].extend(_groups(row))
            continue
        k = row.find("(")
        if k <= 0:
            continue
        lines.append((row[:k], _groups(row[k:])))
    return Telegram(header, lines, crc)


def _groups(s):
    out = []
    i = 0
    n = len(s)
    while i < n:
        if s[i] != "(":
            i += 1
            continue
        j = s.find(")", i + 1)
        if j < 0:
            out.append(s[i + 1 :])
            break
        out.append(s[i + 1 : j])
        i = j + 1
    return out


def _obis_code(text):
    """6-byte OBIS code for ``A-B:C.D.E`` (also ``C.D.E`` = electricity), or None."""
    try:
        return _obis.from_str(text)
    except ValueError:
        pass
    parts = text.split(".")
    if len(parts) == 3:
        try:
            return _obis.from_str("1-0:" + text)
        except ValueError:
            return None
    return None


def _timestamp(s, std_offset):
    """ISO 8601 for ``YYMMDDhhmmss[S|W]``, or None."""
    n = len(s)
    if n == 13 and s[12] in "SW":
        dst = s[12] == "S"
    elif n == 12:
        dst = None
    else:
        return None
    for ch in s[:12]:
        if not "0" <= ch <= "9":
            return None
    iso = "20%s-%s-%sT%s:%s:%s" % (s[0:2], s[2:4], s[4:6], s[6:8], s[8:10], s[10:12])
    if dst is None:
        return iso
    off = std_offset + (60 if dst else 0)
    sign = "+" if off >= 0 else "-"
    if off < 0:
        off = -off
    return iso + "%s%02d:%02d" % (sign, off // 60, off % 60)


def _number(s):
    """(raw int, scaler) for ``[-]digits[.digits]``, or None."""
    if not s:
        return None
    neg = s[0] == "-"
    t = s[1:] if neg or s[0] == "+" else s
    k = t.find(".")
    if k >= 0:
        ip = t[:k]
        fp = t[k + 1 :]
    else:
        ip = t
        fp = ""
    if not ip and not fp:
        return None
    for ch in ip:
        if not "0" <= ch <= "9":
            return None
    for ch in fp:
        if not "0" <= ch <= "9":
            return None
    raw = int(ip + fp) if ip + fp else 0
    if neg:
        raw = -raw
    return raw, (-len(fp) if k >= 0 else None)


def _hex_text(s):
    """DSMR's hex-encoded ASCII, decoded when it is printable; else ``s``."""
    if len(s) < 2 or len(s) % 2 or not _is_hex(s):
        return s
    b = bytes.fromhex(s)
    for c in b:
        if c < 0x20 or c > 0x7E:
            return s
    return str(b, "ascii")


def _text_kind(code):
    c = code[2]
    d = code[3]
    for tc, td, hx in _TEXT_CD:
        if c == tc and d == td:
            return 2 if hx else 1
    return 0


def _value_group(groups):
    """(value text, unit text or None) of a line's groups (multi-value rules)."""
    n = len(groups)
    if n == 1:
        g = groups[0]
    elif n >= 3 and ":" in groups[-3] and "*" not in groups[-2] and "*" not in groups[-1]:
        # DSMR 2.2/3 M-Bus: (ts)(status)(period)(n)(obis)(unit)(value)
        return groups[-1], groups[-2] or None
    elif _timestamp(groups[0], 0) is not None:
        g = groups[-1]  # (capture time)(value*unit): gas/water/heat, max demand
    else:
        g = groups[0]  # (count)(...): event logs, multi-valued thresholds
    k = g.find("*")
    if k >= 0:
        return g[:k], g[k + 1 :]
    return g, None


def register_for(obis_text, groups, std_offset=STD_OFFSET):
    """The Register for one data line, or None if its OBIS code is unreadable."""
    code = _obis_code(obis_text)
    if code is None:
        return None
    info = _obis.lookup(code)
    name = info[0] if info else None
    obis = _obis.to_str(code)
    if not groups:
        return Register(obis, name, None, None, None)
    text, unit = _value_group(groups)
    if name == "clock" or (code[2] == 1 and code[3] == 0 and code[4] == 0):
        iso = _timestamp(text, std_offset)
        return Register(obis, name, iso if iso is not None else text, None, None)
    kind = _text_kind(code)
    if kind:
        return Register(obis, name, _hex_text(text) if kind == 2 else text, None, unit)
    num = _number(text)
    if num is not None:
        return Register(obis, name, num[0], num[1], unit)
    iso = _timestamp(text, std_offset)
    return Register(obis, name, iso if iso is not None else text, None, unit)


def reading_from(t, std_offset=STD_OFFSET):
    """The Reading of a parsed Telegram."""
    regs = []
    for obis_text, groups in t.lines:
        r = register_for(obis_text, groups, std_offset)
        if r is not None:
            regs.append(r)
    flag = t.header[:3]
    # A declared meter's P1 ident names its manufacturer (protocols/meters);
    # others keep their FLAG id as sent (ISk, EST, FLU, LGF ...).
    known = _meters.find(4, flag)
    manufacturer = known[1] if known else (flag or None)
    mid = lv = clock = None
    for r in regs:
        o = r.obis
        if mid is None and o.startswith("0-0:") and type(r.raw) is str and r.raw:
            for cde in _ID_CDE:
                if o == "0-0:%d.%d.%d.255" % cde:
                    mid = r.raw
                    break
        if lv is None and r.name == "dsmr_version":
            lv = r.raw if type(r.raw) is str else str(r.raw)
        if clock is None and r.name == "clock" and o.startswith("0-0:"):
            clock = r.raw
    return Reading(Meter(manufacturer, mid, None, lv), clock, regs)


def decode_telegram(data, verify=True, std_offset=STD_OFFSET):
    """Reading for one telegram (bytes ``/ … !CRC``)."""
    return reading_from(parse_telegram(data, verify), std_offset)


is_header = is_p1_header  # (one place for every protocol's signature: protocols.framing)


class P1Framer(Framer):
    """Streaming telegram framer: ``feed(chunk)`` returns verified telegrams (bytes).

    * hunts for a header ``/XXXZ`` (FLAG id: three letters);
    * inside a telegram accepts only printable ASCII, CR and LF; any other
      byte aborts it (``format_errors``) and the hunt resumes after its '/';
    * a new header (``/`` + three letters + a digit) before the '!' ends the
      old telegram as ``truncated``;
    * ``!XXXX`` is checked with CRC-16/ARC (``checksum_errors``); a bare
      ``!`` (DSMR 2.2/3) is accepted unless ``require_crc`` (counted in
      ``no_crc``);
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

    def flush(self):
        if self._in and self._n:
            self.truncated += 1
            self._reject(
                TruncatedError("input ends inside a P1 telegram (%d bytes)" % self._n, 0)
            )
        self.discarded += self._n
        self._n = 0
        self._in = False

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

    def _scan(self, out):
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
                    if is_header(buf, p, n):
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
                    self.format_errors += 1
                    self._reject(FormatError("P1 telegram: byte 0x%02X is not ASCII text" % c, j - p))
                    restart = p
                    break
                if c == 0x2F and is_header(buf, j, n) and (bol or n - j >= 5):
                    self.truncated += 1
                    self._reject(TruncatedError("P1 telegram cut short by a new header", j - p))
                    self.discarded += j - p
                    p = j
                    j = p + 1
                    bol = False
                    continue
                if bol and c == 0x21:  # '!'
                    lf = buf.find(b"\n", j, n)
                    if lf < 0:
                        if n - j > 8:
                            self.format_errors += 1
                            self._reject(FormatError("P1 telegram: no line end after '!'", j - p))
                            restart = p
                        break
                    if lf - j > 8:
                        self.format_errors += 1
                        self._reject(FormatError("P1 telegram: no line end after '!'", j - p))
                        restart = p
                        break
                    tele = self._mv[p : lf + 1]
                    try:
                        crc = check_crc(tele, j - p)
                    except (ChecksumError, FormatError) as e:
                        if isinstance(e, ChecksumError):
                            self.checksum_errors += 1
                        else:
                            self.format_errors += 1
                        self._reject(e)
                        self.discarded += lf + 1 - p
                        p = lf + 1
                        self._in = False
                        done = True
                        break
                    if crc is None:
                        self.no_crc += 1
                        if self.require_crc:
                            self.format_errors += 1
                            self._reject(FormatError("P1 telegram without CRC", j - p))
                            self.discarded += lf + 1 - p
                            p = lf + 1
                            self._in = False
                            done = True
                            break
                    out.append(bytes(tele))
                    self._span(p, lf + 1)
                    self.accepted += 1
                    p = lf + 1
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
            if n - p >= len(buf):
                self.oversize += 1
                self._reject(OversizeError("P1 telegram exceeds %d bytes" % len(buf), 0))
                p = self._restart(p)
                continue
            break
        self._drop(p)
