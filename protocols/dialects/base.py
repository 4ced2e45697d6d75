# protocols/dialects/base.py: what every dialect shares: the OBIS walk and value conversion.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Shared machinery for the meter dialects.

A list is first flattened into entries ``[obis, value, scaler, unit]``
(``walk``); a dialect then fills in what its meter leaves implicit (OBIS
codes of value-only lists, scalers that are not sent) and ``build`` turns
the entries into a Reading.
"""

from .. import meters as _meters
from .. import obis as _obis
from ..cosem import Date, DateTime, Time
from ..errors import FormatError
from ..reading import Meter, Reading, Register

_INF = float("inf")

_INFO = _obis._INFO  # the registry's per-code cache, read directly on the hot path
_UNIT = _obis._UNIT_CACHE

# Names of the registers that describe the meter rather than measure.
_ID_NAMES = ("meter_id", "meter_number", "equipment_id", "logical_device_name")
_FACTS = {"list_version", "meter_type", "clock"} | set(_ID_NAMES)



def is_obis(v):
    return type(v) is bytes and len(v) == 6


def is_scaler_unit(v):
    if type(v) is not tuple or len(v) != 2:
        return False
    s, u = v
    return type(s) is int and type(u) is int and -128 <= s <= 127 and 0 <= u <= 255


def walk(body, emit):
    """Call ``emit(obis|None, value, scaler, unit-enum)`` for each object of a list.

    Understands every layout HAN meters use:
    * ``{OBIS, value}`` and ``{OBIS, value, {scaler, unit}}`` structures
      (Aidon, Polish/Vorarlberg Kaifa);
    * alternating ``OBIS, value`` elements, optionally followed by a
      ``{scaler, unit}`` structure (Kamstrup, Kaifa SE, Austrian lists);
    * values without an OBIS code (list versions, meter numbers): obis None;
    * ``null`` padding (Kamstrup 1-phase): skipped.
    A callback rather than a list of entries: nothing is allocated per
    object (the device's heap).
    """
    items = body if type(body) in (list, tuple) else (body,)
    i = 0
    n = len(items)
    while i < n:
        v = items[i]
        i += 1
        if v is None:
            continue
        tv = type(v)
        if tv is tuple and 2 <= len(v) <= 3 and type(v[0]) is bytes and len(v[0]) == 6:
            if len(v) == 3 and is_scaler_unit(v[2]):
                su = v[2]
                emit(v[0], v[1], su[0], su[1])
            else:
                emit(v[0], v[1], None, None)
        elif tv is bytes and len(v) == 6 and i < n and not is_obis(items[i]):
            val = items[i]
            i += 1
            if i < n and is_scaler_unit(items[i]):
                su = items[i]
                i += 1
                emit(v, val, su[0], su[1])
            else:
                emit(v, val, None, None)
        else:
            emit(None, v, None, None)


if hasattr(b"", "isascii"):  # CPython: the checks run in C

    def ascii_text(b):
        """The bytes ``b`` as a str if all are printable ASCII (0x20-0x7E), else None."""
        if b.isascii():
            s = b.decode()
            if s.isprintable():
                return s
        return None

    def is_printable(b):
        return ascii_text(b) is not None

else:  # MicroPython: a loop over the ints (nothing allocated to test)

    def is_printable(b):
        for o in b:
            if o < 0x20 or o > 0x7E:
                return False
        return True

    def ascii_text(b):
        return str(bytes(b), "ascii") if is_printable(b) else None


def text(v):
    """A string value: bytes as ASCII text when printable, else hex."""
    if type(v) is str:
        return v
    if type(v) in (bytes, bytearray):
        s = ascii_text(v)
        return s if s is not None else v.hex().upper()
    return v


def as_time(v, zero_is_local=False):
    """ISO text for a date-time value (typed, or a 12-byte octet-string), or None.

    ``zero_is_local``: a deviation of 0 means "local time, offset unknown"
    (Aidon Norway sends 0 for Norwegian local time, digest 3.2).
    """
    if type(v) in (bytes, bytearray) and len(v) == 12:
        v = DateTime.from_bytes(v)
    if isinstance(v, DateTime):
        if not v.is_plausible():
            return None
        return v.isoformat(not (zero_is_local and v.deviation == 0))
    return None


def is_text(v):
    """A str, or bytes that are all printable ASCII."""
    if type(v) is str:
        return True
    return type(v) is bytes and len(v) > 0 and is_printable(v)


def looks_like_time(v):
    if type(v) in (bytes, bytearray) and len(v) == 12:
        # A 12-character printable string (a meter number) is text, not a time.
        return not is_printable(v) and DateTime.from_bytes(v).is_plausible()
    return isinstance(v, DateTime)


_MISS = object()


def to_register(code, value, scaler, unit_enum, zero_is_local=False):
    """A Register for one entry; None for values that are not scalars (nested lists).

    ``zero_is_local``: the dialect's clock sends deviation 0 for local time
    (see ``as_time``)."""
    inf = _INFO.get(code) or _obis.info(code)
    t = type(value)
    if t is float and (value != value or value * 10.0 ** (scaler or 0) in (_INF, -_INF)):
        # JSON has no NaN or Infinity (issue 12 item 6): a format error.
        raise FormatError("register %s: the float value %r (scaler %s) has no finite number"
                          % (inf[0], value, scaler))
    if t is int or t is float:
        if unit_enum is None:
            unit = inf[2]
        else:
            unit = _UNIT.get(unit_enum, _MISS)
            if unit is _MISS:
                unit = _obis.unit_of(unit_enum)
        return Register(inf[0], inf[1], value, scaler, unit, inf[3])
    ostr, name, runit, pre = inf
    if t is str:  # a text as sent (a clock sent as text stays text)
        return Register(ostr, name, value, None, None, pre)
    if t is bool:
        # A register's value is a number or a text (docs/reading-schema.md).
        raise FormatError("register %s: expected a number or a text, found a boolean" % ostr)
    if name == "clock" or looks_like_time(value):
        iso = as_time(value, zero_is_local)
        if iso is not None:
            return Register(ostr, name, iso, None, None, pre)
        if name == "clock" or isinstance(value, DateTime):
            # Not a valid date-time (an hour above 23, a year above 9999):
            # null, as docs/reading-schema.md says, never its bytes as text.
            return Register(ostr, name, None, None, None, pre)
    if t in (bytes, bytearray, str):
        return Register(ostr, name, text(value), None, None, pre)
    if t is Date or t is Time:
        return Register(ostr, name, value.isoformat(), None, None, pre)
    return None


def manufacturer_from(list_version, hint=None):
    """The manufacturer a list version names (``protocols/meters``), else
    the one of FLAG id ``hint`` (the id itself when undeclared), else None."""
    if list_version:
        f = _meters.find(-3, list_version)
        if f is not None:
            return f[1]
    if hint:
        f = _meters.find(2, hint)
        return hint if f is None else f[1]
    return None


def _text(v):
    return v if v is None or type(v) is str else str(v)


def build(dn, registers, manufacturer, hint=None, zero_is_local=False):
    """The Reading: meter facts from the registers, time from the header or clock."""
    lv = mid = mtype = None
    clock = None
    facts = _FACTS
    for r in registers:
        nm = r.name
        if nm not in facts:
            continue  # a measurement (most registers): one set lookup
        # Meter facts are texts in the schema; a meter that sends a number
        # (malformed, but seen in fuzzing) gets it as text, never a crash.
        if nm == "list_version":
            lv = _text(r.raw)
        elif nm in _ID_NAMES and mid is None:
            mid = _text(r.raw)
        elif nm == "meter_type":
            mtype = _text(r.raw)
        elif nm == "clock" and clock is None and type(r.raw) is str:
            clock = r.raw
    if manufacturer is None:
        manufacturer = manufacturer_from(lv, hint)
    time = None
    if dn is not None and dn.datetime is not None:
        time = as_time(dn.datetime, zero_is_local)
    if time is None:
        time = clock
    return Reading(Meter(manufacturer, mid, mtype, lv), time, registers)

