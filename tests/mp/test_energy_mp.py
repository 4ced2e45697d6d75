# mp-heap: 256k
# protocols.energy on real MicroPython (and CPython): hand-computed hours,
# days, peaks, steps and margins on driven months; DST days; restarts.
# (256k: the VM compiles energy.py and reading.py from source.)
import json

import mptest
from protocols import energy as E
from protocols.reading import Meter, Reading, Register

OSLO = E.zone("Europe/Oslo")


def utc_h(y, mo, d, h):
    return E.seconds(y, mo, d, h) // 3600


def drive(e, h0, watts, used=None, missed=(), seen=None, every=60, reg0=5000000):
    """Drive Energy ``e`` hour by hour from UTC hour ``h0``.

    Hour k draws ``watts[k]`` W (sampled every ``every`` s); the meter's
    import register advances by ``used[k]`` Wh (default: watts[k], exact);
    ``missed``: hours whose list 3 (sent at their start) never arrives;
    ``seen``: {k: (a, b)}: the dongle sees only seconds a..b of hour k
    (None: nothing). A list 3 closes the run at the start of hour len(watts).
    Returns the registers at the end."""
    reg = reg0
    n = len(watts)
    for k in range(n + 1):
        h = h0 + k
        span = (0, 3600)
        if seen is not None and k in seen:
            span = seen[k]
        if k == n:
            span = (0, 1)
        if span is None:
            if k < n:
                reg += used[k] if used else watts[k]
            continue
        a, b = span
        p = watts[k] if k < n else 0
        e.power(h * 3600 + a, p, 0)
        if k not in missed and a == 0:
            e.registers(h, reg, 0)
        s = a + every
        while s < b:
            e.power(h * 3600 + s, p, 0)
            s += every
        if k < n:
            reg += used[k] if used else watts[k]
    return reg


def collect(**kw):
    hours = []
    e = E.Energy(OSLO, on_hour=hours.append, **kw)
    return e, hours


def test_civil_time_and_eu_rule():
    assert E.civil_from_days(E.days_from_civil(2026, 3, 29)) == (2026, 3, 29)
    assert E.seconds(2026, 1, 5, 16) == 1767628800
    spring = E.seconds(2026, 3, 29, 1)
    autumn = E.seconds(2026, 10, 25, 1)
    assert OSLO.utcoffset(spring - 1) == 3600 and OSLO.utcoffset(spring) == 7200
    assert OSLO.utcoffset(autumn - 1) == 7200 and OSLO.utcoffset(autumn) == 3600
    assert E.zone("Europe/Helsinki").utcoffset(spring) == 3 * 3600
    assert E.zone("UTC").utcoffset(spring) == 0
    assert E.hour_iso(OSLO, utc_h(2026, 1, 5, 16)) == "2026-01-05T17:00:00+01:00"
    # 02:30 local happens twice on 2026-10-25 (00:30 and 01:30 UTC), never on 2026-03-29
    assert E.local_candidates(OSLO, E.seconds(2026, 10, 25, 2, 30)) == [
        E.seconds(2026, 10, 25, 0, 30), E.seconds(2026, 10, 25, 1, 30)]
    assert E.local_candidates(OSLO, E.seconds(2026, 3, 29, 2, 30)) == []
    e = mptest.assert_raises(ValueError, E.zone, "Mars/Olympus")
    assert "Mars/Olympus" in str(e)


def test_time_texts():
    t = E.seconds(2026, 1, 5, 16)
    assert E.to_utc("2026-01-05T17:00:00", OSLO) == (t, False)
    assert E.to_utc("2026-01-05T17:00:00+01:00", OSLO) == (t, True)
    assert E.to_utc("2026-01-05T16:00:00Z", OSLO) == (t, True)
    # Kaifa SE: +01:00 all year (Swedish standard time, EIFS 2016:2): taken as
    # sent, in July too, as Reading.time takes it (not Oslo's 10:00 UTC)
    assert E.to_utc("2026-07-01T12:00:00+01:00", OSLO) == (E.seconds(2026, 7, 1, 11), True)
    assert E.to_utc("2026-07-01T12:00:00", OSLO) == (E.seconds(2026, 7, 1, 10), False)
    # the repeated 02:00: the previous reading tells which one
    first = E.seconds(2026, 10, 25, 0)
    assert E.to_utc("2026-10-25T02:00:00", OSLO, first - 10)[0] == first
    assert E.to_utc("2026-10-25T02:00:00", OSLO, first + 3590)[0] == first + 3600
    for bad in ("2026-13-01T00:00:00", "yesterday", "2026-01-05T17:00:00+1", 17):
        mptest.assert_raises(ValueError, E.parse_iso, bad)


def test_peaks_on_three_different_days():
    # 2026-01-05 .. 01-08 local (CET), 1000 W base; day 5 has two high hours
    h0 = utc_h(2026, 1, 4, 23)  # local 2026-01-05 00:00
    watts = [1000] * 96
    watts[17] = 4000  # 01-05 17:00
    watts[18] = 3500  # 01-05 18:00: second highest hour of the month, same day
    watts[24 + 8] = 3000  # 01-06 08:00
    watts[48 + 19] = 2500  # 01-07 19:00
    watts[72 + 12] = 2000  # 01-08 12:00
    e, hours = collect()
    drive(e, h0, watts)
    assert len(hours) == 96 and [x[5] for x in hours] == ["meter"] * 96
    assert [x[1] for x in hours] == watts
    m = e.month()
    assert m["month"] == "2026-01"
    assert m["peaks"] == [(h0 + 17, 4000), (h0 + 32, 3000), (h0 + 67, 2500)]
    assert m["capacity_wh"] == 3167  # (4000 + 3000 + 2500) / 3
    assert m["step"] == (2, 2000, 5000)
    assert m["import_wh"] == 91 * 1000 + 4000 + 3500 + 3000 + 2500 + 2000
    assert [d["day"] for d in m["days"]] == [5, 6, 7, 8]
    assert m["days"][0]["import_wh"] == 22000 + 7500 and m["days"][0]["max_wh"] == 4000
    assert m["hours"] == {"meter": 96, "estimated": 0, "missing": 0}


def test_margin_by_hand():
    steps = E.DEFAULT_STEPS
    # other days 4000, 3000, 2500; the running hour at 1000 on a fresh day:
    # it must reach 3 * 5000 - (4000 + 3000) = 8000
    assert E.margin([4000, 3000, 2500], 0, 1000, 3, steps) == 7000
    # running on the 4000 day: needs 15000 - 3000 - 2500 = 9500
    assert E.margin([3000, 2500], 4000, 500, 3, steps) == 9000
    # first day of the month: the hour alone is the average
    assert E.margin([], 0, 1200, 3, steps) == 800
    assert E.margin([], 0, 150000, 3, steps) is None  # top step
    assert E.step_of(6000, 3, steps) == (2, 2000, 5000)  # exactly 2000: step 2
    assert E.step_of(5999, 3, steps) == (1, 0, 2000)


def test_running_hour_and_projection():
    h0 = utc_h(2026, 1, 5, 16)
    e, hours = collect()
    drive(e, h0, [4000, 3000, 2500])
    h = h0 + 3
    # the hour after: drive's last sample (0 W at xx:00), then 1800 W from xx:01 to xx:20
    for s in range(60, 1201, 60):
        e.power(h * 3600 + s, 1800, 0)
    r = e.running()
    assert r["hour"] == h and r["so_far_wh"] == 570 and r["covered_s"] == 1200
    assert r["projection_wh"] == 570 + 1800 * 2400 // 3600  # 1770 Wh
    # one day so far: 4000 is the day's max; avg of {4000} -> step 2; next 5000
    assert r["margin_wh"] == 5000 - 570
    assert r["month"] == "2026-01" and r["power_w"] == 1800
    # 10 minutes later without a sample: the last power held up to max_gap only
    assert e.running(h * 3600 + 1230)["so_far_wh"] == 585


def test_missed_list3_is_not_counted_twice():
    h0 = utc_h(2026, 1, 5, 10)
    e, hours = collect()
    # the meter counted 3 % more than lists 1/2 show; list 3 of hour 1 lost
    end = drive(e, h0, [1000, 2000, 3000], used=[1030, 2060, 3000], missed=(1,))
    assert hours == [(h0, 1030, 0, None, None, "estimated"), (h0 + 1, 2060, 0, None, None, "estimated"),
                     (h0 + 2, 3000, 0, None, None, "meter")]
    assert end - 5000000 == 1030 + 2060 + 3000
    assert e.month()["peaks"] == [(h0 + 2, 3000)]


def test_gap_across_midnight():
    # the dongle is off from 23:29 to 01:30 local (2026-01-05/06): the list 3
    # of 00:00 and 01:00 are lost
    h0 = utc_h(2026, 1, 5, 21)  # local 22:00
    e, hours = collect()
    drive(e, h0, [1000, 1200, 900, 800, 1000], missed=(2, 3),
          seen={1: (0, 1741), 2: None, 3: (1800, 3600)})
    assert hours == [(h0, 1000, 0, None, None, "meter"),
                     (h0 + 1, 1200, 0, None, None, "estimated"),
                     (h0 + 2, 900, 0, None, None, "missing"),
                     (h0 + 3, 800, 0, None, None, "estimated"),
                     (h0 + 4, 1000, 0, None, None, "meter")]
    d5 = e.month()["days"][0]
    d6 = e.month()["days"][1]
    assert (d5["day"], d5["import_wh"], d5["max_wh"]) == (5, 2200, 1200)
    # the missing 900 counts in the day but is not its peak
    assert (d6["day"], d6["import_wh"], d6["max_wh"], d6["max_hour"]) == (6, 2700, 1000, h0 + 4)


def test_power_cut_of_three_hours():
    h0 = utc_h(2026, 1, 12, 5)
    e, hours = collect()
    drive(e, h0, [1500, 1500, 0, 0, 0, 1000], missed=(2, 3, 4),
          seen={1: (0, 3541), 2: None, 3: None, 4: None})
    assert [(x[1], x[5]) for x in hours] == [(1500, "meter"), (1500, "estimated"), (0, "missing"),
                                           (0, "missing"), (0, "missing"), (1000, "meter")]
    assert e.counters["missing"] == 3 and e.counters["estimated"] == 1
    # the meter counted 1 % more than list 2 showed before the cut: those
    # 15 Wh are the integration's error (under 5 % of the seen hour per
    # unseen hour), not consumption during the cut
    e, hours = collect()
    drive(e, h0, [1500, 1500, 0, 0, 0, 1000], used=[1500, 1515, 0, 0, 0, 1000], missed=(2, 3, 4),
          seen={1: (0, 3541), 2: None, 3: None, 4: None})
    assert [(x[1], x[5]) for x in hours] == [(1500, "meter"), (1515, "estimated"), (0, "missing"),
                                           (0, "missing"), (0, "missing"), (1000, "meter")]


def test_dongle_off_for_hours_shares_the_rest():
    # meter on, dongle off from 10:30 to 14:00: 2 hours blind
    h0 = utc_h(2026, 1, 12, 9)
    e, hours = collect()
    drive(e, h0, [1000, 2000, 1500, 1700, 1200], missed=(2, 3), seen={1: (0, 1800), 2: None, 3: None})
    # hour 1 seen half: 2000 W -> 2000 Wh; blind hours share 1500 + 1700 = 3200
    assert [(x[1], x[5]) for x in hours] == [(1000, "meter"), (2000, "estimated"), (1600, "missing"),
                                           (1600, "missing"), (1200, "meter")]


def reading(time, regs):
    return Reading(Meter("Aidon", None, None, None), time,
                   [Register("", n, v, None, u) for n, v, u in regs])


def feed_hours(e, h_first, watts, reg, step=10):
    """Feed readings as an Aidon sends them: list 2 with no time (receive
    clock ``now``) every ``step`` s, a list 3 at xx:00:10 with the local clock."""
    for k in range(len(watts) + 1):
        h = h_first + k
        p = watts[k] if k < len(watts) else 0
        e.feed(reading(None, [("active_power_import", p, "W")]), h * 3600)
        e.feed(list3(h, p, reg), h * 3600 + 10)
        if k == len(watts):
            return
        for s in range(step, 3600, step):
            if s != 10:
                e.feed(reading(None, [("active_power_import", p, "W")]), h * 3600 + s)
        reg += watts[k]


def list3(h, p, reg):
    y, mo, d, hh, _off = E.local_hour(OSLO, h)
    clock = "%04d-%02d-%02dT%02d:00:00" % (y, mo, d, hh)
    return reading(clock, [("active_power_import", p, "W"), ("clock", clock, None),
                           ("active_energy_import", reg, "Wh"), ("active_energy_export", 0, "Wh")])


def test_spring_day_has_23_hours():
    h0 = utc_h(2026, 3, 28, 23)  # local 2026-03-29 00:00
    watts = [1000 + 10 * k for k in range(24)]
    e, hours = collect()
    feed_hours(e, h0 - 1, [500] + watts, 7000000, step=30)
    day = [x for x in hours if E.local_hour(OSLO, x[0])[:3] == (2026, 3, 29)]
    assert len(day) == 23
    assert [E.hour_iso(OSLO, x[0]) for x in day[1:3]] == ["2026-03-29T01:00:00+01:00",
                                                         "2026-03-29T03:00:00+02:00"]
    assert sum(x[1] for x in day) == 23 * 1000 + 10 * 253
    d = e.month(2026, 3)["days"]
    assert (d[-2]["day"], d[-2]["import_wh"], d[-2]["max_wh"]) == (29, 25530, 1220)
    assert [x[5] for x in hours] == ["meter"] * 25


def test_autumn_day_has_25_hours():
    h0 = utc_h(2026, 10, 24, 22)  # local 2026-10-25 00:00
    watts = [1000 + 10 * k for k in range(25)]
    e, hours = collect()
    feed_hours(e, h0 - 1, [500] + watts, 7000000, step=30)
    day = [x for x in hours if E.local_hour(OSLO, x[0])[:3] == (2026, 10, 25)]
    assert len(day) == 25 and [x[1] for x in day] == watts
    assert [E.hour_iso(OSLO, x[0]) for x in day[2:4]] == ["2026-10-25T02:00:00+02:00",
                                                         "2026-10-25T02:00:00+01:00"]
    d = [x for x in e.month(2026, 10)["days"] if x["day"] == 25][0]
    assert (d["import_wh"], d["max_wh"]) == (28000, 1240)
    assert e.counters["stale"] == 0 and e.counters["duplicate"] == 0


def test_restart_mid_hour_loses_and_doubles_nothing():
    h0 = utc_h(2026, 2, 3, 6)
    watts = [1100, 2300, 900, 1700]
    whole, hours_a = collect()
    feed_hours(whole, h0, watts, 9000000)
    # the dongle saves after the list 3 of 08:00 (its once-an-hour write),
    # crashes at 08:40 and is back at 08:45 with that state
    b, hours_b = collect()
    c, hours_c = collect()
    reg = 9000000
    for k in range(len(watts) + 1):
        h = h0 + k
        p = watts[k] if k < len(watts) else 0
        acct = c if k > 2 else b
        acct.feed(reading(None, [("active_power_import", p, "W")]), h * 3600)
        acct.feed(list3(h, p, reg), h * 3600 + 10)
        if k == 2:
            saved = json.dumps(b.state())
        if k == len(watts):
            break
        for s in range(20, 3600, 10):
            if k == 2 and s == 2700:
                c.restore(json.loads(saved))
            if k == 2 and s >= 2400:
                acct = c
                if s < 2700:
                    continue
            acct.feed(reading(None, [("active_power_import", p, "W")]), h * 3600 + s)
        reg += watts[k]
    got = hours_b + hours_c
    assert [x[0] for x in got] == [h0 + k for k in range(4)]
    assert got == hours_a and [x[1] for x in got] == watts
    assert c.month() == whole.month()
    r = c.running()
    assert r == whole.running()


def test_state_round_trip_mid_hour():
    h0 = utc_h(2026, 1, 20, 6)
    a, ha = collect()
    drive(a, h0, [1000, 2000, 3000])
    a.power((h0 + 3) * 3600 + 1800, 2400, 0)
    b, hb = collect()
    b.restore(json.loads(json.dumps(a.state())))
    assert b.running() == a.running() and b.month() == a.month()
    assert len(json.dumps(a.state())) < 1500
    mptest.assert_raises(ValueError, b.restore, [99])
    mptest.assert_raises(ValueError, b.restore, [1, None])


def test_month_rollover():
    h0 = utc_h(2026, 1, 31, 19)  # local 20:00 on 31 January
    watts = [2000, 2100, 2200, 2300, 100, 200, 300, 400]
    e, hours = collect()
    end = drive(e, h0, watts)
    jan = e.month(2026, 1)
    feb = e.month(2026, 2)
    assert jan["import_wh"] == 8600 and jan["peaks"] == [(h0 + 3, 2300)]
    assert feb["import_wh"] == 1000 and feb["peaks"] == [(h0 + 7, 400)]
    assert feb["step"] == (1, 0, 2000) and jan["step"] == (2, 2000, 5000)
    assert e.month()["month"] == "2026-02"
    # a third month pushes out the oldest (bounded memory)
    # the dongle was away for a month: those hours used nothing, say so (checked
    # one by one: a month of hours is not kept in the heap)
    gap = [0, 0]
    h3 = utc_h(2026, 3, 2, 10)

    def check(x):
        if x[0] < h3:
            gap[0] += 1
            gap[1] += x[1] != 0 or x[5] != "missing"

    e.on_hour = check
    drive(e, h3, [500, 600], reg0=end)
    assert e.month(2026, 1) is None and e.month(2026, 3)["import_wh"] == 1100
    assert gap == [h3 - (h0 + 8), 0]


def test_bad_and_odd_input_is_counted():
    e, hours = collect()
    e.feed(reading("not a time", [("active_power_import", 100, "W")]))
    e.feed(reading(None, [("active_power_import", 100, "W")]))
    assert e.counters["bad_time"] == 1 and e.counters["no_time"] == 1
    h = utc_h(2026, 1, 5, 10)
    e.registers(h, 1000)
    e.registers(h, 1000)
    e.registers(h - 1, 900)
    e.registers(h + 1, 500)  # register went backwards: a new meter
    assert e.counters["duplicate"] == 1 and e.counters["stale"] == 1 and e.counters["backwards"] == 1
    assert hours == []
    # an energy reading in the middle of an hour anchors nothing
    e.feed(reading("2026-01-05T12:30:00", [("active_energy_import", 2000000, "Wh")]))
    assert e.counters["off_hour"] == 1
    mptest.assert_raises(ValueError, E.Energy, OSLO, 0)
    mptest.assert_raises(ValueError, E.check_steps, [0, 5000, 2000])


def test_home_assistant_sensors():
    from protocols.mqtt import Messages

    msgs = Messages("dongle1")
    e, hours = collect()
    sensors = E.EnergySensors(msgs, e, feed=True)
    h0 = utc_h(2026, 1, 5, 16)
    configs = []
    states = []  # (count, the last one): the messages are not all kept (heap)
    feed_hours_to(sensors, configs, states, h0, [4000, 3000], 8000000)
    assert [m[0] for m in configs] == ["homeassistant/sensor/hanreader_6970631409168767/%s/config" % o for o in (
        "energy_this_hour", "energy_this_hour_projected", "capacity_average", "capacity_step", "capacity_margin")]
    c = json.loads(configs[0][1])
    assert (c["unique_id"], c["state_topic"], c["value_template"], c["device_class"], c["state_class"],
            c["unit_of_measurement"]) == ("hanreader_6970631409168767_energy_this_hour",
                                          "hanreader/meter/6970631409168767/energy", "{{ value_json.so_far_wh }}",
                                          "energy", "total_increasing", "Wh")
    assert c["device"]["identifiers"] == ["hanreader_6970631409168767"] and configs[0][2] is True
    # one state per 10 s of meter time at most: the pushes here are 10 s
    # apart (2 hours and 2 pushes), so each sends one
    assert states[0] == 2 * 360 + 2 and states[1][0] == "hanreader/meter/6970631409168767/energy"
    last = states[1][1]
    # the last state: the hour 18:00 local just began; both hours closed (day max 4000)
    assert last == ('{"hour": "2026-01-05T19:00:00+01:00", "so_far_wh": 0, "projection_wh": 0, '
                    '"capacity_wh": 4000, "step": 2, "step_from_wh": 2000, "step_to_wh": 5000, '
                    '"margin_wh": 5000, "month": "2026-01"}'), last
    assert json.loads(last)["margin_wh"] == 5000
    # announced again with the meter's own configs (reconnection, HA online)
    again = [m[0] for m in msgs.announce() if "/energy_" in m[0] or "/capacity_" in m[0]]
    assert again == [m[0] for m in configs]
    # 2 s later: not yet
    meter = Meter("Kaifa", "6970631409168767", "MA304H4", "KFM_001")
    more = list(sensors.reading(Reading(meter, "2026-01-05T19:00:12", [Register("", "active_power_import", 5, None,
                                                                                 "W")])))
    assert more == []


def feed_hours_to(sensors, configs, states, h_first, watts, reg):
    """Kaifa-like pushes with their own time (list 2 every 10 s, list 3 at xx:00:10)."""
    meter = Meter("Kaifa", "6970631409168767", "MA304H4", "KFM_001")
    for k in range(len(watts) + 1):
        h = h_first + k
        y, mo, d, hh, _off = E.local_hour(OSLO, h)
        p = watts[k] if k < len(watts) else 0
        for s in range(0, 3600, 10):
            when = "%04d-%02d-%02dT%02d:%02d:%02d" % (y, mo, d, hh, s // 60, s % 60)
            regs = [Register("", "active_power_import", p, None, "W")]
            if s == 10:
                clock = "%04d-%02d-%02dT%02d:00:00" % (y, mo, d, hh)
                regs += [Register("", "clock", clock, None, None),
                         Register("", "active_energy_import", reg, None, "Wh")]
            for m in sensors.reading(Reading(meter, when, regs)):
                if m[0].endswith("/config"):
                    configs.append(m)
                else:
                    n = states[0] + 1 if states else 1
                    states[:] = [n, m]
            if k == len(watts) and s >= 10:
                return
        reg += watts[k]


if __name__ == "__main__":
    mptest.main(globals())
