# protocols/dialects/kaifa.py: Kaifa MA105/MA304 (KFM_001, Norway and Sweden).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Kaifa (digest 5.2).

* Norway: a **structure of bare values**, no OBIS codes, no scaler-unit,
  recognised by its element count (1, 9, 13, 14, 18); the position gives
  the meaning (table below, after the KFM_001 OBIS list).
* Sweden: the same values **OBIS-coded**, ``OBIS, value`` pairs, list
  version under ``1.0.0.2.129.255``.
* Fixed scaling in both: current in mA, voltage in 0.1 V, power W/var,
  energy Wh/varh (the KFM_001 PDF says otherwise; every capture agrees
  with this, and so do amshan and amsreader-firmware).
* 3-wire IT meters (MA304H3E, MA304T3) send UL2 as 0: not measured, left out.
* MA304T4 sends 64-bit energies (tag 0x15): nothing special, the A-XDR walk
  returns ints of any width.
"""

from .base import build, text, to_register, walk

# Positions of the value-only lists, as OBIS codes (KFM_001).
_V = b"\x01\x01\x00\x02\x81\xff"  # list version
_ID = b"\x00\x00\x60\x01\x00\xff"
_TYPE = b"\x00\x00\x60\x01\x07\xff"
_CLOCK = b"\x00\x00\x01\x00\x00\xff"


def _o(c, d=7, e=0):
    return bytes((1, 0, c, d, e, 255))


_POWERS = (_o(1), _o(2), _o(3), _o(4))
_ENERGY = (_o(1, 8), _o(2, 8), _o(3, 8), _o(4, 8))
_3PH = (_V, _ID, _TYPE) + _POWERS + (_o(31), _o(51), _o(71), _o(32), _o(52), _o(72))
_1PH = (_V, _ID, _TYPE) + _POWERS + (_o(31), _o(32))
LAYOUTS = {
    1: (_o(1),),
    9: _1PH,
    13: _3PH,
    14: _1PH + (_CLOCK,) + _ENERGY,
    18: _3PH + (_CLOCK,) + _ENERGY,
}

# Implied scalers by C (quantity): current mA, voltage 0.1 V.
_SCALERS = {31: -3, 51: -3, 71: -3, 32: -1, 52: -1, 72: -1}


def _version(v):
    if type(v) in (bytes, str) and len(v) >= 3:
        return (v[:3] == b"KFM") if type(v) is bytes else v.startswith("KFM")
    return False


def match(body):
    if type(body) is not tuple or not body:
        return False
    n = len(body)
    if n == 1:
        return type(body[0]) is int
    if n in LAYOUTS and _version(body[0]):
        return True
    # Swedish OBIS-coded list: OBIS 1.0.0.2.129.255 then "KFM_001".
    return n >= 2 and type(body[0]) is bytes and body[0] == b"\x01\x00\x00\x02\x81\xff" and _version(body[1])


def decode(dn, hint=None):
    body = dn.body
    layout = None
    if not (type(body[0]) is bytes and len(body[0]) == 6):
        layout = LAYOUTS.get(len(body))
    # 3-wire IT meters: the meter type is item 2 of a value-only list, or
    # the value after 0.0.96.1.7.255 in the OBIS-coded one.
    t = None
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
        for i in range(len(body)):
            code = layout[i]
            value = body[i]
            if code[3] == 7:
                c = code[2]
                if three_wire and c == 52 and value == 0:
                    continue  # UL2 of a 3-wire IT meter: not measured
                r = to_register(code, value, _SCALERS.get(c), None)
            else:
                r = to_register(code, value, None, None)
            if r is not None:
                regs.append(r)
        return build(dn, regs, "Kaifa", hint)

    # The OBIS-coded list (a closure, made only for this layout).
    def emit(code, value, scaler, unit):
        if code is None:
            return
        c = code[2]
        if scaler is None and code[3] == 7:
            scaler = _SCALERS.get(c)
        if three_wire and c == 52 and code[3] == 7 and value == 0:
            return  # UL2 of a 3-wire IT meter: not measured
        r = to_register(code, value, scaler, unit)
        if r is not None:
            regs.append(r)

    walk(body, emit)
    return build(dn, regs, "Kaifa", hint)
