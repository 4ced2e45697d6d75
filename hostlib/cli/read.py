# hostlib/cli/read.py: ``hanreader read``: live readings from a port, TCP or a file.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
import json

from ._common import (EXIT_FAIL, EXIT_OK, KeyNotice, RejectReporter, UsageError, accountant, add_keys, add_output,
                      add_serial, decryptor, emit, err, opener, plural, positive, stopper)

ORDER = 20


def add_parser(sub):
    r = sub.add_parser("read", help="live readings from a serial port, tcp://HOST:PORT or a file",
                       description="Print readings as they arrive. Survives a port that disappears "
                       "and comes back (reconnects with backoff, and says so), and says when no frame "
                       "has come for a while (--silence) and when frames return.")
    r.add_argument("source", metavar="PORT|tcp://HOST:PORT")
    add_output(r)
    add_keys(r)
    add_serial(r)
    r.add_argument("--input-format", choices=["auto", "hdlc", "mbus", "p1", "apdu", "dongle"], default="auto",
                   help="the meter's frames (HDLC, M-Bus, P1) or the dongle's JSON lines (default: detect)")
    r.add_argument("-n", "--count", type=positive(int), help="stop after N readings")
    r.add_argument("--duration", type=positive(float), help="stop after SECONDS")
    r.add_argument("--no-reconnect", action="store_true", help="exit when the port goes away")
    r.add_argument("--wait", action="store_true", help="keep retrying if the port is not there at start")
    r.add_argument("--max-backoff", type=positive(float), default=30.0, help="longest wait between reconnects (s)")
    r.add_argument("--silence", type=positive(float), default=30.0,
                   help="say so on stderr when no frame has come for SECONDS (default 30), and when they return")
    r.add_argument("--live", action="store_true", help="a live view in the terminal instead of text lines, with "
                   "the running hour, its projection, the month's peaks and the capacity step (docs/energy.md)")
    r.add_argument("--tz", default="Europe/Oslo", metavar="ZONE", help="--live: local zone of the energy "
                   "accounting (default Europe/Oslo)")
    r.add_argument("--state", metavar="DIR", help="--live: keep the energy hours and state in DIR/energy.sqlite3 "
                   "(default for a live source: $XDG_STATE_HOME/hanreader, as 'hanreader energy'; files: in memory)")
    r.set_defaults(func=run)
    return r


def run(args):
    from ..reader import HanReader, follow

    decrypt = decryptor(args)
    rep = RejectReporter(args.quiet or args.live)  # the live view counts them
    reader = HanReader(decrypt=decrypt, on_reject=rep, format=args.input_format,
                       on_status=(lambda s: err("dongle status: %s" % json.dumps(s.data))) if not args.quiet else None)
    stop = stopper(args)
    open_ = opener(args)
    dash = None
    acct = None
    if args.live:
        from ..live import LiveView

        acct = _accountant(args)
        dash = LiveView(args.source, energy=acct)
    elif args.state:
        raise UsageError("--state needs --live")

    def event(kind, msg):
        if dash is not None:
            dash.event(kind, msg)  # shown in the view: stderr would scribble over it
            return
        if kind == "connected":
            if not args.quiet:
                err(msg)
        elif kind != "ended":
            err(msg)

    def opened():
        src = open_()
        if getattr(src, "detected", None) and not args.live:
            err("%s: detected %d 8%s1 (%s)" % (src.name, src.detected[0], src.detected[1],
                                               getattr(src, "detected_protocol", None) or "?"))
        if getattr(src, "parity_ignored", False) and not args.quiet and not args.live:
            err("%s: a pty has no parity; reading 8N1" % src.name)
        return src

    gen = follow(opened, reader, on_event=event, stop=stop, retry_first=args.wait, max_delay=args.max_backoff,
                 reconnect=not args.no_reconnect, silence=args.silence)
    n = 0
    try:
        if dash is not None:
            n = dash.run(gen, reader, count=args.count)
        else:
            notice = KeyNotice(args)
            for r in gen:
                n += 1
                notice(r)
                emit(r, args)
                if args.count and n >= args.count:
                    break
    except KeyboardInterrupt:
        pass
    finally:
        gen.close()
        if acct is not None:
            acct.close()
    if not args.quiet:
        c = reader.counters()
        err("%s, %s ok, %d rejected" % (plural(n, "reading"), plural(c["accepted"], "frame"), c["rejected"]))
    return EXIT_OK if n else EXIT_FAIL


def _accountant(args):
    """The live view's energy accounting: kept in the state folder for a live
    source, as ``hanreader energy`` keeps it."""
    import os

    return accountant(args, live=not os.path.isfile(args.source))
