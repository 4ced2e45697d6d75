# hostlib/cli/_common.py: what every hanreader command shares: exit codes, messages,
# the reading table, keys, rejected-frame reports and the shared option groups.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Shared helpers of the ``hanreader`` commands (one module per command in this package)."""

import argparse
import sys
import time

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_USAGE = 2

PROG = "hanreader"


class UsageError(Exception):
    """A usage error: one message, exit status 2."""


class Fail(Exception):
    """A failure to report as one message and exit status 1."""


def err(msg):
    """One line on stderr, prefixed with the program name."""
    try:
        sys.stderr.write("%s: %s\n" % (PROG, msg))
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def out(text):
    """One line on stdout."""
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
    head.append("time " + (reading.time_text or "-"))
    if reading.authenticated is not None:
        head.append("authenticated" if reading.authenticated else "NOT authenticated")
    u = getattr(reading, "layout", None)
    if u is not None:
        head.append("layout %s (signature %s)" % (u, reading.signature))
    lines = [" ".join(head)]
    if u is not None:
        from protocols.readingextra import _plain_value

        for i, (t, v) in enumerate(reading.positions):
            lines.append("  [%d] %-12s %s" % (i, t, _plain_value(v)))
    regs = reading.registers
    wn = max([len(r.name or "?") for r in regs] + [4])
    wo = max([len(r.obis or "") for r in regs] + [4])
    vals = [_value_text(r) for r in regs]
    wv = max([len(v) for v in vals if len(v) <= 24] + [1])
    for r, v in zip(regs, vals):
        line = "  %-*s  %-*s  %*s %s" % (wn, r.name or "?", wo, r.obis or "", wv, v, r.unit or "")
        t = getattr(r, "time", None)  # a P1 M-Bus channel's own capture time
        if t:
            line += "  at " + t
        lines.append(line.rstrip())
    return "\n".join(lines)


def emit(reading, args, index=None):
    """Print one reading as --json or the table asks."""
    if args.json:
        out(reading.to_json())
    else:
        out(format_reading(reading, index) + "\n")


# -- keys -----------------------------------------------------------------------------


def key_arg(text, what):
    """16 key bytes from hex text (the one key parser: protocols.security.parse_key).
    The key is a secret: no message repeats it, right or wrong."""
    from protocols.security import parse_key

    try:
        return parse_key(text, what)
    except (ValueError, TypeError) as e:
        raise UsageError(str(e)) from None


def decryptor(args):
    key = getattr(args, "key", None)
    auth = getattr(args, "auth_key", None)
    if key is None:
        if auth is not None:
            raise UsageError("--auth-key needs --key")
        return None
    k = key_arg(key, "--key")
    a = key_arg(auth, "--auth-key") if auth else None
    try:
        from ..decode import _keyed_decryptor

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

    def __call__(self, e):
        self.count += 1
        kind = getattr(e, "kind", "error")
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if self.quiet:
            return
        where = ""
        if self.position is not None:
            p = self.position(e)
            if p is not None:
                where = " at byte %d" % p
        err("rejected frame%s: %s: %s" % (where, kind, e))


# -- sources ----------------------------------------------------------------------------


def opener(args, quiet_probe=False):
    """A callable that opens args.source with the serial options of ``add_serial``."""
    from ..sources import SourceError, open_source, parse_tcp_url

    parity = args.parity.upper()
    auto = parity == "AUTO" or args.auto
    if args.source.startswith("tcp://"):
        try:
            parse_tcp_url(args.source)  # a malformed URL is a usage error, found before anything opens
        except SourceError as e:
            raise UsageError(e.message) from None

    def on_probe(baud, par):
        if not quiet_probe:
            err("%s: trying %d 8%s1 ..." % (args.source, baud, par))

    def opener_():
        kw = {}
        if auto:
            kw["on_probe"] = on_probe
        return open_source(args.source, baudrate=args.baud, parity="E" if auto else parity,
                           auto=auto, speed=getattr(args, "speed", None), **kw)

    return opener_


def stopper(args):
    """A callable that says True once --duration has passed."""
    t_end = None if not getattr(args, "duration", None) else time.monotonic() + args.duration
    return lambda: t_end is not None and time.monotonic() >= t_end


# -- argument parsing ---------------------------------------------------------------------


class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        err(scrub_usage(message))
        raise SystemExit(EXIT_USAGE)


def scrub_usage(message):
    """argparse's usage error without the values the user typed: a stray
    word may be a password or a key (``hanreader mqtt SRC hunter2``), and
    secrets never appear in any output. Option names stay (without an
    ``=value``); every other value is left out and counted."""
    import re

    if message.startswith("unrecognized arguments: "):
        words = message[len("unrecognized arguments: "):].split(" ")
        names = [w.split("=", 1)[0] + ("=..." if "=" in w else "") for w in words if w.startswith("-")]
        hidden = len(words) - len(names)
        if hidden:
            names.append("%d value%s (not shown: it may be a secret)" % (hidden, "" if hidden == 1 else "s"))
        return "unrecognized arguments: " + ", ".join(names)
    if message.startswith("ambiguous option: "):
        rest = message[len("ambiguous option: "):]
        opt, sep, tail = rest.partition(" could match ")
        if "=" in opt:
            opt = opt.split("=", 1)[0] + "=..."
        return "ambiguous option: " + opt + sep + tail
    message = re.sub(r"invalid choice: .*? \(choose from", "invalid choice (choose from", message, flags=re.S)
    message = re.sub(r"invalid (\w+) value: .*$", r"invalid \1 value", message, flags=re.S)
    return message


def positive(kind):
    def conv(s):
        try:
            v = kind(s)
        except ValueError:  # the text is not echoed: it may be a misplaced secret
            raise argparse.ArgumentTypeError("expected a number") from None
        if v <= 0:
            raise argparse.ArgumentTypeError("expected a positive number, found %r" % s)
        return v
    return conv


def add_keys(sp):
    sp.add_argument("--key", metavar="HEX", help="AES-128 encryption key (32 hex digits)")
    sp.add_argument("--auth-key", metavar="HEX", help="authentication key (32 hex digits)")


def add_output(sp):
    sp.add_argument("--json", action="store_true", help="one JSON object per reading, one per line")
    sp.add_argument("-q", "--quiet", action="store_true", help="no rejected-frame messages or summary")


def add_serial(sp):
    sp.add_argument("-b", "--baud", type=positive(int), default=2400, help="baud rate (default 2400)")
    sp.add_argument("-p", "--parity", default="E", choices=["E", "N", "O", "e", "n", "o", "auto"],
                    help="parity: E (Aidon, Kaifa; default), N (Kamstrup), or auto")
    sp.add_argument("--auto", action="store_true",
                    help="detect the settings: 2400 8E1/8N1, 9600, 115200 until frames verify")


# -- outputs (simulate, replay) --------------------------------------------------------------


def add_sinks(p, what):
    """The outputs ``sink_for`` reads: ``--port``, ``--pty``, ``--tcp`` (one of them,
    the group is returned for more) and ``--bind``."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--port", metavar="PTY", help="write %s to this pty or serial port (e.g. one end of socat)" % what)
    g.add_argument("--pty", action="store_true", help="create a pty pair, print the end to read, write %s into it"
                   % what)
    g.add_argument("--tcp", type=int, metavar="PORT", help="serve %s on TCP PORT (0: any free port)" % what)
    p.add_argument("--bind", default="127.0.0.1", help="address for --tcp (default 127.0.0.1)")
    return g


def add_meter(p):
    """``--meter`` (every declared meter with a simulation profile) and ``--phases``."""
    from protocols.meters import catalog as meters

    p.add_argument("--meter", choices=meters.simulated(), default="aidon")
    p.add_argument("--phases", type=int, choices=[1, 3], default=3)


def sink_for(args):
    """Where simulate/replay send bytes: (sink callable, close callable, description, sink object)."""
    from ..sinks import PtySink, TcpServerSink

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
    stdout = sys.stdout.buffer
    as_hex = args.hex or sys.stdout.isatty()
    if as_hex:
        def sink(data):
            stdout.write(data.hex().upper().encode() + b"\n")
            stdout.flush()
    else:
        def sink(data):
            stdout.write(data)
            stdout.flush()
    return sink, lambda: None, "standard output" + (" (hex)" if as_hex else ""), None


def article(word):
    """``an Aidon``, ``a Kaifa``."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def plural(n, word):
    """``1 frame``, ``2 frames``."""
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


def accountant(args, live, top=3, steps=None):
    """The energy accounting of ``--tz``/``--state`` (``energy``, ``read --live``,
    ``mqtt --energy``): a ``hostlib.energy.Accountant`` keeping its hours in
    ``--state`` DIR, by default for a ``live`` source in $XDG_STATE_HOME/hanreader
    (a file without ``--state``: in memory). A bad zone is a usage error, a
    folder that cannot hold the database a one-line failure."""
    import sqlite3

    from ..energy import Accountant, default_state_dir, host_zone
    from protocols import energy as core

    try:
        zone = host_zone(args.tz)
    except ValueError as e:
        raise UsageError(str(e)) from None
    state = args.state
    if state is None and live:
        state = default_state_dir()
    try:
        return Accountant(state, zone, top, core.DEFAULT_STEPS if steps is None else steps)
    except (OSError, sqlite3.Error) as e:
        raise Fail("--state %s: cannot keep the energy state there: %s" % (state, e)) from None


class KeyNotice:
    """Says once when --key was given but the meter sends plaintext (the key is not used)."""

    def __init__(self, args):
        self.armed = getattr(args, "key", None) is not None
        self.quiet = getattr(args, "quiet", False)

    def __call__(self, reading):
        if self.armed and reading.authenticated is None and reading.frame_counter is None:
            self.armed = False
            if not self.quiet:
                err("--key given, but this meter sends plaintext: the key is not needed (and not used)")
