# hostlib/cli/demo.py: ``hanreader demo``: a simulated meter into the reader, with a live view.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
from ._common import EXIT_OK, add_meter, err, plural, positive

ORDER = 60


def add_parser(sub):
    dm = sub.add_parser("demo", help="simulated meter -> reader, with a live terminal view",
                        description="Run a simulated meter into the reader in one process and show a "
                        "live view. Ctrl-C or --duration ends it.")
    add_meter(dm)
    dm.add_argument("--duration", type=positive(float), help="stop after SECONDS")
    dm.add_argument("--speed", type=positive(float), default=1.0, help="time factor (10 = ten times faster)")
    dm.add_argument("--history", type=float, default=5.0, help="minutes of history sent at start (trend)")
    dm.add_argument("--seed", type=int)
    dm.add_argument("--headless", action="store_true", help="plain snapshots instead of a live screen")
    dm.add_argument("--every", type=positive(float), default=10.0, help="headless: snapshot every SECONDS")
    dm.set_defaults(func=run)
    return dm


def run(args):
    from rich.console import Console

    from ..live import run_demo

    console = Console(force_terminal=False if args.headless else None)
    dash, reader = run_demo(console, args.meter, args.phases, duration=args.duration,
                            speed=args.speed, history=args.history * 60.0, seed=args.seed,
                            snapshot_every=args.every)
    c = reader.counters()
    err("demo ended: %s, %s ok, %d rejected" % (plural(dash.readings, "reading"), plural(c["accepted"], "frame"),
                                                c["rejected"]))
    return EXIT_OK
