# protocols/reading.py: the one reading schema shared by the host and the device.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""A decoded push: meter, time, registers (docs/reading-schema.md).

    >>> r = Reading(Meter("Aidon", None, None, None), None,
    ...             [Register("1-0:31.7.0.255", "current_l1", 93, -1, "A")])
    >>> r.registers[0].value
    9.3
    >>> r.to_json()
    '{"meter": {"manufacturer": "Aidon", "id": null, "type": null, "list_version": null}, "time": null, "registers": [{"obis": "1-0:31.7.0.255", "name": "current_l1", "value": 9.3, "unit": "A"}]}'

``to_json`` writes keys in a fixed order and formats scaled numbers with
integer arithmetic from (raw, scaler), so the device (32-bit, single
precision floats on ESP32) and the host print byte-identical lines. The
spacing follows ``json.dumps``' defaults.
"""

from ._compat import MICROPYTHON

# Meter heads and texts remembered: a dongle reads one meter, so a few do;
# the host may decode a stream mixing many meters, so it keeps more (as
# obis.CACHE_SIZE does).
_HEADS_MAX = 8 if MICROPYTHON else 256
_STRS_MAX = 16 if MICROPYTHON else 512


class Meter:
    __slots__ = ("manufacturer", "id", "type", "list_version")

    def __init__(self, manufacturer=None, id=None, type=None, list_version=None):
        self.manufacturer = manufacturer
        self.id = id
        self.type = type
        self.list_version = list_version

    def to_dict(self):
        return {
            "manufacturer": self.manufacturer,
            "id": self.id,
            "type": self.type,
            "list_version": self.list_version,
        }

    def __eq__(self, other):
        return isinstance(other, Meter) and self.to_dict() == other.to_dict()

    def __repr__(self):
        return "Meter(%r, %r, %r, %r)" % (self.manufacturer, self.id, self.type, self.list_version)


class Register:
    """One object of a list. ``value`` is ``raw × 10^scaler`` (scaler None: as is)."""

    __slots__ = ("obis", "name", "raw", "scaler", "unit", "pre")

    def __init__(self, obis, name, raw, scaler, unit, pre=None):
        self.obis = obis
        self.name = name
        self.raw = raw
        self.scaler = scaler
        self.unit = unit
        # The JSON text up to the value, shared by every reading of this
        # register (see obis.info); computed here when not given.
        self.pre = pre

    @property
    def value(self):
        s = self.scaler
        if not s:
            return self.raw
        if s > 0:
            return self.raw * 10**s
        return self.raw / 10 ** (-s)

    def to_dict(self):
        return {"obis": self.obis, "name": self.name, "value": self.value, "unit": self.unit}

    def json(self):
        pre = self.pre
        if pre is None:
            pre = '{"obis": %s, "name": %s, "value": ' % (_jstr(self.obis), _jstr(self.name))
        return pre + _jnum(self.raw, self.scaler) + _unit_tail(self.unit)

    def __eq__(self, other):
        return isinstance(other, Register) and self.to_dict() == other.to_dict()

    def __repr__(self):
        return "Register(%s %s = %r %s)" % (self.obis, self.name, self.value, self.unit)


class Reading:
    """One decoded push.

    Extra facts that are not part of the JSON schema ride along as
    attributes: ``authenticated`` (None for plaintext, False when a tag was
    present but not verified for lack of an authentication key, True when
    verified) and ``frame_counter`` (ciphered pushes).
    """

    __slots__ = ("meter", "time", "registers", "authenticated", "frame_counter")

    def __init__(self, meter, time, registers, authenticated=None, frame_counter=None):
        self.meter = meter
        self.time = time
        self.registers = registers
        self.authenticated = authenticated
        self.frame_counter = frame_counter

    def __getitem__(self, key):
        """A register's value by name or OBIS string; KeyError if absent."""
        for r in self.registers:
            if r.name == key or r.obis == key:
                return r.value
        raise KeyError(key)

    def get(self, key, default=None):
        for r in self.registers:
            if r.name == key or r.obis == key:
                return r.value
        return default

    def register(self, key):
        for r in self.registers:
            if r.name == key or r.obis == key:
                return r
        return None

    def to_dict(self):
        return {
            "meter": self.meter.to_dict(),
            "time": self.time,
            "registers": [r.to_dict() for r in self.registers],
        }

    def write_json(self, write):
        """Write the JSON text in pieces through ``write`` (a stream's write,
        or a list's append): the device prints a reading without building
        the whole line, and ``to_json`` joins the same pieces."""
        m = self.meter
        key = (m.manufacturer, m.id, m.type, m.list_version)
        head = _HEADS.get(key)
        if head is None:
            # The meter part is the same in every reading of a meter's list.
            head = '{"meter": {"manufacturer": %s, "id": %s, "type": %s, "list_version": %s}, "time": ' % (
                _jstr(m.manufacturer),
                _jstr(m.id),
                _jstr(m.type),
                _jstr(m.list_version),
            )
            # Cached only when made of texts: 0, 0.0 and False are equal as
            # keys but print differently.
            if _texts(key):
                if len(_HEADS) >= _HEADS_MAX:
                    _HEADS.clear()
                _HEADS[key] = head
        write(head)
        t = self.time
        write("null" if t is None else _jstr_new(t))
        write(', "registers": [')
        regs = self.registers
        left = len(regs)
        for r in regs:
            left -= 1
            pre = r.pre
            if pre is None:
                write(r.json())
                if left:
                    write(", ")
                continue
            write(pre)
            raw = r.raw
            tr = type(raw)
            if tr is int:  # most registers: the number itself, or scaled
                s = r.scaler
                write(str(raw) if not s else _jint(raw, s))
            elif tr is str:
                # Texts repeat (ids, versions) and are cached; clock values
                # change every frame and would only push them out.
                write(_jstr_new(raw) if r.name == "clock" else _jstr(raw))
            else:
                write(_jnum(raw, r.scaler))
            # The unit and the end of the object, with the separator when
            # another register follows (one piece, not two).
            t = (_SEP_TAILS if left else _TAILS).get(r.unit)
            write(t if t is not None else _unit_tail(r.unit, left))
        write("]}")

    def to_json(self):
        parts = []
        self.write_json(parts.append)
        return "".join(parts)

    def __eq__(self, other):
        return isinstance(other, Reading) and self.to_dict() == other.to_dict()

    def __repr__(self):
        return "Reading(%r, time=%r, %d registers)" % (self.meter, self.time, len(self.registers))


_TAILS = {}
_SEP_TAILS = {}
_HEADS = {}


def _texts(values):
    """True if every value is a str or None."""
    for v in values:
        if v is not None and type(v) is not str:
            return False
    return True


def _unit_tail(unit, sep=False):
    """``, "unit": "W"}`` (``sep``: followed by ``, ``): the end of a
    register's JSON, cached per unit."""
    cache = _SEP_TAILS if sep else _TAILS
    t = cache.get(unit)
    if t is None:
        t = ', "unit": ' + _jstr(unit) + ("}, " if sep else "}")
        if len(cache) < 32:
            cache[unit] = t
    return t


_STRS = {}


def _jstr(s):
    """JSON text of a string (or null), escaped as json.dumps does (ASCII only).

    Meter ids, types and list versions repeat in every frame: the last few
    are remembered."""
    if s is None:
        return "null"
    j = _STRS.get(s)
    if j is not None:
        return j
    if not isinstance(s, str):
        return _jnum(s, None)
    j = _jstr_new(s)
    if len(_STRS) >= _STRS_MAX:
        _STRS.clear()
    _STRS[s] = j
    return j


if hasattr("", "isascii") and hasattr("", "isprintable"):  # CPython: the checks run in C

    def _plain(s):
        """True if ``s`` is all printable ASCII without ``"`` or ``\\``."""
        return s.isascii() and s.isprintable() and '"' not in s and "\\" not in s

else:  # MicroPython has neither method

    def _plain(s):
        # Iterate the UTF-8 bytes: ints, no per-character string objects.
        for o in s.encode():
            if o < 0x20 or o > 0x7E or o == 34 or o == 92:
                return False
        return True


def _jstr_new(s):
    if _plain(s):
        return '"%s"' % s
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or o > 0x7E:
            if o > 0xFFFF:
                o -= 0x10000
                out.append("\\u%04x\\u%04x" % (0xD800 | (o >> 10), 0xDC00 | (o & 0x3FF)))
            else:
                out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _jnum(raw, scaler):
    """JSON text of raw × 10^scaler, by integer arithmetic (no float rounding).

    Matches ``json.dumps(float)`` for the magnitudes meters send: an integer
    scaler >= 0 prints as an integer, a negative one as a decimal with at
    least one fractional digit (``250.0``, ``9.3``, ``7.087``).
    """
    t = type(raw)
    if t is int:
        return _jint(raw, scaler) if scaler else str(raw)
    if raw is None:
        return "null"
    if raw is True:
        return "true"
    if raw is False:
        return "false"
    if isinstance(raw, str):
        return _jstr(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return "null"  # JSON has no NaN/Infinity
        if scaler:
            raw = raw * 10**scaler
        return repr(raw)
    if not scaler:
        return str(raw)
    return _jint(raw, scaler)


def _jint(raw, scaler):
    """JSON text of the integer ``raw`` × 10^``scaler`` (scaler not 0)."""
    if scaler > 0:
        return str(raw * 10**scaler)
    sign = ""
    if raw < 0:
        sign = "-"
        raw = -raw
    if scaler == -1:  # the commonest (0.1 V, 0.1 A): one digit, no zeros to strip
        return "%s%d.%d" % (sign, raw // 10, raw % 10)
    q = 10 ** -scaler
    # str(q + remainder) zero-pads the fraction: q = 1000, 87 -> "1087"[1:] = "087".
    frac = str(q + raw % q)[1:].rstrip("0") or "0"
    return "%s%d.%s" % (sign, raw // q, frac)
