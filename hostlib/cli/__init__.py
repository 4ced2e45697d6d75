# hostlib/cli/__init__.py: the ``hanreader`` command: a small dispatcher over one module per command.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""hanreader: read, decode, record, replay and simulate smart-meter HAN ports.

    hanreader demo                               # simulated meter, live view
    hanreader decode capture.hex [--json]        # frames in a file (raw or hex)
    hanreader read /dev/ttyUSB0 [--json]         # live readings (reconnects)
    hanreader read tcp://192.168.1.20:3001
    hanreader record /dev/ttyUSB0 out.hanrec     # raw bytes with timestamps
    hanreader replay out.hanrec [--fast]
    hanreader simulate --meter kaifa --phases 3 --pty

Exit status: 0 success (``decode``: at least one frame decoded), 1 failure
(nothing decoded, a port or file that cannot be used, bad input), 2 usage
error. Errors are one clear line on stderr, never a traceback.

Adding a command: a module ``hostlib/cli/<name>.py`` (no leading underscore)
with ``ORDER`` (its place in ``--help``), ``add_parser(sub)`` (adds its
sub-parser to the argparse sub-parsers ``sub`` and sets ``func=run``) and
``run(args)`` (returns the exit status). Shared helpers (messages, option
groups, keys, the reading table) are in ``_common``. The dispatcher finds
every such module by itself: nothing else to edit.
"""

import importlib
import os
import pkgutil
import sys

from ._common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, PROG, Fail, Parser, UsageError, err, format_reading  # noqa: F401

__all__ = ["main", "run", "build_parser", "format_reading", "commands", "EXIT_OK", "EXIT_FAIL", "EXIT_USAGE"]


def commands():
    """The command modules of this package, in ``--help`` order."""
    mods = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module("%s.%s" % (__name__, info.name))
        if hasattr(mod, "add_parser") and hasattr(mod, "run"):
            mods.append(mod)
    mods.sort(key=lambda m: (getattr(m, "ORDER", 100), m.__name__))
    return mods


def build_parser():
    from protocols import __version__

    p = Parser(prog=PROG, description="Read and decode smart-meter HAN ports (Aidon, Kaifa, "
               "Kamstrup and other DLMS meters): live, from files, or simulated.",
               epilog="Exit status: 0 ok, 1 failure (nothing decoded, port or file unusable), 2 usage.")
    p.add_argument("--version", action="version", version="%(prog)s " + __version__)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for mod in commands():
        mod.add_parser(sub)
    return p


def main(argv=None):
    """Entry point; returns the exit status (also for ``main([...])`` in tests)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from ..hexinput import HexError
    from ..recording import RecordingError
    from ..sources import SourceError

    _term_is_interrupt()
    try:
        return args.func(args)
    except UsageError as e:
        err(str(e))
        return EXIT_USAGE
    except (SourceError, Fail, HexError, RecordingError) as e:
        err(str(e))
        return EXIT_FAIL
    except KeyboardInterrupt:
        # Every command ends on Ctrl-C (or SIGTERM) as at the end of its input, with
        # its summary and the status of what it did; this is only reached when the
        # interrupt came before it got going (opening, probing): nothing was done.
        err("interrupted")
        return EXIT_FAIL
    except BrokenPipeError:
        # The reader of our output went away (``| head``): not an error.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except Exception as e:  # noqa: BLE001 - never a traceback for the user
        err("internal error: %s: %s (please report it, with HANREADER_DEBUG=1 for details)"
            % (type(e).__name__, e))
        if os.environ.get("HANREADER_DEBUG"):
            import traceback

            traceback.print_exc()
        return EXIT_FAIL


def _term_is_interrupt():
    """SIGTERM (systemd, docker stop, timeout) ends a command as cleanly as Ctrl-C."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):  # pragma: no cover - not the main thread / no signals
        pass


def run():
    sys.exit(main())
