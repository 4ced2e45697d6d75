# protocols/dialects/__init__.py: pick the meter and its engine from the frame's content.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Turn a Data-Notification into a Reading, whichever meter sent it.

The meters are declared in ``protocols/meters`` (one index line and one
data module each); the modules here are the *engines* that read the list
shapes those declarations name: ``registers``, ``values``, ``pairs`` and
``generic``. Detection looks only at the content (list version, shape,
element count) and, for positional lists without a version, the FLAG id
of a ciphered frame's system title: no configuration. Engines and meter
modules are imported on first use, so a dongle that only ever sees one
meter keeps only that meter's declaration and engine in its heap. An
engine's ``decode`` may still decline (return None) when the body turns
out not to be its shape; ``generic`` accepts everything, so an unknown
meter never raises just because it is unknown.
"""

from .. import meters as _meters

_ENGINES = {}
_CTX = {}


def _engine(name):
    m = _ENGINES.get(name)
    if m is None:
        if name == "registers":
            from . import registers as m
        elif name == "values":
            from . import values as m
        elif name == "pairs":
            from . import pairs as m
        else:
            from . import generic as m
        _ENGINES[name] = m
    return m


class Meter:
    """What an engine needs of one declared meter, made once per meter."""

    __slots__ = ("name", "manufacturer", "engine", "quirks", "scalers", "layouts", "version_code")

    def __init__(self, name):
        e = _meters.entry(name)
        decl = _meters.declaration(name)
        self.name = name
        self.manufacturer = e.manufacturer
        self.engine = e.engine
        self.quirks = _meters.quirks(decl)
        self.scalers = sc = _meters.scalers(decl)
        # Positional layouts by element count: (OBIS codes, implied scalers).
        self.layouts = {}
        self.version_code = None  # the pairs engine's, found on first use
        if e.engine == "values":
            for lst in _meters.lists(decl):
                codes = tuple([it[0] for it in lst.items])
                self.layouts[len(codes)] = (codes, tuple([_meters.implied_scaler(sc, c) for c in codes]))


def meter(name):
    """The engine context of declared meter ``name`` (cached)."""
    m = _CTX.get(name)
    if m is None:
        m = _CTX[name] = Meter(name)
    return m


def _version_meter(body):
    # A list version as the first element, or after its OBIS code.
    v = body[0]
    name = _meters.by_list_version(v) if type(v) in (bytes, str) else None
    if name is None and len(body) >= 2:
        v = body[1]
        if type(v) in (bytes, str):
            name = _meters.by_list_version(v)
    return name


def _positional(body, flag_name):
    """A values-engine meter with a layout of ``len(body)`` elements: the one
    of the FLAG id when it has one, else (for a single value) the first."""
    n = len(body)
    if flag_name is not None:
        m = meter(flag_name)
        if n in m.layouts and not (type(body[0]) is bytes and len(body[0]) == 6):
            return m
    if n == 1:
        for e in _meters.entries():
            if e.engine == "values":
                m = meter(e.name)
                if 1 in m.layouts:
                    return m
    return None


def _candidate(body, hint):
    """The declared meter worth asking first, from the body's shape (or None)."""
    t = type(body)
    if t is list:
        name = None
        if hint:
            name = _meters.by_flag(hint)
        if name is None or _meters.entry(name).engine != "registers":
            name = None
            for e in _meters.entries():
                if e.engine == "registers":
                    name = e.name
                    break
        return meter(name) if name is not None else None
    if t is tuple and body:
        name = _version_meter(body)
        if name is not None:
            return meter(name)
        return _positional(body, _meters.by_flag(hint) if hint else None)
    return None


def decode_notification(dn, hint=None):
    """Reading for a DataNotification. ``hint``: a FLAG id (e.g. from a
    ciphered APDU's system title) used when the list names no manufacturer."""
    m = _candidate(dn.body, hint)
    if m is not None:
        eng = _engine(m.engine)
        if eng.match(dn.body, m):
            r = eng.decode(dn, hint, m)
            if r is not None:
                return r
    return _engine("generic").decode(dn, hint, None)
