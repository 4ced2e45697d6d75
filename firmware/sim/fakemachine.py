# sim/fakemachine.py: the ``machine`` module of a board, for the simulator.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Installed as ``sys.modules["machine"]`` by sim/replay.py before the
firmware is imported. The UART is the far end of a meter that pushes the
replayed capture:

* each (re)opened UART starts a new pass over the capture (the meter's next
  push); the bytes it yields are the capture sent at ``meter.setting`` and
  received at the UART's own setting through ``sim.wire`` (a wrong setting
  corrupts them); bytes come as fast as the app reads them;
* at the meter's setting the capture is delivered ``meter.passes`` times,
  then the line goes quiet and, ``linger_ms`` later, the simulation ends
  (SystemExit 0); at any other setting the meter keeps repeating;
* ``WDT`` ends the simulation (exit code 4) if the app does not feed it in
  time, as the board would reset.
"""

import gc
import sys
import time

PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5
RESET_CAUSE = PWRON_RESET


def reset_cause():
    return RESET_CAUSE


def reset():
    meter.finish("machine.reset()", 0)


def soft_reset():
    reset()


def unique_id():
    return b"\x00\x00\x00\x00hanr"


def freq(*a):
    return 125000000


def idle():
    pass


class Pin:
    IN = 0
    OUT = 1
    PULL_UP = 1
    PULL_DOWN = 2

    def __init__(self, id, mode=-1, pull=None, value=None):
        self.id = id
        self._v = value or 0

    def value(self, v=None):
        if v is None:
            return self._v
        self._v = 1 if v else 0

    def on(self):
        self._v = 1

    def off(self):
        self._v = 0

    def __repr__(self):
        return "Pin(%r)" % (self.id,)


class WDT:
    def __init__(self, id=0, timeout=5000):
        self.timeout = timeout
        self.last = time.ticks_ms()
        self.feeds = 0
        meter.wdt = self

    def feed(self):
        now = time.ticks_ms()
        if time.ticks_diff(now, self.last) > self.timeout:
            meter.finish("watchdog: not fed for %d ms" % time.ticks_diff(now, self.last), 4)
        self.last = now
        self.feeds += 1


class UART:
    INV_TX = 1
    INV_RX = 2

    def __init__(self, id, baudrate=9600, bits=8, parity=None, stop=1, rx=None, tx=None,
                 rxbuf=256, timeout=0, invert=0, **kw):
        if bits != 8 or stop != 1 or parity not in (None, 0, 1):
            raise ValueError("sim UART: 8 data bits, 1 stop bit, parity None/0/1 only")
        self.id = id
        self.rx = rx
        self.rxbuf = rxbuf
        self.setting = "%d-8%s1%s" % (baudrate, "N" if parity is None else ("E" if parity == 0 else "O"),
                                      "-inv" if invert & UART.INV_RX else "")
        self.open = True
        meter.attach(self)

    def deinit(self):
        self.open = False
        meter.detach(self)

    def readinto(self, buf, nbytes=None):
        return meter.read(self, buf)

    def read(self, nbytes=256):
        b = bytearray(nbytes)
        n = meter.read(self, b)
        return bytes(b[:n]) if n else None

    def any(self):
        return 0

    def write(self, data):
        return len(data)


class Meter:
    """The simulated meter and the record of the run (``stats()``)."""

    def __init__(self):
        self.data = None  # a sim.capture.Source
        self.setting = "2400-8E1"
        self.passes = 1
        self.linger_ms = 300
        self.max_wrong = 256 * 1024  # garbage bytes before giving up
        self.heap_every = 0  # sample gc.mem_alloc() after collect every N passes
        self.alloc_passes = 0  # measure bytes allocated for N passes (gc off)
        self.wdt = None
        self.uart = None
        self.opens = []  # settings the app opened, in order
        self.done = 0  # passes completed at the meter's setting
        self.wrong_bytes = 0
        self.heap = []
        self.alloc = []
        self.boot_heap = None
        self._pos = 0
        self._rx = None
        self._quiet_since = None
        self.start_ms = 0  # the meter is quiet this long after boot (e.g. until Wi-Fi is up)
        self.gap_ms = 0  # quiet time between passes (a real meter pushes every 2-10 s)
        self.cues = {}  # pass number -> callable run as that pass starts (e.g. a Wi-Fi drop)
        self.settle_ms = 15000  # at the end, wait this long at most for settled() to be True
        self._hold = None
        self._alloc_mark = None
        self._buf = None  # the app's read buffer and a memoryview of it
        self._mv = None

    def attach(self, uart):
        self.uart = uart
        self.opens.append(uart.setting)
        self._pos = 0
        self._rx = None
        if uart.setting != self.setting:
            from sim.wire import Receiver, Wire

            self._rx = Receiver(Wire(self.data, self.setting), uart.setting)

    def detach(self, uart):
        if self.uart is uart:
            self.uart = None

    def read(self, uart, buf):
        if self.boot_heap is None:
            gc.collect()
            self.boot_heap = gc.mem_alloc()
        if uart is not self.uart or not uart.open:
            return None
        if self._rx is not None:
            return self._read_wrong(buf)
        if self.done >= self.passes:
            now = time.ticks_ms()
            if self._quiet_since is None:
                self._quiet_since = now
            elif time.ticks_diff(now, self._quiet_since) >= self.linger_ms:
                waited = time.ticks_diff(now, self._quiet_since) - self.linger_ms
                if settled() or waited >= self.settle_ms:
                    self.finish(None, 0)
            return None
        if self._pos == 0:
            now = time.ticks_ms()
            if self._hold is None:
                self._hold = time.ticks_add(now, self.start_ms)
            if time.ticks_diff(now, self._hold) < 0:
                return None
            self._pass_start()
        data = self.data  # the capture stays on disk
        if buf is not self._buf:
            self._buf = buf
            self._mv = memoryview(buf)
        n = data.read_at(self._pos, buf, self._mv)
        self._pos += n
        if self._pos >= len(data):
            self._pos = 0
            self.done += 1
            self._hold = time.ticks_add(time.ticks_ms(), self.gap_ms)
        return n

    def _pass_start(self):
        k = self.done
        cue = self.cues.get(k)
        if cue is not None:
            cue()
        if self.heap_every and k % self.heap_every == 0:
            gc.collect()
            self.heap.append(gc.mem_alloc())
        if self.alloc_passes:
            if self._alloc_mark is not None:
                self.alloc.append(gc.mem_alloc() - self._alloc_mark)
                gc.enable()
            if len(self.alloc) < self.alloc_passes and k >= 2:  # after warm-up
                gc.collect()
                gc.disable()
                self._alloc_mark = gc.mem_alloc()
            else:
                self._alloc_mark = None

    def _read_wrong(self, buf):
        n = self._rx.read(buf)
        if not n:  # end of this pass: the meter pushes again
            from sim.wire import Receiver, Wire

            self._rx = Receiver(Wire(self.data, self.setting), self.uart.setting)
            n = self._rx.read(buf)
            if not n:
                return None
        self.wrong_bytes += n
        if self.wrong_bytes > self.max_wrong:
            self.finish("the app never opened the meter's setting %s (tried %s)"
                        % (self.setting, " ".join(self.opens[-8:])), 3)
        return n

    def stats(self):
        # modules: what is resident at the end (the app unloads boot-only code).
        mods = [n for n in sys.modules if not n.startswith("sim")]
        mods.sort()
        return ('{"sim": {"meter": "%s", "passes": %d, "opens": %s, "wrong_bytes": %d, '
                '"boot_heap": %s, "heap": %s, "alloc": %s, "modules": %s}}'
                % (self.setting, self.done, _jlist(self.opens), self.wrong_bytes,
                   self.boot_heap, self.heap, self.alloc, _jlist(mods)))

    def finish(self, why, code):
        gc.enable()
        if why:
            sys.stderr.write("sim: %s\n" % why)
        if STATS:
            sys.stderr.write(self.stats() + "\n")
        raise SystemExit(code)


def settled():
    """True when the firmware has nothing left to send (its MQTT publisher,
    if one runs, is connected and holds no reading)."""
    m = sys.modules.get("mqttout")
    return m is None or m.idle()


def install(flash, config_text, capture, passes=1):
    """A fresh board for a test or probe script: this module as ``machine``,
    ``flash`` as the filesystem (made, entered) with ``hanreader.json`` =
    ``config_text``, and the meter pushing ``capture`` ``passes`` times."""
    import os

    from sim.capture import open_capture

    sys.modules["machine"] = sys.modules[__name__]
    try:
        os.mkdir(flash)
    except OSError:
        pass
    os.chdir(flash)
    with open("hanreader.json", "w") as f:
        f.write(config_text)
    meter.data = open_capture(capture, "auto", flash + ".capture")
    meter.passes = passes
    return meter


def _jlist(items):
    return "[" + ", ".join(['"%s"' % s for s in items]) + "]"


STATS = False
meter = Meter()
