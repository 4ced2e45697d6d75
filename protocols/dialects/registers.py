# protocols/dialects/registers.py: lists that are arrays of register structures (Aidon).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The ``registers`` engine (digest 5.1): the body is an **array** of
structures ``{OBIS, value}`` (data objects) and ``{OBIS, value, {scaler,
unit}}`` (registers). Objects a meter type lacks are omitted, so the list
is walked by OBIS; scalers and units come with the data. Quirk
``zero_is_local``: the clock's deviation 0 stands for local time.
"""

from . import meter as by
from .base import build, is_scaler_unit, to_register


# The quirks (named in a meter's QUIRKS) this engine understands.
QUIRKS = ("zero_is_local",)


def match(body, meter):
    # A first look; ``decode`` checks every element as it goes.
    return type(body) is list and len(body) > 0


def decode(dn, hint, meter):
    """The Reading, or None if an element is not {OBIS, value[, {scaler,
    unit}]} (not a list of registers: the next engine is asked)."""
    zero_is_local = "zero_is_local" in meter.quirks
    regs = []
    lv = None
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
        r = to_register(code, value, scaler, unit, zero_is_local)
        if r is not None:
            regs.append(r)
            if r.name == "list_version":
                lv = r.raw
    # The meter a list version names, else the one this engine was given.
    m = by(3, lv) if type(lv) is str else None
    mf = (m or meter).manufacturer
    return build(dn, regs, mf, hint, zero_is_local)
