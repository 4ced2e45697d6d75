# tests/mp/fw_status.py: the app fed a capture, then its status line (issue 19's unknown layout on the dongle).
# Run by tests/test_firmware_app.py on the unix port with the firmware bundle on the path:
#   micropython fw_status.py FLASHDIR CAPTURE SETTING
# Prints the USB lines, then the status line after the capture.
import sys

import asyncio

from sim import fakemachine

flash, capture, setting = sys.argv[1], sys.argv[2], sys.argv[3]
m = fakemachine.install(flash, '{"status_s": 0, "wdt_s": 0, "board": "pico", "serial": "%s", "autodetect": false}'
                        % setting, capture, passes=1)
m.setting = setting
m.linger_ms = 50

import app  # noqa: E402

a = app.App()
try:
    asyncio.run(a.run())
except SystemExit:
    pass
print(app.status.status_line(a))
