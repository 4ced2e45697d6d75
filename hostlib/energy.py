# hostlib/energy.py: energy accounting on the host: zoneinfo zones, SQLite state, reports.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Hourly energy, days, months and the capacity tariff on the host.

    from hostlib.energy import Accountant
    acct = Accountant(state_dir="~/.local/state/hanreader")   # or None: in memory
    for reading, received in ...:
        acct.feed(reading, received)          # received: UTC seconds, or None
    report = acct.report()                    # the ``hanreader energy --json`` object
    acct.close()

The accounting itself is ``protocols.energy`` (the dongle runs the same
code); this module adds what only a host has: any IANA zone (zoneinfo), a
SQLite database of every finished hour plus the accounting's state (so a
restart loses and doubles nothing), the JSON report and the terminal chart.
See docs/energy.md.
"""

import datetime
import json
import os
import sqlite3
import time
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from protocols import energy as core
from protocols.reading import Reading

if TYPE_CHECKING:
    from .reader import HanReader

# A finished hour: (UTC hour number, import Wh, export Wh, reactive import
# varh, reactive export varh, source); a quantity not sent is None.
Hour = Tuple[int, Optional[int], Optional[int], Optional[int], Optional[int], str]

DEFAULT_ZONE = "Europe/Oslo"
DB_NAME = "energy.sqlite3"


class ZoneInfoZone:
    """A zoneinfo zone with the one method protocols.energy needs."""

    def __init__(self, name: str) -> None:
        import zoneinfo

        try:
            self.zi = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError("--tz: expected an IANA zone such as Europe/Oslo, found %r" % name) from None
        self.name = name
        self._cache: Dict[int, int] = {}

    def utcoffset(self, t: int) -> int:
        # Kept per quarter hour of UTC: offsets change on quarter hours (zones
        # that move at half past, such as Adelaide, Lord Howe or St John's,
        # would be wrong for 30 minutes with a cache per hour).
        q = t // 900
        off = self._cache.get(q)
        if off is None:
            d = datetime.datetime.fromtimestamp(q * 900, datetime.timezone.utc).astimezone(self.zi)
            off = int((d.utcoffset() or datetime.timedelta()).total_seconds())  # (aware: never None)
            if len(self._cache) > 100000:
                self._cache.clear()
            self._cache[q] = off
        return off

    def __repr__(self):
        return "ZoneInfoZone(%r)" % self.name


class SystemZone:
    """This machine's local zone (the demo's simulated meter runs on it)."""

    name = "local"

    def utcoffset(self, t: float) -> int:
        return int((datetime.datetime.fromtimestamp(t).astimezone().utcoffset() or datetime.timedelta()).total_seconds())


def host_zone(name: str = DEFAULT_ZONE) -> Union[ZoneInfoZone, core.EUZone]:
    """Any IANA zone by name (zoneinfo); the built-in EU rule if zoneinfo has no data."""
    try:
        return ZoneInfoZone(name)
    except (ValueError, ImportError):
        try:
            return core.zone(name)
        except ValueError:
            raise ValueError("--tz: expected an IANA zone such as Europe/Oslo, found %r" % name) from None


def load_steps(path: str) -> Tuple[int, ...]:
    """A step table from a file: a JSON list of kWh lower bounds (``[0, 2, 5, 10]``),
    or one number (kWh) per line, ``#`` comments allowed. Returns Wh bounds."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise ValueError("--steps: cannot read %s: %s" % (path, e.strerror or e)) from None
    try:
        values: List[Any] = json.loads(text)
        if not isinstance(values, list):
            raise ValueError("--steps %s: expected a JSON list of kWh thresholds, found %s"
                             % (path, type(values).__name__))
    except json.JSONDecodeError:
        values = []
        for n, line in enumerate(text.splitlines(), 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            try:
                values.append(float(line))
            except ValueError:
                raise ValueError("--steps %s line %d: expected a number of kWh, found %r"
                                 % (path, n, line)) from None
    wh = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError("--steps %s: expected numbers (kWh), found %r" % (path, v))
        wh.append(int(round(v * 1000)))
    try:
        return core.check_steps(wh)
    except ValueError as e:
        raise ValueError("--steps %s: %s" % (path, e)) from None


def default_state_dir() -> str:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "hanreader")


class Store:
    """Finished hours and the accounting state in SQLite (``path`` None: in memory)."""

    def __init__(self, path: Optional[str] = None) -> None:
        if path is not None:
            d = os.path.dirname(os.path.abspath(path))
            os.makedirs(d, exist_ok=True)
        # check_same_thread=False: the MQTT bridge feeds the accounting from
        # its publisher thread and closes it from the main thread, one after
        # the other (never at the same time).
        self.db = sqlite3.connect(path or ":memory:", check_same_thread=False)
        self.db.executescript(
            "CREATE TABLE IF NOT EXISTS hours (h INTEGER PRIMARY KEY, import_wh INTEGER, export_wh INTEGER,"
            " reactive_import INTEGER, reactive_export INTEGER, source TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS state (k TEXT PRIMARY KEY, v TEXT NOT NULL);"
        )

    def add_hour(self, hour: Hour) -> None:
        # An hour is final once given; a state restored from before it was
        # stored gives it again with the same values: replace, never add.
        self.db.execute("INSERT OR REPLACE INTO hours VALUES (?, ?, ?, ?, ?, ?)", tuple(hour))

    def hours(self) -> List[Hour]:
        return [tuple(r) for r in self.db.execute("SELECT * FROM hours ORDER BY h")]

    def save_state(self, state: List[Any]) -> None:
        self.db.execute("INSERT OR REPLACE INTO state VALUES ('energy', ?)", (json.dumps(state),))
        self.db.commit()

    def load_state(self) -> Optional[List[Any]]:
        row = self.db.execute("SELECT v FROM state WHERE k = 'energy'").fetchone()
        return None if row is None else json.loads(row[0])

    def close(self) -> None:
        self.db.commit()
        self.db.close()


class Accountant:
    """protocols.energy.Energy with its hours and state kept in a Store."""

    def __init__(self, state_dir: Optional[str] = None, zone: Any = None, top: int = 3,
                 steps: Sequence[int] = core.DEFAULT_STEPS) -> None:
        self.zone = zone if zone is not None else host_zone()
        self.top = top
        self.steps = steps
        self.path = os.path.join(os.path.expanduser(state_dir), DB_NAME) if state_dir else None
        self.store = Store(self.path)
        self.energy = core.Energy(self.zone, top=top, steps=steps, on_hour=self._hour)
        st = self.store.load_state()
        if st is not None:
            try:
                self.energy.restore(st)
            except ValueError:
                pass  # a state of another version: the hours stay, the state starts again
        self.changed = False

    def _hour(self, hour):
        self.store.add_hour(hour)
        self.changed = True

    def feed(self, reading: Reading, now: Optional[float] = None) -> None:
        self.energy.feed(reading, now)
        if self.changed:  # at most once an hour: when hours were closed
            self.store.save_state(self.energy.state())
            self.changed = False

    def close(self) -> None:
        self.store.save_state(self.energy.state())
        self.store.close()

    # What a view of the running hour asks (hostlib.live.Dashboard).
    def running(self, now: Optional[float] = None) -> Optional[Dict[str, Any]]:
        return self.energy.running(now)

    def month(self, y: Optional[int] = None, m: Optional[int] = None) -> Optional[Dict[str, Any]]:
        return self.energy.month(y, m)

    # -- reports -----------------------------------------------------------------------
    def report(self, month: Optional[str] = None) -> Dict[str, Any]:
        return build_report(self.store.hours(), self.zone, self.top, self.steps, month)


def month_key(zone: Any, h: int) -> str:
    y, m = core.local_hour(zone, h)[:2]
    return "%04d-%02d" % (y, m)


def build_report(hours: Iterable[Hour], zone: Any, top: int = 3, steps: Sequence[int] = core.DEFAULT_STEPS,
                 month: Optional[str] = None) -> Dict[str, Any]:
    """The ``hanreader energy --json`` object from finished hours."""
    book = core.Energy(zone, top=top, steps=steps, months_kept=10 ** 6)
    out_hours = []
    days: List[Dict[str, Any]] = []
    day_index: Dict[str, int] = {}
    for hour in hours:
        h = hour[0]
        key = month_key(zone, h)
        if month is not None and key != month:
            continue
        book.book(hour)
        start = core.hour_iso(zone, h)
        out_hours.append({"start": start, "import_wh": hour[1], "export_wh": hour[2], "source": hour[5]})
        date = start[:10]
        if date not in day_index:
            day_index[date] = len(days)
            days.append({"date": date, "import_wh": 0, "export_wh": 0, "max_hour": None})
        d = days[day_index[date]]
        d["import_wh"] += hour[1] or 0
        d["export_wh"] += hour[2] or 0
        if hour[5] != core.MISSING and hour[1] is not None:
            mh = d["max_hour"]
            if mh is None or hour[1] > mh["import_wh"]:
                d["max_hour"] = {"start": start, "import_wh": hour[1]}
    months = []
    for rec in sorted(book.months, key=lambda r: (r[0], r[1])):
        f = core.month_figures(rec, top, steps)
        idx, lo, hi = f["step"]
        months.append({"month": f["month"], "import_wh": f["import_wh"], "export_wh": f["export_wh"],
                       "peaks": [{"start": core.hour_iso(zone, h), "import_wh": wh} for h, wh in f["peaks"]],
                       "capacity_wh": f["capacity_wh"],
                       "step": {"index": idx, "from_wh": lo, "to_wh": hi}})
    return {"tz": getattr(zone, "name", str(zone)), "hours": out_hours, "days": days, "months": months}


def _kwh(wh):
    return "%.2f" % (wh / 1000.0) if wh is not None else "-"


def render(report: Dict[str, Any], running: Optional[Dict[str, Any]] = None, width: int = 40) -> str:
    """The terminal view: a bar per hour (peaks marked), day totals, each month's figures."""
    lines = []
    peaks = set()
    for m in report["months"]:
        for p in m["peaks"]:
            peaks.add(p["start"])
    top = max([h["import_wh"] or 0 for h in report["hours"]] + [1])
    marks = {core.METER: " ", core.ESTIMATED: "~", core.MISSING: "?"}
    day = None
    days = {d["date"]: d for d in report["days"]}
    for h in report["hours"]:
        date = h["start"][:10]
        if date != day:
            day = date
            d = days[date]
            lines.append("%s  %s kWh%s" % (date, _kwh(d["import_wh"]),
                                           ("  (max %s kWh at %s)" % (_kwh(d["max_hour"]["import_wh"]),
                                                                     d["max_hour"]["start"][11:16]))
                                           if d["max_hour"] else ""))
        wh = h["import_wh"] or 0
        n = (wh * width + top - 1) // top if wh else 0
        bar = ("#" if h["source"] == core.METER else ("~" if h["source"] == core.ESTIMATED else "?")) * n
        tail = "  <- peak" if h["start"] in peaks else ""
        lines.append("  %s%s %-*s %6d Wh%s" % (h["start"][11:16], marks[h["source"]], width, bar, wh, tail))
    for m in report["months"]:
        s = m["step"]
        lines.append("")
        lines.append("%s: import %s kWh, export %s kWh" % (m["month"], _kwh(m["import_wh"]), _kwh(m["export_wh"])))
        for i, p in enumerate(m["peaks"], 1):
            lines.append("  peak %d: %s kWh at %s" % (i, _kwh(p["import_wh"]), p["start"]))
        lines.append("  capacity (average of %d): %s kWh -> step %d (%s-%s kWh)" % (
            len(m["peaks"]), _kwh(m["capacity_wh"]), s["index"], _kwh(s["from_wh"]),
            _kwh(s["to_wh"]) if s["to_wh"] is not None else ""))
    if running:
        lines.append("")
        lines.append(running_text(running, report.get("tz")))
    lines.append("")
    lines.append("# = meter value, ~ = estimated (list 3 missing), ? = missing (no data; not a peak)")
    return "\n".join(lines)


def running_text(r: Dict[str, Any], zone_name: Optional[str] = None) -> str:
    m = r.get("margin_wh")
    return "running hour %s: %s kWh so far, %s kWh projected%s" % (
        r.get("start", r["hour"]), _kwh(r["so_far_wh"]), _kwh(r["projection_wh"]),
        ", %s kWh to the next step" % _kwh(m) if m is not None else ", top step")


def recording_times(path: str) -> Iterator[Tuple[bytes, Optional[float]]]:
    """(chunk, UTC receive seconds) of a recording, from its ``started`` line."""
    from .recording import read_metadata, read_recording

    started = read_metadata(path).get("started")
    base = None
    if started:
        try:
            d = datetime.datetime.fromisoformat(started)
            if d.tzinfo is None:
                d = d.astimezone()
            base = d.timestamp()
        except ValueError:
            base = None
    for secs, data in read_recording(path):
        yield data, (base + secs if base is not None else None)


def account_file(acct: "Accountant", path: str, reader: "HanReader") -> int:
    """Feed a capture file or recording through ``reader`` into ``acct``; returns readings."""
    from .sources import RECORDING, open_file

    n = 0
    src = open_file(path)
    if src.format == RECORDING:
        src.close()
        for data, when in recording_times(path):
            for r in reader.feed(data):
                acct.feed(r, when)
                n += 1
    else:
        from .reader import chunks

        try:
            for _src, data in chunks(lambda: src, reconnect=False, close=False):  # the one read loop
                for r in reader.feed(data):
                    acct.feed(r, None)
                    n += 1
        finally:
            src.close()
    for r in reader.flush():
        acct.feed(r, None)
        n += 1
    return n


def now_utc() -> float:
    return time.time()
