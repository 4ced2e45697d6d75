# tests/test_energy.py: protocols/energy.py on CPython: properties (hypothesis) and the
# EU rule against zoneinfo. The hand-computed months are in tests/mp/test_energy_mp.py,
# which runs here too (tests/test_micropython.py, "cpython") and inside MicroPython.
import datetime
import json
import sys
import zoneinfo
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import energy as E

sys.path.insert(0, str(Path(__file__).parent / "mp"))
import test_energy_mp as M  # noqa: E402  (the driver shared with the MicroPython tests)

OSLO = E.zone("Europe/Oslo")


@pytest.mark.parametrize("name", ["Europe/Oslo", "Europe/Helsinki", "Europe/London", "Europe/Lisbon"])
@settings(max_examples=300, deadline=None)
@given(t=st.integers(min_value=E.seconds(1997, 1, 1), max_value=E.seconds(2099, 12, 31)))
def test_eu_rule_agrees_with_zoneinfo(name, t):
    zi = zoneinfo.ZoneInfo(name)
    want = int(datetime.datetime.fromtimestamp(t, zi).utcoffset().total_seconds())
    assert E.zone(name).utcoffset(t) == want
    u = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    assert E.civil_from_days(t // 86400) == (u.year, u.month, u.day)
    assert E.seconds(u.year, u.month, u.day, u.hour, u.minute, u.second) == t


def test_transitions_of_2026_by_hand():
    # last Sundays: 29 March and 25 October 2026, at 01:00 UTC
    assert E.days_from_civil(2026, 3, 29) == E._last_sunday(2026, 3)
    assert E.days_from_civil(2026, 10, 25) == E._last_sunday(2026, 10)


hour_plan = st.tuples(
    st.integers(min_value=0, max_value=9000),  # W the dongle sees
    st.integers(min_value=0, max_value=9000),  # Wh the meter counts
    st.booleans(),  # list 3 at the start of the hour lost
    st.sampled_from(["all", "none", "first half", "second half"]),
)


@settings(max_examples=150, deadline=None)
@given(plan=st.lists(hour_plan, min_size=1, max_size=40), start=st.integers(min_value=0, max_value=24 * 400))
def test_hours_sum_to_the_register_difference(plan, start):
    """Whatever is lost, the hours between two list-3 values sum to their
    difference, each hour is given once, in order, and none is negative."""
    h0 = E.seconds(2026, 1, 1) // 3600 + start
    watts = [p[0] for p in plan]
    used = [p[1] for p in plan]
    missed = tuple(k for k, p in enumerate(plan) if p[2] and k > 0)
    spans = {"all": (0, 3600), "none": None, "first half": (0, 1800), "second half": (1800, 3600)}
    seen = {k: spans[p[3]] for k, p in enumerate(plan) if k > 0}
    # a list 3 needs the dongle at xx:00:10
    missed = tuple(set(missed) | {k for k, s in seen.items() if s is None or s[0] != 0})
    hours = []
    e = E.Energy(OSLO, on_hour=hours.append)
    end = M.drive(e, h0, watts, used=used, missed=missed, seen=seen)
    assert [x[0] for x in hours] == list(range(h0, h0 + len(plan)))
    assert sum(x[1] for x in hours) == end - 5000000 == sum(used)
    assert all(x[1] >= 0 for x in hours)
    # between consecutive anchors: the exact register difference
    anchors = [0] + [k for k in range(1, len(plan)) if k not in missed] + [len(plan)]
    for a, b in zip(anchors, anchors[1:]):
        assert sum(x[1] for x in hours[a:b]) == sum(used[a:b])
        srcs = {x[5] for x in hours[a:b]}
        assert srcs == {"meter"} if b - a == 1 else "meter" not in srcs
    # a snapshot taken at the end is JSON and restores to the same figures
    f = E.Energy(OSLO)
    f.restore(json.loads(json.dumps(e.state())))
    assert f.month() == e.month()


@settings(max_examples=100, deadline=None)
@given(days=st.lists(st.integers(min_value=0, max_value=60000), min_size=0, max_size=30),
       day_max=st.integers(min_value=0, max_value=60000), so_far=st.integers(min_value=0, max_value=60000),
       top=st.integers(min_value=1, max_value=5))
def test_margin_is_the_exact_room_to_the_next_step(days, day_max, so_far, top):
    """Using the margin keeps the step; one Wh more reaches the next step."""
    steps = E.DEFAULT_STEPS

    def step_with(x):
        vals = sorted(days + [max(day_max, x)], reverse=True)[:top]
        return E.step_of(sum(vals), len(vals), steps)[0]

    m = E.margin(days, day_max, so_far, top, steps)
    now = step_with(so_far)
    if m is None:
        assert now == len(steps)
        return
    if m == 0:
        assert step_with(so_far) >= now
    else:
        assert step_with(so_far + m - 1) == now
        assert step_with(so_far + m) == now + 1


class _NoHourKept(E.Energy):
    """Energy integrating as first written: every sample's hour and the
    anchor's floor worked out from the seconds."""

    def _integrate(self, q, t0, t1, p, dt=None):
        floor = self.anchor[0] * 3600 if self.anchor is not None else None
        while t0 < t1:
            h = t0 // 3600
            end = (h + 1) * 3600
            if end > t1:
                end = t1
            if floor is None or t0 >= floor:
                rec = self.pending.get(h)
                if rec is None:
                    rec = [0, 0, 0, 0, 0]
                    self.pending[h] = rec
                    self._trim()
                rec[q] += p * (end - t0)
                if q == 0:
                    rec[4] += end - t0
            t0 = end


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(st.tuples(st.one_of(st.integers(min_value=-30, max_value=90), st.just(3550)),
                                st.integers(min_value=0, max_value=12000),
                                st.integers(min_value=-1, max_value=2), st.booleans()), min_size=1, max_size=80))
def test_the_hour_kept_between_samples_changes_nothing(steps):
    """Energy keeps the hour it last integrated in (no big-integer hour
    arithmetic per sample on the dongle): with samples back and forth, gaps
    beyond max_gap, across hours and list-3 anchors, every figure equals the
    accounting that works the hour out each time."""
    t = E.seconds(2026, 3, 29, 0, 59, 0)  # summer time starts at 01:00 UTC
    a, b = E.Energy(OSLO), _NoHourKept(OSLO)
    reg = 1000000
    for gap, w, q, anchor in steps:
        t += gap
        reg += w // 10
        for e in (a, b):
            e.power(t, w, None if q < 0 else w // 3, None if q < 1 else w // 5, None if q < 2 else 7)
            if anchor:
                e.registers((t + 1800) // 3600, reg, 10, 20, 30)  # the nearest hour, as feed() takes it
        assert a.running() == b.running() and a.pending == b.pending
    assert a.state() == b.state() and a.month() == b.month() and a.running() == b.running()


def _margin_by_sorting(others, day_max, so_far, top, steps):
    """The margin as first written (every list sorted and copied): the
    reference the dongle's allocation-free version must equal."""
    best = sorted(others, reverse=True)
    x = day_max if day_max > so_far else so_far
    cur = sorted(best + [x], reverse=True)[:top]
    k = len(cur)
    nxt = E.step_of(sum(cur), k, steps)[2]
    if nxt is None:
        return None
    m = k * nxt - sum(best[: k - 1]) - so_far
    return m if m > 0 else 0


@settings(max_examples=300, deadline=None)
@given(days=st.lists(st.integers(min_value=0, max_value=120000), min_size=0, max_size=31),
       day_max=st.integers(min_value=0, max_value=120000), so_far=st.integers(min_value=0, max_value=120000),
       top=st.integers(min_value=1, max_value=6), small=st.booleans())
def test_margin_equals_the_sorting_version(days, day_max, so_far, top, small):
    steps = (0, 100, 200, 300) if small else E.DEFAULT_STEPS
    assert E.margin(days, day_max, so_far, top, steps) == _margin_by_sorting(days, day_max, so_far, top, steps)


@settings(max_examples=60, deadline=None)
@given(hours=st.lists(st.tuples(st.integers(min_value=0, max_value=24 * 70), st.integers(min_value=0, max_value=9000),
                                st.sampled_from([E.METER, E.ESTIMATED, E.MISSING])), min_size=1, max_size=60),
       top=st.integers(min_value=1, max_value=4), restore=st.booleans())
def test_running_margin_kept_between_bookings_equals_margin_from_the_month(hours, top, restore):
    """running() keeps the other days' largest maxima until an hour is
    booked (or the day changes, or a state is restored): after every
    booking, for an hour in progress on any day, its margin is margin() of
    the month's days as they stand."""
    h0 = E.seconds(2026, 1, 1) // 3600
    e = E.Energy(OSLO, top=top)
    e.power((h0 + 24 * 80) * 3600, 1800)

    def check(probe):
        e.last[0] = [probe * 3600 + 600, 1800]
        got = e.running()
        y, m, d = E.local_hour(OSLO, probe)[:3]
        rec = e._month_rec(y, m, False)
        others, day_max = [], 0
        for day, v in (rec[7].items() if rec is not None else ()):
            if day == d:
                day_max = v[0] if v[0] > 0 else 0
            elif v[0] >= 0:
                others.append(v[0])
        assert got["margin_wh"] == _margin_by_sorting(others, day_max, got["so_far_wh"], top, e.steps)
        assert got["hour"] == probe and got["month"] == "%04d-%02d" % (y, m)

    fixed = h0 + 24 * 3 + 5
    for k, (dh, wh, src) in enumerate(hours):
        before = json.loads(json.dumps(e.state()))
        check(fixed)  # asked before the booking ...
        e.book((h0 + dh, wh, 0, None, None, src))
        check(fixed)  # ... and after it: not what was kept before
        check(h0 + dh)
        if restore and k % 3 == 1:
            e.restore(before)  # back to the month before this booking: nothing kept from after it
            check(fixed)
            check(h0 + dh)
            e.book((h0 + dh, wh, 0, None, None, src))


def test_receive_time_carried_by_the_reading():
    """A reading without a meter time but with received_at (hostlib sets it) is integrated on it."""
    from protocols.reading import Meter, Reading, Register

    e = E.Energy(OSLO)
    t0 = E.seconds(2026, 1, 5, 10)
    for s in range(0, 601, 10):
        r = Reading(Meter("Aidon"), None, [Register("", "active_power_import", 3600, None, "W")],
                    received_at=float(t0 + s))
        e.feed(r)
    run = e.running()
    assert run["hour"] == t0 // 3600 and run["so_far_wh"] == 600 and run["covered_s"] == 600


@pytest.mark.parametrize("name", ["Europe/Oslo", "Australia/Lord_Howe", "America/St_Johns"])
def test_the_hour_cache_of_meter_times_agrees_with_to_utc(name):
    """Energy._utc keeps each local hour's UTC start (the dongle allocates
    less per reading); across daylight-saving days, also of zones that move
    by 30 minutes (Lord Howe) or at odd offsets, every time a meter sends
    converts as ``to_utc`` converts it, with the autumn hint, in order."""
    from hostlib.energy import host_zone

    zone = host_zone(name)
    zi = zoneinfo.ZoneInfo(name)
    for year, month, day in ((2026, 3, 28), (2026, 10, 24), (2026, 4, 4), (2026, 10, 3), (2026, 3, 7),
                             (2026, 10, 31)):
        e = E.Energy(zone)
        t0 = int(datetime.datetime(year, month, day, tzinfo=datetime.timezone.utc).timestamp())
        hint = None
        for t in range(t0, t0 + 3 * 86400, 170):  # every 170 s for three days
            text = datetime.datetime.fromtimestamp(t, zi).strftime("%Y-%m-%dT%H:%M:%S")
            want = E.to_utc(text, zone, hint)[0]
            got = e._utc(text)
            assert got == want, (name, text)
            e.last_t = hint = got


def test_the_energy_clock_reads_every_capture_time_as_reading_time_does():
    """Issue 17 item 2: one meter clock, one reading of it. Every header time
    of every capture (DLMS, P1, ciphered) gives the same UTC instant through
    ``Reading.time`` and through ``protocols.energy`` (Europe/Oslo, the zone
    of the CET/CEST rule ``Reading.time`` applies to a time without offset).
    The Kaifa SE frame from Gurux (tests/captures/kaifa/README.md) says
    ``2023-10-20T18:58:15`` with deviation -60 and the summer-time bit clear
    in October: Swedish standard time (EIFS 2016:2), 17:58:15 UTC for both;
    the energy module used to read it as Oslo summer time, 16:58:15 UTC."""
    from capture_data import CAPTURES, expected, folders, read_hex
    from protocols.decoder import decode_frame
    from protocols.reading import Meter, Reading

    r = decode_frame(read_hex(Path(CAPTURES) / "kaifa" / "gurux-ma304h4pse.hex"))
    want = datetime.datetime(2023, 10, 20, 17, 58, 15, tzinfo=datetime.timezone.utc)
    assert r.time == want and r.time_text == "2023-10-20T18:58:15+01:00"
    assert E.to_utc(r.time_text, E.zone("Europe/Stockholm")) == (int(want.timestamp()), True)

    texts = set()
    for folder in folders():
        for exp in expected(folder).values():
            if isinstance(exp, dict) and isinstance(exp.get("time"), str):
                texts.add(exp["time"])
    assert len(texts) > 80
    offsets = 0
    for text in sorted(texts):
        t = Reading(Meter("Kaifa"), text, []).time
        assert t.tzinfo is not None
        assert E.to_utc(text, OSLO)[0] == int(t.timestamp()), text
        offsets += text[-6] in "+-"
    assert offsets > 40  # times with an offset (Austria, Slovenia, P1, Kaifa SE) and without (Norway)
