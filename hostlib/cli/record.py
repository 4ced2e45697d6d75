# hostlib/cli/record.py: ``hanreader record``: raw bytes with receive timestamps.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
import sys
import time

from ._common import EXIT_FAIL, EXIT_OK, Fail, add_serial, err, opener, positive, stopper

ORDER = 30


def add_parser(sub):
    rc = sub.add_parser("record", help="record raw bytes with receive timestamps",
                        description="Record what PORT sends, as received, with timestamps "
                        "(format: docs/host.md). decode and replay read the file.")
    rc.add_argument("source", metavar="PORT|tcp://HOST:PORT")
    rc.add_argument("file", metavar="FILE")
    add_serial(rc)
    rc.add_argument("-n", "--count", type=positive(int), help="stop after N verified frames")
    rc.add_argument("--duration", type=positive(float), help="stop after SECONDS")
    rc.set_defaults(func=run)
    return rc


def run(args):
    from protocols.hdlc import HdlcFramer

    from ..recording import RecordingWriter
    from ..sources import SourceLost

    open_ = opener(args)
    stop = stopper(args)
    src = open_()
    settings = getattr(src, "settings", "")
    try:
        f = open(args.file, "w", encoding="utf-8", newline="\n")
    except OSError as e:
        src.close()
        raise Fail("%s: %s" % (args.file, e.strerror or e)) from None
    framer = HdlcFramer(max_frame=2049)
    w = RecordingWriter(f, source=("%s %s" % (src.name, settings)).strip())
    tty = sys.stderr.isatty()
    err("recording %s to %s (Ctrl-C to stop)" % (src.name, args.file))
    delay = 1.0
    last = 0.0
    try:
        while not stop():
            try:
                data = src.read()
            except SourceLost as e:
                src.close()
                err("%s; reconnecting" % e.message)
                while not stop():
                    time.sleep(delay)
                    delay = min(delay * 2, 30.0)
                    try:
                        src = open_()
                        err("%s: reconnected" % src.name)
                        delay = 1.0
                        break
                    except Exception as e2:  # noqa: BLE001 - report and retry
                        err("%s; retrying in %.0f s" % (getattr(e2, "message", e2), delay))
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
    err("recorded %d bytes in %d chunks (%d frames ok, %d rejected) to %s"
        % (w.bytes, w.chunks, framer.accepted, framer.rejected, args.file))
    return EXIT_OK if w.bytes else EXIT_FAIL
