# hostlib/cli/simulate.py: ``hanreader simulate``: emulate a meter.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
from protocols.meters import catalog as meters

from ._common import EXIT_OK, UsageError, err, positive, sink_for

ORDER = 50


def add_parser(sub):
    s = sub.add_parser("simulate", help="emulate a meter: real frames to a pty, TCP or stdout",
                       description="Emulate an Aidon, Kaifa or Kamstrup meter: real frames from a "
                       "plausible household load, at the meters' cadence (or sped up).")
    s.add_argument("--meter", choices=meters.simulated(), default="aidon")
    s.add_argument("--phases", type=int, choices=[1, 3], default=3)
    g = s.add_mutually_exclusive_group()
    g.add_argument("--port", metavar="PTY", help="write to this pty or serial port (e.g. one end of socat)")
    g.add_argument("--pty", action="store_true", help="create a pty pair and print the end to read")
    g.add_argument("--tcp", type=int, metavar="PORT", help="serve frames on TCP PORT (0: any free port)")
    s.add_argument("--bind", default="127.0.0.1", help="address for --tcp (default 127.0.0.1)")
    s.add_argument("--hex", action="store_true", help="stdout: one frame per line in hex")
    s.add_argument("--speed", type=positive(float), default=1.0, help="time factor (60 = a minute per second)")
    s.add_argument("--fast", action="store_true", help="as fast as possible")
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
    sim = Simulator(args.meter, args.phases, seed=args.seed, start=start)
    sink, close, where, obj = sink_for(args)
    speed = None if args.fast else args.speed
    stop = threading.Event()
    if args.duration:
        timer = threading.Timer(args.duration, stop.set)
        timer.daemon = True
        timer.start()
    err("simulating a %s %s (%d-phase) -> %s, %s (Ctrl-C to stop)" % (
        sim.cfg["manufacturer"], sim.meter_type, sim.phases, where,
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
    try:
        n = sim.run(sink, speed=speed, count=args.count, stop=stop, on_frame=on_frame)
    except KeyboardInterrupt:
        n = sim.sent
    except BrokenPipeError:
        n = sim.sent
    finally:
        stop.set()
        close()
    err("sent %d frames" % n)
    return EXIT_OK
