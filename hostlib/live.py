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

    def render(self, width=60, unit="W"):
        cols = self.columns(width)
        vals = [v for v in cols if v is not None]
        if not vals:
            return Text("waiting for data …", style="dim")
        top = max(vals)
        lo = 0.0
        scale = (top - lo) or 1.0
        levels = self.rows * 8
        lines = []
        for row in range(self.rows - 1, -1, -1):
            chars = []
            for v in cols:
                if v is None:
                    chars.append(" ")
                    continue
                h = int(round((v - lo) / scale * levels))
                part = h - row * 8
                chars.append(_BLOCKS[max(0, min(8, part))])
            label = "%7s " % _short(top if row == self.rows - 1 else (lo if row == 0 else None), unit)
            lines.append(Text(label, style="dim") + Text("".join(chars), style="cyan"))
        minutes = self.span / 60.0
        lines.append(Text(" " * 8 + ("-%g min" % minutes).ljust(width - 3) + "now", style="dim"))
        return Group(*lines)


def _short(v, unit):
    if v is None:
        return ""
    if v >= 10000:
        return "%.1fk%s" % (v / 1000.0, unit)
    return "%d %s" % (v, unit)


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
        self.time = None
        self.readings = 0
        self.counters = {}
        self.trend = Trend(span)
        self.status = ""
        self.source = ""
        self.last_update = None

    def update(self, reading, counters=None):
        t = self.clock()  # asked once per reading, whatever it holds
        self.readings += 1
        m = reading.meter
        if m.id or self.meter is None:
            self.meter = m
        if reading.time_text:
            self.time = reading.time_text
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
            self.energy.feed(reading, self.utc())
        self.last_update = time.monotonic()

    def get(self, name):
        v = self.values.get(name)
        return v[0] if v else None

    # -- rendering -----------------------------------------------------------------
    def _header(self):
        m = self.meter
        t = Text()
        t.append(self.title, style="bold magenta")
        if m is not None:
            t.append("   %s" % (m.manufacturer or "unknown meter"), style="bold")
            if m.type:
                t.append(" %s" % m.type)
            if m.id:
                t.append("  id %s" % m.id, style="dim")
            if m.list_version:
                t.append("  (%s)" % m.list_version, style="dim")
        if self.time:
            t.append("   meter time %s" % self.time.replace("T", " "), style="green")
        if self.source:
            t.append("   ← %s" % self.source, style="dim")
        return t

    def _power(self):
        tb = Table(box=box.SIMPLE_HEAD, expand=True, title="Power", title_style="bold")
        tb.add_column("")
        tb.add_column("import", justify="right")
        tb.add_column("export", justify="right")
        g = self.get
        tb.add_row("active", _fmt(g("active_power_import"), "W"), _fmt(g("active_power_export"), "W"))
        tb.add_row("reactive", _fmt(g("reactive_power_import"), "var"),
                   _fmt(g("reactive_power_export"), "var"))
        return tb

    def _phases(self):
        tb = Table(box=box.SIMPLE_HEAD, expand=True, title="Per phase", title_style="bold")
        tb.add_column("phase")
        tb.add_column("voltage", justify="right")
        tb.add_column("current", justify="right")
        tb.add_column("power", justify="right")
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
            tb.add_row("–", "waiting for list 2", "", "")
        return tb

    def _energy(self):
        tb = Table(box=box.SIMPLE_HEAD, expand=True, title="Energy registers", title_style="bold")
        tb.add_column("")
        tb.add_column("import", justify="right")
        tb.add_column("export", justify="right")
        vals = self.values
        for label, imp, exp in (("active", "active_energy_import", "active_energy_export"),
                                ("reactive", "reactive_energy_import", "reactive_energy_export")):
            a = vals.get(imp)
            b = vals.get(exp)
            tb.add_row(label, _energy(a[0], a[1]) if a else "–", _energy(b[0], b[1]) if b else "–")
        clock = self.get("clock")
        tb.caption = ("as of %s (sent hourly)" % clock.replace("T", " ")) if clock else "sent hourly (list 3)"
        return tb

    def _capacity(self):
        """The running hour, its projection, the month's peaks and step (docs/energy.md)."""
        from protocols import energy as core

        e = self.energy
        tb = Table(box=box.SIMPLE_HEAD, expand=True, title="This hour and the month's capacity step",
                   title_style="bold")
        tb.add_column("running hour", justify="right")
        tb.add_column("projected", justify="right")
        tb.add_column("month's peaks (top %d days)" % e.top)
        tb.add_column("average / step", justify="right")
        tb.add_column("margin", justify="right")
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
        if r is None:
            tb.add_row("–", "–", peaks, step, "–")
        else:
            mg = r["margin_wh"]
            tb.add_row("%.2f kWh" % (r["so_far_wh"] / 1000.0), "%.2f kWh" % (r["projection_wh"] / 1000.0), peaks,
                       step, "top step" if mg is None else "%.2f kWh" % (mg / 1000.0))
        return tb

    def _footer(self):
        c = self.counters
        t = Text(style="dim")
        t.append("readings %d" % self.readings)
        if c:
            t.append("   frames ok %d" % c.get("accepted", 0))
            rej = c.get("rejected", 0)
            t.append("   rejected %d" % rej, style="red" if rej else "dim")
            if c.get("bytes"):
                t.append("   bytes %d" % c["bytes"])
        if self.status:
            t.append("   " + self.status, style="yellow")
        t.append("   Ctrl-C to quit")
        return t

    def render(self, width=100):
        grid = Table.grid(expand=True, padding=(0, 2))
        grid.add_column(ratio=1)
        grid.add_column(ratio=1)
        grid.add_row(self._power(), self._phases())
        chart_w = max(20, min(120, width - 16))
        trend = Panel(self.trend.render(chart_w), title="Active power (import − export), last %g min"
                      % (self.trend.span / 60.0), border_style="cyan", box=box.ROUNDED)
        parts = [self._header(), grid, self._energy()]
        if self.energy is not None:
            parts.append(self._capacity())
        body = Group(*parts + [trend, self._footer()])
        return Panel(body, box=box.HEAVY, border_style="magenta")

    def summary_line(self):
        parts = []
        for name, label in (("active_power_import", "P+"), ("voltage_l1", "U1"), ("current_l1", "I1")):
            v = self.values.get(name)
            if v:
                parts.append("%s %s" % (label, _fmt(v[0], v[1])))
        return "  ".join(parts)


def run_live(readings, console, dashboard=None, duration=None, refresh=4, snapshot_every=10.0,
             counters=None, stop=None):
    """Show ``readings`` (an iterable) on ``console`` until it ends, Ctrl-C or ``duration``.

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
            with Live(dash.render(console.width), console=console, refresh_per_second=refresh,
                      transient=False, redirect_stderr=False) as live:
                for r in readings:
                    if r is not None:
                        dash.update(r, counters() if counters else None)
                        live.update(dash.render(console.width))
                    if due():
                        break
        else:
            next_snap = time.monotonic() + snapshot_every
            for r in readings:
                if r is not None:
                    dash.update(r, counters() if counters else None)
                    console.print("%s  %s" % (time.strftime("%H:%M:%S"), dash.summary_line()))
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
                                 console=self.console, transient=True)
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

    from .reader import HanReader
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
    dash.source = "simulated %s %d-phase, %s" % (sim.cfg["manufacturer"], phases,
                                                 "real time" if speed == 1 else "%gx" % speed)

    def readings():
        while True:
            try:
                data = src.read()
            except SourceLost:
                return
            if data is None:
                return
            if not data:
                yield None
                continue
            got = reader.feed(data)
            for r in got:
                yield r
            if not got:
                yield None

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
