# protocols/__init__.py: hanreader's shared, sans-IO decoder core (host and device).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Bytes in, frames and readings out. The same files run on CPython and on
MicroPython (imported there as the package ``protocols``).

    import protocols
    reading = protocols.decode_frame(frame_bytes)
    print(reading.to_json())

    reader = protocols.Reader()
    for r in reader.feed(uart.read()): ...

Submodules are imported lazily (PEP 562 module ``__getattr__``), so the
device's heap only pays for what it uses.
"""

__version__ = "0.1.0"

_LAZY = {
    "decode_frame": "decoder",
    "decode_apdu": "decoder",
    "Reader": "decoder",
    "HdlcFramer": "hdlc",
    "Frame": "hdlc",
    "parse_frame": "hdlc",
    "build_frame": "hdlc",
    "parse_apdu": "apdu",
    "Reading": "reading",
    "Register": "reading",
    "Meter": "reading",
    "HanError": "errors",
    "crc16_x25": "crc",
}


def __getattr__(name):
    mod = _LAZY.get(name)
    if mod is None:
        # ``from protocols import hdlc`` on MicroPython lands here: import it.
        try:
            return __import__("protocols." + name, None, None, ["__name__"])
        except ImportError:
            raise AttributeError("module 'protocols' has no attribute '%s'" % name)
    m = __import__("protocols." + mod, None, None, [name])
    return getattr(m, name)
