# app.py: the dongle: HAN UART in, JSON lines out on USB serial, commands in.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""The asyncio application (issue #5).

    import app
    app.main()            # what main.py does: never returns on a board

One main loop reads the UART, feeds ``protocols.Reader``, prints one JSON
line per reading (``Reading.to_json()``, byte-identical to the host's),
steps the serial-setting ``Detector`` and feeds the watchdog. Two guarded
tasks run beside it: the status line every ``status_s`` and the command
console on stdin. An exception in any of them is counted, reported as an
``{"event": "fault"}`` line and the work goes on; only an exception outside
them (which resets the board, counted by safemode) can stop the app.

Memory is bounded: the framer's buffer (max_frame + 512) and the 512-byte
read buffer are allocated once; a reading lives only until its line is
printed; the console line is capped at 512 bytes.

Code that runs once or rarely is imported when needed and forgotten after
(``_unload``): reading the config file (``config``), finding the board
profile (``board``), the boot counter (``safemode``) and the commands
(``commands``). On a board running the ``.mpy`` bundle (``tools/deploy``)
and on the unix port, bytecode lives in the heap, so this keeps about
12 KB free for the reader; a frozen image loses nothing by it.
"""

import gc
import sys
import time

try:
    import asyncio
except ImportError:  # pragma: no cover - MicroPython before 1.21
    import uasyncio as asyncio

import machine

import detect
import status
from protocols.decoder import Reader

_CHUNK = 512  # UART read buffer; also the framer's chunk
_MAX_READS = 16  # chunks per loop pass before yielding to the other tasks
_POLL_MS = 20  # loop period when the UART is idle (2400 baud: 48 bytes)
_MAX_FRAME = 1024  # longest HDLC frame accepted (Swedish Aidon: 581)
_FAULT_GAP_MS = 1000  # at most one fault line per second
_OOM_RESET = 8  # loop passes in a row ending in MemoryError (after a collect) before a reset


def _unload(*names):
    """Forget modules whose work is done, so the GC can free their bytecode
    (the caller must hold no reference to them or to their objects)."""
    for n in names:
        if n in sys.modules:
            del sys.modules[n]


def load_config():
    """(settings dict, problems list) from the config file on flash."""
    import config

    c = config.Config.load()
    out = c.values, c.problems
    c = config = None
    _unload("config")
    return out


class Console:
    """Non-blocking line reader on stdin (USB serial), ``poll`` + ``read(1)``.

    Works on the boards, the unix port (a pipe or a tty) and the
    webassembly port. ``lines()`` returns the complete lines read so far;
    an over-long line comes back as None (refused, never echoed).
    """

    def __init__(self):
        import select

        self.stream = getattr(sys.stdin, "buffer", sys.stdin)
        self.poller = select.poll()
        self.poller.register(sys.stdin, select.POLLIN)
        self.line = bytearray()
        self.overflow = False
        self.eof = False

    def lines(self, limit=256):
        out = []
        while limit > 0 and not self.eof:
            limit -= 1
            if not self.poller.poll(0):
                break
            c = self.stream.read(1)
            if not c:
                self.eof = True  # a pipe in the simulator; never on a board
                self.poller.unregister(sys.stdin)
                break
            if type(c) is str:
                c = c.encode()
            b = c[0]
            if b == 10 or b == 13:
                if self.overflow:
                    out.append(None)
                elif self.line:
                    out.append(bytes(self.line))
                self.line = bytearray()
                self.overflow = False
            elif len(self.line) >= status.MAX_LINE:
                self.overflow = True
            else:
                self.line.append(b)
        return out


class App:
    def __init__(self, cfg=None):
        self.t0 = time.ticks_ms()
        # cfg: the settings dict (config.Config.values); loaded from flash if None.
        self.problems = []
        if cfg is None:
            cfg, self.problems = load_config()
        self.cfg = cfg
        import safemode  # counted by boot.py; only the count is kept

        self.boots = safemode.boots()
        safemode = None
        _unload("safemode")
        self.faults = 0
        self.lost_readings = 0  # decoded (or verified) but never printed: out of memory
        self.out_of_memory = 0  # MemoryErrors the loop survived
        self.net = None  # Wi-Fi + MQTT (net.py), only when wifi_ssid is set
        self.energy = None  # energy_hook.EnergyHook, only when cfg["energy"]
        self.unknown_layout = None  # the signature of the last reading of a layout no declaration knows
        self.uart_bytes = 0
        self.uart = None
        self.wdt = None
        self.led = None
        self.decrypt_state = "off"
        self._last_fault = None
        self._oom = 0  # loop passes in a row that ended in MemoryError
        self._stable = False
        self._verified = 0  # messages that passed their checksum
        self._uart_retry = None
        self._buf = bytearray(_CHUNK)
        self._mv = memoryview(self._buf)
        self.reader = Reader(
            decrypt=self._decryptor(),
            on_reject=self._on_reject,
            on_error=self._on_decode_error,
            max_frame=_MAX_FRAME,
            on_frame=self._on_frame,
            keep_raw=bool(self.cfg["raw"]),
        )
        self._setup_board()
        self._start_net()
        self.set_energy()

    # -- the public API (commands.py uses only this) ------------------------

    def reopen(self):
        """Apply the board and serial settings of ``cfg``: find the board
        profile again, restart detection from ``cfg["serial"]`` and reopen
        the HAN UART. Returns the setting opened."""
        self._setup_board()
        self._try_open(self.detector.current)
        return self.detector.current

    def redetect(self):
        """Start serial-setting detection again now; returns the setting opened."""
        new = self.detector.restart(time.ticks_ms())
        self._try_open(new)
        return new

    def set_raw(self, on):
        """Raw mode: print each verified message as hex besides its reading."""
        self.cfg["raw"] = bool(on)
        self.reader.set_raw(on)

    def set_decryption(self):
        """Apply ``cfg["key"]`` and ``cfg["auth_key"]`` to the decoder."""
        self.reader.decrypt = self._decryptor()
        return self.decrypt_state

    def set_network(self):
        """Apply the Wi-Fi and MQTT settings of ``cfg``: stop what runs and
        start again (nothing is loaded without ``wifi_ssid``)."""
        if self.net is not None:
            try:
                self.net.stop()
            except Exception as e:
                self.fault("net", e)
            self.net = None
            gc.collect()
        self._start_net()

    def set_energy(self):
        """Start or stop the energy accounting as ``cfg["energy"]`` says
        (its state file is restored at start, saved at most once an hour)."""
        if not self.cfg["energy"]:
            if self.energy is not None:
                self.energy = None
                _unload("energy_hook", "protocols.energy")
            return
        if self.energy is not None:
            return
        try:
            import energy_hook

            e = self.energy = energy_hook.EnergyHook()
            if e.problem:
                self.event("energy", [("problem", e.problem)])
            else:
                self.event("energy", [("state", "restored" if e.restored else "new"), ("file", e.path)] + e.pairs())
        except Exception as e:
            self.energy = None
            self.fault("energy", e)

    def counters(self):
        """The reader's counters as a dict."""
        c = self.reader.counters()
        return c if type(c) is dict else dict(c)

    def _start_net(self):
        if not self.cfg["wifi_ssid"]:
            return
        try:
            import net

            self.net = net.Net(self)
        except ImportError as e:  # a board without Wi-Fi (no network module)
            self.event("wifi", [("error", "no Wi-Fi on this board (%s)" % e)])
        except Exception as e:
            self.fault("net", e)

    # -- set-up -----------------------------------------------------------

    def _setup_board(self):
        import board

        self.board, self.board_how = board.find(self.cfg["board"])
        if self.board_how == "fallback":
            self.board_problem = "no profile for %r: set {\"set\": {\"board\": NAME}}" % board.machine_name()
        board = None
        _unload("board")
        self.detector = self._new_detector()
        led = self.board.get("led")
        self.led = None
        if led is not None:
            try:
                self.led = machine.Pin(led, machine.Pin.OUT)
                self.led.value(1 if self.board.get("led_active_low") else 0)
            except Exception:  # a wrong LED pin must not stop the reader
                self.led = None

    def _new_detector(self):
        c = self.cfg
        return detect.Detector(
            c["detect_order"],
            start=c["serial"],
            dwell_ms=c["dwell_s"] * 1000,
            redetect_ms=c["redetect_s"] * 1000,
            first_dwell_ms=c["redetect_s"] * 1000 if c["serial"] else None,
            auto=c["autodetect"],
            now=time.ticks_ms(),
        )

    def _decryptor(self):
        """The ``decrypt`` hook of protocols.Reader, or None (issue #7)."""
        key = self.cfg["key"]
        if key is None:
            self.decrypt_state = "off"
            return None
        try:
            from protocols.security import make_decryptor
        except ImportError:
            self.decrypt_state = "unavailable"
            return None
        self.decrypt_state = "on"
        return make_decryptor(key, self.cfg["auth_key"])

    def open_uart(self, name):
        """(Re)open the HAN UART at setting ``name``; False if that failed."""
        if self.uart is not None:
            try:
                self.uart.deinit()
            except Exception:
                pass
            self.uart = None
        b = self.board
        c = self.cfg
        kw = detect.uart_kwargs(name)
        inv = detect.parse(name)[4]
        board_inv = c["invert"] if c["invert"] is not None else bool(b.get("invert"))
        if inv != board_inv:
            kw["invert"] = machine.UART.INV_RX
        rx = c["rx_pin"] if c["rx_pin"] is not None else b.get("rx")
        tx = c["tx_pin"] if c["tx_pin"] is not None else b.get("tx")
        kw["rx"] = machine.Pin(rx)
        if tx is not None:
            kw["tx"] = machine.Pin(tx)
        uid = c["uart"] if c["uart"] is not None else b.get("uart", 1)
        self.reader.flush()
        self.uart = machine.UART(uid, **kw)
        return True

    def _try_open(self, name):
        try:
            self.open_uart(name)
            self._uart_retry = None
        except Exception as e:
            self.uart = None
            self._uart_retry = time.ticks_add(time.ticks_ms(), 5000)
            self.fault("uart", e)

    # -- output -----------------------------------------------------------

    def emit(self, line):
        print(line)

    def emit_reading(self, reading):
        # Written in pieces: without MQTT the JSON line is never built whole
        # in the heap; with it, the pieces are also copied into one buffer
        # kept from reading to reading (mqttout.Line), published as the
        # state (the same text: no second to_json() per reading).
        net = self.net
        line = None
        if net is not None:
            at = net.received_at()
            if at is not None:
                try:
                    reading.received_at = at  # protocols.reading writes it after "time"
                except AttributeError:  # a core without received_at
                    pass
            line = net.line()
        out = sys.stdout.write
        if line is not None:
            try:
                line.start(out)
            except MemoryError:  # no room for the line's buffer (its first 2 KB): printed and published as before
                line = None
        try:
            if line is None:
                reading.write_json(out)
            else:
                reading.write_json(line.write)
                line.done()
        finally:
            out("\n")  # a line cut by MemoryError still ends: the next line stays whole
        if getattr(reading, "layout", None) == "unknown":
            self.unknown_layout = getattr(reading, "signature", None)
        if self.energy is not None:
            try:
                self.energy.feed(reading)
            except MemoryError:
                raise
            except Exception as e:
                self.fault("energy", e)
        if net is not None:
            try:
                net.reading(reading, line)
            except MemoryError:
                raise
            except Exception as e:
                self.fault("mqtt", e)

    def event(self, name, pairs=()):
        self.emit(status.obj([("event", name)] + list(pairs)))

    def fault(self, where, err):
        self.faults += 1
        now = time.ticks_ms()
        if self._last_fault is not None and time.ticks_diff(now, self._last_fault) < _FAULT_GAP_MS:
            return
        self._last_fault = now
        self.event("fault", [("where", where), ("error", "%s: %s" % (type(err).__name__, err))])

    def uptime_s(self):
        return time.ticks_diff(time.ticks_ms(), self.t0) // 1000

    # -- the reader ---------------------------------------------------------

    def _on_frame(self, msg):
        # Called by the Reader for every verified message (HDLC frame,
        # M-Bus message, P1 telegram, bare APDU), before it is decoded.
        self._verified += 1
        if self.led is not None:
            self.led.value(1 - self.led.value())
        if self.cfg["raw"]:
            self.emit('{"raw": "%s"}' % raw_bytes(msg).hex())

    def _on_reject(self, err):
        # Framing rejects (checksums, garbage): counted by the framers and
        # shown in the status line; no line each.
        pass

    def _on_decode_error(self, err):
        # A verified message that does not decode is worth a line (e.g. "no key is set").
        self.event("decode_error", [("kind", err.kind), ("message", str(err))])

    def poll_uart(self):
        """Read what the UART holds, print readings; return the byte count."""
        uart = self.uart
        if uart is None:
            return 0
        total = 0
        det = self.detector
        for _ in range(_MAX_READS):
            n = uart.readinto(self._buf)
            if not n:
                break
            total += n
            before = self._verified
            fr = self.reader.framer
            acc = fr.accepted
            try:
                readings = self.reader.feed(self._mv[:n])
            except MemoryError:
                # The chunk's messages are lost: every one the framer accepted
                # (or the app saw verified) is counted, none in silence.
                got = fr.accepted - acc if self.reader.framer is fr else 0
                self.lost_readings += max(got, self._verified - before, 0)
                self.uart_bytes += total
                raise
            det.bytes(n)
            if self._verified != before and det.frame(time.ticks_ms()):
                self._locked(det.current)
            left = len(readings)
            try:
                for r in readings:
                    self.emit_reading(r)
                    left -= 1
            except MemoryError:
                self.lost_readings += left
                self.uart_bytes += total
                raise
            readings = None
            if n < len(self._buf):
                break
        self.uart_bytes += total
        return total

    def _locked(self, name):
        self.event("locked", [("serial", name)])
        if self.cfg["serial"] != name:
            self.cfg["serial"] = name
            try:
                self.save_config()
            except (OSError, MemoryError) as e:
                # Not saved (flash, or no heap to load config.py): the
                # setting is still in use, and this chunk's readings go out.
                self.fault("config", e)

    def save_config(self):
        import config

        config.save(self.cfg)
        config = None
        _unload("config")

    def _step_detector(self, now):
        new = self.detector.poll(now)
        if new is not None:
            self.event("detect", [("serial", new)])
            self._try_open(new)
        elif self.uart is None and self._uart_retry is not None and time.ticks_diff(now, self._uart_retry) >= 0:
            self._try_open(self.detector.current)

    # -- commands -----------------------------------------------------------

    def command(self, line):
        """Run one command line (commands.py); print exactly one answer line."""
        try:
            import commands

            commands.run(self, line)
        except MemoryError:
            gc.collect()
            self.emit(status.obj([("error", "out of memory: the command may not have run, send it again")]))
        finally:
            commands = None
            _unload("commands", "config")

    # -- tasks ----------------------------------------------------------------

    async def _guard(self, name, fn):
        """Run task ``fn`` for ever: an exception is reported, then it restarts."""
        while True:
            try:
                await fn()
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self.fault(name, e)
                await asyncio.sleep_ms(1000)

    async def _status_task(self):
        last = time.ticks_ms()
        while True:
            await asyncio.sleep_ms(1000)
            s = self.cfg["status_s"]
            now = time.ticks_ms()
            if s and time.ticks_diff(now, last) >= s * 1000:
                last = now
                status.write_status(self, sys.stdout.write)

    async def _console_task(self):
        con = Console()
        while not con.eof:
            for line in con.lines():
                self.command(line)
            await asyncio.sleep_ms(50)

    def _housekeeping(self, now):
        if not self._stable and time.ticks_diff(now, self.t0) >= self.cfg["stable_s"] * 1000:
            self._stable = True
            import safemode

            safemode.clear()
            safemode = None
            _unload("safemode")
        if self.energy is not None:
            try:
                if self.energy.maybe_save():  # writes only when an hour closed, at most once an hour
                    self.event("energy", [("saved", self.energy.path)] + self.energy.pairs())
            except OSError as e:
                self.fault("energy", e)

    def _out_of_memory(self):
        # One MemoryError can be a burst; the same failure pass after pass,
        # each after a full collect, is a fragmented or exhausted heap that
        # only a reset cures (counted by safemode, like any crash).
        self._oom += 1
        if self._oom >= _OOM_RESET:
            self.emit('{"event": "reset", "why": "out of memory in %d loop passes in a row"}' % self._oom)
            time.sleep_ms(100)
            machine.reset()

    async def run(self):
        """The main loop; returns only by an exception (BaseException)."""
        gc.collect()
        try:
            gc.threshold(gc.mem_free() // 4 + gc.mem_alloc())
        except (AttributeError, ValueError):  # pragma: no cover
            pass
        status.write_status(self, sys.stdout.write)
        for p in self.problems:
            self.event("config", [("problem", p)])
        self.problems = []
        if self.board_how == "fallback":
            self.event("board", [("problem", self.board_problem)])
        self._try_open(self.detector.current)
        if self.cfg["wdt_s"]:
            self.wdt = machine.WDT(timeout=self.cfg["wdt_s"] * 1000)
        tasks = [
            asyncio.create_task(self._guard("status", self._status_task)),
            asyncio.create_task(self._guard("console", self._console_task)),
        ]
        try:
            while True:
                got = 0
                try:
                    got = self.poll_uart()
                    now = time.ticks_ms()
                    self._step_detector(now)
                    self._housekeeping(now)
                    if self.net is not None:
                        self.net.step(now)
                    self._oom = 0
                except MemoryError as e:
                    gc.collect()
                    self.out_of_memory += 1
                    self.fault("loop", e)
                    self._out_of_memory()
                except Exception as e:
                    self.fault("loop", e)
                if self.wdt is not None:
                    self.wdt.feed()
                await asyncio.sleep_ms(0 if got else _POLL_MS)
        finally:
            for t in tasks:
                t.cancel()


def raw_bytes(msg):
    """The received bytes of a verified message: the whole HDLC frame
    (7E ... 7E) or M-Bus frames when the framer keeps them (``raw``), else
    the message's own bytes: an M-Bus message's APDU, a P1 telegram or a
    bare APDU (already bytes)."""
    data = getattr(msg, "raw", None)
    if data is None:
        data = getattr(msg, "apdu", None)
    if data is None:
        data = getattr(msg, "info", None)
    if data is None:
        data = msg
    return bytes(data)


def main():
    """Start the app; on an unexpected exception print it and reset."""
    a = App()
    try:
        asyncio.run(a.run())
    except KeyboardInterrupt:
        print('{"event": "stopped"}')
    except Exception as e:
        print(status.obj([("event", "crash"), ("error", "%s: %s" % (type(e).__name__, e))]))
        time.sleep_ms(2000)
        machine.reset()
