# protocols/dialects/__init__.py: pick the meter dialect from the frame's content.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Turn a Data-Notification into a Reading, whichever meter sent it.

Detection looks only at the content (list version, shape, item count): no
configuration. Each dialect module has a ``match(body)``; the checks are
cheap and the modules are imported on first use, so a dongle that only
ever sees one vendor keeps only that vendor's code in its heap. A
dialect's ``decode`` may still decline (return None) when the body turns
out not to be its shape; the next candidate is then asked.
``generic`` accepts everything, so an unknown meter never raises just
because it is unknown.
"""

_ORDER = ("kamstrup", "kaifa", "aidon", "generic")
_LOADED = {}


def _module(name):
    m = _LOADED.get(name)
    if m is None:
        if name == "kamstrup":
            from . import kamstrup as m
        elif name == "kaifa":
            from . import kaifa as m
        elif name == "aidon":
            from . import aidon as m
        else:
            from . import generic as m
        _LOADED[name] = m
    return m


def _vendor(v):
    """"kamstrup"/"kaifa" when ``v`` is a list version text, else None.

    (bytes and str are compared separately: MicroPython warns on stdout when
    they meet in ``==``.)"""
    t = type(v)
    if t is bytes:
        if v[:3] == b"Kam":
            return "kamstrup"
        if v[:3] == b"KFM":
            return "kaifa"
    elif t is str:
        if v[:3] == "Kam":
            return "kamstrup"
        if v[:3] == "KFM":
            return "kaifa"
    return None


def _candidates(body):
    """Dialects worth asking, from the body's shape alone (no imports)."""
    t = type(body)
    if t is list:
        return ("aidon", "generic")
    if t is tuple and body:
        v = _vendor(body[0])
        if v is None and len(body) >= 2:
            v = _vendor(body[1])
        if v is not None:
            return (v, "generic")
        if len(body) == 1:
            return ("kaifa", "generic")
    return ("generic",)


def decode_notification(dn, hint=None):
    """Reading for a DataNotification. ``hint``: a FLAG id (e.g. from a
    ciphered APDU's system title) used when the list names no manufacturer."""
    body = dn.body
    for name in _candidates(body):
        m = _module(name)
        if m.match(body):
            r = m.decode(dn, hint)
            if r is not None:
                return r
    return _module("generic").decode(dn, hint)  # pragma: no cover
