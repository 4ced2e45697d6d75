# tests/mp/fw_pressure.py: the app under memory pressure and with a flash that cannot save (issue 12 item 13).
# Run by tests/test_firmware_app.py on the unix port with the firmware bundle
# on the path:  micropython fw_pressure.py FLASHDIR CAPTURE MODE [KEY]
# MODE "nosave": the config cannot be saved (hanreader.json.tmp is a folder);
#   a key set by a command is applied anyway and its one answer says so.
# MODE "decode": every third message meets MemoryError while it is decoded;
#   every lost reading is counted and the status line says how many.
import os
import sys

import asyncio

from sim import fakemachine

flash, capture, mode = sys.argv[1], sys.argv[2], sys.argv[3]
m = fakemachine.install(flash, '{"status_s": 0, "wdt_s": 0, "board": "pico"}', capture,
                        passes=9 if mode == "decode" else 1)
m.linger_ms = 50

import app  # noqa: E402

a = app.App()
if mode == "nosave":
    os.mkdir("hanreader.json.tmp")  # open(..., "w") fails: OSError (EISDIR)
    a.command(('{"set": {"key": "%s"}}' % sys.argv[4]).encode())
    a.command(b'{"unset": ["raw"]}')  # nothing changed: nothing to save
else:
    import protocols.decoder as dec

    real = dec.decode_apdu
    calls = [0]

    def failing(apdu, decrypt=None, _depth=0):
        calls[0] += 1
        if calls[0] % 3 == 0:
            raise MemoryError("memory allocation failed, allocating 2048 bytes")
        return real(apdu, decrypt, _depth)

    dec.decode_apdu = failing
try:
    asyncio.run(a.run())
except SystemExit:
    pass
print(app.status.status_line(a))
