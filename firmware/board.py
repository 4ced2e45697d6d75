# board.py: the board profile (UART id, pins, default inversion) for this dongle.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Board profiles are data: ``hardware/boards/<name>.json`` in the
repository, copied to ``boards/`` on flash by ``tools/deploy`` (or frozen
into ``_boards.py`` by ``firmware/manifest.py``).

Lookup: the ``board`` setting if set, else the profile whose
``machine_match`` occurs in ``os.uname().machine`` (longest match wins),
else ``FALLBACK``.
"""

import json
import os

DIR = "boards"
FALLBACK = {
    "name": "fallback",
    "description": "no profile matched: ESP32 generic pins",
    "uart": 2,
    "rx": 16,
    "tx": None,
    "led": None,
    "led_active_low": False,
    "invert": False,
}


def _frozen():
    try:
        import _boards  # written by firmware/manifest.py at build time

        return _boards.BOARDS
    except ImportError:
        return {}


def names():
    out = []
    try:
        for n in os.listdir(DIR):
            if n.endswith(".json"):
                out.append(n[:-5])
    except OSError:
        pass
    for n in _frozen():
        if n not in out:
            out.append(n)
    out.sort()
    return out


def get(name):
    """The profile dict called ``name`` or None."""
    try:
        with open(DIR + "/" + name + ".json") as f:
            return json.load(f)
    except OSError:
        pass
    return _frozen().get(name)


def machine_name():
    try:
        return os.uname().machine
    except AttributeError:  # unix and webassembly ports
        return ""


def find(name=None):
    """(profile, how): the named profile, else the matching one, else FALLBACK."""
    if name:
        p = get(name)
        if p is not None:
            return p, "config"
    m = machine_name()
    best = None
    best_len = 0
    if m:
        for n in names():
            p = get(n)
            if p is None:
                continue
            for s in p.get("machine_match", ()):
                if s in m and len(s) > best_len:
                    best, best_len = p, len(s)
    if best is not None:
        return best, "machine"
    return FALLBACK, "fallback"
