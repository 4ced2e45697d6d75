# tests/mp/fw_backoff.py: the dongle's Wi-Fi retries with backoff (issue 15 item 1).
# Run by tests/test_firmware_mqtt.py on the unix port with the firmware bundle on the path:
#   micropython fw_backoff.py
# net.Wifi over sim/fakenetwork.py, stepped every 100 ms of a clock of its own (the ``now``
# every loop pass passes in; no time passes for real): a wrong password for five minutes,
# then the right one, then the link lost. Prints {"backoff": {...}}.
import sys
import time

from sim import fakenetwork

sys.modules["network"] = fakenetwork
fakenetwork.ap.join_ms = 0
import net  # noqa: E402


class App:
    def __init__(self):
        self.events = []

    def event(self, name, pairs):
        self.events.append((name, pairs))


app = App()
w = net.Wifi(app, fakenetwork.ap.ssid, "not-" + fakenetwork.ap.password)
t0 = time.ticks_ms()
starts = []
real_start = w._start


def start(now):
    starts.append(time.ticks_diff(now, t0))
    real_start(now)


w._start = start
ms = 0


def run(until):
    global ms
    while ms < until:
        w.step(time.ticks_add(t0, ms))
        ms += 100


run(300000)  # five minutes with a wrong password
wrong = list(starts)
w._password = fakenetwork.ap.password  # the user sets the right one
run(ms + 60000)
up = w.state
said = len(app.events)
del starts[:]
w.wlan._lost()  # the access point drops the station
run(ms + 10000)
print('{"backoff": {"wrong": %s, "up": "%s", "events": %d, "after_drop": %s, "state": "%s", "lines": %s}}'
      % (wrong, up, said, starts, w.state,
         "[" + ", ".join('"%s"' % dict(p).get("state") for _, p in app.events) + "]"))
