# protocols/dialects/positional.py: values by position, the layout picked by shape; self-describing pushes.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The ``positional`` engine (issue 19): two list shapes that carry no
OBIS code beside their values.

* A **structure of bare values in a documented order** (Austrian IDIS
  "Variant 1", Slovenian and Croatian Iskraemeco lists, Burgenland's
  Landis+Gyr E450). The layout is recognised by its shape only: the element
  count and the class of every element (the *signature*, one letter per
  position: ``i`` integer, ``o`` octet/visible string, ``b`` boolean,
  ``n`` null, ``A`` array, ``S`` structure, ``t`` date-time, ``d`` date or
  time, ``f`` float, ``x`` other; a null matches any class: a meter that
  pads what it does not measure), and, where the layout declares a push-setup object
  (``x.x.25.9.x.x``), that the value is the logical name of one; where it
  declares a logical device name or a meter number, that the octet-string
  is text; where a clock, that it has a date-time's 12 bytes. Never by
  values. A position the document leaves undescribed (``-``) is left out;
  a null value is left out (no invented zero); the positions declared
  ``date`` and ``time`` (octet-strings) give the reading's time when the
  header has none.
* A **self-describing push** (Swiss VSE push configurations on Landis+Gyr
  E450/E570): the first element is the push's capture-object list (class
  id, logical name, attribute, data index), the rest the captured values.
  Each value gets the OBIS code of its capture object; the scaler and unit
  of a register captured without its scaler-unit attribute come from the
  meter's declared table (its index line), and the reading lists those
  codes in ``declared``.
"""

from .. import meters as _meters
from .. import obis as _obis
from ..cosem import Date, DateTime, Time
from .base import as_time, build, to_register

# The quirks (named in a meter's QUIRKS) this engine understands:
# ``vse_push``: this meter's scaler table reads self-describing pushes that
# carry no FLAG id (plaintext).
QUIRKS = ("vse_push",)

_CLOCK = b"\x00\x00\x01\x00\x00\xff"


# A-XDR type name -> the class of value the decoder makes of it (the letters
# of a positional layout's signature; ``protocols.dialects.positional.kind``).
_KINDS = {"null-data": "n", "array": "A", "structure": "S", "boolean": "b", "bit-string": "x",
          "octet-string": "o", "visible-string": "o", "utf8-string": "o", "date-time": "t",
          "date": "d", "time": "d", "float32": "f", "float64": "f"}


def declared_signature(lst):
    """The signature of a declared list: one letter per position (``i``
    integer, ``o`` octet/visible string, ``b`` boolean, ``n`` null, ``A``
    array, ``S`` structure, ``t`` date-time, ``d`` date or time, ``f``
    float, ``x`` other), as ``signature`` computes it from a decoded body."""
    return "".join([_KINDS.get(it[1], "i") for it in lst.items])


def declare(meter, name, lists, table):
    """Give a ``dialects.Meter`` of a ``positional`` meter its layouts (from
    ``protocols.meters._layouts.fill``): by element count, (name, signature,
    OBIS codes, implied scalers, date/time marks) per layout; more than one
    layout may share a count."""
    from .values import implied_scaler

    for lst in lists:
        codes = tuple([it[0] for it in lst.items])
        lay = (name + "/" + lst.name, declared_signature(lst), codes,
               tuple([None if c is None else implied_scaler(table, c) for c in codes]),
               tuple([it[2] if type(it[2]) is str else None for it in lst.items]))
        meter.layouts.setdefault(len(codes), []).append(lay)


def kind(v):
    """The signature letter of one decoded value."""
    t = type(v)
    if t is int:
        return "i"
    if t is bytes or t is str or t is bytearray:
        return "o"
    if t is bool:
        return "b"
    if v is None:
        return "n"
    if t is list:
        return "A"
    if t is tuple:
        return "S"
    if t is float:
        return "f"
    if t is DateTime:
        return "t"
    if t is Date or t is Time:
        return "d"
    return "x"  # a bit-string, or another type a meter's list should not hold


def signature(body):
    """The body's signature: one letter per element (``kind``)."""
    return "".join([kind(v) for v in body])


def is_capture_list(body):
    """True for a self-describing push: a capture-object list, then one value per object."""
    if type(body) is not tuple or len(body) < 2:
        return False
    caps = body[0]
    if type(caps) is not list or len(caps) != len(body):
        return False
    for c in caps:
        if type(c) is not tuple or len(c) != 4 or type(c[0]) is not int or type(c[1]) is not bytes \
                or len(c[1]) != 6 or type(c[2]) is not int:
            return False
    return True


def layout(body, meter):
    """The meter's declared layout that ``body`` has the shape of, or None."""
    if type(body) is not tuple:
        return None
    cands = meter.layouts.get(len(body))
    if not cands:
        return None
    sig = signature(body)
    for lay in cands:
        if lay[1] != sig and not _padded(sig, lay[1]):
            continue
        ok = True
        for i, code in enumerate(lay[2]):
            if code is None or body[i] is None:
                continue
            v = body[i]
            if code[2] == 25 and code[3] == 9:
                if type(v) is not bytes or len(v) != 6 or v[2] != 25 or v[3] != 9:
                    ok = False
                    break
            elif code[0] == 0 and (code[2] == 42 or code[2] == 96 and code[3] == 1):
                # A logical device name or a meter number is text: a binary
                # octet-string there (Wiener Netze's 12-byte clock in the
                # place of the Slovenian AM550's device name) is another layout.
                if type(v) is bytes and not _text(v):
                    ok = False
                    break
            elif code[2] == 1 and code[3] == 0 and code[0] == 0:
                if type(v) is bytes and len(v) != 12:  # a clock sent as an octet-string: date-time
                    ok = False
                    break
        if ok:
            return lay
    return None


def _text(v):
    """True if the octet-string is printable text (an identifier)."""
    for o in v:
        if o < 0x20 or o > 0x7E:
            return False
    return True


def _padded(sig, want):
    """True if ``sig`` is ``want`` with some values null (a meter that pads
    what it does not measure with null-data: those positions are left out)."""
    if "n" not in sig:
        return False
    for a, b in zip(sig, want):
        if a != b and a != "n":
            return False
    return True


_SHAPES = {}  # type: dict  # (signature, FLAG id) -> the positional meter with that layout, or None


def by_shape(body, hint):
    """The ``positional`` meter that declares ``body``'s shape (a layout
    with its element count and signature, or, for a self-describing push,
    the FLAG id's meter, else the one with quirk ``vse_push``), or None.
    Cached by signature: the declarations are searched once per shape."""
    from . import _SEEN, meter

    flag = meter(2, hint) if hint else None
    if flag is not None and flag.engine != "positional":
        flag = None
    if is_capture_list(body):
        if flag is not None:
            return flag
        key = "vse_push"
    else:
        key = signature(body)
    if hint:
        key = key + " " + hint
    m = _SHAPES.get(key, _SEEN)
    if m is not _SEEN:
        return m
    m = None
    if flag is not None and layout(body, flag) is not None:
        m = flag
    else:
        for line in _meters._INDEX.split("\n"):
            f = line.split()
            if len(f) < 6 or f[5] != "positional":
                continue
            c = meter(0, f[0])
            if key[:8] == "vse_push":
                if "vse_push" in c.quirks:
                    m = c
                    break
            elif layout(body, c) is not None:
                m = c
                break
    if len(_SHAPES) >= 16:
        _SHAPES.clear()  # bounded: a stream shows a few shapes
    _SHAPES[key] = m
    return m


def match(body, meter):
    return is_capture_list(body) or layout(body, meter) is not None


def decode(dn, hint, meter):
    body = dn.body
    if is_capture_list(body):
        return _described(dn, hint, meter)
    lay = layout(body, meter)
    if lay is None:
        return None
    _name, _sig, codes, scalers, extras = lay
    regs = []
    date = tod = None
    for i in range(len(body)):
        code = codes[i]
        v = body[i]
        x = extras[i]
        if x is not None:
            if type(v) is bytes and x == "date" and len(v) == 5:
                date = v
            elif type(v) is bytes and x == "time" and len(v) == 4:
                tod = v
            continue
        if code is None or v is None:
            continue  # undescribed by the layout's document; a null: not sent
        if code[2] == 25 and code[3] == 9:
            v = _obis.to_str(v)  # the push setup's logical name
        r = to_register(code, v, scalers[i], None)
        if r is not None:
            regs.append(r)
    r = build(dn, regs, meter.manufacturer, hint)
    if r.time_text is None and date is not None and tod is not None:
        # Deviation 0x8000: not specified (local time, docs/reading-schema.md).
        r.time_text = as_time(DateTime.from_bytes(date + tod + b"\x80\x00\xff"))
    return r


def _described(dn, hint, meter):
    body = dn.body
    caps = body[0]
    table = meter.scalers
    # Scaler-units captured as attribute 3 of a register: sent, not declared.
    sent = {}
    for i in range(1, len(body)):
        c = caps[i]
        if c[2] == 3 and c[0] in (3, 4) and type(body[i]) is tuple and len(body[i]) == 2:
            sent[c[1]] = body[i]
    regs = []
    declared = []
    for i in range(1, len(body)):
        cls, code, attr = caps[i][0], caps[i][1], caps[i][2]
        v = body[i]
        if attr != 2 or cls == 40 or v is None:
            continue  # the push setup itself, scaler-units, not a value
        scaler = unit = None
        if cls in (3, 4) and type(v) is int:
            su = sent.get(code)
            if su is not None:
                scaler, unit = su
            else:
                from .values import implied_scaler

                scaler = implied_scaler(table, code)
                declared.append(_obis.to_str(code))
        r = to_register(code if cls != 8 else _CLOCK, v, scaler, unit)
        if r is not None:
            regs.append(r)
    r = build(dn, regs, meter.manufacturer, hint)
    if declared:
        r.declared = tuple(declared)
    return r
