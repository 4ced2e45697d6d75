# tests/mp/fw_oom.py: the app resets the board when the heap stays exhausted.
# Run by tests/test_firmware.py on the unix port with
# the firmware bundle on the path: micropython fw_oom.py FLASHDIR CAPTURE MODE
# MODE "always": every UART pass raises MemoryError; "once": only the first;
# "command": a command meets MemoryError (the next one runs as usual).
import sys

import asyncio

from sim import fakemachine

flash, capture, mode = sys.argv[1], sys.argv[2], sys.argv[3]
m = fakemachine.install(flash, '{"status_s": 0, "wdt_s": 0, "board": "pico"}', capture, passes=3)
m.linger_ms = 50

import app  # noqa: E402

a = app.App()
if mode == "command":

    class _NoHeap:
        @staticmethod
        def run(app_, line):
            raise MemoryError("memory allocation failed, allocating 1024 bytes")

    sys.modules["commands"] = _NoHeap  # what `import commands` finds
    a.command(b'{"cmd": "status"}')
    print('{"resident": %s}' % ("true" if "commands" in sys.modules else "false"))
    a.command(b'{"cmd": "nosuch"}')
    raise SystemExit(0)
real = a.poll_uart
calls = [0]


def failing():
    calls[0] += 1
    if mode == "always" or calls[0] == 1:
        raise MemoryError("memory allocation failed, allocating 576 bytes")
    return real()


a.poll_uart = failing
try:
    asyncio.run(a.run())
except SystemExit as e:
    print('{"exit": %d, "calls": %d}' % (e.args[0] if e.args else 0, calls[0]))
