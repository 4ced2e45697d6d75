# hostlib/cli/energy.py: ``hanreader energy``: hours, days, the month's peaks and tariff step.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
import json
import os
import re

from ._common import (EXIT_FAIL, EXIT_OK, RejectReporter, UsageError, accountant, add_keys, add_serial, decryptor, err,
                      opener, out, plural, positive, stopper)

ORDER = 60


def add_parser(sub):
    e = sub.add_parser("energy", help="hourly energy, days, the month's peaks and capacity step",
                       description="Account the energy of a recording, capture file or live source: each "
                       "hour's import and export from the meter's hourly registers (estimated or marked "
                       "missing where list 3 was lost), days and months in local time, the month's top "
                       "hours on different days, their average and the tariff step (docs/energy.md).")
    e.add_argument("source", metavar="SOURCE", help="a recording or capture file, a serial port or tcp://HOST:PORT")
    e.add_argument("--json", action="store_true", help="print one JSON object (Wh, local times with offsets)")
    e.add_argument("--month", metavar="YYYY-MM", help="only this month")
    e.add_argument("--tz", default="Europe/Oslo", metavar="ZONE", help="local time zone (default Europe/Oslo)")
    e.add_argument("--steps", metavar="FILE", help="tariff steps: JSON list or lines of kWh lower bounds")
    e.add_argument("--top", type=positive(int), default=3, help="peak hours in the average (default 3)")
    e.add_argument("--state", metavar="DIR", help="keep hours and state in DIR/energy.sqlite3 (default for a "
                   "live source: $XDG_STATE_HOME/hanreader; files: none)")
    e.add_argument("--duration", type=positive(float), help="live source: stop after SECONDS")
    e.add_argument("-q", "--quiet", action="store_true", help="no rejected-frame messages")
    add_keys(e)
    add_serial(e)
    e.set_defaults(func=run)
    return e


def run(args):
    from ..energy import account_file, load_steps, now_utc, render
    from ..reader import HanReader, follow
    from protocols import energy as core

    if args.month is not None and not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", args.month):
        raise UsageError("--month: expected YYYY-MM, found %r" % args.month)
    try:
        steps = load_steps(args.steps) if args.steps else core.DEFAULT_STEPS
    except ValueError as e:
        raise UsageError(str(e)) from None
    live = not os.path.isfile(args.source) and args.source != "-"
    acct = accountant(args, live, args.top, steps)
    zone = acct.zone
    reader = HanReader(decrypt=decryptor(args), on_reject=RejectReporter(args.quiet))
    n = 0
    try:
        if not live:
            n = account_file(acct, args.source, reader)
        else:
            stop = stopper(args)
            gen = follow(opener(args), reader, stop=stop,
                         on_event=lambda kind, msg: None if kind in ("connected", "ended") else err(msg))
            try:
                for r in gen:
                    acct.feed(r, now_utc())
                    n += 1
            except KeyboardInterrupt:
                pass
            finally:
                gen.close()
        report = acct.report(args.month)
        running = acct.energy.running()
        if running is not None:
            running["start"] = core.hour_iso(zone, running["hour"])
    finally:
        acct.close()
    if args.json:
        out(json.dumps(report))
    else:
        out(render(report, running if not args.month else None))
    if not args.quiet:
        c = acct.energy.counters
        err("%s, %s (%d estimated, %d missing)" % (plural(n, "reading"), plural(c["hours"], "hour"), c["estimated"],
                                                    c["missing"]))
    return EXIT_OK if n else EXIT_FAIL
