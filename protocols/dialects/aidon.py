# protocols/dialects/aidon.py: Aidon 65xx (AIDON_V0001, Norway; AIDON_H0001, Sweden).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Aidon (digest 5.1): the body is an **array** of structures
``{OBIS, value}`` (data objects) and ``{OBIS, value, {scaler, unit}}``
(registers). Objects a meter type lacks are omitted, so the list is walked
by OBIS; scalers and units come with the data. List 1 is an array of one
register (P+); the Swedish profile is a 27-element array with no list
version. Aidon is the only HAN meter that pushes an array of register
structures, which is how a list without a version is recognised. The
clock's deviation of 0 stands for Norwegian local time (digest 3.2).
"""

from .base import build, is_scaler_unit, to_register


def match(body):
    # A first look; ``decode`` checks every element as it goes.
    return type(body) is list and len(body) > 0


def decode(dn, hint=None):
    """The Reading, or None if an element is not {OBIS, value[, {scaler,
    unit}]} (not an Aidon list: the next dialect is asked)."""
    regs = []
    for el in dn.body:
        if type(el) is not tuple:
            return None
        k = len(el)
        if k == 3:
            code, value, su = el
        elif k == 2:
            code, value = el
            su = None
        else:
            return None
        if type(code) is not bytes or len(code) != 6:
            return None
        scaler = unit = None
        if su is not None and is_scaler_unit(su):
            scaler, unit = su
        r = to_register(code, value, scaler, unit, True)
        if r is not None:
            regs.append(r)
    return build(dn, regs, "Aidon", hint, zero_is_local=True)
