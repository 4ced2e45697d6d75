# hostlib/dongle.py: the dongle's JSON-lines output, parsed into the same Reading objects.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The dongle decodes on the device and writes one JSON object per line on
its USB serial port (docs/reading-schema.md)::

    {"meter": {...}, "time": "2024-10-30T17:32:00", "registers": [{...}, ...]}
    {"status": {"uptime": 3600, "frames": 1440, "fcs_errors": 0}}

``DongleParser.feed(chunk)`` returns the ``protocols.reading.Reading``
objects (and ``DongleStatus`` objects for status lines) completed by the
chunk, so an integration's code is the same whether the dongle or the host
decodes. Numbers are kept exactly: ``9.3`` becomes raw 93 with scaler -1,
so ``reading.to_json()`` gives back the dongle's line byte for byte.

Lines that are not JSON objects (boot messages, a REPL banner) are counted
in ``other_lines`` and skipped; a line longer than ``max_line`` is dropped.
"""

import json
from decimal import Decimal
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from protocols.p1 import TimedRegister
from protocols.reading import Meter, Reading, Register


class DongleStatus:
    """A ``{"status": {...}}`` line: ``.data`` is the dict."""

    __slots__ = ("data",)

    def __init__(self, data: Dict[str, Any]) -> None:
        self.data = data

    def __getitem__(self, k: str) -> Any:
        return self.data[k]

    def get(self, k: str, default: Any = None) -> Any:
        return self.data.get(k, default)

    def __eq__(self, other):
        return isinstance(other, DongleStatus) and self.data == other.data

    def __repr__(self):
        return "DongleStatus(%r)" % (self.data,)


class DongleLineError(ValueError):
    kind = "json"


def _number(v):
    """(raw, scaler) for a JSON number, exact."""
    if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
        return v, None
    if isinstance(v, int):
        return v, None
    sign, digits, exp = v.as_tuple()
    raw = int("".join(map(str, digits)) or "0")
    if sign:
        raw = -raw
    if exp >= 0:
        return raw * 10**exp, None
    return raw, exp


def reading_from_dict(d: Any) -> Reading:
    """A Reading from the schema's dict (numbers as int/Decimal/float)."""
    if not isinstance(d, dict) or "registers" not in d:
        raise DongleLineError("expected an object with 'meter', 'time' and 'registers'")
    m = d.get("meter") or {}
    if not isinstance(m, dict):
        raise DongleLineError("'meter' must be an object")
    meter = Meter(m.get("manufacturer"), m.get("id"), m.get("type"), m.get("list_version"))
    regs: List[Register] = []
    rl = d.get("registers")
    if not isinstance(rl, list):
        raise DongleLineError("'registers' must be a list")
    for r in rl:
        if not isinstance(r, dict) or "obis" not in r:
            raise DongleLineError("a register must be an object with 'obis'")
        v = r.get("value")
        if isinstance(v, float):
            v = Decimal(repr(v))
        if isinstance(v, Decimal) and not v.is_finite():
            # NaN/Infinity (Python's json reads them): no reading has one.
            raise DongleLineError("register %s: expected a finite number, found %s" % (r.get("obis"), v))
        raw, scaler = _number(v)
        if "time" in r:  # a register with its own capture time (P1 M-Bus channels)
            regs.append(TimedRegister(r.get("obis"), r.get("name"), raw, scaler, r.get("unit"), r.get("time")))
        else:
            regs.append(Register(r.get("obis"), r.get("name"), raw, scaler, r.get("unit")))
    auth = d.get("authenticated")  # only in the reading of a ciphered push
    if auth is not None and not isinstance(auth, bool):
        raise DongleLineError("'authenticated' must be true or false, found %r" % (auth,))
    r = Reading(meter, d.get("time"), regs, authenticated=auth, received_at=d.get("received_at"))
    if "layout" in d or "declared" in d:  # issue 19: an unknown layout, declared scalers
        _extra(d, r)
    return r


def _extra(d, r):
    """The keys only some readings carry (docs/reading-schema.md): an unknown
    layout's ``layout``/``signature``/``values`` and ``declared``. Kept, so a
    dongle's reading of a layout no declaration knows is not taken for an
    empty reading of a known one, and its line round-trips byte for byte."""
    if "layout" in d:
        layout, sig, vals = d.get("layout"), d.get("signature"), d.get("values")
        if not isinstance(layout, str) or not isinstance(sig, str) or not isinstance(vals, list):
            raise DongleLineError("'layout' and 'signature' must be texts and 'values' a list, found %r, %r, %r"
                                  % (layout, sig, type(vals).__name__))
        pos = []
        for v in vals:
            if not isinstance(v, dict) or not isinstance(v.get("type"), str) or "value" not in v:
                raise DongleLineError("a value of an unknown layout must be an object with 'type' and 'value'")
            pos.append((v["type"], _plain(v["value"])))
        r.layout, r.signature, r.positions = layout, sig, pos
    if "declared" in d:
        dec = d.get("declared")
        if not isinstance(dec, list) or not all(isinstance(c, str) for c in dec):
            raise DongleLineError("'declared' must be a list of OBIS codes, found %r" % (dec,))
        r.declared = dec


def _plain(v):
    """A positional value as the device wrote it (JSON numbers with a
    fraction were written from floats)."""
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, Decimal):
        return float(v)
    return v


def parse_line(line: Union[str, bytes, bytearray]) -> Union[Reading, DongleStatus, None]:
    """One line -> Reading, DongleStatus, or None (not a JSON object line).

    :raises DongleLineError: a JSON object that is not a reading or status.
    """
    if isinstance(line, (bytes, bytearray)):
        line = bytes(line).decode("utf-8", "replace")
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        d = json.loads(line, parse_float=Decimal)
    except ValueError:
        return None
    if not isinstance(d, dict):
        return None
    if "status" in d and "registers" not in d:
        st = d["status"]
        return DongleStatus(st if isinstance(st, dict) else {"status": st})
    return reading_from_dict(d)


class DongleParser:
    """JSON lines in chunks of any size -> readings and statuses."""

    def __init__(self, max_line: int = 16384, on_error: Optional[Callable[[DongleLineError], Any]] = None) -> None:
        self._buf = bytearray()
        self.max_line = max_line
        self.on_error = on_error
        self.readings = 0
        self.statuses = 0
        self.other_lines = 0
        self.errors = 0
        self._skipping = False

    def feed(self, chunk: Union[bytes, bytearray, memoryview]) -> List[Union[Reading, DongleStatus]]:
        out: List[Union[Reading, DongleStatus]] = []
        buf = self._buf
        buf += chunk
        start = 0
        while True:
            nl = buf.find(b"\n", start)
            if nl < 0:
                break
            line = bytes(buf[start:nl])
            start = nl + 1
            if self._skipping:
                self._skipping = False
                continue
            self._line(line, out)
        del buf[:start]
        if len(buf) > self.max_line:
            del buf[:]
            self._skipping = True
            self.errors += 1
        return out

    def _line(self, line, out):
        try:
            item = parse_line(line)
        except DongleLineError as e:
            self.errors += 1
            if self.on_error is not None:
                self.on_error(e)
            return
        if item is None:
            if line.strip():
                self.other_lines += 1
            return
        if isinstance(item, DongleStatus):
            self.statuses += 1
        else:
            self.readings += 1
        out.append(item)

    def flush(self) -> List[Union[Reading, DongleStatus]]:
        out: List[Union[Reading, DongleStatus]] = []
        if self._buf and not self._skipping:
            self._line(bytes(self._buf), out)
        del self._buf[:]
        self._skipping = False
        return out

    def counters(self) -> List[Tuple[str, int]]:
        return [("readings", self.readings), ("statuses", self.statuses),
                ("other_lines", self.other_lines), ("errors", self.errors)]
