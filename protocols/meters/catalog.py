# protocols/meters/catalog.py: every declared meter, for the host (simulator, CLI, docs, tests).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The declarations as objects: ``names()``, ``entries()``, ``entry(name)``,
``simulated()``, the layouts (``lists``) and scaler tables (``scalers``),
for the simulator, the CLI, the docs and the tests. Never loaded by the
decoder (the device reads the index with ``protocols.meters.find``).
"""

from .. import meters as _m
from ._layouts import List, declaration, implied_scaler, lists, scalers  # noqa: F401 (re-exported)


def names():
    """The declared meters' names, in declaration order."""
    return [ln.split()[0] for ln in _m._INDEX.split("\n") if ln.strip()]


class Entry:
    """One ``_INDEX`` line, its fields parsed."""

    def __init__(self, fields):
        name, mf, flags, lvs, p1, engine, quirks, sc = fields

        def split(f, upper=False):
            return () if f == "-" else tuple((p.upper() if upper else p) for p in f.split(","))

        self.name = name
        self.manufacturer = None if mf == "-" else mf
        self.flag_ids = split(flags, True)
        self.list_versions = split(lvs)
        self.p1_idents = () if p1 == "~" else split(p1, True) if p1 != "-" else self.flag_ids
        self.engine = engine
        self.quirks = split(quirks)
        self.scaler_text = sc
        self.scalers = scalers(sc)

    @property
    def source(self):
        """Where the manufacturer's name (and the quirks) come from: the
        module's ``SOURCE``, or None."""
        return getattr(declaration(self.name), "SOURCE", None)

    def __repr__(self):
        return "Entry(%r)" % self.name


def entries():
    """Every meter's ``Entry``, in declaration order."""
    return [Entry(ln.split()) for ln in _m._INDEX.split("\n") if ln.strip()]


def entry(name):
    """The ``Entry`` of meter ``name``; KeyError if none is declared."""
    for e in entries():
        if e.name == name:
            return e
    raise KeyError("meter: expected one of %s, found %r" % (", ".join(names()), name))


def simulated():
    """The meters the simulator can be (their module has ``SIMULATE``): the
    choices of ``hanreader simulate --meter`` and ``demo --meter``."""
    return [n for n in names() if hasattr(declaration(n), "SIMULATE")]
