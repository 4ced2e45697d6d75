# sim/replay.py: boot the unmodified firmware on a MicroPython port with a fake board.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Entry script of tools/firmware-replay (runs inside MicroPython).

    micropython -X heapsize=64k firmware/sim/replay.py CAPTURE [options]

with ``firmware/`` and ``protocols``' parent on the import path. Options:

  --meter SETTING    the meter's serial setting (default: the one the
                     dongle starts on, i.e. no detection needed)
  --passes N         push the capture N times at the meter's setting (1)
  --flash DIR        the board's filesystem (config, boot counter); kept
                     between runs, so settings persist like on flash
  --boards DIR       board profiles to install in DIR/boards (deploy does
                     the same on a real board)
  --board NAME       write {"board": NAME} to a fresh config
  --set JSON         merge these settings into the config before boot
  --reset-cause C    pwron (default), wdt, soft or hard
  --format F         hex (text with # comments), raw, or auto (default)
  --linger-ms N      quiet time after the last pass before exiting (300)
  --stats            print {"sim": {...}} (settings opened, heap) on stderr
  --heap-every N     sample gc.mem_alloc() after collect every N passes
  --alloc N          measure bytes allocated over N passes (gc disabled)

stdout carries exactly what the dongle prints on USB serial.
"""

import gc
import json
import os
import sys


def usage(msg):
    sys.stderr.write("replay: %s\n" % msg)
    sys.stderr.write("usage: replay.py CAPTURE [--meter S] [--passes N] [--flash DIR] [--boards DIR] "
                     "[--board NAME] [--set JSON] [--reset-cause C] [--format F] [--stats]\n")
    raise SystemExit(2)


def _exists(p):
    try:
        os.stat(p)
        return True
    except OSError:
        return False


def _mkdirs(p):
    cur = ""
    for part in p.split("/"):
        if not part:
            cur = "/"
            continue
        cur = cur + part if cur.endswith("/") or not cur else cur + "/" + part
        if not _exists(cur):
            os.mkdir(cur)


def main(argv):
    opts = {"--meter": None, "--passes": "1", "--flash": None, "--boards": None, "--board": None,
            "--set": None, "--reset-cause": "pwron", "--format": "auto", "--linger-ms": "300",
            "--heap-every": "0", "--alloc": "0"}
    flags = {"--stats": False}
    args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in flags:
            flags[a] = True
        elif a in opts:
            if i + 1 >= len(argv):
                usage("%s needs a value" % a)
            opts[a] = argv[i + 1]
            i += 1
        elif a.startswith("--"):
            usage("unknown option %s" % a)
        else:
            args.append(a)
        i += 1
    if len(args) != 1:
        usage("expected one CAPTURE file")
    from sim.capture import load

    try:
        data = load(args[0], opts["--format"])
    except (OSError, ValueError) as e:
        usage(str(e))

    flash = opts["--flash"] or "/tmp/hanreader-flash"
    _mkdirs(flash)
    if opts["--boards"]:
        _mkdirs(flash + "/boards")
        for n in os.listdir(opts["--boards"]):
            if n.endswith(".json") and not _exists(flash + "/boards/" + n):
                with open(opts["--boards"] + "/" + n) as src:
                    text = src.read()
                with open(flash + "/boards/" + n, "w") as dst:
                    dst.write(text)
    os.chdir(flash)

    cfg = {}
    try:
        with open("hanreader.json") as f:
            cfg = json.load(f)
    except (OSError, ValueError):
        cfg = {}
    fresh = not _exists("hanreader.json")
    if (fresh and opts["--board"]) or opts["--set"]:
        if fresh and opts["--board"]:
            cfg["board"] = opts["--board"]
        if opts["--set"]:
            extra = json.loads(opts["--set"])
            for k in extra:
                cfg[k] = extra[k]
        with open("hanreader.json", "w") as f:
            json.dump(cfg, f)

    from sim import fakemachine

    m = fakemachine.meter
    m.data = data
    start = cfg.get("serial") or (cfg.get("detect_order") or ["2400-8E1"])[0]
    m.setting = opts["--meter"] or start
    m.passes = int(opts["--passes"])
    m.linger_ms = int(opts["--linger-ms"])
    m.heap_every = int(opts["--heap-every"])
    m.alloc_passes = int(opts["--alloc"])
    fakemachine.STATS = flags["--stats"]
    causes = {"pwron": fakemachine.PWRON_RESET, "wdt": fakemachine.WDT_RESET,
              "soft": fakemachine.SOFT_RESET, "hard": fakemachine.HARD_RESET}
    if opts["--reset-cause"] not in causes:
        usage("--reset-cause: expected pwron, wdt, soft or hard")
    fakemachine.RESET_CAUSE = causes[opts["--reset-cause"]]
    sys.modules["machine"] = fakemachine
    del data, cfg
    gc.collect()
    if flags["--stats"]:
        sys.stderr.write('{"sim_base_heap": %d}\n' % gc.mem_alloc())

    # What the board does at power-on: boot.py, then main.py.
    import boot  # noqa: F401
    import main  # noqa: F401

    # main.py returns only in safe mode (or on the webassembly port, where
    # asyncio.run is deferred until this script ends).
    if flags["--stats"] and sys.platform != "webassembly":
        sys.stderr.write(m.stats() + "\n")


main(sys.argv[1:])
