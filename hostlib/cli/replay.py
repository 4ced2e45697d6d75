# hostlib/cli/replay.py: ``hanreader replay``: a recording decoded, or re-sent to a pty/TCP.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
from ._common import (EXIT_FAIL, EXIT_OK, KeyNotice, RejectReporter, add_keys, add_output, add_sinks, decryptor, emit,
                      err, plural, positive, sink_for)

ORDER = 40


def add_parser(sub):
    rp = sub.add_parser("replay", help="replay a recording (decoded, or re-sent to a pty/TCP)",
                        description="Replay FILE at the recorded pace (or --fast). Without an output "
                        "option the readings are printed as 'read' prints them.")
    rp.add_argument("file", metavar="FILE")
    add_output(rp)
    add_keys(rp)
    rp.add_argument("--fast", action="store_true", help="as fast as possible")
    rp.add_argument("--speed", type=positive(float), default=1.0, help="pace factor (2 = twice as fast)")
    g = add_sinks(rp, "the bytes")
    g.add_argument("--raw", action="store_true", help="write the raw bytes to standard output")
    rp.add_argument("--wait-client", action="store_true", help="with --tcp: wait for a client first")
    rp.set_defaults(func=run, hex=False)
    return rp


def run(args):
    from ..reader import HanReader, chunks
    from ..sources import open_file

    speed = None if args.fast else args.speed
    src = open_file(args.file, "auto", speed=speed, on_warning=None if args.quiet else err)
    if src.format != "recording" and not args.fast:
        err("%s is %s input, not a recording: no timing to replay, sending it at once" % (args.file, src.format))
    output = args.pty or args.port or args.tcp is not None or args.raw
    n = 0
    try:
        if output:
            args.hex = not args.raw
            sink, close, where, obj = sink_for(args)
            err("replaying %s to %s%s" % (args.file, where, "" if speed else " as fast as possible"))
            if args.tcp is not None and args.wait_client:
                obj.connected.wait()
            try:
                for _src, data in chunks(lambda: src, reconnect=False, close=False):  # the one read loop
                    if data:
                        sink(data)
                        n += len(data)
            finally:
                close()
            return EXIT_OK if n else EXIT_FAIL
        rep = RejectReporter(args.quiet)
        notice = KeyNotice(args)
        reader = HanReader(decrypt=decryptor(args), on_reject=rep)
        try:
            for r in reader.readings(src):
                n += 1
                notice(r)
                emit(r, args)
        except KeyboardInterrupt:
            pass
        if not args.quiet:
            c = reader.counters()
            err("%s, %d rejected" % (plural(n, "reading"), c["rejected"]))
        return EXIT_OK if n else EXIT_FAIL
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        src.close()
