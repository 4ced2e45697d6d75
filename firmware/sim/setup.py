# sim/setup.py: the simulated board's set-up for sim/replay.py.
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""Options, flash folder, config file and the fake ``machine`` module
(see sim/replay.py). Imported, run once and forgotten before the firmware
boots, so its code is not in the heap the firmware runs in."""

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


def _dropper(ap, ms):
    def drop():
        sys.stderr.write("sim: Wi-Fi access point away for %d ms\n" % ms)
        ap.drop(ms)

    return drop


def prepare(argv):
    """Set up the flash folder, the config and the fake board; (meter, stats?)."""
    opts = {"--meter": None, "--passes": "1", "--flash": None, "--boards": None, "--board": None,
            "--set": None, "--reset-cause": "pwron", "--format": "auto", "--linger-ms": "300",
            "--heap-every": "0", "--alloc": "0", "--wifi": None, "--wifi-drop": None,
            "--join-ms": "100", "--start-ms": "0", "--gap-ms": "0", "--settle-ms": "15000"}
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
    flash = opts["--flash"] or "/tmp/hanreader-flash"
    _mkdirs(flash)
    from sim.capture import open_capture

    try:
        # Read from the file as the UART asks: no capture bytes in the heap.
        data = open_capture(args[0], opts["--format"], flash + ".capture")
    except (OSError, ValueError) as e:
        usage(str(e))
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
    m.start_ms = int(opts["--start-ms"])
    m.gap_ms = int(opts["--gap-ms"])
    m.settle_ms = int(opts["--settle-ms"])
    if opts["--wifi"] is not None:
        # A board with Wi-Fi: the access point's SSID:PASSWORD.
        from sim import fakenetwork

        ssid, _, pw = opts["--wifi"].partition(":")
        fakenetwork.ap.ssid = ssid
        fakenetwork.ap.password = pw
        fakenetwork.ap.join_ms = int(opts["--join-ms"])
        sys.modules["network"] = fakenetwork
        sys.modules["ntptime"] = fakenetwork.ntptime
        for cue in (opts["--wifi-drop"] or "").split(","):
            if cue:
                at, _, ms = cue.partition(":")
                m.cues[int(at)] = _dropper(fakenetwork.ap, int(ms or "3000"))
    elif opts["--wifi-drop"]:
        usage("--wifi-drop needs --wifi")
    return m, flags["--stats"]
