# protocols/dialects/values.py: positional lists of bare values, and OBIS-coded ones, with implied scalers (Kaifa).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The ``values`` engine (digest 5.2).

* A **structure of bare values**, no OBIS codes, no scaler-unit: the
  element count picks one of the meter's declared layouts
  (``meter.layouts``), the position gives OBIS code and implied scaler.
* The same values **OBIS-coded** (``OBIS, value`` pairs, the list version
  after its OBIS code): walked by OBIS, the implied scalers by ``C.D``.

Quirk ``three_wire_ul2``: 3-wire IT meters (type with ``H3`` or ``T3``)
send UL2 as 0: not measured, left out.
"""

from .base import build, text, to_register, walk


# The quirks (named in a meter's QUIRKS) this engine understands.
QUIRKS = ("three_wire_ul2",)


def implied_scaler(table, code):
    """The scaler a meter's table (``protocols.meters._layouts.scalers``:
    ``{(C << 8) | D: s}``, ``-D - 1`` for ``*.D``) implies for OBIS ``code``, or None."""
    s = table.get((code[2] << 8) | code[3])
    if s is None:
        s = table.get(-code[3] - 1)
    return s


def _obis(v):
    return type(v) is bytes and len(v) == 6


def match(body, meter):
    if type(body) is not tuple or not body:
        return False
    n = len(body)
    if n == 1:
        return type(body[0]) is int and 1 in meter.layouts
    if n in meter.layouts and not _obis(body[0]):
        return True
    # OBIS-coded: the list version's OBIS code, then the version.
    return n >= 2 and _obis(body[0]) and body[0][2:5] == b"\x00\x02\x81"


def decode(dn, hint, meter):
    body = dn.body
    layout = None
    if not _obis(body[0]):
        layout = meter.layouts.get(len(body))
    ul2 = "three_wire_ul2" in meter.quirks
    # 3-wire IT meters: the meter type is item 2 of a value-only list, or
    # the value after 0.0.96.1.7.255 in the OBIS-coded one.
    t = None
    if ul2:
        if layout is not None and len(body) > 2:
            t = text(body[2])
        elif layout is None:
            for i in range(len(body) - 1):
                c = body[i]
                if type(c) is bytes and len(c) == 6 and c[2:5] == b"\x60\x01\x07":
                    t = text(body[i + 1])
    three_wire = type(t) is str and ("H3" in t or "T3" in t)
    regs = []
    if layout is not None:
        codes, scalers = layout
        for i in range(len(body)):
            code = codes[i]
            value = body[i]
            if three_wire and code[2] == 52 and code[3] == 7 and value == 0:
                continue  # UL2 of a 3-wire IT meter: not measured
            r = to_register(code, value, scalers[i], None)
            if r is not None:
                regs.append(r)
        return build(dn, regs, meter.manufacturer, hint)

    # The OBIS-coded list (a closure, made only for this layout).
    table = meter.scalers

    def emit(code, value, scaler, unit):
        if code is None:
            return
        if scaler is None:
            scaler = implied_scaler(table, code)
        if three_wire and code[2] == 52 and code[3] == 7 and value == 0:
            return  # UL2 of a 3-wire IT meter: not measured
        r = to_register(code, value, scaler, unit)
        if r is not None:
            regs.append(r)

    walk(body, emit)
    return build(dn, regs, meter.manufacturer, hint)
