# hostlib/__init__.py: hanreader's host library: decode HAN-port data in Python.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""What integrators import.

    import hostlib
    reading = hostlib.decode(frame_bytes)
    print(reading["active_power_import"], reading.to_json())

The decoding itself is ``protocols``, the same code the dongle runs.
"""

from protocols import __version__  # noqa: F401
from protocols.errors import HanError  # noqa: F401
from protocols.reading import Meter, Reading, Register  # noqa: F401

from .decode import decode  # noqa: F401

# I/O: sources, the reader, recordings, the dongle's JSON lines.
from .dongle import DongleParser, DongleStatus  # noqa: F401,E402
from .reader import HanReader, follow  # noqa: F401,E402
from .recording import RecordingWriter, read_recording  # noqa: F401,E402
from .sources import (  # noqa: F401,E402
    SourceError,
    SourceLost,
    open_file,
    open_serial,
    open_source,
    open_tcp,
)

# The public API (fully type-hinted; the package ships py.typed). Also in
# submodules: hostlib.aio, hostlib.mqtt, hostlib.recording, hostlib.crypto,
# hostlib.sinks, hostlib.hexinput (tests/test_types.py walks them all).
__all__ = [
    "DongleParser",
    "DongleStatus",
    "HanError",
    "HanReader",
    "Meter",
    "Reading",
    "RecordingWriter",
    "Register",
    "SourceError",
    "SourceLost",
    "decode",
    "follow",
    "open_file",
    "open_serial",
    "open_source",
    "open_tcp",
    "read_recording",
]
