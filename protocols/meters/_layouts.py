# protocols/meters/_layouts.py: the parsers of a meter declaration's layouts and scalers.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Parse what ``protocols/meters`` declares: ``LISTS`` text into ``List``s,
the index's scaler field into a table. Used once per meter by the decoder
(``fill``: it then unloads itself and the meter's module on the device) and
by the host (simulator, docs, tests)."""

import sys

from .._compat import MICROPYTHON


class List:
    """One list of a meter: ``name`` (e.g. "list2"), ``number`` (2), ``phases``
    (the meter variants that send it) and ``items``: one ``(OBIS bytes,
    A-XDR type name, bare)`` per position. A position written ``-`` (a value
    the layout's document leaves undescribed) has OBIS None; ``bare`` is
    then False, and the third word may also be ``date`` or ``time`` (an
    octet-string holding the push's date or time, for ``positional``
    meters: the reading's time when the header has none)."""

    __slots__ = ("name", "number", "phases", "items")

    def __init__(self, name, phases):
        self.name = name
        self.number = int(name[4:]) if name[:4] == "list" else 0
        self.phases = tuple([int(p) for p in phases.split(",")])
        self.items = []

    def __repr__(self):
        return "List(%s, phases %s, %d items)" % (self.name, self.phases, len(self.items))


def declaration(name):
    """Meter ``name``'s module (``LISTS``, ``SIMULATE``), or None if it has none."""
    try:
        return __import__("protocols.meters." + name, None, None, ("LISTS",))
    except ImportError:
        return None


def lists(decl):
    """The ``List``s of a meter module's ``LISTS`` (a module, or a meter's
    name), in order. Equal OBIS codes are one bytes object (the device keeps
    the layouts). A list whose header names another (``list3 3 list2``)
    starts with that list's items (of the same phases), then its own."""
    if type(decl) is str:
        decl = declaration(decl)
    out = []
    codes = {}
    cur = None
    for line in (getattr(decl, "LISTS", "") if decl is not None else "").split("\n"):
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        if parts[0][:4] == "list":
            cur = List(parts[0], parts[1] if len(parts) > 1 else "1,3")
            if len(parts) > 2:  # extends an earlier list of the same phases
                base = [x for x in out if x.name == parts[2] and cur.phases[0] in x.phases]
                if not base:
                    raise ValueError("LISTS: %s extends %s, which is not declared before it"
                                     % (parts[0], parts[2]))
                cur.items.extend(base[-1].items)
            out.append(cur)
        else:
            code = None
            if parts[0] != "-":
                code = codes.get(parts[0])
                if code is None:
                    code = codes[parts[0]] = bytes([int(x) for x in parts[0].split(".")])
            extra = parts[2] if len(parts) > 2 else False
            cur.items.append((code, parts[1], True if extra == "bare" else extra))
    return out


def scalers(field):
    """An index scaler field (``"31.7:-3,*.8:1"`` or ``-``) as a table:
    ``{(C << 8) | D: scaler}``, ``-D - 1`` for ``*.D``."""
    out = {}
    if field and field != "-":
        for part in field.split(","):
            cd, s = part.split(":")
            c, d = cd.split(".")
            out[-int(d) - 1 if c == "*" else (int(c) << 8) | int(d)] = int(s)
    return out


from ..dialects.values import implied_scaler  # noqa: E402 (the one look-up)


def fill(meter, row):
    """Give a ``dialects.Meter`` of a ``values`` or ``pairs`` meter (index
    ``row``) its scaler table and, for ``values``, its positional layouts by
    element count: (OBIS codes, implied scalers). On MicroPython this module
    and the meter's declaration then leave the heap (parsed once)."""
    meter.scalers = sc = scalers(row[7])
    if row[5] == "positional":
        from ..dialects.positional import declare

        declare(meter, row[0], lists(row[0]), sc)
    elif row[5] == "values":
        for lst in lists(row[0]):
            codes = tuple([it[0] for it in lst.items])
            meter.layouts[len(codes)] = (codes, tuple([implied_scaler(sc, c) for c in codes]))
    if MICROPYTHON:
        from .. import meters

        for mod in ("_layouts", row[0]):
            sys.modules.pop("protocols.meters." + mod, None)
            try:
                delattr(meters, mod)
            except (AttributeError, KeyError):  # KeyError: MicroPython, not imported
                pass
