# sim/replay.py: boot the unmodified firmware on a MicroPython port with a fake board.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Entry script of tools/firmware-replay (runs inside MicroPython).

    micropython -X heapsize=64k firmware/sim/replay.py CAPTURE [options]

with ``firmware/`` and ``protocols``' parent on the import path. Options:

  --meter SETTING    the meter's serial setting (default: the one the
                     dongle starts on, i.e. no detection needed)
  --passes N         push the capture N times at the meter's setting (1)
  --flash DIR        the board's filesystem (config, boot counter); kept
                     between runs, so settings persist like on flash
  --boards DIR       board profiles to install in DIR/boards (deploy does
                     the same on a real board)
  --board NAME       write {"board": NAME} to a fresh config
  --set JSON         merge these settings into the config before boot
  --reset-cause C    pwron (default), wdt, soft or hard
  --format F         hex (text with # comments), raw, or auto (default)
  --linger-ms N      quiet time after the last pass before exiting (300)
  --stats            print {"sim": {...}} (settings opened, heap) on stderr
  --heap-every N     sample gc.mem_alloc() after collect every N passes
  --alloc N          measure bytes allocated over N passes (gc disabled)

stdout carries exactly what the dongle prints on USB serial.
"""

import gc
import sys

from sim.setup import prepare

_meter, _stats = prepare(sys.argv[1:])
prepare = None
del sys.modules["sim.setup"]
del sys.modules["sim"].setup  # the package keeps its submodules as attributes
gc.collect()
if _stats:
    sys.stderr.write('{"sim_base_heap": %d}\n' % gc.mem_alloc())

# What the board does at power-on: boot.py, then main.py.
import boot  # noqa: E402, F401
import main  # noqa: E402, F401

# main.py returns only in safe mode (or on the webassembly port, where
# asyncio.run is deferred until this script ends).
if _stats and sys.platform != "webassembly":
    sys.stderr.write(_meter.stats() + "\n")
