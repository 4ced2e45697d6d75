# protocols/dialects/kamstrup.py: Kamstrup Omnipower (Kamstrup_V0001; Norway, Denmark).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Kamstrup (digest 5.3): a **structure of alternating OBIS and value**;
the first element is the list version ``Kamstrup_V0001`` without its OBIS
code. No scaler-unit on the wire: the scalers are implied by the vendor
(HAN-NVE interface description rev 3.1):

* current 0.01 A (CT meters, type prefix ``685``: 0.001 A);
* voltage 1 V, except firmware that sends 0.01 V (a raw value above 1000
  cannot be volts: Swedish units, Bornholm Omnipower);
* power W/var; energy 10 Wh/varh (Norway); power factor 0.01.

Newer 1-phase firmware pads missing objects with ``00 00`` (two nulls),
skipped by the walk. The Danish "DLMS push 1" list (65 elements) uses the
same pair layout and scalers, with the meter number as an integer.
"""

from .._compat import const
from .base import build, text, to_register

_VERSION = b"\x01\x01\x00\x02\x81\xff"
_ONE_WH_VARIANTS = ("245", "240")  # Sweden, Switzerland: energy in 1 Wh

# Instantaneous values (D = 7) with an implied scaler, by C.
_CURRENT = const(1)
_VOLTAGE = const(2)
_POWER_FACTOR = const(3)
_QUANTITY = {
    31: _CURRENT, 51: _CURRENT, 71: _CURRENT,
    32: _VOLTAGE, 52: _VOLTAGE, 72: _VOLTAGE,
    13: _POWER_FACTOR, 33: _POWER_FACTOR, 53: _POWER_FACTOR, 73: _POWER_FACTOR,
}


def _is_version(v):
    if type(v) is str:
        return v.startswith("Kamstrup")
    if type(v) is bytes:
        return v[:8] == b"Kamstrup"
    return False


def match(body):
    if type(body) is not tuple or len(body) < 2:
        return False
    return _is_version(body[0]) or (type(body[0]) is bytes and body[0] == _VERSION and _is_version(body[1]))


def decode(dn, hint=None):
    body = dn.body
    # The meter type decides two implied scalers, so find it first:
    # * CT meters (type prefix 685) send current in mA;
    # * energy is in 10 Wh in Norway, in 1 Wh on Swedish and Swiss firmware
    #   (digest 5.3; amsreader-firmware issue #239). The type's variant
    #   digits tell them apart in every capture we have: "...BN243..."
    #   Norway (and Finland, "AN243"), "BN245" Sweden (gh239-1/-2,
    #   amshan's Swedish sample), "BN240" Switzerland (gh196-1), "BN143"
    #   Denmark. Unknown variants keep the Norwegian 10 Wh.
    ct = False
    energy = 1
    n = len(body)
    for i in range(n - 1 if n < 9 else 8):  # the type is the second pair when sent
        c = body[i]
        if type(c) is bytes and len(c) == 6 and c[2] == 0x60 and c[3] == 1 and c[4] == 1:
            v = text(body[i + 1])
            if type(v) is str:
                ct = v[:3] == "685"
                if v[9:12] in _ONE_WH_VARIANTS:
                    energy = 0
    regs = []
    # Walk the pairs directly (no scaler-units on Kamstrup's wire): the
    # version without OBIS, then OBIS, value, ...; nulls pad 1-phase lists.
    code = None  # an OBIS code waiting for its value
    for item in body:
        if code is not None:
            if type(item) is bytes and len(item) == 6:
                code = item  # the previous OBIS code had no value: not a pair
                continue
            value = item
        elif type(item) is bytes and len(item) == 6:
            code = item
            continue
        elif item is not None and _is_version(item):
            value = item
            code = _VERSION
        else:
            continue
        scaler = None
        if type(value) is int:
            d = code[3]
            if d == 8:
                scaler = energy
            elif d == 7:
                q = _QUANTITY.get(code[2])
                if q is None:
                    pass  # powers (W, var): as sent
                elif q == _CURRENT:
                    scaler = -3 if ct else -2
                elif q == _VOLTAGE:
                    if value > 1000:
                        scaler = -2
                else:  # power factor
                    scaler = -2
        r = to_register(code, value, scaler, None)
        if r is not None:
            regs.append(r)
        code = None
    return build(dn, regs, "Kamstrup", hint)
