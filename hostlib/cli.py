# hostlib/cli.py: the ``hanreader`` command.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""hanreader: read, decode, record, replay and simulate smart-meter HAN ports.

    hanreader demo                               # simulated meter, live view
    hanreader decode capture.hex [--json]        # frames in a file (raw or hex)
    hanreader read /dev/ttyUSB0 [--json]         # live readings (reconnects)
    hanreader read tcp://192.168.1.20:3001
    hanreader record /dev/ttyUSB0 out.hanrec     # raw bytes with timestamps
    hanreader replay out.hanrec [--fast]
    hanreader simulate --meter kaifa --phases 3 --pty

Exit status: 0 success (``decode``: at least one frame decoded), 1 failure
(nothing decoded, a port or file that cannot be used, bad input), 2 usage
error. Errors are one clear line on stderr, never a traceback.
"""

import argparse
import os
import sys
import time

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_USAGE = 2

PROG = "hanreader"


class UsageError(Exception):
    pass


class Fail(Exception):
    """A failure to report as one message and exit status 1."""


def _err(msg):
    try:
        sys.stderr.write("%s: %s\n" % (PROG, msg))
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _out(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# -- formatting -------------------------------------------------------------------


def _value_text(r):
    v = r.value
    if isinstance(v, float):
        s = repr(v)
    elif v is None:
        s = "null"
    else:
        s = str(v)
    return s


def format_reading(reading, index=None):
    """A reading as a readable table (the non-JSON output of decode/read)."""
    m = reading.meter
    head = []
    if index is not None:
        head.append("#%d" % index)
    head.append(m.manufacturer or "unknown meter")
    if m.type:
        head.append(m.type)
    if m.id:
        head.append("id " + m.id)
    if m.list_version:
        head.append("(%s)" % m.list_version)
    head.append("time " + (reading.time or "-"))
    if reading.authenticated is not None:
        head.append("authenticated" if reading.authenticated else "NOT authenticated")
    lines = [" ".join(head)]
    regs = reading.registers
    wn = max([len(r.name or "?") for r in regs] + [4])
    wo = max([len(r.obis or "") for r in regs] + [4])
    vals = [_value_text(r) for r in regs]
    wv = max([len(v) for v in vals if len(v) <= 24] + [1])
    for r, v in zip(regs, vals):
        line = "  %-*s  %-*s  %*s %s" % (wn, r.name or "?", wo, r.obis or "", wv, v, r.unit or "")
        lines.append(line.rstrip())
    return "\n".join(lines)


def _emit(reading, args, index=None):
    if args.json:
        _out(reading.to_json())
    else:
        _out(format_reading(reading, index) + "\n")


def _key_arg(text, what):
    t = text.strip().replace(" ", "").replace(":", "")
    if t.lower().startswith("0x"):
        t = t[2:]
    try:
        b = bytes.fromhex(t)
    except ValueError:
        raise UsageError("%s: expected 32 hex digits (an AES-128 key), found %r" % (what, text)) from None
    if len(b) != 16:
        raise UsageError("%s: expected 16 bytes (32 hex digits), found %d" % (what, len(b)))
    return b


def _decryptor(args):
    key = getattr(args, "key", None)
    auth = getattr(args, "auth_key", None)
    if key is None:
        if auth is not None:
            raise UsageError("--auth-key needs --key")
        return None
    k = _key_arg(key, "--key")
    a = _key_arg(auth, "--auth-key") if auth else None
    try:
        from .decode import _keyed_decryptor

        return _keyed_decryptor(k, a)
    except ImportError as e:
        raise Fail("decryption is not available: %s" % e) from None


class RejectReporter:
    """Prints every rejected frame: kind, reason, and where."""

    def __init__(self, quiet=False, position=None):
        self.quiet = quiet
        self.position = position  # callable(err) -> byte offset or None
        self.count = 0
        self.kinds = {}

    def __call__(self, err):
        self.count += 1
        kind = getattr(err, "kind", "error")
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if self.quiet:
            return
        where = ""
        if self.position is not None:
            p = self.position(err)
            if p is not None:
                where = " at byte %d" % p
        _err("rejected frame%s: %s: %s" % (where, kind, err))


# -- decode -------------------------------------------------------------------------


def cmd_decode(args):
    from .live import ProgressReporter
    from .reader import HanReader
    from .sources import open_file

    decrypt = _decryptor(args)
    src = open_file(args.file, args.format)
    state = {"fed": 0, "frames": 0}
    head = bytearray()  # the first 64 KiB, to explain a file where nothing was found

    def position(err):
        return getattr(err, "stream_offset", None)

    rep = RejectReporter(args.quiet, position)
    reader = HanReader(decrypt=decrypt, on_reject=rep, max_frame=2049, format=args.protocol)
    total = None
    if args.file != "-":
        try:
            total = os.path.getsize(args.file)
        except OSError:
            total = None
    show_progress = (args.progress == "always" or (args.progress == "auto" and total and total > (1 << 20)
                                                  and sys.stderr.isatty()))
    n = 0
    prog = ProgressReporter(total or 0, "decoding %s" % os.path.basename(args.file)) if show_progress else None
    last = time.monotonic()
    try:
        if prog:
            prog.__enter__()
        while True:
            data = src.read()
            if data is None:
                break
            # Feed in slices no larger than the framer's spare room, so a
            # rejected frame's offset can be given in input bytes.
            if len(head) < 65536:
                head += data[: 65536 - len(head)]
            for i in range(0, len(data), 256):
                piece = data[i:i + 256]
                state["fed"] += len(piece)
                for r in reader.feed(piece):
                    n += 1
                    _emit(r, args, None)
            if prog and time.monotonic() - last > 0.1:
                last = time.monotonic()
                prog.update(src.position, n)
        for r in reader.flush():
            n += 1
            _emit(r, args)
    finally:
        if prog:
            prog.__exit__(None, None, None)
        src.close()
    if n == 0 and not rep.count:
        # Nothing verified and nothing was rejected as a frame: the framers
        # skip a flag that opens no frame (a wrong format type). Say why the
        # first candidate fails.
        _explain(bytes(head), rep)
    c = reader.counters
    if args.stats or not args.json and not args.quiet:
        rej = max(rep.count, c["rejected"])
        _err("%d frame%s decoded, %d rejected%s" % (
            n, "" if n == 1 else "s", rej,
            (" (" + ", ".join("%s %d" % kv for kv in sorted(rep.kinds.items())) + ")") if rep.kinds else ""))
    if n == 0:
        if not rep.count:
            _err("no frame found in %s (%s input, %d bytes)" % (
                "standard input" if args.file == "-" else args.file, src.format, state["fed"]))
        return EXIT_FAIL
    return EXIT_OK


def _explain(head, rep):
    from protocols.errors import HanError

    from .decode import decode

    p = head.find(b"\x7e")
    if p < 0:
        return
    try:
        decode(head[p:])
    except HanError as e:
        e.stream_offset = p
        rep(e)
    except Exception:  # noqa: BLE001 - only an explanation attempt
        pass


# -- read -------------------------------------------------------------------------------


def _opener(args, quiet_probe=False):
    from .sources import open_source

    parity = args.parity.upper()
    auto = parity == "AUTO" or args.auto

    def on_probe(baud, par):
        if not quiet_probe:
            _err("%s: trying %d 8%s1 ..." % (args.source, baud, par))

    def opener():
        kw = {}
        if auto:
            kw["on_probe"] = on_probe
        return open_source(args.source, baudrate=args.baud, parity="E" if auto else parity,
                           auto=auto, speed=getattr(args, "speed", None), **kw)

    return opener


def _stopper(args):
    t_end = None if not getattr(args, "duration", None) else time.monotonic() + args.duration
    return lambda: t_end is not None and time.monotonic() >= t_end


def cmd_read(args):
    from .reader import HanReader, follow

    decrypt = _decryptor(args)
    rep = RejectReporter(args.quiet)
    reader = HanReader(decrypt=decrypt, on_reject=rep, format=args.input_format,
                       on_status=(lambda s: _err("dongle status: %s" % s.data)) if not args.quiet else None)
    stop = _stopper(args)
    opener = _opener(args)

    def event(kind, msg):
        if kind == "connected":
            if not args.quiet:
                _err(msg)
        elif kind != "ended":
            _err(msg)

    def opened():
        src = opener()
        if getattr(src, "detected", None):
            _err("%s: detected %d 8%s1" % (src.name, src.detected[0], src.detected[1]))
        if getattr(src, "parity_ignored", False) and not args.quiet:
            _err("%s: a pty has no parity; reading 8N1" % src.name)
        return src

    if args.no_reconnect:
        def once():
            yield from _read_once(opened, reader, stop)
        gen = once()
    else:
        gen = follow(opened, reader, on_event=event, stop=stop, retry_first=args.wait,
                     max_delay=args.max_backoff)
    n = 0
    try:
        for r in gen:
            n += 1
            _emit(r, args)
            if args.count and n >= args.count:
                break
    except KeyboardInterrupt:
        pass
    finally:
        gen.close()
    if not args.quiet:
        c = reader.counters
        _err("%d reading%s, %d frames ok, %d rejected" % (n, "" if n == 1 else "s", c["accepted"], c["rejected"]))
    return EXIT_OK if n else EXIT_FAIL


def _read_once(opened, reader, stop):
    src = opened()
    try:
        while not stop():
            data = src.read()
            if data is None:
                for r in reader.flush():
                    yield r
                return
            if data:
                for r in reader.feed(data):
                    yield r
    finally:
        src.close()


# -- record / replay --------------------------------------------------------------------------


def cmd_record(args):
    from protocols.hdlc import HdlcFramer

    from .recording import RecordingWriter
    from .sources import SourceLost

    opener = _opener(args)
    stop = _stopper(args)
    src = opener()
    settings = getattr(src, "settings", "")
    try:
        f = open(args.file, "w", encoding="utf-8", newline="\n")
    except OSError as e:
        src.close()
        raise Fail("%s: %s" % (args.file, e.strerror or e)) from None
    framer = HdlcFramer(max_frame=2049)
    w = RecordingWriter(f, source=("%s %s" % (src.name, settings)).strip())
    tty = sys.stderr.isatty()
    _err("recording %s to %s (Ctrl-C to stop)" % (src.name, args.file))
    delay = 1.0
    last = 0.0
    try:
        while not stop():
            try:
                data = src.read()
            except SourceLost as e:
                src.close()
                _err("%s; reconnecting" % e.message)
                while not stop():
                    time.sleep(delay)
                    delay = min(delay * 2, 30.0)
                    try:
                        src = opener()
                        _err("%s: reconnected" % src.name)
                        delay = 1.0
                        break
                    except Exception as e2:  # noqa: BLE001 - report and retry
                        _err("%s; retrying in %.0f s" % (getattr(e2, "message", e2), delay))
                continue
            if data is None:
                break
            if data:
                w.write(data)
                framer.feed(data)
                if args.count and framer.accepted >= args.count:
                    break
                if tty and time.monotonic() - last > 0.5:
                    last = time.monotonic()
                    sys.stderr.write("\r%d bytes, %d frames ok, %d rejected " % (w.bytes, framer.accepted, framer.rejected))
                    sys.stderr.flush()
    except KeyboardInterrupt:
        pass
    finally:
        src.close()
        w.close()
        f.close()
    if tty:
        sys.stderr.write("\n")
    _err("recorded %d bytes in %d chunks (%d frames ok, %d rejected) to %s"
         % (w.bytes, w.chunks, framer.accepted, framer.rejected, args.file))
    return EXIT_OK if w.bytes else EXIT_FAIL


def _sink_for(args):
    """Where simulate/replay send bytes: (sink callable, close callable, description)."""
    from .simulator import PtySink, TcpServerSink

    if getattr(args, "pty", False):
        s = PtySink()
        return s, s.close, "pty %s" % s.path, s
    if getattr(args, "port", None):
        s = PtySink(args.port)
        return s, s.close, args.port, s
    if getattr(args, "tcp", None) is not None:
        try:
            s = TcpServerSink(args.tcp, args.bind)
        except OSError as e:
            raise Fail("cannot listen on %s:%d: %s" % (args.bind, args.tcp, e.strerror or e)) from None
        return s, s.close, s.url, s
    out = sys.stdout.buffer
    as_hex = args.hex or sys.stdout.isatty()
    if as_hex:
        def sink(data):
            out.write(data.hex().upper().encode() + b"\n")
            out.flush()
    else:
        def sink(data):
            out.write(data)
            out.flush()
    return sink, lambda: None, "standard output" + (" (hex)" if as_hex else ""), None


def cmd_replay(args):
    from .reader import HanReader
    from .sources import open_file

    speed = None if args.fast else args.speed
    src = open_file(args.file, "auto", speed=speed)
    if src.format != "recording" and not args.fast:
        _err("%s is %s input, not a recording: no timing to replay, sending it at once" % (args.file, src.format))
    output = args.pty or args.port or args.tcp is not None or args.raw
    n = 0
    try:
        if output:
            args.hex = not args.raw
            sink, close, where, _obj = _sink_for(args)
            _err("replaying %s to %s%s" % (args.file, where, "" if speed else " as fast as possible"))
            if args.tcp is not None and args.wait_client:
                _obj.connected.wait()
            try:
                while True:
                    data = src.read()
                    if data is None:
                        break
                    sink(data)
                    n += len(data)
            finally:
                close()
            return EXIT_OK if n else EXIT_FAIL
        rep = RejectReporter(args.quiet)
        reader = HanReader(decrypt=_decryptor(args), on_reject=rep)
        for r in reader.readings(src):
            n += 1
            _emit(r, args)
        if not args.quiet:
            c = reader.counters
            _err("%d reading%s, %d rejected" % (n, "" if n == 1 else "s", c["rejected"]))
        return EXIT_OK if n else EXIT_FAIL
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        src.close()


# -- simulate / demo ------------------------------------------------------------------------------


def cmd_simulate(args):
    import datetime
    import threading

    from .simulator import Simulator

    start = None
    if args.start:
        try:
            start = datetime.datetime.fromisoformat(args.start)
        except ValueError:
            raise UsageError("--start: expected an ISO date-time like 2025-01-15T13:59:00, found %r"
                             % args.start) from None
    sim = Simulator(args.meter, args.phases, seed=args.seed, start=start)
    sink, close, where, obj = _sink_for(args)
    speed = None if args.fast else args.speed
    stop = threading.Event()
    if args.duration:
        timer = threading.Timer(args.duration, stop.set)
        timer.daemon = True
        timer.start()
    _err("simulating a %s %s (%d-phase) -> %s, %s (Ctrl-C to stop)" % (
        sim.cfg["manufacturer"], sim.meter_type, sim.phases, where,
        "as fast as possible" if not speed else ("real time" if speed == 1 else "%gx real time" % speed)))
    if obj is not None and getattr(obj, "path", None) and getattr(obj, "master", None) is not None:
        _err("read it with: hanreader read %s" % obj.path)
    if obj is not None and hasattr(obj, "url"):
        _err("read it with: hanreader read %s" % obj.url)

    def on_frame(f):
        if args.verbose:
            _err("%s list %d, %d bytes, P+ %s W" % (f.when.isoformat(), f.list, len(f.frame),
                                                   f.expected.get("active_power_import")))

    n = 0
    try:
        n = sim.run(sink, speed=speed, count=args.count, stop=stop, on_frame=on_frame)
    except KeyboardInterrupt:
        n = sim.sent
    except BrokenPipeError:
        n = sim.sent
    finally:
        stop.set()
        close()
    _err("sent %d frames" % n)
    return EXIT_OK


def cmd_demo(args):
    from rich.console import Console

    from .live import run_demo

    console = Console(force_terminal=False if args.headless else None)
    dash, reader = run_demo(console, args.meter, args.phases, duration=args.duration,
                            speed=args.speed, history=args.history * 60.0, seed=args.seed,
                            snapshot_every=args.every)
    c = reader.counters
    _err("demo ended: %d readings, %d frames ok, %d rejected" % (dash.readings, c["accepted"], c["rejected"]))
    return EXIT_OK


# -- argument parsing ---------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        _err(message)
        raise SystemExit(EXIT_USAGE)


def _positive(kind):
    def conv(s):
        try:
            v = kind(s)
        except ValueError:
            raise argparse.ArgumentTypeError("expected a number, found %r" % s) from None
        if v <= 0:
            raise argparse.ArgumentTypeError("expected a positive number, found %r" % s)
        return v
    return conv


def build_parser():
    from protocols import __version__

    p = _Parser(prog=PROG, description="Read and decode smart-meter HAN ports (Aidon, Kaifa, "
                "Kamstrup and other DLMS meters): live, from files, or simulated.",
                epilog="Exit status: 0 ok, 1 failure (nothing decoded, port or file unusable), 2 usage.")
    p.add_argument("--version", action="version", version="%(prog)s " + __version__)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def keys(sp):
        sp.add_argument("--key", metavar="HEX", help="AES-128 encryption key (32 hex digits)")
        sp.add_argument("--auth-key", metavar="HEX", help="authentication key (32 hex digits)")

    def out(sp):
        sp.add_argument("--json", action="store_true", help="one JSON object per reading, one per line")
        sp.add_argument("-q", "--quiet", action="store_true", help="no rejected-frame messages or summary")

    def serial(sp):
        sp.add_argument("-b", "--baud", type=_positive(int), default=2400, help="baud rate (default 2400)")
        sp.add_argument("-p", "--parity", default="E", choices=["E", "N", "O", "e", "n", "o", "auto"],
                        help="parity: E (Aidon, Kaifa; default), N (Kamstrup), or auto")
        sp.add_argument("--auto", action="store_true",
                        help="detect the settings: 2400 8E1/8N1, 9600, 115200 until frames verify")

    d = sub.add_parser("decode", help="decode frames in a file (raw bytes, hex text or a recording)",
                       description="Decode every frame in FILE (or standard input): raw bytes or hex text "
                       "(white space, line breaks and # comments allowed), detected automatically; "
                       "garbage between frames is skipped. Rejected frames are reported on stderr.")
    d.add_argument("file", nargs="?", default="-", metavar="FILE|-")
    out(d)
    keys(d)
    d.add_argument("--format", choices=["auto", "raw", "hex", "recording"], default="auto",
                   help="input format (default: detect)")
    d.add_argument("--protocol", choices=["auto", "hdlc", "mbus", "p1", "apdu"], default="auto",
                   help="framing (default: detect HDLC, M-Bus, P1 or bare APDUs)")
    d.add_argument("--stats", action="store_true", help="print the summary even with --json")
    d.add_argument("--progress", choices=["auto", "always", "never"], default="auto",
                   help="progress bar on stderr (auto: files over 1 MiB on a terminal)")
    d.set_defaults(func=cmd_decode)

    r = sub.add_parser("read", help="live readings from a serial port, tcp://HOST:PORT or a file",
                       description="Print readings as they arrive. Survives a port that disappears "
                       "and comes back (reconnects with backoff, and says so).")
    r.add_argument("source", metavar="PORT|tcp://HOST:PORT")
    out(r)
    keys(r)
    serial(r)
    r.add_argument("--input-format", choices=["auto", "hdlc", "mbus", "p1", "apdu", "dongle"], default="auto",
                   help="the meter's frames (HDLC, M-Bus, P1) or the dongle's JSON lines (default: detect)")
    r.add_argument("-n", "--count", type=_positive(int), help="stop after N readings")
    r.add_argument("--duration", type=_positive(float), help="stop after SECONDS")
    r.add_argument("--no-reconnect", action="store_true", help="exit when the port goes away")
    r.add_argument("--wait", action="store_true", help="keep retrying if the port is not there at start")
    r.add_argument("--max-backoff", type=_positive(float), default=30.0, help="longest wait between reconnects (s)")
    r.set_defaults(func=cmd_read)

    rc = sub.add_parser("record", help="record raw bytes with receive timestamps",
                        description="Record what PORT sends, as received, with timestamps "
                        "(format: docs/host.md). decode and replay read the file.")
    rc.add_argument("source", metavar="PORT|tcp://HOST:PORT")
    rc.add_argument("file", metavar="FILE")
    serial(rc)
    rc.add_argument("-n", "--count", type=_positive(int), help="stop after N verified frames")
    rc.add_argument("--duration", type=_positive(float), help="stop after SECONDS")
    rc.set_defaults(func=cmd_record)

    rp = sub.add_parser("replay", help="replay a recording (decoded, or re-sent to a pty/TCP)",
                        description="Replay FILE at the recorded pace (or --fast). Without an output "
                        "option the readings are printed as 'read' prints them.")
    rp.add_argument("file", metavar="FILE")
    out(rp)
    keys(rp)
    rp.add_argument("--fast", action="store_true", help="as fast as possible")
    rp.add_argument("--speed", type=_positive(float), default=1.0, help="pace factor (2 = twice as fast)")
    g = rp.add_mutually_exclusive_group()
    g.add_argument("--pty", action="store_true", help="send the bytes into a new pty (prints its name)")
    g.add_argument("--port", metavar="PTY", help="send the bytes to this pty or serial port")
    g.add_argument("--tcp", type=int, metavar="PORT", help="serve the bytes on this TCP port")
    g.add_argument("--raw", action="store_true", help="write the raw bytes to standard output")
    rp.add_argument("--bind", default="127.0.0.1", help="address for --tcp (default 127.0.0.1)")
    rp.add_argument("--wait-client", action="store_true", help="with --tcp: wait for a client first")
    rp.set_defaults(func=cmd_replay, hex=False)

    s = sub.add_parser("simulate", help="emulate a meter: real frames to a pty, TCP or stdout",
                       description="Emulate an Aidon, Kaifa or Kamstrup meter: real frames from a "
                       "plausible household load, at the meters' cadence (or sped up).")
    s.add_argument("--meter", choices=["aidon", "kaifa", "kamstrup"], default="aidon")
    s.add_argument("--phases", type=int, choices=[1, 3], default=3)
    g = s.add_mutually_exclusive_group()
    g.add_argument("--port", metavar="PTY", help="write to this pty or serial port (e.g. one end of socat)")
    g.add_argument("--pty", action="store_true", help="create a pty pair and print the end to read")
    g.add_argument("--tcp", type=int, metavar="PORT", help="serve frames on TCP PORT (0: any free port)")
    s.add_argument("--bind", default="127.0.0.1", help="address for --tcp (default 127.0.0.1)")
    s.add_argument("--hex", action="store_true", help="stdout: one frame per line in hex")
    s.add_argument("--speed", type=_positive(float), default=1.0, help="time factor (60 = a minute per second)")
    s.add_argument("--fast", action="store_true", help="as fast as possible")
    s.add_argument("-n", "--count", type=_positive(int), help="stop after N frames")
    s.add_argument("--duration", type=_positive(float), help="stop after SECONDS (wall clock)")
    s.add_argument("--seed", type=int, help="random seed (repeatable load profile)")
    s.add_argument("--start", help="simulated start time (ISO, default now)")
    s.add_argument("-v", "--verbose", action="store_true", help="log every frame on stderr")
    s.set_defaults(func=cmd_simulate)

    dm = sub.add_parser("demo", help="simulated meter -> reader, with a live terminal view",
                        description="Run a simulated meter into the reader in one process and show a "
                        "live view. Ctrl-C or --duration ends it.")
    dm.add_argument("--meter", choices=["aidon", "kaifa", "kamstrup"], default="aidon")
    dm.add_argument("--phases", type=int, choices=[1, 3], default=3)
    dm.add_argument("--duration", type=_positive(float), help="stop after SECONDS")
    dm.add_argument("--speed", type=_positive(float), default=1.0, help="time factor (10 = ten times faster)")
    dm.add_argument("--history", type=float, default=5.0, help="minutes of history sent at start (trend)")
    dm.add_argument("--seed", type=int)
    dm.add_argument("--headless", action="store_true", help="plain snapshots instead of a live screen")
    dm.add_argument("--every", type=_positive(float), default=10.0, help="headless: snapshot every SECONDS")
    dm.set_defaults(func=cmd_demo)
    return p


def main(argv=None):
    """Entry point; returns the exit status (also for ``main([...])`` in tests)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from .hexinput import HexError
    from .recording import RecordingError
    from .sources import SourceError

    _term_is_interrupt()
    try:
        return args.func(args)
    except UsageError as e:
        _err(str(e))
        return EXIT_USAGE
    except (SourceError, Fail, HexError, RecordingError) as e:
        _err(str(e))
        return EXIT_FAIL
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        # The reader of our output went away (``| head``): not an error.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except Exception as e:  # noqa: BLE001 - never a traceback for the user
        _err("internal error: %s: %s (please report it, with HANREADER_DEBUG=1 for details)"
             % (type(e).__name__, e))
        if os.environ.get("HANREADER_DEBUG"):
            import traceback

            traceback.print_exc()
        return EXIT_FAIL


def _term_is_interrupt():
    """SIGTERM (systemd, docker stop, timeout) ends a command as cleanly as Ctrl-C."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):  # pragma: no cover - not the main thread / no signals
        pass


def run():
    sys.exit(main())


if __name__ == "__main__":
    run()
