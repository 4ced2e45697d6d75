# tests/mp/fw_mqtt_oom.py: the dongle publishing over MQTT while memory runs out (issue 15).
# Run by tests/test_firmware_mqtt.py on the unix port with the firmware bundle on the path:
#   micropython fw_mqtt_oom.py FLASHDIR CAPTURE MODE
# The broker's end is sim/fakesocket.py (it answers CONNECT and SUBSCRIBE, counts what is written).
# MODE "build": every third reading's MQTT messages meet MemoryError while they are made (before a
#   byte is written): the connection is whole, so it is kept: no reconnection, the next readings go out.
# MODE "write": every third state publish meets MemoryError half-way through its packet (header and
#   topic written, payload not): the stream is broken, so the connection is dropped and made again.
# MODE "line": the first two readings find no room for mqttout.Line's buffer (the line printed
#   on USB, kept as the state payload): printed in pieces and published from the reading, as
#   before; each state payload is printed after the run as {"state": ...}.
# Prints the status line, then {"oom": {...}}.
import sys
import time

import asyncio

from sim import fakemachine, fakenetwork, fakesocket

flash, capture, mode = sys.argv[1], sys.argv[2], sys.argv[3]
cfg = ('{"status_s": 0, "wdt_s": 0, "board": "pico", "ntp": false, "wifi_ssid": "ap", "wifi_password": "simulated-ap",'
       ' "mqtt_broker": "192.168.1.10", "bridge_id": "oom"}')
m = fakemachine.install(flash, cfg, capture, passes=9)
m.linger_ms = 50
fakenetwork.ap.ssid = "ap"
fakenetwork.ap.password = "simulated-ap"
fakenetwork.ap.join_ms = 0
sys.modules["network"] = fakenetwork
sys.modules["socket"] = fakesocket

import app  # noqa: E402

a = app.App()
a._try_open(a.detector.current)
for _ in range(20):  # Wi-Fi joins, MQTT connects
    a.net.step(time.ticks_ms())
    if a.net.mqtt.client is not None:
        break
mq = a.net.mqtt
assert mq.state == "up", mq.state
calls = [0]
if mode == "build":
    msgs = mq.msgs
    real = msgs.reading

    def failing(r, state=None):
        calls[0] += 1
        if calls[0] % 3 == 0:
            raise MemoryError("memory allocation failed, allocating 1536 bytes")
        return real(r, state)

    msgs.reading = failing
elif mode == "line":
    import mqttout
    from umqtt.simple import MQTTClient

    real_start = mqttout.Line.start
    states = []

    def no_room(self, out):
        if self.buf is None and calls[0] < 2:
            calls[0] += 1
            raise MemoryError("memory allocation failed, allocating 2048 bytes")
        return real_start(self, out)

    real_publish = MQTTClient.publish

    def keep(self, topic, msg, retain=False, qos=0):
        if topic.endswith("/state"):
            states.append(msg if type(msg) is str else bytes(msg).decode())
        return real_publish(self, topic, msg, retain, qos)

    mqttout.Line.start = no_room
    MQTTClient.publish = keep
else:
    from umqtt.simple import MQTTClient

    real_publish = MQTTClient.publish

    def half(self, topic, msg, retain=False, qos=0):
        if topic.endswith("/state"):
            calls[0] += 1
            if calls[0] % 3 == 0:
                self.sock.write(b"\x30\x7f")  # a header promising 127 bytes ...
                self._send_str(topic)  # ... the topic, then no memory for the rest
                raise MemoryError("memory allocation failed, allocating 1536 bytes")
        return real_publish(self, topic, msg, retain, qos)

    MQTTClient.publish = half
try:
    asyncio.run(a.run())
except SystemExit:
    pass
if mode == "line":
    import gc

    gc.collect()
    for st in states:  # in pieces: no 1 KB line made on the harness's full heap
        sys.stdout.write('{"state": ')
        sys.stdout.write(st)
        sys.stdout.write("}\n")
print(app.status.status_line(a))
print('{"oom": {"calls": %d, "connects": %d, "published": %d, "errors": %d}}'
      % (calls[0], mq.connects, mq.published, mq.errors))
