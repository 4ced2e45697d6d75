# hostlib/cli/decode.py: ``hanreader decode``: every frame in a file or standard input.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
import os
import sys
import time

from ._common import (EXIT_FAIL, EXIT_OK, KeyNotice, RejectReporter, add_keys, add_output, decryptor, emit, err,
                      plural)

ORDER = 10


def add_parser(sub):
    d = sub.add_parser("decode", help="decode frames in a file (raw bytes, hex text, P1 text, JSON lines, a recording)",
                       description="Decode every frame in FILE (or standard input). The input is recognised by "
                       "its content: raw bytes, hex text (white space, line breaks, # comments, 0x7E,0xA0 or "
                       "7e:a0 forms; a bad line is skipped with a warning), a P1 telegram as text, the dongle's "
                       "JSON lines, or a recording; garbage between frames is skipped. Rejected frames are "
                       "reported on stderr. Exit status 0 when at least one frame decoded.")
    d.add_argument("file", nargs="?", default="-", metavar="FILE|-")
    add_output(d)
    add_keys(d)
    d.add_argument("--format", choices=["auto", "raw", "hex", "recording", "p1", "json"], default="auto",
                   help="input format (default: detect from the content)")
    d.add_argument("--protocol", choices=["auto", "hdlc", "mbus", "p1", "apdu"], default="auto",
                   help="framing (default: detect HDLC, M-Bus, P1 or bare APDUs)")
    d.add_argument("--stats", action="store_true", help="print the summary even with --json")
    d.add_argument("--progress", choices=["auto", "always", "never"], default="auto",
                   help="progress bar on stderr (auto: files over 1 MiB, stderr a terminal)")
    d.set_defaults(func=run)
    return d


def run(args):
    from ..live import ProgressReporter
    from ..reader import HanReader, chunks
    from ..sources import open_file

    decrypt = decryptor(args)
    if args.file == "-" and _stdin_is_terminal():
        err("reading standard input (paste hex or pipe a capture in; Ctrl-D ends; or give a FILE, see --help)")
    src = open_file(args.file, args.format, on_warning=None if args.quiet else err)
    fed = 0
    head = bytearray()  # the first 64 KiB, to explain a file where nothing was found

    def position(e):
        return getattr(e, "stream_offset", None)

    rep = RejectReporter(args.quiet, position)
    notice = KeyNotice(args)
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
    unknown = {}  # signature -> readings of a layout no declaration knows

    def seen(r):
        sig = r.signature
        if sig is not None:
            if sig not in unknown and not args.quiet:
                from protocols.readingextra import diagnostic

                err(diagnostic(r))
            unknown[sig] = unknown.get(sig, 0) + 1

    prog = ProgressReporter(total or 0, "decoding %s" % os.path.basename(args.file)) if show_progress else None
    last = time.monotonic()
    try:
        if prog:
            prog.__enter__()
        for _src, data in chunks(lambda: src, reconnect=False, close=False):  # the one read loop
            # Feed in slices no larger than the framer's spare room, so a
            # rejected frame's offset can be given in input bytes.
            if len(head) < 65536:
                head += data[: 65536 - len(head)]
            for i in range(0, len(data), 256):
                piece = data[i:i + 256]
                fed += len(piece)
                for r in reader.feed(piece, src.received):
                    n += 1
                    notice(r)
                    seen(r)
                    emit(r, args, None)
            if prog and time.monotonic() - last > 0.1:
                last = time.monotonic()
                prog.update(src.position, n)
        for r in reader.flush():
            n += 1
            seen(r)
            emit(r, args)
    except KeyboardInterrupt:
        pass  # Ctrl-C ends the input: the summary and the exit status as at its end
    finally:
        if prog:
            prog.__exit__(None, None, None)
        src.close()
    if n == 0 and not rep.count:
        # Nothing verified and nothing was rejected as a frame: the framers
        # skip a flag that opens no frame (a wrong format type). Say why the
        # first candidate fails.
        _explain(bytes(head), rep)
    c = reader.counters()
    bad = getattr(src, "bad_lines", 0)
    if args.stats or not args.json and not args.quiet:
        rej = max(rep.count, c["rejected"])
        err("%s decoded, %d rejected%s%s" % (
            plural(n, "frame"), rej,
            (" (" + ", ".join("%s %d" % kv for kv in sorted(rep.kinds.items())) + ")") if rep.kinds else "",
            (", %s of hex skipped" % plural(bad, "bad line")) if bad else ""))
    if n == 0:
        if not rep.count:
            err("no frame found in %s (%s input, %d bytes)" % (
                "standard input" if args.file == "-" else args.file, src.format, fed))
        return EXIT_FAIL
    if n == sum(unknown.values()):
        err("no frame in a known layout: %s of a layout no declaration describes" % plural(n, "frame"))
        return EXIT_FAIL
    return EXIT_OK


def _stdin_is_terminal():
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _explain(head, rep):
    from protocols.errors import HanError

    from ..decode import decode

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
