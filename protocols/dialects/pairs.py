# protocols/dialects/pairs.py: alternating OBIS and value, implied scalers (Kamstrup).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The ``pairs`` engine (digest 5.3): a **structure of alternating OBIS and
value**; the first element may be the list version without its OBIS code.
No scaler-unit on the wire: the scalers are the meter's implied ones
(``SCALERS``, by ``C.D``; ``*.D`` for any C). ``null`` padding (newer
1-phase Kamstrup firmware: ``00 00``) is skipped.

Quirks, decided per frame from the meter type (the value of
``x.x.96.1.1.255``) or the value:

* ``ct_milliamp``: type prefix ``685`` (CT meters): currents (C 31, 51, 71)
  one decade finer than declared;
* ``one_wh_variants``: type variant digits (10-12) ``245`` or ``240``:
  energies (D 8) in 1 Wh, not the declared scaler;
* ``centivolt_above_1000``: a voltage (C 32, 52, 72) above 1000 is in 0.01 V;
* ``ct_milliamp_by_power``: a list without a meter type (the Danish push
  list) that carries each phase's active power (C 21/22, 41/42, 61/62),
  voltage, current and power factor (C 33, 53, 73): currents one decade
  finer than declared when every phase with 100 W or more says so (see
  ``_ct_by_power``).
"""

from . import meter as by
from .base import build, text, to_register

# The quirks (named in a meter's QUIRKS) this engine understands.
QUIRKS = ("ct_milliamp", "one_wh_variants", "centivolt_above_1000", "ct_milliamp_by_power")

_VERSION = b"\x01\x01\x00\x02\x81\xff"  # a list version sent without its OBIS code
_ONE_WH_VARIANTS = ("245", "240")
_CURRENTS = (31, 51, 71)
_VOLTAGES = (32, 52, 72)


def _version(v, meter):
    # The list version without its OBIS code: this meter's prefix.
    t = type(v)
    return (t is str or t is bytes) and by(3, v) is meter


def match(body, meter):
    if type(body) is not tuple or len(body) < 2:
        return False
    b0 = body[0]
    return _version(b0, meter) or (type(b0) is bytes and len(b0) == 6 and _version(body[1], meter))


def _ct_by_power(body):
    """True when the phases' own values say the currents are a CT meter's
    0.001 A, not the declared 0.01 A (``ct_milliamp_by_power``).

    P = U x I x PF on each phase (P/(U x I) is at most the power factor:
    harmonics lower it, never raise it). Read at 0.01 A, a CT meter's
    currents are ten times too large, so P/(U x I) comes out at most a
    tenth of the PF it sends; a direct meter's comes out near its PF.
    Phases under 100 W (rounding) or with a zero PF or current are not
    counted; all counted phases must agree, and at least one must count.
    (Kamstrup's documents give no resolution: it is a meter setting, not
    pushed. amsreader-firmware issue #216, a CT installation: 448 W on
    233 V and raw 90999 with PF 0.02 fits 91.0 A, not 910 A.)"""
    v = {}
    code = None
    for item in body:
        if type(item) is bytes and len(item) == 6:
            code = item
            continue
        if code is not None and code[3] == 7 and type(item) is int:
            v[code[2]] = item
        code = None
    ct = False
    for p in (0, 20, 40):  # L1, L2, L3
        w = v.get(21 + p, 0) + v.get(22 + p, 0)
        i = v.get(31 + p, 0)
        u = v.get(32 + p, 0)
        pf = v.get(33 + p, 0)
        if w < 100 or not (i and u and pf):
            continue
        if u > 1000:  # centivolts (see centivolt_above_1000)
            u //= 100
        # 10 x P/(U x I/100) in hundredths <= PF in hundredths (+1: the PF is rounded down)
        if w * 100000 > (pf + 1) * u * i:
            return False  # this phase fits 0.01 A
        ct = True
    return ct


def decode(dn, hint, meter):
    body = dn.body
    q = meter.quirks
    table = meter.scalers
    energy = table.get(-9)  # *.8
    # The meter type decides two quirks, so find it first (the second pair
    # when sent).
    ct = typed = False
    if "ct_milliamp" in q or "one_wh_variants" in q or "ct_milliamp_by_power" in q:
        n = len(body)
        for i in range(n - 1 if n < 9 else 8):
            c = body[i]
            if type(c) is bytes and len(c) == 6 and c[2] == 0x60 and c[3] == 1 and c[4] == 1:
                v = text(body[i + 1])
                if type(v) is str:
                    typed = True
                    ct = "ct_milliamp" in q and v[:3] == "685"
                    if "one_wh_variants" in q and v[9:12] in _ONE_WH_VARIANTS:
                        energy = 0
    if not typed and "ct_milliamp_by_power" in q:
        ct = _ct_by_power(body)
    centivolt = "centivolt_above_1000" in q
    regs = []
    # Walk the pairs directly (no scaler-units on the wire): the version
    # without OBIS, then OBIS, value, ...
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
        elif item is not None and _version(item, meter):
            value = item
            code = _VERSION
        else:
            continue
        scaler = None
        if type(value) is int:
            d = code[3]
            if d == 8:
                scaler = energy
            else:
                c = code[2]
                scaler = table.get((c << 8) | d)
                if scaler is not None:
                    if ct and c in _CURRENTS:
                        scaler -= 1
                elif centivolt and d == 7 and c in _VOLTAGES and value > 1000:
                    scaler = -2
        r = to_register(code, value, scaler, None)
        if r is not None:
            regs.append(r)
        code = None
    return build(dn, regs, meter.manufacturer, hint)
