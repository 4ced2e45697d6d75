# sim: run the unmodified firmware without a board (tools/firmware-replay).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Fakes for the MicroPython unix and webassembly ports (and CPython):
``wire`` (a bit-level serial line), ``fakemachine`` (``machine`` with a
UART fed by a recorded capture) and the entry script ``replay.py``.
Never frozen into a firmware image (see ../manifest.py)."""
