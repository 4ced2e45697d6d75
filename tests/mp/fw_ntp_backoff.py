# tests/mp/fw_ntp_backoff.py: the dongle's NTP retries with backoff (issue 15 item 1).
# Run by tests/test_firmware_mqtt.py on the unix port with the firmware bundle on the path:
#   micropython fw_ntp_backoff.py
# net.Net over sim/fakenetwork.py, stepped every second of a clock of its own (the ``now``
# every loop pass passes in; no time passes for real): a Wi-Fi without internet for eight
# hours (every NTP try would wait for the resolver), then the internet back.
# Prints {"ntp": {...}}.
import sys
import time

from sim import fakenetwork

sys.modules["network"] = fakenetwork
sys.modules["ntptime"] = fakenetwork.ntptime
fakenetwork.ap.join_ms = 0
fakenetwork.ap.internet = False
import net  # noqa: E402


class App:
    def __init__(self):
        self.events = []
        self.cfg = {"wifi_ssid": fakenetwork.ap.ssid, "wifi_password": fakenetwork.ap.password,
                    "ntp": True, "ntp_host": "pool.ntp.org", "mqtt_broker": None}

    def event(self, name, pairs):
        self.events.append((name, pairs))


app = App()
n = net.Net(app)
t0 = time.ticks_ms()
tries = []
ntp = fakenetwork.ntptime
s = 0


def run(until):
    global s
    while s < until:
        before = ntp.calls
        n.step(time.ticks_add(t0, s * 1000))
        if ntp.calls != before:
            tries.append(s)
        s += 1


run(8 * 3600)
offline = list(tries)
fakenetwork.ap.internet = True
del tries[:]
run(s + 3600)
lines = [dict(p) for name, p in app.events if name == "ntp"]
print('{"ntp": {"offline": %s, "after": %s, "clock": %s, "lines": %d, "retry_s": %s, "state": "%s"}}'
      % (offline, tries, "true" if n.clock else "false", len(lines), lines[0].get("retry_s"),
         lines[-1].get("state")))
