# sim/memprobe.py: heap after boot and bytes allocated per frame (tools/fw-mem).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""    micropython sim/memprobe.py CAPTURE FLASHDIR

Boots ``app.App`` on the fake board as ``App.run`` does (config, board,
UART open), then calls ``App.poll_uart`` -- the main loop's step from UART
bytes to printed JSON lines -- once per pass of a one-frame capture with
the GC disabled, so ``gc.mem_alloc()`` counts every byte it allocates.
(The webassembly port collects only when control returns to JavaScript:
so every heap figure is taken after ``await asyncio.sleep_ms(0)`` and a
collect, and a window spanning asyncio sleeps cannot be measured there.)
Prints one line ``{"memprobe": {...}}``.

    micropython sim/memprobe.py CAPTURE FLASHDIR [mqtt|-] [FRAMES]

``mqtt``: a board with Wi-Fi publishing every reading; ``energy``: the
same with the energy accounting on (its sensors published too); FRAMES: a
long run after the measurement, the heap in use sampled every FRAMES/10
poll passes.
"""

import gc
import sys

import asyncio


async def _heap():
    await asyncio.sleep_ms(0)  # the webassembly port collects only here
    gc.collect()
    return gc.mem_alloc()


# ``mqtt`` mode: a board with Wi-Fi publishing every reading (sim/fakenetwork.py,
# and sim/fakesocket.py as the broker's end of the TCP connection).
_MQTT_CFG = ('{"status_s": 0, "wdt_s": 0, "ntp": false, "wifi_ssid": "hanreader-sim", '
             '"wifi_password": "simulated-ap", "mqtt_broker": "192.168.1.10", "bridge_id": "probe"}')


async def main(path, flash, mode="", frames=0):
    from sim import fakemachine

    mqtt = mode in ("mqtt", "energy")
    cfg = '{"status_s": 0, "wdt_s": 0}'
    if mqtt:
        cfg = _MQTT_CFG if mode == "mqtt" else _MQTT_CFG[:-1] + ', "energy": true}'
    fakemachine.install(flash, cfg, path, passes=1 << 30)
    if mqtt:
        from sim import fakenetwork, fakesocket

        fakenetwork.ap.join_ms = 0
        sys.modules["network"] = fakenetwork
        sys.modules["socket"] = fakesocket
    base = await _heap()
    import app

    a = app.App()
    a._try_open(a.detector.current)
    if mqtt:
        import time

        for _ in range(20):  # Wi-Fi joins, MQTT connects (online, bridge and diagnostics configs)
            a.net.step(time.ticks_ms())
            if a.net.mqtt.client is not None:
                break
        assert a.net.mqtt.state == "up", a.net.mqtt.state
    boot = await _heap()
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
    samples = [0] * (10 if frames >= 10 else frames)  # allocated before the run
    k = 0
    for i in range(frames):  # the long run: heap after collect every frames/10
        a.poll_uart()
        if (i + 1) % (frames // 10 or 1) == 0 and k < len(samples):
            samples[k] = await _heap()
            k += 1
    after = await _heap()
    pub = a.net.mqtt.published if mqtt else 0
    print('{"memprobe": {"base": %d, "boot": %d, "per_frame": %s, "readings": %d, "after": %d, "published": %d, '
          '"samples": %s}}' % (base, boot, per, a.reader.readings, after, pub, samples))


asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "",
                 int(sys.argv[4]) if len(sys.argv) > 4 else 0))
