# protocols/readingextra.py: the JSON of what only some readings carry (unknown layouts, declared scalers).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Imported only when a reading has ``layout`` or ``declared`` set (issue
19), so a dongle reading a declared meter never holds this code; also the
reading of an unknown layout itself (``unknown``, for the generic engine)."""

from .reading import _jnum, _jstr_new


def diagnostic(reading):
    """The one-line explanation of an unknown layout."""
    return ("unknown layout: a list of %d values (signature %s) that no meter declaration "
            "describes; its values are in the reading by position (docs/adding-a-meter.md, "
            "section 5: from a signature to a declaration)" % (len(reading.positions), reading.signature))


def extra_dict(reading, d):
    """Add the keys ``to_dict`` writes for these facts to ``d``."""
    if reading.layout is not None:
        d["layout"] = reading.layout
        d["signature"] = reading.signature
        d["values"] = [{"type": t, "value": _plain_value(v)} for t, v in reading.positions]
    if reading.declared is not None:
        d["declared"] = list(reading.declared)


def _plain_value(v):
    """A positional value of an unknown layout as JSON data: numbers, texts,
    booleans and null as they are, bytes as text when printable else hex,
    nested arrays and structures as lists."""
    t = type(v)
    if t is list or t is tuple:
        return [_plain_value(x) for x in v]
    if t is bytes or t is bytearray:
        for o in v:
            if o < 0x20 or o > 0x7E:
                return bytes(v).hex().upper()
        return str(bytes(v), "ascii")
    if v is None or t is int or t is bool or t is str or t is float:
        return v
    iso = getattr(v, "isoformat", None)
    return iso() if iso is not None else str(v)


def _jvalue(v):
    """JSON text of ``_plain_value(v)``, as json.dumps writes it."""
    if type(v) is list:
        return "[" + ", ".join([_jvalue(x) for x in v]) + "]"
    if type(v) is str:
        return _jstr_new(v)
    return _jnum(v, None)


def write_extra(reading, write):
    if reading.layout is not None:
        write(', "layout": ')
        write(_jstr_new(reading.layout))
        write(', "signature": ')
        write(_jstr_new(reading.signature))
        write(', "values": [')
        first = True
        for t, v in reading.positions:
            write('{"type": ' if first else ', {"type": ')
            first = False
            write(_jstr_new(t))
            write(', "value": ')
            write(_jvalue(_plain_value(v)))
            write("}")
        write("]")
    if reading.declared is not None:
        write(', "declared": [')
        write(", ".join([_jstr_new(c) for c in reading.declared]))
        write("]")


# The signature letters (dialects.positional.kind) as type names.
_TYPES = {"i": "integer", "o": "octet-string", "b": "boolean", "n": "null-data", "A": "array",
          "S": "structure", "t": "date-time", "d": "date-or-time", "f": "float", "x": "other"}


def unknown(dn, hint, regs):
    """The reading of a layout no declaration knows: time (the header's, or
    a clock found in the list), every top-level value by position, no
    registers."""
    from .dialects.base import build
    from .dialects.positional import kind

    body = dn.body
    items = body if type(body) is tuple else (body,)
    sig = "".join([kind(v) for v in items])
    r = build(dn, [g for g in regs if g.name == "clock"], None, hint)
    r.registers = []
    r.layout = "unknown"
    r.signature = sig
    r.positions = [(_TYPES[c], v) for c, v in zip(sig, items)]
    return r
