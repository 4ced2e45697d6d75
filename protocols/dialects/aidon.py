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

from .base import build, is_obis, is_scaler_unit, to_register


def match(body):
    if type(body) is not list or not body:
        return False
    for el in body:
        if type(el) is not tuple or len(el) not in (2, 3) or not is_obis(el[0]):
            return False
    return True


def decode(dn, hint=None):
    # ``match`` checked the shape: every element is {OBIS, value[, {scaler, unit}]}.
    regs = []
    for el in dn.body:
        su = el[2] if len(el) == 3 else None
        if su is not None and is_scaler_unit(su):
            r = to_register(el[0], el[1], su[0], su[1], True)
        else:
            r = to_register(el[0], el[1], None, None, True)
        if r is not None:
            regs.append(r)
    return build(dn, regs, "Aidon", hint, zero_is_local=True)
