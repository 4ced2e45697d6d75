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
"""

import gc
import json
import sys
import time

try:
    import asyncio
except ImportError:  # pragma: no cover - MicroPython before 1.21
    import uasyncio as asyncio

import machine

import board
import config
import detect
import safemode
import status
from protocols.decoder import Reader

_CHUNK = 512  # UART read buffer; also the framer's chunk
_MAX_READS = 16  # chunks per loop pass before yielding to the other tasks
_POLL_MS = 20  # loop period when the UART is idle (2400 baud: 48 bytes)
_MAX_LINE = 512  # longest command line
_MAX_FRAME = 1024  # longest HDLC frame accepted (Swedish Aidon: 581)
_FAULT_GAP_MS = 1000  # at most one fault line per second


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
            elif len(self.line) >= _MAX_LINE:
                self.overflow = True
            else:
                self.line.append(b)
        return out


class App:
    def __init__(self, cfg=None):
        self.t0 = time.ticks_ms()
        self.cfg = cfg if cfg is not None else config.Config.load()
        self.boots = safemode.boots()
        self.faults = 0
        self.uart_bytes = 0
        self.uart = None
        self.wdt = None
        self.led = None
        self.decrypt_state = "off"
        self._last_fault = None
        self._stable = False
        self._decoding = False
        self._verified = 0  # messages that passed their checksum
        self._uart_retry = None
        self._buf = bytearray(_CHUNK)
        self._mv = memoryview(self._buf)
        self.reader = Reader(
            decrypt=self._decryptor(),
            on_reject=self._on_reject,
            max_frame=_MAX_FRAME,
            on_frame=self._on_frame,
            keep_raw=bool(self.cfg["raw"]),
        )
        self._setup_board()

    # -- set-up -----------------------------------------------------------

    def _setup_board(self):
        self.board, self.board_how = board.find(self.cfg["board"])
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
        # Written in pieces: the JSON line is never built whole in the heap.
        w = sys.stdout.write
        reading.write_json(w)
        w("\n")

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
        # M-Bus frame, P1 telegram), before it is decoded.
        self._decoding = True
        self._verified += 1
        if self.led is not None:
            self.led.value(1 - self.led.value())
        if self.cfg["raw"]:
            # The whole verified frame as received (HDLC: 7E ... 7E); other
            # protocols' messages are their bytes already.
            data = getattr(msg, "raw", None) or getattr(msg, "info", None) or msg
            self.emit('{"raw": "%s"}' % bytes(data).hex())

    def _on_reject(self, err):
        # Framer rejects (checksums, garbage) only count; a verified frame
        # that does not decode is worth a line (e.g. "no key is set").
        if self._decoding:
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
            self._decoding = False
            readings = self.reader.feed(self._mv[:n])
            self._decoding = False
            det.bytes(n)
            if self._verified != before and det.frame(time.ticks_ms()):
                self._locked(det.current)
            for r in readings:
                self.emit_reading(r)
            readings = None
            if n < len(self._buf):
                break
        self.uart_bytes += total
        return total

    def _locked(self, name):
        self.event("locked", [("serial", name)])
        if self.cfg["serial"] != name:
            self.cfg.values["serial"] = name
            try:
                self.cfg.save()
            except OSError as e:
                self.fault("config", e)

    def _step_detector(self, now):
        new = self.detector.poll(now)
        if new is not None:
            self.event("detect", [("serial", new)])
            self._try_open(new)
        elif self.uart is None and self._uart_retry is not None and time.ticks_diff(now, self._uart_retry) >= 0:
            self._try_open(self.detector.current)

    # -- commands -----------------------------------------------------------

    def command(self, line):
        """Run one command line; print exactly one answer line."""
        try:
            self.emit(self._command(line))
        except ValueError as e:
            self.emit(status.obj([("error", str(e))]))

    def _command(self, line):
        if line is None:
            raise ValueError("command too long: at most %d bytes per line" % _MAX_LINE)
        try:
            cmd = json.loads(line)
        except ValueError:
            # Never echo the line: it may hold a key.
            raise ValueError('not JSON: send one JSON object per line, e.g. {"cmd": "help"}')
        if type(cmd) is not dict or len(cmd) != 1:
            raise ValueError('expected an object with one member: "set", "unset" or "cmd"')
        for verb in cmd:
            arg = cmd[verb]
        if verb == "set":
            changed = self.cfg.update(arg)
            return self._changed("set", changed)
        if verb == "unset":
            changed = self.cfg.reset(arg)
            return self._changed("unset", changed)
        if verb == "cmd":
            if arg == "status":
                return status.status_line(self)
            if arg == "config":
                return status.obj([("config", status.Raw(self.cfg.public()))])
            if arg == "detect":
                new = self.detector.restart(time.ticks_ms())
                self._try_open(new)
                return status.obj([("ok", "detect"), ("serial", new)])
            if arg == "reset":
                self.emit(status.obj([("ok", "reset")]))
                time.sleep_ms(100)
                machine.reset()
            if arg == "help":
                return status.obj([("ok", "help"), ("commands", [
                    '{"set": {"NAME": VALUE, ...}}', '{"unset": ["NAME", ...]}',
                    '{"cmd": "status"}', '{"cmd": "config"}', '{"cmd": "detect"}',
                    '{"cmd": "reset"}']), ("settings", list(config.KEYS))])
            raise ValueError('cmd: expected "status", "config", "detect", "reset" or "help"')
        raise ValueError('unknown command "%s": expected "set", "unset" or "cmd"' % str(verb)[:32])

    def _changed(self, verb, changed):
        if changed:
            self.cfg.save()
            self._apply(changed)
        pairs = [("ok", verb), ("changed", changed)]
        if "wdt_s" in changed:
            pairs.append(("note", "wdt_s takes effect at the next boot"))
        return status.obj(pairs)

    def _apply(self, changed):
        for k in ("board", "serial", "autodetect", "detect_order", "dwell_s",
                  "redetect_s", "uart", "rx_pin", "tx_pin", "invert"):
            if k in changed:
                self._setup_board()
                self._try_open(self.detector.current)
                break
        if "key" in changed or "auth_key" in changed:
            self.reader.decrypt = self._decryptor()
        if "raw" in changed:
            # Frames keep their received bytes only while raw mode is on.
            keep = bool(self.cfg["raw"])
            self.reader.keep_raw = keep
            self.reader.framer.keep_raw = keep

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
                self.emit(status.status_line(self))

    async def _console_task(self):
        con = Console()
        while not con.eof:
            for line in con.lines():
                self.command(line)
            await asyncio.sleep_ms(50)

    def _housekeeping(self, now):
        if not self._stable and time.ticks_diff(now, self.t0) >= self.cfg["stable_s"] * 1000:
            self._stable = True
            safemode.clear()

    async def run(self):
        """The main loop; returns only by an exception (BaseException)."""
        gc.collect()
        try:
            gc.threshold(gc.mem_free() // 4 + gc.mem_alloc())
        except (AttributeError, ValueError):  # pragma: no cover
            pass
        self.emit(status.status_line(self))
        for p in self.cfg.problems:
            self.event("config", [("problem", p)])
        if self.board_how == "fallback":
            self.event("board", [("problem", "no profile for %r: set {\"set\": {\"board\": NAME}}" % board.machine_name())])
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
                except MemoryError as e:
                    gc.collect()
                    self.fault("loop", e)
                except Exception as e:
                    self.fault("loop", e)
                if self.wdt is not None:
                    self.wdt.feed()
                await asyncio.sleep_ms(0 if got else _POLL_MS)
        finally:
            for t in tasks:
                t.cancel()


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
