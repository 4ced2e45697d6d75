# net.py: Wi-Fi, NTP and MQTT, stepped from the app's main loop (issue #15).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Imported by the app only when ``wifi_ssid`` is set: a dongle without
Wi-Fi never loads this code (nor ``network``, ``umqtt`` or the MQTT
messages).

    n = Net(app)          # reads app.cfg
    n.step(now_ms)        # once per loop pass: never blocks longer than one bounded step
    n.reading(r)          # after the reading's USB line: publish it (or keep the latest)
    n.stop()

Nothing here waits: ``WLAN.connect`` returns at once on the ESP32 and the
Pico W and is polled with ``isconnected()`` / ``status()`` from the loop;
a connection attempt that does not succeed within ``_JOIN_MS`` is
abandoned and retried after a backoff (1 s doubling to 60 s). The steps
that do block are bounded: an NTP query (``ntptime``, 1 s socket timeout;
after a failure retried in 1, 2, 4 ... 60 minutes),
an MQTT connect (two waits of ``mqttout.CONNECT_TIMEOUT_S``) and the
subscription after it (one of ``mqttout.TIMEOUT_S``), each in a loop pass
of its own, so the UART receive buffer (2 s of data) and the
watchdog (fed every pass, 8 s) are never at risk. A host name is looked up
by the port's ``getaddrinfo``, which can take longer: give the broker as
an IP address when the meter sends at 115200 baud.

USB lines: ``{"event": "wifi", ...}`` and ``{"event": "mqtt", ...}``, one
per change of state (a failure repeating the same way is said once). No
password is ever printed.
"""

import time

_JOIN_MS = 20000  # give up one Wi-Fi connection attempt after this
_CHECK_MS = 1000  # how often a connected WLAN is checked
_BACKOFF_MS = (1000, 60000)  # first and longest wait before retrying
_NTP_RETRY_MS = (60000, 3600000)  # a failed NTP query: retried after 1, 2, 4 ... 60 minutes
_NTP_EVERY_MS = 6 * 3600 * 1000


class Backoff:
    """Waits of ``first`` ms doubling to ``longest``; ``reset`` after a success."""

    def __init__(self, first=_BACKOFF_MS[0], longest=_BACKOFF_MS[1]):
        self.first = first
        self.longest = longest
        self.ms = first

    def next(self):
        ms = self.ms
        self.ms = min(self.ms * 2, self.longest)
        return ms

    def reset(self):
        self.ms = self.first


class Wifi:
    """The station interface: ``state`` is ``connecting``, ``up`` or ``waiting``."""

    def __init__(self, app, ssid, password):
        import network

        self.network = network
        self.app = app
        self.ssid = ssid
        self._password = password
        self.wlan = network.WLAN(network.STA_IF)
        self.state = "waiting"
        self.backoff = Backoff()
        self._due = time.ticks_ms()
        self._since = self._due
        self._said = None  # the last failure reported (said once)
        self.ip = None
        self.connects = 0
        self.drops = 0

    def _say(self, pairs, key=None):
        if key is not None:
            if key == self._said:
                return
            self._said = key
        self.app.event("wifi", pairs)

    def step(self, now):
        st = self.state
        if st == "waiting":
            if time.ticks_diff(now, self._due) >= 0:
                self._start(now)
        elif st == "connecting":
            if self.wlan.isconnected():
                self.state = "up"
                self.connects += 1
                self.backoff.reset()
                self._said = None
                self._due = time.ticks_add(now, _CHECK_MS)
                try:
                    self.ip = self.wlan.ifconfig()[0]
                except Exception:
                    self.ip = None
                self._say([("state", "connected"), ("ssid", self.ssid), ("ip", self.ip), ("rssi", self.rssi())])
                return
            why = self._failure()
            if why is None and time.ticks_diff(now, self._since) >= _JOIN_MS:
                why = "no connection after %d s" % (_JOIN_MS // 1000)
            if why is not None:
                self._fail(now, why)
        elif st == "up":
            if time.ticks_diff(now, self._due) >= 0:
                self._due = time.ticks_add(now, _CHECK_MS)
                if not self.wlan.isconnected():
                    self.drops += 1
                    self.ip = None
                    self._fail(now, "connection lost")

    def _start(self, now):
        w = self.wlan
        try:
            w.active(True)
            if self._password is None:
                w.connect(self.ssid)
            else:
                w.connect(self.ssid, self._password)
        except OSError as e:
            self._fail(now, "cannot start: OSError %s" % (e.args[0] if e.args else ""))
            return
        self.state = "connecting"
        self._since = now

    def _failure(self):
        """A definite failure reported by the driver, or None (still trying)."""
        n = self.network
        try:
            s = self.wlan.status()
        except Exception:
            return None
        if s == getattr(n, "STAT_WRONG_PASSWORD", None):
            return "wrong password for this network (set wifi_password)"
        if s == getattr(n, "STAT_NO_AP_FOUND", None):
            return "network not found (check wifi_ssid)"
        if s == getattr(n, "STAT_CONNECT_FAIL", None):
            return "connection failed"
        return None

    def _fail(self, now, why):
        try:
            self.wlan.disconnect()
        except Exception:
            pass
        self.state = "waiting"
        wait = self.backoff.next()
        self._due = time.ticks_add(now, wait)
        self._say([("state", "down"), ("ssid", self.ssid), ("error", why), ("retry_s", wait // 1000)], why)

    def up(self):
        return self.state == "up"

    def rssi(self):
        try:
            return self.wlan.status("rssi")
        except Exception:
            return None

    def stop(self):
        try:
            self.wlan.disconnect()
        except Exception:
            pass


class Net:
    """Wi-Fi, then the clock, then MQTT (if ``mqtt_broker`` is set)."""

    def __init__(self, app):
        c = app.cfg
        self.app = app
        self.wifi = Wifi(app, c["wifi_ssid"], c["wifi_password"])
        self.ntp_host = c["ntp_host"] if c["ntp"] else None
        self.clock = False  # True once NTP has set the clock
        self._ntp_due = None
        self._ntp_wait = Backoff(_NTP_RETRY_MS[0], _NTP_RETRY_MS[1])
        self.mqtt = None
        if c["mqtt_broker"]:
            import mqttout

            self.mqtt = mqttout.Mqtt(app, self)

    def step(self, now):
        self.wifi.step(now)
        if not self.wifi.up():
            if self.mqtt is not None:
                self.mqtt.down(now)
            return
        if self.ntp_host is not None and (self._ntp_due is None or time.ticks_diff(now, self._ntp_due) >= 0):
            self._ntp(now)
            return  # one bounded blocking step per loop pass
        if self.mqtt is not None:
            self.mqtt.step(now)

    def _ntp(self, now):
        try:
            import ntptime

            ntptime.host = self.ntp_host
            ntptime.timeout = 1
            ntptime.settime()
            ntptime = None
        except ImportError:
            self.ntp_host = None
            self.app.event("ntp", [("error", "no ntptime module in this MicroPython")])
            return
        except Exception as e:
            # backoff: a name (pool.ntp.org) is looked up by the port's
            # resolver on every try, which may block longer than the 1 s
            # query on a Wi-Fi without internet: once an hour at most then
            wait = self._ntp_wait.next()
            self._ntp_due = time.ticks_add(now, wait)
            if self.clock is False:
                self.clock = None  # said once
                self.app.event("ntp", [("error", "%s: %s" % (type(e).__name__, e)), ("retry_s", wait // 1000)])
            return
        self._ntp_wait.reset()
        self._ntp_due = time.ticks_add(now, _NTP_EVERY_MS)
        if not self.clock:
            self.clock = True
            self.app.event("ntp", [("state", "synchronised"), ("utc", utc_now())])

    def received_at(self):
        """The receive time as text (UTC, ms) once the clock is set, else None."""
        if not self.clock:
            return None
        return utc_now()

    def line(self):
        """mqttout.Line for the next reading's JSON text (None without MQTT)."""
        return self.mqtt.line if self.mqtt is not None else None

    def reading(self, r, line=None):
        # line: mqttout.Line holding r's JSON text as just printed (or None)
        if self.mqtt is not None:
            self.mqtt.reading(r, line)

    def status_pairs(self):
        """(key, value) pairs for the status line: states and counts, no secret."""
        out = [("wifi", self.wifi.state), ("rssi", self.wifi.rssi() if self.wifi.up() else None),
               ("clock", "ntp" if self.clock else None)]
        if self.mqtt is not None:
            out += self.mqtt.status_pairs()
        return out

    def stop(self):
        if self.mqtt is not None:
            self.mqtt.close()
        self.wifi.stop()


def utc_now():
    """Now as ``2026-03-01T11:00:00.123+00:00`` (the reading schema's received_at)."""
    try:
        ns = time.time_ns()
        s = ns // 1000000000
        ms = (ns // 1000000) % 1000
    except AttributeError:
        s = time.time()
        ms = 0
    t = time.gmtime(s)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03d+00:00" % (t[0], t[1], t[2], t[3], t[4], t[5], ms)

