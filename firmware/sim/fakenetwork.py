# sim/fakenetwork.py: the ``network`` module of a board with Wi-Fi, for the simulator.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Installed as ``sys.modules["network"]`` (and ``ntptime``) by sim/setup.py
when the replay has ``--broker``. The access point ``ap`` accepts
``ap.ssid`` / ``ap.password``; ``WLAN.connect`` returns at once and the
station is connected ``ap.join_ms`` later, as on the ESP32 and the Pico W.
The sockets are the unix port's real ones (the broker is on 127.0.0.1).

On cue (``ap.drop(ms)``, called by the fake meter at a chosen pass) the
access point goes away for ``ms``: the station is disconnected, a connect
during the outage keeps trying, and after it the station can join again.
"""

import time

STA_IF = 0
AP_IF = 1
# The Pico W's values (the ESP32's differ; the app reads them from here).
STAT_IDLE = 0
STAT_CONNECTING = 1
STAT_WRONG_PASSWORD = -3
STAT_NO_AP_FOUND = -2
STAT_CONNECT_FAIL = -1
STAT_GOT_IP = 3


class AccessPoint:
    def __init__(self):
        self.ssid = "hanreader-sim"
        self.password = "simulated-ap"
        self.join_ms = 100
        self.rssi = -61
        self.down_until = None
        self.drops = 0
        self.joins = 0
        self.internet = True  # False: joined, but no name resolves (no NTP)

    def up(self):
        if self.down_until is None:
            return True
        if time.ticks_diff(time.ticks_ms(), self.down_until) >= 0:
            self.down_until = None
            return True
        return False

    def drop(self, ms):
        self.drops += 1
        self.down_until = time.ticks_add(time.ticks_ms(), ms)
        for w in _stations:
            w._lost()


ap = AccessPoint()
_stations = []


class WLAN:
    def __init__(self, interface=STA_IF):
        self._active = False
        self._status = STAT_IDLE
        self._ssid = None
        self._key = None
        self._since = None
        _stations.append(self)

    def active(self, on=None):
        if on is None:
            return self._active
        self._active = bool(on)

    def connect(self, ssid=None, key=None, **kw):
        if not self._active:
            raise OSError("WLAN not active")
        self._ssid = ssid
        self._key = key
        self._status = STAT_CONNECTING
        self._since = time.ticks_ms()

    def disconnect(self):
        self._status = STAT_IDLE

    def _lost(self):
        if self._status == STAT_GOT_IP:
            self._status = STAT_IDLE

    def _update(self):
        if self._status != STAT_CONNECTING:
            return
        if not ap.up():
            self._since = time.ticks_ms()  # keeps trying while the AP is away
            return
        if time.ticks_diff(time.ticks_ms(), self._since) < ap.join_ms:
            return
        if self._ssid != ap.ssid:
            self._status = STAT_NO_AP_FOUND
        elif self._key != ap.password:
            self._status = STAT_WRONG_PASSWORD
        else:
            self._status = STAT_GOT_IP
            ap.joins += 1

    def isconnected(self):
        self._update()
        return self._status == STAT_GOT_IP

    def status(self, param=None):
        self._update()
        if param == "rssi":
            if self._status != STAT_GOT_IP:
                raise OSError("not connected")
            return ap.rssi
        if param is not None:
            raise ValueError("unknown status param")
        return self._status

    def ifconfig(self, *a):
        if self._status == STAT_GOT_IP:
            return ("127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1")
        return ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")

    def config(self, *a, **kw):
        if a and a[0] == "mac":
            return b"\x28\xcd\xc1\x00\x00\x01"
        return None


class _NtpTime:
    """``ntptime``: the unix port's clock is right already; settime fails
    while the access point is away (as a query would)."""

    host = "pool.ntp.org"
    timeout = 1

    def __init__(self):
        self.calls = 0

    def settime(self):
        self.calls += 1
        if not ap.up():
            raise OSError(110)
        if not ap.internet:
            raise OSError(-202)  # getaddrinfo: the name did not resolve

    def time(self):
        return time.time()


ntptime = _NtpTime()
