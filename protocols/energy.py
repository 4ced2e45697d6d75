# protocols/energy.py: hourly energy, days and months in local time, the capacity tariff.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Energy accounting shared by the host and the dongle (sans-IO, bounded memory).

    from protocols.energy import Energy
    acct = Energy(on_hour=print)              # zone Europe/Oslo, top 3, Norwegian steps
    for reading in readings:
        acct.feed(reading, now=received_utc)  # now: seconds since 1970 UTC, or None
    print(acct.running())                     # the hour in progress, projection, margin
    print(acct.month())                       # the month's peaks, capacity and step

Everything is integer arithmetic on UTC seconds since 1970 (``t``) and UTC
hour numbers (``h = t // 3600``), so the device (32-bit, single-precision
floats) and the host give the same numbers. docs/energy.md explains the
rules; in short:

* an hour's energy is the difference of two consecutive hourly register
  values (list 3, or Kamstrup's hourly list): source ``meter``;
* when list-3 values are missing, the span between two of them gets the
  register difference, shared out in proportion to the power integrated
  from lists 1/2 in each hour (``estimated``); hours with no power sample
  at all share what the integration does not explain (``missing``); the
  span always sums to the register difference, and no hour is given twice;
* days and months are local (``zone``); the month's capacity is the average
  of the top ``top`` daily maximum hours (each on a different day);
  ``missing`` hours count in the totals but are never a peak.

Clocks: the hour boundaries and registers come from the meter's clock (the
list-3 clock register); power is integrated on the meter's push time when
the push carries one (Kaifa, Kamstrup), else on the receive time ``now``
(Aidon lists 1/2). A time with a UTC offset is taken as sent, as
``Reading.time`` takes it (Kaifa SE's ``+01:00`` in summer is Swedish
standard time, which Swedish meters keep all year: EIFS 2016:2); a time
without an offset is local time in ``zone``, the repeated autumn hour told
apart by the previous reading.
"""

# Names for the type hints, for type checkers only: MicroPython compiles this
# block away and ignores annotations. Before the first import, so that no
# function's bytecode changes (tools/fw-mem).
if False:
    from typing import Any, Callable, Iterable, Sequence  # noqa: F401

    from .mqtt import Messages  # noqa: F401
    from .reading import Reading  # noqa: F401

# -- civil time, integers only ---------------------------------------------------


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date."""
    if m <= 2:
        y -= 1
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = m + 9 if m <= 2 else m - 3
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z: int) -> "tuple[int, int, int]":
    """(year, month, day) of a day number since 1970-01-01."""
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    if m <= 2:
        y += 1
    return y, m, d


def seconds(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> int:
    """Seconds since 1970 of a civil date-time (no zone: UTC or local)."""
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s


def _last_sunday(y, m):
    """Day number of the last Sunday of month m (March or October)."""
    last = days_from_civil(y, m, 31)
    # 1970-01-01 was a Thursday: weekday (Mon=0) = (days + 3) % 7.
    return last - (last + 3 - 6) % 7


class EUZone:
    """A European zone: standard offset ``std`` seconds, summer time (+1 h)
    from the last Sunday of March to the last Sunday of October, both at
    01:00 UTC (EU directive 2000/84/EC), or no summer time (``dst=False``)."""

    def __init__(self, name: str, std: int, dst: bool = True) -> None:
        self.name = name
        self.std = std
        self.dst = dst

    def utcoffset(self, t: int) -> int:
        """Seconds to add to UTC ``t`` for local time."""
        if not self.dst:
            return self.std
        y = civil_from_days(t // 86400)[0]
        start = _last_sunday(y, 3) * 86400 + 3600
        end = _last_sunday(y, 10) * 86400 + 3600
        if start <= t < end:
            return self.std + 3600
        return self.std

    def __repr__(self):
        return "EUZone(%r)" % self.name


# The zones the device knows by name (the host may pass any zoneinfo zone).
_EU_ZONES = (
    ("Europe/London", 0), ("Europe/Dublin", 0), ("Europe/Lisbon", 0), ("UTC", None), ("Etc/UTC", None),
    ("Europe/Oslo", 3600), ("Europe/Stockholm", 3600), ("Europe/Copenhagen", 3600),
    ("Europe/Berlin", 3600), ("Europe/Amsterdam", 3600), ("Europe/Brussels", 3600),
    ("Europe/Luxembourg", 3600), ("Europe/Paris", 3600), ("Europe/Zurich", 3600),
    ("Europe/Vienna", 3600), ("Europe/Ljubljana", 3600), ("Europe/Zagreb", 3600),
    ("Europe/Prague", 3600), ("Europe/Bratislava", 3600), ("Europe/Budapest", 3600),
    ("Europe/Warsaw", 3600), ("Europe/Rome", 3600), ("Europe/Madrid", 3600),
    ("Europe/Belgrade", 3600), ("Europe/Helsinki", 7200), ("Europe/Tallinn", 7200),
    ("Europe/Riga", 7200), ("Europe/Vilnius", 7200), ("Europe/Athens", 7200),
    ("Europe/Sofia", 7200), ("Europe/Bucharest", 7200),
)


def zone(name: str) -> EUZone:
    """The EUZone called ``name`` (e.g. ``Europe/Oslo``); ValueError if unknown."""
    for n, std in _EU_ZONES:
        if n == name:
            if std is None:
                return EUZone(n, 0, False)
            return EUZone(n, std)
    raise ValueError("zone: expected one of %s, found %r" % (", ".join(n for n, _ in _EU_ZONES), name))


def local_candidates(zone_: "Any", local: int) -> "list[int]":
    """UTC seconds whose local time in ``zone_`` is ``local``: 1, 2 (the
    repeated autumn hour, earlier first) or 0 (the skipped spring hour).
    Needs only ``zone_.utcoffset``, so any zone object works."""
    out = []
    # Offsets change at most twice a year: the ones a day before and a day
    # after are the only two that can apply.
    for off in (zone_.utcoffset(local - 86400), zone_.utcoffset(local + 86400)):
        u = local - off
        if zone_.utcoffset(u) == off and u not in out:
            out.append(u)
    if len(out) == 2 and out[0] > out[1]:
        out = [out[1], out[0]]
    return out


def parse_iso(text: str) -> "tuple[int, int | None]":
    """(local seconds, offset seconds or None) of ``YYYY-MM-DDTHH:MM:SS[.f][Z|+HH:MM]``.

    ValueError on anything else."""
    if type(text) is not str or len(text) < 19 or text[4] != "-" or text[7] != "-" or \
            text[10] not in "T " or text[13] != ":" or text[16] != ":":
        raise ValueError("time: expected YYYY-MM-DDTHH:MM:SS, found %r" % (text,))
    try:
        y, mo, d = int(text[0:4]), int(text[5:7]), int(text[8:10])
        h, mi, s = int(text[11:13]), int(text[14:16]), int(text[17:19])
    except ValueError:
        raise ValueError("time: expected YYYY-MM-DDTHH:MM:SS, found %r" % (text,))
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h <= 23 and mi <= 59 and s <= 59):
        raise ValueError("time: out of range: %r" % (text,))
    rest = text[19:]
    if rest[:1] == ".":
        k = 1
        while k < len(rest) and "0" <= rest[k] <= "9":
            k += 1
        rest = rest[k:]
    off = None
    if rest == "Z":
        off = 0
    elif rest:
        if len(rest) not in (5, 6) or rest[0] not in "+-":
            raise ValueError("time: bad UTC offset in %r" % (text,))
        try:
            oh = int(rest[1:3])
            om = int(rest[-2:])
        except ValueError:
            raise ValueError("time: bad UTC offset in %r" % (text,))
        off = (oh * 3600 + om * 60) * (-1 if rest[0] == "-" else 1)
    return seconds(y, mo, d, h, mi, s), off


def to_utc(text: str, zone_: "Any", hint: "int | None" = None) -> "tuple[int, bool]":
    """UTC seconds of a meter's time text, by the rules of the module doc.

    ``hint``: the UTC time of the previous reading, to pick the right one of
    the two autumn hours that have the same local time. Returns
    (utc, True if the text carried its UTC offset)."""
    local, off = parse_iso(text)
    if off is not None:
        return local - off, True
    c = local_candidates(zone_, local)
    if not c:  # a skipped spring hour: read it as the time before the change
        return local - zone_.utcoffset(local - 86400), False
    if len(c) == 2 and hint is not None and c[0] < hint - 1800:
        return c[1], False
    return c[0], False


def local_hour(zone_: "Any", h: int) -> "tuple[int, int, int, int, int]":
    """(year, month, day, hour, offset seconds) of UTC hour number ``h``."""
    t = h * 3600
    off = zone_.utcoffset(t)
    lt = t + off
    y, m, d = civil_from_days(lt // 86400)
    return y, m, d, (lt % 86400) // 3600, off


def hour_iso(zone_: "Any", h: int) -> str:
    """``2026-01-05T17:00:00+01:00``: the local start of UTC hour ``h``."""
    y, m, d, hh, off = local_hour(zone_, h)
    sign = "+" if off >= 0 else "-"
    a = off if off >= 0 else -off
    return "%04d-%02d-%02dT%02d:00:00%s%02d:%02d" % (y, m, d, hh, sign, a // 3600, (a % 3600) // 60)


# -- the capacity tariff ------------------------------------------------------------------

# Lower bounds of the steps, Wh per hour: 0-2, 2-5, 5-10, 10-15, 15-20, 20-25,
# 25-50, 50-75, 75-100 and 100+ kWh/h, the table most Norwegian grid
# companies adopted in 2022 (e.g. Hallingdal Energinett (hsev.no, "Tariffer
# privatpersoner 01.08.2022"); Lysna (lysna.no) and Elvia use the first six
# the same way). docs/energy.md names the sources.
DEFAULT_STEPS = (0, 2000, 5000, 10000, 15000, 20000, 25000, 50000, 75000, 100000)


def check_steps(steps: "Iterable[int]") -> "tuple[int, ...]":
    """A step table as a tuple of int Wh lower bounds; ValueError if not one."""
    out = []  # type: list[int]
    for s in steps:
        if type(s) is not int or s < 0:
            raise ValueError("steps: expected whole Wh >= 0, found %r" % (s,))
        if out and s <= out[-1]:
            raise ValueError("steps: expected increasing thresholds, found %d after %d" % (s, out[-1]))
        out.append(s)
    if not out or out[0] != 0:
        raise ValueError("steps: the first step must start at 0 Wh, found %r" % (out[:1],))
    return tuple(out)


def top_days(days: "Iterable[tuple[int, int]]", top: int) -> "list[tuple[int, int]]":
    """The ``top`` largest daily maxima, each on its own day (``days``: a list
    of (wh, h) per day), largest first, the earlier hour first on a tie."""
    best = sorted(days, key=lambda x: (-x[0], x[1]))
    return best[:top]


def step_of(total: int, k: int, steps: "Sequence[int]") -> "tuple[int, int, int | None]":
    """(index from 1, from_wh, to_wh or None) of the average ``total / k``."""
    i = 0
    for n in range(len(steps)):
        if total >= k * steps[n]:  # average >= threshold, exactly
            i = n
    nxt = steps[i + 1] if i + 1 < len(steps) else None
    return i + 1, steps[i], nxt


def average(total: int, k: int) -> int:
    """``total / k`` rounded half up to a whole Wh (0 when k is 0)."""
    return (2 * total + k) // (2 * k) if k else 0


def margin(others: "Iterable[int]", day_max: int, so_far: int, top: int, steps: "Sequence[int]") -> "int | None":
    """Wh the running hour may still use before the month's average reaches
    the next step (None on the top step).

    ``others``: the daily maxima (Wh) of the month's other days; ``day_max``:
    the largest closed hour of the running hour's day (0 if none);
    ``so_far``: the running hour's energy so far."""
    return _margin_tops(sorted(others, reverse=True)[:top], day_max, so_far, top, steps)


def _margin_tops(tops, day_max, so_far, top, steps):
    """``margin`` with ``tops``: the other days' ``top`` largest maxima,
    largest first (the only ones its sums look at: the average is of the
    ``top`` largest days, the running hour's day among them), without
    sorting or copying a list (running() asks at every reading). With the
    running hour among the top k, the average reaches the next step when
    the hour reaches k times it minus the other k - 1 largest days."""
    x = day_max if day_max > so_far else so_far
    n = len(tops)
    s = 0
    for v in tops:
        s += v
    if n < top:  # every day is in the average, and the running hour's day too
        k = n + 1
        total = s + x
        rest = s
    else:
        k = top
        low = tops[n - 1]
        total = s + x - (x if x < low else low)
        rest = s - low
    _idx, _lo, nxt = step_of(total, k, steps)
    if nxt is None:
        return None
    m = k * nxt - rest - so_far
    return m if m > 0 else 0


# -- the accounting ----------------------------------------------------------------

_POWER = ("active_power_import", "active_power_export", "reactive_power_import", "reactive_power_export")
_ENERGY = ("active_energy_import", "active_energy_export", "reactive_energy_import", "reactive_energy_export")
# Readings carry the schema's canonical units (W, var, Wh, varh: P1 too,
# protocols/p1.canonical), so no unit is converted here.
_UNITS = ("W", "var", "Wh", "varh")

METER, ESTIMATED, MISSING = "meter", "estimated", "missing"

ANCHOR_TOLERANCE = 60  # s: an energy reading this close to a full hour anchors it
STATE_VERSION = 1


def _value(reading, name):
    """A register's value in W/Wh (var/varh) as an int, or None."""
    for r in reading.registers:
        if r.name == name:
            v = r.value
            if type(v) is not int and type(v) is not float:
                return None
            if r.unit not in _UNITS:
                return None
            return int(round(v)) if type(v) is float else v
    return None


def _clock(reading):
    for r in reading.registers:
        if r.name == "clock" and type(r.value) is str:
            return r.value
    return None


class Energy:
    """Hourly energy from readings, and the month's capacity figures.

    ``zone``: an object with ``utcoffset(t)`` (EUZone, or the host's
    zoneinfo wrapper; default Europe/Oslo); ``top``: hours in the capacity
    average; ``steps``: Wh lower bounds of the tariff steps; ``on_hour``:
    called with each finished hour ``(h, import_wh, export_wh,
    reactive_import, reactive_export, source)`` (h: UTC hour number; a
    quantity the meter does not send is None), once per hour, in order.
    ``max_gap``: seconds between power samples beyond which nothing is
    integrated; ``max_pending``: hours of integration kept while list-3
    values are missing (older hours become ``missing``).
    """

    def __init__(self, zone_: "Any" = None, top: int = 3, steps: "Iterable[int]" = DEFAULT_STEPS,
                 on_hour: "Callable[[tuple[int, int | None, int | None, int | None, int | None, str]], Any] | None" = None, max_gap: int = 60,
                 max_pending: int = 48, months_kept: int = 2) -> None:
        self.zone = zone_ if zone_ is not None else zone("Europe/Oslo")
        if type(top) is not int or top < 1:
            raise ValueError("top: expected a whole number >= 1, found %r" % (top,))
        self.top = top
        self.steps = check_steps(steps)
        self.on_hour = on_hour
        self.max_gap = max_gap
        self.max_pending = max_pending
        self.months_kept = months_kept
        self.anchor = None  # type: list[Any] | None  # [h, e0, e1, e2, e3]: registers at the start of hour h
        self.pending = {}  # type: dict[int, list[int]]  # h -> [J0, J1, J2, J3, covered seconds]
        self.last = [None, None, None, None]  # type: list[list[int] | None]  # per quantity: [t, W]
        self.last_t = None  # type: int | None  # UTC time of the last reading (the autumn-hour hint)
        self.months = []  # type: list[list[Any]]  # [[y, m, imp, exp, n_meter, n_est, n_missing, {day: [max, h, imp, exp]}]]
        self.counters = {"readings": 0, "hours": 0, "estimated": 0, "missing": 0, "duplicate": 0,
                         "stale": 0, "backwards": 0, "out_of_order": 0, "no_time": 0,
                         "off_hour": 0, "bad_time": 0}
        self._hour_utc = None  # type: tuple[str, int] | None  # (local "YYYY-MM-DDTHH:", UTC of its start): _utc's fast path
        self._lh = None  # type: tuple[int, tuple[int, int, int, int, int]] | None  # (h, local_hour(zone, h)) last asked
        self._hr = None  # type: tuple[int, int, int] | None  # (h, its UTC start, end): the hour last integrated in (32-bit: no big-int sums)
        self._booked = 0  # bumped by book() and restore(): the month figures changed
        self._tops = None  # type: list[Any] | None  # [booked, y, m, d, other days' top maxima, day's max]: running()'s

    # -- input -----------------------------------------------------------------
    def feed(self, reading: "Reading", now: "float | None" = None) -> None:
        """Account one Reading; ``now``: its receive time (UTC seconds) or None."""
        c = self.counters
        c["readings"] += 1
        t = None
        clock = _clock(reading)
        bad = False
        if reading.time_text is not None and reading.time_text != clock:
            t = self._utc(reading.time_text)
            bad = t is None
        if now is None:
            # the receive time the reading carries (hostlib from a recording or a port)
            rt = getattr(reading, "received_text", None)
            if rt is not None:
                try:
                    local, off = parse_iso(rt)
                    now = local - (off or 0)
                except ValueError:
                    self.counters["bad_time"] += 1
        if t is None and now is not None:
            t = int(now + 0.5) if type(now) is float else now
        e0 = _value(reading, _ENERGY[0])
        if t is not None:
            p0 = _value(reading, _POWER[0])
            p1 = _value(reading, _POWER[1])
            if p0 is not None or p1 is not None:
                self.power(t, p0, p1, _value(reading, _POWER[2]), _value(reading, _POWER[3]))
            self.last_t = t
        elif e0 is None and not bad:
            c["no_time"] += 1
        if e0 is not None:
            at = clock if clock is not None else reading.time_text
            u = self._utc(at) if at is not None else t
            if u is None:
                c["no_time"] += 1
                return
            h = (u + 1800) // 3600
            if u - h * 3600 > ANCHOR_TOLERANCE or h * 3600 - u > ANCHOR_TOLERANCE:
                c["off_hour"] += 1
                return
            if self.last_t is None or u > self.last_t:
                self.last_t = u
            self.registers(h, e0, _value(reading, _ENERGY[1]), _value(reading, _ENERGY[2]),
                           _value(reading, _ENERGY[3]))

    def _utc(self, text):
        # Fast path (on the dongle about 1.2 KB less allocated per reading):
        # a time without offset in the same local hour as the last one
        # converted, at a time with no offset change within a day, is that
        # hour's UTC start plus its minutes and seconds.
        c = self._hour_utc
        if c is not None and type(text) is str and len(text) == 19 and text.startswith(c[0]) and text[16] == ":":
            # minutes and seconds digit by digit: no slices (each one a
            # string on the heap of the dongle)
            a, b, d, e = ord(text[14]) - 48, ord(text[15]) - 48, ord(text[17]) - 48, ord(text[18]) - 48
            if 0 <= a <= 5 and 0 <= b <= 9 and 0 <= d <= 5 and 0 <= e <= 9:
                return c[1] + ((a * 10 + b) * 60 + d * 10 + e)
        try:
            u = to_utc(text, self.zone, self.last_t)[0]
        except ValueError:
            self.counters["bad_time"] += 1
            return None
        if len(text) == 19:
            z = self.zone
            off = z.utcoffset(u)
            local = u + off
            if z.utcoffset(local - 86400) == off and z.utcoffset(local + 86400) == off:
                self._hour_utc = (text[:14], u - int(text[14:16]) * 60 - int(text[17:19]))
        return u

    def _local_hour(self, h):
        """local_hour(zone, h), the last one kept (running() asks every reading)."""
        c = self._lh
        if c is None or c[0] != h:
            c = self._lh = (h, local_hour(self.zone, h))
        return c[1]

    def power(self, t: int, p_imp: "int | None", p_exp: "int | None" = None, q_imp: "int | None" = None, q_exp: "int | None" = None) -> None:
        """A power sample (W, var) at UTC second ``t``: integrate since the last."""
        lt = None  # the quantities' last times are usually one: t - lt once
        dt = 0
        for q in range(4):
            p = p_imp if q == 0 else (p_exp if q == 1 else (q_imp if q == 2 else q_exp))
            if p is None:
                continue
            last = self.last[q]
            if last is not None:
                if lt is None or last[0] != lt:
                    lt = last[0]
                    dt = t - lt
                if dt <= 0:
                    if q == 0:
                        self.counters["out_of_order"] += 1
                    continue
                if dt <= self.max_gap:
                    self._integrate(q, lt, t, last[1], dt)
                last[0] = t
                last[1] = p
            else:
                self.last[q] = [t, p]

    def _integrate(self, q, t0, t1, p, dt=None):
        # The hour is kept between samples (h, its UTC start and end): on 32
        # bits each sum on UTC seconds makes a big integer, and a sample
        # nearly always falls in the hour of the one before.
        a = self.anchor
        while t0 < t1:
            hr = self._hr
            if hr is None or t0 < hr[1] or t0 >= hr[2]:
                h = t0 // 3600
                hr = self._hr = (h, h * 3600, (h + 1) * 3600)
            h = hr[0]
            end = hr[2] if hr[2] < t1 else t1
            if a is None or h >= a[0]:  # not before the anchor's hour
                rec = self.pending.get(h)
                if rec is None:
                    rec = [0, 0, 0, 0, 0]
                    self.pending[h] = rec
                    self._trim()
                d = dt if dt is not None and end == t1 else end - t0  # dt: the whole span's, if given
                rec[q] += p * d
                if q == 0:
                    rec[4] += d
            t0 = end
            dt = None

    def _trim(self):
        while len(self.pending) > self.max_pending:
            del self.pending[min(self.pending)]

    def registers(self, h: int, a_imp: int, a_exp: "int | None" = None, r_imp: "int | None" = None, r_exp: "int | None" = None) -> None:
        """Hourly cumulative registers (Wh, varh) at the start of UTC hour ``h``:
        close the hours since the previous ones."""
        e = [h, a_imp, a_exp, r_imp, r_exp]
        a = self.anchor
        c = self.counters
        if a is None:
            self._set_anchor(e)
            return
        h0 = a[0]
        if h <= h0:
            c["duplicate" if h == h0 and a[1:] == e[1:] else "stale"] += 1
            return
        if a_imp < a[1]:
            c["backwards"] += 1  # a new or reset meter: start again, nothing invented
            self._set_anchor(e)
            return
        n = h - h0
        # Shared out hour by hour (memory bounded whatever the span: only
        # the pending hours, at most max_pending, have records).
        plans = []  # type: list[Any]
        for q in range(4):
            x, y = a[q + 1], e[q + 1]
            d = y - x if x is not None and y is not None and y >= x else None
            plans.append(self._plan(q, h0, n, d) if d is not None and n > 1 else d)
        acc = [0, 0, 0, 0]
        given = [0, 0, 0, 0]
        for k in range(n):
            hh = h0 + k
            rec = self.pending.get(hh)
            src = METER if n == 1 else (ESTIMATED if rec is not None and rec[4] > 0 else MISSING)
            vals = [None, None, None, None]  # type: list[Any]
            for q in range(4):
                p = plans[q]
                if p is None or n == 1:
                    vals[q] = p
                    continue
                d, wsum = p[0], p[1]
                acc[q] += self._weight(q, p, rec)
                upto = (2 * d * acc[q] + wsum) // (2 * wsum) if k < n - 1 else d
                vals[q] = upto - given[q]
                given[q] = upto
            self._finish((hh, vals[0], vals[1], vals[2], vals[3], src))
        self._set_anchor(e)

    def _plan(self, q, h0, n, d):
        """How the register difference ``d`` is shared over hours h0..h0+n-1.

        An hour with power samples is estimated at its integrated energy,
        extrapolated to the whole hour at its average power (a dongle that
        restarted mid-hour saw part of it); hours without any sample share
        evenly what those estimates leave of ``d`` when that is more than 5 %
        of an average seen hour each (less is the integration's error: a
        meter that was off used nothing); then everything is scaled to ``d``
        exactly, in whole Wh by cumulative rounding. Returns (d, weight sum, mode, blind hours,
        rest)."""
        covered_j = 0
        seen = 0
        for hh in self.pending:
            rec = self.pending[hh]
            if h0 <= hh < h0 + n and rec[4] > 0:
                covered_j += self._estimate(q, rec)
                seen += 1
        blind = n - seen
        rest = d * 3600 - covered_j
        # What the estimates leave goes to the unseen hours when it is more
        # than 5 % of an average seen hour each; less is the integration's
        # own error (a meter that was off used nothing): the seen hours are
        # scaled instead.
        if blind and rest > 0 and rest * seen * 20 > covered_j * blind:
            mode, wsum = 0, covered_j * blind + rest * blind  # weights times ``blind``: the even share stays whole
        elif covered_j > 0:
            mode, wsum = 1, covered_j
        else:
            mode, wsum = 2, n
        return (d, wsum, mode, blind, rest)

    @staticmethod
    def _estimate(q, rec):
        cov = rec[4] if rec[4] < 3600 else 3600
        j = rec[q] * 3600 // cov
        return j if j > 0 else 0

    def _weight(self, q, plan, rec):
        mode = plan[2]
        covered = rec is not None and rec[4] > 0
        if mode == 0:
            return self._estimate(q, rec) * plan[3] if covered else plan[4]
        if mode == 1:
            return self._estimate(q, rec) if covered else 0
        return 1

    def _set_anchor(self, e):
        self.anchor = e
        h = e[0]
        for k in list(self.pending):
            if k < h:
                del self.pending[k]

    def _finish(self, hour):
        c = self.counters
        c["hours"] += 1
        if hour[5] == ESTIMATED:
            c["estimated"] += 1
        elif hour[5] == MISSING:
            c["missing"] += 1
        self.book(hour)
        if self.on_hour is not None:
            self.on_hour(hour)

    # -- months ----------------------------------------------------------------------
    def _month_rec(self, y, m, make=True):
        for rec in self.months:
            if rec[0] == y and rec[1] == m:
                return rec
        if not make:
            return None
        if len(self.months) >= self.months_kept:
            oldest = min(self.months, key=lambda r: (r[0], r[1]))
            if (y, m) < (oldest[0], oldest[1]):
                return None  # older than every month kept: not booked
            self.months.remove(oldest)
        rec = [y, m, 0, 0, 0, 0, 0, {}]
        self.months.append(rec)
        return rec

    def book(self, hour: "tuple[int, int | None, int | None, int | None, int | None, str]") -> None:
        """Count a finished hour in its month (done for every hour given)."""
        self._booked += 1
        h, imp, exp = hour[0], hour[1] or 0, hour[2] or 0
        y, m, d, _hh, _off = local_hour(self.zone, h)
        rec = self._month_rec(y, m)
        if rec is None:
            return
        rec[2] += imp
        rec[3] += exp
        rec[4 + (0 if hour[5] == METER else (1 if hour[5] == ESTIMATED else 2))] += 1
        day = rec[7].get(d)
        if day is None:
            day = [-1, None, 0, 0]  # max Wh (-1: no peak-able hour yet), its hour, imp, exp
            rec[7][d] = day
        day[2] += imp
        day[3] += exp
        if hour[5] != MISSING and hour[1] is not None and (imp > day[0] or (imp == day[0] and h < day[1])):
            day[0] = imp
            day[1] = h

    def month(self, y: "int | None" = None, m: "int | None" = None) -> "dict[str, Any] | None":
        """The month's figures (the running hour's month by default), or None:
        ``{"month", "import_wh", "export_wh", "hours": {source: n}, "days":
        [{"day", "import_wh", "export_wh", "max_hour", "max_wh"}],
        "peaks": [(h, wh)], "capacity_wh", "step": (index, from, to)}``."""
        if y is None:
            if not self.months:
                return None
            rec = max(self.months, key=lambda r: (r[0], r[1]))
        else:
            rec = self._month_rec(y, m, False)
            if rec is None:
                return None
        return month_figures(rec, self.top, self.steps)

    def running(self, now: "float | None" = None) -> "dict[str, Any] | None":
        """The hour in progress: ``{"hour", "so_far_wh", "projection_wh",
        "covered_s", "power_w", "margin_wh", "month"}`` or None before any
        power sample. ``now``: UTC seconds (default: the last sample's time)."""
        r = self._running(now)
        if r is None:
            return None
        return {"hour": r[0], "so_far_wh": r[1], "projection_wh": r[2], "covered_s": r[3],
                "power_w": r[4], "margin_wh": r[5], "month": "%04d-%02d" % (r[6], r[7])}

    def _running(self, now=None):
        """running() as a tuple (hour, so far, projection, covered s, power,
        margin, year, month): EnergySensors asks at every reading."""
        last = self.last[0]
        if last is None:
            return None
        t = now if now is not None else last[0]
        hr = self._hr
        if hr is not None and type(t) is int and hr[1] <= t < hr[2]:  # the hour integrated in: no big-int division
            h = hr[0]
            elapsed = t - hr[1]
        else:
            h = t // 3600
            elapsed = t - h * 3600
        rec = self.pending.get(h)
        j = rec[0] if rec is not None else 0
        cov = rec[4] if rec is not None else 0
        p = last[1]
        if t > last[0]:
            dt = t - last[0]
            if dt <= self.max_gap:
                j += p * dt
                cov += dt
        left = 3600 - elapsed
        so_far = j // 3600
        proj_j = j + p * left
        if cov < elapsed and cov > 0:  # unseen time (start, restart): at the average seen
            proj_j += j * (elapsed - cov) // cov
        y, m, d, _hh, _off = self._local_hour(h)
        c = self._tops
        if c is None or c[0] != self._booked or c[3] != d or c[2] != m or c[1] != y:
            # The other days' largest maxima and the day's: they change only
            # when an hour is booked (or the day changes), not every reading.
            rec_m = self._month_rec(y, m, False)
            others = []
            day_max = 0
            if rec_m is not None:
                for k in rec_m[7]:
                    v = rec_m[7][k][0]
                    if k == d:
                        day_max = v if v > 0 else 0
                    elif v >= 0:
                        others.append(v)
            others.sort(reverse=True)
            c = self._tops = [self._booked, y, m, d, others[:self.top], day_max]
        return (h, so_far, proj_j // 3600, cov, p, _margin_tops(c[4], c[5], so_far, self.top, self.steps), y, m)

    # -- state --------------------------------------------------------------------------
    def state(self) -> "list[Any]":
        """A compact, JSON-able snapshot (lists and numbers only)."""
        pend = [[k] + self.pending[k] for k in sorted(self.pending)]
        months = []
        for rec in self.months:
            days = [[k] + rec[7][k] for k in sorted(rec[7])]
            months.append(rec[:7] + [days])
        cnt = [[k, self.counters[k]] for k in sorted(self.counters)]
        return [STATE_VERSION, self.anchor, pend, self.last, self.last_t, months, cnt]

    def restore(self, state: "Sequence[Any]") -> None:
        """Take back a ``state()`` snapshot (ValueError if it is not one)."""
        try:
            if state[0] != STATE_VERSION:
                raise ValueError("energy state: expected version %d, found %r" % (STATE_VERSION, state[0]))
            anchor, pend, last, last_t, months, cnt = state[1:7]
            pending = {}
            for row in pend:
                pending[row[0]] = [int(x) for x in row[1:6]]
            mlist = []
            for row in months:
                days = {}
                for drow in row[7]:
                    days[drow[0]] = list(drow[1:5])
                mlist.append(list(row[:7]) + [days])
            lastq = [None if x is None else [x[0], x[1]] for x in last]
            if len(lastq) != 4 or (anchor is not None and len(anchor) != 5):
                raise ValueError("energy state: wrong shape")
        except (TypeError, IndexError, KeyError) as e:
            raise ValueError("energy state: not a snapshot (%s)" % (e,))
        self.anchor = None if anchor is None else list(anchor)
        self.pending = pending
        self.last = lastq
        self.last_t = last_t
        self.months = mlist
        self._booked += 1
        self._hr = None
        for k, v in cnt:
            self.counters[k] = v


def month_figures(rec: "list[Any]", top: int, steps: "Sequence[int]") -> "dict[str, Any]":
    """Figures of one month record (see Energy.month)."""
    y, m = rec[0], rec[1]
    days = []
    peakable = []
    for d in sorted(rec[7]):
        v = rec[7][d]
        days.append({"day": d, "import_wh": v[2], "export_wh": v[3],
                     "max_hour": v[1], "max_wh": v[0] if v[0] >= 0 else None})
        if v[0] >= 0:
            peakable.append((v[0], v[1]))
    best = top_days(peakable, top)
    total = 0
    for wh, _h in best:
        total += wh
    k = len(best)
    idx, lo, hi = step_of(total, k if k else 1, steps)
    return {"month": "%04d-%02d" % (y, m), "import_wh": rec[2], "export_wh": rec[3],
            "hours": {METER: rec[4], ESTIMATED: rec[5], MISSING: rec[6]}, "days": days,
            "peaks": [(h, wh) for wh, h in best], "capacity_wh": average(total, k),
            "step": (idx, lo, hi)}


# -- Home Assistant sensors (over protocols.mqtt.Messages) ----------------------------

# (object, name, JSON key, unit, device class, state class)
_SENSORS = (
    ("energy_this_hour", "Energy this hour", "so_far_wh", "Wh", "energy", "total_increasing"),
    ("energy_this_hour_projected", "Energy this hour, projected", "projection_wh", "Wh", "energy", None),
    ("capacity_average", "Capacity average", "capacity_wh", "Wh", "energy", None),
    ("capacity_step", "Capacity step", "step", None, None, None),
    ("capacity_margin", "Capacity margin to the next step", "margin_wh", "Wh", "energy", None),
)


class EnergySensors:
    """The running hour, its projection, the month's capacity average, step
    and margin as Home Assistant sensors of the meter's device, published by
    a bridge beside the readings (host ``hanreader mqtt --energy``, dongle),
    through ``Messages.add_sensor`` (re-announced with the meter).

    ``msgs``: the bridge's ``protocols.mqtt.Messages``; ``energy``: an
    Energy fed elsewhere (or by ``reading``, with ``feed=True``). State topic
    ``<topic_prefix>/meter/<meter>/energy``, payload (fixed key order, Wh)::

        {"hour": "2026-01-05T17:00:00+01:00", "so_far_wh": 1234, "projection_wh": 2345,
         "capacity_wh": 3456, "step": 2, "step_from_wh": 2000, "step_to_wh": 5000,
         "margin_wh": 789, "month": "2026-01"}

    sent at most once per ``every`` seconds of meter time, and at once when
    an hour was closed.
    """

    def __init__(self, msgs: "Messages", energy: Energy, every: int = 10, feed: bool = True) -> None:
        self.msgs = msgs
        self.energy = energy
        self.every = every
        self.feed = feed
        self.announced = []  # type: list[str]  # meter keys whose configs went out
        self._sent_t = None  # type: int | None
        self._hours = 0
        self._month = None  # type: tuple[Any, ...] | None  # (hours closed, month, capacity_wh, step) of the last payload
        self._hour_iso = None  # type: tuple[int, str] | None  # (h, its local start as text)
        self._topic = None  # type: tuple[str, str] | None  # (meter key, its energy state topic)

    def topic(self, key: str) -> str:
        c = self._topic
        if c is None or c[0] != key:
            c = self._topic = (key, self.msgs.topic(key, "energy"))
        return c[1]

    def reading(self, reading: "Reading", now: "float | None" = None) -> "Iterable[tuple[str, str, bool]]":
        """Messages after one reading: configs of a meter not announced yet,
        then the state when due (a tuple or a generator of messages)."""
        e = self.energy
        if self.feed:
            e.feed(reading, now)
        msgs = self.msgs
        key = msgs.meter_key(reading)
        if key is None:
            return ()
        if key not in self.announced:
            return self._announce(key)
        s = self._state(key)
        return () if s is None else (s,)

    def _announce(self, key):
        if len(self.announced) >= 8:
            self.announced.pop(0)
        self.announced.append(key)
        # Remembered with the meter: Messages.announce() sends them again
        # (reconnection, Home Assistant's "online").
        msgs = self.msgs
        for obj, name, field, unit, dc, sc in _SENSORS:
            cfg = msgs.add_sensor(key, obj, name, "energy", "{{ value_json.%s }}" % field, dc, sc, unit)
            if cfg is not None:
                yield cfg
        s = self._state(key)
        if s is not None:
            yield s

    def _state(self, key):
        """The state message when due, else None."""
        e = self.energy
        t = e.last_t
        closed = e.counters["hours"] != self._hours
        if t is None or (not closed and self._sent_t is not None and 0 <= t - self._sent_t < self.every):
            return None
        p = self.payload()
        if p is None:
            return None
        self._sent_t = t
        self._hours = e.counters["hours"]
        return (self.topic(key), p, False)

    def _hour_text(self, h):
        c = self._hour_iso
        if c is None or c[0] != h:
            c = self._hour_iso = (h, hour_iso(self.energy.zone, h))
        return c[1]

    def payload(self) -> "str | None":
        e = self.energy
        r = e._running()
        if r is None:
            return None
        # The month's average and step change only when hours close: made
        # again then, not for every payload (Energy.month() builds every day
        # of the month: about 4 KB a time on the dongle).
        mc = self._month
        hours = e.counters["hours"]
        if mc is None or mc[0] != hours or mc[2] != r[7] or mc[1] != r[6]:
            m = e.month()
            cap = m["capacity_wh"] if m is not None else 0
            step = m["step"] if m is not None else step_of(0, 1, e.steps)
            mc = self._month = (hours, r[6], r[7], cap, step, "%04d-%02d" % (r[6], r[7]))
            m = None
        idx, lo, hi = mc[4]
        mg = r[5]
        # %s of an int is its %d (steps and margins are ints): no text made
        # for them before the payload itself.
        return ('{"hour": "%s", "so_far_wh": %d, "projection_wh": %d, "capacity_wh": %d, "step": %d, '
                '"step_from_wh": %d, "step_to_wh": %s, "margin_wh": %s, "month": "%s"}') % (
            self._hour_text(r[0]), r[1], r[2], mc[3], idx, lo,
            "null" if hi is None else hi, "null" if mg is None else mg, mc[5])
