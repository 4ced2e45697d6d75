# tests/mp/fw_mqtt_wait.py: how long the dongle's loop waits for a slow broker in one pass (issue 15 item 1).
# Run by tests/test_firmware_mqtt.py on the unix port with the firmware bundle on the path:
#   micropython fw_mqtt_wait.py FLASHDIR CAPTURE LATENCY_MS [SETTLE_MS]
# The broker's end is sim/fakesocket.py with ``latency_ms``: a TCP handshake and every answer
# (CONNACK, SUBACK) take LATENCY_MS to come back. No clock is read: the socket adds up what a
# blocking wait would cost (capped by the socket's timeout, as on a board), and this script
# takes the sum per loop pass (a pass = from one App.poll_uart to the next). The UART buffer
# holds 2 s of bytes (detect.rxbuf_size): no pass may wait longer.
# Prints the status line, then {"wait": {...}}.
import sys

import asyncio

from sim import fakemachine, fakenetwork, fakesocket

flash, capture, latency = sys.argv[1], sys.argv[2], int(sys.argv[3])
settle = int(sys.argv[4]) if len(sys.argv) > 4 else 15000
cfg = ('{"status_s": 0, "wdt_s": 0, "board": "pico", "ntp": false, "wifi_ssid": "ap", "wifi_password": "simulated-ap",'
       ' "mqtt_broker": "192.168.1.10", "bridge_id": "wait"}')
m = fakemachine.install(flash, cfg, capture, passes=6)
m.linger_ms = 50
m.settle_ms = settle  # at the end, wait this long at most for the last messages
fakenetwork.ap.ssid = "ap"
fakenetwork.ap.password = "simulated-ap"
fakenetwork.ap.join_ms = 0
sys.modules["network"] = fakenetwork
sys.modules["socket"] = fakesocket
fakesocket.latency_ms = latency

import app  # noqa: E402

a = app.App()
waits = []  # the broker waits of each loop pass that waited
mark = [0]
real_poll = a.poll_uart


def poll():
    w = fakesocket.waited_ms - mark[0]
    mark[0] = fakesocket.waited_ms
    if w:
        waits.append(w)
    fakesocket.tick()  # what was sent during the pass has arrived by the next
    return real_poll()


a.poll_uart = poll
try:
    asyncio.run(a.run())
except SystemExit:
    pass
mq = a.net.mqtt
print(app.status.status_line(a))
print('{"wait": {"passes": %s, "unbounded": %d, "connects": %d, "published": %d, "state": "%s"}}'
      % (waits, fakesocket.unbounded, mq.connects, mq.published, mq.state))
