# firmware/energy_hook.py: the dongle's energy accounting, with its state in a file on flash.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""protocols.energy on the dongle, restored at boot and saved at most once an hour.

    from energy_hook import EnergyHook
    hook = EnergyHook()            # restores /energy.json if there is one
    ...
    for r in readings:
        hook.feed(r)               # after printing the reading
    hook.maybe_save()              # in the housekeeping pass: writes only when an
                                   # hour was closed and not yet this hour (flash wear)
    hook.running(), hook.month()   # for the status line / MQTT

Clock: the dongle has no trusted clock of its own (no RTC set without
Wi-Fi), so a reading without a time (Aidon's lists 1 and 2) is stamped
with the last meter time plus the ``ticks_ms`` elapsed since; the hourly
list's clock re-anchors it every hour (docs/energy.md).
"""

import json
import os
import time

from protocols import energy

STATE_FILE = "energy.json"  # beside hanreader.json, in the working folder (the flash root)


def _ticks_ms():
    return time.ticks_ms() if hasattr(time, "ticks_ms") else int(time.time() * 1000)


def _ticks_diff(a, b):
    return time.ticks_diff(a, b) if hasattr(time, "ticks_diff") else a - b


class EnergyHook:
    def __init__(self, path=STATE_FILE, zone="Europe/Oslo", top=3, ticks_ms=_ticks_ms, ticks_diff=_ticks_diff):
        self.path = path
        self.ticks_ms = ticks_ms
        self.ticks_diff = ticks_diff
        self.energy = energy.Energy(energy.zone(zone), top=top, on_hour=self._hour)
        self.dirty = False
        self.saved_hour = None  # the UTC hour of the last write
        self.saves = 0
        self.restored = False
        self.problem = None  # why the saved state could not be used
        self._anchor = None  # (UTC seconds of the last meter time, ticks then)
        self.last_hour = None  # the UTC hour number of the last hour closed
        try:
            with open(path) as f:
                self.energy.restore(json.load(f))
            self.restored = True
            if self.energy.last_t is not None:
                self.saved_hour = self.energy.last_t // 3600
        except OSError:
            pass  # no file yet
        except (ValueError, TypeError, KeyError, IndexError) as e:
            self.problem = "energy state %s unusable (%s): starting afresh" % (path, e)

    def _hour(self, hour):
        self.dirty = True
        self.last_hour = hour[0]

    def pairs(self):
        """(key, value) pairs for the USB event lines: hours closed so far,
        the last one (local start), state writes since boot."""
        e = self.energy
        h = self.last_hour
        return [("hours", e.counters["hours"]), ("last_hour", None if h is None else energy.hour_iso(e.zone, h)),
                ("saves", self.saves)]

    def now(self):
        """UTC seconds by the meter's clock and ticks since, or None."""
        a = self._anchor
        if a is None:
            return None
        return a[0] + self.ticks_diff(self.ticks_ms(), a[1]) // 1000

    def feed(self, reading):
        before = self.energy.last_t
        self.energy.feed(reading, None if reading.time_text is not None else self.now())
        t = self.energy.last_t
        if reading.time_text is not None and t is not None and t != before:
            self._anchor = (t, self.ticks_ms())

    def maybe_save(self):
        """Write the state if an hour was closed since the last write, at most
        once per hour; returns True if it wrote."""
        if not self.dirty:
            return False
        t = self.energy.last_t
        hour = t // 3600 if t is not None else None
        if hour is not None and hour == self.saved_hour:
            return False
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.energy.state(), f)
        try:
            os.remove(self.path)  # MicroPython's rename does not replace on every port
        except OSError:
            pass
        os.rename(tmp, self.path)
        self.dirty = False
        self.saved_hour = hour
        self.saves += 1
        return True

    def running(self):
        return self.energy.running(self.now())

    def month(self):
        return self.energy.month()
