# hostlib/cli/simulate.py: ``hanreader simulate``: emulate a meter.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
from ._common import EXIT_OK, UsageError, add_meter, add_sinks, article, err, key_arg, plural, positive, sink_for

ORDER = 50


def add_parser(sub):
    s = sub.add_parser("simulate", help="emulate a meter: real frames to a pty, TCP or stdout",
                       description="Emulate an Aidon, Kaifa or Kamstrup meter: real frames from a "
                       "plausible household load, at the meters' cadence (or sped up).")
    add_meter(s)
    add_sinks(s, "the frames")
    s.add_argument("--key", metavar="HEX", help="encrypt the frames with this AES-128 key (32 hex digits), "
                   "as meters with encryption do")
    s.add_argument("--auth-key", metavar="HEX", help="with --key: authenticate them too (a GCM tag)")
    s.add_argument("--hex", action="store_true", help="stdout: one frame per line in hex")
    s.add_argument("--speed", type=positive(float), default=1.0, help="time factor (60 = a minute per second)")
    s.add_argument("--fast", action="store_true",
                   help="as fast as possible: >= 20,000 frames/s from per-list templates (docs/energy.md)")
    s.add_argument("--lists", metavar="1,2,3", help="send only these lists (e.g. 2,3; with --fast)")
    s.add_argument("--fault", action="append", default=[], metavar="KIND@TIME[+DUR]",
                   help="with --fast: miss-list3@2026-01-10T14, power-cut@2026-01-12T03:00+3h, "
                   "reboot@2026-01-15T12:20+90s (repeatable)")
    s.add_argument("--tz", default="Europe/Oslo", help="with --fast: the meter's local zone (default Europe/Oslo)")
    s.add_argument("--until", metavar="TIME", help="with --fast: stop at this simulated local time (ISO)")
    s.add_argument("--record", metavar="FILE", help="with --fast: also write a recording (simulated receive times)")
    s.add_argument("-n", "--count", type=positive(int), help="stop after N frames")
    s.add_argument("--duration", type=positive(float), help="stop after SECONDS (wall clock)")
    s.add_argument("--seed", type=int, help="random seed (repeatable load profile)")
    s.add_argument("--start", help="simulated start time (ISO, default now)")
    s.add_argument("-v", "--verbose", action="store_true", help="log every frame on stderr")
    s.set_defaults(func=run)
    return s


def run(args):
    import datetime
    import threading

    from ..simulator import Simulator

    start = None
    if args.start:
        try:
            start = datetime.datetime.fromisoformat(args.start)
        except ValueError:
            raise UsageError("--start: expected an ISO date-time like 2025-01-15T13:59:00, found %r"
                             % args.start) from None
    if args.auth_key and not args.key:
        raise UsageError("--auth-key needs --key")
    sim = Simulator(args.meter, args.phases, seed=args.seed, start=start,
                    key=key_arg(args.key, "--key") if args.key else None,
                    auth_key=key_arg(args.auth_key, "--auth-key") if args.auth_key else None)
    fast = _fast_frames(args, sim)
    sink, close, where, obj = sink_for(args)
    speed = None if args.fast else args.speed
    stop = threading.Event()
    if args.duration:
        timer = threading.Timer(args.duration, stop.set)
        timer.daemon = True
        timer.start()
    err("simulating %s %s (%d-phase) -> %s, %s (Ctrl-C to stop)" % (
        article(sim.cfg["manufacturer"]), sim.meter_type, sim.phases, where,
        "as fast as possible" if not speed else ("real time" if speed == 1 else "%gx real time" % speed)))
    if obj is not None and getattr(obj, "path", None) and getattr(obj, "master", None) is not None:
        err("read it with: hanreader read %s" % obj.path)
    if obj is not None and hasattr(obj, "url"):
        err("read it with: hanreader read %s" % obj.url)

    def on_frame(f):
        if args.verbose:
            err("%s list %d, %d bytes, P+ %s W" % (f.when.isoformat(), f.list, len(f.frame),
                                                  f.expected.get("active_power_import")))

    n = 0
    frames = None
    if fast is not None:
        sink, close, frames = _recorded(args, sink, close, fast)
    try:
        n = sim.run(sink, speed=speed, count=args.count, stop=stop, on_frame=on_frame, frames=frames)
    except KeyboardInterrupt:
        n = sim.sent
    except BrokenPipeError:
        n = sim.sent
    finally:
        stop.set()
        close()
    err("sent %s" % plural(n, "frame"))
    return EXIT_OK


def _fast_frames(args, sim):
    """The FastFrames of --fast (with --lists, --fault, --tz), or None."""
    from ..simulator import FastFrames, parse_fault

    if not args.fast:
        if args.lists or args.fault or args.record or args.until:
            raise UsageError("--lists, --fault, --until and --record need --fast")
        return None
    lists = None
    if args.lists:
        try:
            lists = [int(x) for x in args.lists.split(",")]
        except ValueError:
            raise UsageError("--lists: expected list numbers like 1,2,3, found %r" % args.lists) from None
        if not lists or any(x not in (1, 2, 3) for x in lists):
            raise UsageError("--lists: expected list numbers among 1, 2, 3, found %r" % args.lists)
    try:
        faults = [parse_fault(f) for f in args.fault]
        from ..energy import host_zone

        zone = host_zone(args.tz)
    except ValueError as e:
        raise UsageError(str(e)) from None
    ff = FastFrames(sim, zone, lists, faults)
    ff.span = None
    if args.until:
        import datetime

        try:
            until = datetime.datetime.fromisoformat(args.until)
        except ValueError:
            raise UsageError("--until: expected an ISO date-time like 2026-04-01T00:01, found %r"
                             % args.until) from None
        ff.span = ff._utc(until.replace(tzinfo=None)) - ff.start_u
        if ff.span <= 0:
            raise UsageError("--until %s is not after the start" % args.until)
    if not ff.pattern:
        raise UsageError("--lists %s: a %s sends none of these lists" % (args.lists, args.meter))
    return ff


def _recorded(args, sink, close, fast):
    """With --record FILE: the sink also writes each frame to a recording at its simulated time."""
    frames = fast.frames(count=args.count, duration=fast.span)
    if not args.record:
        return sink, close, frames
    import datetime

    from ..recording import RecordingWriter

    started = datetime.datetime.fromtimestamp(fast.start_u, datetime.timezone.utc)
    off = fast.zone.utcoffset(fast.start_u)
    started = started.astimezone(datetime.timezone(datetime.timedelta(seconds=off))).isoformat()
    try:
        rec = RecordingWriter(args.record, source="hanreader simulate --fast --meter %s" % args.meter,
                              started=started, flush=False)
    except OSError as e:
        raise UsageError("--record: cannot write %s: %s" % (args.record, e.strerror or e)) from None
    clock = [0.0]

    def both(data):
        rec.write(data, clock[0])
        sink(data)

    def close_both():
        rec.close()
        close()

    def timed():
        for f in frames:
            clock[0] = f.t
            yield f

    return both, close_both, timed()
