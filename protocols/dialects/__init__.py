# protocols/dialects/__init__.py: pick the meter and its engine from the frame's content.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Turn a Data-Notification into a Reading, whichever meter sent it.

The meters are declared in ``protocols/meters`` (an index line each, and a
data module for positional layouts); the modules here are the *engines*
that read the list shapes those declarations name: ``registers``,
``values``, ``pairs`` and ``generic``. Detection looks only at the content
(list version, shape, element count) and, for a positional list without a
version, the FLAG id of a ciphered frame's system title: no configuration.
Engines and meter modules are imported on first use, so a dongle that only
ever sees one meter keeps only that meter's engine in its heap. An engine's
``decode`` may still decline (return None) when the body turns out not to
be its shape; ``generic`` accepts everything, so an unknown meter never
raises just because it is unknown.
"""

from .. import meters as _meters

_ENGINES = {}  # type: dict
# Meter contexts by name; what ``meters.find`` gave, per column (value ->
# Meter or None), bytes apart (bytes and str hash alike, and MicroPython can
# warn when they meet in ``==``).
_CTX = {}  # type: dict
_SEEN = {0: {}, 2: {}, 3: {}, 5: {}}  # type: dict[int, dict]
_SEEN_B = {}  # type: dict


def _engine(name):
    m = _ENGINES.get(name)
    if m is None:
        m = _ENGINES[name] = __import__("protocols.dialects." + name, None, None, ("decode",))
    return m


class Meter:
    """What an engine needs of one declared meter (its index row; for a
    ``values`` meter its layouts too), made once per meter."""

    __slots__ = ("name", "manufacturer", "engine", "quirks", "scalers", "layouts")

    def __init__(self, f):
        self.name = f[0]
        # "-": a layout several manufacturers send; the FLAG id names it.
        self.manufacturer = None if f[1] == "-" else f[1]
        self.engine = f[5]
        self.quirks = () if f[6] == "-" else tuple(f[6].split(","))
        self.scalers = None
        self.layouts = {}
        if f[5] == "values" or f[5] == "pairs" or f[5] == "positional":
            from ..meters._layouts import fill

            fill(self, f)


def meter(col, value):
    """The engine context of the declared meter ``meters.find(col, value)``
    names, or None; cached, so a known list version costs no allocation."""
    seen = _SEEN_B if type(value) is bytes else _SEEN[col]
    m = seen.get(value, _SEEN)
    if m is _SEEN:
        f = _meters.find(col, value)
        m = None if f is None else (_CTX.get(f[0]) or Meter(f))
        if m is not None:
            _CTX[m.name] = m
        if len(seen) >= 16:
            seen.clear()  # bounded: a stream shows a few versions
        seen[value] = m
    return m


def _candidate(body, hint):
    """The declared meter worth asking first, from the body's shape (or None)."""
    t = type(body)
    flag = meter(2, hint) if hint else None
    if t is list:
        # Arrays of register structures: the meter of the FLAG id when it is
        # such a meter, else the first declared one (Aidon).
        if flag is None or flag.engine != "registers":
            flag = meter(5, "registers")
        return flag
    if t is tuple and body:
        # A list version as the first element, or after its OBIS code.
        for i in range(2 if len(body) > 1 else 1):
            v = body[i]
            tv = type(v)
            if tv is bytes or tv is str:
                m = meter(3, v)
                if m is not None:
                    return m
        # A positional list without a version: the FLAG id's meter, or (a
        # single value) the first values meter.
        if flag is not None and flag.engine == "values" and len(body) in flag.layouts:
            return flag
        if len(body) == 1:
            return meter(5, "values")
    return None


def decode_notification(dn, hint=None):
    """Reading for a DataNotification. ``hint``: a FLAG id (e.g. from a
    ciphered APDU's system title) used when the list names no manufacturer.
    A list no engine reads by its version or FLAG id is looked up by shape
    in the ``positional`` declarations; failing that, ``generic`` reads it
    (and marks it ``layout: "unknown"`` when it holds values it cannot
    name)."""
    body = dn.body
    m = _candidate(body, hint)
    if m is not None:
        eng = _engine(m.engine)
        if eng.match(body, m):
            r = eng.decode(dn, hint, m)
            if r is not None:
                return r
    # A list without OBIS codes (two or more, bare or heading a structure:
    # generic reads those, the positional declarations are not even loaded).
    n = 0
    if type(body) is tuple and len(body) > 1:
        for v in body:
            t = type(v)
            if (t is bytes and len(v) == 6) or (t is tuple and v and type(v[0]) is bytes and len(v[0]) == 6):
                n += 1
    if n < 2 and type(body) is tuple and len(body) > 1:
        pos = _engine("positional")
        m = pos.by_shape(body, hint)
        if m is not None:
            r = pos.decode(dn, hint, m)
            if r is not None:
                return r
    return _engine("generic").decode(dn, hint, None)
