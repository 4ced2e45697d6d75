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
    (4426, 'Wh')

Decoded into the same ``Reading`` as DLMS pushes: OBIS ``1-0:1.8.0`` becomes
``1-0:1.8.0.255``, names come from ``protocols.obis``, numbers come in the
canonical units of every reading (``000004.426*kWh`` is ``4426`` ``Wh``,
``00.244*kW`` is ``244`` ``W``: ``canonical``, exact, docs/reading-schema.md
"Units"), text objects (equipment ids, messages) are hex-decoded when they
are printable ASCII, timestamps ``YYMMDDhhmmssX`` become ISO 8601 (``S``
summer = standard offset + 1 h). A line with its own capture time (M-Bus
channels: gas, water, heat; maximum demand) gives a ``TimedRegister``
whose ``time`` is that capture time. Buffers (``1-0:99.97.0`` power-failure
log, ``0-0:98.1.0`` history) give the count of their entries. A clock
``0-0:1.0.0`` that is not ``YYMMDDhhmmss[SW]`` is a ``format`` error (a
meter declared with the ``long_clock`` quirk, NES, may write it
``YYYYMMDD hh:mm:ss``); one that has the shape but is no date gives ``null``.

Dialects, each met in the field and each a capture in tests/captures/p1:
DSMR 2.2/3 (no CRC, the gas value on its own line), DSMR 4/5, e-MUCS
(Belgium: values with no ``*`` before the unit are read too), Luxembourg,
Swedish/Danish/Norwegian H1 (``kVArh``/``kVAr``), Slovenian and Swedish
meters ending in a bare ``!``, EasyMeter (``1-0:1.8.0*255(...)``, text
after the telegram), headers outside ``/XXX5`` (``/NWA-WARMTELINK``, a
control byte in the header line); where a telegram ends and the CRC rules
are protocols/p1framer.py's.

Device profile: 115200 8N1, inverted (DSMR 4/5, SE/FI H1, BE, LU); DSMR
2.2/3 meters send 9600 7E1.

``P1Framer`` (protocols/p1framer.py) turns a byte stream into verified
telegrams, resynchronising on garbage, with a bounded buffer and
HdlcFramer-style counters.
"""

from .errors import FormatError
from .p1framer import P1Framer, QUIRKS, UNIT_WITHOUT_STAR, LONG_CLOCK, allows, declared, check_crc, crc_missing, is_header, needs_crc, _find_end  # noqa: F401 (P1Framer: the API)
from . import obis as _obis
from .reading import Meter, Reading, Register, _jnum, _jstr, _jstr_new

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
    (0, 0, False),  # device address / serial (EasyMeter "0272031312565")
    (0, 9, False),  # IEC 62056-21 time hhmmss and date YYMMDD (0.9.1, 0.9.2)
)
_ID_CDE = ((96, 1, 1), (96, 1, 0), (42, 0, 0), (96, 1, 255))


class TimedRegister(Register):
    """A register with its own capture time (``time``, ISO 8601 text or
    None): a P1 M-Bus channel's reading (gas, water, heat) or a maximum
    demand, whose time is not the telegram's. Its JSON object ends with
    ``"time"`` after ``"unit"``."""

    __slots__ = ("time",)

    def __init__(self, obis, name, raw, scaler, unit, time=None):
        Register.__init__(self, obis, name, raw, scaler, unit)
        self.time = time

    def to_dict(self):
        d = Register.to_dict(self)
        d["time"] = self.time
        return d

    def json(self):
        return '{"obis": %s, "name": %s, "value": %s, "unit": %s, "time": %s}' % (
            _jstr(self.obis), _jstr(self.name), _jnum(self.raw, self.scaler), _jstr(self.unit),
            "null" if self.time is None else _jstr_new(self.time))

    def __repr__(self):
        return "Register(%s %s = %r %s at %s)" % (self.obis, self.name, self.value, self.unit, self.time)


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


def parse_telegram(data, verify=True):
    """Telegram for one ``/ … !CRC`` telegram (bytes).

    :raises FormatError (no '/' header, non-ASCII bytes, a DSMR 4+ telegram
        without CRC, a malformed value), TruncatedError (no '!'),
        ChecksumError (CRC mismatch; ``verify=False`` skips the check).
    """
    data = bytes(data)
    if data[:1] != b"/":
        raise FormatError("P1 telegram: expected '/' first, found %r" % data[:1], 0)
    end = _find_end(data)
    crc = check_crc(data, end) if verify else None
    why = crc_missing(data, end) if verify and crc is None else None
    if why:
        raise FormatError("P1 telegram: expected a CRC after '!' (%s), found none" % why, end)
    hdr = data.find(b"\n", 0, end)
    for i in range(end):
        b = data[i]
        # (a control byte is tolerated in the header line: /ISk5\x02MIE5T-200)
        if b > 0x7E or (b < 0x20 and b != 13 and b != 10 and i > hdr):
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


_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _timestamp(s, std_offset):
    """ISO 8601 for ``YYMMDDhhmmss[S|W]``; None if ``s`` has not that shape;
    ``""`` if it has but is no date (``632525252525W``: a meter's "unset"),
    or is 1970-01-01 (``700101010000W``, the Unix epoch: an M-Bus channel's
    capture time never set; as 20YY it would read 2070)."""
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
    if s[:6] == "700101":
        return ""
    iso = _iso("20" + s[:2], s[2:12])
    if dst is None or not iso:
        return iso
    off = std_offset + (60 if dst else 0)
    sign = "+" if off >= 0 else "-"
    if off < 0:
        off = -off
    return iso + "%s%02d:%02d" % (sign, off // 60, off % 60)


def _iso(y, s):
    """``y-MM-DDThh:mm:ss`` for the year ``y`` and the ten digits
    ``MMDDhhmmss`` of ``s``; ``""`` if they are no date."""
    mo = int(s[0:2])
    d = int(s[2:4])
    if not (1 <= mo <= 12 and 1 <= d <= _DAYS[mo - 1] and int(s[4:6]) < 24 and int(s[6:8]) < 60
            and int(s[8:10]) < 60):
        return ""
    return "%s-%s-%sT%s:%s:%s" % (y, s[0:2], s[2:4], s[4:6], s[6:8], s[8:10])


def _long_clock(s):
    """ISO 8601 for a clock ``YYYYMMDD hh:mm:ss`` (the ``long_clock`` quirk:
    NES, amsreader-firmware issue #712), without an offset (none is sent);
    None if ``s`` has not that shape; ``""`` if it has but is no date (year
    0000, 1970-01-01 as for ``_timestamp``)."""
    if len(s) != 17 or s[8] != " " or s[11] != ":" or s[14] != ":":
        return None
    d = s[:8] + s[9:11] + s[12:14] + s[15:]
    for ch in d:
        if not "0" <= ch <= "9":
            return None
    if d[:4] == "0000" or d[:8] == "19700101":
        return ""
    return _iso(d[:4], d[4:])


# Digits a number may have: 40 (a 128-bit counter has 39); longer is no
# meter's value, and would cost a long integer on the device.
MAX_DIGITS = 40


def _number(s):
    """(raw int, scaler) for ``[-]digits[.digits]``, or None.

    :raises FormatError: more than MAX_DIGITS digits."""
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
    if len(ip) + len(fp) > MAX_DIGITS:
        raise FormatError("P1 value: expected at most %d digits, found %d" % (MAX_DIGITS, len(ip) + len(fp)), 0)
    raw = int(ip + fp) if ip + fp else 0
    if neg:
        raw = -raw
    return raw, (-len(fp) if k >= 0 else None)


# Every reading uses the units of DLMS lists (docs/reading-schema.md,
# "Units"), so ``00.244*kW`` is ``244`` ``W`` as a DLMS meter sends it. The
# canonical units, and the spellings of var read as var:
UNIT_BASES = ("W", "Wh", "var", "varh", "VA", "VAh", "V", "A", "Hz", "s", "m3", "GJ")
_VAR = {"VAr": "var", "VAR": "var", "VArh": "varh", "VARh": "varh"}


def unit_of(unit):
    """(canonical unit, power of ten) of a P1 unit spelling (``kW`` ->
    ``("W", 3)``, ``kVArh`` -> ``("varh", 3)``), or None if not one of ours.
    (A rule, not a table: less heap on the device.)"""
    e = 0
    b = unit
    if len(unit) > 1 and unit[0] in "kM" and unit != "m3":
        e = 3 if unit[0] == "k" else 6
        b = unit[1:]
    b = _VAR.get(b, b)
    for u in UNIT_BASES:
        if u == b:
            return u, e
    return None


def canonical(raw, scaler, unit):
    """(raw, scaler, unit) in the canonical unit, converted exactly: the
    decimal point moves (``0.244 kW`` -> ``244 W``, ``230.0 V`` stays
    ``2300 × 10^-1``), a whole result is an int; other units are kept."""
    u = unit_of(unit) if unit else None
    if u is None:
        return raw, scaler, unit
    s = (scaler or 0) + u[1]
    if s >= 0:
        if s:
            raw = raw * 10**s
        return raw, (None if scaler is None else 0), u[0]
    return raw, s, u[0]


def _split_unit(g):
    """(value, unit) of a group with no ``*``: ``000123.456kWh`` (Fluvius)
    -> ``("000123.456", "kWh")`` when the tail is a known unit, else (g, None)."""
    k = 0
    n = len(g)
    while k < n and ("0" <= g[k] <= "9" or g[k] in ".-+"):
        k += 1
    if 0 < k < n and unit_of(g[k:]) is not None and _timestamp(g, 0) is None:
        return g[:k], g[k:]
    return g, None


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
    """(value text, unit text or None, capture time text or None) of a
    line's groups (multi-value rules)."""
    n = len(groups)
    when = None
    if n == 1:
        g = groups[0]
    elif n >= 3 and ":" in groups[-3] and "*" not in groups[-2] and "*" not in groups[-1]:
        # DSMR 2.2/3 M-Bus: (ts)(status)(period)(n)(obis)(unit)(value)
        return groups[-1], groups[-2] or None, groups[0]
    elif _timestamp(groups[0], 0) is not None:
        g = groups[-1]  # (capture time)(value*unit): gas/water/heat, max demand
        when = groups[0]
    else:
        g = groups[0]  # (count)(...): event logs, multi-valued thresholds
    k = g.find("*")
    if k >= 0:
        return g[:k], g[k + 1 :], when
    return g, None, when


def register_for(obis_text, groups, std_offset=STD_OFFSET, quirks=UNIT_WITHOUT_STAR | LONG_CLOCK):
    """The Register for one data line, or None if its OBIS code is unreadable
    or it is a quantity (one the OBIS registry gives a unit) sent empty.

    Numbers come in the canonical units (``canonical``); a line with a
    capture time (M-Bus channels, maximum demand) gives a TimedRegister.
    :raises FormatError: a clock that is no ``YYMMDDhhmmss[SW]`` (nor, with
    the ``long_clock`` quirk, ``YYYYMMDD hh:mm:ss``), a number of more than
    MAX_DIGITS digits. ``quirks``: the P1 quirk bits its meter is allowed
    (``unit_without_star``: a value may run into its unit with no ``*``,
    else it is text; ``long_clock``)."""
    code = _obis_code(obis_text)
    if code is None:
        return None
    info = _obis.lookup(code)
    name = info[0] if info else None
    obis = _obis.to_str(code)
    if not groups:
        return Register(obis, name, None, None, None)
    c = code[2]
    d = code[3]
    if (c == 99 and d == 97) or (c == 98 and d == 1):
        # Buffers (power-failure log, billing history): the count of entries,
        # ``(n)(obis)(ts)(value*unit)...``; an empty ``()`` has none; a
        # snapshot without a count (``(ts)(v)(v)...``) counts its values.
        g = groups[0]
        if g == "":
            return Register(obis, name, 0, None, None)
        num = _number(g)
        if num is not None and num[1] is None and len(g) < 12:
            return Register(obis, name, num[0], None, None)
        return Register(obis, name, len(groups) - 1, None, None)
    text, unit, when = _value_group(groups)
    if name == "clock" or (c == 1 and d == 0 and code[4] == 0):
        iso = _timestamp(text, std_offset)
        if iso is None and quirks & LONG_CLOCK:
            iso = _long_clock(text)
        if iso is None and c != 1:
            # IEC 62056-21 time and date lines (1-0:0.9.1 hhmmss, 0.9.2 YYMMDD): as sent
            return Register(obis, name, text, None, None)
        if iso is None:
            raise FormatError("P1 clock %s: expected YYMMDDhhmmss[S|W]%s, found %r" % (
                obis_text, " or YYYYMMDD hh:mm:ss" if quirks & LONG_CLOCK else "", text[:20]), 0)
        return Register(obis, name, iso or None, None, None)
    kind = _text_kind(code)
    if kind:
        return Register(obis, name, _hex_text(text) if kind == 2 else text, None, unit)
    if text == "" and unit is None and info is not None and info[1] is not None:
        return None  # a quantity sent empty, ``1-0:32.7.0()``: not sent (no "" voltage, no invented zero)
    num = _number(text)
    if num is None and unit is None and quirks & UNIT_WITHOUT_STAR:
        v, u = _split_unit(text)
        if u is not None:
            num = _number(v)
            if num is not None:
                unit = u
    if num is not None:
        raw, scaler, unit = canonical(num[0], num[1], unit)
        if when is not None:
            return TimedRegister(obis, name, raw, scaler, unit, _timestamp(when, std_offset) or None)
        return Register(obis, name, raw, scaler, unit)
    iso = _timestamp(text, std_offset)
    return Register(obis, name, iso if iso else text, None, unit)


def reading_from(t, std_offset=STD_OFFSET):
    """The Reading of a parsed Telegram. Its P1 ident's declaration
    (protocols/meters) names the manufacturer (``ISk`` -> ``Iskraemeco``)
    and the quirks allowed; an undeclared ident, or one declared with no
    manufacturer (``-``: ``FLU``, ``NWA``, ``Lux``), is kept as sent."""
    flag = t.header[:3]
    mf, bits = declared(flag)
    regs = []
    for obis_text, groups in t.lines:
        r = register_for(obis_text, groups, std_offset, bits)
        if r is not None:
            regs.append(r)
    manufacturer = mf or flag or None
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




