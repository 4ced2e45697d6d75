# status.py: the JSON lines the dongle prints besides readings.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Every line on USB serial is one JSON object:

* a reading: exactly ``Reading.to_json()`` (docs/reading-schema.md);
* ``{"status": {...}}``: at boot, every ``status_s`` and on request;
* ``{"event": "...", ...}``: detection, decode errors, recovered faults;
* ``{"raw": "..."}``: raw mode, the verified frame's information field;
* ``{"ok": ...}`` / ``{"error": "..."}``: answers to commands;
* ``{"config": {...}}``: the settings, secrets masked.

MicroPython dicts have no order, so these are written from lists of
pairs: the keys always come in the order given.
"""

import gc
import json

VERSION = "0.1.0"
MAX_LINE = 512  # longest command line (app.Console, commands)


def obj(pairs):
    """JSON object text from (key, value) pairs; a value that is a
    ``Raw`` is inserted as is (already JSON)."""
    parts = []
    for k, v in pairs:
        parts.append('"%s": %s' % (k, v.text if isinstance(v, Raw) else json.dumps(v)))
    return "{" + ", ".join(parts) + "}"


class Raw:
    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


def free_heap():
    try:
        return gc.mem_free()
    except AttributeError:  # pragma: no cover
        return None


def status_line(app):
    """``{"status": {...}}`` for an App (see app.py), as one string (a
    command's answer); ``write_status`` writes the same text in pieces."""
    return obj([("status", Raw(obj(list(_pairs(app)))))])


def write_status(app, w):
    """The status line written piece by piece with ``w`` (``sys.stdout.write``):
    the same text as ``status_line`` and its newline, but never the whole
    line in the heap (the periodic line must get out when the heap is low).
    A line cut by MemoryError still ends, so the next line stays whole."""
    try:
        w('{"status": {')
        sep = ""
        for k, v in _pairs(app):
            w('%s"%s": ' % (sep, k))
            w(json.dumps(v))
            sep = ", "
        w("}}")
    finally:
        w("\n")


def _pairs(app):
    """The status line's (key, value) pairs, in order (a generator: one at a time)."""
    r = app.reader
    c = app.counters()
    try:
        condition = r.status()[0]
    except AttributeError:  # pragma: no cover - older protocols
        condition = None
    yield ("version", VERSION)
    yield ("uptime_s", app.uptime_s())
    yield ("board", app.board.get("name"))
    yield ("serial", app.detector.current)
    yield ("locked", app.detector.locked)
    yield ("protocol", getattr(r, "protocol", None))
    yield ("condition", condition)
    yield ("frames", c.get("accepted", 0))
    yield ("checksum_errors", c.get("hcs_errors", 0) + c.get("fcs_errors", 0) + c.get("checksum_errors", 0))
    yield ("other_errors", c.get("length_errors", 0) + c.get("oversize", 0) + c.get("truncated", 0)
           + c.get("format_errors", 0))
    yield ("discarded", c.get("discarded", 0))
    yield ("readings", c.get("readings", 0))
    yield ("lost_readings", app.lost_readings)
    yield ("out_of_memory", app.out_of_memory)
    yield ("decode_errors", c.get("decode_errors", 0))
    yield ("uart_bytes", app.uart_bytes)
    yield ("faults", app.faults)
    yield ("free_heap", free_heap())
    yield ("raw", app.cfg["raw"])
    yield ("decrypt", app.decrypt_state)
    yield ("boots", app.boots)
    yield ("layout", None if app.unknown_layout is None else "unknown-layout " + str(app.unknown_layout))
    yield ("energy", None if app.energy is None else app.energy.saves)
    if app.net is not None:
        for p in app.net.status_pairs():
            yield p
    else:
        yield ("wifi", None)
