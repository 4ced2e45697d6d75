# sim/jobs.py: many firmware runs in one MicroPython process (the test-suite's driver).
# Copyright (c) 2026 The hanreader contributors. MIT licence.
"""    micropython sim/jobs.py JOBS.json

JOBS.json: {"flash": DIR, "boards": DIR, "linger_ms": 20,
            "runs": [{"name": ..., "capture": PATH, "meter": SETTING or null,
                      "set": {...}, "passes": 1}, ...]}

Each run boots a fresh ``app.App`` (the unmodified firmware) on a fresh
flash folder and a fresh simulated meter, until the simulator ends it.
After each run's output lines: ``### NAME RC OPENS`` (the settings the
firmware opened, as JSON). One process, so the webassembly port pays its
start-up once.
"""

import gc
import json
import os
import sys

import asyncio


def _mkdir(p):
    try:
        os.mkdir(p)
    except OSError:
        pass


async def run_all(jobs):
    from sim import fakemachine as fm
    from sim.capture import open_capture

    sys.modules["machine"] = fm
    root = jobs["flash"]
    _mkdir(root)
    profiles = {}
    for n in os.listdir(jobs["boards"]):
        with open(jobs["boards"] + "/" + n) as f:
            profiles[n] = f.read()
    i = 0
    for job in jobs["runs"]:
        i += 1
        flash = "%s/run%d" % (root, i)
        _mkdir(flash)
        _mkdir(flash + "/boards")
        for n in profiles:
            with open(flash + "/boards/" + n, "w") as f:
                f.write(profiles[n])
        cfg = {"board": "pico", "status_s": 0}
        for k in job.get("set") or {}:
            cfg[k] = job["set"][k]
        with open(flash + "/hanreader.json", "w") as f:
            json.dump(cfg, f)
        os.chdir(flash)
        m = fm.Meter()
        fm.meter = m
        m.data = None
        gc.collect()
        m.data = open_capture(job["capture"], job.get("format", "auto"), flash + ".capture")
        m.setting = job.get("meter") or cfg.get("serial") or "2400-8E1"
        m.passes = job.get("passes", 1)
        m.linger_ms = jobs.get("linger_ms", 20)
        import app

        rc = 0
        try:
            a = app.App()
            await a.run()
        except SystemExit as e:
            rc = e.args[0] if e.args else 0
        print("### %s %d %s" % (job["name"], rc, json.dumps(m.opens)))
        m.data = None
        a = None
        gc.collect()


with open(sys.argv[1]) as _f:
    _jobs = json.load(_f)
asyncio.run(run_all(_jobs))
