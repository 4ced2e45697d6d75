# hostlib/cli/record.py: ``hanreader record``: raw bytes with receive timestamps.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
import os
import sys
import time

from ._common import EXIT_FAIL, EXIT_OK, Fail, add_serial, err, opener, plural, positive, stopper

ORDER = 30


def add_parser(sub):
    rc = sub.add_parser("record", help="record raw bytes with receive timestamps",
                        description="Record what PORT sends, as received, with timestamps "
                        "(format: docs/host.md). decode and replay read the file.")
    rc.add_argument("source", metavar="PORT|tcp://HOST:PORT")
    rc.add_argument("file", metavar="FILE")
    add_serial(rc)
    rc.add_argument("-n", "--count", type=positive(int), help="stop after N verified frames (any protocol)")
    rc.add_argument("--duration", type=positive(float), help="stop after SECONDS")
    rc.add_argument("-f", "--force", action="store_true", help="overwrite FILE if it exists")
    rc.set_defaults(func=run)
    return rc


def run(args):
    from protocols.decoder import Reader

    from ..reader import chunks
    from ..recording import RecordingWriter

    if os.path.exists(args.file) and not args.force:
        raise Fail("%s exists; not overwriting it (--force to overwrite)" % args.file)
    open_ = opener(args)
    stop = stopper(args)
    first = [open_()]  # opened before the file is made: a wrong port leaves no empty file
    src = first[0]
    settings = getattr(src, "settings", "")
    try:
        f = open(args.file, "w", encoding="utf-8", newline="\n")
    except OSError as e:
        src.close()
        raise Fail("%s: %s" % (args.file, e.strerror or e)) from None
    # Frames of every protocol are counted: the core's framers, in detection mode.
    frames = [0]
    core = Reader(protocol="auto", max_frame=2049, on_frame=lambda m: frames.__setitem__(0, frames[0] + 1))
    w = RecordingWriter(f, source=("%s %s" % (src.name, settings)).strip())
    tty = sys.stderr.isatty()
    err("recording %s to %s (Ctrl-C to stop)" % (src.name, args.file))

    def event(kind, msg):
        if kind in ("lost", "retry") or kind == "connected" and "reconnected" in msg:
            err(msg)

    def reopen():
        return first.pop() if first else open_()

    last = 0.0
    gen = chunks(reopen, stop=stop, on_event=event, on_lost=core.flush)
    try:
        for _src, data in gen:
            if not data:
                continue
            w.write(data)
            core.feed(data)
            if args.count and frames[0] >= args.count:
                break
            if tty and time.monotonic() - last > 0.5:
                last = time.monotonic()
                c = core.counters()
                sys.stderr.write("\r%d bytes, %s ok, %d rejected " % (w.bytes, plural(frames[0], "frame"),
                                                                      _rejected(c)))
                sys.stderr.flush()
    except KeyboardInterrupt:
        pass
    finally:
        gen.close()
        if first:
            first[0].close()
        w.close()
        f.close()
    if tty:
        sys.stderr.write("\n")
    err("recorded %s in %s (%s ok, %d rejected) to %s"
        % (plural(w.bytes, "byte"), plural(w.chunks, "chunk"), plural(frames[0], "frame"),
           _rejected(core.counters()), args.file))
    return EXIT_OK if w.bytes else EXIT_FAIL


def _rejected(c):
    return sum(c.get(k, 0) for k in ("hcs_errors", "fcs_errors", "checksum_errors", "length_errors", "oversize",
                                     "truncated", "format_errors"))
