# tests/test_energy_hook.py: the dongle's energy hook (firmware/energy_hook.py): state on flash
# written at most once an hour, restored at boot; Aidon's untimed lists stamped by ticks.
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "firmware"))

from energy_hook import EnergyHook  # noqa: E402

from protocols import energy as E  # noqa: E402
from protocols.reading import Meter, Reading, Register  # noqa: E402


def reading(time, regs):
    return Reading(Meter("Aidon", None, None, None), time, [Register("", n, v, None, u) for n, v, u in regs])


class Ticks:
    def __init__(self):
        self.ms = 1000

    def __call__(self):
        return self.ms


def aidon_hours(hook, ticks, h_first, watts, reg, upto=None):
    """Aidon pushes: a list 2 (no time) every 10 s, list 3 at xx:00:10 with the
    local clock; the dongle's ticks advance with them. Stops at UTC ``upto``."""
    for k in range(len(watts) + 1):
        h = h_first + k
        y, mo, d, hh, _ = E.local_hour(E.zone("Europe/Oslo"), h)
        clock = "%04d-%02d-%02dT%02d:00:00" % (y, mo, d, hh)
        for s in range(0, 3600, 10):
            if upto is not None and h * 3600 + s >= upto:
                return reg
            ticks.ms = (h * 3600 + s) * 1000 - 1700000000000  # any origin: only differences count
            p = watts[k] if k < len(watts) else 0
            if s == 10:
                hook.feed(reading(clock, [("active_power_import", p, "W"), ("clock", clock, None),
                                          ("active_energy_import", reg, "Wh")]))
            else:
                hook.feed(reading(None, [("active_power_import", p, "W")]))
            hook.maybe_save()
            if k == len(watts) and s >= 10:
                return reg
        reg += watts[k]
    return reg


def test_saved_once_an_hour_and_restored_after_a_reboot(tmp_path):
    path = str(tmp_path / "energy.json")
    ticks = Ticks()
    h0 = E.seconds(2026, 1, 5, 6) // 3600
    hook = EnergyHook(path, ticks_ms=ticks)
    assert not hook.restored and hook.problem is None
    aidon_hours(hook, ticks, h0, [1000, 2000, 3000], 4000000)
    # four list 3s: the first anchors, three close an hour: three writes
    assert hook.saves == 3
    assert [x[0] for x in hook.month()["peaks"]] == [h0 + 2]
    # reboot at 09:30: a new hook reads the file; its ticks start anew
    ticks2 = Ticks()
    again = EnergyHook(path, ticks_ms=ticks2)
    assert again.restored and again.month() == hook.month()
    assert json.load(open(path))[0] == E.STATE_VERSION


def test_power_is_integrated_on_the_meter_clock_and_ticks(tmp_path):
    """Between two list 3s the dongle lost one: the Aidon list 2s have no time,
    yet the two hours are estimated from them (ticks since the last clock)."""
    ticks = Ticks()
    hook = EnergyHook(str(tmp_path / "e.json"), ticks_ms=ticks)
    hours = []
    hook.energy.on_hour = hours.append
    h0 = E.seconds(2026, 1, 5, 6) // 3600
    # hour 7's list 3 is lost: feed everything except that one frame
    reg = 4000000
    zone = E.zone("Europe/Oslo")
    for k, p in enumerate([1000, 2000, 3000, 0]):
        h = h0 + k
        y, mo, d, hh, _ = E.local_hour(zone, h)
        clock = "%04d-%02d-%02dT%02d:00:00" % (y, mo, d, hh)
        for s in range(0, 3600 if k < 3 else 11, 10):
            ticks.ms = (h * 3600 + s) * 1000
            if s == 10 and k != 1:
                hook.feed(reading(clock, [("active_power_import", p, "W"), ("clock", clock, None),
                                          ("active_energy_import", reg, "Wh")]))
            else:
                hook.feed(reading(None, [("active_power_import", p, "W")]))
        reg += p
    assert [(x[0] - h0, x[5]) for x in hours] == [(0, "estimated"), (1, "estimated"), (2, "meter")]
    # Aidon's clock is the freeze instant xx:00:00, sent at xx:00:10: the
    # ticks-stamped list 2s sit 10 s early, so the estimates are near, the
    # span exact
    assert hours[0][1] + hours[1][1] == 3000 and hours[2][1] == 3000
    assert abs(hours[0][1] - 1000) <= 5 and abs(hours[1][1] - 2000) <= 5
    r = hook.running()
    assert r["hour"] == h0 + 3 and r["so_far_wh"] == 0


def test_a_corrupt_state_file_is_reported_not_fatal(tmp_path):
    path = tmp_path / "energy.json"
    path.write_text("[1, {broken")
    hook = EnergyHook(str(path))
    assert not hook.restored and "unusable" in hook.problem
    path.write_text("[7]")
    hook = EnergyHook(str(path))
    assert not hook.restored and "version" in hook.problem
