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
    """``{"status": {...}}`` for an App (see app.py)."""
    r = app.reader
    c = app.counters()
    try:
        condition = r.status()[0]
    except AttributeError:  # pragma: no cover - older protocols
        condition = None
    return obj(
        [
            (
                "status",
                Raw(
                    obj(
                        [
                            ("version", VERSION),
                            ("uptime_s", app.uptime_s()),
                            ("board", app.board.get("name")),
                            ("serial", app.detector.current),
                            ("locked", app.detector.locked),
                            ("protocol", getattr(r, "protocol", None)),
                            ("condition", condition),
                            ("frames", c.get("accepted", 0)),
                            ("checksum_errors", c.get("hcs_errors", 0) + c.get("fcs_errors", 0)
                             + c.get("checksum_errors", 0)),
                            ("other_errors", c.get("length_errors", 0) + c.get("oversize", 0)
                             + c.get("truncated", 0) + c.get("format_errors", 0)),
                            ("discarded", c.get("discarded", 0)),
                            ("readings", c.get("readings", 0)),
                            ("lost_readings", app.lost_readings),
                            ("out_of_memory", app.out_of_memory),
                            ("decode_errors", c.get("decode_errors", 0)),
                            ("uart_bytes", app.uart_bytes),
                            ("faults", app.faults),
                            ("free_heap", free_heap()),
                            ("raw", app.cfg["raw"]),
                            ("decrypt", app.decrypt_state),
                            ("boots", app.boots),
                        ]
                        + (app.net.status_pairs() if app.net is not None else [("wifi", None)])
                    )
                ),
            )
        ]
    )
