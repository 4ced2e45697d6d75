# protocols/meters/__init__.py: every meter hanreader knows, one declaration each.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The meter declarations (docs/adding-a-meter.md).

A meter is declared once, in two parts that never repeat each other:

* its line in ``_INDEX`` below: how to **recognise** it (always resident,
  a few hundred bytes of string on the device):
  ``name Manufacturer FLAG,IDS list-version-prefixes p1-idents engine``
  (``-`` = none; ``_`` in the manufacturer stands for a space; P1 idents
  ``-`` means the FLAG ids). ``engine`` names the decoder in
  ``protocols/dialects/`` that reads its lists: ``registers`` (arrays of
  ``{OBIS, value, {scaler, unit}}``), ``values`` (positional values, by
  element count, or OBIS-coded pairs, with implied scalers), ``pairs``
  (alternating OBIS and value, implied scalers), ``generic`` (anything
  self-describing);
* its module ``protocols/meters/<name>.py`` (data only, imported on first
  use, so a dongle keeps only its own meter's): ``LISTS`` (each list's
  layout: one line ``listN phases`` then one line per position, ``OBIS
  axdr-type [bare]``), ``SCALERS`` (the implied scaler by ``C.D``, ``*.D``
  for any C; units come from the OBIS registry), ``QUIRKS`` (named flags
  the engine understands) and ``SIMULATE`` (what the simulator needs to
  pretend to be it). A meter whose engine is ``generic`` or ``p1`` may
  have no module.

The decoder (``protocols.dialects``), the P1 reader, the simulator
(``hostlib.simulator``), the test suite, the CLI's ``--meter`` choices and
``docs/meters.md`` all derive from these.
"""

_INDEX = """
aidon Aidon AID,ADN AIDON - registers
kaifa Kaifa KFM KFM - values
kamstrup Kamstrup KAM Kamstrup - pairs
"""

_LOADED = {}
_ENTRIES = []  # the parsed index, made on first use (a few hundred bytes)


class Entry:
    """One ``_INDEX`` line."""

    __slots__ = ("name", "manufacturer", "flag_ids", "list_versions", "p1_idents", "engine",
                 "_lvb")

    def __init__(self, line):
        name, mf, flags, lvs, p1, engine = line.split(" ")
        self.name = name
        self.manufacturer = None if mf == "-" else mf.replace("_", " ")
        self.flag_ids = tuple(flags.upper().split(",")) if flags != "-" else ()
        self.list_versions = tuple(lvs.split(",")) if lvs != "-" else ()
        self._lvb = tuple([p.encode() for p in self.list_versions])
        self.p1_idents = tuple(p1.upper().split(",")) if p1 != "-" else self.flag_ids
        self.engine = engine

    def __repr__(self):
        return "Entry(%r)" % self.name


def entries():
    """Every meter's ``Entry``, in declaration order."""
    if not _ENTRIES:
        for line in _INDEX.split("\n"):
            line = line.strip()
            if line and line[0] != "#":
                _ENTRIES.append(Entry(line))
    return _ENTRIES


def names():
    """The declared meters' names, in declaration order (the CLI's choices)."""
    return [e.name for e in entries()]


def simulated():
    """The meters the simulator can be (their module has ``SIMULATE``): the
    choices of ``hanreader simulate --meter`` and ``demo --meter``. Imports
    every meter module: for the host."""
    return [n for n in names() if hasattr(declaration(n), "SIMULATE")]


def entry(name):
    """The ``Entry`` of meter ``name``; KeyError if none is declared."""
    for e in entries():
        if e.name == name:
            return e
    raise KeyError("meter: expected one of %s, found %r" % (", ".join(names()), name))


def declaration(name):
    """Meter ``name``'s module (``LISTS``, ``SCALERS``, ``QUIRKS``, ...), imported
    on first use; None if it has none."""
    m = _LOADED.get(name)
    if m is None and name not in _LOADED:
        entry(name)  # only declared names are imported
        try:
            m = __import__("protocols.meters." + name, None, None, ("LISTS",))
        except ImportError:
            m = None
        _LOADED[name] = m
    return m


def by_list_version(v, fold=False):
    """The name of the meter whose list-version prefix starts ``v`` (str or
    bytes), or None; ``fold``: ignoring case (allocates; the decoder's own
    look-up does not)."""
    t = type(v)
    if fold:
        if t is bytes:
            try:
                v = str(v, "ascii")
            except UnicodeError:
                return None
        elif t is not str:
            return None
        v = v.upper()
        for e in entries():
            for p in e.list_versions:
                if v.startswith(p.upper()):
                    return e.name
        return None
    if t is str:
        for e in entries():
            for p in e.list_versions:
                if v.startswith(p):
                    return e.name
    elif t is bytes:
        for e in entries():
            for p in e._lvb:
                if v.startswith(p):
                    return e.name
    return None


def by_flag(flag):
    """The name of the meter with FLAG id ``flag`` (3 letters, any case), or None."""
    if not flag:
        return None
    f = flag[:3].upper()
    for e in entries():
        if f in e.flag_ids:
            return e.name
    return None


def by_p1_ident(ident):
    """The name of the meter whose P1 ident (the 3 letters after ``/``) is ``ident``."""
    if not ident:
        return None
    f = ident[:3].upper()
    for e in entries():
        if f in e.p1_idents:
            return e.name
    return None


def manufacturer(flag):
    """The manufacturer named for FLAG id ``flag``, or ``flag`` itself when no
    declared meter has it (docs/reading-schema.md); None for no flag."""
    if not flag:
        return None
    name = by_flag(flag)
    if name is None:
        return flag
    return entry(name).manufacturer


# -- layouts ---------------------------------------------------------------------


def _obis(text):
    return bytes([int(x) for x in text.split(".")])


class List:
    """One list of a meter: ``name`` (e.g. "list2"), ``number`` (2), ``phases``
    (a tuple: the meter variants that send it) and ``items``: one
    ``(obis bytes, A-XDR type name, bare)`` per position."""

    __slots__ = ("name", "number", "phases", "items")

    def __init__(self, name, phases):
        self.name = name
        self.number = int(name[4:]) if name.startswith("list") else 0
        self.phases = tuple([int(p) for p in phases.split(",")])
        self.items = []

    def __repr__(self):
        return "List(%s, phases %s, %d items)" % (self.name, self.phases, len(self.items))


def lists(decl):
    """The ``List``s of a meter module's ``LISTS`` text, in order (parsed each call)."""
    out = []
    cur = None
    for line in getattr(decl, "LISTS", "").split("\n"):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if parts[0].startswith("list"):
            cur = List(parts[0], parts[1] if len(parts) > 1 else "1,3")
            out.append(cur)
        else:
            cur.items.append((_obis(parts[0]), parts[1], len(parts) > 2 and parts[2] == "bare"))
    return out


def scalers(decl):
    """The implied scalers of a meter module: ``{(C << 8) | D: scaler}``, and
    ``{D: scaler}`` for the ``*.D`` entries (key ``-D - 1``)."""
    out = {}
    for part in getattr(decl, "SCALERS", "").split():
        cd, s = part.split(":")
        c, d = cd.split(".")
        if c == "*":
            out[-int(d) - 1] = int(s)
        else:
            out[(int(c) << 8) | int(d)] = int(s)
    return out


def implied_scaler(table, code):
    """The scaler ``table`` (``scalers``) implies for OBIS ``code``, or None."""
    s = table.get((code[2] << 8) | code[3])
    if s is None:
        s = table.get(-code[3] - 1)
    return s


def quirks(decl):
    return getattr(decl, "QUIRKS", ()) if decl is not None else ()
