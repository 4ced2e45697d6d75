# protocols/dialects/generic.py: any meter that sends OBIS/value pairs.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The fallback dialect: every list is walked by OBIS code; scaler and unit
are applied when the meter sends them, the registry's unit otherwise.
Values without an OBIS code are kept only when they can be identified (a
clock, a text that ends the list is taken as the meter number, as Austrian
Kaifa and Sagemcom lists do, digest 5.4).

A list that holds more values this engine cannot identify than values
with an OBIS code (a push setup's not counted) is a **layout no
declaration knows**
(issue 19): its reading is marked ``layout: "unknown"`` and carries every
top-level value by position (``unknown``: the signature and ``(type,
value)`` pairs), its time, and no registers; never a silent reading of
one register.
"""

from .base import build, is_text, looks_like_time, to_register, walk

# The quirks (named in a meter's QUIRKS) this engine understands.
QUIRKS = ()

_CLOCK = b"\x00\x00\x01\x00\x00\xff"
_METER_NUMBER = b"\x00\x00\x60\x01\x00\xff"


def match(body, meter=None):
    return True


def decode(dn, hint=None, meter=None):
    regs = []
    # A text without an OBIS code is the meter number only if it ends the
    # list, so it is held back one step.
    pending = []
    # [values with an OBIS code other than a push setup's, values dropped]
    seen = [0, 0]

    def emit(code, value, scaler, unit):
        if pending:
            pending.pop()
            seen[1] += 1
        if code is None:
            if looks_like_time(value):
                code = _CLOCK
            else:
                if is_text(value):
                    pending.append(value)
                elif value is not None:
                    seen[1] += 1
                return
        elif code[2] != 25 or code[3] != 9:
            seen[0] += 1
        r = to_register(code, value, scaler, unit)
        if r is not None:
            regs.append(r)

    walk(dn.body, emit)
    if seen[1] > seen[0]:
        from ..readingextra import unknown  # only for such a list (the device's heap)

        return unknown(dn, hint, regs)
    if pending:
        r = to_register(_METER_NUMBER, pending[0], None, None)
        if r is not None:
            regs.append(r)
    return build(dn, regs, None, hint)
