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

# Names for the type hints, for type checkers only: MicroPython compiles this
# block away and ignores annotations. Before the first import, so that no
# function's bytecode changes (tools/fw-mem).
if False:
    from typing import Callable, Dict  # noqa: F401

from ._compat import MICROPYTHON

try:  # CPython: names for the type hints (MicroPython ignores annotations and has no typing)
    from typing import Any, Iterator, List, Optional, Tuple  # noqa: F401
except ImportError:
    pass

# Meter heads and texts remembered: a dongle reads one meter, so a few do;
# the host may decode a stream mixing many meters, so it keeps more (as
# obis.CACHE_SIZE does).
_HEADS_MAX = 8 if MICROPYTHON else 256
_STRS_MAX = 16 if MICROPYTHON else 512


class Meter:
    __slots__ = ("manufacturer", "id", "type", "list_version")

    def __init__(self, manufacturer: "Optional[str]" = None, id: "Optional[str]" = None,
                 type: "Optional[str]" = None, list_version: "Optional[str]" = None) -> None:
        self.manufacturer = manufacturer
        self.id = id
        self.type = type
        self.list_version = list_version

    def to_dict(self) -> "Dict[str, Optional[str]]":
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

    def __init__(self, obis: "Optional[str]", name: "Optional[str]", raw: "Any", scaler: "Optional[int]",
                 unit: "Optional[str]", pre: "Optional[str]" = None) -> None:
        self.obis = obis
        self.name = name
        self.raw = raw
        self.scaler = scaler
        self.unit = unit
        # The JSON text up to the value, shared by every reading of this
        # register (see obis.info); computed here when not given.
        self.pre = pre

    @property
    def value(self) -> "Any":
        s = self.scaler
        if not s:
            return self.raw
        if s > 0:
            return self.raw * 10**s
        return self.raw / 10 ** (-s)

    def to_dict(self) -> "Dict[str, Any]":
        return {"obis": self.obis, "name": self.name, "value": self.value, "unit": self.unit}

    def json(self) -> str:
        pre = self.pre
        if pre is None:
            pre = '{"obis": %s, "name": %s, "value": ' % (_jstr(self.obis), _jstr(self.name))
        return pre + _jnum(self.raw, self.scaler) + _unit_tail(self.unit)

    def __eq__(self, other):
        return isinstance(other, Register) and self.to_dict() == other.to_dict()

    def __repr__(self):
        return "Register(%s %s = %r %s)" % (self.obis, self.name, self.value, self.unit)


class Reading:
    """One decoded push: a read-only mapping of register names to values.

    ``reading["active_power_import"]`` (or the OBIS code,
    ``reading["1-0:1.7.0.255"]``) is a register's value; ``"voltage_l1" in
    reading``, ``len(reading)``, ``list(reading)``, ``dict(reading)``,
    ``keys()``, ``values()``, ``items()`` and ``get()`` work as on a dict
    whose keys are the register names (the OBIS code where a register has
    no name), in the order the meter sent them. ``register(key)`` gives the
    whole :class:`Register` (OBIS code, unit, raw value and scaler).

    * ``meter``: the :class:`Meter` (manufacturer, id, type, list version);
    * ``time``: when the meter says the push was made. On CPython a
      timezone-aware ``datetime``: the meter's clock (``time_text``) read
      with its UTC offset, or with the meters' documented convention when
      it sends none (local time in Central Europe, see ``local_offset``);
      for a meter that sends no clock (Aidon list 1) the receive time
      ``received_at``; None when neither is known. On MicroPython (no
      ``datetime``) the ISO text;
    * ``time_text``: the meter's clock as the JSON carries it (ISO 8601,
      with the offset only when the meter sends one), or None;
    * ``received_at``: when the host (or a dongle with a clock) got the
      frame: an aware ``datetime`` in UTC on CPython (ISO text on
      MicroPython), or None (a file without timestamps). A recording's
      timestamps give it on replay;
    * ``registers``: the :class:`Register` objects, in the order sent;
    * ``authenticated``: None for a plaintext push; for a ciphered one,
      True when its tag was verified with the authentication key, False
      when it was not (no tag, security control 0x20/0x21, or a tag but no
      authentication key given; docs/security.md). In the JSON only when
      not None (right after ``time`` and ``received_at``), so a plaintext
      reading's line is unchanged.

    ``frame_counter`` (ciphered pushes) rides along as an attribute, not
    in the JSON. Two more facts are in the JSON only when set (docs/reading-schema.md):

    * ``layout``: ``"unknown"`` for a push in a layout no declaration
      knows (issue 19), else None; then ``signature`` is the structure's
      type signature (one letter per value), ``positions`` every value by
      position as ``(type, raw value)``, and ``registers`` is empty;
    * ``declared``: the OBIS codes whose scaler and unit were not on the
      wire but taken from the meter's declared table (a self-describing
      push that captures values without their scaler-units).
    """

    __slots__ = ("meter", "time_text", "registers", "authenticated", "frame_counter", "_received",
                 "layout", "signature", "positions", "declared")

    def __init__(self, meter: "Meter", time: "Any", registers: "List[Register]", authenticated: "Optional[bool]" = None,
                 frame_counter: "Optional[int]" = None, received_at: "Any" = None) -> None:
        self.meter = meter
        if time is not None and not isinstance(time, str):
            time = time.isoformat()  # a datetime
        self.time_text = time
        self.registers = registers
        self.authenticated = authenticated
        self.frame_counter = frame_counter
        self._received = None  # type: Optional[str]
        self.layout = self.signature = self.positions = self.declared = None
        if received_at is not None:
            self.received_at = received_at

    # -- time ------------------------------------------------------------------
    @property
    def time(self) -> "Any":
        """The meter's time (aware datetime on CPython), else ``received_at``."""
        t = self.time_text
        if t is None:
            return self.received_at
        return _datetime(t, True)

    @property
    def received_at(self) -> "Any":
        """When the frame was received (aware datetime in UTC on CPython), or None."""
        t = self._received
        return None if t is None else _datetime(t, False)

    @received_at.setter
    def received_at(self, value: "Any") -> None:
        if value is None or isinstance(value, str):
            self._received = value
        elif isinstance(value, (int, float)):
            self._received = utc_text(value)
        else:  # an aware datetime
            self._received = utc_text(value.timestamp())

    @property
    def received_text(self) -> "Optional[str]":
        """``received_at`` as the JSON carries it (ISO 8601 UTC), or None."""
        return self._received

    # -- the mapping -------------------------------------------------------------
    def __getitem__(self, key: str) -> "Any":
        """A register's value by name or OBIS code; KeyError if absent."""
        for r in self.registers:
            if r.name == key or r.obis == key:
                return r.value
        raise KeyError(key)

    def get(self, key: str, default: "Any" = None) -> "Any":
        """A register's value by name or OBIS code, or ``default``."""
        for r in self.registers:
            if r.name == key or r.obis == key:
                return r.value
        return default

    def register(self, key: str) -> "Optional[Register]":
        """The :class:`Register` with this name or OBIS code, or None."""
        for r in self.registers:
            if r.name == key or r.obis == key:
                return r
        return None

    def __contains__(self, key: "Any") -> bool:
        for r in self.registers:
            if r.name == key or r.obis == key:
                return True
        return False

    def keys(self) -> "List[str]":
        """The register names (OBIS code where unnamed), in the order sent, each once."""
        out = []  # type: List[Any]
        for r in self.registers:
            k = r.name if r.name is not None else r.obis
            if k not in out:
                out.append(k)
        return out

    def __iter__(self) -> "Iterator[str]":
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def values(self) -> "List[Any]":
        """The values of ``keys()``, in the same order."""
        return [self[k] for k in self.keys()]

    def items(self) -> "List[Tuple[str, Any]]":
        """``(key, value)`` pairs in the order sent."""
        return [(k, self[k]) for k in self.keys()]

    # -- the JSON schema -----------------------------------------------------------
    def to_dict(self) -> "Dict[str, Any]":
        """The JSON schema's structure as plain dicts and lists (docs/reading-schema.md)."""
        d = {"meter": self.meter.to_dict(), "time": self.time_text}
        if self._received is not None:
            d["received_at"] = self._received
        if self.authenticated is not None:
            d["authenticated"] = self.authenticated
        if self.layout is not None or self.declared is not None:
            from .readingextra import extra_dict

            extra_dict(self, d)
        d["registers"] = [r.to_dict() for r in self.registers]
        return d

    def write_json(self, write: "Callable[[str], Any]") -> None:
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
        t = self.time_text
        write("null" if t is None else _jstr_new(t))
        if self._received is not None:
            write(', "received_at": ')
            write(_jstr_new(self._received))
        a = self.authenticated
        if a is not None:  # a ciphered push: was its tag verified?
            write(', "authenticated": true' if a else ', "authenticated": false')
        if self.layout is not None or self.declared is not None:
            from .readingextra import write_extra

            write_extra(self, write)
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

    def to_json(self) -> str:
        """One line of JSON (docs/reading-schema.md), byte-identical on host and device."""
        parts = []  # type: List[str]
        self.write_json(parts.append)
        return "".join(parts)

    def __eq__(self, other):
        """Same JSON but for the receive time: meter, meter time, whether
        authenticated, registers (and the facts of an unknown layout)."""
        if not isinstance(other, Reading):
            return False
        return (self.meter == other.meter and self.time_text == other.time_text
                and self.authenticated == other.authenticated
                and self.signature == other.signature and self.positions == other.positions
                and self.declared == other.declared
                and [r.to_dict() for r in self.registers] == [r.to_dict() for r in other.registers])

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self):
        return "Reading(%r, time=%r, %d registers)" % (self.meter, self.time_text, len(self.registers))


if not MICROPYTHON:  # CPython: a Reading is a collections.abc.Mapping (isinstance, typing)
    from collections.abc import Mapping as _Mapping

    _Mapping.register(Reading)


# -- time ---------------------------------------------------------------------------

# The documented convention of the meters this project reads (Norway, Sweden,
# Denmark, the Netherlands, Belgium, Luxembourg, Austria, Switzerland, Slovenia,
# Croatia): a clock without a UTC offset (deviation "not specified") is the
# local civil time of Central Europe: UTC+1, and UTC+2 from 01:00 UTC on the
# last Sunday of March to 01:00 UTC on the last Sunday of October (EU
# directive 2000/84/EC). In the repeated hour of October the summer time
# (+02:00, the first pass) is taken; a time in the skipped hour of March is
# read as winter time (+01:00).
TIME_CONVENTION = "Central European time (UTC+1, summer time UTC+2, EU rules)"


def _weekday(y, m, d):
    """0 = Monday ... 6 = Sunday (Zeller-like, proleptic Gregorian)."""
    if m < 3:
        m += 12
        y -= 1
    k = y % 100
    j = y // 100
    h = (d + 13 * (m + 1) // 5 + k + k // 4 + j // 4 + 5 * j) % 7  # 0 = Saturday
    return (h + 5) % 7


def _last_sunday(y, m):
    d = 31
    return d - (_weekday(y, m, d) + 1) % 7


def local_offset(y: int, mo: int, d: int, h: int, mi: int = 0) -> int:
    """Minutes east of UTC of a Central European local time (see TIME_CONVENTION)."""
    start = _last_sunday(y, 3)  # 02:00 local (01:00 UTC) becomes 03:00
    end = _last_sunday(y, 10)  # 03:00 local (01:00 UTC) becomes 02:00
    if mo < 3 or mo > 10:
        return 60
    if 3 < mo < 10:
        return 120
    if mo == 3:
        if d < start:
            return 60
        if d > start:
            return 120
        return 120 if h >= 3 else 60
    if d < end:
        return 120
    if d > end:
        return 60
    return 120 if h < 3 else 60


def utc_text(seconds: "Any", ms: "Optional[int]" = None) -> str:
    """ISO 8601 UTC text (``2026-03-01T11:00:00.123+00:00``) of POSIX ``seconds``
    (since 1970-01-01 UTC; a float, or an int and ``ms``): the JSON's
    ``received_at``. Integer arithmetic: the same text on host and device."""
    if ms is None:
        whole = int(seconds // 1)
        ms = int(round((seconds - whole) * 1000))
        if ms >= 1000:
            whole += 1
            ms -= 1000
    else:
        whole = int(seconds)
    days, rem = divmod(whole, 86400)
    hh, rem = divmod(rem, 3600)
    mm, ss = divmod(rem, 60)
    y, mo, d = _civil(days)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03d+00:00" % (y, mo, d, hh, mm, ss, ms)


def _civil(days):
    """(year, month, day) of a day count since 1970-01-01 (H. Hinnant's algorithm)."""
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + 1 if m <= 2 else y), m, d


# MicroPython: times stay ISO text. Some ports have a ``datetime`` module
# (the webassembly VM does), but it would cost the device 7 KB of heap
# for a value the firmware never uses (it prints ``time_text``).
if MICROPYTHON:
    _dt = None
else:
    import datetime as _dt  # type: ignore[assignment]  # (None on MicroPython)


def _datetime(text, meter_clock):
    """Aware datetime of an ISO text (CPython); the text itself on MicroPython."""
    if _dt is None:
        return text
    t = text
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    try:
        v = _dt.datetime.fromisoformat(t)
    except ValueError:
        return None
    if v.tzinfo is None:
        if not meter_clock:
            return v.replace(tzinfo=_dt.timezone.utc)
        off = local_offset(v.year, v.month, v.day, v.hour, v.minute)
        v = v.replace(tzinfo=_dt.timezone(_dt.timedelta(minutes=off)))
    return v


_TAILS = {}  # type: Dict[Optional[str], str]
_SEP_TAILS = {}  # type: Dict[Optional[str], str]
_HEADS = {}  # type: Dict[Tuple[Any, Any, Any, Any], str]


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


_STRS = {}  # type: Dict[str, str]


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
