# hostlib/live.py: the live terminal view (rich) and the decode progress bar.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""A dashboard for a stream of readings.

    from hostlib.live import Dashboard, run_live
    dash = Dashboard()
    dash.update(reading)            # any Reading, from any meter
    console.print(dash.render())    # a rich renderable

``run_live(readings, console, duration=...)`` drives it with ``rich.live``
on a terminal; on anything else (a pipe, a CI log, a test's StringIO) it
prints a plain snapshot every ``snapshot_every`` seconds and at the end,
so it is usable headless. Both end cleanly on Ctrl-C or after
``duration`` seconds.
"""

import threading
import time
from collections import deque

from rich import box
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

_BLOCKS = " ▁▂▃▄▅▆▇█"

_PHASE_NAMES = ("l1", "l2", "l3")


def _fmt(v, unit, digits=None):
    if v is None:
        return "–"
    if isinstance(v, float):
        s = ("%." + str(digits if digits is not None else 1) + "f") % v
    elif isinstance(v, int):
        s = "{:,}".format(v).replace(",", " ")
    else:
        s = str(v)
    return s + (" " + unit if unit else "")


def _energy(v, unit):
    """Energy in k-units with 2 decimals (the meter's registers are Wh/varh)."""
    if v is None:
        return "–"
    if unit in ("Wh", "varh", "VAh"):
        return "{:,.2f} k{}".format(v / 1000.0, unit).replace(",", " ")
    return _fmt(v, unit)


class Trend:
    """Power samples over the last ``span`` seconds, rendered as a block chart."""

    def __init__(self, span=300.0, rows=5):
        self.span = span
        self.rows = rows
        self.points = deque()

    def add(self, t, value):
        self.points.append((t, value))
        while self.points and self.points[0][0] < t - self.span:
            self.points.popleft()

    def columns(self, width):
        """Mean value per column (None where no sample fell), oldest first."""
        if not self.points:
            return [None] * width
        end = self.points[-1][0]
        start = end - self.span
        sums = [0.0] * width
        counts = [0] * width
        for t, v in self.points:
            k = int((t - start) / self.span * width)
            if k >= width:
                k = width - 1
            if k < 0:
                continue
            sums[k] += v
            counts[k] += 1
        out = []
        last = None
        for s, c in zip(sums, counts):
            if c:
                last = s / c
                out.append(last)
            else:
                out.append(last)  # hold the previous value across gaps
        return out

    def render(self, width=60, unit="W", rows=None):
        """The chart: ``rows`` lines of bars (default ``self.rows``) and a time axis.

        The y-axis spans the data's range (lowest to highest column), so a
        load that moves between 1.2 and 1.9 kW fills the height instead of
        sitting on a solid block from 0 W; both ends are labelled. The time
        axis gives the clock times of the span's ends when the samples carry
        real times (POSIX seconds), else minutes back from the last sample.
        """
        rows = rows or self.rows
        cols = self.columns(width)
        vals = [v for v in cols if v is not None]
        if not vals:
            return Text("waiting for data …", style="dim")
        top = max(vals)
        lo = min(vals)
        if top - lo < 1e-9:
            lo = top - 1.0  # a flat line: half height
            top = top + 1.0
        levels = rows * 8
        lines = []
        for row in range(rows - 1, -1, -1):
            chars = []
            for v in cols:
                if v is None:
                    chars.append(" ")
                    continue
                h = 1 + int(round((v - lo) / (top - lo) * (levels - 1)))  # the lowest still shows
                part = h - row * 8
                chars.append(_BLOCKS[max(0, min(8, part))])
            label = "%8s " % _short(top if row == rows - 1 else (lo if row == 0 else None), unit)
            lines.append(Text(label, style="dim") + Text("".join(chars), style="cyan"))
        lines.append(Text(" " * 9 + self.axis(width), style="dim"))
        return Group(*lines)

    def axis(self, width):
        """The time axis under the chart: its two ends, labelled as what they are."""
        if not self.points:
            return ""
        end = self.points[-1][0]
        start = end - self.span
        if end > 1e9:  # POSIX seconds: local clock times
            left = time.strftime("%H:%M:%S", time.localtime(start))
            right = time.strftime("%H:%M:%S", time.localtime(end))
        else:
            left = "-%g min" % (self.span / 60.0)
            right = "last"
        return left + " " * max(1, width - len(left) - len(right)) + right


def _local(t):
    """An aware datetime as this computer's local clock time, with its zone."""
    try:
        lt = t.astimezone()
        return lt.strftime("%H:%M:%S %Z").strip()
    except (AttributeError, ValueError, OverflowError):
        return str(t)


def _short(v, unit):
    if v is None:
        return ""
    if abs(v) >= 10000:
        return "%.1fk%s" % (v / 1000.0, unit)
    return "%d %s" % (round(v), unit)


class Dashboard:
    """Everything the live view shows, updated one reading at a time."""

    def __init__(self, title="hanreader", span=300.0, clock=time.monotonic, energy=None, utc=time.time):
        self.title = title
        # ``energy``: a protocols.energy.Energy fed with every reading (the
        # running hour, the month's peaks and step); ``utc``: the receive time.
        self.energy = energy
        self.utc = utc
        self.clock = clock  # seconds, for the trend's time axis
        self.values = {}  # register name -> (value, unit)
        self.meter = None
        self.time = None  # the meter's clock, as sent (text)
        self.time_aware = None  # the same as a datetime (the convention's offset when it sends none)
        self.received = None  # when the last reading was received (aware datetime)
        self.readings = 0
        self.counters = {}
        self.trend = Trend(span)
        self.lock = threading.RLock()  # a live view redraws from its own thread
        self.status = ""
        self.source = ""
        self.last_update = None

    def update(self, reading, counters=None):
        with self.lock:
            self._update(reading, counters)

    def _update(self, reading, counters):
        if self.clock is None:  # the reading's receive time (a recording's own), else now
            ra = reading.received_at
            t = ra.timestamp() if hasattr(ra, "timestamp") else time.time()
        else:
            t = self.clock()  # asked once per reading, whatever it holds
        self.readings += 1
        m = reading.meter
        if m.id or self.meter is None:
            self.meter = m
        if reading.time_text:
            self.time = reading.time_text
            self.time_aware = reading.time
        if reading.received_at is not None:
            self.received = reading.received_at
        for r in reading.registers:
            if r.name:
                self.values[r.name] = (r.value, r.unit)
        p = reading.get("active_power_import")
        if p is not None:
            exp = reading.get("active_power_export") or 0
            self.trend.add(t, p - exp)
        if counters is not None:
            self.counters = counters
        if self.energy is not None:
            # A reading that carries its receive time (a recording's, a live
            # source's) is accounted on it; else on ``utc()``.
            live = self.clock is None and getattr(reading, "received_at", None) is not None
            self.energy.feed(reading, None if live else self.utc())
        self.last_update = time.monotonic()

    def get(self, name):
        v = self.values.get(name)
        return v[0] if v else None

    # -- rendering -----------------------------------------------------------------
    # Laid out for the terminal it is on: every part has a fixed height but the
    # trend, which gets what is left, so 80x24 shows the counters and "Ctrl-C to
    # quit" at the bottom; no line is longer than the width (cut with "…", never
    # wrapped).

    def _line(self, text):
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text

    def _header(self):
        m = self.meter
        t = Text()
        t.append(self.title, style="bold magenta")
        if m is not None:
            t.append("  %s" % (m.manufacturer or "unknown meter"), style="bold")
            if m.type:
                t.append(" %s" % m.type)
            if m.id:
                t.append("  id %s" % m.id, style="dim")
            if m.list_version:
                t.append("  (%s)" % m.list_version, style="dim")
        when = Text()
        if self.time:
            # The meter's clock as it sends it, with the offset it has or is given by convention.
            shown = self.time.replace("T", " ")
            if self.time_aware is not None and not hasattr(self.time_aware, "upper") and "+" not in self.time[10:] \
                    and "-" not in self.time[10:]:
                off = self.time_aware.strftime("%z")
                shown += " (%s:%s)" % (off[:3], off[3:]) if off else ""
            when.append("meter clock %s" % shown, style="green")
        else:
            when.append("meter sends no clock", style="dim")
        if self.received is not None:
            when.append("   received %s" % _local(self.received), style="cyan")
        if self.source:
            when.append("   ← %s" % self.source, style="dim")
        return [self._line(t), self._line(when)]

    def _power(self):
        tb = Table(box=None, expand=True, padding=(0, 1), show_edge=False)
        tb.add_column("Power", style="bold", no_wrap=True)
        tb.add_column("import", justify="right", no_wrap=True)
        tb.add_column("export", justify="right", no_wrap=True)
        g = self.get
        tb.add_row("active", _fmt(g("active_power_import"), "W"), _fmt(g("active_power_export"), "W"))
        tb.add_row("reactive", _fmt(g("reactive_power_import"), "var"),
                   _fmt(g("reactive_power_export"), "var"))
        return tb

    def _phases(self):
        tb = Table(box=None, expand=True, padding=(0, 1), show_edge=False)
        tb.add_column("Per phase", style="bold", no_wrap=True)
        tb.add_column("voltage", justify="right", no_wrap=True)
        tb.add_column("current", justify="right", no_wrap=True)
        tb.add_column("power", justify="right", no_wrap=True)
        for k, ph in enumerate(_PHASE_NAMES):
            u = self.get("voltage_" + ph)
            i = self.get("current_" + ph)
            p = self.get("active_power_import_" + ph)
            if u is None and i is None and p is None:
                continue
            if p is not None:
                ptxt = _fmt(p, "W")
            elif u is not None and i is not None:
                ptxt = "≈" + _fmt(int(round(u * i)), "VA")  # apparent power
            else:
                ptxt = "–"
            tb.add_row(ph.upper(), _fmt(u, "V", 1), _fmt(i, "A", 2), ptxt)
        if not tb.row_count:
            tb.add_row("–", "waiting", "for list 2", "")
        return tb

    def _energy(self):
        clock = self.get("clock")
        head = "Energy registers" + ((" (as of %s)" % clock[11:16]) if isinstance(clock, str) and len(clock) >= 16
                                     else " (sent hourly)")
        tb = Table(box=None, expand=True, padding=(0, 1), show_edge=False)
        tb.add_column(head, style="bold", no_wrap=True, overflow="ellipsis")
        tb.add_column("import", justify="right", no_wrap=True)
        tb.add_column("export", justify="right", no_wrap=True)
        vals = self.values
        for label, imp, exp in (("active", "active_energy_import", "active_energy_export"),
                                ("reactive", "reactive_energy_import", "reactive_energy_export")):
            a = vals.get(imp)
            b = vals.get(exp)
            tb.add_row(label, _energy(a[0], a[1]) if a else "–", _energy(b[0], b[1]) if b else "–")
        return tb

    def _capacity(self):
        """The running hour, its projection, the month's peaks and step (docs/energy.md): three lines."""
        from protocols import energy as core

        e = self.energy
        r = e.running()
        m = e.month()
        peaks = "waiting for two hourly lists"
        step = "–"
        if m is not None:
            peaks = ", ".join("%.2f (%s)" % (wh / 1000.0, core.hour_iso(e.zone, h)[5:16].replace("T", " "))
                              for h, wh in m["peaks"]) or "–"
            i, lo, hi = m["step"]
            step = "%.2f kWh, step %d (%g-%s kWh)" % (m["capacity_wh"] / 1000.0, i, lo / 1000.0,
                                                     "%g" % (hi / 1000.0) if hi is not None else "")
        a = Text("This hour and the month's capacity step", style="bold")
        b = Text()
        if r is None:
            b.append("running hour –")
        else:
            mg = r["margin_wh"]
            b.append("running hour %.2f kWh   projected %.2f kWh   margin %s" % (
                r["so_far_wh"] / 1000.0, r["projection_wh"] / 1000.0,
                "top step" if mg is None else "%.2f kWh" % (mg / 1000.0)))
        days = "1 day" if e.top == 1 else "%d days" % e.top
        c = Text("average / step %s   month's peaks (top %s) %s" % (step, days, peaks))
        return [self._line(a), self._line(b), self._line(c)]

    def _footer(self):
        c = self.counters
        t = Text(style="dim")
        t.append("readings %d" % self.readings)
        if c:
            t.append("  frames ok %d" % c.get("accepted", 0))
            rej = c.get("rejected", 0)
            t.append("  rejected %d" % rej, style="red" if rej else "dim")
            if c.get("bytes"):
                t.append("  bytes %d" % c["bytes"])
        grid = Table.grid(expand=True)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(justify="right", no_wrap=True)
        grid.add_row(t, Text("  Ctrl-C to quit", style="bold"))
        out = []
        if self.status:
            out.append(self._line(Text(self.status, style="bold yellow")))
        out.append(grid)
        return out

    def render(self, width=100, height=None):
        """The view for a terminal ``width`` columns wide and ``height`` lines high
        (None: as high as it needs, with a 5-row trend)."""
        width = max(40, width)
        head = self._header()
        cap = self._capacity() if self.energy is not None else []
        foot = self._footer()
        n_phase = max(1, sum(1 for ph in _PHASE_NAMES if self.get("voltage_" + ph) is not None
                             or self.get("current_" + ph) is not None))
        fixed = len(head) + 1 + max(3, n_phase + 1) + 3 + len(cap) + 2 + len(foot)
        if height is None:
            rows = self.trend.rows
        else:
            rows = max(1, min(12, height - fixed))
        if width >= 80:
            grid = Table.grid(expand=True, padding=(0, 3))
            grid.add_column(ratio=1)
            grid.add_column(ratio=1)
            grid.add_row(self._power(), self._phases())
            tables = [grid]
        else:  # one above the other
            tables = [self._power(), self._phases()]
            fixed += 3
            if height is not None:
                rows = max(1, min(12, height - fixed))
        chart_w = max(20, width - 10)
        title = Text("Active power (import − export), last %g min" % (self.trend.span / 60.0), style="bold")
        parts = head + [Text("")] + tables + [self._energy()] + cap + [self._line(title),
                                                                       self.trend.render(chart_w, rows=rows)] + foot
        return Group(*parts)

    def __rich_console__(self, console, options):
        """Live views render the dashboard itself, at the terminal's size, at every refresh."""
        h = options.height or console.height
        with self.lock:
            view = self.render(options.max_width, max(10, h - 1))
        yield view

    def summary_line(self):
        parts = []
        for name, label in (("active_power_import", "P+"), ("voltage_l1", "U1"), ("current_l1", "I1")):
            v = self.values.get(name)
            if v:
                parts.append("%s %s" % (label, _fmt(v[0], v[1])))
        return "  ".join(parts)


def _stamp(reading):
    """The time a summary line is about: the meter's clock, else when it was received."""
    t = reading.time_text
    if t and len(t) >= 19:
        return t[11:19]
    r = reading.received_at
    if r is not None:
        return r.astimezone().strftime("%H:%M:%S")
    return time.strftime("%H:%M:%S")


def run_live(readings, console, dashboard=None, duration=None, refresh=4, snapshot_every=10.0,
             counters=None, stop=None, line_every=1.0):
    """Show ``readings`` (an iterable) on ``console`` until it ends, Ctrl-C or ``duration``.

    On a terminal: a live view laid out for the terminal's size (redrawn
    ``refresh`` times a second, so a status such as "no frame for 30 s"
    shows while nothing arrives). Elsewhere (a pipe, a log): one summary
    line at most every ``line_every`` seconds, stamped with its reading's
    own time (a burst, such as the demo's history, is one line with a
    count), a snapshot every ``snapshot_every`` seconds and at the end.
    ``counters``: a callable returning the reader's counters dict.
    Returns the dashboard. The iterable should yield at least every second
    (``None`` items are allowed as heartbeats) so that ``duration`` is honoured.
    """
    from rich.live import Live

    dash = dashboard or Dashboard()
    t_end = None if duration is None else time.monotonic() + duration
    interactive = console.is_terminal and not console.is_dumb_terminal

    def due():
        return (t_end is not None and time.monotonic() >= t_end) or (stop is not None and stop())

    try:
        if interactive:
            with Live(dash, console=console, refresh_per_second=refresh, transient=False,
                      redirect_stdout=False, redirect_stderr=False, vertical_overflow="crop"):
                for r in readings:
                    if r is not None:
                        dash.update(r, counters() if counters else None)
                    if due():
                        break
        else:
            next_snap = time.monotonic() + snapshot_every
            last_line = None
            pending = 0
            for r in readings:
                if r is not None:
                    dash.update(r, counters() if counters else None)
                    pending += 1
                    now = time.monotonic()
                    if last_line is None or now - last_line >= line_every:
                        more = "  (+%d more since the last line)" % (pending - 1) if pending > 1 else ""
                        console.print("%s  %s%s" % (_stamp(r), dash.summary_line(), more))
                        last_line = now
                        pending = 0
                if time.monotonic() >= next_snap:
                    console.print(dash.render(console.width))
                    next_snap = time.monotonic() + snapshot_every
                if due():
                    break
            console.print(dash.render(console.width))
    except KeyboardInterrupt:
        if not interactive:
            console.print(dash.render(console.width))
    return dash


class LiveView:
    """``hanreader read --live``: the dashboard for any source's readings.

    ``event(kind, message)`` takes the read loop's events (``silent``,
    ``lost``, ``retry`` show in the view until ``resumed``/``connected``).
    """

    def __init__(self, source_name, console=None, energy=None):
        from rich.console import Console

        self.console = console or Console()
        self.dash = Dashboard(title="hanreader", clock=None, energy=energy)
        self.dash.source = source_name

    def event(self, kind, message):
        if kind in ("silent", "lost", "retry"):
            self.dash.status = message
        elif kind in ("resumed", "connected"):
            self.dash.status = ""

    def run(self, readings, reader, count=None, duration=None):
        """Show ``readings`` until they end (or ``count`` of them); returns how many."""
        n = [0]

        def counted():
            for r in readings:
                n[0] += 1
                yield r
                if count and n[0] >= count:
                    return

        run_live(counted(), self.console, self.dash, duration=duration, counters=reader.counters)
        return n[0]


class ProgressReporter:
    """A progress bar on stderr for a long file (``decode``): bytes read of total."""

    def __init__(self, total, description="decoding", console=None):
        from rich.console import Console
        from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn,
                                   TimeRemainingColumn, TransferSpeedColumn)

        self.console = console or Console(stderr=True)
        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                 DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn(),
                                 TextColumn("{task.fields[frames]} frames"),
                                 console=self.console, transient=True,
                                 # stdout is the readings' alone: never captured into the bar's console
                                 redirect_stdout=False, redirect_stderr=False)
        self.task = self.progress.add_task(description, total=total, frames=0)

    def __enter__(self):
        self.progress.start()
        return self

    def update(self, position, frames):
        self.progress.update(self.task, completed=position, frames=frames)

    def __exit__(self, *exc):
        self.progress.stop()


def run_demo(console, kind="aidon", phases=3, duration=None, speed=1.0, history=300.0, seed=None,
             snapshot_every=10.0, stop=None):
    """The built-in demo: simulator -> byte stream (a socket pair) -> reader -> dashboard.

    ``history``: simulated seconds sent at once before real-time pacing, so
    the trend has something to show from the start. Returns (dashboard, reader).
    """
    import collections
    import datetime
    import socket
    import threading

    from .reader import HanReader, chunks
    from .simulator import Simulator
    from .sources import SocketSource, SourceLost

    now = datetime.datetime.now().replace(microsecond=0)
    if history >= 60:
        # Put the top of an hour inside the history, so the hourly list (the
        # energy registers) is on screen from the start: the simulated
        # clock runs a minute past the hour.
        top = now.replace(minute=0, second=0)
        start = top - datetime.timedelta(seconds=history - 60)
    else:
        start = now - datetime.timedelta(seconds=history)
    sim = Simulator(kind, phases, seed=seed, start=start)
    tx, rx = socket.socketpair()
    halt = threading.Event()

    # The simulated time of each frame sent, in order: the history is sent
    # at once, so the reading of a frame is drawn at the frame's own time,
    # not at the time the reader gets to it.
    stamps = collections.deque()

    def sink(data):
        stamps.append(sim.current_time.timestamp())
        try:
            tx.sendall(data)
        except OSError:
            halt.set()

    def produce():
        try:
            sim.run(sink, speed=speed, lead=history, stop=halt)
        finally:
            try:
                tx.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    thread = threading.Thread(target=produce, name="simulator", daemon=True)
    src = SocketSource(rx, "simulated %s meter" % sim.cfg["manufacturer"], timeout=0.2)
    reader = HanReader(src)
    def frame_time():
        return stamps.popleft() if stamps else sim.current_time.timestamp()

    from protocols.energy import Energy

    from .energy import SystemZone

    times = {}

    def frame_time_kept():
        t = times["t"] = frame_time()
        return t

    # The simulated meter's clock is this machine's local time.
    dash = Dashboard(title="hanreader demo", span=300.0, clock=frame_time_kept,
                     energy=Energy(SystemZone()), utc=lambda: times.get("t"))
    dash.source = "simulated %s %d-phase, speed %gx" % (sim.cfg["manufacturer"], phases, speed)

    def readings():
        # the one read loop (hostlib.reader.chunks); None: nothing new, the view redraws
        try:
            for s, data in chunks(lambda: src, reconnect=False, close=False):
                got = reader.feed(data, s.received) if data else ()
                for r in got:
                    yield r
                if not got:
                    yield None
        except SourceLost:  # the simulator's end of the socket pair closed
            return

    thread.start()
    try:
        run_live(readings(), console, dash, duration=duration, snapshot_every=snapshot_every,
                 counters=lambda: reader.counters(), stop=stop)
    finally:
        halt.set()
        thread.join(2.0)
        src.close()
        tx.close()
    return dash, reader
