# sim/memprobe.py: heap after boot and bytes allocated per frame, synchronously (tools/fw-mem).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""    micropython sim/memprobe.py CAPTURE FLASHDIR

Boots ``app.App`` on the fake board as ``App.run`` does (config, board,
UART open), then calls ``App.poll_uart`` -- the main loop's step from UART
bytes to printed JSON lines -- once per pass of a one-frame capture with
the GC disabled, so ``gc.mem_alloc()`` counts every byte it allocates.
(The webassembly port collects when control returns to JavaScript, so a
window spanning asyncio sleeps cannot be measured there.) Prints one line
``{"memprobe": {...}}``.
"""

import gc
import sys


def main(path, flash):
    from sim import fakemachine

    fakemachine.install(flash, '{"status_s": 0, "wdt_s": 0}', path, passes=1 << 30)
    gc.collect()
    base = gc.mem_alloc()
    import app

    a = app.App()
    a._try_open(a.detector.current)
    gc.collect()
    boot = gc.mem_alloc()
    for _ in range(3):  # warm-up: lazy imports, first frame, lock, config save
        a.poll_uart()
    per = []
    for _ in range(8):
        gc.collect()
        gc.disable()
        x = gc.mem_alloc()
        a.poll_uart()
        per.append(gc.mem_alloc() - x)
        gc.enable()
    gc.collect()
    print('{"memprobe": {"base": %d, "boot": %d, "per_frame": %s, "readings": %d, "after": %d}}'
          % (base, boot, per, a.reader.readings, gc.mem_alloc()))


main(sys.argv[1], sys.argv[2])
